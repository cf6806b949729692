"""LabelConsistencyGen's executor on hand-built artifacts: real TFXIO reads, Beam, tf.Example outputs."""
import os

import pytest
import tensorflow as tf
from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils

from tfx_dcai.artifacts import LabelConsistencyBlessing, LabelConsistencyReport
from tfx_dcai.label_consistency.component import LabelConsistencyGen
from tfx_dcai.label_consistency.config import LabelConsistencyConfig
from tfx_dcai.label_consistency.executor import Executor
from tfx_dcai.tf_records import encode_rows as to_tf_examples
from tfx_dcai.label_consistency.report import read_report
from tfx_dcai.beam_options import LOCAL_BEAM_ARGS  # noqa: E402

BEAM_ARGS = list(LOCAL_BEAM_ARGS)


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
        for example in to_tf_examples(list(rows)):
            writer.write(example)
    return artifact


def _run(tmp_path, name, annotations, version, previous=None, examples=None, schema=None, root=None,
         **config_fields):
    outputs = {"report": [LabelConsistencyReport()], "consensus_examples": [standard_artifacts.Examples()],
               "blessing": [LabelConsistencyBlessing()]}
    for key, (artifact,) in outputs.items():
        artifact.uri = os.path.join(root or str(tmp_path), name, key)
    fields = {"label_domain": ["low", "mid", "high"], "instructions_version": version, "n_bootstrap": 200}
    if examples:
        fields.update(example_label_column="big_tipper", example_id_column="trip")
    fields.update(config_fields)
    inputs = {"annotations": [annotations], "previous_report": [previous] if previous else [],
              "examples": [examples] if examples else [], "schema": [schema] if schema else []}
    context = BaseBeamExecutor.Context(beam_pipeline_args=BEAM_ARGS, tmp_dir=str(tmp_path / "tmp"),
                                       unique_id=name)
    Executor(context).Do(inputs, outputs, {"config": LabelConsistencyConfig.from_dict(fields).to_json()})
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


def _schema_artifact(root):
    """A Schema artifact as SchemaGen writes it: `area` categorical ints, `legacy` deprecated, `tips` serving-only."""
    schema = schema_pb2.Schema(default_environment=["TRAINING", "SERVING"])
    for name, kind in (("trip", schema_pb2.BYTES), ("area", schema_pb2.INT), ("fare", schema_pb2.FLOAT),
                       ("legacy", schema_pb2.FLOAT), ("tips", schema_pb2.FLOAT), ("big_tipper", schema_pb2.INT),
                       ("p_big", schema_pb2.FLOAT)):
        schema.feature.add(name=name, type=kind)
    features = {f.name: f for f in schema.feature}
    features["area"].int_domain.is_categorical = True
    features["legacy"].lifecycle_stage = schema_pb2.DEPRECATED
    features["tips"].in_environment.append("SERVING")
    artifact = standard_artifacts.Schema()
    artifact.uri = root
    io_utils.write_pbtxt_file(os.path.join(root, "schema.pbtxt"), schema)
    return artifact


def test_supplied_probabilities_and_schema_artifact(tmp_path):
    """200 trips; labels follow p_big except 20 planted flips; 3 probabilities unusable; a real Schema artifact."""
    single = []
    for i in range(200):
        p_big = 0.05 + 0.01 * (i % 10) if i % 20 < 10 else 0.95 - 0.01 * (i % 10)
        label = int(p_big > 0.5) if i % 20 not in (0, 19) else int(p_big <= 0.5)  # planted flips
        single.append({"trip": f"t{i:03d}", "area": i % 40, "fare": float(i % 7), "legacy": 1.0, "tips": 2.0,
                       "big_tipper": label, "p_big": p_big})
    single[1]["p_big"], single[2]["p_big"] = 1.7, float("nan")
    del single[3]["p_big"]
    annotations = _examples_artifact(str(tmp_path / "a"), _annotation_rows(False))
    run = _run(tmp_path, "p", annotations, "v2", examples=_examples_artifact(str(tmp_path / "e"), single),
               schema=_schema_artifact(str(tmp_path / "schema")), prediction_column="p_big")
    report = read_report(run["report"][0].uri)
    errors = report["label_errors"]
    assert errors["probabilities"] == "column 'p_big'"
    assert errors["dropped"] == {"missing_prediction": 2, "prediction_out_of_range": 1}
    assert errors["n_sample"] == 197
    flagged = {e["item"] for e in errors["flagged"]}
    planted = {f"t{i:03d}" for i in range(200) if i % 20 in (0, 19)}
    assert len(flagged & planted) >= 0.8 * len(flagged) and len(flagged & planted) >= 0.8 * len(planted)
    assert any("left out 3 examples" in f for f in report["findings"])
    kinds = report["xy_conflicts"]["feature_kinds"]
    assert kinds["categorical"] == ["area"] and kinds["numeric"] == ["fare"]
    assert kinds["skipped"] == {"legacy": "deprecated", "tips": "not in the TRAINING environment"}

    with pytest.raises(Exception, match="no prediction column 'score'"):
        _run(tmp_path, "bad_p", annotations, "v2", examples=_examples_artifact(str(tmp_path / "e2"), single),
             prediction_column="score")


