"""label_consistency_report.json (contract in docs/label_consistency.md) and its standalone HTML page."""
import dataclasses
import math
import numbers

import numpy as np

from tfx_dcai import reports
from tfx_dcai.label_consistency.items import BadInputError
from tfx_dcai.label_consistency.summary import summarize, summarize_box_report, summarize_text

REPORT_NAME = "label_consistency"
REPORT_VERSION = 2
STATUSES = ("CONSISTENT", "INCONSISTENT")


def build_report(acc, config, accounting, shown_rows, per_annotator, model=None, previous=None, flag_counts=None,
                 consensus_location="", diagnostics=None):
    """The report dict from the combined statistics; bad input (nothing to compare) is a BadInputError.

    (No type annotations: Beam would turn them into strict type hints for the side inputs.)
    """
    _check_input(acc, accounting)
    if config.kind == "text":
        summary = summarize_text(acc, config.thresholds)
    elif config.kind == "bbox":
        summary = summarize_box_report(acc, config.thresholds)
    else:
        summary = summarize(acc, config.level, config.thresholds, config.weights, config.n_bootstrap, config.seed,
                            config.max_classes)
    n_items = accounting["items"]
    report = {
        "report_version": REPORT_VERSION,
        "status": summary.pop("status"),
        "instructions_version": config.instructions_version,
        "parameters": {"level": config.level, "kind": config.kind, "consensus": config.consensus,
                       "weights": config.weights, "thresholds": dataclasses.asdict(config.thresholds),
                       "text_normalisation": list(config.text_normalisation) if config.kind == "text" else None},
        **summary,
        "n_items": n_items,
        "rows": accounting,
        "annotators": _annotators(acc, per_annotator),
        "dawid_skene": _dawid_skene(model),
        "consensus_flags": dict(sorted((flag_counts or {}).items())),
    }
    consensus = [{"item": r["item"], "label": r["label"], "confidence": r["confidence"], "flags": r["flags"]}
                 for r in shown_rows[:config.max_report_consensus]]
    report["consensus"] = consensus if n_items <= config.max_report_consensus else {
        "location": consensus_location, "n_items": n_items, "first_items": consensus}
    report["revision"] = compare_with_previous(report, previous)
    report["xy_conflicts"] = (diagnostics or {}).get("xy_conflicts")
    report["label_errors"] = (diagnostics or {}).get("label_errors")
    report["findings"] += _example_findings(report["xy_conflicts"], report["label_errors"])
    return report


def _example_findings(conflicts, errors) -> list:
    lines = []
    if conflicts and conflicts["n_conflicting_groups"]:
        examples = ", ".join(conflicts["groups"][0]["example_items"])
        lines.append(f"{conflicts['n_conflicting_groups']} groups of near-identical inputs carry different labels "
                     f"({conflicts['n_examples_in_conflicts']} of {conflicts['n_examples']} examples): review them "
                     f"(e.g. {examples})")
    if errors and errors["n_flagged"]:
        lines.append(f"confident learning suspects {errors['n_flagged']} of {errors['n_sample']} sampled examples "
                     f"are mislabelled: review them (listed under label_errors)")
    left_out = {r: n for r, n in ((errors or {}).get("dropped") or {}).items() if r != "missing_label"}
    if left_out:
        lines.append(f"confident learning left out {sum(left_out.values())} examples whose supplied probabilities "
                     f"({errors['probabilities']}) are unusable: {left_out}; fix them to have them checked")
    return lines


def check_previous_report(previous, source: str = "--previous-report") -> dict:
    """`previous` if it is a label-consistency report (of any version), else a BadInputError naming `source`.

    Checked: a JSON object with `report_version`, `status` CONSISTENT/INCONSISTENT, `krippendorff_alpha` an object
    whose `value` is a number or null, and `per_class` a list of objects with a `label`.
    """
    problem = None
    if not isinstance(previous, dict):
        problem = f"a JSON {type(previous).__name__}, not an object"
    elif "report_version" not in previous:
        problem = "no report_version field"
    elif previous.get("status") not in STATUSES:
        problem = f"status {previous.get('status')!r} is not one of {list(STATUSES)}"
    elif not isinstance(previous.get("krippendorff_alpha"), dict) or not (
            previous["krippendorff_alpha"].get("value") is None
            or isinstance(previous["krippendorff_alpha"].get("value"), numbers.Real)):
        problem = "no krippendorff_alpha.value"
    elif not isinstance(previous.get("per_class"), list) or not all(
            isinstance(r, dict) and "label" in r for r in previous["per_class"]):
        problem = "per_class is not a list of classes"
    if problem:
        raise BadInputError(f"{source}: not a label-consistency report ({problem}); pass the "
                            "label_consistency_report.json of an earlier run")
    return previous


