"""`dcai slices`: the component's analysis on files, in Beam (the same passes and analysis as the component).

EXAMPLES is a CSV file or a directory of CSV or TFRecord files. Writes slice_report.json/.html and
slicing_specs.json (and, with --pool and --budget, selection.csv) to --output-dir. Outcome (tfx_dcai.command):
0 no significant slice, 1 significant slices found, 2 bad input. With --prediction-column nothing imports
TensorFlow; --model scores TFRecord tf.Examples with the SavedModel's serving signature in Beam.
"""
import csv
import io
import os

OUTPUT_FILES = ("slice_report.json", "slice_report.html", "slicing_specs.json", "selection.csv")
SCRATCH = ".scratch"
EXAMPLES = """\
  dcai slices --examples eval.csv --label-column label --prediction-column prediction --output-dir out
  dcai slices --examples eval.csv --label-column species --prediction-column p --metric recall \\
      --recall-class Gentoo --output-dir out          # columns p_Adelie, p_Chinstrap, p_Gentoo
  dcai slices --examples eval_tfrecords/ --label-column big_tipper --model serving_model/ --max-level 2 \\
      --exclude tips --output-dir out
  dcai slices --examples eval.csv --label-column label --prediction-column prediction \\
      --pool unlabelled.csv --budget 500 --output-dir out   # out/selection.csv: rows to label next"""


def add_arguments(parser) -> None:
    from tfx_dcai import configs
    from tfx_dcai.slice_error_analyzer.config import SliceConfig

    parser.add_argument("--examples", required=True, help="labelled evaluation data: a CSV file, or a directory of "
                                                          "CSV or TFRecord files")
    parser.add_argument("--model", help="SavedModel directory (or a Trainer's Model artifact) whose serving_default "
                                        "signature takes serialized tf.Examples (instead of --prediction-column; "
                                        "TFRecord examples only; default: none)")
    parser.add_argument("--pool", help="unlabelled pool (same formats, features only) to choose --budget rows from "
                                       "for the significant slices (default: none)")
    parser.add_argument("--config", help="a SliceConfig as JSON text or a .json file; the flags below override its "
                                         "fields (default: the defaults shown)")
    parser.add_argument("--output-dir", required=True, help="where the reports (and selection.csv) are written")
    configs.add_arguments(parser.add_argument_group("analysis settings (SliceConfig fields)"), SliceConfig)


def _config(args):
    from tfx_dcai import artifact_io, configs
    from tfx_dcai.slice_error_analyzer.config import SliceConfig
    from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

    text = args.config or ""
    if text.endswith(".json"):
        if "://" not in text and not os.path.isfile(text):
            raise SliceInputError(f"--config {text}: no such file")
        text = artifact_io.read_text(text)
    config = configs.from_args(SliceConfig, args, SliceConfig.from_json(text), "--config / slices flags")
    config.require_label("--label-column")
    if bool(args.model) == bool(config.prediction_key):
        raise SliceInputError("give exactly one of --prediction-column (predictions in the examples) or --model (a "
                              "SavedModel that scores them)")
    if bool(args.pool) != (config.budget > 0):
        raise SliceInputError("--pool and --budget go together: --pool FILE --budget N chooses N pool rows")
    return config


def _tfrecord_files(path: str):
    from tfx_dcai import data_io
    from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

    kind, files = data_io.list_files(path)
    if kind != "tfrecord":
        raise SliceInputError(f"--model needs TFRecord files of tf.Examples (the model reads serialized examples), "
                              f"got CSV {path}: give --prediction-column instead, or TFRecord examples")
    return files


def _model_batches(pipeline, path: str, model: str, output_key):
    """TFRecord tf.Examples with their raw bytes, scored by the model in Beam."""
    import apache_beam as beam
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx_bsl.public import tfxio

    from tfx_dcai import data_io
    from tfx_dcai.model_scoring import RAW_RECORD_COLUMN
    from tfx_dcai.slice_error_analyzer.beam_model_scoring import MODEL_OUTPUT_COLUMN, ScoreWithModel

    files = _tfrecord_files(path)
    schema = schema_pb2.Schema()
    kinds = {"int": schema_pb2.INT, "float": schema_pb2.FLOAT, "bytes": schema_pb2.BYTES}
    for name, kind in sorted(data_io.tfrecord_feature_types(files).items()):
        schema.feature.add(name=name, type=kinds[kind])
    source = tfxio.TFExampleRecord(file_pattern=files, schema=schema, raw_record_column_name=RAW_RECORD_COLUMN,
                                   telemetry_descriptors=["tfx-dcai", "cli"])
    return (pipeline | "ReadExamples" >> source.BeamSource()
            | "Predict" >> beam.ParDo(ScoreWithModel(model, MODEL_OUTPUT_COLUMN, output_key)))


def _columns(path: str, model: str):
    from tfx_dcai import data_io

    if not model:
        return list(data_io.column_names(path))
    from tfx_dcai.slice_error_analyzer.beam_model_scoring import MODEL_OUTPUT_COLUMN
    _tfrecord_files(path)
    return list(data_io.column_names(path)) + [MODEL_OUTPUT_COLUMN]


