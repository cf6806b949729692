"""The whole DriftValidator analysis as one pure function, shared by the TFX executor and `dcai drift`.

`analyze(inputs, config)` takes the two sides' statistics, the schema, the bounded samples (drawn by
beam_drift.DriftSide) and the model's outputs on them, and returns the report and the anomalies proto. No Beam and
no file I/O here; TensorFlow only inside TFDV's checks (tfdv_checks) and `score_samples`.

Samples by side:
- `current`, `baseline`: the current data and the training data (multivariate drift; `current` without labels also
  gives prediction drift and the estimated performance);
- `feedback`: labelled current data (concept drift); `evaluation`: labelled baseline data the model is compared on.
"""
import dataclasses
from typing import Dict, List, Optional

import numpy as np
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from tfx_dcai import predictions as preds
from tfx_dcai.drift_validator import concept_drift as cd
from tfx_dcai.drift_validator import report as drift_report
from tfx_dcai.drift_validator import tfdv_checks
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.drift_validator.estimated_performance import estimate_performance
from tfx_dcai.drift_validator.feature_drift import TESTED, compare_statistics
from tfx_dcai.drift_validator.multivariate import domain_classifier_drift
from tfx_dcai.drift_validator.sample_columns import table_columns
from tfx_dcai.errors import InputError
from tfx_dcai.model_scoring import RAW_RECORD_COLUMN
from tfx_dcai.schema_io import features_in_environment

SIDES = ("current", "baseline", "feedback", "evaluation")


class DriftInputError(InputError):
    """Input that cannot be validated (empty current data, absent label column, ...); the CLI exits 2."""


@dataclasses.dataclass
class DriftInputs:
    """Everything `analyze` reads.

    Attributes:
      current: the current data's statistics.
      baseline: the baseline's statistics (None: status NO_BASELINE).
      schema: the schema (schema anomalies, environment), or None.
      samples: {side: {"rows_seen": int, "table": pyarrow Table}} (see the module docstring for the sides).
      model_outputs: {side: (n, k) array}: the model's output on each sample's rows (score_samples).
      previous_reports: earlier reports of the same node, oldest first (history).
      context: what the report says the sides are ({"current": ..., "baseline": ..., "run": ...}).
    """
    current: statistics_pb2.DatasetFeatureStatistics
    baseline: Optional[statistics_pb2.DatasetFeatureStatistics]
    schema: Optional[schema_pb2.Schema] = None
    samples: Dict[str, dict] = dataclasses.field(default_factory=dict)
    model_outputs: Dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    previous_reports: List[dict] = dataclasses.field(default_factory=list)
    context: Dict[str, object] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class DriftResult:
    """The report (drift_report.json's content) and the ExampleAnomalies proto."""
    report: dict
    anomalies: anomalies_pb2.Anomalies


def score_samples(samples: Dict[str, dict], model_dir: str, output_key: Optional[str], sides) -> Dict[str, np.ndarray]:
    """The model's output on the rows of each named sample (tfx_dcai.model_scoring; imports TensorFlow).

    Args:
      samples: the samples.
      model_dir: a SavedModel directory or a TFX Model artifact URI.
      output_key: the output to use (None: the signature's only output).
      sides: the sides to score.

    Returns:
      {side: (n, k) float array}.

    Raises:
      ModelInputError: the model cannot be scored the documented way.
    """
    from tfx_dcai.model_scoring import ServingModel, serialized_rows

    sides = [s for s in sides if s in samples]
    if not sides:
        return {}
    model = ServingModel(model_dir, output_key)
    return {side: model.predict(serialized_rows(samples[side]["table"])) for side in sides}


def _covariates(features: List[dict], config: DriftConfig) -> List[str]:
    return [e["name"] for e in features if e["status"] == TESTED and not config.excluded(e["name"])]


def _multivariate(samples, features: List[dict], config: DriftConfig) -> Optional[dict]:
    if "current" not in samples or "baseline" not in samples:
        return None
    names = _covariates(features, config)
    current = table_columns(samples["current"]["table"], names)
    baseline = table_columns(samples["baseline"]["table"], names)
    try:
        result = domain_classifier_drift(baseline, current, names, config.q, config.min_auc, config.permutations,
                                         config.seed)
    except ValueError as exc:
        raise DriftInputError(str(exc)) from None
    result["rows_seen"] = {"baseline": samples["baseline"]["rows_seen"], "current": samples["current"]["rows_seen"]}
    return result


