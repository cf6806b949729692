"""Curated schemas shipped with tfx-dcai (installed as the package data of `tfx_dcai.schemas`)."""
import os

SCHEMAS_DIR = os.path.dirname(os.path.abspath(__file__))


def schema_path(name: str) -> str:
    """The path of the curated `schema.pbtxt` of dataset `name` (e.g. "taxi").

    Args:
      name: a folder of `schemas/` (one per example dataset).

    Returns:
      The absolute path of its schema.pbtxt, inside the installed package.
    """
    return os.path.join(SCHEMAS_DIR, name, "schema.pbtxt")