def _check_input(acc, accounting):
    if accounting["rows_in"] == 0:
        raise BadInputError("no annotations: the input holds no rows")
    if len(acc.annotator_labels) < 2:
        dropped = accounting["rows_dropped"]
        why = (f"; {sum(dropped.values())} of {accounting['rows_in']} rows were dropped "
               f"({', '.join(f'{reason}: {n}' for reason, n in dropped.items())})" if dropped else "")
        raise BadInputError(f"agreement needs at least two annotators with valid labels; found "
                            f"{len(acc.annotator_labels)} ({sorted(map(str, acc.annotator_labels))}){why}")
    if acc.n_items == acc.n_single_label_items:
        raise BadInputError("no item carries labels from two annotators: nothing to compare")


def _annotators(acc, per_annotator) -> list:
    rows = []
    for annotator, n in sorted(acc.annotator_labels.items(), key=lambda kv: str(kv[0])):
        agree, total = per_annotator.get(annotator, (0, 0))
        rows.append({"annotator": annotator, "n_labels": n,
                     "agreement_with_consensus": agree / total if total else float("nan")})
    return rows


def _dawid_skene(model):
    if model is None:
        return None
    return {"classes": model.classes, "prior": np.exp(model.log_prior).tolist(),
            "log_likelihood": model.log_likelihood, "n_iterations": model.n_iterations,
            "confusion": {str(a): np.exp(model.log_confusion[j]).tolist() for j, a in enumerate(model.annotators)}}


def compare_with_previous(report: dict, previous: dict):
    """Per-class agreement before (previous run, earlier instructions) and after; None without a previous run."""
    if not previous:
        return None
    before = {str(r["label"]): r for r in previous.get("per_class", [])}
    rows = []
    for row in report["per_class"]:
        old = before.get(str(row["label"]), {})
        rows.append({"label": row["label"], "agreement_before": old.get("agreement"),
                     "agreement_after": row["agreement"], "kappa_before": old.get("kappa"),
                     "kappa_after": row["kappa"], "consistent_before": old.get("consistent"),
                     "consistent_after": row["consistent"]})
    return {"previous_instructions_version": previous.get("instructions_version"),
            "previous_status": previous.get("status"),
            "alpha_before": (previous.get("krippendorff_alpha") or {}).get("value"),
            "alpha_after": report["krippendorff_alpha"]["value"], "per_class": rows}


def _num(value):
    return float("nan") if value is None else value


def _summary(report):
    ok = report["status"] == "CONSISTENT"
    alpha = report["krippendorff_alpha"]
    minimum = report["parameters"]["thresholds"]["min_alpha"]
    alpha_text = reports.Interval(alpha["value"], alpha["ci_low"], alpha["ci_high"]).text()
    bad_classes = [str(r["label"]) for r in report.get("per_class") or [] if not r["consistent"]]
    if ok:
        line = f"labelers agree: Krippendorff's alpha {alpha_text} >= {reports.as_text(minimum, exact=True)}"
    else:
        line = (f"labelers disagree: Krippendorff's alpha {alpha_text}"
                + (f" (minimum {reports.as_text(minimum, exact=True)})" if alpha["value"] is not None else ""))
    figures = [("items", report["n_items"]), ("annotators", report["n_annotators"]),
               (f"alpha ({alpha['level']})", alpha_text)]
    if report.get("fleiss_kappa") is not None:
        figures.append(("Fleiss' kappa", report["fleiss_kappa"]))
    if report.get("per_class"):
        figures.append(("classes below the minimum", f"{len(bad_classes)} of {len(report['per_class'])}"
                        + (f" ({', '.join(bad_classes[:4])}{' ...' if len(bad_classes) > 4 else ''})"
                           if bad_classes else "")))
    flagged = sum((report.get("consensus_flags") or {}).values())
    if flagged:
        figures.append(("consensus flags", flagged))
    first = report["findings"][0] if report["findings"] else ""
    tone = "ok" if ok else "bad"
    return reports.summary_block(report["status"], tone, line, figures, first), tone


