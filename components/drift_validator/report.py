"""drift_report.json (stable contract, see docs/drift_validator.md) and drift_report.html."""
import dataclasses
from typing import List, Optional

from tfx_dcai import configs, reports
from tfx_dcai.drift_validator.config import DriftConfig

REPORT_VERSION = 1
NO_DRIFT, DRIFT, NO_BASELINE, NO_LABELS = "NO_DRIFT", "DRIFT", "NO_BASELINE", "NO_LABELS"
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


def _concept_line(cd) -> Optional[str]:
    if not cd:
        return None
    if cd.get("status") == NO_LABELS:
        return f"concept drift cannot be checked: {cd['reason']}; fix the labelling (feedback) job"
    if not cd["drift"]:
        return None
    lo, hi = cd["difference_ci"]
    return (f"the model's {cd['metric']} went from {cd['baseline']:.3f} to {cd['current']:.3f} (95% CI of the "
            f"change [{lo:.3f}, {hi:.3f}]): retrain with the labelled feedback data")


def _estimate_lines(estimated) -> List[str]:
    lines = []
    for e in estimated or []:
        if not e["calibrated"]:
            lines.append(f"the estimated {e['metric']} ({e['value']:.3f}) cannot be trusted: on the baseline the "
                         f"model's probabilities are not calibrated (realized {e['baseline_realized']:.3f} outside "
                         f"[{e['baseline_ci'][0]:.3f}, {e['baseline_ci'][1]:.3f}]); recalibrate, or label a sample")
        elif e["ci_high"] < e["baseline_realized"] - 0.02:
            lines.append(f"estimated {e['metric']} without labels {e['value']:.3f} [{e['ci_low']:.3f}, "
                         f"{e['ci_high']:.3f}] is below the baseline's {e['baseline_realized']:.3f}: label a sample "
                         "of current data to confirm")
    return lines


def recommendations(features, schema_anomalies, multivariate, concept_drift, prediction_drift=None,
                    estimated_performance=None) -> List[str]:
    """One line per finding, saying what to do next."""
    lines = [feature_recommendation(e) for e in features if e["drift"]]
    lines += [f"fix the data or update the schema for {a['feature'] or 'the dataset'}: {a['description']}"
              for a in schema_anomalies]
    if multivariate and multivariate["drift"]:
        lines.append(f"the joint distribution shifted (domain classifier AUC {multivariate['auc']:.3f}, "
                     f"p={multivariate['p_value']:.2g}); start with {', '.join(multivariate['top_features'][:3])}")
    line = _concept_line(concept_drift)
    if line:
        lines.append(line)
    if prediction_drift and prediction_drift.get("drift"):
        lines.append(f"the model's outputs shifted ({prediction_drift['what']}: {prediction_drift['test']} "
                     f"p={prediction_drift['p_value']:.2g}, {prediction_drift['effect_size_measure']} "
                     f"{prediction_drift['effect_size']:.3g}): check the inputs that moved, label a sample")
    return lines + _estimate_lines(estimated_performance)


def blocking_findings(config: DriftConfig, features, schema_anomalies, multivariate, concept_drift,
                      prediction_drift=None) -> List[str]:
    """The finding kinds present that the policy says block. Concept drift without labels (NO_LABELS) counts as a
    concept-drift finding: a result computed from no usable data never passes."""
    kinds = []
    if any(e["drift"] for e in features) and config.blocks("feature_drift"):
        kinds.append("feature_drift")
    if schema_anomalies and config.blocks("schema_anomaly"):
        kinds.append("schema_anomaly")
    if multivariate and multivariate["drift"] and config.blocks("multivariate_drift"):
        kinds.append("multivariate_drift")
    concept_found = concept_drift and (concept_drift["drift"] or concept_drift.get("status") == NO_LABELS)
    if concept_found and config.blocks("concept_drift"):
        kinds.append("concept_drift")
    if prediction_drift and prediction_drift.get("drift") and config.blocks("prediction_drift"):
        kinds.append("prediction_drift")
    return kinds


