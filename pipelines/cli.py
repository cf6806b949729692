"""`dcai`: run the taxi demo, compile for Kubeflow, and run each tfx-dcai component on files.

Heavy imports (TensorFlow, TFX, Beam) happen inside the commands, so `dcai --help` answers at once.
Every command ends with one summary line (or one JSON object with --json) and an exit code: 0 pass, 1 a blocking
finding (its report is written), 2 bad input (one line on stderr), 3 an internal error (with its traceback).
Arguments after a lone `--` are Beam pipeline args.
"""
import argparse
import importlib
import os
import sys

from tfx_dcai import command

# Component subcommands: name -> (module with add_arguments(parser), run(args, beam_args) -> Outcome and EXAMPLES).
COMPONENT_COMMANDS = {
    "drift": ("tfx_dcai.drift_validator.cli",
              "compare current data with a baseline: anomalies, data and concept drift"),
    "agreement": ("tfx_dcai.label_consistency.cli",
                  "labeler agreement, per-class diagnosis and consensus labels"),
    "label-errors": ("tfx_dcai.label_review.cli", "rank examples by how likely their label is wrong; queue for review"),
    "slices": ("tfx_dcai.slice_error_analyzer.cli",
               "find the data slices where a model is significantly worse"),
}
BEAM_ARGS_EPILOG = ("Arguments after a lone '--' are Beam pipeline args (default: in this process on Beam's "
                    "DirectRunner), e.g. '-- --runner=PortableRunner --job_endpoint=localhost:8099 "
                    "--environment_type=LOOPBACK'.")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2, and help keeps the examples' layout."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(command.EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _writable_dir(path: str) -> str:
    """Create local directory `path` if needed and prove it is writable, or fail with one clear line."""
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, ".dcai-write-test")
        with open(probe, "w"):  # local: the demo's output directory is on this machine
            pass
        os.remove(probe)
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"cannot write to output directory {path!r} ({exc.strerror}); choose another --output-dir") from None
    return path


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def _demo(args, beam_args) -> command.Outcome:
    from tfx_dcai.pipelines.local_runner import PIPELINE_NAME, run_local
    from tfx_dcai.pipelines.run_summary import format_summary, latest_run, pushed_model, sqlite_store
    from tfx_dcai.pipelines.taxi_pipeline import default_branches

    command.progress("running the taxi pipeline (about 2 minutes on all trips; --data-fraction makes it shorter)")
    paths = run_local(args.output_dir, beam_pipeline_args=beam_args, data_fraction=args.data_fraction,
                      enable_cache=not args.no_cache, train_steps=args.train_steps,
                      branches=default_branches(args.label_instructions))
    nodes = latest_run(sqlite_store(paths.metadata_path), PIPELINE_NAME)
    if not args.json:
        print(format_summary(nodes, paths.metadata_path))
    pushed = pushed_model(nodes)
    failed = [n.node for n in nodes if n.state not in ("COMPLETE", "CACHED")]
    return command.Outcome(
        status="PIPELINE_RAN", blocking=False,
        summary=f"{len(nodes)} components ran ({len(failed)} not complete); pushed model: {pushed or 'none'}",
        figures={"components": len(nodes), "not_complete": failed, "pushed_model": pushed},
        reports={"metadata": paths.metadata_path, "pipeline_root": paths.pipeline_root})


def _compile_kubeflow(args, beam_args) -> command.Outcome:
    from tfx_dcai.pipelines.kubeflow_runner import compile_kubeflow

    path = compile_kubeflow(args.output, target=args.target, pipeline_function=args.pipeline, image=args.image,
                            pipeline_root=args.pipeline_root, data_root=args.data_root, beam_pipeline_args=beam_args)
    kind = "Kubeflow Pipelines 2.x PipelineSpec YAML" if args.target == "kfp" else "Vertex AI PipelineJob JSON"
    return command.Outcome(status="COMPILED", blocking=False, summary=f"{kind} for image {args.image}",
                           reports={"pipeline": path})


def _prepare_data(args, beam_args) -> command.Outcome:
    from tfx_dcai.pipelines.taxi_data import prepare_taxi_data

    manifest = prepare_taxi_data(args.output_dir, fraction=args.data_fraction)
    rows = manifest["rows_out"]
    return command.Outcome(status="PREPARED", blocking=False,
                           summary=f"trips written per source {rows} (dropped: {manifest['dropped'] or 'none'})",
                           figures={"rows_out": rows, "dropped": manifest["dropped"]},
                           reports={"manifest": os.path.join(args.output_dir, "manifest.json")})


def _add_parser(commands, name: str, help_line: str, examples: str = ""):
    epilog = (f"examples:\n{examples.rstrip()}\n\n" if examples else "") + BEAM_ARGS_EPILOG
    sub = commands.add_parser(name, help=help_line, description=help_line, epilog=epilog)
    return sub


