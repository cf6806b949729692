"""slice_report.json (the contract in docs/slice_error_analyzer.md) and its standalone HTML page."""
from typing import List

from tfx_dcai import configs, reports
from tfx_dcai.slice_error_analyzer import row_losses, significance, slice_metrics
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.encoding import NUMERIC, describe

REPORT_NAME = "slice"  # files: slice_report.json, slice_report.html
REPORT_VERSION = 2
SIGNIFICANT = "SIGNIFICANT_SLICES"
NONE_SIGNIFICANT = "NO_SIGNIFICANT_SLICE"


def build_report(slices: List[dict], search: dict, counts, setup, config: SliceConfig, notes: List[str],
                 blessing: dict) -> dict:
    """The report dict.

    Args:
      slices: the listed slices (analysis.analyze).
      search: n_evaluated, n_pruned, n_significant, n_not_tested, sliceline_top_k.
      counts: the row_losses.RowCounts of the analysed rows.
      setup: the passes.Setup (encodings, PredictionSpec, notes).
      config: the SliceConfig.
      notes: remarks (why a result is empty, features left out, constant features).
      blessing: {verdict, reason}.

    Returns:
      The report dict (report_version 2).
    """
    spec, encodings = setup.spec, setup.encodings
    metric, is_rate = spec.metric, slice_metrics.is_rate(spec.metric)
    n = counts.used
    low, high = significance.slice_interval(is_rate, n, counts.loss_sum, counts.loss_squares)
    low, high = slice_metrics.shown_interval(metric, float(low), float(high))
    significant = any(s["significant"] for s in slices)
    parameters = configs.to_dict(config)
    parameters["min_support"] = config.min_support_for(n)
    constant = [e.name for e in encodings if (e.edges if e.kind == NUMERIC else e.values[1:]) == ()]
    if constant:
        notes = notes + [f"feature(s) with a single value cannot split the data: {', '.join(constant)}"]
    prediction = spec.report_entry()
    return {
        "report_version": REPORT_VERSION,
        "status": SIGNIFICANT if significant else NONE_SIGNIFICANT,
        "blessing": blessing,
        "task": spec.task,
        "prediction": prediction,
        "overall": {"n": n, "metric": metric, "value": slice_metrics.shown_value(metric, counts.loss_sum / n),
                    "ci_low": low, "ci_high": high},
        "rows": {"read": counts.read, "used": counts.used, **row_losses.dropped_legacy(counts),
                 "dropped": dict(sorted(counts.dropped.items()))},
        "parameters": parameters,
        "features": [e.to_entry() for e in encodings],
        **{key: search[key] for key in ("n_evaluated", "n_pruned", "n_significant", "n_not_tested")},
        "slices": slices,
        "sliceline_top_k": search["sliceline_top_k"],
        "findings": [s["recommendation"] for s in slices if s["significant"]],
        "notes": notes,
    }


def _slice_rows(slices):
    return [[rank, reports.Text(s["description"], note=s["recommendation"]), s["level"], s["size"],
             reports.Interval(s["metric_value"], s["ci_low"], s["ci_high"]), s["excess_errors"], s["score"],
             s["p_value"], s["q_value"], s["significant"], (s.get("baseline") or {}).get("regressed")]
            for rank, s in enumerate(slices, 1)]


def _predicates(predicates) -> str:
    return " and ".join(describe(p) for p in predicates)  # the same text as each slice's description


def _summary(report):
    overall, metric = report["overall"], report["overall"]["metric"]
    significant = [s for s in report["slices"] if s["significant"]]
    verdict = (report.get("blessing") or {}).get("verdict", "")
    if report["status"] == SIGNIFICANT:
        tone = "bad"
        line = f"{len(significant)} slice(s) where the model is significantly worse than overall"
    elif overall["n"]:
        tone = "ok"
        line = "no slice is significantly worse than overall"
    else:
        tone = "warn"
        line = "no usable rows: nothing was searched"
    used = f"{reports.format_number(overall['n'])} of {reports.format_number(report['rows']['read'])}"
    figures = [("rows used", used),
               (f"overall {metric}", reports.Interval(overall["value"], overall["ci_low"], overall["ci_high"]).text()),
               ("slices evaluated", report["n_evaluated"]), ("significant (BH)", report["n_significant"])]
    if significant:
        worst = significant[0]
        figures.append(("worst", f"{worst['description']}: "
                                 f"{reports.Interval(worst['metric_value'], worst['ci_low'], worst['ci_high']).text()}"
                                 f", n = {reports.format_number(worst['size'])}"))
    if verdict:
        reason = (report.get("blessing") or {}).get("reason", "")
        figures.append(("blessing", f"{verdict} ({reason})" if reason else verdict))
    first = report["findings"][0] if report["findings"] else ""
    return reports.summary_block(report["status"], tone, line, figures, first), tone


