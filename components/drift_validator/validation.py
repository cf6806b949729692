"""The whole DriftValidator computation, shared by the TFX executor and the `dcai drift` CLI.

Inputs are statistics protos (required), a schema (optional) and optional row readers
(`pipeline -> PCollection[RecordBatch]`) for the bounded samples that multivariate and concept drift need.
"""
import dataclasses
import os
from typing import Callable, Dict, List, Optional

import numpy as np
import pyarrow as pa
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from tfx_dcai.drift_validator import concept_drift as cd
from tfx_dcai.errors import InputError
from tfx_dcai.drift_validator import report as drift_report
from tfx_dcai.drift_validator import tfdv_checks
from tfx_dcai.schema_io import features_in_environment
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.drift_validator.feature_drift import TESTED, compare_statistics
from tfx_dcai.drift_validator.model_scoring import RAW_RECORD_COLUMN, score_rows
from tfx_dcai.drift_validator.multivariate import domain_classifier_drift
from tfx_dcai.drift_validator.tabular import decode_examples, table_columns

RowReader = Callable[[object], object]  # beam.Pipeline -> PCollection[pa.RecordBatch]


class DriftInputError(InputError):
    """Input that cannot be validated (empty current data, absent label column, ...); the CLI exits 2."""


@dataclasses.dataclass
class DriftInputs:
    current: statistics_pb2.DatasetFeatureStatistics
    baseline: Optional[statistics_pb2.DatasetFeatureStatistics]
    schema: Optional[schema_pb2.Schema] = None
    current_rows: Optional[RowReader] = None      # multivariate drift, current side
    baseline_rows: Optional[RowReader] = None     # multivariate drift, baseline side
    feedback_rows: Optional[RowReader] = None     # labelled current data (concept drift)
    evaluation_rows: Optional[RowReader] = None   # labelled baseline data the model is compared on
    model_dir: Optional[str] = None
    samples: Optional[Dict[str, dict]] = None     # side -> read_samples() entry, drawn by the caller's pipeline
    previous_reports: List[dict] = dataclasses.field(default_factory=list)  # oldest first
    context: Dict[str, object] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class DriftResult:
    report: dict
    anomalies: anomalies_pb2.Anomalies


def add_sample(batches, side: str, config: DriftConfig, scratch_dir: str) -> str:
    """Adds the bounded sample of one side's record batches to their pipeline; returns the file it is written to."""
    import apache_beam as beam
    from tfx_dcai.drift_validator.beam_sampling import SampleRows, write_pickle
    path = os.path.join(scratch_dir, f"sample-{side}.pkl")
    _ = (batches | f"Sample[{side}]" >> SampleRows(config.sample_size, seed=config.seed)
         | f"WriteSample[{side}]" >> beam.Map(write_pickle, path))
    return path


def read_samples(paths: Dict[str, str]) -> Dict[str, dict]:
    """side -> {rows_seen, table} from the files add_sample wrote; serialized tf.Examples are decoded here."""
    from tfx_dcai.drift_validator.beam_sampling import read_pickle
    samples = {side: read_pickle(path) for side, path in paths.items()}
    for sample in samples.values():
        if sample["table"].column_names == [RAW_RECORD_COLUMN]:
            sample["table"] = decode_examples(sample["table"], RAW_RECORD_COLUMN)
    return samples


def _samples(inputs: DriftInputs, config: DriftConfig, make_pipeline, scratch_dir: str) -> Dict[str, dict]:
    """One Beam pipeline draws a bounded sample per side that has a row reader."""
    readers = {side: getattr(inputs, f"{side}_rows") for side in ("current", "baseline", "feedback", "evaluation")}
    readers = {side: reader for side, reader in readers.items() if reader is not None}
    if not readers:
        return {}
    with make_pipeline() as pipeline:
        paths = {side: add_sample(reader(pipeline), side, config, scratch_dir) for side, reader in readers.items()}
    return read_samples(paths)


def _column_names(table) -> List[str]:
    return sorted(name for name in table.column_names if name != RAW_RECORD_COLUMN)


def _multivariate(samples, features: List[dict], config: DriftConfig) -> Optional[dict]:
    if "current" not in samples or "baseline" not in samples:
        return None
    names = [e["name"] for e in features if e["status"] == TESTED and e["name"] not in
             (config.label_key, config.prediction_key)]
    current = table_columns(samples["current"]["table"], names)
    baseline = table_columns(samples["baseline"]["table"], names)
    try:
        result = domain_classifier_drift(baseline, current, names, config.q, config.min_auc, config.permutations,
                                         config.seed)
    except ValueError as exc:
        raise DriftInputError(str(exc)) from None
    result["rows_seen"] = {"baseline": samples["baseline"]["rows_seen"], "current": samples["current"]["rows_seen"]}
    return result


