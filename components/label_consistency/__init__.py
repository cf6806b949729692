"""LabelConsistencyGen: labeler agreement, per-class diagnosis and consensus labels.

The folder's layers (docs/label_consistency.md, "Modules"):
- pure statistics (NumPy/SciPy, no Beam, no TensorFlow): agreement.py (alpha, kappas), accumulator.py (the
  combinable sufficient statistics), votes.py (the common case as arrays), items.py (rows -> items, flags),
  consensus.py, dawid_skene.py, transcripts.py, boxes.py, conflicts.py (X->y conflicts),
  confident_learning.py (label errors), summary.py (statistics -> verdict and findings), report.py (JSON + HTML);
- rows to statistics (pyarrow, no Beam): buckets.py (annotation rows -> hash buckets of items),
  bucket_statistics.py (per-bucket summaries and their merges), schema_features.py, config.py;
- Beam transforms: beam_agreement.py (ComputeLabelConsistency), beam_examples.py (DiagnoseExamples);
- TFX glue: component.py, executor.py; the command: cli.py (`dcai agreement`).
The public API below runs on in-memory data without Beam or TensorFlow.
"""
from tfx_dcai.label_consistency.api import agreement_report, cohen_kappa, fleiss_kappa, krippendorff_alpha
from tfx_dcai.label_consistency.config import LabelConsistencyConfig, Thresholds

__all__ = ["agreement_report", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "LabelConsistencyConfig",
           "Thresholds"]
