"""Where the repository's own files are, for tests that read notebooks, scripts or the Makefile."""
import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
