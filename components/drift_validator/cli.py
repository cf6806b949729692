"""`dcai drift`: compare current data with a baseline from files.

The same computation as the DriftValidator component: each file's record batches go through beam_drift.DriftSide
(with TFDV statistics, since files have none), then analysis.analyze. When the current data has labels (the label
column holds at least one value) and predictions (`--model` or `--prediction-column`), it is also the labelled
feedback of concept drift, compared with the baseline file's rows; without a label column it gets the estimated
performance instead. Outcome: 0 no blocking finding, 1 a blocking finding, 2 bad input (tfx_dcai.command).
"""
import argparse
import os

CLI_QUANTILE_BUCKETS = 100  # finer TFDV quantiles than StatisticsGen's default 10: tighter KS bounds
OUTPUT_FILES = ("drift_report.json", "drift_report.html")
EXAMPLES = """\
  dcai drift --baseline train.csv --current serving.csv --output-dir out
  dcai drift --baseline train/ --current feedback/ --label-column big_tipper --model serving_model/ \\
      --schema schema.pbtxt --output-dir out
  dcai drift --baseline train.csv --current serving.csv --label-column species --prediction-column P \\
      --output-dir out     # P_<class> probability columns; serving without labels: estimated performance
  dcai drift --baseline a.csv --current b.csv --config '{"q": 0.01}' --min-numeric-effect 0.2 --output-dir out"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `dcai drift` (the DriftConfig fields' flags are generated from the config)."""
    from tfx_dcai import configs
    from tfx_dcai.drift_validator.config import DriftConfig

    parser.add_argument("--baseline", required=True,
                        help="training data: a CSV file or a directory of CSV/TFRecord files")
    parser.add_argument("--current", required=True, help="serving or feedback data, same formats")
    parser.add_argument("--schema", help="a schema.pbtxt; enables schema anomalies and environments (default: none)")
    parser.add_argument("--model", help="SavedModel dir whose serving_default signature takes serialized tf.Examples "
                                        "(concept drift, prediction drift, estimated performance; default: none)")
    parser.add_argument("--config", help="a DriftConfig as JSON text or a .json file; the flags below override its "
                                         "fields (default: the defaults shown)")
    parser.add_argument("--output-dir", required=True, help="where drift_report.json/.html are written")
    configs.add_arguments(parser.add_argument_group("drift settings (DriftConfig fields)"), DriftConfig)


def _config(args):
    from tfx_dcai import artifact_io, configs
    from tfx_dcai.drift_validator.config import DriftConfig

    text = args.config or ""
    if text.endswith(".json"):
        if not artifact_io.exists(text):
            from tfx_dcai.errors import InputError
            raise InputError(f"--config {text}: no such file")
        text = artifact_io.read_text(text)
    return configs.from_args(DriftConfig, args, DriftConfig.from_json(text), "--config / drift flags")


def _read_sides(paths, scratch_dir, config, beam_args, raw_records: bool = False):
    """One Beam pipeline reads each file once into DriftSide: ({side: statistics}, {side: sample}). With
    `raw_records`, TFRecord rows keep their serialized tf.Example (a model scores the records as read)."""
    import tensorflow_data_validation as tfdv

    from tfx_dcai.beam_options import make_pipeline
    from tfx_dcai.beam_progress import row_progress
    from tfx_dcai.data_io import read_record_batches
    from tfx_dcai.drift_validator import beam_drift
    from tfx_dcai.model_scoring import RAW_RECORD_COLUMN

    options = tfdv.StatsOptions(num_quantiles_histogram_buckets=CLI_QUANTILE_BUCKETS)
    with make_pipeline(beam_args) as pipeline:
        for side, path in paths.items():
            raw = RAW_RECORD_COLUMN if raw_records else None
            _ = (read_record_batches(pipeline, path, side, raw_record_column=raw)
                 | f"Progress[{side}]" >> row_progress(f"reading {side} {path}")
                 | beam_drift.DriftSide(side, scratch_dir, config.sample_size, options))
    stats, samples = {}, {}
    for side in paths:
        samples[side], stats[side] = beam_drift.read_side(scratch_dir, side, with_statistics=True)
    return stats, samples


