"""The registry: the paper's 18 benchmarks plus BasicMotions, lookups, unit factors, the paper's results."""
from __future__ import annotations

import json
import math

import pytest

from benchmarks.paper import paper_results
from benchmarks.registry import BASIC_MOTIONS, DATASETS, HAPT, dataset_names, get_dataset
from skeletons.errors import InputError
from tests.conftest import REPO

DATA = REPO / "benchmarks" / "data"


def test_eighteen_paper_datasets_then_basicmotions_then_hapt():
    assert len(DATASETS) == 20 and DATASETS[18] is BASIC_MOTIONS and DATASETS[19] is HAPT
    paper = json.loads((DATA / "unimts_benchmarks.json").read_text())["datasets"]
    assert [d.name for d in DATASETS[:18]] == [e["name"] for e in paper]
    for dataset, entry in zip(DATASETS, paper):
        assert (dataset.dir, dataset.classes, dataset.rate_hz, dataset.level) == (
            entry["dir"], entry["classes"], entry["rate_hz"], entry["level"])
        assert [p.joint for p in dataset.placements] == [e["joint"] for e in entry["placements"]]
        assert dataset.gravity in ("included", "removed") and dataset.source == "released"


@pytest.mark.parametrize("query, name", [("UCI-HAR", "UCI-HAR"), ("ucihar", "UCI-HAR"), (" uci-har ", "UCI-HAR"),
                                         ("OPP_G", "Opportunity"), ("opportunity", "Opportunity"),
                                         ("har70plus", "HAR70+"), ("basicmotions", "BasicMotions")])
def test_lookup_by_name_or_folder_any_case(query, name):
    assert get_dataset(query).name == name


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(InputError, match="unknown benchmark 'nope'.*UCI-HAR \\(UCIHAR\\).*BasicMotions"):
        get_dataset("nope")
    assert dataset_names()[:2] == ["Opportunity", "UCI-HAR"]


def test_unit_factors_and_special_cases():
    opportunity = get_dataset("Opp_g").placements[0]  # milli-g -> m/s^2, milli-rad/s -> rad/s
    assert (opportunity.joint, opportunity.acc, opportunity.acc_scale, opportunity.gyro_scale) == (10, (0, 3), 0.0098,
                                                                                                   0.001)
    ucihar = get_dataset("UCIHAR").placements[0]  # total_acc (channels 6-8) in g, gyro 3-5 in rad/s
    assert ucihar.acc == (6, 9) and ucihar.acc_scale == 9.80665 and ucihar.gyro == (3, 6)
    assert get_dataset("USC-HAD").placements[0].gyro_scale == pytest.approx(math.pi / 180)
    wharf = get_dataset("Wharf").placements[0]  # 6-bit codes: 0 -> -1.5 g, 63 -> +1.5 g
    assert wharf.gyro is None and wharf.joint == 21
    assert 0 * wharf.acc_scale + wharf.acc_offset == pytest.approx(-14.709)
    assert 63 * wharf.acc_scale + wharf.acc_offset == pytest.approx(14.709)
    wrist, thigh = get_dataset("UTD-MHAD").placements  # the device moves with the class
    assert (wrist.joint, wrist.classes, thigh.joint, thigh.classes) == (21, tuple(range(21)), 5, tuple(range(21, 27)))
    assert [p.gyro for p in get_dataset("HAR70+").placements] == [None, None]
    assert get_dataset("Mhealth").channels_needed == 21


def test_gravity_declarations():
    assert get_dataset("UCI-HAR").gravity == "included" and not get_dataset("UCI-HAR").gravity_assumed
    assert get_dataset("MotionSense").gravity_assumed
    assert BASIC_MOTIONS.gravity == "removed" and BASIC_MOTIONS.placements[0].joint == 21
    assert len(BASIC_MOTIONS.labels) == BASIC_MOTIONS.classes == 4


def test_paper_results_as_fractions():
    zero_shot = paper_results("zero_shot", "UniMTS")
    assert zero_shot["UCI-HAR"] == {"acc": pytest.approx(0.352), "f1": pytest.approx(0.22), "r@2": pytest.approx(0.531)}
    assert zero_shot["Opportunity"]["acc"] == pytest.approx(0.459)
    assert set(dataset_names()[:18]) <= set(zero_shot)
    assert paper_results("few_shot", "UniMTS")["Average"]["acc"] == pytest.approx(0.906)


def test_repo_copies_match_the_reference(reference_dir):
    for name in ("unimts_benchmarks.json", "unimts_paper_results.tsv"):
        assert (DATA / name).read_bytes() == (reference_dir / name).read_bytes(), name
