"""SliceErrorAnalyzer: slices where a model is significantly worse, and what data to get.

`find_slices` (TF-free) is resolved lazily so importing this package stays cheap.
"""
import importlib

_EXPORTS = {"find_slices": "tfx_dcai.slice_error_analyzer.api",
            "SliceConfig": "tfx_dcai.slice_error_analyzer.config",
            "SliceInputError": "tfx_dcai.slice_error_analyzer.errors"}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tfx_dcai.slice_error_analyzer' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
