"""Writes `<name>_report.json` and `<name>_report.html` side by side, on any filesystem (through fileio)."""
import os

from tfx_dcai import artifact_io


def report_file_names(name: str) -> tuple:
    """The two file names of report `name`: (`<name>_report.json`, `<name>_report.html`)."""
    return f"{name}_report.json", f"{name}_report.html"


def write_report(output_dir: str, name: str, report: dict, html: str) -> tuple:
    """Write the JSON and HTML report files of `report`.

    Args:
      output_dir: a directory URI (local, gs://, ram://, ...); created if needed.
      name: report name, e.g. "drift".
      report: the report dict; it must hold `report_version`. NaN and infinity become null.
      html: the standalone HTML page.

    Returns:
      (json path, html path).

    Raises:
      ValueError: when the report has no `report_version`.
    """
    if "report_version" not in report:
        raise ValueError(f"{name} report has no 'report_version' field")
    json_name, html_name = report_file_names(name)
    json_path, html_path = os.path.join(output_dir, json_name), os.path.join(output_dir, html_name)
    artifact_io.write_json(json_path, report)
    artifact_io.write_text(html_path, html)
    return json_path, html_path


def read_report(output_dir: str, name: str) -> dict:
    """The JSON report `name` in directory `output_dir` (any filesystem)."""
    return artifact_io.read_json(os.path.join(output_dir, report_file_names(name)[0]))