def render_html(report: dict) -> str:
    """The standalone HTML page of a label consistency report (every value escaped).

    Args:
      report: the dict from `build_report` (or read back from label_consistency_report.json).

    Returns:
      The HTML document.
    """
    alpha = report["krippendorff_alpha"]
    thresholds = report["parameters"]["thresholds"]
    version = report.get("instructions_version") or "unnamed"
    summary, tone = _summary(report)
    stats = [[f"Krippendorff's alpha ({alpha['level']})", reports.Interval(alpha["value"], alpha["ci_low"],
                                                                          alpha["ci_high"]),
              reports.Text(reports.as_text(thresholds["min_alpha"], exact=True))]]
    if report.get("fleiss_kappa") is not None:
        stats.append(["Fleiss' kappa", report["fleiss_kappa"], reports.Text("none")])
    ci_note = (f"95% CI: percentile bootstrap over items ({alpha['n_bootstrap']} resamples)" if alpha["n_bootstrap"]
               else "no confidence interval (no bootstrap resamples)")
    sections = [
        reports.section("Findings", reports.findings_list(report["findings"])),
        reports.section("Agreement", reports.table(["statistic", "value [95% CI]", "minimum"], stats, sortable=False),
                        reports.key_values([("items", report["n_items"]),
                                            ("items with >= 2 labels", report["n_pairable_items"]),
                                            ("annotators", report["n_annotators"])]), note=ci_note),
    ]
    if report.get("transcripts"):
        sections.append(_transcript_section(report["transcripts"]))
    elif report.get("boxes"):
        sections.append(_box_section(report["boxes"]))
    else:
        sections.append(_per_class_section(report))
    if report.get("revision"):
        sections.append(_revision_section(report["revision"]))
    sections.append(_pairwise_section(report))
    if report.get("coincidence_matrix"):
        sections.append(_confusion_section(report))
    sections += [_annotator_section(report), _consensus_section(report)]
    if report.get("xy_conflicts") or report.get("label_errors"):
        sections.append(_examples_section(report["xy_conflicts"], report["label_errors"]))
    sections.append(reports.section("Parameters", reports.key_values(report["parameters"].items(), exact=True)))
    return reports.page(f"Label consistency: instructions {version}", report["status"], tone == "ok", sections,
                        subtitle=f"{reports.format_number(report['n_items'])} items, {report['n_annotators']} "
                                 f"annotators, consensus by {report['parameters']['consensus']}",
                        summary=summary, tone=tone)


def _per_class_section(report):
    rows = report["per_class"]
    thresholds = report["parameters"]["thresholds"]
    if not rows:
        labels = report.get("labels") or {}
        if labels.get("free_text"):
            return reports.section("Per class", reports.none_note(
                f"no per-class statistics: {labels.get('n_distinct')} distinct labels (more than max_classes "
                f"{labels.get('max_classes')}): the label column looks like free text"))
        return reports.section("Per class", reports.none_note("no class to compare"))
    labels = [str(r["label"]) for r in rows]
    chart = reports.bar_chart(labels, [_num(r["agreement"]) for r in rows], "Per-class specific agreement (red: "
                              "below the minimum)", threshold=thresholds["min_class_agreement"],
                              value_range=(0.0, 1.0), bad=[not r["consistent"] for r in rows])
    table = reports.table(["label", "agreement", "kappa", "items", "consistent"],
                          [[r["label"], r["agreement"], r["kappa"], r["n"], r["consistent"]] for r in rows])
    return reports.section("Per class", chart, table,
                           note=f"consistent: agreement >= {thresholds['min_class_agreement']} and kappa >= "
                                f"{thresholds['min_class_kappa']}")


