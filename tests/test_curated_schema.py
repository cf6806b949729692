"""The curated taxi schema: what review changed relative to SchemaGen's inference, and that it validates."""
import os

import pytest

from tfx_dcai.pipelines import TAXI_SCHEMA

EXPECTED_DIFFERENCES = [
    "default_environment: [] -> ['TRAINING', 'SERVING']",
    "big_tipper: not_in_environment [] -> ['SERVING']",
    "company: domain COMPANY_DOMAIN -> None",
    "dropoff_community_area: domain None -> int_domain min: 1 max: 77",
    "dropoff_latitude: domain None -> float_domain min: 41.6 max: 42.1",
    "dropoff_longitude: domain None -> float_domain min: -88 max: -87.5",
    "fare: domain None -> float_domain min: 0",
    "payment_type: domain ['Cash', 'Credit Card', 'Dispute', 'No Charge', 'Pcard', 'Unknown'] -> "
    "['Cash', 'Credit Card', 'Dispute', 'Mobile', 'No Charge', 'Pcard', 'Prcard', 'Unknown']",
    "pickup_census_tract: lifecycle_stage UNKNOWN_STAGE -> DEPRECATED",
    "pickup_community_area: domain None -> int_domain min: 1 max: 77",
    "pickup_latitude: domain None -> float_domain min: 41.6 max: 42.1",
    "pickup_longitude: domain None -> float_domain min: -88 max: -87.5",
    "tips: not_in_environment [] -> ['SERVING']",
    "tips: domain None -> float_domain min: 0",
    "trip_miles: domain None -> float_domain min: 0",
    "trip_seconds: domain None -> int_domain min: 0",
    "trip_start_day: domain None -> int_domain min: 1 max: 7",
    "trip_start_hour: domain None -> int_domain min: 0 max: 23",
    "trip_start_month: domain None -> int_domain min: 1 max: 12",
]


@pytest.fixture(scope="module")
def statistics(full_taxi_data):
    import tensorflow_data_validation as tfdv

    root, _ = full_taxi_data
    return {source: tfdv.generate_statistics_from_tfrecord(os.path.join(root, source, "trips.tfrecord.gz"))
            for source in ("train", "serving")}


def test_curated_schema_differs_from_inference_exactly_by_the_reviewed_changes(statistics):
    import tensorflow_data_validation as tfdv

    from tfx_dcai.pipelines.schema_review import schema_differences

    inferred = tfdv.infer_schema(statistics["train"])
    differences = schema_differences(tfdv.load_schema_text(TAXI_SCHEMA), inferred)
    company_domain = [d for d in differences if d.startswith("company: domain")]
    assert len(company_domain) == 1 and "Taxi Affiliation Services" in company_domain[0]
    expected = [line for line in EXPECTED_DIFFERENCES if not line.startswith("company: domain")]
    assert [d for d in differences if not d.startswith("company: domain")] == expected


def test_serving_data_is_clean_only_in_the_serving_environment(statistics):
    import tensorflow_data_validation as tfdv

    schema = tfdv.load_schema_text(TAXI_SCHEMA)
    assert not tfdv.validate_statistics(statistics["serving"], schema, environment="SERVING").anomaly_info
    assert not tfdv.validate_statistics(statistics["train"], schema, environment="TRAINING").anomaly_info
    # Without the environment, the label is expected in serving data and its absence is an anomaly.
    assert {"tips", "big_tipper"} <= set(tfdv.validate_statistics(statistics["serving"], schema).anomaly_info)
