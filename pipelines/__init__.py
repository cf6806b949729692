"""tfx-dcai pipelines: the Chicago taxi pipeline, its runners and the `dcai` CLI."""
import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAXI_SCHEMA = os.path.join(REPO_ROOT, "schemas", "taxi", "schema.pbtxt")
