"""The executor on hand-built artifacts over real data: predictions from columns the schema does not declare and
from SavedModels (binary and a multiclass softmax), the gate, outputs on TF's ram:// filesystem, the pool."""
import glob
import json
import os

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
from tfx.dsl.components.base import base_beam_executor  # noqa: E402
from tfx.dsl.io import fileio  # noqa: E402
from tfx.types import artifact_utils, channel_utils, standard_artifacts  # noqa: E402

from tfx_dcai import tf_example  # noqa: E402
from tfx_dcai.artifacts import NO_BASELINE, NOT_BLESSED, SliceBlessing, SliceReport, SlicingSpecs  # noqa: E402
from tfx_dcai.beam_options import LOCAL_BEAM_ARGS  # noqa: E402
from tfx_dcai.pipelines import TAXI_SCHEMA  # noqa: E402
from tfx_dcai.pipelines.taxi_data import big_tipper, taxi_testdata_dir  # noqa: E402
from tfx_dcai.slice_error_analyzer.component import SliceErrorAnalyzer  # noqa: E402
from tfx_dcai.slice_error_analyzer.config import SliceConfig  # noqa: E402
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError  # noqa: E402
from tfx_dcai.slice_error_analyzer.executor import Executor  # noqa: E402

BEAM_ARGS = list(LOCAL_BEAM_ARGS)
RULE = {b"Credit Card": 0.8}  # a rule-based classifier: card payments record tips, cash mostly does not


def _rule(features):
    return RULE.get((features.get("payment_type") or [b""])[0], 0.1)


def _examples(root, splits):
    examples = standard_artifacts.Examples()
    examples.uri = str(root)
    examples.split_names = artifact_utils.encode_split_names(list(splits))
    return examples


def _schema(tmp_path_factory, text):
    schema_dir = tmp_path_factory.mktemp("schema")
    (schema_dir / "schema.pbtxt").write_text(text)
    schema = standard_artifacts.Schema()
    schema.uri = str(schema_dir)
    return schema


@pytest.fixture(scope="module")
def taxi_eval(tmp_path_factory):
    """The tfx wheel's Split-eval trips with label big_tipper and the rule's prediction as `prediction` and as
    `p_0`/`p_1`; the schema (the curated taxi schema) declares none of the prediction columns."""
    root = tmp_path_factory.mktemp("examples")
    os.makedirs(root / "Split-eval")
    sources = glob.glob(os.path.join(taxi_testdata_dir(), "Split-eval", "*"))
    kept = 0
    with tf_example.writers({"eval": str(root / "Split-eval" / "data.tfrecord.gz")}) as write:
        for _, features in tf_example.read_gzipped(sources):
            label = big_tipper(features)
            if label is None:
                continue
            p = _rule(features)
            write("eval", dict(features, big_tipper=[label], prediction=[p], p_0=[1 - p], p_1=[p]))
            kept += 1
    with open(TAXI_SCHEMA) as f:
        schema = _schema(tmp_path_factory, f.read())
    return _examples(root, ["eval"]), schema, kept


def _outputs(root, selection=False, uri=None):
    outputs = {"slice_report": SliceReport(), "blessing": SliceBlessing(), "slicing_specs": SlicingSpecs()}
    if selection:
        outputs["selection"] = standard_artifacts.Examples()
    for name, artifact in outputs.items():
        artifact.uri = os.path.join(uri or str(root), name)
        fileio.makedirs(artifact.uri)
    return {name: [artifact] for name, artifact in outputs.items()}


def _run(inputs, outputs, tmp_dir=None, **fields):
    context = base_beam_executor.BaseBeamExecutor.Context(beam_pipeline_args=BEAM_ARGS, tmp_dir=tmp_dir,
                                                          unique_id="1" if tmp_dir else None)
    config = SliceConfig(**{"label_key": "big_tipper", "exclude_features": ("tips",), **fields})
    Executor(context).Do(inputs, outputs, {"config": config.to_json()})
    path = os.path.join(outputs["slice_report"][0].uri, "slice_report.json")
    with fileio.open(path) as f:
        return json.loads(f.read())


