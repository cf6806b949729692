"""`dcai slices`: the component's analysis on a CSV file or a directory of CSV/TFRecord files.

Writes slice_report.json/.html (and slicing_specs.json) to --output-dir. Outcome (tfx_dcai.command): 0 no
significant slice, 1 significant slices found, 2 bad input. With --prediction-column nothing imports TensorFlow;
--model runs the SavedModel's serving signature on TFRecord tf.Examples in Beam.
"""
import glob
import os

MODEL_PREDICTION_COLUMN = "__prediction__"
OUTPUT_FILES = ("slice_report.json", "slice_report.html", "slicing_specs.json")
EXAMPLES = """\
  dcai slices --examples eval.csv --label-column label --prediction-column prediction --output-dir out
  dcai slices --examples eval_tfrecords/ --label-column big_tipper --model serving_model/ --max-level 2 \\
      --exclude tips --output-dir out"""


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


def analyze(args, output_dir: str, beam_args=None) -> dict:
    """Run the analysis of `args` with Beam, writing its files to `output_dir`; returns the report dict."""
    from tfx_dcai import data_io
    from tfx_dcai.beam_options import make_pipeline
    from tfx_dcai.beam_progress import row_progress
    from tfx_dcai.reports import read_report
    from tfx_dcai.slice_error_analyzer.analysis_pipeline import AnalyzeSlices
    from tfx_dcai.slice_error_analyzer.errors import SliceInputError
    from tfx_dcai.slice_error_analyzer.report import REPORT_NAME

    config = _config(args)
    names = _columns(args.examples, args.model)
    for column in (config.label, config.prediction):
        if column not in names:
            raise SliceInputError(f"column {column!r} is not in {args.examples} (columns: {', '.join(names)})")
    features = config.features_from(names)
    with make_pipeline(beam_args) as pipeline:
        batches = (_model_batches(pipeline, args.examples, args.model) if args.model
                   else data_io.read_record_batches(pipeline, args.examples, "ReadExamples"))
        _ = (batches | "Progress" >> row_progress(f"reading {args.examples}")
             | "Analyze" >> AnalyzeSlices(config, features, output_dir, output_dir))
    return read_report(output_dir, REPORT_NAME)


def run(args, beam_args=None):
    """`dcai slices` (see the module docstring); returns a tfx_dcai.command.Outcome."""
    from tfx_dcai import artifact_io, command

    command.check_output_dir(args.output_dir, (args.examples, args.model))
    with artifact_io.staged_output_dir(args.output_dir, OUTPUT_FILES) as staging:
        report = analyze(args, staging, beam_args)
    significant = [s for s in report["slices"] if s["significant"]]
    overall = report["overall"]
    value = "n/a" if overall["value"] is None else f"{overall['value']:.4g}"
    shown = "; ".join(s["description"] for s in significant[:3])
    return command.Outcome(
        status=report["status"], blocking=bool(significant),
        summary=(f"{len(significant)} significant slice(s) of {overall['n']} rows (overall {overall['metric']} "
                 f"{value}){': ' + shown if shown else ''}"),
        figures={"significant_slices": len(significant), "rows": overall["n"], "metric": overall["metric"],
                 "overall": overall["value"], "rows_read": report["rows"]["read"]},
        reports={"json": os.path.join(args.output_dir, OUTPUT_FILES[0]),
                 "html": os.path.join(args.output_dir, OUTPUT_FILES[1]),
                 "slicing_specs": os.path.join(args.output_dir, OUTPUT_FILES[2])},
        next_step=significant[0]["recommendation"] if significant else "")