def build_report(config: DriftConfig, features: List[dict], schema_anomalies: List[dict],
                 multivariate: Optional[dict] = None, concept_drift: Optional[dict] = None,
                 history: Optional[dict] = None, context: Optional[dict] = None,
                 baseline_available: bool = True, prediction_drift: Optional[dict] = None,
                 estimated_performance: Optional[list] = None) -> dict:
    """The report dict (docs/drift_validator.md: drift_report.json).

    Returns:
      The report; `status` is DRIFT when any drift (feature, multivariate, concept, prediction) was found, else
      NO_LABELS when concept drift had no usable label, else NO_DRIFT; NO_BASELINE without a baseline.
    """
    drifted = (any(e["drift"] for e in features) or (multivariate or {}).get("drift")
               or (concept_drift or {}).get("drift") or (prediction_drift or {}).get("drift"))
    if not baseline_available:
        status = NO_BASELINE
    elif drifted:
        status = DRIFT
    elif (concept_drift or {}).get("status") == NO_LABELS:
        status = NO_LABELS
    else:
        status = NO_DRIFT
    blocking = blocking_findings(config, features, schema_anomalies, multivariate, concept_drift, prediction_drift)
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
        "prediction_drift": prediction_drift,
        "estimated_performance": estimated_performance or [],
        "history": history or {"runs": [], "features": {}},
        "recommendations": recommendations(features, schema_anomalies, multivariate, concept_drift,
                                           prediction_drift, estimated_performance),
    }


_MEASURE_NAMES = {"scaled_wasserstein": "Wasserstein / sd", "l_infinity": "L-inf of shares"}


def _by_severity(features, config: Optional[DriftConfig] = None):
    """Drifted features first, then by effect size over its minimum (largest first); untested ones last."""
    def minimum(e):
        if config is None:
            return 1.0
        override = (config.feature_overrides.get(e["name"]) or {}).get("min_effect")
        default = config.min_numeric_effect if e["type"] == "numeric" else config.min_categorical_effect
        return (override if override is not None else default) or 1.0

    def key(e):
        effect = e.get("effect_size")
        effect = effect / minimum(e) if effect is not None and effect == effect else -1.0
        return (not e["drift"], e["status"] != "tested", -effect)
    return sorted(features, key=key)


def _findings(report, config):
    """The report's recommendations in the order to act on them: the model's drop in quality first, then
    features by effect over their minimum, schema anomalies, the joint distribution (the same lines as in the
    JSON, reordered)."""
    cd = report["concept_drift"]
    first = recommendations([], [], None, cd)
    rest = recommendations(_by_severity(report["features"], config), report["schema_anomalies"],
                           report["multivariate"], None, report.get("prediction_drift"),
                           report.get("estimated_performance"))
    lines = first + rest
    return lines if sorted(lines) == sorted(report["recommendations"]) else report["recommendations"]


def _features_table(features, config):
    headers = ["feature", "drift", "type", "test", "statistic", "p-value", "q-value", "effect", "effect measure",
               "n baseline", "n current", "status", "PSI", "JSD", "TFDV JSD", "TFDV L-inf"]
    rows = []
    for e in _by_severity(features, config):
        m, tfdv = e.get("measures") or {}, e.get("tfdv") or {}
        rows.append([e["name"], e["drift"], e["type"], e["test"], e["statistic"], e["p_value"], e["q_value"],
                     e["effect_size"], _MEASURE_NAMES.get(e.get("effect_size_measure"), e.get("effect_size_measure")),
                     e["n_baseline"], e["n_current"], e["status"], m.get("psi"), m.get("jsd"),
                     tfdv.get("jensen_shannon_divergence"), tfdv.get("l_infinity")])
    return reports.table(headers, rows, empty="no feature was compared")


def _effect_charts(features, config):
    charts = []
    for kind, measure, threshold in (("numeric", "scaled Wasserstein (baseline sd)", config.min_numeric_effect),
                                     ("categorical", "L-infinity of shares", config.min_categorical_effect)):
        tested = [e for e in _by_severity(features, config) if e["type"] == kind and e["status"] == "tested"]
        if tested:
            charts.append(reports.bar_chart([e["name"] for e in tested], [e["effect_size"] for e in tested],
                                            f"{kind} features: {measure} (red: drift)", threshold=threshold,
                                            bad=[e["drift"] for e in tested]))
    return charts


def _multivariate_section(mv):
    if not mv:
        return reports.section("Multivariate drift", reports.none_note("not computed: no examples were given"))
    summary = reports.table(["domain classifier AUC", "permutation p-value", "drift", "rows per side", "held out",
                             "permutations"],
                            [[mv["auc"], mv["p_value"], mv["drift"], mv.get("sample_size"), mv.get("held_out"),
                              mv.get("permutations")]], sortable=False)
    importance = mv.get("importance") or {}
    ranked = sorted(importance.items(), key=lambda kv: -kv[1])
    chart = reports.bar_chart([k for k, _ in ranked], [v for _, v in ranked],
                              "features driving the domain classifier (AUC drop when permuted)") if ranked else ""
    return reports.section("Multivariate drift", summary, chart,
                           reports.table(["feature", "AUC drop when permuted"], ranked, empty="no feature importance"),
                           note="A classifier told baseline rows from current rows; AUC 0.5 means indistinguishable."
                           + (f" Importance of the {len(ranked)} features with the largest split gain, of the "
                              f"{mv['features_used']} the classifier split on." if mv.get("features_used") else ""))


