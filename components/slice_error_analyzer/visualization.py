"""Notebook rendering: `InteractiveContext.show(report)` displays slice_report.html."""
import html
import os

from tfx.orchestration.experimental.interactive import visualizations

from components.artifacts import SliceReport
from components.slice_error_analyzer.report import REPORT_NAME


class SliceReportVisualization(visualizations.ArtifactVisualization):
    ARTIFACT_TYPE = SliceReport

    def display(self, artifact):
        from IPython.display import HTML, display

        with open(os.path.join(artifact.uri, f"{REPORT_NAME}_report.html"), encoding="utf-8") as f:
            page = f.read()
        # an iframe keeps the report's own CSS and script apart from the notebook's
        display(HTML(f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:900px;'
                     f'border:1px solid #ddd"></iframe>'))


def register_visualization() -> None:
    """Make `context.show(slice_report_artifact)` render the report (registering again replaces the entry)."""
    visualizations.get_registry().register(SliceReportVisualization)
