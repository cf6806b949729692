"""drift_report.json (stable contract, see docs/drift_validator.md) and drift_report.html."""
import dataclasses
from typing import List, Optional

from tfx_dcai import reports
from tfx_dcai.drift_validator.config import DriftConfig

REPORT_VERSION = 1
NO_DRIFT, DRIFT, NO_BASELINE = "NO_DRIFT", "DRIFT", "NO_BASELINE"
_STATUS_ADVICE = {
    "missing_in_current": "is absent from the current data: fix the producer upstream or drop it from the schema",
    "missing_in_baseline": "is new in the current data: add it to the schema and retrain if the model should use it",
    "type_changed": "changed type between baseline and current data: fix the producer or migrate the schema",
    "all_null_current": "has only missing values in the current data: check the pipeline that fills it",
    "all_null_baseline": "had only missing values in the baseline: the baseline cannot describe it, retrain",
}


def _largest_share_change(entry) -> str:
    dist = entry["distribution"]
    diffs = [(abs(c - b), label, b, c) for label, b, c in zip(dist["bins"], dist["baseline"], dist["current"])]
    _, label, b, c = max(diffs)
    return f"{label!s} went from {b:.1%} to {c:.1%}"


def feature_recommendation(entry) -> str:
    name = entry["name"]
    if entry["status"] != "tested":
        return f"feature {name} {_STATUS_ADVICE.get(entry['status'], entry['status'])}"
    evidence = (f"{entry['test']} {entry['statistic']:.3g}, q={entry['q_value']:.2g}, "
                f"n={entry['n_baseline']}/{entry['n_current']}")
    if entry["type"] == "numeric":
        m = entry["measures"]
        return (f"feature {name} shifted by {entry['effect_size']:.2f} baseline sd (mean {m['mean_baseline']:.4g} -> "
                f"{m['mean_current']:.4g}; {evidence}): check the source of the change, retrain on recent data if real")
    return (f"feature {name}: share of {_largest_share_change(entry)} ({evidence}): check the source of the change, "
            f"retrain on recent data if real")


def recommendations(features, schema_anomalies, multivariate, concept_drift) -> List[str]:
    lines = [feature_recommendation(e) for e in features if e["drift"]]
    lines += [f"fix the data or update the schema for {a['feature'] or 'the dataset'}: {a['description']}"
              for a in schema_anomalies]
    if multivariate and multivariate["drift"]:
        lines.append(f"the joint distribution shifted (domain classifier AUC {multivariate['auc']:.3f}, "
                     f"p={multivariate['p_value']:.2g}); start with {', '.join(multivariate['top_features'][:3])}")
    if concept_drift and concept_drift["drift"]:
        lo, hi = concept_drift["difference_ci"]
        lines.append(f"the model's {concept_drift['metric']} fell from {concept_drift['baseline']:.3f} to "
                     f"{concept_drift['current']:.3f} (95% CI of the change [{lo:.3f}, {hi:.3f}]): retrain with the "
                     f"labelled feedback data")
    return lines


def blocking_findings(config: DriftConfig, features, schema_anomalies, multivariate, concept_drift) -> List[str]:
    kinds = []
    if any(e["drift"] for e in features) and config.blocks("feature_drift"):
        kinds.append("feature_drift")
    if schema_anomalies and config.blocks("schema_anomaly"):
        kinds.append("schema_anomaly")
    if multivariate and multivariate["drift"] and config.blocks("multivariate_drift"):
        kinds.append("multivariate_drift")
    if concept_drift and concept_drift["drift"] and config.blocks("concept_drift"):
        kinds.append("concept_drift")
    return kinds


def build_report(config: DriftConfig, features: List[dict], schema_anomalies: List[dict],
                 multivariate: Optional[dict] = None, concept_drift: Optional[dict] = None,
                 history: Optional[dict] = None, context: Optional[dict] = None,
                 baseline_available: bool = True) -> dict:
    """The report dict; `status` is DRIFT when any drift (feature, multivariate, concept) was found."""
    if not baseline_available:
        status = NO_BASELINE
    elif any(e["drift"] for e in features) or (multivariate or {}).get("drift") or (concept_drift or {}).get("drift"):
        status = DRIFT
    else:
        status = NO_DRIFT
    blocking = blocking_findings(config, features, schema_anomalies, multivariate, concept_drift)
    return {
        "report_version": REPORT_VERSION,
        "status": status,
        "blessed": baseline_available and not blocking,
        "blocking": blocking,
        "context": context or {},
        "config": dataclasses.asdict(config),
        "features": features,
        "schema_anomalies": schema_anomalies,
        "multivariate": multivariate,
        "concept_drift": concept_drift,
        "history": history or {"runs": [], "features": {}},
        "recommendations": recommendations(features, schema_anomalies, multivariate, concept_drift),
    }


