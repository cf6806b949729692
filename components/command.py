"""How every `dcai` command ends, prints and reports progress: the outcome contract, in one place.

Exit codes (docs/errors.md):
- 0 `EXIT_PASS`: the run finished and found nothing that blocks;
- 1 `EXIT_BLOCKED`: the run finished with a blocking finding; its report is written;
- 2 `EXIT_BAD_INPUT`: the input cannot be used: one line on stderr names the file, column or value and what to do
  (no traceback, unless `--debug`);
- 3 `EXIT_INTERNAL`: an internal error (a bug), printed with its traceback.

A command's handler returns an `Outcome`; `run` prints its one summary line (or, with `--json`, one JSON object on
stdout) and returns the exit code. Progress goes to stderr through the `tfx_dcai.progress` logger, which `run`
connects to stderr for the duration of the command (library code only emits records; `--quiet` silences them).
"""
import contextlib
import dataclasses
import json
import logging
import os
import re
import sys
import traceback
import warnings
from typing import Callable, Dict, Iterable, Optional

from tfx_dcai.stack_warnings import ignore_import_warnings

EXIT_PASS, EXIT_BLOCKED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
PROGRESS_LOGGER = "tfx_dcai.progress"
PROGRESS_SECONDS = 5.0  # rows-read progress lines at most this often per stage
_WRAPPED_INPUT_ERROR = re.compile(r"\b\w*InputError: (.+)")
_QUIET_LOGGERS = ("apache_beam", "absl", "tensorflow")


@dataclasses.dataclass
class Outcome:
    """What a finished command found.

    Attributes:
      status: the report's status, e.g. "DRIFT", "CONSISTENT", "SIGNIFICANT_SLICES".
      blocking: whether the finding blocks (exit code 1) or not (0).
      summary: the key figures in one line of text, e.g. "5 of 17 features drifted (trip_miles, ...)".
      figures: the same figures for machine readers (`--json`).
      reports: {"json": path, "html": path, ...}: the files written.
      next_step: one line saying what to do next ("" when there is nothing to do).
    """
    status: str
    blocking: bool
    summary: str
    figures: Dict[str, object] = dataclasses.field(default_factory=dict)
    reports: Dict[str, str] = dataclasses.field(default_factory=dict)
    next_step: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_BLOCKED if self.blocking else EXIT_PASS

    def line(self, command: str) -> str:
        """The one summary line: `dcai <command>: <STATUS> (blocks|passes): <summary>; next: ...; report: <html>`."""
        verdict = "blocks" if self.blocking else "passes"
        parts = [f"dcai {command}: {self.status} ({verdict}): {self.summary}"]
        if self.next_step:
            parts.append(f"next: {self.next_step}")
        report = self.reports.get("html") or self.reports.get("json") or next(iter(self.reports.values()), "")
        if report:
            parts.append(f"report: {report}")
        return "; ".join(parts)

    def to_json(self, command: str) -> dict:
        return {"command": command, "status": self.status, "exit_code": self.exit_code, "blocking": self.blocking,
                "summary": self.summary, "next_step": self.next_step, "figures": self.figures,
                "reports": self.reports}


def add_common_arguments(parser) -> None:
    """--json, --debug and --quiet, the same on every command."""
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (status, exit code, figures, report paths) instead of the "
                             "summary line")
    parser.add_argument("--debug", action="store_true",
                        help="print the traceback of bad-input errors and Beam's own log messages")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")


def input_error_message(exc: BaseException) -> Optional[str]:
    """The message of the tfx_dcai.errors.InputError behind `exc`, or None when it is not bad input.

    Beam re-raises an error from inside a transform wrapped in its own exception (sometimes only as text), so the
    chain of causes and the wrapped text are both searched.
    """
    from tfx_dcai.errors import InputError

    seen, visited = exc, set()
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(seen, InputError):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    match = _WRAPPED_INPUT_ERROR.search(str(exc))
    return match.group(1).strip() if match else None


def progress(message: str, *args) -> None:
    """A progress message for the user (stderr when a command runs; nowhere otherwise)."""
    logging.getLogger(PROGRESS_LOGGER).info(message, *args)


@contextlib.contextmanager
def _progress_to_stderr(command: str, quiet: bool, debug: bool):
    """Connect the progress logger to stderr and quieten Beam/TF logging and the stack's import warnings for one
    command; restore afterwards."""
    logger = logging.getLogger(PROGRESS_LOGGER)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"dcai {command}: %(message)s"))
    previous = (logger.level, logger.propagate)
    quieted = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    if not quiet:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    if not debug:
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            if not debug:
                ignore_import_warnings()
            yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]
        for name, level in quieted.items():
            logging.getLogger(name).setLevel(level)


def run(command: str, handler: Callable[..., Outcome], args, beam_args=None) -> int:
    """Run one command's handler under the outcome contract; returns the exit code.

    Args:
      command: the command name, e.g. "drift" (used in every line printed).
      handler: handler(args, beam_args) -> Outcome.
      args: the parsed arguments (with the common --json/--debug/--quiet flags).
      beam_args: Beam pipeline args given after `--` (None for the in-process default).

    Returns:
      0, 1, 2 or 3 (see the module docstring).
    """
    as_json, debug, quiet = (getattr(args, name, False) for name in ("json", "debug", "quiet"))
    try:
        with _progress_to_stderr(command, quiet or as_json, debug):
            outcome = handler(args, beam_args)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 -- every failure ends in exit code 2 or 3, never a traceback by accident
        if isinstance(exc, SystemExit):
            raise
        message = input_error_message(exc)
        if message is not None:
            if debug:
                traceback.print_exc()
            print(f"dcai {command}: bad input: {message}", file=sys.stderr)
            if as_json:
                print(json.dumps({"command": command, "status": "BAD_INPUT", "exit_code": EXIT_BAD_INPUT,
                                  "error": message}))
            return EXIT_BAD_INPUT
        traceback.print_exc()
        print(f"dcai {command}: internal error: {type(exc).__name__}: {exc} (a bug in tfx-dcai; please report it "
              "with the traceback above)", file=sys.stderr)
        if as_json:
            print(json.dumps({"command": command, "status": "INTERNAL_ERROR", "exit_code": EXIT_INTERNAL,
                              "error": f"{type(exc).__name__}: {exc}"}))
        return EXIT_INTERNAL
    print(json.dumps(outcome.to_json(command)) if as_json else outcome.line(command))
    return outcome.exit_code


def _is_remote(path: str) -> bool:
    return "://" in path


def check_output_dir(output_dir: str, inputs: Iterable[Optional[str]] = ()) -> str:
    """Refuse an output directory that is a file, or that lies inside (or is) one of the input paths.

    Args:
      output_dir: the --output-dir given.
      inputs: the input paths of the command (files or directories; None entries are skipped).

    Returns:
      `output_dir`.

    Raises:
      tfx_dcai.errors.InputError: naming the flag and the path.
    """
    from tfx_dcai.errors import InputError

    if not _is_remote(output_dir) and os.path.isfile(output_dir):
        raise InputError(f"--output-dir {output_dir} is a file: name a directory (it is created if needed)")
    for path in filter(None, inputs):
        if _is_remote(path) != _is_remote(output_dir):
            continue
        inside = (output_dir.rstrip("/") + "/").startswith(path.rstrip("/") + "/") if _is_remote(path) else (
            os.path.commonpath([os.path.realpath(output_dir), os.path.realpath(path)]) == os.path.realpath(path))
        if inside:
            raise InputError(f"--output-dir {output_dir} is inside the input {path}: the next run would read its "
                             "own outputs; choose a directory outside the inputs")
    return output_dir