def render_html(report: dict) -> str:
    """The standalone HTML page of a slice report (every value escaped).

    Args:
      report: the dict from `build_report` (or read back from slice_report.json).

    Returns:
      The HTML document.
    """
    overall = report["overall"]
    metric = overall["metric"]
    slices = report["slices"]
    points = [(s["size"], s["metric_value"], s["ci_low"], s["ci_high"], s["description"], s["significant"])
              for s in slices]
    summary, tone = _summary(report)
    rows = report["rows"]
    prediction = report.get("prediction") or {}
    counts = reports.key_values([
        ("rows read", rows["read"]), ("rows used", overall["n"]),
        ("dropped (by reason)", ", ".join(f"{k}: {v}" for k, v in rows.get("dropped", {}).items()) or "none"),
        ("task", prediction.get("task", "")),
        (f"overall {metric} [95% CI]",
         reports.Interval(overall["value"], overall["ci_low"], overall["ci_high"]).text()),
        ("slices evaluated", report["n_evaluated"]), ("pruned unevaluated (BH p = 1)", report["n_pruned"]),
        ("significant (BH)", report["n_significant"]),
        ("blessing", ": ".join(str(v) for v in (report.get("blessing") or {}).values()) or "n/a")])
    sections = [
        reports.section("What to do", reports.findings_list(report["findings"],
                                                            empty="nothing: no slice is significantly worse")),
        reports.section("Summary", counts, reports.findings_list(report["notes"]) if report["notes"] else ""),
        reports.section(f"{metric} vs slice size", reports.interval_scatter(
            points, f"{metric} per reported slice (95% CI); red: significant", "slice size", metric,
            reference=overall["value"])),
        reports.section("Slices", reports.table(
            ["rank", "slice (and what to do)", "level", "size", f"{metric} [95% CI]", "excess errors",
             "SliceLine score", "p", "q (BH)", "significant", "regressed vs baseline"], _slice_rows(slices),
            empty="no slice to report"),
            note="A child slice is listed only if significantly worse than each parent."),
        reports.section("SliceLine top-k (raw)", reports.table(
            ["score", "slice", "size", "error sum", "max error"],
            [[t["score"], _predicates(t["predicates"]), t["size"], t["error_sum"], t["max_error"]]
             for t in report["sliceline_top_k"]], empty="SliceLine found no slice")),
        reports.section("Features", reports.table(
            ["feature", "kind", "codes", "bins / top values"],
            [[f["name"], f["kind"], f["codes"], reports.as_text(f.get("bin_edges", f.get("top_values")))]
             for f in report["features"]], empty="no feature to slice on")),
        reports.section("Parameters", reports.key_values(report["parameters"].items(), exact=True)),
    ]
    if report.get("selection"):
        selection = report["selection"]
        sections.insert(2, reports.section("Rows chosen from the pool", reports.table(
            ["slice", "pool rows in slice", "allocated", "chosen"],
            [[s["slice"], s["available"], s["allocated"], s["chosen"]] for s in selection["per_slice"]],
            empty="no pool row fell in a significant slice"),
            note=f"{selection['chosen']} of a budget of {selection['budget']} rows; {selection['rule']}"))
    value = reports.format_number(overall["value"])
    return reports.page("Slice error analysis", report["status"], tone == "ok", sections,
                        subtitle=f"{reports.format_number(overall['n'])} rows, {metric} = {value}",
                        summary=summary, tone=tone)


def write(report: dict, output_dir: str):
    """Write slice_report.json and slice_report.html into `output_dir` (any filesystem)."""
    return reports.write_report(output_dir, REPORT_NAME, report, render_html(report))