def run(args, beam_args=None):
    """`dcai drift` (see the module docstring).

    Args:
      args: the parsed flags (add_arguments).
      beam_args: Beam pipeline args (None: in this process).

    Returns:
      A tfx_dcai.command.Outcome.

    Raises:
      DriftInputError: bad input (exit 2), with one line naming the file, column or value.
    """
    from tfx_dcai import artifact_io, command
    from tfx_dcai.drift_validator import report as drift_report
    from tfx_dcai.drift_validator.analysis import DriftInputError, DriftInputs, analyze, score_samples
    from tfx_dcai.schema_io import read_schema_file

    for flag, path in (("--baseline", args.baseline), ("--current", args.current), ("--model", args.model),
                       ("--schema", args.schema)):
        if path and "://" not in path and not os.path.exists(path):
            raise DriftInputError(f"{flag} {path}: no such file or directory")
    config = _config(args)
    schema = read_schema_file(args.schema) if args.schema else None
    command.check_output_dir(args.output_dir, (args.baseline, args.current, args.model))
    with artifact_io.staged_output_dir(args.output_dir, OUTPUT_FILES) as staging:
        scratch = os.path.join(staging, ".scratch")
        artifact_io.makedirs(scratch)
        try:
            stats, samples = _read_sides({"baseline": args.baseline, "current": args.current}, scratch, config,
                                         beam_args, raw_records=bool(args.model))
        finally:
            artifact_io.rmtree(scratch)
        for side, path in (("baseline", args.baseline), ("current", args.current)):
            if stats[side].num_examples == 0:
                raise DriftInputError(f"--{side} {path} holds 0 rows: nothing to compare"
                                      + (" with (status NO_BASELINE)" if side == "baseline" else ""))
        predictions = bool(args.model or config.prediction_key)
        if config.label_key and predictions:
            if config.label_key not in samples["baseline"]["table"].column_names:
                raise DriftInputError(f"--baseline {args.baseline}: no label column {config.label_key!r} (concept "
                                      "drift and estimated performance compare the model on the labelled baseline)")
            samples["evaluation"] = samples["baseline"]
            if config.label_key in samples["current"]["table"].column_names:
                samples["feedback"] = samples["current"]  # labelled current data (NO_LABELS when every label is empty)
        elif predictions:
            raise DriftInputError("--model / --prediction-column need --label-column (the baseline's labels)")
        model_outputs = {}
        if args.model and config.label_key:
            sides = ("evaluation", "feedback") if "feedback" in samples else ("evaluation", "current")
            model_outputs = score_samples(samples, args.model, config.output_key, sides)
        inputs = DriftInputs(current=stats["current"], baseline=stats["baseline"], schema=schema, samples=samples,
                             model_outputs=model_outputs, context={"current": args.current, "baseline": args.baseline})
        command.progress("comparing %s features", f"{len(stats['current'].features):,}")
        report = analyze(inputs, config).report
        drift_report.write(staging, report)
    return _outcome(report, args.output_dir)


def _outcome(report: dict, output_dir: str):
    from tfx_dcai import command

    drifted = [f["name"] for f in report["features"] if f["drift"]]
    shown = ", ".join(drifted[:5]) + (f", ... ({len(drifted) - 5} more)" if len(drifted) > 5 else "")
    parts = [f"{len(drifted)} of {len(report['features'])} features drifted{' (' + shown + ')' if drifted else ''}",
             f"{len(report['schema_anomalies'])} schema anomalies"]
    concept = report.get("concept_drift")
    if concept:
        parts.append(f"concept drift: {concept.get('status')}" + (
            f" ({concept['metric']} {concept['baseline']:.3f} -> {concept['current']:.3f})"
            if concept.get("metric") else ""))
    for estimate in report.get("estimated_performance") or []:
        parts.append(f"estimated {estimate['metric']} {estimate['value']:.3f} [{estimate['ci_low']:.3f}, "
                     f"{estimate['ci_high']:.3f}]{'' if estimate['calibrated'] else ' (not calibrated)'}")
    parts.append(f"blocking: {', '.join(report['blocking']) or 'none'}")
    return command.Outcome(
        status=report["status"], blocking=bool(report["blocking"]), summary="; ".join(parts),
        figures={"drifted_features": drifted, "features": len(report["features"]),
                 "schema_anomalies": len(report["schema_anomalies"]), "blocking": report["blocking"],
                 "concept_drift": (concept or {}).get("status"),
                 "estimated_performance": report.get("estimated_performance") or []},
        reports={"json": os.path.join(output_dir, OUTPUT_FILES[0]), "html": os.path.join(output_dir, OUTPUT_FILES[1])},
        next_step=(report["recommendations"] or [""])[0])
