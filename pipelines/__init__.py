"""tfx-dcai pipelines: the Chicago taxi pipeline, its runners and the `dcai` CLI."""
import os

# TFX 1.16's Trainer and Evaluator need Keras 2 (tf-keras) under TensorFlow 2.16; it must be chosen before TensorFlow
# is imported, so `dcai demo` works without `make` (which exports it too). A user's own setting wins.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAXI_SCHEMA = os.path.join(REPO_ROOT, "schemas", "taxi", "schema.pbtxt")
