"""`dcai`: run the taxi demo, compile for Kubeflow, and run each tfx-dcai component on files.

Heavy imports (TensorFlow, TFX, Beam) happen inside the subcommands, so `dcai --help` answers at once.
Exit codes: 0 success / nothing found, 1 a finding that blocks (drift, inconsistency, bad slices), 2 bad input.
"""
import argparse
import importlib
import os
import sys

# Component subcommands: name -> (module with add_arguments(parser) and run(args) -> int, help line).
COMPONENT_COMMANDS = {
    "drift": ("tfx_dcai.drift_validator.cli", "compare current data with a baseline: anomalies, data and concept drift"),
    "agreement": ("tfx_dcai.label_consistency.cli", "labeler agreement, per-class diagnosis and consensus labels"),
    "slices": ("tfx_dcai.slice_error_analyzer.cli", "find the data slices where a model is significantly worse"),
}
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _writable_dir(path: str) -> str:
    """Create `path` if needed and prove it is writable, or fail with one clear line."""
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, ".dcai-write-test")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"cannot write to output directory {path!r} ({exc.strerror}); choose another --output-dir") from None
    return path


def _demo(args, beam_args) -> int:
    from tfx_dcai.pipelines.local_runner import PIPELINE_NAME, run_local
    from tfx_dcai.pipelines.run_summary import format_summary, latest_run, sqlite_store

    from tfx_dcai.pipelines.taxi_pipeline import default_branches

    paths = run_local(args.output_dir, beam_pipeline_args=beam_args, data_fraction=args.data_fraction,
                      enable_cache=not args.no_cache, train_steps=args.train_steps,
                      branches=default_branches(args.label_instructions))
    print(format_summary(latest_run(sqlite_store(paths.metadata_path), PIPELINE_NAME), paths.metadata_path))
    return 0


def _compile_kubeflow(args, beam_args) -> int:
    from tfx_dcai.pipelines.kubeflow_runner import compile_kubeflow

    path = compile_kubeflow(args.output, image=args.image, pipeline_root=args.pipeline_root,
                            data_root=args.data_root, beam_pipeline_args=beam_args)
    print(f"wrote the Kubeflow Pipelines v2 pipeline JSON to {path} (image {args.image})")
    return 0


def _prepare_data(args, beam_args) -> int:
    from tfx_dcai.pipelines.taxi_data import prepare_taxi_data

    manifest = prepare_taxi_data(args.output_dir, fraction=args.data_fraction)
    print(f"prepared {manifest['rows_out']} trips in {args.output_dir} (dropped: {manifest['dropped'] or 'none'})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from tfx_dcai.pipelines.kubeflow_runner import DEFAULT_DATA_ROOT, DEFAULT_IMAGE, DEFAULT_PIPELINE_ROOT

    parser = _Parser(prog="dcai", description=__doc__.split("\n")[0],
                     epilog="Arguments after a lone '--' are Beam pipeline args, e.g. "
                            "'dcai demo -- --runner=DataflowRunner --project=P --region=R --temp_location=gs://B/tmp'.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    demo = commands.add_parser("demo", help="run the full taxi pipeline locally (Beam, SQLite ML Metadata)")
    demo.add_argument("--output-dir", type=_writable_dir, default="output", help="everything the run writes")
    demo.add_argument("--data-fraction", type=float, default=1.0, help="deterministic sample of the trips (0-1]")
    demo.add_argument("--train-steps", type=int, default=500)
    demo.add_argument("--no-cache", action="store_true", help="re-execute every component")
    demo.add_argument("--label-instructions", choices=("v1", "v2"), default="v2",
                      help="the simulated annotation sample: v1 (ambiguous instructions, blocks) or v2 (revised)")
    demo.set_defaults(handler=_demo)

    prepare = commands.add_parser("prepare-data", help="write the train/serving/feedback taxi sources only")
    prepare.add_argument("--output-dir", type=_writable_dir, required=True)
    prepare.add_argument("--data-fraction", type=float, default=1.0)
    prepare.set_defaults(handler=_prepare_data)

    kubeflow = commands.add_parser("compile-kubeflow", help="compile the pipeline to a KFP v2 pipeline JSON")
    kubeflow.add_argument("--output", required=True, help="the pipeline JSON file to write")
    kubeflow.add_argument("--image", default=DEFAULT_IMAGE, help="container image built from the Dockerfile")
    kubeflow.add_argument("--pipeline-root", default=DEFAULT_PIPELINE_ROOT)
    kubeflow.add_argument("--data-root", default=DEFAULT_DATA_ROOT, help="where `dcai prepare-data` output lives")
    kubeflow.set_defaults(handler=_compile_kubeflow)

    for name, (module_name, help_line) in COMPONENT_COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = commands.add_parser(name, help=help_line)
        module.add_arguments(sub)
        sub.set_defaults(handler=lambda args, beam_args, module=module: module.run(args))
    return parser


def main(argv=None) -> int:
    """The `dcai` console script. It selects tf-keras for TFX 1.16's Trainer and Evaluator under TensorFlow 2.16
    (TF_USE_LEGACY_KERAS=1, unless the user set it) before anything imports TensorFlow: entry points set process
    state, library modules do not."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    argv = list(sys.argv[1:] if argv is None else argv)
    beam_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    args = build_parser().parse_args(argv)
    from tfx_dcai.errors import InputError
    from tfx_dcai.pipelines.taxi_data import TaxiDataError

    try:
        return args.handler(args, beam_args)
    except (InputError, TaxiDataError) as exc:
        print(f"dcai {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
