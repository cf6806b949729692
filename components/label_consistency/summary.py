"""Turns an AgreementAccumulator into the agreement part of the report: statistics, per-class verdicts, findings."""
import math

from tfx_dcai.label_consistency import agreement
from tfx_dcai.label_consistency.accumulator import AgreementAccumulator
from tfx_dcai.label_consistency.boxes import summarize_boxes
from tfx_dcai.label_consistency.config import Thresholds
from tfx_dcai.label_consistency.transcripts import summarize_transcripts
from tfx_dcai.predictions import label_sort_key


NO_VARIATION = ("alpha is undefined: every pairable label is {what}, so observed and expected disagreement "
                "are both 0; the labelers agree perfectly but chance-corrected agreement cannot be measured on one "
                "class: add items of the other classes to measure it")


def summarize(acc: AgreementAccumulator, level: str = "nominal", thresholds: Thresholds = None,
              weights: str = None, n_bootstrap: int = 1000, seed: int = 0, max_classes: int = 200) -> dict:
    """The agreement part of the report (statistics, per-class verdicts, findings) of class labels.

    Args:
      acc: the combined AgreementAccumulator.
      level: Krippendorff's level of measurement.
      thresholds: the verdict's thresholds (default: Thresholds()).
      weights: weights of the pairwise Cohen's kappa (None, "linear", "quadratic").
      n_bootstrap: bootstrap resamples of alpha's CI.
      seed: the bootstrap's seed.
      max_classes: above this many distinct labels the column is treated as free text: alpha and kappas by exact
        match (nominal) or by value (interval), no per-class rows and no coincidence matrix, memory bounded by the
        rows.

    Returns:
      A dict of report keys (status, krippendorff_alpha, per_class, findings, ...).

    Raises:
      BadInputError: level ordinal or ratio with more than max_classes distinct labels.
    """
    from tfx_dcai.label_consistency.items import BadInputError

    thresholds = thresholds or Thresholds()
    values = acc.values()
    free_text = len(values) > max_classes
    if free_text and level in ("ordinal", "ratio"):
        raise BadInputError(f"level {level!r} with {len(values)} distinct labels (more than max_classes "
                            f"{max_classes}): use level interval for numbers, or raise max_classes")
    table = agreement.ProfileTable(acc.profiles, values)
    alpha = agreement.alpha_from_profiles(table, level)
    ci_low, ci_high = agreement.bootstrap_alpha_ci(acc.profiles, values, level, n_bootstrap, seed=seed, table=table)
    fleiss = agreement.fleiss_kappa_from_profiles(acc.profiles, values, table) if level == "nominal" else None
    no_variation = not math.isfinite(alpha)  # one value only (the input checks guarantee pairable items)
    per_class = [] if free_text else _per_class(acc, agreement.per_class_from_profiles(table), thresholds)
    alpha_ok = no_variation or alpha >= thresholds.min_alpha
    consistent = alpha_ok and all(row["consistent"] for row in per_class)
    findings = _findings(alpha, alpha_ok, thresholds, per_class, acc)
    if no_variation:
        findings.insert(0, NO_VARIATION.format(what=repr(values[0]) if values else "the same"))
    if free_text:
        findings.insert(0, free_text_finding(len(values), acc.n_items, max_classes))
    coincidence = None if free_text else {"labels": values,
                                          "matrix": agreement.coincidence_matrix(acc.profiles, values).tolist()}
    return {
        "status": "CONSISTENT" if consistent else "INCONSISTENT",
        "n_items": acc.n_items,
        "n_pairable_items": acc.n_items - acc.n_single_label_items,
        "n_annotators": len(acc.annotator_labels),
        "krippendorff_alpha": {"value": alpha, "ci_low": ci_low, "ci_high": ci_high, "level": level,
                               "n_bootstrap": n_bootstrap,
                               "undefined_reason": "no_variation" if no_variation else None},
        "fleiss_kappa": fleiss,
        "pairwise": _pairwise(acc, values, weights),
        "per_class": per_class,
        "confusions": _confusions(acc),
        "coincidence_matrix": coincidence,
        "labels": {"n_distinct": len(values), "free_text": free_text, "max_classes": max_classes},
        "findings": findings,
    }


def free_text_finding(n_labels: int, n_items: int, max_classes: int) -> str:
    """The finding of a label column with more distinct labels than max_classes."""
    return (f"label column looks like free text: {n_labels} distinct labels over {n_items} items (more than "
            f"max_classes {max_classes}); agreement is by exact match and per-class statistics are left out: map "
            "the labels to a fixed set of classes, or use kind text for transcripts")


