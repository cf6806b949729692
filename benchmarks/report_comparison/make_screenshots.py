"""Screenshots for docs/report_comparison.md: the three reports of a real taxi pipeline run (`dcai demo`) beside
Evidently's and TFDV's views of the same data (the same ExampleGen train and serving splits).

    .venv/bin/python benchmarks/report_comparison/make_screenshots.py --demo-output output --out docs/screenshots

Runs the demo into --demo-output first unless it holds a finished run. Evidently (0.7.23) runs in its own venv
(.venv-bench-drift_validator, requirements/bench-drift_validator.txt); TFDV in the project's venv. Needs Debian's
chromium and chromium-driver (requirements/install_browser.sh). Screenshots are 1280 px wide, at most
--max-height px tall, reduced to a 128-colour palette to keep the repository small.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)  # tests.browser: the same Chromium set-up as the browser test

EVIDENTLY_PYTHON = os.path.join(ROOT, ".venv-bench-drift_validator", "bin", "python")
REPORTS = {"drift": ("DriftValidator", "drift_report"), "slices": ("SliceErrorAnalyzer", "slice_report"),
           "label_consistency": ("LabelConsistencyGen", "report")}


def _latest(pattern: str) -> str:
    paths = glob.glob(pattern)
    if not paths:
        raise SystemExit(f"nothing matches {pattern}: run the demo first")
    def artifact_id(path):  # the numbered execution folder TFX writes each artifact under
        numbers = re.findall(r"/(\d+)(?=/|$)", path)
        return int(numbers[-1]) if numbers else -1
    return max(paths, key=artifact_id)


def demo_reports(output: str, fraction: float) -> dict:
    """{name: html path} of the demo's reports, running the demo first if needed."""
    root = os.path.join(output, "pipeline_root")
    if not glob.glob(os.path.join(root, "DriftValidator", "drift_report", "*", "drift_report.html")):
        subprocess.run([os.path.join(ROOT, ".venv", "bin", "dcai"), "demo", "--output-dir", output,
                        "--data-fraction", str(fraction)], check=True)
    return {"drift": _latest(os.path.join(root, "DriftValidator", "drift_report", "*", "drift_report.html")),
            "slices": _latest(os.path.join(root, "SliceErrorAnalyzer", "slice_report", "*", "slice_report.html")),
            "label_consistency": _latest(os.path.join(root, "LabelConsistencyGen", "report", "*",
                                                      "label_consistency_report.html"))}


def _examples_frame(pattern: str):
    """The tf.Examples of one ExampleGen split as a DataFrame (first value of each feature)."""
    import pandas as pd
    import tensorflow as tf

    rows = []
    for record in tf.data.TFRecordDataset(sorted(glob.glob(pattern)), compression_type="GZIP"):
        example = tf.train.Example.FromString(record.numpy())
        row = {}
        for name, feature in example.features.feature.items():
            kind = feature.WhichOneof("kind")
            values = list(getattr(feature, kind).value) if kind else []
            value = values[0] if values else None
            row[name] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        rows.append(row)
    return pd.DataFrame(rows)


def rerender(reports: dict, work: str) -> dict:
    """The demo's pages rendered again from their JSON by the current code (what the components write now)."""
    from tfx_dcai.drift_validator import report as drift
    from tfx_dcai.label_consistency import report as label_consistency
    from tfx_dcai.slice_error_analyzer import report as slices

    renderers = {"drift": drift.render_html, "slices": slices.render_html,
                 "label_consistency": label_consistency.render_html}
    pages = {}
    for name, html_path in reports.items():
        with open(html_path.replace(".html", ".json"), encoding="utf-8") as f:  # local
            report = json.load(f)
        pages[name] = os.path.join(work, f"{name}.html")
        with open(pages[name], "w", encoding="utf-8") as f:  # local
            f.write(renderers[name](report))
    return pages


def same_data_csvs(output: str, work: str) -> tuple:
    """train and serving splits of the demo's ExampleGens (what DriftValidator compared) as CSV files."""
    root = os.path.join(output, "pipeline_root")
    train = _examples_frame(os.path.join(_latest(os.path.join(root, "ImportExampleGen.train", "examples", "*",
                                                              "Split-train") + "/"), "*.gz"))
    serving = _examples_frame(os.path.join(_latest(os.path.join(root, "ImportExampleGen.serving", "examples", "*",
                                                                "Split-serving") + "/"), "*.gz"))
    serving = serving[[c for c in train.columns if c in serving.columns]]
    train = train[list(serving.columns)]  # the label and tips are absent from serving: compare the features
    paths = os.path.join(work, "train.csv"), os.path.join(work, "serving.csv")
    train.to_csv(paths[0], index=False)
    serving.to_csv(paths[1], index=False)
    return paths


