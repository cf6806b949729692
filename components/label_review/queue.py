"""The review queue and the cleaned labels, as plain functions (no Beam, no TensorFlow).

- `queue_table`: label_consistency.beam_examples.label_error_table's rows in rank order, with `queued` = rank <=
  the review budget (by default the estimated number of label errors, rounded).
- `csv_text` / `parse_reviewed`: label_errors.csv (columns QUEUE_COLUMNS) and reviewed_labels.csv (columns id,
  reviewed_label; more columns are ignored; an empty reviewed_label means "keep the given label").
- `report`: label_errors_report.json (report_version, status, estimated_errors, the first suspects, findings).
"""
import csv
import io
import math

QUEUE_FILE = "label_errors.csv"
REVIEWED_FILE = "reviewed_labels.csv"
QUEUE_COLUMNS = ("id", "label", "suggested_label", "label_quality", "suspected", "rank", "queued")
REPORT_NAME = "label_errors"
REPORT_VERSION = 1
SUSPECTS, NO_SUSPECTS = "LABEL_ERRORS_SUSPECTED", "NO_LABEL_ERRORS_SUSPECTED"


def review_budget(estimate: dict, budget=None) -> int:
    """The number of examples to queue: `budget`, else the estimate of label errors, rounded (0 without one)."""
    if budget is not None:
        return int(budget)
    value = (estimate or {}).get("value")
    return int(round(value)) if value is not None and math.isfinite(value) else 0


def queue_table(rows: list, budget: int) -> list:
    """The rows in rank order (1 = most suspicious), each with `queued` (rank <= budget)."""
    return [{**row, "queued": row["rank"] <= budget} for row in sorted(rows, key=lambda r: r["rank"])]


def csv_text(rows: list) -> str:
    """label_errors.csv: the header QUEUE_COLUMNS and one line per row; booleans as true/false."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(QUEUE_COLUMNS)
    for row in rows:
        writer.writerow(["true" if row[c] is True else "false" if row[c] is False else
                         "" if row[c] is None else repr(row[c]) if isinstance(row[c], float) else row[c]
                         for c in QUEUE_COLUMNS])
    return out.getvalue()


def parse_reviewed(text: str, source: str) -> dict:
    """{id: reviewed label text} of a reviewed_labels.csv (empty reviewed labels left out).

    Raises:
      InputError: no id or reviewed_label column, or an id reviewed twice with different labels.
    """
    from tfx_dcai.errors import InputError

    reader = csv.DictReader(io.StringIO(text))
    reviewed = {}
    try:
        if not reader.fieldnames or not {"id", "reviewed_label"} <= set(reader.fieldnames):
            raise InputError(f"{source}: needs columns id and reviewed_label; found {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            label = (row.get("reviewed_label") or "").strip()
            if not label:
                continue
            if reviewed.get(row["id"], label) != label:
                raise InputError(f"{source}: line {line}: id {row['id']!r} reviewed as both "
                                 f"{reviewed[row['id']]!r} and {label!r}")
            reviewed[row["id"]] = label
    except csv.Error as exc:  # e.g. a bare carriage return inside an unquoted value
        raise InputError(f"{source}: line {reader.line_num + 1} is not valid CSV ({exc}); quote values that hold line "
                         "breaks or carriage returns") from None
    return reviewed


def report(summary: dict, table: list, budget: int, n_rows: int, config, source: str) -> dict:
    """label_errors_report.json from label_error_table's summary and the queue table."""
    estimate = summary.get("estimated_errors") or {}
    n_suspected = sum(r["suspected"] for r in table)
    findings = []
    if summary.get("skipped"):
        findings.append(f"confident learning did not run: {summary['skipped']}")
    elif n_suspected:
        findings.append(
            f"review the {budget} queued examples (column queued of {QUEUE_FILE}, most suspicious first): confident "
            f"learning estimates {estimate.get('value', 0):.0f} label errors (95% CI {estimate.get('ci_low', 0):.0f}"
            f"-{estimate.get('ci_high', 0):.0f}) among {len(table)} examples and suspects {n_suspected}")
    left_out = {r: n for r, n in (summary.get("dropped") or {}).items()}
    if left_out:
        findings.append(f"{sum(left_out.values())} examples were left out ({left_out}); they are not ranked")
    return {
        "report_version": REPORT_VERSION,
        "status": SUSPECTS if n_suspected else NO_SUSPECTS,
        "source": source,
        "parameters": {"label_column": config.label_column, "id_column": config.id_column,
                       "prediction_column": config.prediction_column, "n_folds": config.n_folds, "seed": config.seed},
        "probabilities": summary.get("probabilities"),
        "task": summary.get("task"),
        "classes": summary.get("classes"),
        "rows": {"rows_in": n_rows, "rows_ranked": len(table), "rows_dropped": dict(sorted(left_out.items()))},
        "estimated_errors": summary.get("estimated_errors"),
        "n_suspected": n_suspected,
        "review_budget": budget,
        "suspects": [{k: r[k] for k in QUEUE_COLUMNS} for r in table[:config.max_listed]],
        "skipped": summary.get("skipped"),
        "findings": findings,
    }


