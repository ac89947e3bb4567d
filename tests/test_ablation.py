"""The ablation runner's bookkeeping (its pretraining runs are what `make demo` and test_demo exercise)."""
from __future__ import annotations

import pytest

from experiments.ablation import VARIANTS, main, markdown
from pretrain.config import load_config, override


def test_every_variant_overrides_known_config_keys():
    for variant in VARIANTS.values():
        override(load_config("cpu-small"), *variant.overrides)  # raises on a key the config does not have


def test_markdown_table_has_one_row_per_variant():
    metrics = {"acc": 0.75, "f1": 0.7, "r@2": 0.9, "mrr": 0.8}
    rows = [{"variant": name, "description": VARIANTS[name].description, "clips": 2000, "steps": 600,
             "train": metrics, "test": metrics} for name in ("base", "no-rotation")]
    table = markdown(rows).splitlines()
    assert len(table) == 4 and table[2].startswith("| base |") and "0.750" in table[3]


def test_unknown_variant_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--output", str(tmp_path / "ablation"), "--variants", "base,nonsense"])
    assert exit_info.value.code == 2
    assert "nonsense" in capsys.readouterr().err and not (tmp_path / "ablation").exists()