def test_prediction_columns_need_not_be_in_the_schema(taxi_eval, tmp_path):
    examples, schema, kept = taxi_eval
    outputs = _outputs(tmp_path / "single")
    report = _run({"examples": [examples], "schema": [schema]}, outputs, tmp_dir=str(tmp_path / "tmp"),
                  prediction_key="prediction")
    assert report["rows"]["read"] == kept and report["rows"]["used"] == kept and report["task"] == "binary"
    assert report["status"] == "SIGNIFICANT_SLICES" and all(s["significant"] for s in report["slices"])
    features = {f["name"] for f in report["features"]}
    assert "tips" not in features and not features & {"prediction", "p_0", "p_1"}
    assert outputs["blessing"][0].get_int_custom_property("blessed") == NO_BASELINE
    assert outputs["slice_report"][0].get_string_custom_property("status") == "SIGNIFICANT_SLICES"
    specs = json.load(open(os.path.join(outputs["slicing_specs"][0].uri, "slicing_specs.json")))
    from google.protobuf import json_format
    from tensorflow_model_analysis.proto import config_pb2
    for spec in specs["slicing_specs"]:
        json_format.ParseDict(spec, config_pb2.SlicingSpec())  # valid TFMA SlicingSpecs
    assert len(specs["slicing_specs"]) == sum(s["significant"] for s in report["slices"])
    assert not os.listdir(tmp_path / "tmp" / "1")  # the scratch files are removed
    per_class = _run({"examples": [examples], "schema": [schema]}, _outputs(tmp_path / "per_class"),
                     prediction_key="p")
    assert per_class["prediction"]["prediction_columns"] == ["p_0", "p_1"]
    assert per_class["overall"] == report["overall"]


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
    assert better["prediction"]["prediction_source"] == "model"
    assert better["blessing"]["verdict"] == "PASS"
    outputs = _outputs(tmp_path / "worse")
    worse = _run(dict(inputs, model=[card_no], baseline_model=[card_yes]), outputs)
    assert worse["blessing"]["verdict"] == "BLOCKED"
    assert any(s["baseline"]["regressed"] for s in worse["slices"])
    assert outputs["blessing"][0].get_int_custom_property("blessed") == NOT_BLESSED




def _penguin_dir():
    import tfx
    return os.path.join(os.path.dirname(tfx.__file__), "components", "testdata", "penguin")


class _Softmax(tf.Module):
    """A 3-class softmax over the penguin measurements (fixed weights), serving serialized tf.Examples."""
    FEATURES = ("culmen_length_mm", "flipper_length_mm")
    WEIGHTS = np.array([[-6.0, 6.0, 0.0], [0.0, -6.0, 8.0]], np.float32)
    BIAS = np.array([3.0, 1.0, -4.0], np.float32)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve(self, serialized):
        parsed = tf.io.parse_example(serialized, {f: tf.io.FixedLenFeature([1], tf.float32) for f in self.FEATURES})
        x = tf.concat([parsed[f] for f in self.FEATURES], axis=1)
        return {"probabilities": tf.nn.softmax(tf.matmul(x, self.WEIGHTS) + self.BIAS)}

    @classmethod
    def numpy(cls, rows):
        x = np.array([[r[f][0] for f in cls.FEATURES] for r in rows], np.float32)
        logits = x @ cls.WEIGHTS + cls.BIAS
        return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


def test_a_multiclass_softmax_model(tmp_path_factory, tmp_path):
    """Issue 11: `model=trainer.outputs["model"]` with a softmax output (3 penguin species)."""
    directory = _penguin_dir()
    examples = _examples(os.path.join(directory, "data"), ["train", "eval"])
    with open(os.path.join(directory, "schema", "schema.pbtxt")) as f:
        schema = _schema(tmp_path_factory, f.read())
    model = _save(_Softmax(), str(tmp_path / "softmax" / "Format-Serving"))
    outputs = _outputs(tmp_path / "out")
    report = _run({"examples": [examples], "schema": [schema], "model": [model]}, outputs, label_key="species",
                  exclude_features=(), split="train", min_support=10)
    rows = [f for _, f in tf_example.read_gzipped(glob.glob(os.path.join(directory, "data", "Split-train", "*")))]
    probabilities = _Softmax.numpy(rows)
    labels = np.array([r["species"][0] for r in rows])
    from sklearn.metrics import zero_one_loss
    assert report["task"] == "multiclass" and report["prediction"]["classes"] == ["0", "1", "2"]
    assert report["rows"]["used"] == len(rows)
    assert report["overall"]["value"] == pytest.approx(zero_one_loss(labels, probabilities.argmax(axis=1)))
    loss = _run({"examples": [examples], "schema": [schema], "model": [model]}, _outputs(tmp_path / "loss"),
                label_key="species", exclude_features=(), split="train", min_support=10, metric="log_loss")
    from sklearn.metrics import log_loss
    assert loss["overall"]["value"] == pytest.approx(log_loss(labels, probabilities), rel=1e-5)


