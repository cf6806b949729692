"""The warnings the TFX stack prints on import that say nothing about the user's work, in one place.

Each filter names the warning's message, category and module, nothing broader. `dcai` commands ignore them for
the duration of a command (unless `--debug`); `tfx_dcai.notebook.setup()` ignores them for the notebook session.
"""
import warnings

# (message regex, category, module regex): import-time notices of Google client libraries on Python 3.10
IMPORT_WARNINGS = (
    (r"You are using a non-supported Python version", FutureWarning, r"google\.api_core\._python_version_support"),
    (r"Support for google-cloud-storage < 3\.0\.0 will be removed", FutureWarning, r"google\.cloud\.aiplatform"),
)


def ignore_import_warnings() -> None:
    """Add IMPORT_WARNINGS to the current warning filters (wrap in `warnings.catch_warnings()` to scope them)."""
    for message, category, module in IMPORT_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)
