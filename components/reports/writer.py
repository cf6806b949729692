"""Writes `<name>_report.json` and `<name>_report.html` side by side."""
import json
import math
import os


def _json_safe(value):
    """NaN and infinity are not JSON: they become null (and the report says why elsewhere)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _json_safe(value.item())
    return value


def write_report(output_dir: str, name: str, report: dict, html: str) -> tuple:
    """Write the JSON and HTML report files; returns their paths. `report` must hold `report_version`."""
    if "report_version" not in report:
        raise ValueError(f"{name} report has no 'report_version' field")
    os.makedirs(output_dir, exist_ok=True)
    json_path = os.path.join(output_dir, f"{name}_report.json")
    html_path = os.path.join(output_dir, f"{name}_report.html")
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(_json_safe(report), f, indent=2, sort_keys=False, allow_nan=False)
        f.write("\n")
    with open(html_path, "w", encoding="utf-8") as f:
        f.write(html)
    return json_path, html_path


def read_report(output_dir: str, name: str) -> dict:
    with open(os.path.join(output_dir, f"{name}_report.json"), encoding="utf-8") as f:
        return json.load(f)
