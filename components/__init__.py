"""tfx-dcai: TFX components for data-centric AI.

Names are resolved lazily (PEP 562) so that `import components.reports` and the `dcai` CLI stay free of
TensorFlow, which `tfx` imports on first use.
"""
import importlib

_EXPORTS = {
    "DriftReport": "components.artifacts",
    "LabelConsistencyReport": "components.artifacts",
    "SliceReport": "components.artifacts",
    "SlicingSpecs": "components.artifacts",
    "DriftBlessing": "components.artifacts",
    "LabelConsistencyBlessing": "components.artifacts",
    "SliceBlessing": "components.artifacts",
    "LabelConsistencyGen": "components.label_consistency.component",
    "DriftValidator": "components.drift_validator.component",
    "SliceErrorAnalyzer": "components.slice_error_analyzer.component",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
