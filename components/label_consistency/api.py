"""In-memory public API for notebooks: the same statistics as the component, on Python/numpy data."""
from collections import defaultdict

import numpy as np

from components.label_consistency import agreement
from components.label_consistency.accumulator import AgreementAccumulator
from components.label_consistency.consensus import consensus_row
from components.label_consistency.dawid_skene import fit_dawid_skene, response_counts
from components.label_consistency.items import BadInputError, assemble_item
from components.label_consistency.summary import Thresholds, summarize


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def krippendorff_alpha(reliability_data, level: str = "nominal") -> float:
    """Alpha of an annotators x units table (lists or array); None or NaN marks a missing label."""
    rows = [list(r) for r in reliability_data]
    if len({len(r) for r in rows}) > 1:
        raise BadInputError("reliability_data: every annotator row needs one entry per unit")
    flat = [(u, v) for r in rows for u, v in enumerate(r) if not _is_missing(v)]
    if not flat:
        raise BadInputError("reliability_data holds no labels")
    units = np.array([u for u, _ in flat])
    values = sorted({v for _, v in flat}, key=agreement.sort_key)
    index = {v: i for i, v in enumerate(values)}
    codes = np.array([index[v] for _, v in flat])
    return alpha_from_codes(units, codes, values, level)


def alpha_from_codes(units: np.ndarray, codes: np.ndarray, values: list, level: str) -> float:
    """Vectorised alpha from parallel arrays of unit index and value code (one entry per label)."""
    k = len(values)
    n_units = int(units.max()) + 1
    counts = np.bincount(units * k + codes, minlength=n_units * k).reshape(n_units, k).astype(float)
    m = counts.sum(axis=1)
    weight = np.where(m >= 2, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    weighted = counts * weight[:, None]
    o = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    return agreement.alpha_from_coincidence(o, values, level)


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
    values = sorted({v for p in pairs for v in p}, key=agreement.sort_key)
    index = {v: i for i, v in enumerate(values)}
    table = np.zeros((len(values), len(values)))
    for a, b in pairs:
        table[index[a], index[b]] += 1
    return agreement.cohen_from_contingency(table, weights)


def agreement_report(annotations, level: str = "nominal", consensus: str = "majority",
                     thresholds: Thresholds = Thresholds(), weights: str = None, domain=None,
                     n_bootstrap: int = 1000, seed: int = 0) -> dict:
    """Agreement, per-class verdicts and consensus of in-memory (item, annotator, label) triples."""
    by_item = defaultdict(list)
    for item, annotator, label in annotations:
        by_item[item].append((annotator, None if _is_missing(label) else label))
    if not by_item:
        raise BadInputError("no annotations")
    acc = AgreementAccumulator()
    items = {}
    for item, rows in by_item.items():
        labels, flags, _ = assemble_item(rows, domain)
        items[item] = (labels, flags)
        if labels:
            acc.add_item(item, labels)
    report = summarize(acc, level, thresholds, weights, n_bootstrap, seed)
    model = None
    if consensus == "dawid_skene":
        labelled = [labels for labels, _ in items.values() if labels]
        classes, annotators = acc.values(), sorted(acc.annotator_labels, key=str)
        model = fit_dawid_skene(response_counts(labelled, annotators, classes), classes, annotators)
    report["consensus"] = [consensus_row(item, labels, flags, model) for item, (labels, flags) in items.items()]
    return report
