"""Custom artifact types of tfx-dcai.

TYPE_NAMEs follow the Kubeflow V2 rule `^[a-z][a-z0-9-_]{2,20}[.][A-Z][a-zA-Z0-9-_]{2,49}$`, and each
class is exported from `components/__init__.py` so a KFP container can import it as `components.<Name>`.
Blessings carry the integer custom property `blessed` (see BLESSED/NOT_BLESSED/NO_BASELINE).
"""
import sys

from tfx.types import artifact
from tfx.types.system_artifacts import Metrics

BLESSED = 1
NOT_BLESSED = 0
NO_BASELINE = 2

_BLESSING_PROPERTY_DOC = "custom property `blessed`: 1 pass, 0 blocked, 2 no baseline"


class DriftReport(artifact.Artifact):
    """drift_report.json + drift_report.html written by DriftValidator."""
    TYPE_NAME = "tfx_dcai.DriftReport"
    TYPE_ANNOTATION = Metrics


class LabelConsistencyReport(artifact.Artifact):
    """label_consistency_report.json + .html written by LabelConsistencyGen."""
    TYPE_NAME = "tfx_dcai.LabelConsistencyReport"
    TYPE_ANNOTATION = Metrics


class SliceReport(artifact.Artifact):
    """slice_report.json + slice_report.html written by SliceErrorAnalyzer."""
    TYPE_NAME = "tfx_dcai.SliceReport"
    TYPE_ANNOTATION = Metrics


class SlicingSpecs(artifact.Artifact):
    """TFMA SlicingSpecs (slicing_specs.json) for the slices SliceErrorAnalyzer found."""
    TYPE_NAME = "tfx_dcai.SlicingSpecs"


class LabelReviewQueue(artifact.Artifact):
    """label_errors.csv (every example ranked; `queued` marks the review queue) + label_errors_report.json/.html,
    written by LabelErrorQueue."""
    TYPE_NAME = "tfx_dcai.LabelReviewQueue"


class ReviewedLabels(artifact.Artifact):
    """reviewed_labels.csv (columns id, reviewed_label): reviewers' labels of queued examples, read by
    ApplyReviewedLabels."""
    TYPE_NAME = "tfx_dcai.ReviewedLabels"


class DriftBlessing(artifact.Artifact):
    __doc__ = f"DriftValidator's verdict; {_BLESSING_PROPERTY_DOC}."
    TYPE_NAME = "tfx_dcai.DriftBlessing"


class LabelConsistencyBlessing(artifact.Artifact):
    __doc__ = f"LabelConsistencyGen's verdict; {_BLESSING_PROPERTY_DOC}."
    TYPE_NAME = "tfx_dcai.LabelConsistencyBlessing"


class SliceBlessing(artifact.Artifact):
    __doc__ = f"SliceErrorAnalyzer's verdict; {_BLESSING_PROPERTY_DOC}."
    TYPE_NAME = "tfx_dcai.SliceBlessing"


def set_blessed(blessing: artifact.Artifact, value: int) -> None:
    """Record a verdict on a blessing artifact (BLESSED, NOT_BLESSED or NO_BASELINE)."""
    if value not in (BLESSED, NOT_BLESSED, NO_BASELINE):
        raise ValueError(f"blessed must be 0, 1 or 2, got {value!r}")
    blessing.set_int_custom_property("blessed", value)


def _show_reports_in_notebooks() -> None:
    """Under IPython (a notebook), `InteractiveContext.show(report)` renders the report page: registers the three
    report visualizations with TFX's notebook registry (`tfx_dcai.reports.notebook`). Outside IPython nothing
    happens; registering again replaces the entries."""
    ipython = sys.modules.get("IPython")
    if ipython is None or getattr(ipython, "get_ipython", lambda: None)() is None:
        return
    from tfx_dcai.reports.notebook import register_visualizations

    register_visualizations()


_show_reports_in_notebooks()
