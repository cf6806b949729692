"""A real 3-class SavedModel on the penguin data that ships in the tfx wheel (nothing copied into the repository).

The model is a multinomial logistic regression fitted with scikit-learn and exported as a tf.Module whose
`serving_default` signature takes serialized tf.Examples and returns one softmax probability per species (the
shape TFX Trainer exports for a Keras softmax classifier).
"""
import glob
import os

import numpy as np
import tfx

PENGUIN = os.path.join(os.path.dirname(tfx.__file__), "components", "testdata", "penguin")
FEATURES = ("culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g")
LABEL = "species"


def split_dir(split: str) -> str:
    return os.path.join(PENGUIN, "data", f"Split-{split}")


def records(split: str) -> list:
    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(split_dir(split), "*.gz")))
    return list(tf.data.TFRecordDataset(files, compression_type="GZIP").as_numpy_iterator())


def features_and_labels(serialized: list):
    import tensorflow as tf

    x, y = [], []
    for record in serialized:
        example = tf.train.Example.FromString(record)
        f = example.features.feature
        x.append([f[name].float_list.value[0] for name in FEATURES])
        y.append(f[LABEL].int64_list.value[0])
    return np.array(x, dtype=np.float32), np.array(y, dtype=np.int64)


def export_model(directory: str) -> str:
    """Fit on Split-train and save the SavedModel in `directory`; returns it."""
    import tensorflow as tf
    from sklearn.linear_model import LogisticRegression

    x, y = features_and_labels(records("train"))
    model = LogisticRegression(max_iter=2000, C=10.0).fit(x, y)
    weights = tf.constant(model.coef_.T, tf.float32)
    bias = tf.constant(model.intercept_, tf.float32)
    spec = {name: tf.io.FixedLenFeature([1], tf.float32) for name in FEATURES}

    class Penguins(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
        def serve(self, examples):
            parsed = tf.io.parse_example(examples, spec)
            inputs = tf.concat([parsed[name] for name in FEATURES], axis=1)
            return {"probabilities": tf.nn.softmax(tf.matmul(inputs, weights) + bias)}

    module = Penguins()
    tf.saved_model.save(module, directory, signatures={"serving_default": module.serve})
    return directory


def probabilities(directory: str, serialized: list) -> np.ndarray:
    """The SavedModel's output on the records, computed directly (the test's independent path)."""
    import tensorflow as tf

    loaded = tf.saved_model.load(directory)
    return loaded.signatures["serving_default"](examples=tf.constant(serialized))["probabilities"].numpy()
