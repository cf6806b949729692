"""scoped_tempdir: a run's temporary files go away with it, and TMPDIR is restored."""
import os
import tempfile

from tfx_dcai.pipelines.scratch import scoped_tempdir


def test_scoped_tempdir_holds_the_runs_temporary_files_and_removes_them():
    before = os.environ.get("TMPDIR")
    with scoped_tempdir() as scratch:
        made = tempfile.mkdtemp()
        assert os.path.dirname(made) == scratch and os.environ["TMPDIR"] == scratch
    assert not os.path.exists(scratch)
    assert os.environ.get("TMPDIR") == before and tempfile.gettempdir() != scratch
