"""slice_report.json (contract in docs/slice_error_analyzer.md) and its standalone HTML page."""
import dataclasses
from typing import List, Optional, Sequence

from tfx_dcai import reports
from tfx_dcai.slice_error_analyzer import significance
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.encoding import NUMERIC, FeatureEncoding

REPORT_NAME = "slice"  # files: slice_report.json, slice_report.html
REPORT_VERSION = 1
SIGNIFICANT = "SIGNIFICANT_SLICES"
NONE_SIGNIFICANT = "NO_SIGNIFICANT_SLICE"


def _feature_entry(encoding: FeatureEncoding) -> dict:
    entry = {"name": encoding.name, "kind": encoding.kind, "codes": encoding.domain}
    if encoding.kind == NUMERIC:
        entry["bin_edges"] = list(encoding.edges)
    else:
        entry["top_values"] = list(encoding.values)
    return entry


def build_report(analysis: Optional[dict], counts, encodings: Sequence[FeatureEncoding], config: SliceConfig,
                 notes: List[str], blessing: dict) -> dict:
    """The report dict; `analysis` is None when there was nothing to search (notes say why)."""
    is_rate = config.metric == "error_rate"
    n = counts.used
    value = counts.error_sum / n if n else None
    low, high = (significance.slice_interval(is_rate, n, counts.error_sum, counts.error_squares) if n
                 else (None, None))
    slices = analysis["slices"] if analysis else []
    significant = any(s["significant"] for s in slices)
    parameters = dataclasses.asdict(config)
    parameters["min_support"] = config.min_support_for(n)
    constant = [e.name for e in encodings if (e.edges if e.kind == NUMERIC else e.values[1:]) == ()]
    findings = [s["recommendation"] for s in slices if s["significant"]]
    if constant:
        notes = notes + [f"feature(s) with a single value cannot split the data: {', '.join(constant)}"]
    return {
        "report_version": REPORT_VERSION,
        "status": SIGNIFICANT if significant else NONE_SIGNIFICANT,
        "blessing": blessing,
        "overall": {"n": n, "metric": config.metric, "value": value, "ci_low": float(low) if n else None,
                    "ci_high": float(high) if n else None},
        "rows": {"read": counts.read, "used": counts.used, "dropped_missing_label": counts.dropped_missing_label,
                 "dropped_missing_prediction": counts.dropped_missing_prediction},
        "parameters": parameters,
        "features": [_feature_entry(e) for e in encodings],
        "n_evaluated": analysis["n_evaluated"] if analysis else 0,
        "n_pruned": analysis["n_pruned"] if analysis else 0,
        "n_significant": analysis["n_significant"] if analysis else 0,
        "slices": slices,
        "sliceline_top_k": analysis["sliceline_top_k"] if analysis else [],
        "findings": findings,
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
    summary = reports.table(["rows read", "rows used", "dropped (no label)", "dropped (no prediction)",
                             f"overall {metric}", "slices evaluated", "pruned unevaluated (BH p = 1)",
                             "significant (BH)"],
                            [[report["rows"]["read"], overall["n"], report["rows"]["dropped_missing_label"],
                              report["rows"]["dropped_missing_prediction"], overall["value"],
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
    ok = report["status"] != SIGNIFICANT
    value = "n/a" if overall["value"] is None else f"{overall['value']:.4g}"
    return reports.page("Slice error analysis", report["status"], ok, sections,
                        subtitle=f"{overall['n']} rows, {metric} = {value}; blessing: "
                                 f"{report['blessing'].get('reason', '')}")


def write(report: dict, output_dir: str):
    return reports.write_report(output_dir, REPORT_NAME, report, render_html(report))
