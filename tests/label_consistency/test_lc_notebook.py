"""notebooks/label_consistency.ipynb runs top to bottom (InteractiveContext, real components)."""
import os

import nbformat
import pytest
from nbclient import NotebookClient

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_label_consistency_notebook_executes(monkeypatch):
    notebook = nbformat.read(os.path.join(REPO, "notebooks", "label_consistency.ipynb"), as_version=4)
    monkeypatch.setenv("PYTHONPATH", REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": REPO}}).execute()
    outputs = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    assert "INCONSISTENT alpha" in outputs and "revise the instructions for class 1" in outputs
    assert "CONSISTENT alpha" in outputs and "blessed: 1" in outputs
