"""Every notebook executes top to bottom (InteractiveContext, real components on real data), prints its
findings, `context.show(report)` renders the report's HTML page in a frame sized to its content, and no cell
writes a warning to stderr. The kernel runs without the Makefile's PYTHONWARNINGS and TF_CPP_MIN_LOG_LEVEL, as a
user's would: the notebooks' own set-up (tfx_dcai.notebook.setup) must keep them quiet."""
import glob
import os
import re
import subprocess
import sys

import pytest

from tests.paths import REPO_ROOT

# notebook: (text its cells must print, title of the HTML report context.show() must render)
EXPECTED = {
    "drift_validator.ipynb": (["DRIFT blessed: 0", "estimated auc before labels", "retrained model blessed:",
                               "NO_DRIFT blessed: 1"], "Drift report"),
    "label_consistency.ipynb": (["INCONSISTENT alpha", "revise the instructions for class 1", "CONSISTENT alpha",
                                 "blessed: 1"], "Label consistency: instructions v2"),
    "label_review.ipynb": (["LABEL_ERRORS_SUSPECTED: estimated label errors", "relabelled:",
                            "accuracy reviewed-500"], "Label errors"),
    "penguin_pipeline.ipynb": (["multiclass accuracy: baseline", "scikit-learn accuracy on the 100 eval rows",
                                "SliceErrorAnalyzer task: multiclass, classes: 3", "classes: 3, blessed:",
                                "relabelled:", "gate open:"], "Drift report"),
    "slice_error_analyzer.ipynb": (["slices evaluated", "blessed: 2", "chosen 200 of a budget of 200", "score "],
                                   "Slice error analysis"),
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
    for variable in ("PYTHONWARNINGS", "TF_CPP_MIN_LOG_LEVEL"):
        monkeypatch.delenv(variable, raising=False)
    notebook = nbformat.read(os.path.join(REPO_ROOT, "notebooks", name), as_version=4)
    NotebookClient(notebook, timeout=1500, kernel_name="python3",  # per cell; pytest.ini caps the test at 1800 s
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs)
    pages = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    printed, title = EXPECTED[name]
    for expected in printed:
        assert expected in text, f"{name} did not print {expected!r}"
    reports = [page for page in pages if 'class="tfx-dcai-report"' in page and title in page]
    assert reports, f"{name}: context.show rendered no report"
    for page in reports:
        assert "onload=" in page and "height:900px" not in page  # sized to its content, no fixed frame
        assert "&lt;div class=&quot;summary" in page  # the report page itself, escaped into srcdoc
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    noise = [line for line in stderr.splitlines() if re.search(r"warn|error|deprecat", line, re.I)]
    assert not noise, f"{name}: warnings in the notebook's stderr outputs:\n" + "\n".join(noise[:20])


def test_importing_a_component_under_ipython_registers_the_report_views():
    """No call needed: tfx_dcai.artifacts registers the views when imported in an IPython session; `import
    tfx_dcai` alone stays free of TensorFlow."""
    code = ("import sys\nfrom IPython.core.interactiveshell import InteractiveShell\nInteractiveShell.instance()\n"
            "import tfx_dcai\nassert 'tensorflow' not in sys.modules\n"
            "from tfx_dcai import DriftReport\n"
            "from tfx.orchestration.experimental.interactive import visualizations\n"
            "for t in ('tfx_dcai.DriftReport', 'tfx_dcai.LabelConsistencyReport', 'tfx_dcai.SliceReport'):\n"
            "    assert visualizations.get_registry().get_visualization(t) is not None, t\n"
            "print('registered')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "registered" in result.stdout, result.stderr[-2000:]


def test_outside_ipython_nothing_is_registered():
    code = ("import tfx_dcai.artifacts\n"
            "from tfx.orchestration.experimental.interactive import visualizations\n"
            "print(visualizations.get_registry().get_visualization('tfx_dcai.DriftReport'))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and result.stdout.strip() == "None", result.stderr[-2000:]
