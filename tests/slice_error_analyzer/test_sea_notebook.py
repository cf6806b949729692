"""notebooks/slice_error_analyzer.ipynb runs top to bottom (InteractiveContext, real Trainer and analyzer)."""
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_slice_error_analyzer_notebook_executes(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(os.path.join(REPO, "notebooks", "slice_error_analyzer.ipynb"), as_version=4)
    os.environ["PYTHONPATH"] = REPO + os.pathsep + os.environ.get("PYTHONPATH", "")
    os.environ["DCAI_NOTEBOOK_OUTPUT"] = str(tmp_path)
    NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": REPO}}).execute()
    outputs = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    assert "slices evaluated" in outputs and "blessed: 2" in outputs
    assert "score " in outputs  # the parity cell printed SliceLine's top-k
    html = [o["data"]["text/html"] for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
            if "text/html" in o.get("data", {})]
    assert any("<iframe" in page and "Slice error analysis" in page for page in html)  # context.show(report)
