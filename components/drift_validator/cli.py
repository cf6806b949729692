"""`dcai drift`: compare current data with a baseline from files; exit 0 no drift, 1 drift or a blocking
anomaly, 2 bad input. Runs the same computation as the DriftValidator component (validation.validate)."""
import argparse
import json
import os
import shutil

EXIT_OK, EXIT_DRIFT = 0, 1
CLI_QUANTILE_BUCKETS = 100  # finer TFDV quantiles than StatisticsGen's default 10: tighter KS bounds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baseline", required=True, help="training data: a CSV file or a directory of CSV/TFRecord files")
    parser.add_argument("--current", required=True, help="serving or feedback data, same formats")
    parser.add_argument("--schema", help="a schema.pbtxt; enables schema anomalies and environments")
    parser.add_argument("--environment", default="SERVING", help="schema environment of the current data")
    parser.add_argument("--label-column", help="label column (concept drift; excluded from data drift)")
    parser.add_argument("--prediction-column", help="model prediction/score column present in both datasets")
    parser.add_argument("--model", help="SavedModel dir whose serving_default signature takes serialized tf.Examples")
    parser.add_argument("--config", help="DriftConfig as a JSON string or a .json file (q, minimum effects, policy...)")
    parser.add_argument("--output-dir", required=True, help="where drift_report.json/.html are written")


def _config(args):
    from tfx_dcai.drift_validator.config import DriftConfig
    from tfx_dcai.errors import InputError
    text = args.config or "{}"
    if os.path.isfile(text):
        with open(text, encoding="utf-8") as f:
            text = f.read()
    try:
        values = json.loads(text)
        values.setdefault("environment", args.environment)
        if args.label_column:
            values["label_key"] = args.label_column
        if args.prediction_column:
            values["prediction_key"] = args.prediction_column
        return DriftConfig.from_json(json.dumps(values))
    except (ValueError, TypeError) as exc:
        raise InputError(f"--config: {exc}") from None


def _statistics_and_samples(paths, output_dir, config):
    """One Beam pipeline reads each input once: TFDV statistics of every row (combinable sketches) and the bounded
    sample for multivariate and concept drift. Returns ({side: statistics}, {side: sample})."""
    import apache_beam as beam
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import statistics_pb2
    from tfx_dcai.data_io import read_record_batches
    from tfx_dcai.drift_validator.tabular import to_list_columns
    from tfx_dcai.drift_validator.validation import add_sample, read_samples
    options = tfdv.StatsOptions(num_quantiles_histogram_buckets=CLI_QUANTILE_BUCKETS)
    files = {side: os.path.join(output_dir, f"{side}_statistics.pb") for side in paths}
    scratch = os.path.join(output_dir, ".samples")
    os.makedirs(scratch, exist_ok=True)
    try:
        with beam.Pipeline(argv=["--direct_running_mode=in_memory"]) as pipeline:
            samples = {}
            for side, path in paths.items():
                batches = read_record_batches(pipeline, path, side)
                _ = (batches | f"ListColumns[{side}]" >> beam.Map(to_list_columns)
                     | f"Stats[{side}]" >> tfdv.GenerateStatistics(options)
                     | f"Write[{side}]" >> beam.Map(_write_bytes, files[side]))
                samples[side] = add_sample(batches, side, config, scratch)
        samples = read_samples(samples)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    stats = {}
    for side, file in files.items():
        with open(file, "rb") as f:
            stats[side] = statistics_pb2.DatasetFeatureStatisticsList.FromString(f.read()).datasets[0]
    return stats, samples


def _write_bytes(stats, path):
    with open(path, "wb") as f:
        f.write(stats.SerializeToString())


def _schema(path):
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx_dcai.errors import InputError
    try:
        with open(path, encoding="utf-8") as f:
            return text_format.Parse(f.read(), schema_pb2.Schema())
    except (OSError, text_format.ParseError) as exc:
        raise InputError(f"--schema {path}: cannot read a Schema text proto ({exc})") from None


def run(args) -> int:
    from tfx_dcai.drift_validator import report as drift_report
    from tfx_dcai.drift_validator.validation import DriftInputError, DriftInputs, validate
    for flag, path in (("--baseline", args.baseline), ("--current", args.current), ("--model", args.model)):
        if path and not os.path.exists(path):
            raise DriftInputError(f"{flag} {path}: no such file or directory")
    config = _config(args)
    os.makedirs(args.output_dir, exist_ok=True)
    stats, samples = _statistics_and_samples({"baseline": args.baseline, "current": args.current}, args.output_dir,
                                             config)
    if args.label_column and (args.model or args.prediction_column):  # concept drift: the same files, labelled
        samples.update(feedback=samples["current"], evaluation=samples["baseline"])
    inputs = DriftInputs(current=stats["current"], baseline=stats["baseline"],
                         schema=_schema(args.schema) if args.schema else None, model_dir=args.model,
                         samples=samples, context={"current": args.current, "baseline": args.baseline})
    result = validate(inputs, config)
    json_path, html_path = drift_report.write(args.output_dir, result.report)
    report = result.report
    drifted = [f["name"] for f in report["features"] if f["drift"]]
    print(f"{report['status']}: {len(drifted)} drifted feature(s){': ' + ', '.join(drifted) if drifted else ''}; "
          f"{len(report['schema_anomalies'])} schema anomalies; blocking: {', '.join(report['blocking']) or 'none'}")
    print(f"report: {json_path} {html_path}")
    if report["status"] == drift_report.NO_BASELINE:  # never a pass
        raise DriftInputError(f"--baseline {args.baseline} holds 0 rows: nothing to compare with (status NO_BASELINE)")
    return EXIT_DRIFT if report["status"] == drift_report.DRIFT or report["blocking"] else EXIT_OK
