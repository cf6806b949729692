"""`dcai agreement`: the component's computation on a CSV file (or a directory of CSV/TFRecord files).

Writes label_consistency_report.json/.html and consensus.csv to --output-dir. Outcome (tfx_dcai.command): 0
consistent, 1 inconsistent, 2 bad input. The flags of the settings are generated from LabelConsistencyConfig
(tfx_dcai.configs). No TensorFlow on the CSV path; Beam and pyarrow are imported in `run`.
"""
import os

CONSENSUS_FILE = "consensus.csv"
OUTPUT_FILES = ("label_consistency_report.json", "label_consistency_report.html", CONSENSUS_FILE)
EXAMPLES = """\
  dcai agreement --annotations labels.csv --item-column item_id --annotator-column annotator_id \\
      --label-column label --output-dir out
  dcai agreement --annotations labels.csv --item-column item --annotator-column who --label-column grade \\
      --level ordinal --weights quadratic --instructions-version v2 \\
      --previous-report old/label_consistency_report.json --output-dir out
  dcai agreement --annotations labels.csv --examples trips.csv --example-label-column big_tipper \\
      --prediction-column P --config '{"n_bootstrap": 200}' --output-dir out"""


def add_arguments(parser) -> None:
    """The flags of `dcai agreement`: inputs and outputs, then one flag per LabelConsistencyConfig field."""
    from tfx_dcai import configs
    from tfx_dcai.label_consistency.config import LabelConsistencyConfig

    parser.add_argument("--annotations", required=True,
                        help="annotation rows: a CSV file, or a directory of CSV or TFRecord files")
    parser.add_argument("--previous-report", default=None,
                        help="the label_consistency_report.json of an earlier run (default: none)")
    parser.add_argument("--examples", default=None,
                        help="single-labelled examples (CSV or directory) for X->y conflicts and confident learning "
                             "(default: none)")
    parser.add_argument("--schema", default=None,
                        help="schema.pbtxt of --examples: categorical/numeric features; DEPRECATED and non-TRAINING "
                             "features skipped (default: none)")
    parser.add_argument("--config", default=None,
                        help="a LabelConsistencyConfig as JSON text or a .json file; the flags below override its "
                             "fields (default: the defaults shown)")
    parser.add_argument("--output-dir", required=True,
                        help="where label_consistency_report.json/.html and consensus.csv are written")
    configs.add_arguments(parser.add_argument_group("agreement settings (LabelConsistencyConfig fields)"),
                          LabelConsistencyConfig)


def config_from_args(args):
    """The LabelConsistencyConfig of parsed flags: --config (JSON text or file), then the flags given."""
    from tfx_dcai import artifact_io, configs
    from tfx_dcai.label_consistency.config import LabelConsistencyConfig

    text = args.config or ""
    if text.endswith(".json"):
        text = artifact_io.read_text(text)
    return configs.from_args(LabelConsistencyConfig, args, LabelConsistencyConfig.from_json(text),
                             "--config / agreement flags")


def run(args, beam_args=None):
    """`dcai agreement` (see the module docstring).

    Args:
      args: the parsed flags (add_arguments).
      beam_args: Beam pipeline args (None: in this process).

    Returns:
      A tfx_dcai.command.Outcome.
    """
    from tfx_dcai import artifact_io, command
    from tfx_dcai.label_consistency.items import BadInputError

    for flag, path in (("--annotations", args.annotations), ("--examples", args.examples),
                       ("--schema", args.schema), ("--previous-report", args.previous_report)):
        if path and "://" not in path and not os.path.exists(path):
            raise BadInputError(f"{flag} {path}: no such file or directory")
    config = config_from_args(args)
    previous = _read_previous(args.previous_report)
    command.check_output_dir(args.output_dir, (args.annotations, args.examples))
    with artifact_io.staged_output_dir(args.output_dir, OUTPUT_FILES) as staging:
        report = _run_pipeline(args.annotations, config, previous, staging, _examples(args, config), beam_args)
    return outcome(report, args.output_dir)


def outcome(report: dict, output_dir: str):
    """The command's Outcome of a report."""
    from tfx_dcai import command

    alpha = report["krippendorff_alpha"]["value"]
    alpha_text = "undefined (one class only)" if alpha is None else f"{alpha:.3f}"
    failing = [str(r["label"]) for r in report.get("per_class", []) if not r["consistent"]]
    return command.Outcome(
        status=report["status"], blocking=report["status"] != "CONSISTENT",
        summary=(f"Krippendorff's alpha {alpha_text} over {report['n_items']} items and {report['n_annotators']} "
                 f"annotators; classes below the thresholds: {', '.join(failing) or 'none'}"),
        figures={"krippendorff_alpha": alpha, "items": report["n_items"], "annotators": report["n_annotators"],
                 "inconsistent_classes": failing},
        reports={"json": os.path.join(output_dir, OUTPUT_FILES[0]),
                 "html": os.path.join(output_dir, OUTPUT_FILES[1]),
                 "consensus": os.path.join(output_dir, CONSENSUS_FILE)},
        next_step=(report["findings"] or [""])[0])


