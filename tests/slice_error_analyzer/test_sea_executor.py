"""The executor on hand-built artifacts over real taxi trips: predictions from a column and from a SavedModel."""
import json
import os

import pytest

tf = pytest.importorskip("tensorflow")
from tfx.dsl.components.base import base_beam_executor  # noqa: E402
from tfx.types import artifact_utils, standard_artifacts  # noqa: E402

from tfx_dcai.artifacts import NO_BASELINE, NOT_BLESSED, SliceBlessing, SliceReport, SlicingSpecs  # noqa: E402
from tfx_dcai.slice_error_analyzer.component import SliceErrorAnalyzer  # noqa: E402
from tfx_dcai.slice_error_analyzer.executor import Executor  # noqa: E402
from tfx_dcai import tf_example  # noqa: E402
from tfx_dcai.pipelines import TAXI_SCHEMA  # noqa: E402
from tfx_dcai.pipelines.taxi_data import big_tipper, taxi_testdata_dir  # noqa: E402
from tfx_dcai.beam_options import LOCAL_BEAM_ARGS  # noqa: E402

BEAM_ARGS = list(LOCAL_BEAM_ARGS)
RULE = {b"Credit Card": 0.8}  # a rule-based classifier: card payments record tips, cash mostly does not


def _rule(features):
    return RULE.get((features.get("payment_type") or [b""])[0], 0.1)


@pytest.fixture(scope="module")
def taxi_eval(tmp_path_factory):
    """The tfx wheel's Split-eval trips with label big_tipper and the rule's prediction, as an Examples split."""
    root = tmp_path_factory.mktemp("examples")
    os.makedirs(root / "Split-eval")
    sources = [os.path.join(taxi_testdata_dir(), "Split-eval", f)
               for f in os.listdir(os.path.join(taxi_testdata_dir(), "Split-eval"))]
    kept = 0
    with tf_example.writers({"eval": str(root / "Split-eval" / "data.tfrecord.gz")}) as write:
        for _, features in tf_example.read_gzipped(sources):
            label = big_tipper(features)
            if label is None:
                continue
            write("eval", dict(features, big_tipper=[label], prediction=[_rule(features)]))
            kept += 1
    examples = standard_artifacts.Examples()
    examples.uri = str(root)
    examples.split_names = artifact_utils.encode_split_names(["eval"])
    schema_dir = tmp_path_factory.mktemp("schema")
    with open(TAXI_SCHEMA) as f:
        text = f.read()
    (schema_dir / "schema.pbtxt").write_text(text + '\nfeature { name: "prediction" type: FLOAT }\n')
    schema = standard_artifacts.Schema()
    schema.uri = str(schema_dir)
    return examples, schema, kept


def _outputs(tmp_path):
    outputs = {"slice_report": SliceReport(), "blessing": SliceBlessing(), "slicing_specs": SlicingSpecs()}
    for name, artifact in outputs.items():
        artifact.uri = str(tmp_path / name)
        os.makedirs(artifact.uri)
    return {name: [artifact] for name, artifact in outputs.items()}


def _run(inputs, outputs, **props):
    executor = Executor(base_beam_executor.BaseBeamExecutor.Context(beam_pipeline_args=BEAM_ARGS))
    props = {"label_key": "big_tipper", "exclude_features": json.dumps(["tips"]), **props}
    executor.Do(inputs, outputs, props)
    with open(os.path.join(outputs["slice_report"][0].uri, "slice_report.json")) as f:
        return json.load(f)


