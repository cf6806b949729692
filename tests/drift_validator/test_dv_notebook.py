"""notebooks/drift_validator.ipynb runs top to bottom (InteractiveContext, real components, a trained model)."""
import os

import nbformat
import pytest
from nbclient import NotebookClient

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_drift_validator_notebook_executes():
    notebook = nbformat.read(os.path.join(REPO, "notebooks", "drift_validator.ipynb"), as_version=4)
    os.environ["PYTHONPATH"] = REPO + os.pathsep + os.environ.get("PYTHONPATH", "")
    NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": REPO}}).execute()
    outputs = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    assert "DRIFT blessed: 0" in outputs and "NO_DRIFT blessed: 1" in outputs
    html = "".join(str(o.get("data", {}).get("text/html", "")) for cell in notebook.cells
                   if cell.cell_type == "code" for o in cell.outputs)
    assert "Drift report" in html and "iframe" in html