def test_prediction_column_needs_examples():
    from tfx.types import channel_utils
    annotations = channel_utils.as_channel([standard_artifacts.Examples()])
    with pytest.raises(Exception, match="pass examples too"):
        LabelConsistencyGen(annotations=annotations, prediction_column="p")


def test_missing_column_is_named(tmp_path):
    rows = [{"item": "1", "annotator_id": "A", "label": "x"}]
    with pytest.raises(Exception, match="no column 'item_id'"):
        _run(tmp_path, "bad", _examples_artifact(str(tmp_path / "b"), rows), "v1")


def test_each_split_is_readable_and_holds_its_items_when_one_gets_none(tmp_path):
    rows = [{"item_id": "only", "annotator_id": a, "label": "low", "fare": 1.5} for a in "AB"]
    run = _run(tmp_path, "one", _examples_artifact(str(tmp_path / "one"), rows), "v1")
    artifact = run["consensus_examples"][0]
    per_split = {}
    for split in ("eval", "train"):
        files = tf.io.gfile.glob(os.path.join(artifact_utils.get_split_uri([artifact], split), "*"))
        assert files, split  # readers of the split (TFXIO, ExampleGen-style globs) need a file, empty or not
        per_split[split] = [tf.train.Example.FromString(r.numpy())
                            for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]
    assert sorted(len(examples) for examples in per_split.values()) == [0, 1]
    names = {os.path.basename(f) for split in ("eval", "train")
             for f in tf.io.gfile.glob(os.path.join(artifact_utils.get_split_uri([artifact], split), "*"))}
    assert names == {"consensus-00000-of-00001.gz", "consensus-empty.gz"}  # small input: one hash bucket
    (example,) = per_split["eval"] + per_split["train"]
    assert example.features.feature["label"].bytes_list.value == [b"low"]
    assert example.features.feature["fare"].float_list.value == [1.5]


def test_component_declares_outputs_and_rejects_bad_parameters():
    from tfx.types import channel_utils
    annotations = channel_utils.as_channel([standard_artifacts.Examples()])
    component = LabelConsistencyGen(annotations=annotations, instructions_version="v1")
    assert set(component.outputs) == {"report", "consensus_examples", "blessing"}
    assert component.outputs["blessing"].type is LabelConsistencyBlessing
    with pytest.raises(ValueError, match="level must be one of"):
        LabelConsistencyGen(annotations=annotations, level="fuzzy")


def test_outputs_on_tensorflows_ram_filesystem_and_nothing_written_locally(tmp_path, monkeypatch):
    from tfx.dsl.io import fileio

    monkeypatch.chdir(tmp_path)  # a path mistaken for a local one would appear here as a folder named "ram:"
    annotations = _examples_artifact(str(tmp_path / "a"), _annotation_rows(True))
    run = _run(tmp_path, "ram", annotations, "v1", root="ram://lc_outputs")
    report_uri = run["report"][0].uri
    assert report_uri.startswith("ram://")
    assert fileio.exists(os.path.join(report_uri, "label_consistency_report.json"))
    assert fileio.exists(os.path.join(report_uri, "label_consistency_report.html"))
    report = read_report(report_uri)
    assert report["status"] == "INCONSISTENT" and report["rows"]["rows_in"] == 182
    consensus = run["consensus_examples"][0]
    records = []
    for split in ("train", "eval"):
        files = fileio.glob(os.path.join(artifact_utils.get_split_uri([consensus], split), "*"))
        assert files
        for path in files:
            with fileio.open(path, "rb") as f:
                import gzip

                from tfx_dcai.tf_records import unframe_records
                records += unframe_records(gzip.decompress(f.read()), path)
    assert len(records) == 61
    assert not os.path.exists(tmp_path / "ram:") and not os.path.exists("ram:")
    leftovers = [p for p in (tmp_path / "tmp").rglob("*") if p.is_file()]
    assert leftovers == []  # the scratch files (report JSON, consensus files) are removed


