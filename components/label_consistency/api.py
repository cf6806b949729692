"""In-memory public API for notebooks: the same statistics as the component, on Python/numpy data."""
from collections import defaultdict
from typing import Optional

import numpy as np
import pyarrow as pa

from tfx_dcai.label_consistency import agreement
from tfx_dcai.label_consistency.config import LabelConsistencyConfig, Thresholds
from tfx_dcai.label_consistency.items import BadInputError
from tfx_dcai.predictions import label_sort_key


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def krippendorff_alpha(reliability_data, level: str = "nominal") -> float:
    """Alpha of an annotators x units table (lists or array); None or NaN marks a missing label."""
    numeric = _as_float_matrix(reliability_data)
    if numeric is not None:
        codes, values = _value_codes(numeric)
        return _alpha_from_code_table(codes, values, level)
    rows = [list(r) for r in reliability_data]
    if len({len(r) for r in rows}) > 1:
        raise BadInputError("reliability_data: every annotator row needs one entry per unit")
    flat = [(u, v) for r in rows for u, v in enumerate(r) if not _is_missing(v)]
    if not flat:
        raise BadInputError("reliability_data holds no labels")
    values = sorted({v for _, v in flat}, key=label_sort_key)
    index = {v: i for i, v in enumerate(values)}
    return alpha_from_codes(np.array([u for u, _ in flat]), np.array([index[v] for _, v in flat]), values, level)