def evidently_html(train_csv: str, serving_csv: str, out_html: str) -> dict:
    result = subprocess.run([EVIDENTLY_PYTHON, os.path.join(HERE, "evidently_report.py"), train_csv, serving_csv,
                             out_html], check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def tfdv_pages(output: str, work: str) -> dict:
    """TFDV's own views of the same statistics: visualize_statistics' HTML (Facets), and the anomalies and schema
    tables that display_anomalies / display_schema show."""
    import tensorflow_data_validation as tfdv
    from tensorflow_data_validation.utils import display_util
    from tensorflow_metadata.proto.v0 import schema_pb2

    root = os.path.join(output, "pipeline_root")
    train = tfdv.load_stats_binary(os.path.join(_latest(os.path.join(root, "StatisticsGen.train", "statistics", "*",
                                                                     "Split-train") + "/"), "FeatureStats.pb"))
    serving = tfdv.load_stats_binary(os.path.join(_latest(os.path.join(root, "StatisticsGen.serving", "statistics",
                                                                       "*", "Split-serving") + "/"),
                                                  "FeatureStats.pb"))
    schema = tfdv.load_schema_text(os.path.join(_latest(os.path.join(root, "ImportSchemaGen", "schema", "*") + "/"),
                                                "schema.pbtxt"))
    for feature in schema.feature:  # TFDV's drift comparators at the thresholds our report shows beside ours
        if feature.type in (schema_pb2.INT, schema_pb2.FLOAT) and not feature.int_domain.is_categorical:
            feature.drift_comparator.jensen_shannon_divergence.threshold = 0.1
        else:
            feature.drift_comparator.infinity_norm.threshold = 0.1
    anomalies = tfdv.validate_statistics(serving, schema, previous_statistics=train, environment="SERVING")
    pages = {}
    pages["tfdv_facets"] = os.path.join(work, "tfdv_visualize_statistics.html")
    with open(pages["tfdv_facets"], "w", encoding="utf-8") as f:  # local
        f.write(display_util.get_statistics_html(lhs_statistics=serving, rhs_statistics=train,
                                                              lhs_name="serving", rhs_name="train"))
    style = ("<style>body{font-family:sans-serif;margin:1rem}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}</style>")
    pages["tfdv_anomalies"] = os.path.join(work, "tfdv_anomalies.html")
    with open(pages["tfdv_anomalies"], "w", encoding="utf-8") as f:  # local
        f.write(f"<html><head>{style}</head><body><h3>tfdv.display_anomalies (serving vs train, drift comparators "
                f"JSD / L-inf 0.1)</h3>{display_util.get_anomalies_dataframe(anomalies).to_html()}</body></html>")
    pages["tfdv_schema"] = os.path.join(work, "tfdv_schema.html")
    features, domains = display_util.get_schema_dataframe(schema)
    with open(pages["tfdv_schema"], "w", encoding="utf-8") as f:  # local
        f.write(f"<html><head>{style}</head><body><h3>tfdv.display_schema</h3>{features.to_html()}"
                f"{domains.to_html() if domains is not None else ''}</body></html>")
    return pages


def screenshot(driver, html_path: str, png_path: str, max_height: int, wait_s: float = 0.0):
    import base64
    import time

    from PIL import Image, ImageOps

    driver.get("file://" + os.path.abspath(html_path))
    if wait_s:
        time.sleep(wait_s)
    height = min(driver.execute_script("return document.documentElement.scrollHeight;"), max_height)
    data = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 1280, "height": max(height, 200), "scale": 1}})
    raw = png_path + ".raw.png"
    with open(raw, "wb") as f:  # local
        f.write(base64.b64decode(data["data"]))
    image = Image.open(raw).convert("RGB")
    content = ImageOps.invert(image).getbbox()  # drop the blank space under a short page
    if content:
        image = image.crop((0, 0, image.width, min(image.height, content[3] + 16)))
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(png_path, optimize=True)
    os.remove(raw)
    errors = [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    return errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demo-output", default="output", help="a `dcai demo` output directory (run if empty)")
    parser.add_argument("--data-fraction", type=float, default=1.0, help="if the demo must run: its data fraction")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    parser.add_argument("--max-height", type=int, default=2600)
    args = parser.parse_args(argv)
    from tests.browser import chromium

    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="report-comparison-")
    ours = rerender(demo_reports(args.demo_output, args.data_fraction), work)
    train_csv, serving_csv = same_data_csvs(args.demo_output, work)
    pages = {f"tfx_dcai_{name}": path for name, path in ours.items()}
    pages["evidently_data_drift"] = os.path.join(work, "evidently_data_drift.html")
    summary = {"evidently": evidently_html(train_csv, serving_csv, pages["evidently_data_drift"])}
    pages.update(tfdv_pages(args.demo_output, work))
    with chromium(work) as driver:
        driver.get_log("browser")
        for name, path in pages.items():
            png = os.path.join(args.out, f"{name}.png")
            errors = screenshot(driver, path, png, args.max_height, wait_s=8.0 if not name.startswith("tfx") else 0)
            summary[name] = {"png": os.path.relpath(png, ROOT), "bytes": os.path.getsize(png),
                             "html_bytes": os.path.getsize(path), "console_errors": errors[:5]}
            if name == "tfdv_facets" and errors:  # nothing renders offline: keep the reason, not a blank picture
                os.remove(png)
                summary[name]["png"] = None
            print(name, summary[name], flush=True)
    with open(os.path.join(args.out, "screenshots.json"), "w", encoding="utf-8") as f:  # local
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