def _has_predictions(inputs: DriftInputs, side: str, config: DriftConfig) -> bool:
    if side not in inputs.samples:
        return False
    if side in inputs.model_outputs:
        return True
    names = inputs.samples[side]["table"].column_names
    return bool(config.prediction_key) and any(preds.is_prediction_column(n, config.prediction_key) for n in names)


def _predictions(inputs, side, config, task, classes, labelled):
    table = inputs.samples[side]["table"]
    try:
        return cd.side_predictions(table, config.label_key, config.prediction_key, side,
                                   inputs.model_outputs.get(side), task, classes, labelled)
    except InputError as exc:
        raise DriftInputError(str(exc)) from None


def _model_findings(inputs: DriftInputs, features: List[dict], config: DriftConfig):
    """(concept_drift, prediction_drift, estimated_performance) from the labelled or unlabelled samples."""
    samples = inputs.samples
    labelled = "feedback" in samples
    unlabelled = not labelled and _has_predictions(inputs, "current", config)
    if not (labelled or unlabelled):
        return None, None, []
    if not config.label_key:
        if labelled:
            raise DriftInputError("concept drift needs a label column (config label_key / --label-column)")
        return None, None, []
    if "evaluation" not in samples:
        raise DriftInputError("concept drift and estimated performance need labelled baseline examples to compare "
                              "the model on (baseline_examples with an evaluation split)")
    current_side = "feedback" if labelled else "current"
    for side in ("evaluation", current_side):
        if not _has_predictions(inputs, side, config):
            raise DriftInputError(f"the {side} examples have no prediction column {config.prediction_key!r} (nor "
                                  f"'{config.prediction_key}_<label>' columns) and no model output: give a model, or "
                                  "the prediction columns in both the baseline and the current data")
    evaluation = samples["evaluation"]["table"]
    if cd.usable_label_count(evaluation, config.label_key) == 0:
        cd.label_values(evaluation, config.label_key, "evaluation")  # names the absent column
        raise DriftInputError(f"the labelled baseline (evaluation) examples have no usable value in label column "
                              f"{config.label_key!r} ({evaluation.num_rows} rows read)")
    current_table = samples[current_side]["table"]
    classes = cd.classes_of([evaluation, current_table if labelled else None], config.label_key,
                            config.class_labels, config.task)
    baseline = _predictions(inputs, "evaluation", config, config.task, classes, True)
    if not baseline.n:
        raise DriftInputError(f"no baseline (evaluation) row has both a label and a usable prediction "
                              f"({', '.join(preds.drop_summary(baseline.dropped))})")
    classes = baseline.classes or classes
    rng = np.random.default_rng(config.seed)
    rows_seen = {"baseline": samples["evaluation"]["rows_seen"], "current": samples[current_side]["rows_seen"]}
    if labelled and cd.usable_label_count(current_table, config.label_key) == 0:
        cd.label_values(current_table, config.label_key, "feedback")  # an absent column is bad input, named
        concept = cd.no_labels(current_table.num_rows, f"no row of the labelled current (feedback) data has a value "
                                                       f"in label column {config.label_key!r}")
        concept["rows_seen"] = rows_seen
        current = _predictions(inputs, current_side, config, baseline.task, classes, False)
        return concept, _prediction_drift(baseline, current, config), []
    current = _predictions(inputs, current_side, config, baseline.task, classes, labelled)
    prediction = _prediction_drift(baseline, current, config)
    if not labelled:
        return None, prediction, _estimates(baseline, current, rows_seen, config, rng)
    estimated = []
    serving = samples.get("current")
    if (serving is not None and serving is not samples["feedback"] and _has_predictions(inputs, "current", config)
            and cd.usable_label_count(serving["table"], config.label_key) == 0):
        # unlabelled serving data beside the labelled feedback: its estimate, to compare with the realized metric
        estimated = _estimates(baseline, _predictions(inputs, "current", config, baseline.task, classes, False),
                               {"baseline": rows_seen["baseline"], "current": serving["rows_seen"]}, config, rng)
    if not current.n:
        dropped = ", ".join(preds.drop_summary(current.dropped))
        concept = cd.no_labels(current_table.num_rows, "no row of the labelled current data has both a label and "
                                                       f"a usable prediction ({dropped})")
        concept["rows_seen"] = rows_seen
        return concept, prediction, []
    names = _covariates(features, config)
    base_cols = {k: v[baseline.kept] for k, v in table_columns(evaluation, names).items()}
    cur_cols = {k: v[current.kept] for k, v in table_columns(current_table, names).items()}
    concept = cd.concept_drift(baseline, current, base_cols, cur_cols, names, config, rng)
    concept["rows_dropped"] = {"baseline": baseline.dropped, "current": current.dropped}
    concept["rows_dropped_missing_label"] = {"baseline": baseline.dropped.get("missing_label", 0),
                                             "current": current.dropped.get("missing_label", 0)}
    concept["rows_seen"] = rows_seen
    return concept, prediction, estimated


