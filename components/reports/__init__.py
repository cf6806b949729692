"""Shared report writing: stable JSON files and self-contained HTML pages with inline SVG plots.

No TensorFlow here: reports render from plain Python values.
"""
from tfx_dcai.reports.html import escape, page, section, table, findings_list
from tfx_dcai.reports.svg import bar_chart, heatmap, line_chart, overlaid_distributions, interval_scatter
from tfx_dcai.reports.writer import write_report, read_report

__all__ = [
    "escape", "page", "section", "table", "findings_list",
    "bar_chart", "heatmap", "line_chart", "overlaid_distributions", "interval_scatter",
    "write_report", "read_report",
]
