"""Concept drift on labelled current data, per model task (binary, multi-class, regression), and prediction drift.

Pure numpy/scipy on the bounded samples' arrays; predictions follow tfx_dcai.predictions (the one convention) and
metrics tfx_dcai.metrics. What is computed:
- **model metrics** of the task (`metrics.task_metrics`: binary AUC, accuracy, log loss; multi-class accuracy,
  macro-F1, log loss; regression MAE, RMSE; metrics that need probabilities are left out when only predicted labels
  are known) on the baseline (evaluation) rows and on the current rows, each with a percentile bootstrap 95% CI of
  current - baseline (both sides resampled independently, the same resamples for every metric);
- the **primary metric** decides: binary AUC (accuracy when only predicted labels are known), multi-class accuracy,
  regression MAE. Drift when the CI lies wholly on the worse side of 0 and the metric worsens by at least
  `min_metric_drop` (absolute for AUC and accuracy; relative to the baseline value for MAE, e.g. 0.02 = 2% worse);
- **label drift**: classification, Pearson chi-square on the class counts (2 x K); regression, two-sample KS on the
  label values with the Wasserstein distance in baseline sd;
- **conditional label rates** per feature bin (binning.py's quantile bins for numeric features; the `bins` most
  frequent baseline values, then "(other)", for categorical ones; "(missing)" its own bin): the positive-class rate
  (binary), the rate of every class (multi-class; chi-square 2x2 per bin and class), or the mean label (regression;
  Welch's t test), BH across all rows; a bin `changed` when q <= q and the rate moves by >= MIN_RATE_CHANGE (the
  mean by >= min_numeric_effect baseline sd);
- **prediction drift**: the distribution of the model's outputs, baseline vs current, needing no labels:
  KS on p(positive class) (binary with probabilities) or on the predicted values (regression), effect the Wasserstein
  distance in baseline sd; chi-square on the predicted-class shares otherwise, effect their L-infinity distance
  (predicted labels that no label has share one category, OUTSIDE_THE_CLASSES).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np

from tfx_dcai import binning, metrics, predictions as preds
from tfx_dcai.drift_validator.categorical_drift import chi_square
from tfx_dcai.drift_validator.sample_columns import column_values, factorize, is_missing, short_text
from tfx_dcai.errors import InputError
from tfx_dcai.model_scoring import RAW_RECORD_COLUMN
from tfx_dcai.multiple_testing import benjamini_hochberg

MIN_RATE_CHANGE = 0.05   # a bin's label rate must move by at least this much to count as changed
MIN_BIN_ROWS = 20        # smaller bins are not tested
DRIFT, NO_DRIFT, NO_LABELS = "DRIFT", "NO_DRIFT", "NO_LABELS"


# ----- predictions of one side -----

def label_values(table, label_key: str, side: str) -> np.ndarray:
    """The label column of a sample (numbers as float with NaN missing, text with None missing).

    Raises:
      InputError: the column is absent.
    """
    if label_key not in table.column_names:
        names = ", ".join(short_text(n, 40) for n in sorted(table.column_names)[:30] if n != RAW_RECORD_COLUMN)
        raise InputError(f"label column {label_key!r} is absent from the {side} examples (columns: {names})")
    return column_values(table, label_key)


def _objects(values: np.ndarray) -> np.ndarray:
    """Values as Python objects with None for missing (what predictions.py reads)."""
    if values.dtype == object:
        return values
    return np.array([None if np.isnan(v) else float(v) for v in values], dtype=object)


def classes_of(tables: Sequence, label_key: str, config_classes: Sequence = (), task: Optional[str] = None) -> tuple:
    """The classes both sides share (declared, else the labels of every table sorted); () for regression."""
    if config_classes:
        return tuple(config_classes)
    if task == preds.REGRESSION:
        return ()
    values = []
    for table in tables:
        if table is not None and label_key in table.column_names:
            values.extend(_objects(column_values(table, label_key)).tolist())
    classes = preds.sorted_classes(values)
    numeric = all(isinstance(c, float) for c in classes)
    return () if numeric and len(classes) > preds.MAX_CLASSES else classes


def side_predictions(table, label_key: Optional[str], prediction_key: Optional[str], side: str,
                     model_output: Optional[np.ndarray] = None, task: Optional[str] = None,
                     classes: Sequence = (), labelled: bool = True) -> preds.Predictions:
    """Predictions of one sample, from its prediction column(s) or from the model's output on its rows.

    Args:
      table: the sample (pyarrow Table).
      label_key: the label column (labelled=True).
      prediction_key: P (a column P or columns P_<label>); None when model_output is given.
      side: how errors name the sample.
      model_output: (n, k) model output on the rows of `table` (ServingModel.predict).
      task: the task (None: inferred).
      classes: the classes in order (the model's output columns, or P_<label> columns), () to infer.
      labelled: False for data without labels (prediction drift, estimated performance): the task and classes must
        then be given; rows are kept whatever their labels.

    Returns:
      predictions.Predictions over the usable rows.

    Raises:
      InputError: the columns or the model output do not fit the convention (named).
    """
    n = table.num_rows
    if labelled:
        labels = _objects(label_values(table, label_key, side))
    else:
        labels = np.array([classes[0] if classes else 0.0] * n, dtype=object)
    if model_output is not None:
        return preds.from_model_output(labels, model_output, task, classes, output_name=f"model output ({side})")
    columns = preds.find_prediction_columns(table.column_names, prediction_key, f"the {side} examples")
    data = {name: _objects(column_values(table, name)) for name in columns.columns}
    return preds.from_columns(labels, columns, data, task, classes)


def usable_label_count(table, label_key: str) -> int:
    """How many rows of a sample have a label (0 when the column is absent)."""
    if table is None or label_key not in table.column_names:
        return 0
    return int((~is_missing(column_values(table, label_key))).sum())


# ----- metrics with bootstrap CIs -----

def metric_names(pred: preds.Predictions) -> List[str]:
    """The task's metrics that these predictions can give (no AUC or log loss without probabilities)."""
    names = list(metrics.task_metrics(pred.task))
    if pred.probabilities is None:
        names = [m for m in names if m not in ("auc", "log_loss")]
    return names


def primary_metric(pred: preds.Predictions) -> str:
    """Binary: AUC (accuracy without probabilities); multi-class: accuracy; regression: MAE."""
    if pred.task == preds.REGRESSION:
        return "mae"
    if pred.task == preds.BINARY and pred.probabilities is not None:
        return "auc"
    return "accuracy"


def metric_changes(baseline: preds.Predictions, current: preds.Predictions, names: List[str], bootstrap: int,
                   rng: np.random.Generator) -> List[dict]:
    """Each metric on both sides with the percentile bootstrap 95% CI of current - baseline.

    Returns:
      [{metric, baseline, current, difference, difference_ci: [lo, hi], higher_is_better}].
    """
    diffs = {name: [] for name in names}
    for _ in range(bootstrap):
        b = rng.integers(0, baseline.n, baseline.n)
        c = rng.integers(0, current.n, current.n)
        for name in names:
            diffs[name].append(metrics.metric_value(name, current, c) - metrics.metric_value(name, baseline, b))
    out = []
    for name in names:
        base, cur = metrics.metric_value(name, baseline), metrics.metric_value(name, current)
        values = np.asarray(diffs[name], dtype=float)
        values = values[np.isfinite(values)]
        lo, hi = (np.percentile(values, [2.5, 97.5]).tolist() if len(values) else [float("nan")] * 2)
        out.append({"metric": name, "baseline": base, "current": cur, "difference": cur - base,
                    "difference_ci": [float(lo), float(hi)], "higher_is_better": metrics.HIGHER_IS_BETTER[name]})
    return out


def metric_drift(change: dict, min_drop: float) -> bool:
    """Whether a metric change is a drift: the CI wholly on the worse side and the change reaches the minimum."""
    lo, hi = change["difference_ci"]
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return False
    if change["higher_is_better"]:
        return bool(hi < 0 and change["baseline"] - change["current"] >= min_drop)
    return bool(lo > 0 and change["current"] - change["baseline"] >= min_drop * abs(change["baseline"]))


# ----- label drift -----

def label_drift(baseline: preds.Predictions, current: preds.Predictions) -> dict:
    """Classification: chi-square on class counts (effect: L-infinity of the shares); regression: KS on the labels
    (effect: Wasserstein distance in baseline sd)."""
    if baseline.task == preds.REGRESSION:
        return _numeric_shift(baseline.labels, current.labels)
    k = len(baseline.classes)
    table = np.array([np.bincount(baseline.labels, minlength=k), np.bincount(current.labels, minlength=k)],
                     dtype=float)
    statistic, dof, p_value = chi_square(table)
    shares = table / np.maximum(table.sum(axis=1, keepdims=True), 1)
    return {"test": "chi_square", "statistic": statistic, "dof": dof, "p_value": p_value,
            "effect_size": float(np.max(np.abs(shares[0] - shares[1]))), "effect_size_measure": "l_infinity",
            "labels": [preds.label_text(c) for c in baseline.classes], "baseline": shares[0].tolist(),
            "current": shares[1].tolist()}


def _numeric_shift(base: np.ndarray, cur: np.ndarray) -> dict:
    from scipy import stats

    base, cur = base[np.isfinite(base)], cur[np.isfinite(cur)]
    if not len(base) or not len(cur):
        return {"test": "ks", "statistic": None, "p_value": None, "effect_size": None,
                "effect_size_measure": "scaled_wasserstein"}
    result = stats.ks_2samp(base, cur)
    scale = float(np.std(base)) or float(np.std(cur)) or 1.0
    return {"test": "ks", "statistic": float(result.statistic), "p_value": float(result.pvalue),
            "effect_size": float(stats.wasserstein_distance(base, cur) / scale),
            "effect_size_measure": "scaled_wasserstein", "mean_baseline": float(base.mean()),
            "mean_current": float(cur.mean())}


# ----- conditional label rates -----

def _bin_codes(base: np.ndarray, cur: np.ndarray, count: int):
    """(baseline bins, current bins, labels): quantile bins (numeric) or top baseline values (categorical)."""
    if base.dtype != object and cur.dtype != object:
        edges = binning.quantile_edges(base, count)
        b, c = binning.bin_indices(base, edges), binning.bin_indices(cur, edges)
        labels = {i: binning.bin_label(i, edges) for i in set(np.unique(b).tolist()) | set(np.unique(c).tolist())}
        return b, c, labels
    base = base if base.dtype == object else _objects(base)
    cur = cur if cur.dtype == object else _objects(cur)
    codes, uniques = factorize(np.concatenate([base, cur]))
    counts = np.bincount(codes[:len(base)][codes[:len(base)] >= 0], minlength=len(uniques))
    top = np.argsort(-counts, kind="stable")[:count]
    top = top[counts[top] > 0]
    other = len(uniques)
    remap = np.full(len(uniques) + 1, other, dtype=np.int64)
    remap[top] = top
    mapped = np.where(codes < 0, binning.MISSING_BIN, remap[np.maximum(codes, 0)])
    labels = {int(i): short_text(uniques[i], 80) for i in top}
    labels.update({other: "(other)", binning.MISSING_BIN: "(missing)"})
    return mapped[:len(base)], mapped[len(base):], labels


def conditional_label_rates(base_cols: Dict[str, np.ndarray], cur_cols: Dict[str, np.ndarray],
                            baseline: preds.Predictions, current: preds.Predictions, features: List[str],
                            bins: int, q: float, min_mean_effect: float) -> List[dict]:
    """Per feature bin (and class, for multi-class): the label rate (or mean) on each side, BH across all rows.

    Args:
      base_cols, cur_cols: {feature: column_values} of the rows the predictions kept, per side.
      baseline, current: the labelled predictions (their `labels` are the rows' labels).
      features: the features to bin.
      bins: bins per feature.
      q: the BH level.
      min_mean_effect: regression: the smallest change of a bin's mean label, in baseline label sd.

    Returns:
      Rows {feature, bin, class, baseline_rate, current_rate, n_baseline, n_current, p_value, q_value, changed}
      (regression: baseline_mean/current_mean instead of rates), changed rows first.
    """
    from scipy import stats

    regression = baseline.task == preds.REGRESSION
    if regression:
        targets = [(None, baseline.labels.astype(float), current.labels.astype(float))]
        scale = float(np.std(baseline.labels)) or 1.0
    elif baseline.task == preds.BINARY:
        targets = [(preds.label_text(baseline.classes[1]), (baseline.labels == 1).astype(float),
                    (current.labels == 1).astype(float))]
    else:
        targets = [(preds.label_text(c), (baseline.labels == k).astype(float), (current.labels == k).astype(float))
                   for k, c in enumerate(baseline.classes)]
    rows = []
    for name in features:
        if name not in base_cols or name not in cur_cols:
            continue
        b_bins, c_bins, labels = _bin_codes(base_cols[name], cur_cols[name], bins)
        for index in sorted(set(np.unique(b_bins).tolist()) & set(np.unique(c_bins).tolist())):
            in_b, in_c = b_bins == index, c_bins == index
            if in_b.sum() < MIN_BIN_ROWS or in_c.sum() < MIN_BIN_ROWS:
                continue
            for cls, yb, yc in targets:
                b, c = yb[in_b], yc[in_c]
                row = {"feature": name, "bin": labels.get(index, str(index)), "class": cls,
                       "n_baseline": int(len(b)), "n_current": int(len(c))}
                if regression:
                    test = stats.ttest_ind(b, c, equal_var=False)
                    p = float(test.pvalue) if np.isfinite(test.pvalue) else 1.0
                    row.update(baseline_mean=float(b.mean()), current_mean=float(c.mean()), p_value=p)
                else:
                    _, _, p = chi_square(np.array([[b.sum(), len(b) - b.sum()], [c.sum(), len(c) - c.sum()]]))
                    row.update(baseline_rate=float(b.mean()), current_rate=float(c.mean()), p_value=p)
                rows.append(row)
    for row, q_value in zip(rows, benjamini_hochberg([r["p_value"] for r in rows])):
        row["q_value"] = q_value
        if regression:
            moved = abs(row["current_mean"] - row["baseline_mean"]) >= min_mean_effect * scale
        else:
            moved = abs(row["current_rate"] - row["baseline_rate"]) >= MIN_RATE_CHANGE
        row["changed"] = bool(q_value <= q and moved)
    return sorted(rows, key=lambda r: (not r["changed"], r["q_value"]))


# ----- prediction drift -----

OUTSIDE_THE_CLASSES = "(not a class of the labels)"  # the category of predicted labels that no label has


def prediction_drift(baseline: preds.Predictions, current: preds.Predictions, q: float, min_numeric_effect: float,
                     min_categorical_effect: float) -> dict:
    """The distribution of the model's outputs, baseline vs current (no labels needed; see the module docstring).

    Returns:
      {what, test, statistic, p_value, effect_size, effect_size_measure, min_effect, drift, n_baseline, n_current}.
    """
    if not baseline.n or not current.n:
        return {"what": None, "test": None, "drift": False, "status": "no_predictions",
                "n_baseline": int(baseline.n), "n_current": int(current.n)}
    if baseline.task == preds.REGRESSION or (baseline.task == preds.BINARY and baseline.probabilities is not None):
        numeric = baseline.task == preds.REGRESSION
        b = baseline.predicted if numeric else baseline.probabilities[:, 1]
        c = current.predicted if numeric else current.probabilities[:, 1]
        result = _numeric_shift(np.asarray(b, float), np.asarray(c, float))
        result["what"] = "predicted value" if numeric else "probability of the positive class"
        minimum = min_numeric_effect
    else:
        labels = [preds.label_text(c) for c in baseline.classes]
        k = len(labels)
        codes = [baseline.predicted, current.predicted]
        if any((c < 0).any() for c in codes):  # predicted labels that are no class of the labels: one category
            codes = [np.where(c < 0, k, c) for c in codes]
            labels, k = labels + [OUTSIDE_THE_CLASSES], k + 1
        table = np.array([np.bincount(c, minlength=k) for c in codes], dtype=float)
        statistic, dof, p_value = chi_square(table)
        shares = table / table.sum(axis=1, keepdims=True)
        result = {"what": "predicted class", "test": "chi_square", "statistic": statistic, "dof": dof,
                  "p_value": p_value, "effect_size": float(np.max(np.abs(shares[0] - shares[1]))),
                  "effect_size_measure": "l_infinity", "labels": labels,
                  "baseline": shares[0].tolist(), "current": shares[1].tolist()}
        minimum = min_categorical_effect
    p, effect = result.get("p_value"), result.get("effect_size")
    result.update(min_effect=minimum, n_baseline=int(baseline.n), n_current=int(current.n), status="tested",
                  drift=bool(p is not None and effect is not None and p <= q and effect >= minimum))
    return result


# ----- the concept-drift result -----

def concept_drift(baseline: preds.Predictions, current: preds.Predictions, base_cols: Dict[str, np.ndarray],
                  cur_cols: Dict[str, np.ndarray], features: List[str], config, rng: np.random.Generator) -> dict:
    """The report's `concept_drift` for labelled baseline and current predictions (see the module docstring).

    Args:
      baseline, current: Predictions of the same task and classes.
      base_cols, cur_cols: feature columns of the rows each Predictions kept.
      features: the features for the conditional label rates.
      config: the DriftConfig (bootstrap, min_metric_drop, label_rate_bins, q, min_numeric_effect).
      rng: the bootstrap's generator.

    Returns:
      {status, task, classes, metric, baseline, current, difference_ci, drift, metrics, label_drift, label_prior,
       conditional_label_rates, n_baseline, n_current, bootstrap}: the primary metric's figures at the top level.
    """
    names = metric_names(baseline)
    primary = primary_metric(baseline)
    changes = metric_changes(baseline, current, names, config.bootstrap, rng)
    for change in changes:
        change["drift"] = metric_drift(change, config.min_metric_drop)
        change["primary"] = change["metric"] == primary
    main = next(c for c in changes if c["primary"])
    labels = label_drift(baseline, current)
    result = {"status": DRIFT if main["drift"] else NO_DRIFT, "task": baseline.task,
              "classes": [preds.label_text(c) for c in baseline.classes], "metric": primary,
              "baseline": main["baseline"], "current": main["current"], "difference_ci": main["difference_ci"],
              "drift": main["drift"], "metrics": changes, "label_drift": labels,
              "conditional_label_rates": conditional_label_rates(
                  base_cols, cur_cols, baseline, current, features, config.label_rate_bins, config.q,
                  config.min_numeric_effect),
              "n_baseline": int(baseline.n), "n_current": int(current.n), "bootstrap": config.bootstrap}
    if baseline.task != preds.REGRESSION:
        result["label_prior"] = {"labels": labels["labels"], "baseline": labels["baseline"],
                                 "current": labels["current"], "chi_square": labels["statistic"],
                                 "p_value": labels["p_value"]}
    return result


def no_labels(n_current_rows: int, reason: str) -> dict:
    """The `concept_drift` of labelled-by-contract current data in which no row has a usable label: never a pass."""
    return {"status": NO_LABELS, "drift": False, "metric": None, "n_current": 0, "rows_current": int(n_current_rows),
            "reason": reason}
