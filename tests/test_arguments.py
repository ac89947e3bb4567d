"""The shared command-line vocabulary: comma lists, seeds as a count or a list, hidden old spellings."""
from __future__ import annotations

import argparse

import pytest

from skeletons.arguments import add_hidden_alias, add_model_argument, comma_list, flatten, require, seed_list, seeds
from skeletons.errors import InputError


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tool")
    add_model_argument(parser)
    parser.add_argument("--k", type=comma_list(int), nargs="+", default=[[1, 5]])
    parser.add_argument("--seeds", type=seeds, default=2)
    parser.add_argument("--input-rate", type=float)
    add_hidden_alias(parser, "--rate", "input_rate", type=float)
    return parser


@pytest.mark.parametrize("argv, model, k, seed, rate", [
    (["--model", "m"], "m", [1, 5], 2, None),
    (["--checkpoint", "m", "--k", "1,2,5", "--seeds", "0,4", "--rate", "50"], "m", [1, 2, 5], [0, 4], 50.0),
    (["--model", "m", "--k", "1", "5", "--seeds", "3", "--input-rate", "25"], "m", [1, 5], 3, 25.0),
])
def test_one_vocabulary_and_the_old_spellings_parse_alike(argv, model, k, seed, rate):
    args = parser().parse_args(argv)
    assert (args.model, flatten(args.k), args.seeds, args.input_rate) == (model, k, seed, rate)


def test_seeds_name_a_count_or_a_list_and_never_none_or_repeats():
    assert seed_list(3) == [0, 1, 2] and seed_list([4, 0]) == [4, 0]
    for value in (0, [], [1, 1]):  # "--seeds 0" once ran a recipe over no seeds and said nothing
        with pytest.raises(InputError, match="--seeds"):
            seed_list(value)


def test_old_spellings_are_hidden_from_help():
    shown = parser().format_help()
    assert "--model" in shown and "--input-rate" in shown
    assert "--checkpoint" not in shown and "--rate " not in shown


def test_bad_values_and_a_missing_model_exit_2(capsys):
    for argv in (["--model", "m", "--k", "1,x"], ["--model", "m", "--seeds", "two"]):
        with pytest.raises(SystemExit) as caught:
            parser().parse_args(argv)
        assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        require(parser(), parser().parse_args([]), model="--model")
    assert caught.value.code == 2 and "--model" in capsys.readouterr().err
