"""tfx-dcai: TFX components for data-centric AI.

Names are resolved lazily (PEP 562) so that `import tfx_dcai.reports` and the `dcai` CLI stay free of
TensorFlow, which `tfx` imports on first use.
"""
import importlib

_EXPORTS = {
    "DriftReport": "tfx_dcai.artifacts",
    "LabelConsistencyReport": "tfx_dcai.artifacts",
    "SliceReport": "tfx_dcai.artifacts",
    "SlicingSpecs": "tfx_dcai.artifacts",
    "DriftBlessing": "tfx_dcai.artifacts",
    "LabelConsistencyBlessing": "tfx_dcai.artifacts",
    "SliceBlessing": "tfx_dcai.artifacts",
    "LabelReviewQueue": "tfx_dcai.artifacts",
    "ReviewedLabels": "tfx_dcai.artifacts",
    "LabelErrorQueue": "tfx_dcai.label_review.component",
    "ApplyReviewedLabels": "tfx_dcai.label_review.component",
    "LabelConsistencyGen": "tfx_dcai.label_consistency.component",
    "DriftValidator": "tfx_dcai.drift_validator.component",
    "SliceErrorAnalyzer": "tfx_dcai.slice_error_analyzer.component",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
