"""Deterministic preparation of the Chicago taxi trips that ship in the tfx wheel.

The 15,000 labelled trips of `tfx/components/testdata/csv_example_gen` (Split-train + Split-eval) become three
sources, each one gzipped TFRecord file of tf.Examples under `<root>/<source>/`:
- `train`:    trips started in 2013-2014, with the label `big_tipper` (tips > 20% of the fare);
- `serving`:  trips started in 2015-2016, without `tips` and `big_tipper` (what a deployed model sees);
- `feedback`: the same 2015-2016 trips with `tips` and `big_tipper` (labels that arrive later).
Years are UTC years of `trip_start_timestamp`. A trip whose label or year cannot be computed is dropped and
counted in `<root>/manifest.json`: rows in = rows out + reported drops.
"""
import datetime
import glob
import json
import os

from tfx_dcai.hashing import hash64

LABEL = "big_tipper"
TIP_SHARE = 0.2
TRAIN_YEARS = (2013, 2014)
SERVING_YEARS = (2015, 2016)
SOURCES = ("train", "serving", "feedback")
LABEL_ONLY_FEATURES = ("tips", LABEL)
MANIFEST_VERSION = 1


class TaxiDataError(RuntimeError):
    """The bundled taxi data cannot be found or read."""


def taxi_testdata_dir() -> str:
    """Where the installed tfx package keeps the taxi trips; a clear error when it is missing."""
    try:
        import tfx  # imported here: tfx pulls TensorFlow
    except ImportError as exc:
        raise TaxiDataError("tfx is not installed: run `make demo` or `make venv` to create the environment") from exc
    return os.path.join(os.path.dirname(tfx.__file__), "components", "testdata", "csv_example_gen")


def first_value(features: dict, name: str):
    """The first value of a feature, or None when it is absent or empty."""
    values = features.get(name) or []
    return values[0] if len(values) else None


def big_tipper(features: dict):
    """1 if tips > 20% of the fare, 0 if not, None if tips or fare is missing."""
    tips, fare = first_value(features, "tips"), first_value(features, "fare")
    if tips is None or fare is None:
        return None
    return int(tips > TIP_SHARE * fare)


def trip_year(features: dict):
    timestamp = first_value(features, "trip_start_timestamp")
    if timestamp is None:
        return None
    return datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.timezone.utc).year


def in_sample(serialized: bytes, fraction: float) -> bool:
    """Deterministic subsample by a hash of the record's bytes (the same trips on every machine)."""
    if fraction >= 1.0:
        return True
    return hash64(serialized) / 2 ** 64 < fraction


def route_trip(features: dict):
    """Where one labelled trip goes: (sources, drop_reason). `features` maps names to value lists."""
    label = big_tipper(features)
    if label is None:
        return (), "missing tips or fare"
    year = trip_year(features)
    if year is None:
        return (), "missing trip_start_timestamp"
    if year in TRAIN_YEARS:
        return ("train",), None
    if year in SERVING_YEARS:
        return ("serving", "feedback"), None
    return (), f"year {year} outside {TRAIN_YEARS + SERVING_YEARS}"


def features_for(source: str, features: dict) -> dict:
    """The trip as written to `source`: with the label for train/feedback, without tips or label for serving."""
    out = dict(features)
    if source == "serving":
        for name in LABEL_ONLY_FEATURES:
            out.pop(name, None)
    else:
        out[LABEL] = [big_tipper(features)]
    return out


def prepare_taxi_data(output_root: str, fraction: float = 1.0, source_dir: str = None) -> dict:
    """Write the three sources under `output_root` unless an identical preparation is already there.

    Returns the manifest (counts per source and per drop reason). Re-running with the same arguments
    leaves the files untouched, so ExampleGen's fingerprints (and the MLMD cache) stay valid.
    """
    source_dir = source_dir or taxi_testdata_dir()
    inputs = sorted(glob.glob(os.path.join(source_dir, "Split-*", "*")))
    if not inputs:
        raise TaxiDataError(f"no taxi trips found under {source_dir}/Split-*/ (the tfx package's test data is "
                            "missing); reinstall tfx==1.16.0 with `make venv`")
    request = {"manifest_version": MANIFEST_VERSION, "fraction": fraction,
               "inputs": [os.path.relpath(p, source_dir) for p in inputs]}
    manifest_path = os.path.join(output_root, "manifest.json")
    existing = _read_manifest(manifest_path)
    if existing and existing.get("request") == request and all(
            os.path.exists(os.path.join(output_root, s, "trips.tfrecord.gz")) for s in SOURCES):
        return existing
    manifest = _write_sources(inputs, output_root, fraction)
    manifest["request"] = request
    with open(manifest_path, "w", encoding="utf-8") as f:  # local: the prepared data is on this machine
        json.dump(manifest, f, indent=2, sort_keys=True)
    return manifest


def _read_manifest(path: str):
    try:
        with open(path, encoding="utf-8") as f:  # local
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write_sources(inputs, output_root: str, fraction: float) -> dict:
    from tfx_dcai import tf_example  # TensorFlow I/O, imported only when data is actually written

    counts = {"rows_in": 0, "rows_sampled_out": 0, "dropped": {}, "rows_out": {s: 0 for s in SOURCES}}
    for source in SOURCES:
        os.makedirs(os.path.join(output_root, source), exist_ok=True)
    with tf_example.writers({s: os.path.join(output_root, s, "trips.tfrecord.gz") for s in SOURCES}) as write:
        for serialized, features in tf_example.read_gzipped(inputs):
            counts["rows_in"] += 1
            if not in_sample(serialized, fraction):
                counts["rows_sampled_out"] += 1
                continue
            sources, reason = route_trip(features)
            if reason:
                counts["dropped"][reason] = counts["dropped"].get(reason, 0) + 1
            for source in sources:
                write(source, features_for(source, features))
                counts["rows_out"][source] += 1
    return counts