def test_prediction_column_finds_slices_and_writes_all_outputs(taxi_eval, tmp_path):
    examples, schema, kept = taxi_eval
    outputs = _outputs(tmp_path)
    report = _run({"examples": [examples], "schema": [schema]}, outputs, prediction_key="prediction")
    assert report["rows"]["read"] == kept and report["rows"]["used"] == kept
    assert report["status"] == "SIGNIFICANT_SLICES"
    assert all(s["significant"] for s in report["slices"])
    assert "tips" not in {f["name"] for f in report["features"]}
    assert outputs["blessing"][0].get_int_custom_property("blessed") == NO_BASELINE
    assert outputs["slice_report"][0].get_string_custom_property("status") == "SIGNIFICANT_SLICES"
    specs = json.load(open(os.path.join(outputs["slicing_specs"][0].uri, "slicing_specs.json")))
    from tensorflow_model_analysis.proto import config_pb2
    from google.protobuf import json_format
    for spec in specs["slicing_specs"]:
        json_format.ParseDict(spec, config_pb2.SlicingSpec())  # valid TFMA SlicingSpecs
    assert len(specs["slicing_specs"]) + len(specs["skipped"]) == len(report["slices"])


class _Rule(tf.Module):
    """A SavedModel whose serving signature takes serialized tf.Examples, like the Trainer's."""

    def __init__(self, card: float):
        super().__init__()
        self.card = tf.Variable(card)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve(self, serialized):
        parsed = tf.io.parse_example(serialized, {"payment_type": tf.io.FixedLenFeature([1], tf.string, b"")})
        card = tf.cast(tf.equal(parsed["payment_type"], b"Credit Card"), tf.float32)
        return {"outputs": card * self.card + (1.0 - card) * 0.1}


def _save(module, path):
    tf.saved_model.save(module, path, signatures={"serving_default": module.serve})
    model = standard_artifacts.Model()
    model.uri = os.path.dirname(path)
    return model


def test_model_predictions_in_beam_and_baseline_gate(taxi_eval, tmp_path):
    examples, schema, kept = taxi_eval
    card_yes = _save(_Rule(0.8), str(tmp_path / "card_yes" / "Format-Serving"))  # same rule as the column
    card_no = _save(_Rule(0.3), str(tmp_path / "card_no" / "Format-Serving"))  # never predicts a big tipper
    inputs = {"examples": [examples], "schema": [schema]}
    with_column = _run(inputs, _outputs(tmp_path / "column"), prediction_key="prediction")
    better = _run(dict(inputs, model=[card_yes], baseline_model=[card_no]), _outputs(tmp_path / "better"))
    assert better["overall"]["value"] == pytest.approx(with_column["overall"]["value"])
    assert better["blessing"]["verdict"] == "PASS"
    outputs = _outputs(tmp_path / "worse")
    worse = _run(dict(inputs, model=[card_no], baseline_model=[card_yes]), outputs)
    assert worse["blessing"]["verdict"] == "BLOCKED"
    assert any(s["baseline"]["regressed"] for s in worse["slices"])
    assert outputs["blessing"][0].get_int_custom_property("blessed") == NOT_BLESSED


def test_a_model_whose_signature_does_not_take_examples_is_a_clear_error(taxi_eval, tmp_path):
    examples, schema, _ = taxi_eval

    class Numeric(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="fare")])
        def serve(self, fare):
            return {"outputs": fare}

    module = Numeric()
    model = _save(module, str(tmp_path / "bad" / "Format-Serving"))
    with pytest.raises(Exception, match="not one string tensor of serialized tf.Examples"):
        _run({"examples": [examples], "schema": [schema], "model": [model]}, _outputs(tmp_path))


def test_component_needs_exactly_one_prediction_source():
    from tfx.types import channel_utils
    examples = channel_utils.as_channel([standard_artifacts.Examples()])
    schema = channel_utils.as_channel([standard_artifacts.Schema()])
    with pytest.raises(ValueError, match="exactly one"):
        SliceErrorAnalyzer(examples=examples, schema=schema, label_key="big_tipper")
    component = SliceErrorAnalyzer(examples=examples, schema=schema, label_key="big_tipper",
                                   prediction_key="prediction")
    assert set(component.outputs) == {"slice_report", "blessing", "slicing_specs"}
