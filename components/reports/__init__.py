"""Shared report writing: stable JSON files and self-contained HTML pages with inline SVG plots.

No TensorFlow here: reports render from plain Python values.
"""
from tfx_dcai.reports.html import (Interval, Text, as_text, escape, expandable, findings_list, format_number,
                                   key_values, none_note, page, section, summary_block, table)
from tfx_dcai.reports.svg import bar_chart, heatmap, line_chart, overlaid_distributions, interval_scatter
from tfx_dcai.reports.writer import write_report, read_report

__all__ = [
    "Interval", "Text", "as_text", "escape", "expandable", "findings_list", "format_number", "key_values",
    "none_note", "page", "section", "summary_block", "table",
    "bar_chart", "heatmap", "line_chart", "overlaid_distributions", "interval_scatter",
    "write_report", "read_report",
]
