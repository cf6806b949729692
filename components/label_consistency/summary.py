"""Turns an AgreementAccumulator into the agreement part of the report: statistics, per-class verdicts, findings."""
import dataclasses
import math

import numpy as np

from tfx_dcai.label_consistency import agreement
from tfx_dcai.label_consistency.accumulator import AgreementAccumulator
from tfx_dcai.label_consistency.boxes import summarize_boxes
from tfx_dcai.label_consistency.transcripts import summarize_transcripts


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """Defaults: Krippendorff's 0.8 for reliable data; a class passes with specific agreement >= 0.8 and
    kappa >= 0.6 (substantial agreement, Landis & Koch 1977)."""
    min_alpha: float = 0.8
    min_class_agreement: float = 0.8
    min_class_kappa: float = 0.6


def summarize(acc: AgreementAccumulator, level: str = "nominal", thresholds: Thresholds = Thresholds(),
              weights: str = None, n_bootstrap: int = 1000, seed: int = 0) -> dict:
    values = acc.values()
    o = agreement.coincidence_matrix(acc.profiles, values)
    alpha = agreement.alpha_from_coincidence(o, values, level)
    ci_low, ci_high = agreement.bootstrap_alpha_ci(acc.profiles, values, level, n_bootstrap, seed=seed)
    fleiss = agreement.fleiss_kappa_from_profiles(acc.profiles, values) if level == "nominal" else None
    per_class = _per_class(acc, o, values, thresholds)
    confusions = _confusions(acc)
    alpha_ok = math.isfinite(alpha) and alpha >= thresholds.min_alpha
    consistent = alpha_ok and all(row["consistent"] for row in per_class)
    return {
        "status": "CONSISTENT" if consistent else "INCONSISTENT",
        "n_items": acc.n_items,
        "n_pairable_items": acc.n_items - acc.n_single_label_items,
        "n_annotators": len(acc.annotator_labels),
        "krippendorff_alpha": {"value": alpha, "ci_low": ci_low, "ci_high": ci_high, "level": level,
                               "n_bootstrap": n_bootstrap},
        "fleiss_kappa": fleiss,
        "pairwise": _pairwise(acc, values, weights),
        "per_class": per_class,
        "confusions": confusions,
        "coincidence_matrix": {"labels": values, "matrix": o.tolist()},
        "findings": _findings(alpha, alpha_ok, thresholds, per_class, acc),
    }


def _per_class(acc, o, values, thresholds) -> list:
    rows = []
    for row in agreement.per_class_agreement(o, values):
        ok = (math.isfinite(row["agreement"]) and row["agreement"] >= thresholds.min_class_agreement
              and math.isfinite(row["kappa"]) and row["kappa"] >= thresholds.min_class_kappa)
        rows.append({"label": row["label"], "kappa": row["kappa"], "agreement": row["agreement"],
                     "n": acc.class_items[row["label"]], "n_values": row["n_values"], "consistent": ok})
    return rows


def _confusions(acc) -> list:
    rows = []
    for (x, y), count in acc.confusion_items.items():
        either = acc.class_items[x] + acc.class_items[y] - count
        rows.append({"labels": [x, y], "count": count, "share": count / either,
                     "example_items": list(acc.confusion_examples[(x, y)])})
    return sorted(rows, key=lambda r: (-r["count"], [agreement.sort_key(v) for v in r["labels"]]))


def _pairwise(acc, values, weights) -> list:
    index = {v: i for i, v in enumerate(values)}
    rows = []
    for (a, b), cells in sorted(acc.pair_tables.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        table = np.zeros((len(values), len(values)))
        for (la, lb), count in cells.items():
            table[index[la], index[lb]] += count
        n = int(table.sum())
        rows.append({"annotators": [a, b], "cohen_kappa": agreement.cohen_from_contingency(table, weights),
                     "percent_agreement": float(np.trace(table) / n) if n else float("nan"), "n_items": n})
    return rows


def _findings(alpha, alpha_ok, thresholds, per_class, acc) -> list:
    lines = []
    if not alpha_ok:
        lines.append(f"overall agreement is too low: Krippendorff's alpha {alpha:.3f} < {thresholds.min_alpha}")
    failing = sorted((r for r in per_class if not r["consistent"]), key=lambda r: r["agreement"])
    for row in failing:
        lines.append(_class_finding(row, acc))
    if acc.n_single_label_items:
        lines.append(f"{acc.n_single_label_items} items carry a single label and do not count towards "
                     "agreement: collect a second label for them")
    return lines


def _class_finding(row, acc) -> str:
    label = row["label"]
    partners = [((x, y), c) for (x, y), c in acc.confusion_items.items() if label in (x, y)]
    stats = f"agreement {row['agreement']:.2f}, kappa {row['kappa']:.2f}"
    if not partners:
        return f"revise the instructions for class {label}: {stats}"
    canonical = sorted(partners, key=lambda p: [agreement.sort_key(v) for v in p[0]])
    (x, y), count = max(canonical, key=lambda p: p[1])  # ties go to the first pair in canonical order
    other = y if x == label else x
    share = count / acc.class_items[label]
    return (f"revise the instructions for class {label}: labelers split {label}/{other} on "
            f"{share:.0%} of its items ({stats})")


def summarize_text(acc, thresholds: Thresholds = Thresholds()) -> dict:
    """The same report keys for transcripts: alpha on normalised transcripts, WER/CER per pair, attribution."""
    text = summarize_transcripts(acc)
    pairwise = [{"annotators": p["annotators"], "cohen_kappa": None,
                 "percent_agreement": 1.0 - p["n_disagreements"] / p["n_items"], "n_items": p["n_items"],
                 "wer": p["wer"], "cer": p["cer"]} for p in text["pairwise"]]
    return _distance_summary(acc, acc.alpha(), thresholds, pairwise, "transcripts", text)


def summarize_box_report(acc, thresholds: Thresholds = Thresholds()) -> dict:
    """The same report keys for boxes: alpha with distance 1 - IoU, matches per pair, conventions."""
    boxes = summarize_boxes(acc)
    pairwise = [{"annotators": p["annotators"], "cohen_kappa": None, "percent_agreement": p["match_rate"],
                 "n_items": p["n_items"], "mean_iou": p["mean_iou"]} for p in boxes["pairwise"]]
    return _distance_summary(acc, acc.alpha(), thresholds, pairwise, "boxes", boxes)


def _distance_summary(acc, alpha, thresholds, pairwise, section, details) -> dict:
    consistent = math.isfinite(alpha) and alpha >= thresholds.min_alpha
    findings = [] if consistent else [
        f"labels disagree: Krippendorff's alpha ({section}) {alpha:.3f} < {thresholds.min_alpha}"]
    return {
        "status": "CONSISTENT" if consistent else "INCONSISTENT",
        "n_items": acc.n_items,
        "n_pairable_items": acc.n_items - acc.n_single_label_items,
        "n_annotators": len(acc.annotator_labels),
        "krippendorff_alpha": {"value": alpha, "ci_low": None, "ci_high": None,
                               "level": "nominal" if section == "transcripts" else "1 - IoU", "n_bootstrap": 0},
        "fleiss_kappa": None,
        "pairwise": pairwise,
        "per_class": [],
        "confusions": [],
        "coincidence_matrix": None,
        section: details,
        "findings": findings + details["findings"],
    }
