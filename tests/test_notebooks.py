"""Every notebook in notebooks/ executes top to bottom (InteractiveContext on real data) without an error."""
import glob
import os

import pytest

from pipelines import REPO_ROOT

NOTEBOOKS = sorted(glob.glob(os.path.join(REPO_ROOT, "notebooks", "*.ipynb")))


def test_there_are_notebooks():
    assert {os.path.basename(n) for n in NOTEBOOKS} >= {
        "drift_validator.ipynb", "label_consistency.ipynb", "slice_error_analyzer.ipynb"}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_executes(path, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    os.environ["DCAI_NOTEBOOK_OUTPUT"] = str(tmp_path)
    client.execute()
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
