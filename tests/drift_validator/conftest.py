"""Fixtures of the DriftValidator tests."""
import importlib.util
import os

import pytest


@pytest.fixture(scope="session")
def penguin():
    """tests/drift_validator/dv_penguin_model.py (the penguin data of the tfx wheel and a model on it)."""
    path = os.path.join(os.path.dirname(__file__), "dv_penguin_model.py")
    spec = importlib.util.spec_from_file_location("dv_penguin_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def penguin_model(penguin, tmp_path_factory):
    """A real 3-class SavedModel (softmax over the three species) fitted on the penguin train split."""
    return penguin.export_model(str(tmp_path_factory.mktemp("penguin_model") / "model"))
