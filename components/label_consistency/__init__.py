"""LabelConsistencyGen: labeler agreement, per-class diagnosis and consensus labels.

This package stays free of TensorFlow: the public API below runs on in-memory data.
"""
from tfx_dcai.label_consistency.api import agreement_report, cohen_kappa, fleiss_kappa, krippendorff_alpha
from tfx_dcai.label_consistency.summary import Thresholds

__all__ = ["agreement_report", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "Thresholds"]