def _per_class(acc, rows, thresholds) -> list:
    """Per-class verdicts. A class's kappa is undefined (null) only when it is the only class; with perfect
    agreement (1.0) the class is then consistent."""
    out = []
    for row in rows:
        kappa_ok = (row["kappa"] >= thresholds.min_class_kappa if math.isfinite(row["kappa"])
                    else row["agreement"] == 1.0)
        ok = math.isfinite(row["agreement"]) and row["agreement"] >= thresholds.min_class_agreement and kappa_ok
        out.append({"label": row["label"], "kappa": row["kappa"], "agreement": row["agreement"],
                    "n": acc.class_items[row["label"]], "n_values": row["n_values"], "consistent": ok})
    return out


def _confusions(acc) -> list:
    rows = []
    for (x, y), count in acc.confusion_items.items():
        either = acc.class_items[x] + acc.class_items[y] - count
        rows.append({"labels": [x, y], "count": count, "share": count / either,
                     "example_items": list(acc.confusion_examples[(x, y)])})
    return sorted(rows, key=lambda r: (-r["count"], [label_sort_key(v) for v in r["labels"]]))


def _pairwise(acc, values, weights) -> list:
    rows = []
    for (a, b), cells in sorted(acc.pair_tables.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        n = int(sum(cells.values()))
        agreeing = sum(c for (la, lb), c in cells.items() if la == lb)
        rows.append({"annotators": [a, b], "cohen_kappa": agreement.cohen_from_pairs(cells, values, weights),
                     "percent_agreement": agreeing / n if n else float("nan"), "n_items": n})
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
    canonical = sorted(partners, key=lambda p: [label_sort_key(v) for v in p[0]])
    (x, y), count = max(canonical, key=lambda p: p[1])  # ties go to the first pair in canonical order
    other = y if x == label else x
    share = count / acc.class_items[label]
    return (f"revise the instructions for class {label}: labelers split {label}/{other} on "
            f"{share:.0%} of its items ({stats})")


def summarize_text(acc, thresholds: Thresholds = None) -> dict:
    """The same report keys for transcripts: alpha on normalised transcripts, WER/CER per pair, attribution."""
    text = summarize_transcripts(acc)
    pairwise = [{"annotators": p["annotators"], "cohen_kappa": None,
                 "percent_agreement": 1.0 - p["n_disagreements"] / p["n_items"], "n_items": p["n_items"],
                 "wer": p["wer"], "cer": p["cer"]} for p in text["pairwise"]]
    return _distance_summary(acc, acc.alpha(), thresholds, pairwise, "transcripts", text)


def summarize_box_report(acc, thresholds: Thresholds = None) -> dict:
    """The same report keys for boxes: alpha with distance 1 - IoU, matches per pair, conventions."""
    boxes = summarize_boxes(acc)
    pairwise = [{"annotators": p["annotators"], "cohen_kappa": None, "percent_agreement": p["match_rate"],
                 "n_items": p["n_items"], "mean_iou": p["mean_iou"]} for p in boxes["pairwise"]]
    return _distance_summary(acc, acc.alpha(), thresholds, pairwise, "boxes", boxes)


def _distance_summary(acc, alpha, thresholds, pairwise, section, details) -> dict:
    thresholds = thresholds or Thresholds()
    no_variation = not math.isfinite(alpha)  # every pairable transcript / box the same: perfect agreement
    consistent = no_variation or alpha >= thresholds.min_alpha
    findings = [] if consistent else [
        f"labels disagree: Krippendorff's alpha ({section}) {alpha:.3f} < {thresholds.min_alpha}"]
    if no_variation:
        findings.append(NO_VARIATION.format(what=f"the same {section[:-1]}"))
    return {
        "status": "CONSISTENT" if consistent else "INCONSISTENT",
        "n_items": acc.n_items,
        "n_pairable_items": acc.n_items - acc.n_single_label_items,
        "n_annotators": len(acc.annotator_labels),
        "krippendorff_alpha": {"value": alpha, "ci_low": None, "ci_high": None,
                               "level": "nominal" if section == "transcripts" else "1 - IoU", "n_bootstrap": 0,
                               "undefined_reason": "no_variation" if no_variation else None},
        "fleiss_kappa": None,
        "pairwise": pairwise,
        "per_class": [],
        "confusions": [],
        "coincidence_matrix": None,
        "labels": None,
        section: details,
        "findings": findings + details["findings"],
    }
