"""ST-GCN vs a language-model core as the motion encoder (issue 18; seed 001), over seeds.

    python -m experiments.llm_core --corpus /tmp/corpus --runs runs/llm-core --output reports/llm_core.json

Four encoders pretrained the same way on the same corpus (``python -m pretrain``, one subprocess per run):
``stgcn`` (cpu-small), ``llm-lora`` (cpu-small-llm: MiniLM-L6 core frozen + LoRA, positions and norms
trainable), ``llm-random`` (the same core architecture randomly initialised, same training mode) and
``llm-full`` (the pretrained core fully fine-tuned). Every run is scored on BasicMotions (offline, aeon):
zero-shot accuracy and macro F1 on the test split, few-shot (``finetune`` full mode, k shots per class),
and forecasting (``finetune.forecast``: the pretrained encoder's forecaster, MAE / RMSE against the naive,
seasonal-naive and linear baselines). Nothing is chosen on the test split: every setting is fixed here.
Training speed is the median ``samples_per_s`` of the run's ``metrics.jsonl``; memory is the run's peak
resident set (``ru_maxrss`` of the pretraining process). Each run's results are kept in its folder
(``result.json``), so an interrupted comparison resumes. The JSON ``--output`` holds every run and the
mean / sample std over seeds; a markdown table goes beside it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tqdm import tqdm

VARIANTS: dict[str, tuple[str, list[str]]] = {
    "stgcn": ("cpu-small", []),
    "llm-lora": ("cpu-small-llm", []),
    "llm-random": ("cpu-small-llm", ["model.imu_encoder.core_init=random"]),
    "llm-full": ("cpu-small-llm", ["model.imu_encoder.core_train=full"]),
}
REPO = Path(__file__).resolve().parents[1]


def pretrain_run(corpus: Path, folder: Path, config: str, overrides: list[str], seed: int, steps: int,
                 batch_size: int) -> dict:
    """Pretrain in a subprocess (resuming an interrupted one); its speed (median samples/s), peak resident memory
    (MiB) and the parameter line it prints. Its stdout and stderr are kept beside the folder (``<folder>.log``)."""
    command = [sys.executable, "-m", "pretrain", "--quiet", "--resume", "--corpus", str(corpus),
               "--output", str(folder), "--config", config, "--max-steps", str(steps), "--batch-size", str(batch_size),
               "--set", f"train.seed={seed}", "--set", f"train.warmup_steps={max(1, steps // 10)}",
               "--set", f"train.log_every={max(1, steps // 10)}", "--set", f"train.checkpoint_every={steps}"]
    for assignment in overrides:
        command += ["--set", assignment]
    started = time.perf_counter()
    folder.parent.mkdir(parents=True, exist_ok=True)
    log = folder.with_name(f"{folder.name}.log")
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
    printed = log.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"pretraining {folder} failed: {printed[-1500:]}")
    lines = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    speeds = [line["samples_per_s"] for line in lines[1:]] or [lines[0]["samples_per_s"]]
    parameters = next((line for line in printed.splitlines() if line.startswith("parameters:")), "")
    return {"samples_per_s": statistics.median(speeds), "peak_rss_mib": usage.ru_maxrss / 1024,
            "wall_s": time.perf_counter() - started, "final_loss": lines[-1]["loss"], "parameters": parameters}


def evaluate(folder: Path, seed: int, shots: int, finetune_steps: int, forecast_epochs: int,
             forecast_stride: int) -> dict:
    """Zero-shot, few-shot and forecasting figures of one model folder on BasicMotions."""
    from benchmarks.loader import load_split
    from benchmarks.registry import get_dataset
    from finetune import TrainSettings, run_finetune
    from finetune.forecast import ForecastSettings, run_forecast
    from pretrain import load_model
    from zero_shot.evaluate import evaluate_split

    dataset = get_dataset("basicmotions")
    zero_shot = evaluate_split(load_model(folder), load_split(dataset, "data/benchmarks", "test")).metrics
    few = run_finetune(folder, dataset, ks=[shots], modes=["full"], seeds=[seed], epochs=1, progress=False,
                       settings=TrainSettings(min_steps=finetune_steps))
    forecast = run_forecast(folder, dataset, seeds=1, modes=("pretrained",), progress=False,
                            settings=ForecastSettings(epochs=forecast_epochs, train_stride=forecast_stride))
    results = forecast["results"]
    return {"zero_shot_acc": zero_shot["acc"], "zero_shot_f1": zero_shot["f1"],
            f"few_shot_k{shots}_acc": few["results"]["full"][shots]["acc_mean"],
            "forecast_mae": results["pretrained"]["mae"]["mean"],
            "forecast_rmse": results["pretrained"]["rmse"]["mean"],
            "baselines": {name: {"mae": results[name]["mae"], "rmse": results[name]["rmse"]}
                          for name in ("naive", "seasonal_naive", "linear")},
            "forecast_targets": forecast["targets"], "forecast_test_origins": forecast["n_test_samples"]}


def summarise(runs: list[dict]) -> dict:
    """Mean and sample std over seeds of every number the runs share."""
    keys = [k for k, v in runs[0].items() if isinstance(v, (int, float)) and k != "seed"]
    return {k: {"mean": statistics.mean(r[k] for r in runs),
                "std": statistics.stdev(r[k] for r in runs) if len(runs) > 1 else 0.0} for k in keys}


def markdown(payload: dict) -> str:
    columns = [k for k in next(iter(payload["summary"].values())) if k not in ("final_loss", "wall_s")]
    lines = ["| encoder | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for variant, summary in payload["summary"].items():
        cells = [f"{summary[c]['mean']:.3f} ± {summary[c]['std']:.3f}" for c in columns]
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    baselines = payload["runs"][0]["baselines"]
    lines += ["", "Forecast baselines (deterministic): " + ", ".join(
        f"{name} MAE {value['mae']:.3f} / RMSE {value['rmse']:.3f}" for name, value in baselines.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.llm_core", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--runs", type=Path, default=Path("runs/llm-core"), help="model folders go here")
    parser.add_argument("--output", type=Path, default=Path("reports/llm_core.json"))
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--steps", type=int, default=300, help="pretraining steps per run (default 300)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--shots", type=int, default=1, help="few-shot series per class (default 1)")
    parser.add_argument("--finetune-steps", type=int, default=50)
    parser.add_argument("--forecast-epochs", type=int, default=10)
    parser.add_argument("--forecast-stride", type=int, default=10, help="samples between training origins")
    args = parser.parse_args(argv)
    runs = []
    jobs = [(variant, seed) for seed in map(int, args.seeds.split(",")) for variant in args.variants.split(",")]
    for variant, seed in tqdm(jobs, desc="llm-core comparison", unit="run"):
        folder = args.runs / f"{variant}-s{seed}"
        cached = folder / "result.json"
        if cached.is_file():
            runs.append(json.loads(cached.read_text()))
            continue
        config, overrides = VARIANTS[variant]
        record = {"variant": variant, "seed": seed,
                  **pretrain_run(args.corpus, folder, config, overrides, seed, args.steps, args.batch_size),
                  **evaluate(folder, seed, args.shots, args.finetune_steps, args.forecast_epochs,
                           args.forecast_stride)}
        cached.write_text(json.dumps(record, indent=2))
        runs.append(record)
    variants = list(dict.fromkeys(r["variant"] for r in runs))
    payload = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
               "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
               "summary": {v: summarise([r for r in runs if r["variant"] == v]) for v in variants}, "runs": runs}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(markdown(payload))
    print(markdown(payload), end="")


if __name__ == "__main__":
    main()