def _as_float_matrix(data):
    """The table as a float array (NaN = missing) when every entry is a number or missing, else None."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "fiu":
        return data.astype(float, copy=False)
    try:
        return np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    except (TypeError, ValueError):
        return None


def alpha_from_codes(units: np.ndarray, codes: np.ndarray, values: list, level: str) -> float:
    """Alpha from parallel arrays of unit index and value code (one entry per label)."""
    k = len(values)
    n_units = int(units.max()) + 1
    counts = np.bincount(units * k + codes, minlength=n_units * k).reshape(n_units, k).astype(float)
    return _alpha_from_counts(counts, values, level)


def _value_codes(table: np.ndarray) -> tuple:
    """(codes table with -1 for missing, sorted values); small integer ranges skip the sort."""
    finite = ~np.isnan(table)
    if not finite.any():
        raise BadInputError("reliability_data holds no labels")
    present = table[finite]
    low, high = present.min(), present.max()
    if high - low <= 4 * present.size and np.all(present == np.round(present)):
        codes = np.where(finite, table - low, -1).astype(np.int64)
        return codes, (np.arange(int(high - low) + 1) + low).tolist()
    values, inverse = np.unique(present, return_inverse=True)
    codes = np.full(table.shape, -1, dtype=np.int64)
    codes[finite] = inverse
    return codes, values.tolist()


def _alpha_from_code_table(codes: np.ndarray, values: list, level: str) -> float:
    n_coders, n_units = codes.shape
    k = len(values)
    slot = np.where(codes >= 0, np.arange(n_units) * k + codes, n_units * k)  # missing -> overflow bin
    counts = np.bincount(slot.ravel(), minlength=n_units * k + 1)[:-1].reshape(n_units, k)
    if (n_coders + 1) ** k <= 1 << 20:  # few possible unit profiles: count units per profile, not per unit
        radix = (n_coders + 1) ** np.arange(k)
        profile_counts = np.bincount(counts @ radix)
        profiles = np.flatnonzero(profile_counts)
        table = (profiles[:, None] // radix) % (n_coders + 1)
        return _alpha_from_counts(table.astype(float), values, level, profile_counts[profiles].astype(float))
    return _alpha_from_counts(counts.astype(float), values, level)


def _alpha_from_counts(counts: np.ndarray, values: list, level: str, multiplicity=None) -> float:
    """Alpha from a units x values table of label counts (coincidences C' W C - diag(W C)); `multiplicity`
    says how many units share each row (default one)."""
    m = counts.sum(axis=1)
    weight = np.where(m >= 2, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    if multiplicity is not None:
        weight = weight * multiplicity
    weighted = counts * weight[:, None]
    o = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    observed = o.sum(axis=1) > 0
    values = [v for v, keep in zip(values, observed) if keep]
    return agreement.alpha_from_coincidence(o[np.ix_(observed, observed)], values, level)


def fleiss_kappa(table) -> float:
    """Fleiss' kappa of a units x categories table of counts; every row must sum to the same m >= 2."""
    table = np.asarray(table, dtype=float)
    sums = set(table.sum(axis=1))
    if len(sums) != 1 or sums == {0.0} or min(sums) < 2:
        raise BadInputError(f"fleiss_kappa needs the same number (>= 2) of labels per unit; got {sorted(sums)}")
    return agreement._fleiss(table, np.ones(len(table)), int(sums.pop()))


def cohen_kappa(labels_a, labels_b, weights: str = None) -> float:
    """Cohen's kappa of two annotators' labels on the same units (None/NaN pairs are skipped)."""
    if len(labels_a) != len(labels_b):
        raise BadInputError(f"cohen_kappa: {len(labels_a)} labels vs {len(labels_b)} labels")
    pairs = [(a, b) for a, b in zip(labels_a, labels_b) if not (_is_missing(a) or _is_missing(b))]
    values = sorted({v for p in pairs for v in p}, key=label_sort_key)
    index = {v: i for i, v in enumerate(values)}
    table = np.zeros((len(values), len(values)))
    for a, b in pairs:
        table[index[a], index[b]] += 1
    return agreement.cohen_from_contingency(table, weights)


def agreement_report(annotations, level: str = "nominal", consensus: str = "majority",
                     thresholds: Optional[Thresholds] = None, weights: Optional[str] = None, domain=None,
                     n_bootstrap: int = 1000, seed: int = 0, config: Optional[LabelConsistencyConfig] = None) -> dict:
    """Agreement, per-class verdicts and consensus of in-memory (item, annotator, label) triples.

    The same computation as the component and `dcai agreement` (the same per-bucket functions, in this process),
    so the three agree on the same input. Item ids are compared and returned as text.

    Args:
      annotations: an iterable of (item, annotator, label); None or NaN marks a missing label.
      level: Krippendorff's level of measurement.
      consensus: "majority" or "dawid_skene".
      thresholds: the verdict's Thresholds (default: Thresholds()).
      weights: weights of the pairwise Cohen's kappa (None, "linear", "quadratic").
      domain: the allowed labels (compared as text), or None.
      n_bootstrap: bootstrap resamples of alpha's CI.
      seed: the bootstrap's seed.
      config: a LabelConsistencyConfig for the other settings (its column names are ignored).

    Returns:
      The report dict (docs/label_consistency.md), with `consensus` listing every item's consensus row.

    Raises:
      InputError: no annotations, fewer than two annotators, invalid parameters.
    """
    from tfx_dcai.label_consistency.config import coerce

    config = coerce(config, item_column="item", annotator_column="annotator", label_column="label", level=level,
                    consensus=consensus, thresholds=thresholds, weights=weights, label_domain=domain,
                    n_bootstrap=n_bootstrap, seed=seed)
    rows = list(annotations)
    if not rows:
        raise BadInputError("no annotations")
    if any(len(row) != 3 for row in rows):
        raise BadInputError("annotations must be (item, annotator, label) triples")
    items, annotators, labels = zip(*rows)
    batch = pa.RecordBatch.from_pydict({
        "item": _as_arrow([None if _is_missing(v) else str(v) for v in items]),
        "annotator": _as_arrow([None if _is_missing(v) else v for v in annotators]),
        "label": _as_arrow([None if _is_missing(v) else v for v in labels])})
    report, buckets = run_in_memory([batch], config)
    report["consensus"] = sorted((row for bucket in buckets for row in bucket.consensus.rows()),
                                 key=lambda r: r["item"])
    return report


def _as_arrow(values: list) -> pa.Array:
    """A column of Python values; mixed types (e.g. 1 and "a") become text, as a CSV reader gives them."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def run_in_memory(batches, config: LabelConsistencyConfig, previous: Optional[dict] = None,
                  consensus_location: str = "", diagnostics: Optional[dict] = None) -> tuple:
    """ComputeLabelConsistency without Beam: record batches of annotation rows -> (report, Buckets with their
    consensus). For data that fits in memory (notebooks, tests)."""
    from tfx_dcai import configs
    from tfx_dcai.hashing import stable_hash
    from tfx_dcai.label_consistency import bucket_statistics as stats
    from tfx_dcai.label_consistency.buckets import assemble_bucket, rows_by_bucket

    config = configs.replace(config, n_buckets=config.n_buckets or 1)
    payloads = defaultdict(list)
    for batch in batches:
        for index, payload in rows_by_bucket(batch, config):
            payloads[index].append(payload)
    buckets = [assemble_bucket((index, payloads[index]), config) for index in sorted(payloads)]
    model = None
    if config.consensus == "dawid_skene":
        sample = sorted((it for b in buckets for it in stats.labelled_items(b)),
                        key=lambda it: stable_hash(it["item"]), reverse=True)[:config.max_dawid_skene_items]
        model = stats.fit_model(sample, config)
    buckets = [stats.with_consensus(b, model, config) for b in buckets]
    outputs = []
    for summary in stats.summaries(config):
        acc = summary.create()
        for bucket in buckets:
            acc = summary.add_bucket(acc, bucket)
        outputs.append(summary.extract(acc))
    return stats.report_from(outputs, config, model, previous, consensus_location, diagnostics), buckets
