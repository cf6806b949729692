"""dcai label-errors on a CSV (every example ranked, the estimate's interval, the queue), the review queue and
cleaned Examples through the executors, and the taxi branch end to end (LocalDagRunner, SQLite MLMD)."""
import csv
import json
import os

import numpy as np
import pytest

from tfx_dcai.pipelines.cli import main


def _noisy_csv(path, n=600, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    truth = (x[:, 0] + x[:, 1] > 0).astype(int)
    flipped = rng.random(n) < 0.12
    y = np.where(flipped, 1 - truth, truth)
    with open(path, "w", newline="", encoding="utf-8") as f:  # local: a test file
        writer = csv.writer(f)
        writer.writerow(["ex", "a", "b", "y"])
        for i in range(n):
            writer.writerow([f"e{i:04d}", x[i, 0], x[i, 1], ["no", "yes"][y[i]]])
    return str(path), {f"e{i:04d}" for i in np.flatnonzero(flipped)}


def test_label_errors_ranks_every_example_and_estimates_the_errors(tmp_path):
    path, flipped = _noisy_csv(tmp_path / "e.csv")
    out = tmp_path / "out"
    assert main(["label-errors", "--examples", path, "--label-column", "y", "--id-column", "ex",
                 "--output-dir", str(out)]) == 0
    with open(out / "label_errors.csv", encoding="utf-8", newline="") as f:  # local
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "label", "suggested_label", "label_quality", "suspected", "rank", "queued"]
    assert len(rows) == 600 and sorted(int(r["rank"]) for r in rows) == list(range(1, 601))
    assert {r["id"] for r in rows} == {f"e{i:04d}" for i in range(600)}
    assert all(r["suspected"] in ("true", "false") and 0 <= float(r["label_quality"]) <= 1 for r in rows)
    suspected = [r for r in rows if r["suspected"] == "true"]
    assert [int(r["rank"]) for r in suspected] == list(range(1, len(suspected) + 1))  # suspects first
    top = {r["id"] for r in rows[:len(flipped)]}
    assert len(top & flipped) / len(flipped) >= 0.6
    report = json.loads((out / "label_errors_report.json").read_text())
    estimate = report["estimated_errors"]
    assert estimate["ci_low"] <= len(flipped) <= estimate["ci_high"]
    assert report["review_budget"] == round(estimate["value"]) == sum(r["queued"] == "true" for r in rows)
    assert report["rows"] == {"rows_in": 600, "rows_ranked": 600, "rows_dropped": {}}
    assert (out / "label_errors_report.html").exists()


def test_label_errors_with_supplied_multiclass_probabilities(tmp_path):
    rng = np.random.default_rng(3)
    names = ["Adelie", "Chinstrap", "Gentoo"]
    probs = rng.dirichlet(np.full(3, 0.3), size=300)
    truth = probs.argmax(axis=1)
    flipped = rng.random(300) < 0.1
    y = np.where(flipped, (truth + 1) % 3, truth)
    path = tmp_path / "p.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:  # local
        writer = csv.writer(f)
        writer.writerow(["id", "species", *(f"P_{c}" for c in names)])
        for i in range(300):
            writer.writerow([f"p{i}", names[y[i]], *probs[i]])
    out = tmp_path / "out"
    assert main(["label-errors", "--examples", str(path), "--label-column", "species", "--id-column", "id",
                 "--prediction-column", "P", "--output-dir", str(out)]) == 0
    report = json.loads((out / "label_errors_report.json").read_text())
    assert report["task"] == "multiclass" and report["classes"] == names
    assert report["probabilities"] == "column 'P'"
    suspects = {s["id"] for s in report["suspects"] if s["suspected"]}
    planted = {f"p{i}" for i in np.flatnonzero(flipped)}
    assert len(suspects & planted) >= 0.8 * len(suspects)


def test_reviewed_labels_replace_the_queued_labels_in_a_copy_of_the_examples(tmp_path):
    from tensorflow.core.example import example_pb2

    from tfx_dcai.label_review.config import LabelErrorsConfig
    from tfx_dcai.label_review.executor import relabel_records
    from tfx_dcai.tf_records import encode_rows

    rows = [{"example_id": f"e{i}", "big_tipper": i % 2, "fare": float(i)} for i in range(6)]
    records = encode_rows(rows)
    config = LabelErrorsConfig(label_column="big_tipper", id_column="example_id")
    new, found, changed = relabel_records(records, {"e1": "0", "e2": "0", "missing": "1"}, config)
    assert found == {"e1", "e2"} and changed == 1  # e2 already 0
    labels = [example_pb2.Example.FromString(r).features.feature["big_tipper"].int64_list.value[0] for r in new]
    assert labels == [0, 0, 0, 1, 0, 1]
    with pytest.raises(Exception, match="not a number"):
        relabel_records(records, {"e1": "yes"}, config)


