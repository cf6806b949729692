"""`dcai agreement` through tfx_dcai.label_consistency.cli on CSV files: exit codes, outputs, no TensorFlow."""
import csv
import json
import subprocess
import sys

import pytest

from tfx_dcai.label_consistency import cli
from tfx_dcai.pipelines.cli import main
from tfx_dcai.label_consistency.published_tables import FLEISS_1971


def agreement(argv) -> int:
    """`dcai agreement ARGV` through the real command (outcome contract included); returns its exit code."""
    return main(["agreement", *argv])


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def _fleiss_csv(tmp_path):
    rows = [{"patient": f"p{i:02d}", "rater": f"r{j}", "diagnosis": d, "ward": "A" if i % 2 else "B"}
            for i, ratings in enumerate(FLEISS_1971) for j, d in enumerate(ratings)]
    return _write_csv(tmp_path / "fleiss.csv", rows)


def test_inconsistent_labels_exit_1_with_reports_and_consensus(tmp_path):
    out = tmp_path / "out"
    code = agreement(["--annotations", _fleiss_csv(tmp_path), "--item-column", "patient",
                          "--annotator-column", "rater", "--label-column", "diagnosis", "--n-bootstrap", "100",
                          "--output-dir", str(out)])
    assert code == 1
    report = json.loads((out / "label_consistency_report.json").read_text())
    assert report["fleiss_kappa"] == pytest.approx(0.430, abs=5e-4)
    assert (out / "label_consistency_report.html").exists()
    with open(out / "consensus.csv", encoding="utf-8") as f:
        consensus = list(csv.DictReader(f))
    assert len(consensus) == 30
    assert set(consensus[0]) == {"patient", "diagnosis", "consensus_confidence", "consensus_n_labels",
                                 "consensus_flags", "ward"}
    patient0 = next(r for r in consensus if r["patient"] == "p00")
    assert (patient0["diagnosis"], patient0["consensus_confidence"], patient0["ward"]) == ("4", "1.0", "B")


def test_consistent_labels_exit_0(tmp_path):
    rows = [{"item": f"i{i}", "who": w, "lab": "yes" if i % 3 else "no"} for i in range(30) for w in "ABC"]
    code = agreement(["--annotations", _write_csv(tmp_path / "ok.csv", rows), "--item-column", "item",
                          "--annotator-column", "who", "--label-column", "lab", "--output-dir", str(tmp_path / "o")])
    assert code == 0


@pytest.mark.parametrize("argv_tail, message", [
    (["--label-column", "nope"], "no column 'nope'"),
    (["--label-column", "diagnosis", "--consensus", "majority", "--kind", "text", "--level", "ordinal"],
     "medoid"),
])
def test_bad_input_exits_2_naming_the_problem(tmp_path, capsys, argv_tail, message):
    argv = ["--annotations", _fleiss_csv(tmp_path), "--item-column", "patient", "--annotator-column", "rater",
            "--output-dir", str(tmp_path / "bad")] + argv_tail
    assert agreement(argv) == 2
    assert message in capsys.readouterr().err


def test_one_annotator_exits_2(tmp_path, capsys):
    rows = [{"item": f"i{i}", "who": "solo", "lab": "x"} for i in range(5)]
    code = agreement(["--annotations", _write_csv(tmp_path / "solo.csv", rows), "--item-column", "item",
                          "--annotator-column", "who", "--label-column", "lab", "--output-dir", str(tmp_path / "o")])
    assert code == 2 and "at least two annotators" in capsys.readouterr().err


