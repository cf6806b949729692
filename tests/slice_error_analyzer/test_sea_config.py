"""SliceConfig: one config for the component, the CLI and find_slices; flags generated with help and defaults;
today's documented flags and parameters keep working; the docs' table lists every field."""
import argparse
import dataclasses
import json
import os

import pytest

from tests.paths import REPO_ROOT
from tfx_dcai import configs
from tfx_dcai.slice_error_analyzer import cli
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

DOCUMENTED_FLAGS = ("--examples", "--label-column", "--prediction-column", "--model", "--metric", "--alpha",
                    "--min-support", "--max-level", "--k", "--q", "--num-bins", "--ranking", "--exclude",
                    "--output-dir")


def _parser():
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser


def test_every_flag_has_help_and_a_default_and_the_documented_flags_remain():
    parser = _parser()
    flags = {option: action for action in parser._actions for option in action.option_strings}
    assert set(DOCUMENTED_FLAGS) <= set(flags)
    for field in configs.cli_fields(SliceConfig):
        action = flags[configs.flag_name(field)]
        assert action.help and "(default: " in action.help, field.name
    for name in ("--examples", "--model", "--pool", "--config", "--output-dir"):
        assert flags[name].help


def test_flags_override_the_config_and_lists_are_comma_separated():
    args = _parser().parse_args(["--examples", "x.csv", "--output-dir", "o", "--label-column", "y",
                                 "--prediction-column", "p", "--exclude", "a, b", "--config",
                                 '{"max_level": 2, "q": 0.1}', "--q", "0.01"])
    config = cli._config(args)
    assert config.exclude_features == ("a", "b") and config.max_level == 2 and config.q == 0.01


def test_json_round_trip_and_dicts():
    config = SliceConfig(label_key="y", prediction_key="p", include_features=("a",), metric="log_loss", k=5)
    assert SliceConfig.from_json(config.to_json()) == config
    assert configs.coerce(SliceConfig, json.loads(config.to_json())) == config


@pytest.mark.parametrize("fields,message", [
    ({"max_level": 0}, "max_level"), ({"max_level": 9}, "between 1 and 8"), ({"alpha": 0}, "alpha"),
    ({"alpha": float("nan")}, "alpha"), ({"q": 0}, r"q \(--q\)"), ({"k": 0}, "k"), ({"num_bins": 1}, "num_bins"),
    ({"max_values": 0}, "max_values"), ({"max_slices": 0}, "max_slices"), ({"min_support": 0}, "min_support"),
    ({"budget": -1}, "budget"), ({"metric": "auc"}, "unknown metric"), ({"task": "ranking"}, "unknown task"),
    ({"ranking": "best"}, "unknown ranking"), ({"task": "regression", "metric": "error_rate"}, "does not apply"),
    ({"task": "multiclass", "metric": "recall"}, "needs recall_class"),
    ({"label_key": "y", "prediction_key": "y"}, "the same column"), ({"max_level": True}, "max_level"),
])
def test_invalid_values_are_rejected_when_the_config_is_made(fields, message):
    with pytest.raises(SliceInputError, match=message):
        SliceConfig(**fields)


def test_the_docs_table_lists_every_field():
    with open(os.path.join(REPO_ROOT, "docs", "slice_error_analyzer.md"), encoding="utf-8") as f:
        text = f.read()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for field in dataclasses.fields(SliceConfig):
        assert f"| `{field.name}` |" in table, field.name
