"""Notebook rendering: `InteractiveContext.show(report)` displays label_consistency_report.html."""
import html
import os

from tfx.orchestration.experimental.interactive import visualizations

from components.artifacts import LabelConsistencyReport
from components.label_consistency.report import REPORT_NAME


class LabelConsistencyReportVisualization(visualizations.ArtifactVisualization):
    ARTIFACT_TYPE = LabelConsistencyReport

    def display(self, artifact):
        from IPython.display import HTML, display

        with open(os.path.join(artifact.uri, f"{REPORT_NAME}_report.html"), encoding="utf-8") as f:
            page = f.read()
        # an iframe keeps the report's own CSS and script apart from the notebook's
        display(HTML(f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:900px;'
                     f'border:1px solid #ddd"></iframe>'))


def register_visualization() -> None:
    """Make `context.show(report_artifact)` render the report (registering again replaces the entry)."""
    visualizations.get_registry().register(LabelConsistencyReportVisualization)