def test_csv_path_imports_no_tensorflow(tmp_path):
    """(Its speed is measured in benchmarks/label_consistency/bench_cli.py, not here.)"""
    rows = [{"item": f"i{i}", "who": w, "lab": str((i + (w == "C" and i % 7 == 0)) % 4)}
            for i in range(1500) for w in "ABC"]  # 4,500 annotation rows
    path = _write_csv(tmp_path / "big.csv", rows)
    script = ("import sys, time; t = time.time(); import argparse; from tfx_dcai.label_consistency import cli; "
              "p = argparse.ArgumentParser(); cli.add_arguments(p); "
              f"code = cli.run(p.parse_args(['--annotations', {path!r}, '--item-column', 'item', "
              f"'--annotator-column', 'who', '--label-column', 'lab', '--output-dir', "
              f"{str(tmp_path / 'o')!r}])).exit_code; "
              "print('TF' if 'tensorflow' in sys.modules else 'noTF', round(time.time() - t, 1), code)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=str(tmp_path),
                            env={"PYTHONPATH": str(__import__("pathlib").Path(cli.__file__).parents[2]),
                                 "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    tf_flag, seconds, code = result.stdout.split()[-3:]
    assert tf_flag == "noTF" and code == "0"


def test_examples_with_prediction_column_and_schema(tmp_path, capsys):
    rows = [{"item": f"i{i}", "who": w, "lab": "yes" if i % 3 else "no"} for i in range(30) for w in "ABC"]
    annotations = _write_csv(tmp_path / "ok.csv", rows)
    # 100 examples; probabilities agree with the label except 10 planted flips; one empty probability cell
    single = [{"ex": f"e{i:03d}", "area": i % 40, "legacy": 1.0, "y": int(i % 2 == 0) ^ int(i % 10 == 3),
               "score": 0.9 - 0.8 * (i % 2)} for i in range(100)]
    single[4]["score"] = ""
    examples = _write_csv(tmp_path / "examples.csv", single)
    schema = tmp_path / "schema.pbtxt"
    schema.write_text('feature { name: "area" type: INT int_domain { is_categorical: true } }\n'
                      'feature { name: "legacy" type: FLOAT lifecycle_stage: DEPRECATED }\n'
                      'feature { name: "y" type: INT }\n')
    base = ["--annotations", annotations, "--item-column", "item", "--annotator-column", "who",
            "--label-column", "lab", "--examples", examples, "--example-label-column", "y",
            "--example-id-column", "ex", "--n-bootstrap", "0"]
    out = tmp_path / "out"
    assert agreement(base + ["--prediction-column", "score", "--schema", str(schema),
                                 "--output-dir", str(out)]) == 0
    report = json.loads((out / "label_consistency_report.json").read_text())
    errors = report["label_errors"]
    assert errors["probabilities"] == "column 'score'" and errors["dropped"] == {"missing_prediction": 1}
    assert {e["item"] for e in errors["flagged"]} == {f"e{i:03d}" for i in range(3, 100, 10)}
    assert report["xy_conflicts"]["feature_kinds"]["skipped"] == {"legacy": "deprecated"}
    assert agreement(base + ["--prediction-column", "p", "--output-dir", str(tmp_path / "bad")]) == 2
    assert "no prediction column 'p'" in capsys.readouterr().err


def test_every_config_field_has_a_flag_with_help_and_default_and_the_documented_flags_keep_their_names():
    import argparse
    import dataclasses

    from tfx_dcai.label_consistency.config import LabelConsistencyConfig

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    flags = {a.option_strings[0]: a for a in parser._actions if a.option_strings}
    documented = ["--annotations", "--item-column", "--annotator-column", "--label-column", "--level", "--kind",
                  "--consensus", "--weights", "--min-alpha", "--min-class-agreement", "--min-class-kappa",
                  "--label-domain", "--instructions-version", "--previous-report", "--n-bootstrap",
                  "--text-normalisation", "--match-iou", "--examples", "--example-label-column",
                  "--example-id-column", "--prediction-column", "--schema", "--output-dir"]
    assert set(documented) <= set(flags)
    for field in dataclasses.fields(LabelConsistencyConfig):
        if field.name == "consensus_splits":  # shapes the component's output; set through --config
            continue
        action = flags["--" + field.name.replace("_", "-")]
        assert action.help and "(default: " in action.help, field.name
    args = parser.parse_args(["--annotations", "a.csv", "--output-dir", "o", "--label-domain", "0,1",
                              "--min-alpha", "0.7", "--config", '{"n_bootstrap": 10}'])
    config = cli.config_from_args(args)
    assert config.label_domain == ("0", "1") and config.min_alpha == 0.7 and config.n_bootstrap == 10
