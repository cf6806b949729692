"""Trainer module for the penguin pipeline: a small Keras model that predicts `species` (3 classes).

Self-contained (TFX packages this file alone into a wheel for the Trainer). Reads the gzipped tf.Examples of the
penguin data that ships in the tfx wheel (four numeric measurements, label `species` in {0, 1, 2}), and exports a
SavedModel whose `serving_default` signature takes serialized tf.Examples and returns one output,
`probabilities`: the softmax over the three classes, column j for species j. Runs under tf-keras
(TF_USE_LEGACY_KERAS=1).
"""
import tensorflow as tf

LABEL = "species"
FEATURES = ("body_mass_g", "culmen_depth_mm", "culmen_length_mm", "flipper_length_mm")
N_CLASSES = 3
BATCH_SIZE = 32


def feature_spec(with_label: bool) -> dict:
    spec = {name: tf.io.FixedLenFeature([1], tf.float32, default_value=0.0) for name in FEATURES}
    if with_label:
        spec[LABEL] = tf.io.FixedLenFeature([1], tf.int64)
    return spec


def _inputs(parsed: dict) -> tf.Tensor:
    return tf.concat([parsed[name] for name in FEATURES], axis=1)


def dataset(file_patterns, shuffle: bool) -> tf.data.Dataset:
    files = sorted(f for pattern in file_patterns for f in tf.io.gfile.glob(pattern))
    records = tf.data.TFRecordDataset(files, compression_type="GZIP")
    if shuffle:
        records = records.shuffle(1000, seed=7, reshuffle_each_iteration=True)
    spec = feature_spec(with_label=True)

    def parse(batch):
        parsed = tf.io.parse_example(batch, spec)
        return _inputs(parsed), parsed[LABEL]

    return records.repeat().batch(BATCH_SIZE).map(parse)


def build_model() -> tf.keras.Model:
    inputs = tf.keras.Input(shape=(len(FEATURES),), name="measurements")
    x = tf.keras.layers.Dense(16, activation="relu")(inputs)
    x = tf.keras.layers.Dense(16, activation="relu")(x)
    outputs = tf.keras.layers.Dense(N_CLASSES, activation="softmax", name="probabilities")(x)
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def serving_signature(model: tf.keras.Model):
    spec = feature_spec(with_label=False)

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
    def serve(serialized):
        return {"probabilities": model(_inputs(tf.io.parse_example(serialized, spec)))}

    return serve


def run_fn(fn_args):
    """TFX Trainer entry point."""
    tf.keras.utils.set_random_seed(7)
    model = build_model()
    model.fit(dataset(fn_args.train_files, shuffle=True), steps_per_epoch=max(fn_args.train_steps // 5, 1),
              epochs=5, validation_data=dataset(fn_args.eval_files, shuffle=False),
              validation_steps=fn_args.eval_steps, verbose=2)
    model.save(fn_args.serving_model_dir, save_format="tf", signatures={"serving_default": serving_signature(model)})