def render_html(report_dict: dict) -> str:
    """The standalone HTML page of a label errors report (every value escaped by tfx_dcai.reports)."""
    from tfx_dcai import reports

    estimate = report_dict.get("estimated_errors") or {}
    figures = reports.table(["figure", "value"], [
        ["examples ranked", report_dict["rows"]["rows_ranked"]], ["examples left out", sum(
            report_dict["rows"]["rows_dropped"].values())],
        ["estimated label errors", estimate.get("value")], ["95% CI low", estimate.get("ci_low")],
        ["95% CI high", estimate.get("ci_high")], ["suspected (prune by noise rate)", report_dict["n_suspected"]],
        ["queued for review", report_dict["review_budget"]], ["probabilities", report_dict["probabilities"]]])
    suspects = reports.table(list(QUEUE_COLUMNS), [[r[c] for c in QUEUE_COLUMNS] for r in report_dict["suspects"]])
    sections = [reports.section("Findings", reports.findings_list(report_dict["findings"])),
                reports.section("Estimate", figures,
                                note="estimate: n (1 - trace Q) of the calibrated confident joint; 95% CI: bootstrap "
                                     "over examples"),
                reports.section("Most suspicious examples", suspects,
                                note=f"first {len(report_dict['suspects'])}; every example is in {QUEUE_FILE}")]
    ok = report_dict["status"] == NO_SUSPECTS
    tone = "ok" if ok else "warn"
    ranked = report_dict["rows"]["rows_ranked"]
    line = ("no example's label looks wrong" if ok else
            f"{report_dict['n_suspected']} of {ranked} examples' labels look wrong; the most suspicious are queued")
    interval = (reports.Interval(estimate["value"], estimate.get("ci_low"), estimate.get("ci_high")).text()
                if estimate.get("value") is not None else "n/a")
    summary = reports.summary_block(report_dict["status"], tone, line, [
        ("examples ranked", ranked), ("estimated label errors [95% CI]", interval),
        ("queued for review", report_dict["review_budget"])],
        report_dict["findings"][0] if report_dict["findings"] else "")
    return reports.page("Label errors", report_dict["status"], ok, sections,
                        subtitle=f"{ranked} examples, task {report_dict['task']}", summary=summary, tone=tone)


def write(output_dir: str, report_dict: dict) -> tuple:
    """Write label_errors_report.json/.html to `output_dir` (any filesystem)."""
    from tfx_dcai import reports

    return reports.write_report(output_dir, REPORT_NAME, report_dict, render_html(report_dict))


def read_report_artifact(uri: str) -> dict:
    """label_errors_report.json of a LabelReviewQueue artifact (any filesystem)."""
    from tfx_dcai import reports

    return reports.read_report(uri, REPORT_NAME)