def analyze(args, config, output_dir: str, beam_args=None) -> dict:
    """Run the analysis of `args` with Beam; write the reports (and selection.csv) into `output_dir`.

    Returns:
      The report dict.
    """
    from tfx_dcai import artifact_io, data_io
    from tfx_dcai.beam_options import make_pipeline
    from tfx_dcai.beam_progress import row_progress
    from tfx_dcai.slice_error_analyzer import analysis, passes, report as report_lib, slicing_specs
    from tfx_dcai.slice_error_analyzer.beam_model_scoring import MODEL_OUTPUT_COLUMN
    from tfx_dcai.slice_error_analyzer.beam_sliceline import SearchSlices, read_pickle, write_pickle

    names = _columns(args.examples, args.model)
    plan = passes.make_plan(names, config, args.examples, model_column=MODEL_OUTPUT_COLUMN if args.model else None)
    scratch = os.path.join(output_dir, SCRATCH)
    artifact_io.makedirs(scratch)
    result_path = os.path.join(scratch, "search.pickle")
    with make_pipeline(beam_args) as pipeline:
        batches = (_model_batches(pipeline, args.examples, args.model, config.output_key) if args.model
                   else data_io.read_record_batches(pipeline, args.examples, "ReadExamples"))
        _ = (batches | "Progress" >> row_progress(f"reading {args.examples}")
             | "SearchSlices" >> SearchSlices(plan, config) | "WriteResult" >> _write(write_pickle, result_path))
    report = analysis.analyze(read_pickle(result_path), config)
    if args.pool:
        report["selection"] = _select(args.pool, report, config.budget, output_dir, scratch, beam_args)
    artifact_io.rmtree(scratch)
    report_lib.write(report, output_dir)
    slicing_specs.write_specs(report, output_dir)
    return report


def _write(function, path):
    import apache_beam as beam

    return beam.Map(function, path)


def _select(pool: str, report: dict, budget: int, output_dir: str, scratch: str, beam_args) -> dict:
    """Choose `budget` pool rows for the report's significant slices; writes selection.csv; returns the summary."""
    from tfx_dcai import artifact_io, data_io
    from tfx_dcai.beam_options import make_pipeline
    from tfx_dcai.slice_error_analyzer import selection
    from tfx_dcai.slice_error_analyzer.beam_selection import PoolCandidates
    from tfx_dcai.slice_error_analyzer.beam_sliceline import read_pickle, write_pickle
    from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

    names = list(data_io.column_names(pool))
    encodings, targets = selection.target_slices(report)
    missing = [e.name for e in encodings if e.name not in names]
    if missing:
        raise SliceInputError(f"--pool {pool} has no column(s) {missing}, feature(s) of the analysed "
                                        "examples: give the pool the same feature columns")
    chosen, per_slice, pool_rows = [], [], None  # the pool is read only when there is a slice to draw for
    if targets:
        path = os.path.join(scratch, "candidates.pickle")
        with make_pipeline(beam_args) as pipeline:
            batches = data_io.read_record_batches(pipeline, pool, "ReadPool")
            _ = (batches | "PoolCandidates" >> PoolCandidates(encodings, targets, budget, _row_values)
                 | "WriteCandidates" >> _write(write_pickle, path))
        candidates = read_pickle(path)
        if candidates is not None:
            chosen, per_slice = selection.choose(targets, candidates, budget)
        pool_rows = candidates.pool_rows if candidates is not None else 0
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names + [selection.SLICE_COLUMN])
    for j, row in chosen:
        writer.writerow([_cell(row.get(n)) for n in names] + [targets[j].description])
    artifact_io.write_text(os.path.join(output_dir, OUTPUT_FILES[3]), out.getvalue())
    return selection.summary(budget, per_slice, len(chosen), pool_rows)


def _row_values(batch, rows) -> list:
    import pyarrow as pa

    return batch.take(pa.array(rows, pa.int64())).to_pylist()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def run(args, beam_args=None):
    """`dcai slices` (see the module docstring); returns a tfx_dcai.command.Outcome."""
    from tfx_dcai import artifact_io, command
    from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

    for flag, path in (("--examples", args.examples), ("--model", args.model), ("--pool", args.pool)):
        if path and "://" not in path and not os.path.exists(path):
            raise SliceInputError(f"{flag} {path}: no such file or directory")
    config = _config(args)
    command.check_output_dir(args.output_dir, (args.examples, args.model, args.pool))
    with artifact_io.staged_output_dir(args.output_dir, OUTPUT_FILES) as staging:
        report = analyze(args, config, staging, beam_args)
    return _outcome(report, args.output_dir)


def _outcome(report: dict, output_dir: str):
    from tfx_dcai import command

    significant = [s for s in report["slices"] if s["significant"]]
    overall = report["overall"]
    value = "n/a" if overall["value"] is None else f"{overall['value']:.4g}"
    shown = "; ".join(s["description"] for s in significant[:3])
    selection = report.get("selection")
    chosen = f"; {selection['chosen']} pool rows chosen (selection.csv)" if selection else ""
    reports = {"json": os.path.join(output_dir, OUTPUT_FILES[0]), "html": os.path.join(output_dir, OUTPUT_FILES[1]),
               "slicing_specs": os.path.join(output_dir, OUTPUT_FILES[2])}
    if selection:
        reports["selection"] = os.path.join(output_dir, OUTPUT_FILES[3])
    return command.Outcome(
        status=report["status"], blocking=bool(significant),
        summary=(f"{len(significant)} significant slice(s) of {overall['n']} rows ({report['task']}, overall "
                 f"{overall['metric']} {value}){': ' + shown if shown else ''}{chosen}"),
        figures={"significant_slices": len(significant), "rows": overall["n"], "metric": overall["metric"],
                 "task": report["task"], "overall": overall["value"], "rows_read": report["rows"]["read"],
                 "rows_dropped": report["rows"]["dropped"],
                 "pool_rows_chosen": selection["chosen"] if selection else None},
        reports=reports, next_step=significant[0]["recommendation"] if significant else "")
