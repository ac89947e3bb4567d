"""Imports between the stages point one way (DEVELOPERS.md): every import of every module, at module level
and inside functions, read with ``ast``.

    skeletons <- simulate <- pretrain;  benchmarks uses skeletons and simulate;
    zero_shot uses those and pretrain, benchmarks;  finetune also zero_shot;
    anomaly and export use what lies below them;  experiments uses everything and nothing imports it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The stages each stage may import (besides itself).
ALLOWED: dict[str, frozenset[str]] = {
    "skeletons": frozenset(),
    "simulate": frozenset({"skeletons"}),
    "pretrain": frozenset({"skeletons", "simulate"}),
    "benchmarks": frozenset({"skeletons", "simulate"}),
    "zero_shot": frozenset({"skeletons", "simulate", "pretrain", "benchmarks"}),
    "finetune": frozenset({"skeletons", "simulate", "pretrain", "benchmarks", "zero_shot"}),
    "anomaly": frozenset({"skeletons", "simulate", "pretrain", "benchmarks", "zero_shot", "finetune"}),
    "export": frozenset({"skeletons", "simulate", "pretrain", "benchmarks", "zero_shot", "finetune"}),
    "experiments": frozenset({"skeletons", "simulate", "pretrain", "benchmarks", "zero_shot", "finetune",
                              "anomaly", "export"}),
}
STAGES = frozenset(ALLOWED)


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, wherever it stands (relative imports,
    which stay inside their package, are left out)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(stage: str, source: str) -> list[str]:
    """The imports of a module of ``stage`` that run upward or sideways, or into ``experiments``."""
    bad = []
    for line, module in imported_modules(source):
        top = module.split(".")[0]
        if top in STAGES and top != stage and top not in ALLOWED[stage]:
            bad.append(f"{line}: {stage} imports {module}")
    return bad


def stage_modules() -> list[tuple[str, Path]]:
    return [(stage, path) for stage in sorted(STAGES) if (ROOT / stage).is_dir()
            for path in sorted((ROOT / stage).rglob("*.py"))]


def test_every_stage_package_is_covered():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages <= STAGES, f"stages without a layering rule: {sorted(packages - STAGES)}"


@pytest.mark.parametrize("stage,path", stage_modules(), ids=lambda value: str(value).replace(str(ROOT) + "/", ""))
def test_imports_point_one_way(stage, path):
    bad = violations(stage, path.read_text())
    assert not bad, f"{path.relative_to(ROOT)}: " + "; ".join(bad)


def test_nothing_outside_experiments_imports_it():
    for stage, path in stage_modules():
        if stage != "experiments":
            assert not [m for _, m in imported_modules(path.read_text()) if m.split(".")[0] == "experiments"], path


@pytest.mark.parametrize("stage,source,expected", [
    ("skeletons", "def f():\n    from simulate.sources import Item\n", ["2: skeletons imports simulate.sources"]),
    ("benchmarks", "from pretrain.augment import remove_gravity\n", ["1: benchmarks imports pretrain.augment"]),
    ("benchmarks", "import zero_shot.evaluate\n", ["1: benchmarks imports zero_shot.evaluate"]),
    ("pretrain", "import experiments.demo\n", ["1: pretrain imports experiments.demo"]),
    ("finetune", "from zero_shot.evaluate import evaluate_split\nfrom . import data\n", []),
    ("zero_shot", "class A:\n    def f(self):\n        import finetune\n", ["3: zero_shot imports finetune"]),
])
def test_the_check_sees_upward_sideways_and_nested_imports(stage, source, expected):
    assert violations(stage, source) == expected
