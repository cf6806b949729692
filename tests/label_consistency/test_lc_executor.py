"""LabelConsistencyGen's executor on hand-built artifacts: real TFXIO reads, Beam, tf.Example outputs."""
import json
import os

import pytest
import tensorflow as tf
from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor
from tfx.types import artifact_utils, standard_artifacts

from components.artifacts import LabelConsistencyBlessing, LabelConsistencyReport
from components.label_consistency.component import LabelConsistencyGen
from components.label_consistency.executor import Executor
from components.label_consistency.example_io import to_tf_example
from components.label_consistency.report import read_report

BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]


def _annotation_rows(ambiguous: bool):
    """60 trips, 3 labelers; with `ambiguous`, labeler C calls every 'mid' item 'low'."""
    for i in range(60):
        truth = ("low", "mid", "high")[i % 3]
        for annotator in "ABC":
            label = "low" if (ambiguous and truth == "mid" and annotator == "C") else truth
            yield {"item_id": f"trip{i:02d}", "annotator_id": annotator, "label": label,
                   "fare": float(i), "trip_seconds": 60 * i, "company": "Flash Cab"}
    yield {"item_id": "trip_single", "annotator_id": "A", "label": "low", "fare": 1.0, "trip_seconds": 1,
           "company": "x"}
    yield {"item_id": "trip_unlabelled", "annotator_id": "B", "label": None, "fare": 1.0, "trip_seconds": 1,
           "company": "x"}


def _examples_artifact(root, rows):
    artifact = standard_artifacts.Examples()
    artifact.uri = os.path.join(root, "annotations")
    artifact.split_names = artifact_utils.encode_split_names(["train"])
    os.makedirs(os.path.join(artifact.uri, "Split-train"))
    path = os.path.join(artifact.uri, "Split-train", "data.tfrecord.gz")
    with tf.io.TFRecordWriter(path, options="GZIP") as writer:
        for row in rows:
            writer.write(to_tf_example(row))
    return artifact


def _run(tmp_path, name, annotations, version, previous=None, examples=None):
    outputs = {"report": [LabelConsistencyReport()], "consensus_examples": [standard_artifacts.Examples()],
               "blessing": [LabelConsistencyBlessing()]}
    for key, (artifact,) in outputs.items():
        artifact.uri = str(tmp_path / name / key)
    exec_properties = {"item_column": "item_id", "annotator_column": "annotator_id", "label_column": "label",
                       "level": "nominal", "kind": "class", "consensus": "majority", "weights": None,
                       "min_alpha": 0.8, "min_class_agreement": 0.8, "min_class_kappa": 0.6,
                       "label_domain": json.dumps(["low", "mid", "high"]), "instructions_version": version,
                       "n_bootstrap": 200, "min_confidence": 0.0,
                       "consensus_splits": json.dumps({"train": 4, "eval": 1})}
    inputs = {"annotations": [annotations], "previous_report": [previous] if previous else [],
              "examples": [examples] if examples else []}
    if examples:
        exec_properties.update(example_label_column="big_tipper", example_id_column="trip")
    Executor(BaseBeamExecutor.Context(beam_pipeline_args=BEAM_ARGS, tmp_dir=str(tmp_path / "tmp"))).Do(
        inputs, outputs, exec_properties)
    return outputs


def _read_examples(artifact):
    rows = []
    for split in artifact_utils.decode_split_names(artifact.split_names):
        pattern = os.path.join(artifact_utils.get_split_uri([artifact], split), "*")
        for record in tf.data.TFRecordDataset(tf.io.gfile.glob(pattern), compression_type="GZIP"):
            rows.append(tf.train.Example.FromString(record.numpy()))
    return rows


def test_executor_blocks_ambiguous_instructions_then_passes_revised_ones(tmp_path):
    single = [{"trip": f"t{i}", "fare": float(i % 10), "company": "Flash Cab", "big_tipper": int(i % 10 > 4)}
              for i in range(100)] + [{"trip": "t_dup", "fare": 1.0, "company": "Flash Cab", "big_tipper": 1}]
    v1 = _run(tmp_path, "v1", _examples_artifact(str(tmp_path / "a1"), _annotation_rows(True)), "v1",
              examples=_examples_artifact(str(tmp_path / "e1"), single))
    report = read_report(v1["report"][0].uri)
    assert report["status"] == "INCONSISTENT"
    assert v1["blessing"][0].get_int_custom_property("blessed") == 0
    assert any(f.startswith("revise the instructions for class mid: labelers split mid/low on 100%")
               for f in report["findings"])
    assert report["rows"] == {"rows_in": 182, "rows_used": 181, "rows_dropped": {"missing_label": 1}, "items": 62}
    assert report["consensus_flags"] == {"missing_label": 1, "no_valid_label": 1, "single_label": 1}
    assert os.path.exists(os.path.join(v1["report"][0].uri, "label_consistency_report.html"))
    assert report["xy_conflicts"]["n_examples"] == 101 and report["xy_conflicts"]["n_conflicting_groups"] == 1
    assert report["xy_conflicts"]["groups"][0]["labels"] == {"0": 10, "1": 1}  # fare 1.0: ten 0s and t_dup
    assert report["label_errors"]["n_sample"] == 101

    examples = _read_examples(v1["consensus_examples"][0])
    assert len(examples) == 61  # every labelled item; trip_unlabelled is reported with flag no_valid_label
    by_item = {e.features.feature["item_id"].bytes_list.value[0].decode(): e for e in examples}
    trip1 = by_item["trip01"].features.feature
    assert trip1["label"].bytes_list.value == [b"mid"]  # 2 of 3 labelers
    assert trip1["consensus_confidence"].float_list.value[0] == pytest.approx(2 / 3)
    assert trip1["trip_seconds"].int64_list.value == [60] and trip1["fare"].float_list.value == [1.0]

    v2 = _run(tmp_path, "v2", _examples_artifact(str(tmp_path / "a2"), _annotation_rows(False)), "v2",
              previous=v1["report"][0])
    report2 = read_report(v2["report"][0].uri)
    assert report2["status"] == "CONSISTENT"
    assert v2["blessing"][0].get_int_custom_property("blessed") == 1
    mid = next(r for r in report2["revision"]["per_class"] if r["label"] == "mid")
    assert mid["agreement_before"] < 0.8 <= mid["agreement_after"]
    assert report2["revision"]["previous_instructions_version"] == "v1"


def test_missing_column_is_named(tmp_path):
    rows = [{"item": "1", "annotator_id": "A", "label": "x"}]
    with pytest.raises(Exception, match="no column 'item_id'"):
        _run(tmp_path, "bad", _examples_artifact(str(tmp_path / "b"), rows), "v1")


def test_component_declares_outputs_and_rejects_bad_parameters():
    from tfx.types import channel_utils
    annotations = channel_utils.as_channel([standard_artifacts.Examples()])
    component = LabelConsistencyGen(annotations=annotations, instructions_version="v1")
    assert set(component.outputs) == {"report", "consensus_examples", "blessing"}
    assert component.outputs["blessing"].type is LabelConsistencyBlessing
    with pytest.raises(ValueError, match="level must be one of"):
        LabelConsistencyGen(annotations=annotations, level="fuzzy")
