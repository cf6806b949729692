"""Every notebook executes top to bottom (InteractiveContext, real components on real data), prints its
findings, and `context.show(report)` renders the report's HTML page."""
import glob
import os

import pytest

from tests.paths import REPO_ROOT

# notebook: (text its cells must print, title of the HTML report context.show() must render)
EXPECTED = {
    "drift_validator.ipynb": (["DRIFT blessed: 0", "NO_DRIFT blessed: 1"], "Drift report"),
    "label_consistency.ipynb": (["INCONSISTENT alpha", "revise the instructions for class 1", "CONSISTENT alpha",
                                 "blessed: 1"], "Label consistency: instructions v2"),
    "slice_error_analyzer.ipynb": (["slices evaluated", "blessed: 2", "score "], "Slice error analysis"),
}


def test_every_notebook_is_checked():
    found = {os.path.basename(p) for p in glob.glob(os.path.join(REPO_ROOT, "notebooks", "*.ipynb"))}
    assert found == set(EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_executes_and_shows_its_report(name, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("DCAI_NOTEBOOK_OUTPUT", str(tmp_path))
    notebook = nbformat.read(os.path.join(REPO_ROOT, "notebooks", name), as_version=4)
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs)
    pages = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    printed, title = EXPECTED[name]
    for expected in printed:
        assert expected in text, f"{name} did not print {expected!r}"
    assert any("<iframe" in page and title in page for page in pages), f"{name}: context.show rendered no report"
