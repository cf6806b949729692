"""Trainer module for the taxi pipeline: a small Keras model that predicts `big_tipper`.

Self-contained (TFX packages this file alone into a wheel for the Trainer). Reads the raw gzipped
tf.Examples, fills missing values with documented defaults, and exports a SavedModel whose
`serving_default` signature takes serialized tf.Examples (what TFMA and TF Serving send).
Runs under tf-keras (TF_USE_LEGACY_KERAS=1).

Training does not depend on how the examples are sharded into files or ordered in them (ExampleGen writes one
file per split on one runner and several on another): the training examples are loaded, re-serialized
canonically (map entries in key order), sorted by the SHA-256 of those bytes, and then shuffled with a fixed
seed. The taxi training split (about 10,000 trips) fits in memory; a larger data set would need a sharded sort.
"""
import hashlib
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import tensorflow as tf  # noqa: E402

LABEL = "big_tipper"
NUMERIC_FEATURES = {  # name: (dtype, default for a missing value)
    "fare": (tf.float32, 0.0), "trip_miles": (tf.float32, 0.0), "trip_seconds": (tf.int64, 0),
    "pickup_latitude": (tf.float32, 41.88), "pickup_longitude": (tf.float32, -87.63),
    "dropoff_latitude": (tf.float32, 41.88), "dropoff_longitude": (tf.float32, -87.63),
    "trip_start_hour": (tf.int64, 0), "trip_start_day": (tf.int64, 1), "trip_start_month": (tf.int64, 1),
}
PAYMENT_TYPES = ["Cash", "Credit Card", "Dispute", "Mobile", "No Charge", "Pcard", "Prcard", "Unknown"]
COMPANY_BUCKETS = 64
BATCH_SIZE = 64


def feature_spec(with_label: bool) -> dict:
    spec = {name: tf.io.FixedLenFeature([1], dtype, default_value=default)
            for name, (dtype, default) in NUMERIC_FEATURES.items()}
    spec["payment_type"] = tf.io.FixedLenFeature([1], tf.string, default_value="Unknown")
    spec["company"] = tf.io.FixedLenFeature([1], tf.string, default_value="")
    if with_label:
        spec[LABEL] = tf.io.FixedLenFeature([1], tf.int64)
    return spec


def model_inputs(parsed: dict) -> dict:
    """Parsed features -> the model's inputs (numbers as float32)."""
    inputs = {name: tf.cast(parsed[name], tf.float32) for name in NUMERIC_FEATURES}
    inputs["payment_type"] = parsed["payment_type"]
    inputs["company"] = parsed["company"]
    return inputs


def canonical_records(files) -> list:
    """Every record of the gzipped TFRecord files, re-serialized deterministically, in SHA-256 order."""
    records = []
    for record in tf.data.TFRecordDataset(files, compression_type="GZIP").as_numpy_iterator():
        example = tf.train.Example.FromString(record)
        records.append(example.SerializeToString(deterministic=True))
    return sorted(records, key=lambda r: (hashlib.sha256(r).digest(), r))


def dataset(file_patterns, shuffle: bool, epochs=None) -> tf.data.Dataset:
    """Batches of (features, label) from the canonical record order (see the module docstring)."""
    patterns = [file_patterns] if isinstance(file_patterns, str) else list(file_patterns)
    files = sorted(f for pattern in patterns for f in tf.io.gfile.glob(pattern))
    ordered = canonical_records(files)
    records = tf.data.Dataset.from_tensor_slices(tf.constant(ordered, tf.string)) if ordered else \
        tf.data.Dataset.from_tensor_slices(tf.constant([], tf.string))
    if shuffle:
        records = records.shuffle(max(len(ordered), 1), seed=7, reshuffle_each_iteration=True)
    spec = feature_spec(with_label=True)

    def parse(batch):
        parsed = tf.io.parse_example(batch, spec)
        return model_inputs(parsed), tf.cast(parsed[LABEL], tf.float32)

    return records.repeat(epochs).batch(BATCH_SIZE).map(parse).prefetch(tf.data.AUTOTUNE)


def build_model(train_sample: tf.data.Dataset) -> tf.keras.Model:
    inputs = {name: tf.keras.Input(shape=(1,), name=name, dtype=tf.float32) for name in NUMERIC_FEATURES}
    inputs["payment_type"] = tf.keras.Input(shape=(1,), name="payment_type", dtype=tf.string)
    inputs["company"] = tf.keras.Input(shape=(1,), name="company", dtype=tf.string)
    numeric = tf.keras.layers.Concatenate()([inputs[n] for n in NUMERIC_FEATURES])
    normalize = tf.keras.layers.Normalization()
    normalize.adapt(train_sample.map(lambda x, _: tf.concat([x[n] for n in NUMERIC_FEATURES], axis=1)))
    payment = tf.keras.layers.StringLookup(vocabulary=PAYMENT_TYPES, output_mode="one_hot")(inputs["payment_type"])
    company = tf.keras.layers.Hashing(COMPANY_BUCKETS, output_mode="one_hot")(inputs["company"])
    x = tf.keras.layers.Concatenate()([normalize(numeric), payment, company])
    x = tf.keras.layers.Dense(32, activation="relu")(x)
    x = tf.keras.layers.Dense(16, activation="relu")(x)
    output = tf.keras.layers.Dense(1, activation="sigmoid", name="probability")(x)
    model = tf.keras.Model(inputs, output)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
                  metrics=[tf.keras.metrics.BinaryAccuracy(), tf.keras.metrics.AUC(name="auc")])
    return model


def serving_signature(model: tf.keras.Model):
    spec = feature_spec(with_label=False)

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
    def serve(serialized):
        return {"outputs": model(model_inputs(tf.io.parse_example(serialized, spec)))}

    return serve


def run_fn(fn_args):
    """TFX Trainer entry point."""
    tf.keras.utils.set_random_seed(7)
    train = dataset(fn_args.train_files, shuffle=True)
    evaluation = dataset(fn_args.eval_files, shuffle=False)
    model = build_model(dataset(fn_args.train_files, shuffle=False, epochs=1).take(50))
    model.fit(train, steps_per_epoch=max(fn_args.train_steps // 5, 1), epochs=5,
              validation_data=evaluation, validation_steps=fn_args.eval_steps, verbose=2)
    model.save(fn_args.serving_model_dir, save_format="tf",
               signatures={"serving_default": serving_signature(model)})