def _read_previous(path):
    """The validated report of --previous-report, or None."""
    if not path:
        return None
    from tfx_dcai import artifact_io
    from tfx_dcai.label_consistency.items import BadInputError
    from tfx_dcai.label_consistency.report import check_previous_report

    try:
        previous = artifact_io.read_json(path)
    except Exception as exc:  # OSError, ValueError (not JSON, not UTF-8), or fileio's NotFoundError
        raise BadInputError(f"--previous-report {path}: not a readable JSON file ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    return check_previous_report(previous, f"--previous-report {path}")


def _examples(args, config):
    """(path, ExamplesConfig) of --examples, or None."""
    if not args.examples:
        if args.schema:
            from tfx_dcai.label_consistency.items import BadInputError
            raise BadInputError("--schema describes --examples: pass --examples too")
        return None
    from tfx_dcai.label_consistency.beam_examples import check_columns, examples_config
    from tfx_dcai.schema_io import read_schema_file

    settings = examples_config(config, read_schema_file(args.schema) if args.schema else None)
    check_columns(_column_names(args.examples), settings, args.examples)  # before Beam: fail fast, one line
    return args.examples, settings


def _column_names(path):
    from tfx_dcai import data_io

    return data_io.column_names(path)


def _run_pipeline(path, config, previous, output_dir, examples=None, beam_args=None) -> dict:
    """The Beam pipeline of `dcai agreement`; writes the report and consensus.csv to output_dir, returns the report.
    Inside Beam only scratch files are written (the report's JSON, the consensus CSV through WriteToText); the
    report is written once, here, after the pipeline."""
    import apache_beam as beam

    from tfx_dcai import artifact_io, configs, data_io
    from tfx_dcai.beam_options import make_pipeline
    from tfx_dcai.beam_progress import row_progress
    from tfx_dcai.label_consistency import report as report_io
    from tfx_dcai.label_consistency.beam_agreement import SCRATCH_REPORT, ComputeLabelConsistency, write_json_file
    from tfx_dcai.label_consistency.buckets import bucket_count

    feature_columns = [c for c in data_io.column_names(path) if c not in config.label_columns]
    if config.n_buckets is None:
        config = configs.replace(config, n_buckets=bucket_count(data_io.total_bytes(data_io.list_files(path)[1])))
    scratch_report = os.path.join(output_dir, SCRATCH_REPORT)
    with make_pipeline(beam_args) as p:
        diagnostics = None
        if examples is not None:
            from tfx_dcai.label_consistency.beam_examples import DiagnoseExamples
            examples_path, examples_config = examples
            text = [c for c in (examples_config.id_column, examples_config.label_column) if c]
            diagnostics = (data_io.read_record_batches(p, examples_path, "ReadExamples", text_columns=text)
                           | DiagnoseExamples(examples_config, source=examples_path))
        result = (data_io.read_record_batches(p, path, "ReadAnnotations", text_columns=_text_columns(config))
                  | "Progress" >> row_progress(f"reading {path}")
                  | ComputeLabelConsistency(config, previous, source=path, consensus_location=CONSENSUS_FILE,
                                            examples_diagnostics=diagnostics))
        _ = result["report"] | "WriteReport" >> beam.Map(write_json_file, scratch_report)
        header = _csv_line(consensus_header_names(config, feature_columns))
        _ = (result["consensus"]
             | "CsvLines" >> beam.FlatMap(consensus_csv_lines, config, feature_columns)
             | "WriteConsensus" >> beam.io.WriteToText(os.path.join(output_dir, CONSENSUS_FILE), num_shards=1,
                                                       shard_name_template="", header=header))
    report = artifact_io.read_json(scratch_report)
    artifact_io.remove(scratch_report)
    report_io.write(output_dir, report)
    return report


def _text_columns(config) -> tuple:
    """The CSV columns read as text, never cast: ids always; labels when their order does not matter (nominal,
    unweighted), so that `01` and `1` stay two labels; numbers where weights or the level need their values."""
    label = (config.label_column,) if config.level == "nominal" and config.weights is None else ()
    return (config.item_column, config.annotator_column, *label)


def consensus_header_names(config, feature_columns) -> list:
    """The columns of consensus.csv: item id, consensus label, the consensus columns, then the features."""
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
