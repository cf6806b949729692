"""`dcai drift`: compare current data with a baseline from files. Runs the same computation as the DriftValidator
component (validation.validate). Outcome: 0 no blocking drift, 1 a blocking finding, 2 bad input (tfx_dcai.command).
"""
import argparse
import os

CLI_QUANTILE_BUCKETS = 100  # finer TFDV quantiles than StatisticsGen's default 10: tighter KS bounds
OUTPUT_FILES = ("drift_report.json", "drift_report.html")
EXAMPLES = """\
  dcai drift --baseline train.csv --current serving.csv --output-dir out
  dcai drift --baseline train/ --current feedback/ --label-column big_tipper --model serving_model/ \\
      --schema schema.pbtxt --output-dir out
  dcai drift --baseline a.csv --current b.csv --config '{"q": 0.01}' --min-numeric-effect 0.2 --output-dir out"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tfx_dcai import configs
    from tfx_dcai.drift_validator.config import DriftConfig

    parser.add_argument("--baseline", required=True, help="training data: a CSV file or a directory of CSV/TFRecord files")
    parser.add_argument("--current", required=True, help="serving or feedback data, same formats")
    parser.add_argument("--schema", help="a schema.pbtxt; enables schema anomalies and environments (default: none)")
    parser.add_argument("--model", help="SavedModel dir whose serving_default signature takes serialized tf.Examples "
                                        "(concept drift; default: none)")
    parser.add_argument("--config", help="a DriftConfig as JSON text or a .json file; the flags below override its "
                                         "fields (default: the defaults shown)")
    parser.add_argument("--output-dir", required=True, help="where drift_report.json/.html are written")
    configs.add_arguments(parser.add_argument_group("drift settings (DriftConfig fields)"), DriftConfig)


def _config(args):
    from tfx_dcai import artifact_io, configs
    from tfx_dcai.drift_validator.config import DriftConfig
    text = args.config or ""
    if text.endswith(".json"):
        text = artifact_io.read_text(text)
    return configs.from_args(DriftConfig, args, DriftConfig.from_json(text), "--config / drift flags")


def _statistics_and_samples(paths, scratch_dir, config, beam_args=None):
    """One Beam pipeline reads each input once: TFDV statistics of every row (combinable sketches) and the bounded
    sample for multivariate and concept drift. Returns ({side: statistics}, {side: sample})."""
    import apache_beam as beam
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import statistics_pb2
    from tfx_dcai import artifact_io
    from tfx_dcai.beam_progress import row_progress
    from tfx_dcai.data_io import read_record_batches
    from tfx_dcai.drift_validator.tabular import to_list_columns
    from tfx_dcai.drift_validator.validation import add_sample, read_samples
    from tfx_dcai.beam_options import make_pipeline
    options = tfdv.StatsOptions(num_quantiles_histogram_buckets=CLI_QUANTILE_BUCKETS)
    files = {side: os.path.join(scratch_dir, f"{side}_statistics.pb") for side in paths}
    scratch = os.path.join(scratch_dir, "samples")
    artifact_io.makedirs(scratch)
    try:
        with make_pipeline(beam_args) as pipeline:
            samples = {}
            for side, path in paths.items():
                batches = (read_record_batches(pipeline, path, side)
                           | f"Progress[{side}]" >> row_progress(f"reading {side} {path}"))
                _ = (batches | f"ListColumns[{side}]" >> beam.Map(to_list_columns)
                     | f"Stats[{side}]" >> tfdv.GenerateStatistics(options)
                     | f"Write[{side}]" >> beam.Map(_write_bytes, files[side]))
                samples[side] = add_sample(batches, side, config, scratch)
        samples = read_samples(samples)
    finally:
        artifact_io.rmtree(scratch)
    stats = {}
    for side, file in files.items():
        stats[side] = statistics_pb2.DatasetFeatureStatisticsList.FromString(artifact_io.read_bytes(file)).datasets[0]
    return stats, samples


def _write_bytes(stats, path):
    """Inside Beam: write a statistics proto where the driver reads it after the pipeline (any Beam filesystem)."""
    from apache_beam.io.filesystems import FileSystems
    with FileSystems.create(path) as f:
        f.write(stats.SerializeToString())


def run(args, beam_args=None):
    """`dcai drift` (see the module docstring).

    Args:
      args: the parsed flags (add_arguments).
      beam_args: Beam pipeline args (None: in this process).

    Returns:
      A tfx_dcai.command.Outcome.
    """
    from tfx_dcai import artifact_io, command
    from tfx_dcai.drift_validator import report as drift_report
    from tfx_dcai.drift_validator.validation import DriftInputError, DriftInputs, validate
    from tfx_dcai.schema_io import read_schema_file
    for flag, path in (("--baseline", args.baseline), ("--current", args.current), ("--model", args.model)):
        if path and "://" not in path and not os.path.exists(path):
            raise DriftInputError(f"{flag} {path}: no such file or directory")
    config = _config(args)
    command.check_output_dir(args.output_dir, (args.baseline, args.current, args.model))
    with artifact_io.staged_output_dir(args.output_dir, OUTPUT_FILES) as staging:
        stats, samples = _statistics_and_samples({"baseline": args.baseline, "current": args.current}, staging,
                                                 config, beam_args)
        for name in ("baseline_statistics.pb", "current_statistics.pb"):
            artifact_io.remove(os.path.join(staging, name))
        if config.label_key and (args.model or config.prediction_key):  # concept drift: the same files, labelled
            samples.update(feedback=samples["current"], evaluation=samples["baseline"])
        inputs = DriftInputs(current=stats["current"], baseline=stats["baseline"],
                             schema=read_schema_file(args.schema) if args.schema else None, model_dir=args.model,
                             samples=samples, context={"current": args.current, "baseline": args.baseline})
        command.progress("comparing %s features", f"{len(stats['current'].features):,}")
        result = validate(inputs, config)
        report = result.report
        if report["status"] == drift_report.NO_BASELINE:  # never a pass
            raise DriftInputError(f"--baseline {args.baseline} holds 0 rows: nothing to compare with "
                                  "(status NO_BASELINE)")
        drift_report.write(staging, report)
    return _outcome(report, args.output_dir)


def _outcome(report: dict, output_dir: str):
    from tfx_dcai import command
    drifted = [f["name"] for f in report["features"] if f["drift"]]
    shown = ", ".join(drifted[:5]) + (f", ... ({len(drifted) - 5} more)" if len(drifted) > 5 else "")
    summary = (f"{len(drifted)} of {len(report['features'])} features drifted{' (' + shown + ')' if drifted else ''}; "
               f"{len(report['schema_anomalies'])} schema anomalies; "
               f"blocking: {', '.join(report['blocking']) or 'none'}")
    blocking = bool(report["blocking"])
    return command.Outcome(
        status=report["status"], blocking=blocking, summary=summary,
        figures={"drifted_features": drifted, "features": len(report["features"]),
                 "schema_anomalies": len(report["schema_anomalies"]), "blocking": report["blocking"]},
        reports={"json": os.path.join(output_dir, OUTPUT_FILES[0]), "html": os.path.join(output_dir, OUTPUT_FILES[1])},
        next_step=(report["recommendations"] or [""])[0])