def _concept_section(cd):
    if not cd:
        return reports.section("Concept drift", reports.none_note("not computed: no model or labelled feedback"))
    if cd.get("status") == NO_LABELS:
        return reports.section("Concept drift", reports.findings_list([_concept_line(cd)]))
    parts = [reports.table(["metric", "primary", "baseline", "current", "change [95% CI]", "n baseline",
                            "n current", "drift"],
                           [[m["metric"], m["metric"] == cd["metric"], m["baseline"], m["current"],
                             reports.Interval(m["difference"], *m["difference_ci"]), cd.get("n_baseline"),
                             cd.get("n_current"), m["drift"]] for m in cd["metrics"]], sortable=False)]
    labels = cd.get("label_drift") or {}
    if labels.get("labels"):
        parts.append(reports.overlaid_distributions(
            labels["labels"], {"baseline": labels["baseline"], "current": labels["current"]},
            f"label distribution (chi-square p = {reports.format_number(labels['p_value'])})", x_label="label"))
    elif labels.get("p_value") is not None:
        parts.append(reports.table(["label test", "statistic", "p-value", "effect (baseline sd)"],
                                   [[labels["test"], labels["statistic"], labels["p_value"], labels["effect_size"]]],
                                   sortable=False))
    rates = cd.get("conditional_label_rates") or []
    regression = cd.get("task") == "regression"
    what = ["baseline mean", "current mean"] if regression else ["baseline rate", "current rate"]
    keys = ["baseline_mean", "current_mean"] if regression else ["baseline_rate", "current_rate"]
    parts.append(reports.table(["feature", "bin", "class"] + what + ["n baseline", "n current", "q-value", "changed"],
                               [[r["feature"], r["bin"], r.get("class"), r[keys[0]], r[keys[1]], r["n_baseline"],
                                 r["n_current"], r["q_value"], r["changed"]] for r in rates],
                               empty="no feature bin with enough rows on both sides for a conditional "
                                     + ("mean" if regression else "label rate")))
    return reports.section("Concept drift", *parts,
                           note=f"Task {cd.get('task')}; primary metric {cd['metric']} decides. A changed label rate "
                                "within a feature bin is a change of P(y|x), not covariate shift.")


def _prediction_section(pd):
    if not pd or pd.get("test") is None:
        return ""
    rows = [[pd["what"], pd["test"], pd["statistic"], pd["p_value"], pd["effect_size"], pd["effect_size_measure"],
             pd["min_effect"], pd["n_baseline"], pd["n_current"], pd["drift"]]]
    return reports.section("Prediction drift", reports.table(
        ["output", "test", "statistic", "p-value", "effect", "effect measure", "minimum", "n baseline", "n current",
         "drift"], rows, sortable=False), note="The distribution of the model's outputs, baseline vs current.")


def _estimate_section(estimated):
    if not estimated:
        return ""
    rows = [[e["metric"], e["value"], e["ci_low"], e["ci_high"], e["calibrated"], e["baseline_realized"],
             e["baseline_estimated"], e["n_current"]] for e in estimated]
    return reports.section("Estimated performance (no labels)", reports.table(
        ["metric", "estimate", "95% low", "95% high", "calibrated on baseline", "baseline realized",
         "baseline estimated", "n current"], rows, sortable=False),
        note="Confidence-based estimate from the model's probabilities (CBPE); trusted only when calibrated.")


HISTORY_SERIES = 6


def _history_section(history, features):
    runs = history.get("runs") or []
    if len(runs) < 2:
        return reports.section("History", reports.none_note("fewer than two runs recorded in ML Metadata"))
    effect = {e["name"]: (e.get("effect_size") or 0.0) for e in features}
    names = sorted(history["features"], key=lambda n: (-abs(effect.get(n, 0.0) or 0.0), n))[:HISTORY_SERIES]
    series = {name: history["features"][name] for name in names}
    shown = len(names)
    note = (f"the {shown} features with the largest effect in this run, of {len(history['features'])}; "
            "every feature's series is in drift_report.json (history.features)"
            if len(history["features"]) > shown else "")
    table = reports.table(["feature"] + [str(r) for r in runs],
                          [[name] + list(values) for name, values in sorted(history["features"].items())])
    return reports.section("History", reports.line_chart(runs, series, "effect size per run", "effect size"),
                           reports.expandable("effect size of every feature per run", table), note=note)


