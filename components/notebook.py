"""Notebook set-up: `tfx_dcai.notebook.setup()` once, in the first cell, before importing TFX.

It quiets the warnings that the TFX stack prints on import and that say nothing about the user's work (each
filter names the warning's message and module, nothing broader), and makes `context.show(report)` render tfx-dcai
report pages (which importing any tfx-dcai component under IPython also does). `output_to(path)` sends what a
block prints (including subprocesses, such as the Trainer's packaging of its module file) to a log file.

Importing this module imports neither TensorFlow nor TFX; `setup()` imports TFX.
"""
import contextlib
import logging
import os
import sys

from tfx_dcai.stack_warnings import ignore_import_warnings

# loggers that warn about optional speed-ups and Interactive Beam widgets nobody asked for
QUIET_LOGGERS = ("apache_beam.io.tfrecordio", "apache_beam.runners.interactive.interactive_environment")


def setup(quiet: bool = True) -> None:
    """Prepare a notebook session for tfx-dcai.

    Args:
      quiet: ignore the stack's import warnings (tfx_dcai.stack_warnings) and quiet the loggers above
        (QUIET_LOGGERS).
    """
    if quiet:
        ignore_import_warnings()
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
    from tfx_dcai.reports.notebook import register_visualizations

    register_visualizations()


@contextlib.contextmanager
def output_to(path: str):
    """Send everything the block writes to stdout and stderr to the local file `path`: Python's streams, the
    logging handlers that write to them, and the file descriptors (subprocesses and C++ logs too). Afterwards one
    line says where it went; on an error the log's last lines are printed to stderr and the error is raised.

    Args:
      path: a local file (created or appended to).

    Yields:
      `path`.
    """
    streams = (sys.stdout, sys.stderr)
    for stream in streams:
        stream.flush()
    loggers = [logging.getLogger()] + [v for v in logging.Logger.manager.loggerDict.values()
                                       if isinstance(v, logging.Logger)]
    handlers = list({id(h): h for lg in loggers for h in lg.handlers
                     if isinstance(h, logging.StreamHandler) and getattr(h, "stream", None) in streams}.values())
    saved_fds = (os.dup(1), os.dup(2))
    failed = False
    with open(path, "a", encoding="utf-8", errors="replace") as log:  # local
        old_streams = [h.setStream(log) for h in handlers]
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                yield path
        except BaseException:
            failed = True
            raise
        finally:
            log.flush()
            os.dup2(saved_fds[0], 1)
            os.dup2(saved_fds[1], 2)
            for fd in saved_fds:
                os.close(fd)
            for handler, old in zip(handlers, old_streams):
                handler.setStream(old)
            if failed:
                with open(path, encoding="utf-8", errors="replace") as f:  # local
                    print("".join(f.readlines()[-30:]), file=sys.stderr)
    print(f"(output in {path})")
