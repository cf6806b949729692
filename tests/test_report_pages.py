"""Every report page in a real browser (headless Chromium via Selenium): sortable tables that sort, pagers that
page, no console error, no page wider than a 1280 px window, SVG labels that neither overlap nor clip, no network
fetch. The pages come from the real code paths on representative inputs (tests/report_corpus.py); the pipeline
tests check the reports of their real taxi runs the same way. Screenshots land in the test's tmp dir (and in
$DCAI_SCREENSHOT_DIR when set: `make screenshots`)."""
import os

import pytest

from tests.browser import check_report
from tests.report_corpus import CASES

# what each case must show, beyond the generic checks (escaped payloads, notes instead of empty tables ...)
EXPECTED_TEXT = {
    "drift_full": ["Drifted features", "&lt;script&gt;alert(1)&lt;/script&gt;", "change [95% CI]",
                   "features driving the domain classifier"],
    "drift_no_baseline": ["NO_BASELINE", "this never passes", "not computed"],
    "drift_no_drift_empty_sections": ["NO_DRIFT", "no drift found", "fewer than two runs"],
    "lc_binary_html_payloads": ["INCONSISTENT", "&lt;img src=x onerror="],
    "lc_multiclass_dawid_skene": ["Dawid-Skene confusion of annotator", "Confusions"],
    "lc_many_items_revision": ["showing 1000 of 1200 items", "Revision loop", "data-page-size"],
    "lc_transcripts": ["Transcripts", "WER"],
    "lc_boxes": ["Boxes", "Mean IoU"],
    "lc_examples_diagnostics": ["Near-identical inputs with different labels", "Suspected label errors"],
    "slices_many_features_long_values": ["SIGNIFICANT_SLICES", "payment == Mobile", "trunc"],
    "slices_none_significant": ["NO_SIGNIFICANT_SLICE", "nothing: no slice is significantly worse"],
}


def test_every_case_has_expectations():
    assert set(EXPECTED_TEXT) == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_report_page_in_a_browser(name, browser, tmp_path):
    path = CASES[name](str(tmp_path / name))
    with open(path, encoding="utf-8") as f:  # local
        html = f.read()
    for text in EXPECTED_TEXT[name]:
        assert text in html, f"{name}: {text!r} missing"
    assert "<script>alert" not in html and "<img src=x" not in html
    facts = check_report(browser, path, str(tmp_path / f"{name}.png"))
    assert os.path.getsize(tmp_path / f"{name}.png") > 10_000
    sortable = [t for t in facts["tables"] if t["sortable"]]
    assert facts["clicks"] >= 2 * sum(len(t["headers"]) for t in sortable)


def test_the_notebook_frame_takes_the_height_of_its_page(browser, tmp_path):
    """The markup context.show() displays, in a host page like a notebook's output area: the frame is as tall as
    the report (no inner scroll bar) and grows when a folded section is opened."""
    from tfx_dcai.reports.html import notebook_frame

    report = CASES["drift_full"](str(tmp_path / "drift"))
    with open(report, encoding="utf-8") as f:  # local
        page = f.read()
    host = tmp_path / "notebook.html"
    host.write_text(f"<!DOCTYPE html><html><body><p>cell output</p>{notebook_frame(page)}</body></html>",
                    encoding="utf-8")
    browser.get(f"file://{host}")
    measure = ("var f=document.querySelector('iframe');var d=f.contentDocument;"
               "return [f.getBoundingClientRect().height, d.documentElement.scrollHeight];")
    import time

    for _ in range(50):
        frame, content = browser.execute_script(measure)
        if abs(frame - content - 2) <= 2:
            break
        time.sleep(0.1)
    assert content > 2000 and abs(frame - content - 2) <= 2, (frame, content)
    browser.execute_script("var d=document.querySelector('iframe').contentDocument;"
                           "d.querySelectorAll('details').forEach(function(e){e.open=true;});")
    for _ in range(50):
        grown, content_after = browser.execute_script(measure)
        if grown > frame and abs(grown - content_after - 2) <= 2:
            break
        time.sleep(0.1)
    assert content_after > content and abs(grown - content_after - 2) <= 2, (grown, content_after)
    assert not [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