def _labels_and_scores(sample: dict, side: str, inputs: DriftInputs, config: DriftConfig):
    table = sample["table"]
    columns = _column_names(table)
    if config.label_key not in columns:
        raise DriftInputError(f"label column {config.label_key!r} is absent from the {side} examples "
                              f"(columns: {', '.join(columns)})")
    wanted = [config.label_key] + ([config.prediction_key] if config.prediction_key else [])
    cols = table_columns(table, wanted)
    labels = cols[config.label_key]
    if config.prediction_key:
        if config.prediction_key not in cols:
            raise DriftInputError(f"prediction column {config.prediction_key!r} is absent from the {side} examples")
        scores = cols[config.prediction_key]
    else:
        scores = score_rows(inputs.model_dir, table)
    keep = ~cd.is_missing(labels)
    return labels[keep], np.asarray(scores)[keep], table.filter(pa.array(keep)), int((~keep).sum())


def _concept_drift(samples, inputs: DriftInputs, features: List[dict], config: DriftConfig) -> Optional[dict]:
    if "feedback" not in samples:
        return None
    if not config.label_key:
        raise DriftInputError("concept drift needs a label key (config label_key / --label-column)")
    if "evaluation" not in samples:
        raise DriftInputError("concept drift needs labelled baseline examples to compare the model on")
    if not config.prediction_key and not inputs.model_dir:
        raise DriftInputError("concept drift needs a model or a prediction column")
    y_b, s_b, rows_b, dropped_b = _labels_and_scores(samples["evaluation"], "baseline", inputs, config)
    y_c, s_c, rows_c, dropped_c = _labels_and_scores(samples["feedback"], "feedback", inputs, config)
    rng = np.random.default_rng(config.seed)
    metric = cd.metric_name(y_b, s_b)
    result = cd.metric_difference(y_b, s_b, y_c, s_c, config.bootstrap, config.min_metric_drop, rng, metric)
    positive = max(np.concatenate([y_b, y_c]).tolist())
    names = [e["name"] for e in features if e["status"] == TESTED and e["name"] not in
             (config.label_key, config.prediction_key)]
    result["label_prior"] = cd.label_prior(y_b.astype(str), y_c.astype(str))
    result["conditional_label_rates"] = cd.conditional_label_rates(
        table_columns(rows_b, names), table_columns(rows_c, names),
        cd.positive_indicator(y_b, positive), cd.positive_indicator(y_c, positive),
        [n for n in names if n in _column_names(rows_b) and n in _column_names(rows_c)],
        config.label_rate_bins, config.q)
    result["rows_dropped_missing_label"] = {"baseline": dropped_b, "current": dropped_c}
    result["rows_seen"] = {"baseline": samples["evaluation"]["rows_seen"],
                           "current": samples["feedback"]["rows_seen"]}
    return result


def history(previous_reports: List[dict], features: List[dict]) -> dict:
    """Each feature's effect size over the previous runs (oldest first) and this one."""
    reports = previous_reports + [{"features": features, "context": {"run": "this run"}}]
    runs = [str(r.get("context", {}).get("run", i)) for i, r in enumerate(reports)]
    series = {}
    for i, rep in enumerate(reports):
        for entry in rep.get("features", []):
            series.setdefault(entry["name"], [None] * len(reports))[i] = entry.get("effect_size")
    return {"runs": runs, "features": series}


def validate(inputs: DriftInputs, config: DriftConfig, make_pipeline=None, scratch_dir: str = None) -> DriftResult:
    if inputs.current.num_examples == 0:
        raise DriftInputError(f"the current statistics hold 0 examples ({inputs.context.get('current', 'current')})")
    env_features = (features_in_environment(inputs.schema, config.environment)
                    if inputs.schema is not None and inputs.schema.feature else None)
    anomalies = (tfdv_checks.schema_anomalies(inputs.current, inputs.schema, config.environment)
                 if inputs.schema is not None else anomalies_pb2.Anomalies())
    anomaly_rows = tfdv_checks.anomaly_rows(anomalies)
    if inputs.baseline is None or inputs.baseline.num_examples == 0:
        report = drift_report.build_report(config, [], anomaly_rows, context=inputs.context, baseline_available=False)
        return DriftResult(report, anomalies)
    features = compare_statistics(inputs.baseline, inputs.current, config, env_features)
    tfdv_values = tfdv_checks.tfdv_drift_measurements(inputs.current, inputs.baseline, config.tfdv_jsd_threshold)
    for entry in features:
        entry["tfdv"] = tfdv_values.get(entry["name"], {})
    samples = (inputs.samples if inputs.samples is not None else
               _samples(inputs, config, make_pipeline, scratch_dir) if make_pipeline else {})
    for side, sample in samples.items():
        if not sample["table"].num_rows:
            raise DriftInputError(f"the {side} examples are empty (0 rows read)")
    multivariate = _multivariate(samples, features, config)
    concept = _concept_drift(samples, inputs, features, config)
    report = drift_report.build_report(config, features, anomaly_rows, multivariate, concept,
                                       history(inputs.previous_reports, features), inputs.context)
    tfdv_checks.add_drift_findings(anomalies, features)
    return DriftResult(report, anomalies)