def _transcript_section(text):
    attribution = text["attribution"]
    chart = reports.bar_chart([f"{a['rule']}: {a['writer']} writes, {a['dropper']} drops" for a in attribution],
                              [a["share"] for a in attribution], "Disagreements explained by one normalisation rule",
                              value_range=(0.0, 1.0)) if attribution else ""
    pairs = reports.table(["annotator a", "annotator b", "WER", "CER", "items", "disagreements", "example items"],
                          [[str(p["annotators"][0]), str(p["annotators"][1]), p["wer"], p["cer"], p["n_items"],
                            p["n_disagreements"], p["example_items"]] for p in text["pairwise"]],
                          empty="no pair of annotators shares an item")
    return reports.section("Transcripts", chart, pairs,
                           note=f"compared after normalisation: {', '.join(text['normalisation']) or 'none'}; "
                                f"{text['n_disagreements']} disagreeing pairs")


def _box_section(boxes):
    pairs = boxes["pairwise"]
    chart = reports.bar_chart([f"{p['annotators'][0]} vs {p['annotators'][1]}" for p in pairs],
                              [_num(p["mean_iou"]) for p in pairs], "Mean IoU of matched boxes",
                              value_range=(0.0, 1.0)) if pairs else ""
    table = reports.table(["annotator a", "annotator b", "items", "matches", "mean IoU", "missed", "extra",
                           "class swaps", "example items"],
                          [[str(p["annotators"][0]), str(p["annotators"][1]), p["n_items"], p["matches"],
                            p["mean_iou"], p["missed"], p["extra"], p["class_swaps"], p["example_items"]]
                           for p in pairs], empty="no pair of annotators shares an image")
    return reports.section("Boxes", chart, table,
                           note="boxes matched one-to-one by IoU (Hungarian); a match needs IoU >= "
                                f"{boxes['match_iou']}")


def _revision_section(revision):
    rows = revision["per_class"]
    chart = reports.overlaid_distributions([str(r["label"]) for r in rows],
                                           {"before": [r["agreement_before"] for r in rows],
                                            "after": [r["agreement_after"] for r in rows]},
                                           "Per-class agreement before and after the revision", x_label="label",
                                           y_label="agreement") if rows else ""
    table = reports.table(["label", "agreement before", "agreement after", "kappa before", "kappa after",
                           "consistent before", "consistent after"],
                          [[r["label"], r["agreement_before"], r["agreement_after"], r["kappa_before"],
                            r["kappa_after"], r.get("consistent_before"), r.get("consistent_after")] for r in rows],
                          empty="no class in common with the previous run")
    return reports.section(
        "Revision loop", chart, table,
        note=f"previous run: instructions {revision['previous_instructions_version']} "
             f"({revision['previous_status']}), alpha {reports.format_number(revision['alpha_before'])} -> "
             f"{reports.format_number(revision['alpha_after'])}")


def _pairwise_section(report):
    pairwise = report["pairwise"]
    if not pairwise:
        return reports.section("Labeler by labeler", reports.none_note("no pair of annotators shares an item"))
    names = sorted({str(a) for r in pairwise for a in r["annotators"]})
    index = {n: i for i, n in enumerate(names)}
    has_kappa = any(r.get("cohen_kappa") is not None for r in pairwise)
    field = "cohen_kappa" if has_kappa else "percent_agreement"
    matrix = [[1.0 if i == j else None for j in range(len(names))] for i in range(len(names))]
    for r in pairwise:
        a, b = (index[str(x)] for x in r["annotators"])
        value = r.get(field)
        matrix[a][b] = matrix[b][a] = value if value is not None and math.isfinite(value) else None
    heat = reports.heatmap(names, names, matrix,
                           "Cohen's kappa, labeler by labeler" if has_kappa else "Agreement, labeler by labeler",
                           row_title="annotator", col_title="annotator")
    table = reports.table(["annotator a", "annotator b", "Cohen's kappa", "percent agreement", "items"],
                          [[str(r["annotators"][0]), str(r["annotators"][1]), r.get("cohen_kappa"),
                            r.get("percent_agreement"), r["n_items"]] for r in pairwise])
    return reports.section("Labeler by labeler", heat, table)


