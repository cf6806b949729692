"""Notebook rendering: `InteractiveContext.show(drift_report)` displays drift_report.html."""
import html
import os

from tfx.orchestration.experimental.interactive import visualizations

from components.artifacts import DriftReport


class DriftReportVisualization(visualizations.ArtifactVisualization):
    ARTIFACT_TYPE = DriftReport

    def display(self, artifact):
        from IPython.display import HTML, display

        with open(os.path.join(artifact.uri, "drift_report.html"), encoding="utf-8") as f:
            page = f.read()
        # an iframe keeps the report's own CSS and script apart from the notebook's
        display(HTML(f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:900px;'
                     f'border:1px solid #ddd"></iframe>'))


def register_visualization() -> None:
    """Make `context.show(drift_report_artifact)` render the report (registering again replaces the entry)."""
    visualizations.get_registry().register(DriftReportVisualization)
