"""`dcai agreement`: the component's computation on a CSV (or a directory of CSV/TFRecord files).

Writes label_consistency_report.json/.html and consensus.csv to --output-dir. Outcome (tfx_dcai.command): 0
consistent, 1 inconsistent, 2 bad input. No TensorFlow on the CSV path; Beam and pyarrow are imported in `run`.
"""
import dataclasses
import os

CONSENSUS_FILE = "consensus.csv"
OUTPUT_FILES = ("label_consistency_report.json", "label_consistency_report.html", CONSENSUS_FILE)
EXAMPLES = """\
  dcai agreement --annotations labels.csv --item-column item_id --annotator-column annotator_id \\
      --label-column label --output-dir out
  dcai agreement --annotations labels.csv --item-column item --annotator-column who --label-column grade \\
      --level ordinal --weights quadratic --instructions-version v2 --previous-report old/label_consistency_report.json \\
      --output-dir out"""


def add_arguments(parser) -> None:
    from tfx_dcai.label_consistency.agreement import LEVELS
    from tfx_dcai.label_consistency.consensus import METHODS

    parser.add_argument("--annotations", required=True, help="CSV file, or a directory of CSV or TFRecord files")
    parser.add_argument("--item-column", required=True)
    parser.add_argument("--annotator-column", required=True)
    parser.add_argument("--label-column", required=True)
    parser.add_argument("--level", choices=LEVELS, default="nominal")
    parser.add_argument("--kind", choices=("class", "bbox", "text"), default="class",
                        help="class labels, transcripts (text), or boxes (bbox: one 'x1 y1 x2 y2 [class]' per row)")
    parser.add_argument("--consensus", choices=METHODS, default="majority")
    parser.add_argument("--weights", choices=("linear", "quadratic"), default=None,
                        help="weights of the pairwise Cohen's kappa (default: unweighted)")
    parser.add_argument("--min-alpha", type=float, default=0.8)
    parser.add_argument("--min-class-agreement", type=float, default=0.8)
    parser.add_argument("--min-class-kappa", type=float, default=0.6)
    parser.add_argument("--label-domain", default=None, help="comma-separated allowed labels; others are flagged")
    parser.add_argument("--instructions-version", default="")
    parser.add_argument("--previous-report", default=None, help="an earlier label_consistency_report.json")
    parser.add_argument("--n-bootstrap", type=int, default=1000)
    parser.add_argument("--text-normalisation", default="whitespace",
                        help="comma-separated rules applied before comparing transcripts: whitespace,case,"
                             "punctuation,fillers")
    parser.add_argument("--match-iou", type=float, default=0.5, help="IoU a pair of boxes needs to match")
    parser.add_argument("--examples", default=None,
                        help="single-labelled examples (CSV or directory) for X->y conflicts and confident learning")
    parser.add_argument("--example-label-column", default=None, help="label column of --examples "
                                                                     "(default: --label-column)")
    parser.add_argument("--example-id-column", default=None, help="id column of --examples (default: row hash)")
    parser.add_argument("--prediction-column", default=None,
                        help="out-of-sample probabilities in --examples for confident learning instead of the "
                             "built-in model: column P = p(positive class) (binary), else columns P_<label>")
    parser.add_argument("--schema", default=None,
                        help="schema.pbtxt of --examples: categorical/numeric features; DEPRECATED and "
                             "non-TRAINING features skipped")
    parser.add_argument("--output-dir", required=True)


def config_from_args(args):
    from tfx_dcai.label_consistency.config import LabelConsistencyConfig
    from tfx_dcai.label_consistency.summary import Thresholds

    domain = None
    if args.label_domain:
        domain = tuple(_parse_domain_value(v.strip(), args.level) for v in args.label_domain.split(","))
    return LabelConsistencyConfig(
        item_column=args.item_column, annotator_column=args.annotator_column, label_column=args.label_column,
        level=args.level, kind=args.kind, consensus=args.consensus, weights=args.weights,
        thresholds=Thresholds(args.min_alpha, args.min_class_agreement, args.min_class_kappa),
        label_domain=domain, instructions_version=args.instructions_version, n_bootstrap=args.n_bootstrap,
        text_normalisation=tuple(r.strip() for r in args.text_normalisation.split(",") if r.strip()),
        match_iou=args.match_iou)


