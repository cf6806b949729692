"""One Beam graph from record batches to the finished report: search, tests, diagnosis, verdict, files."""
from typing import Dict, Optional, Sequence

import apache_beam as beam

from tfx_dcai.slice_error_analyzer import analysis, report as report_lib, slicing_specs
from tfx_dcai.slice_error_analyzer.beam_search import Columns, RowCounts, search_slices
from tfx_dcai.slice_error_analyzer.config import SliceConfig

PASS, BLOCKED, NO_BASELINE = "PASS", "BLOCKED", "NO_BASELINE"


def verdict(slices, has_baseline: bool) -> dict:
    """BLOCKED when a reported slice is significantly worse than under the baseline model."""
    if not has_baseline:
        return {"verdict": NO_BASELINE, "reason": "no baseline model to compare with"}
    regressed = [s["description"] for s in slices if (s.get("baseline") or {}).get("regressed")]
    if regressed:
        return {"verdict": BLOCKED, "reason": f"{len(regressed)} slice(s) worse than the baseline model: "
                                              + "; ".join(regressed[:3])}
    return {"verdict": PASS, "reason": "no slice is significantly worse than under the baseline model"}


def _why_not_searched(counts: RowCounts, config: SliceConfig) -> Optional[str]:
    if counts.used == 0:
        return "no row has both a label and a prediction: nothing to analyse"
    if counts.used < config.min_support_for(counts.used):
        return (f"only {counts.used} usable rows, fewer than min_support={config.min_support_for(counts.used)}: "
                "no slice can be tested")
    if counts.error_sum <= 0:
        return f"{config.metric} is 0 on every row: the model makes no error, so no slice is worse"
    return None


def finish(state, encodings, counts: RowCounts, config: SliceConfig, has_baseline: bool,
           train_features: Optional[Dict], train_examples: int, label_report: Optional[dict]) -> dict:
    reason = _why_not_searched(counts, config)
    result = None
    if reason is None:
        params = analysis.AnalysisParams(config.metric, config.search_params(counts.used), config.q,
                                         config.ranking, config.max_slices, has_baseline)
        totals = analysis.Totals(counts.used, counts.error_sum)
        result = analysis.analyze(state, totals, counts.error_squares, encodings, params, train_features,
                                  train_examples, label_report)
    slices = result["slices"] if result else []
    return report_lib.build_report(result, counts, encodings, config, [reason] if reason else [],
                                   verdict(slices, has_baseline))


def write_outputs(report: dict, report_dir: str, specs_dir: Optional[str]) -> dict:
    report_lib.write(report, report_dir)
    if specs_dir:
        slicing_specs.write_specs(report, specs_dir)
    return report


@beam.ptransform_fn
def AnalyzeSlices(batches, config: SliceConfig, features: Sequence[str], report_dir: str,
                  specs_dir: Optional[str] = None, given_encodings: Optional[Dict] = None,
                  baseline_prediction: Optional[str] = None, categorical_ints: Sequence[str] = (),
                  train_features: Optional[Dict] = None, train_examples: int = 0,
                  label_report: Optional[dict] = None):
    """Record batches in; a singleton PCollection of the report dict out (files written to report_dir)."""
    columns = Columns(config.label, config.prediction, tuple(features), config.metric, baseline_prediction,
                      tuple(categorical_ints))
    found = search_slices(batches, columns, config, given_encodings)
    side = beam.pvalue.AsSingleton
    return (found.state
            | "Finish" >> beam.Map(finish, side(found.encodings), side(found.counts), config,
                                   baseline_prediction is not None, train_features, train_examples, label_report)
            | "WriteReport" >> beam.Map(write_outputs, report_dir, specs_dir))