def _confusion_section(report):
    coincidence = report["coincidence_matrix"]
    labels = [str(v) for v in coincidence["labels"]]
    heat = reports.heatmap(labels, labels, coincidence["matrix"],
                           "Label coincidences (pairs of labels on the same item)",
                           row_title="label", col_title="label")
    table = reports.table(["labels", "items", "share", "example items"],
                          [[" / ".join(map(str, r["labels"])), r["count"], r["share"], r["example_items"]]
                           for r in report["confusions"]], empty="no two labels were given to one item")
    return reports.section("Confusions", heat, table,
                           note="share: items with both labels / items with either label")


def _annotator_section(report):
    parts = [reports.table(["annotator", "labels", "agreement with consensus"],
                           [[str(r["annotator"]), r["n_labels"], r["agreement_with_consensus"]]
                            for r in report["annotators"]], empty="no annotator")]
    ds = report.get("dawid_skene")
    if ds:
        classes = [str(c) for c in ds["classes"]]
        maps = [reports.heatmap(classes, classes, matrix, f"Dawid-Skene confusion of annotator {annotator}",
                                row_title="true class", col_title="reported class")
                for annotator, matrix in ds["confusion"].items()]
        parts.append(reports.key_values([("Dawid-Skene classes", classes), ("prior", ds["prior"]),
                                         ("log-likelihood", ds["log_likelihood"]),
                                         ("iterations", ds["n_iterations"])]))
        parts.append(reports.expandable(f"Dawid-Skene confusion matrices ({len(maps)} annotators)", *maps,
                                        open_=len(maps) <= 3))
    return reports.section("Annotators", *parts)


def _consensus_section(report):
    consensus = report["consensus"]
    rows = consensus if isinstance(consensus, list) else consensus["first_items"]
    note = "" if isinstance(consensus, list) else (
        f"showing {len(rows)} of {consensus['n_items']} items (the report file holds the first {len(rows)}); "
        f"all of them in {consensus['location'] or 'the consensus output'}")
    accounting = report["rows"]
    counts = reports.key_values([("rows in", accounting["rows_in"]), ("rows used", accounting["rows_used"]),
                                 ("rows dropped", accounting["rows_dropped"] or "none")])
    flags = reports.table(["flag", "items"], list(report["consensus_flags"].items()), empty="no item was flagged")
    items = reports.table(["item", "label", "confidence", "flags"],
                          [[r["item"], r["label"], r["confidence"], ", ".join(r["flags"])] for r in rows],
                          empty="no consensus item")
    return reports.section("Consensus", counts, flags, items, note=note)


def read_report(output_dir: str) -> dict:
    return reports.read_report(output_dir, REPORT_NAME)


def _examples_section(conflicts, errors):
    parts = []
    if conflicts:
        if conflicts.get("feature_kinds"):
            parts.append("<h3>Features from the schema</h3>"
                         + reports.key_values(conflicts["feature_kinds"].items()))
        parts.append("<h3>Near-identical inputs with different labels</h3>")
        parts.append(reports.table(["inputs (numeric: quantile bin [low, high))", "examples", "labels",
                                    "minority share", "example items"],
                                   [[reports.as_text(dict(sorted(g["key"].items())) if isinstance(g["key"], dict)
                                                     else g["key"]), g["n"], reports.as_text(g["labels"]),
                                     g["minority_share"], g["example_items"]] for g in conflicts["groups"]],
                                   empty="no conflicting group"))
    if errors:
        note = errors["skipped"] or f"{errors['n_flagged']} of {errors['n_sample']} sampled examples flagged"
        drops = ", ".join(f"{n} {reason}" for reason, n in sorted((errors.get("dropped") or {}).items()))
        note += f" (probabilities: {errors.get('probabilities')}; left out: {drops or 'none'})"
        parts.append("<h3>Suspected label errors (confident learning)</h3>")
        parts.append(f'<p class="muted">{reports.escape(note)}</p>')
        parts.append(reports.table(["item", "label", "suggested", "p(label)"],
                                   [[e["item"], e["label"], e["suggested"], e["p_label"]] for e in errors["flagged"]],
                                   empty="no example flagged"))
    return reports.section("Single-labelled examples: X->y conflicts and suspected label errors", *parts)


def write(output_dir: str, report: dict) -> tuple:
    return reports.write_report(output_dir, REPORT_NAME, report, render_html(report))
