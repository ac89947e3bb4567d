"""Import the released UniMTS weights into a model folder of this project.

    python -m pretrain.import_unimts UniMTS.pth --model runs/unimts-released

The UniMTS checkpoint (Zhang et al., "UniMTS: Unified Pre-training for Motion Time Series", NeurIPS
2024) is the ``state_dict`` of OpenAI's CLIP ViT-B/32 (Radford et al., "Learning Transferable Visual
Models From Natural Language Supervision", ICML 2021) with the vision tower deleted and the ST-GCN motion
encoder attached as ``acc``, trained on acceleration only (3 channels per joint, joints in the UniMTS
order, which is this project's canonical order). It splits into

* ``acc.<name>``: the motion encoder, :class:`pretrain.stgcn.STGCN` ``(in_channels=3)`` with the same
  parameter names (``imu_encoder.<name>`` here);
* ``token_embedding``, ``positional_embedding``, ``transformer.*``, ``ln_final``, ``text_projection``:
  the CLIP text transformer, loaded into open_clip's ``ViT-B-32-quickgelu`` text tower (OpenAI's CLIP
  uses QuickGELU activations; open_clip names these weights identically);
* ``logit_scale``: CLIP's learnable log inverse temperature.

OUTDIR receives ``model.safetensors`` (keys ``imu_encoder.*``, ``text_tower.encoder.*`` and the scalar
``logit_scale``) and ``config.json``; ``pretrain.load_model(OUTDIR)`` rebuilds the model offline (random
open_clip initialisation, then these weights) with no projection heads: the ST-GCN's 512 features and
CLIP's 512 text features already share one space.
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from pretrain.model import FORMAT
from pretrain.stgcn import STGCN
from skeletons.arguments import add_model_argument, require
from skeletons.atomic import atomic_path
from skeletons.errors import InputError, exit_on_bad_input
from skeletons.outputs import check_output, mark_output

#: open_clip's name for the CLIP model whose text tower UniMTS keeps.
TOOL = "pretrain.import_unimts"
MODEL_FILES = ("model.safetensors", "config.json")
CLIP_MODEL = "ViT-B-32-quickgelu"
#: UniMTS feeds the encoder acceleration only.
UNIMTS_CHANNELS = 3
#: Name prefixes in the checkpoint and in the written model file.
MOTION_PREFIX = "acc."
TEXT_NAMES = ("token_embedding.", "positional_embedding", "transformer.", "ln_final.", "text_projection")
LOGIT_SCALE = "logit_scale"
IMU_ENCODER_PREFIX = "imu_encoder."
#: Where :class:`pretrain.text.OpenCLIPTextTower` keeps the open_clip model's weights.
TEXT_TOWER_PREFIX = "text_tower.encoder."
#: Keys under which training scripts commonly wrap a state_dict.
_WRAPPER_KEYS = ("state_dict", "model_state_dict", "model")


def load_unimts_checkpoint(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a UniMTS checkpoint file, unwrapped from ``{"state_dict": ...}``-style dicts.

    Loaded with ``weights_only=True``: the file can hold tensors and plain containers, never code.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such checkpoint file; the released UniMTS weights come from "
                               "https://huggingface.co/xiyuanz/UniMTS (UniMTS.pth)")
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch.load raises many types for damaged or foreign files
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise InputError(path, f"not a readable PyTorch checkpoint ({reason})") from None
    while isinstance(content, Mapping):
        wrapped = [key for key in _WRAPPER_KEYS if isinstance(content.get(key), Mapping)]
        if not wrapped:
            break
        content = content[wrapped[0]]
    if not isinstance(content, Mapping) or not content:
        raise InputError(path, "not a state_dict: expected a mapping of parameter names to tensors")
    if not all(isinstance(key, str) and isinstance(value, torch.Tensor) for key, value in content.items()):
        raise InputError(path, "not a state_dict: it holds values that are not tensors")
    return dict(content)


def split_unimts_state(
    state_dict: Mapping[str, torch.Tensor], source: str | Path | None = None
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], float]:
    """(ST-GCN state, CLIP text-tower state, logit_scale) from a UniMTS ``state_dict``.

    The ST-GCN state drops the ``acc.`` prefix; the text state keeps CLIP's names, which are open_clip's.
    A common prefix in front of every name (``model.`` when the whole ``ContrastiveModule`` was saved,
    ``module.`` from DataParallel) is removed first. ``logit_scale`` is the stored log inverse
    temperature (``exp`` of it scales the cosine similarities). ``source`` names the file in errors.
    """
    anchor = f"{MOTION_PREFIX}data_bn.weight"
    prefixes = {key[: -len(anchor)] for key in state_dict if key.endswith(anchor)}
    if len(prefixes) != 1:
        raise InputError(source, "no UniMTS motion encoder in this checkpoint (no acc.data_bn.weight)")
    prefix = prefixes.pop()
    state = {key[len(prefix):]: value for key, value in state_dict.items() if key.startswith(prefix)}
    motion = {key[len(MOTION_PREFIX):]: value for key, value in state.items() if key.startswith(MOTION_PREFIX)}
    text = {key: value for key, value in state.items() if key.startswith(TEXT_NAMES)}
    unexpected = sorted(set(state) - {MOTION_PREFIX + key for key in motion} - set(text) - {LOGIT_SCALE})
    if unexpected:
        raise InputError(source, f"unexpected entries for a UniMTS checkpoint: {_listing(unexpected)}")
    if LOGIT_SCALE not in state:
        raise InputError(source, "missing logit_scale")
    if state[LOGIT_SCALE].numel() != 1:
        raise InputError(source, f"logit_scale should be a scalar, has shape {tuple(state[LOGIT_SCALE].shape)}")
    return motion, text, float(state[LOGIT_SCALE])


def clip_text_tower(name: str = CLIP_MODEL) -> nn.Module:
    """open_clip's text transformer of model ``name``, randomly initialised; ``forward(tokens)`` gives
    the (B, embed_dim) CLIP text features (``encode_text``), with QuickGELU where ``name`` asks for it."""
    import open_clip  # slow to import; only needed here
    from open_clip.transformer import QuickGELU, TextTransformer

    config = open_clip.get_model_config(name)
    if config is None:
        raise InputError(None, f"open_clip has no model named {name!r}")
    activation = QuickGELU if config.get("quick_gelu", False) else nn.GELU
    return TextTransformer(**config["text_cfg"], output_dim=config["embed_dim"], act_layer=activation)


def unimts_encoders(
    stgcn_state: Mapping[str, torch.Tensor], clip_text_state: Mapping[str, torch.Tensor]
) -> tuple[STGCN, nn.Module]:
    """The UniMTS motion encoder (``STGCN(in_channels=3)``) and CLIP text tower with the given weights,
    in eval mode. Raises :class:`InputError` when a name or shape does not fit, or when the stored graph
    ``A`` is not the spatial partitioning of the canonical skeleton (another joint order or skeleton)."""
    encoder = STGCN(in_channels=UNIMTS_CHANNELS)
    stored_graph = stgcn_state.get("A")
    if stored_graph is not None and (
        stored_graph.shape != encoder.A.shape or not torch.allclose(stored_graph.float(), encoder.A, atol=1e-6)
    ):
        raise InputError(None, "acc.A is not the ST-GCN graph of the 22-joint UniMTS skeleton")
    _load_strictly(encoder, stgcn_state, MOTION_PREFIX)
    text_tower = clip_text_tower()
    _load_strictly(text_tower, clip_text_state, "")
    return encoder.eval(), text_tower.eval()


def model_files(encoder: STGCN, text_tower: nn.Module, logit_scale: float) -> tuple[dict[str, torch.Tensor], dict]:
    """The tensors of ``model.safetensors`` and the content of ``config.json`` for an imported model."""
    tensors = {IMU_ENCODER_PREFIX + key: value for key, value in encoder.state_dict().items()}
    tensors.update({TEXT_TOWER_PREFIX + key: value for key, value in text_tower.state_dict().items()})
    tensors[LOGIT_SCALE] = torch.tensor(logit_scale, dtype=torch.float32)
    imu_encoder = {key: value for key, value in encoder.config().items() if key != "in_channels"}
    config = {
        "format": FORMAT,
        "imu_encoder": imu_encoder,
        "text_tower": {"kind": "open_clip", "name": CLIP_MODEL, "pretrained": None, "train": "frozen"},
        "embed_dim": None,
        "channels": encoder.in_channels,
        "data": {"window": 200, "rate_hz": 20.0, "channels": encoder.in_channels},  # UniMTS: 10 s at 20 Hz
        "source": "unimts",
    }
    return {key: value.detach().contiguous() for key, value in tensors.items()}, config


def import_unimts(checkpoint: str | Path, outdir: str | Path, overwrite: bool = False) -> Path:
    """Convert the UniMTS checkpoint file into ``outdir`` (``model.safetensors`` + ``config.json``).

    ``outdir`` must be absent, empty or a model folder (it holds ``model.safetensors`` and ``config.json``);
    anything else is refused unless ``overwrite``.
    """
    from safetensors.torch import save_file

    check_output(outdir, TOOL, overwrite, recognise=MODEL_FILES)
    try:
        stgcn_state, text_state, logit_scale = split_unimts_state(load_unimts_checkpoint(checkpoint))
        encoder, text_tower = unimts_encoders(stgcn_state, text_state)
    except InputError as error:
        raise InputError(checkpoint, error.problem) from None
    tensors, config = model_files(encoder, text_tower, logit_scale)
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():  # only with overwrite: the user asked to replace this file
        outdir.unlink()
    outdir.mkdir(parents=True, exist_ok=True)
    with atomic_path(outdir / "model.safetensors") as temporary:
        save_file(tensors, str(temporary), metadata={"format": FORMAT})
    with atomic_path(outdir / "config.json") as temporary:
        temporary.write_text(json.dumps(config, indent=2) + "\n")
    mark_output(outdir, TOOL)
    return outdir


def _load_strictly(module: nn.Module, state: Mapping[str, torch.Tensor], shown_prefix: str) -> None:
    """``module.load_state_dict(state)`` with every mismatch reported as one :class:`InputError`."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = sorted(key for key in set(expected) & set(state) if state[key].shape != expected[key].shape)
    problems = [
        f"{label}: {_listing([shown_prefix + key for key in keys])}"
        for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong_shape))
        if keys
    ]
    if problems:
        raise InputError(None, "; ".join(problems))
    module.load_state_dict(dict(state))


def _listing(names: list[str], shown: int = 3) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pretrain.import_unimts", description=__doc__.splitlines()[0])
    parser.add_argument("weights", help="the released UniMTS weights (a torch state_dict, .pth)")
    add_model_argument(parser, help="model folder to write: model.safetensors + config.json")
    parser.add_argument("outdir", nargs="?", help=argparse.SUPPRESS)  # the old spelling of --model
    parser.add_argument("--overwrite", action="store_true",
                        help="replace --model even if it is not a model folder (a file, another folder)")
    args = parser.parse_args(argv)
    if args.outdir is not None:
        if args.model is not None:
            parser.error("give the model folder once, as --model DIR")
        args.model = args.outdir
    require(parser, args, model="--model")
    with exit_on_bad_input():
        import_unimts(args.weights, args.model, overwrite=args.overwrite)


if __name__ == "__main__":
    main()
