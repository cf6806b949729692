"""Runs in the benchmark venv (.venv-bench-drift_validator, evidently 0.7.23): Evidently's DataDriftPreset on two
CSV files, saved as Evidently's own HTML report. Prints one JSON line (version, drifted columns, HTML size and
the external resources the page references). Called by make_screenshots.py."""
import json
import re
import sys

import evidently
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset


def main():
    reference_path, current_path, out_html = sys.argv[1:4]
    reference, current = pd.read_csv(reference_path), pd.read_csv(current_path)
    # Evidently raises on a column that is empty on one side ("An empty column ... was provided"): leave those out
    empty = sorted(c for c in reference.columns if reference[c].isna().all() or current[c].isna().all())
    reference, current = reference.drop(columns=empty), current.drop(columns=empty)
    snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
    snapshot.save_html(out_html)
    with open(out_html, encoding="utf-8") as f:
        page = f.read()
    external = sorted(set(re.findall(r'(?:src|href)="(https?://[^"]+)"', page)))
    values = snapshot.dict()["metrics"]
    count = next((m["value"] for m in values if m["config"]["type"].endswith("DriftedColumnsCount")), None)
    print(json.dumps({"version": evidently.__version__, "drifted_columns_count": count, "left_out_empty": empty,
                      "html_bytes": len(page.encode()), "external_resources": external}))


if __name__ == "__main__":
    main()
