"""Pretraining configurations: YAML files in ``configs/pretrain/``, chosen by name or path.

A configuration has four sections: ``model`` (encoder, text tower, embedding width), ``data`` (window,
rate), ``augment`` and ``train``. ``override(config, "train.lr=1e-4")`` changes one dotted key.
"""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

from skeletons.errors import InputError

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs" / "pretrain"
SECTIONS = ("model", "data", "augment", "train")


def available() -> list[str]:
    """Names of the bundled configurations."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def load_config(name_or_path: str | Path) -> dict:
    """The configuration named ``name_or_path`` (e.g. ``cpu-small``) or stored at that path."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = CONFIG_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise InputError(name_or_path, f"no such config; bundled configs: {', '.join(available())}")
    try:
        config = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise InputError(path, "no such config file") from None
    except yaml.YAMLError as error:
        raise InputError(path, f"not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(config, dict) or any(section not in config for section in SECTIONS):
        raise InputError(path, f"a config needs the sections {', '.join(SECTIONS)}")
    config["name"] = config.get("name", path.stem)
    return config


def override(config: dict, assignment: str) -> dict:
    """A copy of ``config`` with ``section.key=value`` set (the value parsed as YAML)."""
    key, separator, raw = assignment.partition("=")
    if not separator:
        raise InputError(None, f"an override is KEY=VALUE, got {assignment!r}")
    result = copy.deepcopy(config)
    node = result
    *parents, leaf = key.strip().split(".")
    for part in parents:
        if not isinstance(node.get(part), dict):
            raise InputError(None, f"unknown config key {key!r}")
        node = node[part]
    if leaf not in node:
        raise InputError(None, f"unknown config key {key!r}")
    node[leaf] = yaml.safe_load(raw)
    return result
