"""Beam pipeline options: the one place where Beam args become a pipeline (CLIs, in-memory APIs, local runs).

With no Beam args, work runs in this process on Beam's DirectRunner (`LOCAL_BEAM_ARGS`). Any Beam args a user
passes (`dcai <command> ... -- --runner=... `, `beam_pipeline_args` of a TFX pipeline) replace that default
whole, so the same code runs on Dataflow, Flink or Spark.

`LOCAL_BEAM_ARGS` also names the Beam SDK container image of the locked Beam version. The DirectRunner never
uses it; it tells TFX's Beam executors that the Python dependencies are provided, so that they skip building an
"ephemeral" sdist of the installed tfx package (a 40 MB copy left in a new temporary directory by every
executor run, which TFX never removes).
"""
from typing import List, Optional, Sequence

SDK_CONTAINER_IMAGE = "apache/beam_python3.10_sdk:2.59.0"
LOCAL_BEAM_ARGS = ("--runner=DirectRunner", "--direct_running_mode=in_memory", "--direct_num_workers=1",
                   f"--sdk_container_image={SDK_CONTAINER_IMAGE}")


def beam_args_or_local(beam_args: Optional[Sequence[str]] = None) -> List[str]:
    """The Beam args to run with: the given ones, or LOCAL_BEAM_ARGS when there are none.

    Args:
      beam_args: Beam pipeline args (e.g. ["--runner=PortableRunner", ...]), or None / empty.

    Returns:
      A new list of Beam pipeline args.
    """
    return list(beam_args) if beam_args else list(LOCAL_BEAM_ARGS)


def pipeline_options(beam_args: Optional[Sequence[str]] = None):
    """Beam PipelineOptions for `beam_args` (LOCAL_BEAM_ARGS when there are none).

    Args:
      beam_args: Beam pipeline args, or None.

    Returns:
      apache_beam.options.pipeline_options.PipelineOptions.

    Raises:
      tfx_dcai.errors.InputError: when an arg is not a Beam option (Beam would otherwise ignore it silently).
    """
    from apache_beam.options.pipeline_options import PipelineOptions

    from tfx_dcai.errors import InputError

    args = beam_args_or_local(beam_args)
    options = PipelineOptions(args)
    unknown = [a for a in options.get_all_options(retain_unknown_options=True, drop_default=True)
               if a not in options.get_all_options(retain_unknown_options=False, drop_default=True)]
    if unknown:
        raise InputError(f"Beam args: unknown option(s) {', '.join('--' + u for u in sorted(unknown))}, which Beam "
                         "would ignore: check the spelling against Beam's pipeline options")
    return options


def make_pipeline(beam_args: Optional[Sequence[str]] = None):
    """A beam.Pipeline for `beam_args` (in-process DirectRunner when there are none).

    Args:
      beam_args: Beam pipeline args, or None.

    Returns:
      apache_beam.Pipeline, to be used as a context manager.

    Raises:
      tfx_dcai.errors.InputError: for an unknown option or runner.
    """
    import apache_beam as beam

    from tfx_dcai.errors import InputError

    options = pipeline_options(beam_args)
    try:
        return beam.Pipeline(options=options)
    except ValueError as exc:  # e.g. "Unexpected pipeline runner: NoSuchRunner"
        raise InputError(f"Beam args: {exc}") from None
