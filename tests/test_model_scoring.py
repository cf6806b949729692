"""The one SavedModel scorer: signature checks at load time and the documented output rule."""
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from tfx_dcai.model_scoring import ModelInputError, ServingModel  # noqa: E402
from tfx_dcai.predictions import MULTICLASS, from_model_output  # noqa: E402


def _save(tmp_path, name, outputs_fn, input_name="examples"):
    """A SavedModel whose serving_default parses tf.Examples with one float feature `x`."""
    spec = {"x": tf.io.FixedLenFeature([1], tf.float32, default_value=0.0)}

    class Model(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=input_name)])
        def serve(self, serialized):
            x = tf.io.parse_example(serialized, spec)["x"]
            return outputs_fn(x)

    model = Model()
    path = str(tmp_path / name)
    tf.saved_model.save(model, path, signatures={"serving_default": model.serve})
    return path


def _examples(values):
    return [tf.train.Example(features=tf.train.Features(feature={"x": tf.train.Feature(
        float_list=tf.train.FloatList(value=[v]))})).SerializeToString() for v in values]


def _softmax3(x):
    logits = tf.concat([-x, 1.0 - tf.abs(x), x], axis=1)
    return {"probabilities": tf.nn.softmax(logits)}


def test_a_single_softmax_output_is_scored_per_class(tmp_path):
    model = ServingModel(_save(tmp_path, "softmax", _softmax3))
    output = model.predict(_examples([-3.0, 0.0, 3.0]))
    assert output.shape == (3, 3) and np.allclose(output.sum(axis=1), 1)
    pred = from_model_output([0, 1, 2], output)
    assert pred.task == MULTICLASS and list(pred.predicted) == [0, 1, 2]


def test_several_outputs_need_an_output_key(tmp_path):
    path = _save(tmp_path, "two", lambda x: {"logits": x, "probability": tf.sigmoid(x)})
    with pytest.raises(ModelInputError, match=r"several outputs \['logits', 'probability'\]"):
        ServingModel(path)
    assert ServingModel(path, output_key="probability").predict(_examples([0.0]))[0, 0] == pytest.approx(0.5)
    with pytest.raises(ModelInputError, match="output_key 'nope' is not an output"):
        ServingModel(path, output_key="nope")


def test_a_missing_model_or_signature_is_bad_input(tmp_path):
    with pytest.raises(ModelInputError, match="cannot load a SavedModel"):
        ServingModel(str(tmp_path / "absent"))
