"""The LLaVA fine-tuning export: conversations load, images open, counts per split match the data."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from benchmarks.loader import load_split
from benchmarks.registry import get_dataset
from tests.test_zero_shot import write_custom
from zero_shot.llava_export import main

BASIC_MOTIONS_NAMES = ["standing", "walking", "running", "playing badminton"]


def test_text_export_of_basicmotions_keeps_both_splits_and_their_counts(tmp_path, capsys):
    output = tmp_path / "llava"
    main(["--benchmarks", "basicmotions", "--output", str(output), "--representation", "text", "--quiet"])
    assert capsys.readouterr().out.startswith("llava export: train 40, test 40 conversations")
    summary = json.loads((output / "export.json").read_text())
    for split in ("train", "test"):
        data = load_split(get_dataset("basicmotions"), ".", split)
        items = json.loads((output / f"{split}.json").read_text())
        assert len(items) == len(data.x) == summary["items"][split]
        answers = [item["conversations"][1]["value"] for item in items]
        assert answers == [BASIC_MOTIONS_NAMES[t] for t in data.targets]  # each series keeps its own class
        expected = {BASIC_MOTIONS_NAMES[k]: int(n) for k, n in enumerate(np.bincount(data.targets)) if n}
        assert summary["counts"][split]["BasicMotions"] == dict(sorted(expected.items()))
        assert {item["split"] for item in items} == {split} and len({item["id"] for item in items}) == len(items)
        human = items[0]["conversations"][0]
        assert human["from"] == "human" and "image" not in items[0] and "<image>" not in human["value"]
        assert "right_wrist acc_x: mean=" in human["value"] and all(f"- {n}\n" in human["value"]
                                                                    for n in BASIC_MOTIONS_NAMES)


def test_plot_export_of_custom_data_writes_images_that_open(tmp_path):
    x, y, labels = write_custom(tmp_path / "train", series=6)
    test_x, test_y, _ = write_custom(tmp_path / "test", series=4)
    output = tmp_path / "llava"
    common = ["--labels", labels, "--joints", "21", "left_wrist", "--input-rate", "50", "--output", str(output), "--quiet"]
    main(["--custom-x", x, "--custom-y", y, "--custom-test-x", test_x, "--custom-test-y", test_y, *common])
    names = ["sitting", "walking", "running"]
    for split, labels_file in (("train", y), ("test", test_y)):
        items = json.loads((output / f"{split}.json").read_text())
        targets = np.load(labels_file)
        assert len(items) == len(targets)
        assert [item["conversations"][1]["value"] for item in items] == [names[t] for t in targets]
        for item in items:
            assert item["conversations"][0]["value"].startswith("<image>\n")
            assert item["image"].startswith(f"images/{split}/")
            with Image.open(output / item["image"]) as picture:
                picture.load()
                assert picture.format == "PNG" and picture.size[0] == 512
                assert picture.size[1] > 4 * 80  # four panels: two devices, accelerometer and gyroscope each
    # An earlier export is replaced; a folder of something else is refused and left alone.
    main(["--custom-x", x, "--custom-y", y, *common])
    assert not (output / "test.json").exists() and (output / "train.json").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as caught:
        main(["--custom-x", x, "--custom-y", y, *common[:-3], "--output", str(foreign), "--quiet"])
    assert caught.value.code == 2 and (foreign / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
