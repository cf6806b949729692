"""Shared test set-up: quiet TensorFlow, tf-keras for the Trainer path, and the prepared taxi sample."""
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

SMALL_FRACTION = 0.15  # ~2,250 trips: enough to train and evaluate, small enough for CI


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs a whole TFX pipeline or trains a model (more than a minute)")
    config.addinivalue_line("markers", "fuzz: property-based (Hypothesis) tests of hostile input; `make fuzz` runs "
                                       "them with a larger budget")
    _hypothesis_profiles()


def _hypothesis_profiles():
    """Hypothesis budgets: "default" (make test: a few dozen examples per property, reproducible), "fuzz"
    (make fuzz: HYPOTHESIS_PROFILE=fuzz, hundreds of examples, new random ones each run); no deadline, the machines
    are shared."""
    from hypothesis import HealthCheck, settings

    common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    settings.register_profile("default", max_examples=25, derandomize=True, **common)
    # derandomize=False stated: a profile inherits the "default" profile's settings, derandomize=True included
    settings.register_profile("fuzz", max_examples=400, derandomize=False, **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session", autouse=True)
def _session_tempdir():
    """The test session's temporary files (pytest's tmp_path included) in one directory removed at its end.

    This is the test harness's own process state, not the library's: library code never touches TMPDIR."""
    import shutil
    import tempfile

    previous = os.environ.get("TMPDIR")
    scratch = tempfile.mkdtemp(prefix="dcai-tests-")
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = None
    try:
        yield scratch
    finally:
        if previous is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous
        tempfile.tempdir = None
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def small_taxi_data(tmp_path_factory):
    """The prepared train/serving/feedback sources on a deterministic 15% sample of the trips."""
    from tfx_dcai.pipelines.taxi_data import prepare_taxi_data

    root = str(tmp_path_factory.mktemp("taxi_data"))
    manifest = prepare_taxi_data(root, fraction=SMALL_FRACTION)
    return root, manifest


@pytest.fixture(scope="session")
def full_taxi_data(tmp_path_factory):
    """All 15,000 prepared trips."""
    from tfx_dcai.pipelines.taxi_data import prepare_taxi_data

    root = str(tmp_path_factory.mktemp("taxi_data_full"))
    return root, prepare_taxi_data(root)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless Chromium driven by Selenium (tests/browser.py); skipped only when DCAI_SKIP_BROWSER=1, and a
    browser that cannot start fails in CI."""
    from tests.browser import browser_wanted, chromium

    if not browser_wanted():
        pytest.skip("DCAI_SKIP_BROWSER is set")
    with chromium(str(tmp_path_factory.mktemp("chromium"))) as driver:
        yield driver