def test_config_one_parameter_from_a_config_a_dict_or_the_documented_keywords():
    from tfx.types import channel_utils

    from tfx_dcai.errors import InputError
    from tfx_dcai.label_consistency import Thresholds

    annotations = channel_utils.as_channel([standard_artifacts.Examples()])
    by_keywords = LabelConsistencyGen(annotations=annotations, item_column="trip", label_domain=[0, 1],
                                      thresholds=Thresholds(min_alpha=0.7), consensus_splits={"train": 1})
    by_dict = LabelConsistencyGen(annotations=annotations, config={
        "item_column": "trip", "label_domain": [0, 1], "min_alpha": 0.7, "consensus_splits": {"train": 1}})
    by_config = LabelConsistencyGen(annotations=annotations, config=LabelConsistencyConfig(
        item_column="trip", label_domain=(0, 1), min_alpha=0.7, consensus_splits={"train": 1}))
    texts = {c.exec_properties["config"] for c in (by_keywords, by_dict, by_config)}
    assert len(texts) == 1 and set(by_dict.exec_properties) == {"config"}
    config = LabelConsistencyConfig.from_json(texts.pop())
    assert config.label_domain == (0, 1) and config.thresholds == Thresholds(0.7, 0.8, 0.6)
    for bad, message in (({"level": "fuzzy"}, "level must be one of"), ({"min_alpha": 2}, "min_alpha must be"),
                         ({"n_bootstrap": -1}, "n_bootstrap must be"), ({"typo_field": 1}, "unknown key"),
                         ({"consensus_splits": {"train": 0}}, "consensus_splits"),
                         ({"kind": "text", "consensus": "dawid_skene"}, "medoid")):
        with pytest.raises(InputError, match=message):
            LabelConsistencyGen(annotations=annotations, config=bad)
    with pytest.raises(InputError, match="unknown key"):
        LabelConsistencyGen(annotations=annotations, typo_field=1)


def test_a_model_input_scores_the_examples_for_multiclass_confident_learning(tmp_path):
    """A 3-class softmax SavedModel (the Trainer's kind of output) replaces the built-in model; planted flips are
    found on features the built-in model could not use (x is the only feature and decides the class)."""
    spec = {"x": tf.io.FixedLenFeature([1], tf.float32, default_value=0.0)}

    class Model(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
        def serve(self, serialized):
            x = tf.io.parse_example(serialized, spec)["x"]
            return {"probabilities": tf.nn.softmax(tf.concat([-4 * x, 2.0 - 4 * tf.abs(x), 4 * x], axis=1))}

    model = Model()
    model_dir = str(tmp_path / "model")
    tf.saved_model.save(model, model_dir, signatures={"serving_default": model.serve})
    model_artifact = standard_artifacts.Model()
    model_artifact.uri = model_dir
    rows = []
    for i in range(150):
        x = (i % 30 - 15) / 5.0
        truth = 0 if x < -0.25 else 2 if x > 0.25 else 1  # the model's own class boundaries
        label = (truth + 1) % 3 if i % 15 == 7 else truth  # planted flips
        rows.append({"trip": f"t{i:03d}", "x": x, "big_tipper": ["low", "mid", "high"][label]})
    annotations = _examples_artifact(str(tmp_path / "a"), _annotation_rows(False))
    examples = _examples_artifact(str(tmp_path / "e"), rows)
    outputs = {"report": [LabelConsistencyReport()], "consensus_examples": [standard_artifacts.Examples()],
               "blessing": [LabelConsistencyBlessing()]}
    for key, (artifact,) in outputs.items():
        artifact.uri = str(tmp_path / "m" / key)
    config = LabelConsistencyConfig(label_domain=("low", "mid", "high"), n_bootstrap=0,
                                    example_label_column="big_tipper", example_id_column="trip",
                                    class_labels=("low", "mid", "high"))  # the model's column order
    context = BaseBeamExecutor.Context(beam_pipeline_args=BEAM_ARGS, tmp_dir=str(tmp_path / "tmp"), unique_id="m")
    Executor(context).Do({"annotations": [annotations], "examples": [examples], "model": [model_artifact]},
                         outputs, {"config": config.to_json()})
    errors = read_report(outputs["report"][0].uri)["label_errors"]
    assert errors["probabilities"] == f"model {model_dir}" and errors["task"] == "multiclass"
    assert errors["classes"] == ["low", "mid", "high"]
    planted = {f"t{i:03d}" for i in range(150) if i % 15 == 7}
    flagged = {e["item"] for e in errors["flagged"]}
    assert len(flagged & planted) >= 0.8 * len(planted) and len(flagged & planted) >= 0.8 * len(flagged)
