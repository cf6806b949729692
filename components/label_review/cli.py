"""`dcai label-errors`: rank every example of a labelled file by how likely its label is wrong, and queue the most
suspicious ones for review (no annotations needed).

Writes label_errors.csv (one row per example: id, label, suggested_label, label_quality, suspected, rank, queued)
and label_errors_report.json/.html (the estimated number of label errors with its 95% interval) to --output-dir.
Outcome (tfx_dcai.command): 0 when it ran (suspects or not: the queue is the product), 2 bad input (also when
confident learning cannot run: fewer than two classes, or too few examples per class).
"""
import os

from tfx_dcai.label_review.queue import QUEUE_FILE

OUTPUT_FILES = ("label_errors_report.json", "label_errors_report.html", QUEUE_FILE)
EXAMPLES = """\
  dcai label-errors --examples trips.csv --label-column big_tipper --id-column trip_id --output-dir out
  dcai label-errors --examples penguins.csv --label-column species --prediction-column P --output-dir out
  dcai label-errors --examples data/ --label-column y --schema schema.pbtxt --review-budget 100 --output-dir out"""


def add_arguments(parser) -> None:
    """The flags of `dcai label-errors`: inputs and outputs, then one flag per LabelErrorsConfig field."""
    from tfx_dcai import configs
    from tfx_dcai.label_review.config import LabelErrorsConfig

    parser.add_argument("--examples", required=True,
                        help="labelled examples: a CSV file, or a directory of CSV or TFRecord files")
    parser.add_argument("--schema", default=None,
                        help="schema.pbtxt of --examples: categorical/numeric features; DEPRECATED and non-TRAINING "
                             "features skipped (default: none)")
    parser.add_argument("--config", default=None, help="a LabelErrorsConfig as JSON text or a .json file; the flags "
                                                       "below override its fields (default: the defaults shown)")
    parser.add_argument("--output-dir", required=True, help="where label_errors.csv and the reports are written")
    configs.add_arguments(parser.add_argument_group("label error settings (LabelErrorsConfig fields)"),
                          LabelErrorsConfig, {"label_column": {"required": True}})


def run(args, beam_args=None):
    """`dcai label-errors` (see the module docstring).

    Args:
      args: the parsed flags (add_arguments).
      beam_args: Beam pipeline args (None: in this process).

    Returns:
      A tfx_dcai.command.Outcome.
    """
    from tfx_dcai import artifact_io, command, configs
    from tfx_dcai.errors import InputError
    from tfx_dcai.label_review.config import LabelErrorsConfig
    from tfx_dcai.schema_io import read_schema_file

    for flag, path in (("--examples", args.examples), ("--schema", args.schema)):
        if path and "://" not in path and not os.path.exists(path):
            raise InputError(f"{flag} {path}: no such file or directory")
    text = args.config or ""
    if text.endswith(".json"):
        text = artifact_io.read_text(text)
    config = configs.from_args(LabelErrorsConfig, args, LabelErrorsConfig.from_json(text),
                               "--config / label error flags")
    from tfx_dcai import data_io
    from tfx_dcai.label_consistency.beam_examples import check_columns

    examples_config = config.examples_config(read_schema_file(args.schema) if args.schema else None)
    check_columns(data_io.column_names(args.examples), examples_config, args.examples)
    command.check_output_dir(args.output_dir, (args.examples,))
    with artifact_io.staged_output_dir(args.output_dir, OUTPUT_FILES) as staging:
        report = find_and_write(args.examples, config, examples_config, staging, beam_args)
    return outcome(report, args.output_dir)


def find_and_write(path, config, examples_config, output_dir, beam_args=None) -> dict:
    """Run FindLabelErrors over `path` (CSV/TFRecord files); write the queue CSV and the reports; return the report.

    Raises:
      InputError: bad input, or confident learning cannot run (the message says why).
    """
    import apache_beam as beam

    from tfx_dcai import artifact_io, data_io
    from tfx_dcai.beam_options import make_pipeline
    from tfx_dcai.beam_progress import row_progress
    from tfx_dcai.errors import InputError
    from tfx_dcai.label_consistency.beam_agreement import write_json_file
    from tfx_dcai.label_review import queue
    from tfx_dcai.label_review.beam_label_errors import FindLabelErrors

    scratch = os.path.join(output_dir, "label_errors.scratch.json")
    with make_pipeline(beam_args) as p:
        text = [c for c in (examples_config.id_column, examples_config.label_column) if c]
        _ = (data_io.read_record_batches(p, path, "ReadExamples", text_columns=text)
             | "Progress" >> row_progress(f"reading {path}")
             | FindLabelErrors(examples_config, source=path)
             | "WriteScratch" >> beam.Map(write_json_file, scratch))
    result = artifact_io.read_json(scratch)
    artifact_io.remove(scratch)
    summary = result["summary"]
    if summary.get("skipped"):
        raise InputError(f"--examples {path}: confident learning cannot run: {summary['skipped']}")
    budget = queue.review_budget(summary.get("estimated_errors"), config.review_budget)
    table = queue.queue_table(result["rows"], budget)
    report = queue.report(summary, table, budget, result["n_rows"], config, path)
    artifact_io.write_text(os.path.join(output_dir, queue.QUEUE_FILE), queue.csv_text(table))
    queue.write(output_dir, report)
    return report


def outcome(report: dict, output_dir: str):
    """The command's Outcome of a label errors report."""
    from tfx_dcai import command

    estimate = report.get("estimated_errors") or {}
    return command.Outcome(
        status=report["status"], blocking=False,
        summary=(f"{report['n_suspected']} of {report['rows']['rows_ranked']} examples suspected; estimated label "
                 f"errors {estimate.get('value', 0):.0f} (95% CI {estimate.get('ci_low', 0):.0f}-"
                 f"{estimate.get('ci_high', 0):.0f}); {report['review_budget']} queued for review"),
        figures={"examples": report["rows"]["rows_ranked"], "suspected": report["n_suspected"],
                 "estimated_errors": estimate.get("value"), "ci_low": estimate.get("ci_low"),
                 "ci_high": estimate.get("ci_high"), "queued": report["review_budget"]},
        reports={"json": os.path.join(output_dir, OUTPUT_FILES[0]), "html": os.path.join(output_dir, OUTPUT_FILES[1]),
                 "queue": os.path.join(output_dir, QUEUE_FILE)},
        next_step=(report["findings"] or [""])[0])