def build_parser() -> argparse.ArgumentParser:
    from tfx_dcai.pipelines.kubeflow_runner import DEFAULT_DATA_ROOT, DEFAULT_IMAGE, DEFAULT_PIPELINE_ROOT

    parser = _Parser(prog="dcai", description=__doc__.split("\n")[0],
                     epilog="Run 'dcai COMMAND --help' for a command's flags and examples.\n" + BEAM_ARGS_EPILOG)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    demo = _add_parser(commands, "demo", "run the full taxi pipeline locally (Beam, SQLite ML Metadata)",
                       "  dcai demo                                  # all 15,000 trips, about 2 minutes\n"
                       "  dcai demo --data-fraction 0.1 --no-cache   # a quick run that re-executes everything\n"
                       "  dcai demo -- --direct_running_mode=multi_processing --direct_num_workers=2")
    demo.add_argument("--output-dir", type=_writable_dir, default="output",
                      help="everything the run writes: data, pipeline root, MLMD, pushed model (default: output)")
    demo.add_argument("--data-fraction", type=_fraction, default=1.0,
                      help="deterministic sample of the trips, in (0, 1] (default: 1.0)")
    demo.add_argument("--train-steps", type=int, default=500, help="Trainer steps (default: 500)")
    demo.add_argument("--no-cache", action="store_true", help="re-execute every component (default: use the cache)")
    demo.add_argument("--label-instructions", choices=("v1", "v2"), default="v2",
                      help="the simulated annotation sample: v1 (ambiguous instructions, blocks) or v2 (revised) "
                           "(default: v2)")
    demo.set_defaults(handler=_demo)

    prepare = _add_parser(commands, "prepare-data", "write the train/serving/feedback taxi sources only",
                          "  dcai prepare-data --output-dir /tmp/dcai-data")
    prepare.add_argument("--output-dir", type=_writable_dir, required=True, help="where the three sources go")
    prepare.add_argument("--data-fraction", type=_fraction, default=1.0,
                         help="deterministic sample of the trips, in (0, 1] (default: 1.0)")
    prepare.set_defaults(handler=_prepare_data)

    kubeflow = _add_parser(commands, "compile-kubeflow",
                           "compile a pipeline for Kubeflow Pipelines 2.x (YAML) or Vertex AI Pipelines (JSON)",
                           "  dcai compile-kubeflow --output dcai_taxi.yaml --image REGISTRY/tfx-dcai:0.2.0 \\\n"
                           "      --pipeline-root gs://BUCKET/root --data-root gs://BUCKET/data\n"
                           "  dcai compile-kubeflow --target vertex --output dcai_taxi.json \\\n"
                           "      --image REGISTRY/tfx-dcai:0.2.0\n"
                           "  dcai compile-kubeflow --output mine.yaml --pipeline my_project.pipeline:create_pipeline")
    kubeflow.add_argument("--output", required=True, help="the file to write (.yaml for kfp, .json for vertex)")
    kubeflow.add_argument("--target", choices=("kfp", "vertex"), default="kfp",
                          help="kfp: PipelineSpec 2.1.0 YAML for open-source KFP 2.x; vertex: PipelineJob JSON "
                               "(default: kfp)")
    kubeflow.add_argument("--pipeline", metavar="MODULE:FUNCTION",
                          help="a function returning a tfx.dsl.Pipeline (default: the taxi pipeline); called with "
                               "those of pipeline_root, data_root, beam_pipeline_args, image it accepts")
    kubeflow.add_argument("--image", default=DEFAULT_IMAGE,
                          help=f"container image built from the Dockerfile (default: {DEFAULT_IMAGE})")
    kubeflow.add_argument("--pipeline-root", default=DEFAULT_PIPELINE_ROOT,
                          help=f"where the pipeline's artifacts go (default: {DEFAULT_PIPELINE_ROOT})")
    kubeflow.add_argument("--data-root", default=DEFAULT_DATA_ROOT,
                          help=f"where `dcai prepare-data` output lives (default: {DEFAULT_DATA_ROOT})")
    kubeflow.set_defaults(handler=_compile_kubeflow)

    for name, (module_name, help_line) in COMPONENT_COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = _add_parser(commands, name, help_line, getattr(module, "EXAMPLES", ""))
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    for sub in commands.choices.values():
        command.add_common_arguments(sub)
        _show_defaults(sub)
    return parser


def _show_defaults(parser) -> None:
    """Append "(default: X)" to the help of every optional flag whose help does not say its default yet."""
    for action in parser._actions:
        if (not action.option_strings or action.required or action.help in (None, argparse.SUPPRESS)
                or action.nargs == 0 or "default" in action.help):
            continue
        default = action.default
        shown = "none" if default is None else ",".join(map(str, default)) if isinstance(default, (list, tuple)) \
            else default
        action.help = f"{action.help} (default: {shown})"


def main(argv=None) -> int:
    """The `dcai` console script.

    It selects tf-keras for TFX 1.16's Trainer and Evaluator under TensorFlow 2.16 (TF_USE_LEGACY_KERAS=1) and
    quietens TensorFlow's C++ start-up messages (TF_CPP_MIN_LOG_LEVEL=2), unless the user set them, before anything
    imports TensorFlow: entry points set process state, library modules do not.

    Args:
      argv: the arguments (default: sys.argv[1:]); those after a lone `--` are Beam pipeline args.

    Returns:
      The exit code (see tfx_dcai.command).
    """
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = list(sys.argv[1:] if argv is None else argv)
    beam_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    args = build_parser().parse_args(argv)
    return command.run(args.command, _with_taxi_errors(args.handler), args, beam_args or None)


def _with_taxi_errors(handler):
    """TaxiDataError (the bundled data cannot be found) is bad input too."""
    def run(args, beam_args):
        from tfx_dcai.errors import InputError
        from tfx_dcai.pipelines.taxi_data import TaxiDataError

        try:
            return handler(args, beam_args)
        except TaxiDataError as exc:
            raise InputError(str(exc)) from None
    return run


if __name__ == "__main__":
    sys.exit(main())