def _summary(report, config):
    features = report["features"]
    status = report["status"]
    tested = [e for e in features if e["status"] == "tested"]
    drifted = [e["name"] for e in _by_severity(features, config) if e["drift"]]
    mv, cd = report["multivariate"], report["concept_drift"]
    figures = []
    if status == NO_BASELINE:
        tone, line = "warn", "no baseline statistics, so nothing was compared; this never passes"
    else:
        figures.append(("features drifted", f"{len(drifted)} of {len(features)} ({len(tested)} tested)"))
        if status == DRIFT:
            tone = "bad" if not report["blessed"] else "warn"
            kinds = [k for k, on in (("features", drifted), ("joint distribution", (mv or {}).get("drift")),
                                     ("model quality", (cd or {}).get("drift"))) if on]
            line = "drift in " + ", ".join(kinds) + ("" if not report["blessed"] else " (policy: warn, not blocking)")
        else:
            tone = "ok" if report["blessed"] else "bad"
            line = "no drift found" + ("" if report["blessed"] else "; blocked by a schema anomaly")
    if report["schema_anomalies"]:
        figures.append(("schema anomalies", str(len(report["schema_anomalies"]))))
    if drifted:
        figures.append(("largest", ", ".join(drifted[:3]) + (" ..." if len(drifted) > 3 else "")))
    if mv:
        figures.append(("domain classifier AUC", f"{reports.format_number(mv['auc'])} "
                                                 f"(p = {reports.format_number(mv['p_value'])})"))
    if cd and cd.get("status") == NO_LABELS:
        figures.append(("model quality", "not checked: no usable label"))
    elif cd:
        lo, hi = cd["difference_ci"]
        change = reports.Interval(cd["current"] - cd["baseline"], lo, hi).text()
        figures.append((f"model {cd['metric']} change", change))
    figures.append(("blocking", ", ".join(report["blocking"]) or "nothing"))
    findings = _findings(report, config)
    first = findings[0] if findings else (
        "compute baseline statistics (e.g. of the training data) and run again" if status == NO_BASELINE else "")
    return reports.summary_block(status, tone, line, figures, first), tone


def render_html(report: dict) -> str:
    """The standalone HTML page of a drift report (inline CSS and SVG, every data value escaped).

    Args:
      report: the dict from `build_report` (or read back from drift_report.json).

    Returns:
      The HTML document.
    """
    features = report["features"]
    config = configs.from_dict(DriftConfig, report["config"], "drift report config")
    summary, tone = _summary(report, config)
    sections = [reports.section("Findings", reports.findings_list(_findings(report, config))),
                reports.section("Per-feature drift", *_effect_charts(features, config),
                                _features_table(features, config),
                                note=f"Drift = BH q-value <= {config.q} and effect >= the minimum "
                                     f"(numeric {config.min_numeric_effect}, categorical "
                                     f"{config.min_categorical_effect}). TFDV columns are TFDV's own comparators.")]
    drifted = [e for e in _by_severity(features, config) if e["drift"] and e["distribution"]]
    if drifted:
        blocks = []
        for k, e in enumerate(drifted):
            d = e["distribution"]
            blocks.append(reports.expandable(
                f"{e['name']} ({e['type']}, effect {reports.format_number(e['effect_size'])}, "
                f"q = {reports.format_number(e['q_value'])})",
                reports.findings_list([feature_recommendation(e)]),
                reports.overlaid_distributions(d["bins"], {"baseline": d["baseline"], "current": d["current"]},
                                               f"{e['name']}: baseline vs current", x_label=e["name"]),
                open_=k < 3))
        sections.append(reports.section("Drifted features", *blocks,
                                        note="shares of rows per bin (numeric: baseline quantile bins)"))
    anomalies = report["schema_anomalies"]
    sections.append(reports.section(
        "Schema anomalies", reports.table(["feature", "type", "description"],
                                          [[a["feature"] or "(dataset)", a["type"], a["description"]]
                                           for a in anomalies], wrap=["description"])))
    sections += [_multivariate_section(report["multivariate"]), _concept_section(report["concept_drift"]),
                 _prediction_section(report.get("prediction_drift")),
                 _estimate_section(report.get("estimated_performance")),
                 _history_section(report["history"], features),
                 reports.section("Settings", reports.key_values(sorted(report["config"].items()), exact=True))]
    sections = [s for s in sections if s]
    ctx = report.get("context", {})
    subtitle = (f"current {ctx.get('current', '?')} vs baseline {ctx.get('baseline', '?')}; environment "
                f"{config.environment}")
    return reports.page("Drift report", report["status"], tone == "ok", sections, subtitle=subtitle,
                        summary=summary, tone=tone)


def write(output_dir: str, report: dict):
    """Write drift_report.json and drift_report.html into `output_dir` (any filesystem, through artifact_io)."""
    return reports.write_report(output_dir, "drift", report, render_html(report))
