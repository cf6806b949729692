"""Notebook rendering: after `register_visualizations()`, InteractiveContext's `context.show(artifact)` displays
a DriftReport, LabelConsistencyReport or SliceReport artifact's HTML page (in an iframe, so the report's own
CSS and script stay apart from the notebook's). Imports TFX (and so TensorFlow)."""
import html
import os

from tfx.orchestration.experimental.interactive import visualizations

from tfx_dcai.artifacts import DriftReport, LabelConsistencyReport, SliceReport

REPORT_PAGES = {DriftReport: "drift_report.html", LabelConsistencyReport: "label_consistency_report.html",
                SliceReport: "slice_report.html"}


def report_iframe(page: str, height: int = 900) -> str:
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{height}px;'
            'border:1px solid #ddd"></iframe>')


def _visualization_for(artifact_type, page_name: str):
    class HtmlReportVisualization(visualizations.ArtifactVisualization):
        ARTIFACT_TYPE = artifact_type

        def display(self, artifact):
            from IPython.display import HTML, display

            from tfx_dcai import artifact_io

            display(HTML(report_iframe(artifact_io.read_text(os.path.join(artifact.uri, page_name)))))

    HtmlReportVisualization.__name__ = f"{artifact_type.__name__}Visualization"
    return HtmlReportVisualization


def register_visualizations() -> None:
    """Register the three report visualizations (registering again replaces the entries)."""
    for artifact_type, page_name in REPORT_PAGES.items():
        visualizations.get_registry().register(_visualization_for(artifact_type, page_name))