def _features_table(features):
    headers = ["feature", "type", "test", "statistic", "p-value", "q-value", "effect", "effect measure",
               "n baseline", "n current", "drift", "status", "PSI", "JSD", "TFDV JSD", "TFDV L-inf"]
    rows = []
    for e in features:
        m, tfdv = e["measures"], e.get("tfdv") or {}
        rows.append([e["name"], e["type"], e["test"], e["statistic"], e["p_value"], e["q_value"], e["effect_size"],
                     e["effect_size_measure"], e["n_baseline"], e["n_current"], e["drift"], e["status"],
                     m.get("psi"), m.get("jsd"), tfdv.get("jensen_shannon_divergence"), tfdv.get("l_infinity")])
    return reports.table(headers, rows)


def _effect_charts(features, config):
    charts = []
    for kind, measure, threshold in (("numeric", "scaled Wasserstein (baseline sd)", config.min_numeric_effect),
                                     ("categorical", "L-infinity of shares", config.min_categorical_effect)):
        tested = [e for e in features if e["type"] == kind and e["status"] == "tested"]
        if tested:
            charts.append(reports.bar_chart([e["name"] for e in tested], [e["effect_size"] for e in tested],
                                            f"{kind} features: {measure}", threshold=threshold,
                                            bad=[e["drift"] for e in tested]))
    return charts


def _multivariate_section(mv):
    if not mv:
        return reports.section("Multivariate drift", "<p class=\"muted\">Not computed: no examples were given.</p>")
    summary = reports.table(["AUC", "p-value", "drift", "rows per side"],
                            [[mv["auc"], mv["p_value"], mv["drift"], mv.get("sample_size")]], sortable=False)
    chart = reports.bar_chart(list(mv["importance"]), list(mv["importance"].values()),
                              "features driving the domain classifier (AUC drop when permuted)")
    return reports.section("Multivariate drift", summary, chart,
                           note="A classifier told baseline rows from current rows; AUC 0.5 means indistinguishable.")


def _concept_section(cd):
    if not cd:
        return reports.section("Concept drift", "<p class=\"muted\">Not computed: no model/labelled feedback.</p>")
    lo, hi = cd["difference_ci"]
    parts = [reports.table(["metric", "baseline", "current", "difference", "95% CI low", "95% CI high", "drift"],
                           [[cd["metric"], cd["baseline"], cd["current"], cd["current"] - cd["baseline"], lo, hi,
                             cd["drift"]]], sortable=False)]
    prior = cd.get("label_prior")
    if prior:
        parts.append(reports.overlaid_distributions(prior["labels"], {"baseline": prior["baseline"],
                                                                      "current": prior["current"]},
                                                    f"label prior (chi-square p={prior['p_value']:.2g})"))
    rates = cd.get("conditional_label_rates") or []
    if rates:
        parts.append(reports.table(["feature", "bin", "baseline rate", "current rate", "n baseline", "n current",
                                    "q-value", "changed"],
                                   [[r["feature"], r["bin"], r["baseline_rate"], r["current_rate"], r["n_baseline"],
                                     r["n_current"], r["q_value"], r["changed"]] for r in rates]))
    return reports.section("Concept drift", *parts,
                           note="A changed label rate within a feature bin is a change of P(y|x), not covariate shift.")


def _history_section(history):
    runs = history.get("runs") or []
    if len(runs) < 2:
        return reports.section("History", "<p class=\"muted\">Fewer than two runs recorded in MLMD.</p>")
    series = {name: values for name, values in sorted(history["features"].items())[:6]}
    return reports.section("History", reports.line_chart(runs, series, "effect size per run", "effect size"))


def render_html(report: dict) -> str:
    features = report["features"]
    config = DriftConfig(**report["config"])
    sections = [reports.section("Findings", reports.findings_list(report["recommendations"])),
                reports.section("Per-feature drift", *_effect_charts(features, config), _features_table(features),
                                note=f"Drift = BH q-value <= {config.q} and effect >= the minimum "
                                     f"(numeric {config.min_numeric_effect}, categorical "
                                     f"{config.min_categorical_effect}). TFDV columns are TFDV's own comparators.")]
    for e in features:
        if e["drift"] and e["distribution"]:
            d = e["distribution"]
            sections.append(reports.section(
                f"Drifted feature: {e['name']}",
                reports.overlaid_distributions(d["bins"], {"baseline": d["baseline"], "current": d["current"]},
                                               f"{e['name']}: baseline vs current", x_label=e["name"]),
                reports.findings_list([feature_recommendation(e)])))
    anomalies = report["schema_anomalies"]
    sections.append(reports.section(
        "Schema anomalies", reports.table(["feature", "type", "description"],
                                          [[a["feature"], a["type"], a["description"]] for a in anomalies])
        if anomalies else "<p class=\"muted\">None.</p>"))
    sections += [_multivariate_section(report["multivariate"]), _concept_section(report["concept_drift"]),
                 _history_section(report["history"])]
    ctx = report.get("context", {})
    subtitle = (f"current {ctx.get('current', '?')} vs baseline {ctx.get('baseline', '?')}; environment "
                f"{config.environment}; blocking: {', '.join(report['blocking']) or 'nothing'}")
    return reports.page("Drift report", report["status"], report["status"] == NO_DRIFT and report["blessed"],
                        sections, subtitle=subtitle)


def write(output_dir: str, report: dict):
    return reports.write_report(output_dir, "drift", report, render_html(report))