def _estimates(baseline, current, rows_seen, config, rng) -> List[dict]:
    estimated = estimate_performance(baseline, current, config.bootstrap, rng)
    for entry in estimated:
        entry["rows_seen"] = rows_seen
    return estimated


def _prediction_drift(baseline, current, config):
    result = cd.prediction_drift(baseline, current, config.q, config.min_numeric_effect, config.min_categorical_effect)
    result["rows_dropped"] = {"baseline": baseline.dropped, "current": current.dropped}
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


def analyze(inputs: DriftInputs, config: DriftConfig) -> DriftResult:
    """Schema anomalies, per-feature drift, multivariate drift, concept drift, prediction drift and estimated
    performance, and the report.

    Args:
      inputs: statistics, schema, samples and model outputs (DriftInputs).
      config: the DriftConfig.

    Returns:
      DriftResult (report dict and ExampleAnomalies with one CUSTOM_VALIDATION reason per drifted feature).

    Raises:
      DriftInputError: the current data holds no example, a sample is empty, or labels/predictions are unusable.
    """
    if inputs.current.num_examples == 0:
        raise DriftInputError(f"the current statistics hold 0 examples ({inputs.context.get('current', 'current')})")
    env_features = (features_in_environment(inputs.schema, config.environment)
                    if inputs.schema is not None and inputs.schema.feature else None)
    anomalies = (tfdv_checks.schema_anomalies(inputs.current, inputs.schema, config.environment)
                 if inputs.schema is not None else anomalies_pb2.Anomalies())
    anomaly_rows = tfdv_checks.anomaly_rows(anomalies)
    if inputs.baseline is None or inputs.baseline.num_examples == 0:
        report = drift_report.build_report(config, [], anomaly_rows, context=inputs.context, baseline_available=False)
        report["rows"] = {"baseline": 0, "current": int(inputs.current.num_examples)}
        return DriftResult(report, anomalies)
    features = compare_statistics(inputs.baseline, inputs.current, config, env_features)
    tfdv_values = tfdv_checks.tfdv_drift_measurements(inputs.current, inputs.baseline, config.tfdv_jsd_threshold)
    for entry in features:
        entry["tfdv"] = tfdv_values.get(entry["name"], {})
    for side, sample in inputs.samples.items():
        if not sample["table"].num_rows:
            raise DriftInputError(f"the {side} examples are empty (0 rows read)")
    multivariate = _multivariate(inputs.samples, features, config)
    try:
        concept, prediction, estimated = _model_findings(inputs, features, config)
    except DriftInputError:
        raise
    except InputError as exc:  # from the shared prediction convention: the same bad input, one error class
        raise DriftInputError(str(exc)) from None
    report = drift_report.build_report(config, features, anomaly_rows, multivariate, concept,
                                       history(inputs.previous_reports, features), inputs.context,
                                       prediction_drift=prediction, estimated_performance=estimated)
    report["rows"] = {"baseline": int(inputs.baseline.num_examples), "current": int(inputs.current.num_examples)}
    tfdv_checks.add_drift_findings(anomalies, features)
    return DriftResult(report, anomalies)


__all__ = ["DriftInputError", "DriftInputs", "DriftResult", "analyze", "score_samples", "history", "SIDES",
           "RAW_RECORD_COLUMN"]
