"""The built wheel, installed (not editable) into a fresh venv from the lock, inside a user's project that has its
own `components/` and `pipelines/` packages: the import name, the console script and the demo all work."""
import glob
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.paths import REPO_ROOT

pytestmark = pytest.mark.slow


def _uv() -> str:
    found = shutil.which("uv") or os.path.expanduser("~/.local/bin/uv")
    if not os.path.exists(found):
        pytest.fail("uv is needed to build the test venv (requirements/make_venv.sh installs it)")
    return found


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(project dir, venv bin dir, wheel path) after building the wheel and installing it into a fresh venv."""
    root = tmp_path_factory.mktemp("user_project")
    dist = root / "dist"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    subprocess.run([_uv(), "build", "--wheel", "--out-dir", str(dist), REPO_ROOT], check=True, capture_output=True,
                   env=env, timeout=600)
    wheel = glob.glob(str(dist / "*.whl"))[0]
    venv = root / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([_uv(), "venv", "--quiet", "--seed", "-p", base_python, str(venv)], check=True, env=env)
    python = str(venv / "bin" / "python")
    subprocess.run([_uv(), "pip", "install", "--quiet", "-p", python, "-r",
                    os.path.join(REPO_ROOT, "requirements", "lock.txt")], check=True, env=env, timeout=1200)
    subprocess.run([_uv(), "pip", "install", "--quiet", "-p", python, "--no-deps", wheel], check=True, env=env)
    project = root / "project"
    for package in ("components", "pipelines"):  # a TFX project's own packages with the names we must not take
        (project / package).mkdir(parents=True)
        (project / package / "__init__.py").write_text(f"WHOSE = 'the user project {package}'\n")
    return project, venv / "bin", wheel


def test_the_wheel_installs_only_the_tfx_dcai_package_and_carries_the_schemas(installed):
    _, _, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == {"tfx_dcai"}
    assert "tfx_dcai/schemas/taxi/schema.pbtxt" in names
    assert "tfx_dcai/pipelines/trainer/taxi_trainer.py" in names


def test_the_users_own_components_and_pipelines_packages_and_tfx_dcai_import_side_by_side(installed):
    project, bin_dir, _ = installed
    code = ("import components, pipelines\n"
            "from tfx_dcai import DriftValidator, SliceErrorAnalyzer, LabelConsistencyGen\n"
            "import tfx_dcai\n"
            "print(components.WHOSE, '|', pipelines.WHOSE, '|', 'site-packages' in tfx_dcai.__file__, '|',\n"
            "      DriftValidator.__name__, SliceErrorAnalyzer.__name__, LabelConsistencyGen.__name__)")
    result = subprocess.run([str(bin_dir / "python"), "-c", code], cwd=str(project), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("|") == ["the user project components ", " the user project pipelines ", " True ",
                                        " DriftValidator SliceErrorAnalyzer LabelConsistencyGen\n"]


def test_dcai_demo_runs_from_the_installed_wheel(installed):
    project, bin_dir, _ = installed
    help_result = subprocess.run([str(bin_dir / "dcai"), "--help"], cwd=str(project), capture_output=True,
                                 text=True, timeout=120)
    assert help_result.returncode == 0 and "compile-kubeflow" in help_result.stdout
    env = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "PYTHONPATH")}
    result = subprocess.run([str(bin_dir / "dcai"), "demo", "--data-fraction", "0.1", "--train-steps", "50",
                             "--output-dir", str(project / "output"), "--json"], cwd=str(project),
                            capture_output=True, text=True, timeout=1800, env=env)
    assert result.returncode == 0, result.stderr[-5000:]
    assert '"status": "PIPELINE_RAN"' in result.stdout
    assert glob.glob(str(project / "output" / "pipeline_root" / "DriftValidator" / "drift_report" / "*" /
                         "drift_report.html"))
