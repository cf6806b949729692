"""Data preparation: the split by year, the label, the serving view, and row accounting."""
import json
import os

import pytest

from tfx_dcai.pipelines import taxi_data
from tfx_dcai.pipelines.taxi_data import TaxiDataError, big_tipper, features_for, in_sample, route_trip, trip_year

TS_2013 = 1357000000  # 2013-01-01 00:26:40 UTC
TS_2015 = 1430272800  # 2015-04-29 02:00:00 UTC


def trip(tips=2.0, fare=5.0, timestamp=TS_2013, **extra):
    features = {"tips": [tips] if tips is not None else [], "fare": [fare] if fare is not None else [],
                "trip_start_timestamp": [timestamp] if timestamp is not None else [], "payment_type": [b"Cash"]}
    features.update(extra)
    return features


@pytest.mark.parametrize("tips, fare, expected", [
    (2.0, 5.0, 1),      # 40% tip
    (1.0, 5.0, 0),      # exactly 20% is not "more than 20%"
    (1.01, 5.0, 1),
    (0.0, 0.0, 0),      # no fare, no tip
    (0.5, 0.0, 1),      # a tip on a zero fare
    (None, 5.0, None),  # missing tips: no label
    (1.0, None, None),
])
def test_big_tipper_is_tips_over_20_percent_of_fare(tips, fare, expected):
    assert big_tipper(trip(tips=tips, fare=fare)) == expected


def test_year_is_the_utc_year_of_the_start_timestamp():
    assert trip_year(trip(timestamp=TS_2013)) == 2013
    assert trip_year(trip(timestamp=TS_2015)) == 2015
    assert trip_year(trip(timestamp=1420070399)) == 2014  # 2014-12-31 23:59:59 UTC
    assert trip_year(trip(timestamp=None)) is None


def test_routing_by_year_and_drop_reasons():
    assert route_trip(trip(timestamp=TS_2013)) == (("train",), None)
    assert route_trip(trip(timestamp=TS_2015)) == (("serving", "feedback"), None)
    assert route_trip(trip(timestamp=1262304000)) == ((), "year 2010 outside (2013, 2014, 2015, 2016)")
    assert route_trip(trip(tips=None)) == ((), "missing tips or fare")
    assert route_trip(trip(timestamp=None)) == ((), "missing trip_start_timestamp")


def test_serving_view_has_neither_tips_nor_label_and_feedback_has_both():
    features = trip(tips=2.0, fare=5.0, timestamp=TS_2015)
    serving = features_for("serving", features)
    feedback = features_for("feedback", features)
    assert "tips" not in serving and "big_tipper" not in serving
    assert serving["payment_type"] == [b"Cash"]
    assert feedback["big_tipper"] == [1] and feedback["tips"] == [2.0]
    assert "big_tipper" not in features  # the input is not modified


def test_sample_is_deterministic_and_close_to_the_fraction():
    records = [f"trip-{i}".encode() for i in range(20000)]
    kept = [r for r in records if in_sample(r, 0.25)]
    assert kept == [r for r in records if in_sample(r, 0.25)]
    assert abs(len(kept) / len(records) - 0.25) < 0.01
    assert all(in_sample(r, 1.0) for r in records[:10])


def test_prepared_sources_account_for_every_row(small_taxi_data):
    root, manifest = small_taxi_data
    assert manifest["rows_in"] == 15000
    kept = manifest["rows_in"] - manifest["rows_sampled_out"]
    dropped = sum(manifest["dropped"].values())
    assert manifest["rows_out"]["train"] + manifest["rows_out"]["serving"] + dropped == kept
    assert manifest["rows_out"]["serving"] == manifest["rows_out"]["feedback"]
    assert 0.12 < kept / 15000 < 0.18
    with open(os.path.join(root, "manifest.json")) as f:
        assert json.load(f)["rows_out"] == manifest["rows_out"]


def test_prepared_files_hold_the_right_years_and_columns(small_taxi_data):
    from tfx_dcai.tf_example import read_gzipped

    root, manifest = small_taxi_data
    for source, years in (("train", {2013, 2014}), ("serving", {2015, 2016}), ("feedback", {2015, 2016})):
        rows = [f for _, f in read_gzipped([os.path.join(root, source, "trips.tfrecord.gz")])]
        assert len(rows) == manifest["rows_out"][source]
        assert {trip_year(f) for f in rows} == years
        has_label = {"big_tipper" in f for f in rows}
        assert has_label == ({False} if source == "serving" else {True})
        if source != "serving":
            assert all(f["big_tipper"] == [big_tipper(f)] for f in rows)


def test_rerun_with_same_arguments_leaves_files_untouched(small_taxi_data):
    root, manifest = small_taxi_data
    path = os.path.join(root, "train", "trips.tfrecord.gz")
    before = os.stat(path).st_mtime_ns
    taxi_data.prepare_taxi_data(root, fraction=manifest["request"]["fraction"])
    assert os.stat(path).st_mtime_ns == before


def test_missing_test_data_is_a_clear_error(tmp_path):
    with pytest.raises(TaxiDataError, match="no taxi trips found under .*reinstall tfx"):
        taxi_data.prepare_taxi_data(str(tmp_path / "out"), source_dir=str(tmp_path))


def test_preparation_is_byte_reproducible_across_processes(tmp_path, small_taxi_data):
    """Another interpreter (another hash seed, another protobuf map order) writes the same bytes."""
    import hashlib
    import subprocess
    import sys

    root, manifest = small_taxi_data
    other = tmp_path / "other"
    code = ("import sys; from tfx_dcai.pipelines.taxi_data import prepare_taxi_data; "
            "prepare_taxi_data(sys.argv[1], fraction=float(sys.argv[2]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(other), str(manifest["request"]["fraction"])], check=True, env=env)
    for source in taxi_data.SOURCES:
        digests = []
        for base in (root, str(other)):
            with open(os.path.join(base, source, "trips.tfrecord.gz"), "rb") as f:
                digests.append(hashlib.sha256(f.read()).hexdigest())
        assert digests[0] == digests[1], source