def test_apply_reviewed_labels_executor_copies_the_examples_and_their_format(tmp_path):
    """The executor on real artifacts: ids reviewed in train are relabelled, eval is copied, and the Examples'
    file_format / payload_format custom properties carry over (an Examples artifact without them works too)."""
    import gzip

    from tensorflow.core.example import example_pb2
    from tfx.types import artifact_utils, standard_artifacts

    from tfx_dcai import artifact_io
    from tfx_dcai.artifacts import ReviewedLabels
    from tfx_dcai.label_review.config import LabelErrorsConfig
    from tfx_dcai.label_review.executor import ApplyExecutor
    from tfx_dcai.tf_records import encode_rows, frame_records, unframe_records

    def labels(uri, split):
        data = gzip.decompress(artifact_io.read_bytes(os.path.join(uri, f"Split-{split}", "data.gz")))
        return [example_pb2.Example.FromString(r).features.feature["species"].int64_list.value[0]
                for r in unframe_records(data)]

    for with_format in (True, False):
        examples = standard_artifacts.Examples()
        examples.uri = str(tmp_path / f"examples-{with_format}")
        examples.split_names = artifact_utils.encode_split_names(["train", "eval"])
        if with_format:
            examples.set_string_custom_property("file_format", "tfrecords_gzip")
            examples.set_string_custom_property("payload_format", "FORMAT_TF_EXAMPLE")
        for split in ("train", "eval"):
            rows = [{"example_id": f"{split}{i}", "species": i % 3} for i in range(4)]
            artifact_io.makedirs(os.path.join(examples.uri, f"Split-{split}"))
            artifact_io.write_bytes(os.path.join(examples.uri, f"Split-{split}", "data.gz"),
                                    gzip.compress(frame_records(encode_rows(rows))))
        reviewed = ReviewedLabels()
        reviewed.uri = str(tmp_path / f"reviewed-{with_format}")
        artifact_io.write_text(os.path.join(reviewed.uri, "reviewed_labels.csv"),
                               "id,reviewed_label\ntrain1,2\neval1,0\n")
        cleaned = standard_artifacts.Examples()
        cleaned.uri = str(tmp_path / f"cleaned-{with_format}")
        config = LabelErrorsConfig(label_column="species", id_column="example_id")
        ApplyExecutor().Do({"examples": [examples], "reviewed_labels": [reviewed]}, {"cleaned_examples": [cleaned]},
                           {"config": config.to_json(), "splits": json.dumps(["train"])})
        assert labels(cleaned.uri, "train") == [0, 2, 2, 0] and labels(cleaned.uri, "eval") == [0, 1, 2, 0]
        assert cleaned.get_int_custom_property("relabelled") == 1
        assert cleaned.get_int_custom_property("reviewed_not_found") == 1  # eval1 is in a split not relabelled
        assert cleaned.has_custom_property("payload_format") == with_format
        if with_format:
            assert cleaned.get_string_custom_property("file_format") == "tfrecords_gzip"


@pytest.mark.slow
def test_the_taxi_branch_queues_reviews_and_trains_on_cleaned_examples(tmp_path):
    from tfx import v1 as tfx

    from tfx_dcai.beam_options import LOCAL_BEAM_ARGS
    from tfx_dcai.label_review.queue import read_report_artifact
    from tfx_dcai.pipelines.label_review_branch import add_label_review
    from tfx_dcai.pipelines.run_summary import latest_run, sqlite_store
    from tfx_dcai.pipelines.taxi_data import prepare_taxi_data
    from tfx_dcai.pipelines.taxi_pipeline import create_nodes

    root = str(tmp_path)
    prepare_taxi_data(os.path.join(root, "data"), fraction=0.15)
    nodes = create_nodes(os.path.join(root, "data"), os.path.join(root, "serving_model"))
    branch = add_label_review(nodes, train_steps=20, eval_steps=5)
    pipeline = tfx.dsl.Pipeline(
        pipeline_name="review_e2e", pipeline_root=os.path.join(root, "pipeline_root"),
        components=[nodes.train_gen, nodes.schema] + branch,
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            os.path.join(root, "metadata.sqlite")), beam_pipeline_args=list(LOCAL_BEAM_ARGS))
    tfx.orchestration.LocalDagRunner().run(pipeline)
    runs = {run.node: run for run in latest_run(sqlite_store(os.path.join(root, "metadata.sqlite")), "review_e2e")}
    queue = runs["LabelErrorQueue"].outputs["review_queue"][0]
    report = read_report_artifact(queue.uri)
    assert report["estimated_errors"]["value"] > 0 and report["review_budget"] > 0
    cleaned = runs["ApplyReviewedLabels"].outputs["cleaned_examples"][0]
    assert cleaned.custom_properties["relabelled"].int_value > 0.5 * report["review_budget"]
    assert runs["Trainer.cleaned"].state == "COMPLETE"


def test_noisy_labels_of_the_simulation_change_the_class_binary_and_multiclass():
    from collections import Counter

    from tfx_dcai.pipelines.label_review_branch import noisy_label

    ids = [f"{k:016x}" for k in range(3000)]
    assert [noisy_label(label, i, 2) for label, i in zip([0, 1] * 1500, ids)] == [1, 0] * 1500  # as before: 1 - y
    for label in range(3):
        moved = Counter(noisy_label(label, i, 3) for i in ids)
        assert set(moved) == {0, 1, 2} - {label}
        assert min(moved.values()) > 1300  # both other classes, about half each


@pytest.mark.parametrize("text,line", [("id,reviewed_label\n1,a\r b\n", 2), ("id,reviewed\rlabel\n1,a\n", 1)])
def test_a_reviewed_file_that_is_not_valid_csv_is_bad_input_naming_its_line(text, line):
    """A bare carriage return inside an unquoted value (found by fuzzing the CSV readers) is bad input, not a crash."""
    from tfx_dcai.errors import InputError
    from tfx_dcai.label_review.queue import parse_reviewed

    with pytest.raises(InputError, match=f"reviewed_labels.csv: line {line} is not valid CSV"):
        parse_reviewed(text, "reviewed_labels.csv")
