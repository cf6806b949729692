"""Notebook rendering: InteractiveContext's `context.show(artifact)` displays a DriftReport, LabelConsistencyReport
or SliceReport artifact's HTML page.

The visualizations register themselves when `tfx_dcai.artifacts` is imported under IPython (every tfx-dcai
component imports it), so no call is needed; `tfx_dcai.notebook.setup()` also quiets the stack's import warnings.
The page sits in an iframe (its CSS and script stay apart from the notebook's) that takes the height of its
content and follows it when a section is expanded. Imports TFX (and so TensorFlow).
"""
import os

from tfx.orchestration.experimental.interactive import visualizations

from tfx_dcai.reports.html import notebook_frame

REPORT_PAGES = {"DriftReport": "drift_report.html", "LabelConsistencyReport": "label_consistency_report.html",
                "SliceReport": "slice_report.html"}  # artifact class in tfx_dcai.artifacts -> its page


def _visualization_for(artifact_type, page_name: str):
    class HtmlReportVisualization(visualizations.ArtifactVisualization):
        ARTIFACT_TYPE = artifact_type

        def display(self, artifact):
            from IPython.display import HTML, display

            from tfx_dcai import artifact_io

            display(HTML(notebook_frame(artifact_io.read_text(os.path.join(artifact.uri, page_name)))))

    HtmlReportVisualization.__name__ = f"{artifact_type.__name__}Visualization"
    return HtmlReportVisualization


def register_visualizations() -> None:
    """Register the three report visualizations with TFX's notebook registry (again: replaces the entries)."""
    from tfx_dcai import artifacts  # here, not at the top: importing artifacts under IPython calls this function

    for class_name, page_name in REPORT_PAGES.items():
        visualizations.get_registry().register(_visualization_for(getattr(artifacts, class_name), page_name))
