"""slice_report.json (the contract in docs/slice_error_analyzer.md) and its standalone HTML page."""
from typing import List

from tfx_dcai import configs, reports
from tfx_dcai.slice_error_analyzer import row_losses, significance, slice_metrics
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.encoding import NUMERIC

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
    return [[rank, s["description"], s["level"], s["size"], s["metric_value"], s["ci_low"], s["ci_high"],
             s["excess_errors"], s["score"], s["p_value"], s["q_value"], s["significant"],
             (s.get("baseline") or {}).get("regressed"), s["recommendation"]] for rank, s in enumerate(slices, 1)]


def render_html(report: dict) -> str:
    overall = report["overall"]
    metric = overall["metric"]
    slices = report["slices"]
    points = [(s["size"], s["metric_value"], s["ci_low"], s["ci_high"], s["description"], s["significant"])
              for s in slices]
    prediction = report.get("prediction") or {}
    summary = reports.table(["rows read", "rows used", "dropped (by reason)", "task", f"overall {metric}",
                             "slices evaluated", "pruned unevaluated (BH p = 1)", "significant (BH)"],
                            [[report["rows"]["read"], overall["n"],
                              ", ".join(f"{k}: {v}" for k, v in report["rows"].get("dropped", {}).items()) or "none",
                              prediction.get("task", ""), overall["value"],
                              report["n_evaluated"], report["n_pruned"], report["n_significant"]]],
                            sortable=False)
    sections = [
        reports.section("Summary", summary, reports.findings_list(report["notes"]) if report["notes"] else ""),
        reports.section("What to do", reports.findings_list(report["findings"])),
        reports.section(f"{metric} vs slice size", reports.interval_scatter(
            points, f"{metric} per reported slice (95% CI); red: significant", "slice size", metric,
            reference=overall["value"])),
        reports.section("Slices", reports.table(
            ["rank", "slice", "level", "size", metric, "CI low", "CI high", "excess errors", "SliceLine score",
             "p", "q (BH)", "significant", "regressed vs baseline", "recommendation"], _slice_rows(slices)),
            note="Click a header to sort. A child slice is listed only if significantly worse than each parent."),
        reports.section("SliceLine top-k (raw)", reports.table(
            ["score", "slice", "size", "error sum", "max error"],
            [[t["score"], " and ".join(f"{p['feature']} {p['op']} {p['value']}" for p in t["predicates"]),
              t["size"], t["error_sum"], t["max_error"]] for t in report["sliceline_top_k"]])),
        reports.section("Features", reports.table(
            ["feature", "kind", "codes", "bins / top values"],
            [[f["name"], f["kind"], f["codes"], str(f.get("bin_edges", f.get("top_values")))]
             for f in report["features"]])),
        reports.section("Parameters", reports.table(["parameter", "value"],
                                                    [[k, str(v)] for k, v in report["parameters"].items()])),
    ]
    if report.get("selection"):
        selection = report["selection"]
        sections.insert(2, reports.section("Rows chosen from the pool", reports.table(
            ["slice", "pool rows in slice", "allocated", "chosen"],
            [[s["slice"], s["available"], s["allocated"], s["chosen"]] for s in selection["per_slice"]]),
            note=f"{selection['chosen']} of a budget of {selection['budget']} rows; {selection['rule']}"))
    ok = report["status"] != SIGNIFICANT
    value = "n/a" if overall["value"] is None else f"{overall['value']:.4g}"
    return reports.page("Slice error analysis", report["status"], ok, sections,
                        subtitle=f"{overall['n']} rows, {metric} = {value}; blessing: "
                                 f"{report['blessing'].get('reason', '')}")


def write(report: dict, output_dir: str):
    """Write slice_report.json and slice_report.html into `output_dir` (any filesystem)."""
    return reports.write_report(output_dir, REPORT_NAME, report, render_html(report))
