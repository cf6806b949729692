"""`dcai slices`: the component's analysis on a CSV file or a directory of CSV/TFRecord files.

Writes slice_report.json/.html (and slicing_specs.json) to --output-dir; exits 0 (no significant slice),
1 (significant slices found) or 2 (bad input). With --prediction-column nothing imports TensorFlow; --model
runs the SavedModel's serving signature on TFRecord tf.Examples in Beam.
"""
import glob
import os
import sys

EXIT_NONE, EXIT_FOUND, EXIT_BAD_INPUT = 0, 1, 2
MODEL_PREDICTION_COLUMN = "__prediction__"


def add_arguments(parser) -> None:
    from tfx_dcai.slice_error_analyzer.errors import METRICS

    parser.add_argument("--examples", required=True, help="CSV file, or a directory of CSV or TFRecord files")
    parser.add_argument("--label-column", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--prediction-column", help="column holding the model's prediction")
    source.add_argument("--model", help="SavedModel directory (or a Trainer's Model artifact) whose "
                                        "serving_default signature takes serialized tf.Examples")
    parser.add_argument("--metric", choices=METRICS, default="error_rate")
    parser.add_argument("--alpha", type=float, default=0.95, help="SliceLine's weight of error vs size")
    parser.add_argument("--min-support", type=int, default=None, help="default max(32, rows/100)")
    parser.add_argument("--max-level", type=int, default=3)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--q", type=float, default=0.05, help="false discovery rate (Benjamini-Hochberg)")
    parser.add_argument("--num-bins", type=int, default=10)
    parser.add_argument("--ranking", choices=("default", "sliceline"), default="default")
    parser.add_argument("--exclude", default="", help="comma-separated columns not to slice on")
    parser.add_argument("--output-dir", required=True)


def _config(args):
    from tfx_dcai.slice_error_analyzer.config import SliceConfig

    return SliceConfig(label=args.label_column, prediction=args.prediction_column or MODEL_PREDICTION_COLUMN,
                       metric=args.metric, alpha=args.alpha, min_support=args.min_support, max_level=args.max_level,
                       k=args.k, q=args.q, num_bins=args.num_bins, ranking=args.ranking,
                       exclude=tuple(c.strip() for c in args.exclude.split(",") if c.strip()))


def _tfrecord_files(path: str):
    files = sorted(f for f in glob.glob(os.path.join(path, "*")) if not f.endswith(".csv")) if os.path.isdir(
        path) else []
    return files


def _model_batches(pipeline, path: str, model: str):
    """TFRecord tf.Examples with their raw bytes, scored by the model in Beam."""
    import apache_beam as beam
    from tfx_bsl.public import tfxio

    from tfx_dcai.slice_error_analyzer import inference
    from tfx_dcai.slice_error_analyzer.errors import SliceInputError

    files = _tfrecord_files(path)
    if not files:
        raise SliceInputError(f"--model needs a directory of TFRecord tf.Examples, got {path}")
    source = tfxio.TFExampleRecord(file_pattern=files, raw_record_column_name=inference.RAW_RECORD_COLUMN)
    return (pipeline | "ReadExamples" >> source.BeamSource()
            | "Predict" >> beam.ParDo(inference.AddPredictions(inference.serving_model_dir(model),
                                                               MODEL_PREDICTION_COLUMN)))


def _columns(path: str, model: str):
    from tfx_dcai import data_io

    if not model:
        return list(data_io.column_names(path))
    from tfx_dcai.slice_error_analyzer import inference
    names = [c for c in data_io.column_names(path) if c != inference.RAW_RECORD_COLUMN]
    return names + [MODEL_PREDICTION_COLUMN]


def analyze(args) -> dict:
    import apache_beam as beam

    from tfx_dcai import data_io
    from tfx_dcai.reports import read_report
    from tfx_dcai.slice_error_analyzer.analysis_pipeline import AnalyzeSlices
    from tfx_dcai.slice_error_analyzer.api import in_process_options
    from tfx_dcai.slice_error_analyzer.errors import SliceInputError
    from tfx_dcai.slice_error_analyzer.report import REPORT_NAME

    config = _config(args)
    names = _columns(args.examples, args.model)
    for column in (config.label, config.prediction):
        if column not in names:
            raise SliceInputError(f"column {column!r} is not in {args.examples} (columns: {', '.join(names)})")
    features = config.features_from(names)
    os.makedirs(args.output_dir, exist_ok=True)
    with beam.Pipeline(options=in_process_options()) as pipeline:
        batches = (_model_batches(pipeline, args.examples, args.model) if args.model
                   else data_io.read_record_batches(pipeline, args.examples, "ReadExamples"))
        _ = batches | "Analyze" >> AnalyzeSlices(config, features, args.output_dir, args.output_dir)
    return read_report(args.output_dir, REPORT_NAME)


def _bad_input(exc):
    from tfx_dcai.errors import InputError

    seen = exc
    while seen is not None:
        if isinstance(seen, InputError):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if "InputError: " in text:
        return text.split("InputError: ", 1)[1].splitlines()[0]
    return None


def run(args) -> int:
    try:
        report = analyze(args)
    except Exception as exc:  # Beam wraps errors raised in workers: look for the InputError inside
        message = _bad_input(exc)
        if message is None:
            raise
        print(f"dcai slices: bad input: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    significant = [s for s in report["slices"] if s["significant"]]
    print(f"{report['status']}: {len(significant)} significant slice(s) of {report['overall']['n']} rows; "
          f"report in {os.path.join(args.output_dir, 'slice_report.html')}")
    for entry in significant[:5]:
        print(f"  - {entry['recommendation']}")
    return EXIT_FOUND if significant else EXIT_NONE
