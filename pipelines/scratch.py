"""A temporary directory for everything a run puts under TMPDIR, removed when the run ends.

TFX's Beam executors copy the installed tfx package (about 40 MB) into a fresh temporary directory on every
run to build an sdist for remote Beam workers, and never remove it; local runs and test sessions wrap
themselves in `scoped_tempdir` so the copies go away with them.
"""
import contextlib
import os
import shutil
import tempfile


@contextlib.contextmanager
def scoped_tempdir(prefix: str = "dcai-"):
    """Point TMPDIR (and Python's tempfile) at a new directory for the duration; remove it afterwards."""
    previous = os.environ.get("TMPDIR")
    scratch = tempfile.mkdtemp(prefix=prefix)
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = None  # tempfile caches its directory: read TMPDIR again
    try:
        yield scratch
    finally:
        if previous is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous
        tempfile.tempdir = None
        shutil.rmtree(scratch, ignore_errors=True)