def test_outputs_on_a_non_local_filesystem(taxi_eval, tmp_path, monkeypatch):
    """Every output through fileio on TF's in-memory ram:// filesystem; nothing is written locally."""
    examples, schema, _ = taxi_eval
    monkeypatch.chdir(tmp_path)
    uri = "ram://sea_outputs"
    outputs = _outputs(None, uri=uri)
    report = _run({"examples": [examples], "schema": [schema]}, outputs, tmp_dir=str(tmp_path / "tmp"),
                  prediction_key="prediction")
    assert report["status"] == "SIGNIFICANT_SLICES"
    for name, artifact in (("slice_report.json", "slice_report"), ("slice_report.html", "slice_report"),
                           ("slicing_specs.json", "slicing_specs")):
        assert fileio.exists(f"{uri}/{artifact}/{name}")
    assert not os.path.exists(tmp_path / "ram:") and sorted(os.listdir(tmp_path)) == ["tmp"]
    assert not os.listdir(tmp_path / "tmp" / "1")


def test_the_pool_gives_a_selection_of_examples(taxi_eval, tmp_path):
    examples, schema, _ = taxi_eval
    pool_root = tmp_path / "pool"
    os.makedirs(pool_root / "Split-train")
    sources = glob.glob(os.path.join(taxi_testdata_dir(), "Split-train", "*"))
    with tf_example.writers({"train": str(pool_root / "Split-train" / "data.tfrecord.gz")}) as write:
        for _, features in tf_example.read_gzipped(sources):
            write("train", {k: v for k, v in features.items() if k != "tips"})
    pool = _examples(pool_root, ["train"])
    outputs = _outputs(tmp_path / "out", selection=True)
    report = _run({"examples": [examples], "schema": [schema], "pool": [pool]}, outputs, prediction_key="prediction",
                  budget=50)
    selection = outputs["selection"][0]
    assert report["selection"]["chosen"] == 50 == selection.get_int_custom_property("rows")
    assert artifact_utils.decode_split_names(selection.split_names) == ["selection"]
    chosen = [f for _, f in tf_example.read_gzipped(glob.glob(os.path.join(selection.uri, "Split-selection", "*")))]
    described = {s["description"] for s in report["slices"] if s["significant"]}
    assert len(chosen) == 50 and {f["slice"][0].decode() for f in chosen} <= described
    assert all("tips" not in f for f in chosen)  # the pool's own columns


def test_a_model_whose_signature_does_not_take_examples_is_a_clear_error(taxi_eval, tmp_path):
    examples, schema, _ = taxi_eval

    class Numeric(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="fare")])
        def serve(self, fare):
            return {"outputs": fare}

    model = _save(Numeric(), str(tmp_path / "bad" / "Format-Serving"))
    with pytest.raises(Exception, match="not one string tensor of serialized tf.Examples"):
        _run({"examples": [examples], "schema": [schema], "model": [model]}, _outputs(tmp_path))


def test_component_config_is_validated_when_the_pipeline_is_built():
    examples = channel_utils.as_channel([standard_artifacts.Examples()])
    schema = channel_utils.as_channel([standard_artifacts.Schema()])
    with pytest.raises(SliceInputError, match="exactly one"):
        SliceErrorAnalyzer(examples=examples, schema=schema, label_key="big_tipper")
    with pytest.raises(SliceInputError, match="label_key is required"):
        SliceErrorAnalyzer(examples=examples, schema=schema, prediction_key="p")
    with pytest.raises(SliceInputError, match=r"max_level \(--max-level\) must be an integer between 1 and 8"):
        SliceErrorAnalyzer(examples=examples, schema=schema, label_key="y", prediction_key="p", max_level=0)
    with pytest.raises(SliceInputError, match="unknown key"):
        SliceErrorAnalyzer(examples=examples, schema=schema, config={"label_key": "y", "max_levels": 2})
    with pytest.raises(SliceInputError, match="go together"):
        SliceErrorAnalyzer(examples=examples, schema=schema, label_key="y", prediction_key="p", budget=10)
    old_style = SliceErrorAnalyzer(examples, schema, "big_tipper", prediction_key="prediction",
                                   exclude_features=json.dumps(["tips"]), max_level=2)
    assert old_style.config.exclude_features == ("tips",) and old_style.config.max_level == 2
    new_style = SliceErrorAnalyzer(examples=examples, schema=schema, config={"label_key": "big_tipper",
                                                                             "prediction_key": "prediction",
                                                                             "exclude_features": ["tips"],
                                                                             "max_level": 2})
    assert new_style.exec_properties == old_style.exec_properties
    assert set(new_style.outputs) == {"slice_report", "blessing", "slicing_specs"}
    with_pool = SliceErrorAnalyzer(examples=examples, schema=schema, config=SliceConfig(label_key="y", budget=5),
                                   model=channel_utils.as_channel([standard_artifacts.Model()]), pool=examples)
    assert "selection" in with_pool.outputs