def _parse_domain_value(text: str, level: str):
    """Domain values typed on the command line: numbers stay numbers (CSV columns of numbers are numeric)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def run(args, beam_args=None):
    """`dcai agreement` (see the module docstring); returns a tfx_dcai.command.Outcome."""
    from tfx_dcai import artifact_io, command

    config = config_from_args(args)
    previous = _read_previous(args.previous_report)
    command.check_output_dir(args.output_dir, (args.annotations, args.examples))
    with artifact_io.staged_output_dir(args.output_dir, OUTPUT_FILES) as staging:
        report = _run_pipeline(args.annotations, config, previous, staging, _examples_config(args), beam_args)
    alpha = report["krippendorff_alpha"]["value"]
    alpha_text = "n/a" if alpha is None else f"{alpha:.3f}"
    failing = [str(r["label"]) for r in report.get("per_class", []) if not r["consistent"]]
    return command.Outcome(
        status=report["status"], blocking=report["status"] != "CONSISTENT",
        summary=(f"Krippendorff's alpha {alpha_text} over {report['n_items']} items and {report['n_annotators']} "
                 f"annotators; classes below the thresholds: {', '.join(failing) or 'none'}"),
        figures={"krippendorff_alpha": alpha, "items": report["n_items"], "annotators": report["n_annotators"],
                 "inconsistent_classes": failing},
        reports={"json": os.path.join(args.output_dir, OUTPUT_FILES[0]),
                 "html": os.path.join(args.output_dir, OUTPUT_FILES[1]),
                 "consensus": os.path.join(args.output_dir, CONSENSUS_FILE)},
        next_step=(report["findings"] or [""])[0])


def _read_previous(path):
    if not path:
        return None
    from tfx_dcai import artifact_io
    from tfx_dcai.label_consistency.items import BadInputError
    try:
        return artifact_io.read_json(path)
    except Exception as exc:  # OSError, ValueError, or fileio's NotFoundError
        raise BadInputError(f"--previous-report {path}: not a readable JSON report ({exc})") from None


def _examples_config(args):
    """(path, ExamplesConfig) of --examples, or None."""
    if not args.examples:
        return None
    from tfx_dcai.label_consistency.beam_examples import examples_config
    from tfx_dcai.schema_io import read_schema_file

    schema = read_schema_file(args.schema) if args.schema else None
    return args.examples, examples_config({"label_column": args.label_column,
                                           "example_label_column": args.example_label_column,
                                           "example_id_column": args.example_id_column,
                                           "prediction_column": args.prediction_column}, schema)


def _run_pipeline(path, config, previous, output_dir, examples=None, beam_args=None) -> dict:
    """The Beam pipeline of `dcai agreement`; writes the report and consensus.csv to output_dir, returns the report."""
    import apache_beam as beam

    from tfx_dcai import data_io
    from tfx_dcai.beam_options import make_pipeline
    from tfx_dcai.beam_progress import row_progress
    from tfx_dcai.label_consistency import report as report_io
    from tfx_dcai.label_consistency.beam_transforms import ComputeLabelConsistency
    from tfx_dcai.label_consistency.buckets import bucket_count

    feature_columns = [c for c in data_io.column_names(path) if c not in config.label_columns]
    config = dataclasses.replace(config, n_buckets=bucket_count(data_io.total_bytes(data_io.list_files(path)[1])))
    with make_pipeline(beam_args) as p:
        diagnostics = None
        if examples is not None:
            from tfx_dcai.label_consistency.beam_examples import DiagnoseExamples
            examples_path, examples_config = examples
            diagnostics = (data_io.read_record_batches(p, examples_path, "ReadExamples")
                           | DiagnoseExamples(examples_config, source=examples_path))
        result = (data_io.read_record_batches(p, path, "ReadAnnotations")
                  | "Progress" >> row_progress(f"reading {path}")
                  | ComputeLabelConsistency(config, previous, source=path, consensus_location=CONSENSUS_FILE,
                                            examples_diagnostics=diagnostics))
        _ = result["report"] | "WriteReport" >> beam.Map(lambda r: report_io.write(output_dir, r))
        header = _csv_line(consensus_header_names(config, feature_columns))
        _ = (result["consensus"]
             | "CsvLines" >> beam.FlatMap(consensus_csv_lines, config, feature_columns)
             | "WriteConsensus" >> beam.io.WriteToText(os.path.join(output_dir, CONSENSUS_FILE), num_shards=1,
                                                       shard_name_template="", header=header))
    return report_io.read_report(output_dir)


def consensus_header_names(config, feature_columns) -> list:
    from tfx_dcai.label_consistency.consensus import CONSENSUS_COLUMNS

    return [config.item_column, config.label_column, *CONSENSUS_COLUMNS,
            *(c for c in feature_columns if c != config.item_column)]


def consensus_csv_lines(bucket, config, feature_columns):
    """The CSV lines of a Bucket's items that have an id, in the order of consensus_header_names."""
    positions = [k for k, item in enumerate(bucket.consensus.items) if item is not None]
    columns = bucket.consensus_columns(positions, config)
    names = consensus_header_names(config, feature_columns)
    return [_csv_line(line) for line in zip(*(columns.get(n, [None] * len(positions)) for n in names))]


def _csv_line(values) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(["" if v is None else v for v in values])
    return out.getvalue()
