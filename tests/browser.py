"""Opens report pages in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium) and checks
what a person would notice: console errors, a page wider than the window, tables that do not sort, pagers that
do not page, SVG labels that overlap or are clipped, network fetches. Used by tests/test_report_pages.py and by
any test that has a report file to check (`check_report(browser, path)`).

Environment:
  DCAI_SKIP_BROWSER=1   skip the browser tests (never set in CI: there a browser that cannot start fails).
  DCAI_SCREENSHOT_DIR   also copy every screenshot there (e.g. docs/screenshots).
  DCAI_CHROMIUM, DCAI_CHROMEDRIVER   binaries (default /usr/bin/chromium, /usr/bin/chromedriver).
"""
import base64
import contextlib
import math
import os
import re
import shutil
import tempfile

import pytest

WIDTH, HEIGHT = 1280, 900
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}")
# the same rule as the page's sorter: a key is a number when it is a plain decimal literal or +-Infinity
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def browser_wanted() -> bool:
    return os.environ.get("DCAI_SKIP_BROWSER", "") not in ("1", "true", "yes")


@contextlib.contextmanager
def chromium(tmp_dir: str):
    """A Selenium Chrome driver on Debian's Chromium with a fresh profile under `tmp_dir`.

    Outside CI a missing browser skips (install it with requirements/install_browser.sh); in CI (CI=true) it
    fails, so the browser test can never silently not run there.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = os.environ.get("DCAI_CHROMIUM", "/usr/bin/chromium")
    driver_path = os.environ.get("DCAI_CHROMEDRIVER", "/usr/bin/chromedriver")
    missing = [p for p in (binary, driver_path) if not os.path.exists(p)]
    if missing:
        message = (f"no browser: {', '.join(missing)} missing; run 'bash requirements/install_browser.sh' "
                   "(or set DCAI_SKIP_BROWSER=1 to skip the browser tests)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_dir)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# Returns, for every table, its headers, sortability, pager and row count; and the page's layout facts.
_PAGE_FACTS = r"""
var tables = Array.prototype.map.call(document.querySelectorAll('table'), function(t, i) {
  return {index: i, sortable: t.classList.contains('sortable'), cls: t.className,
          headers: t.tHead ? Array.prototype.map.call(t.tHead.rows[0].cells,
                                                      function(c){return c.textContent;}) : [],
          rows: t.tBodies.length ? t.tBodies[0].rows.length : 0,
          hidden: t.tBodies.length ? Array.prototype.filter.call(t.tBodies[0].rows,
                                                                 function(r){return r.hidden;}).length : 0,
          pageSize: +(t.getAttribute('data-page-size') || 0)};
});
var external = Array.prototype.map.call(document.querySelectorAll('[src],link[href]'),
                                       function(e){return e.outerHTML.slice(0, 120);});
return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        scrollHeight: document.documentElement.scrollHeight, tables: tables, external: external,
        resources: performance.getEntriesByType('resource').map(function(r){return r.name;}),
        title: document.title, summary: (document.querySelector('.summary') || {}).textContent || null};
"""

_COLUMN_STATE = r"""
function columnState(ti, col) {
  var t = document.querySelectorAll('table')[ti];
  return {sort: t.tHead.rows[0].cells[col].getAttribute('aria-sort'),
          keys: Array.prototype.map.call(t.tBodies[0].rows, function(r){
            var td = r.cells[col]; if (!td) return '';
            var v = td.getAttribute('data-v'); return v === null ? td.textContent.trim() : v;}),
          rows: Array.prototype.map.call(t.tBodies[0].rows, function(r){return r.textContent;})};
}
"""

# Every <text> of every inline SVG: its outline in the SVG's coordinates (corners through the element's own
# transform), its rotation, and the canvas size. Overlaps are checked in Python within groups of equal rotation.
_SVG_TEXTS = r"""
return Array.prototype.map.call(document.querySelectorAll('svg'), function(svg, k) {
  var vb = svg.viewBox.baseVal, texts = [];
  svg.querySelectorAll('text').forEach(function(el) {
    if (!el.textContent.trim()) return;
    var b = el.getBBox(), m = el.getCTM(), root = svg.getCTM();
    var inv = root.inverse().multiply(m);
    var corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]];
    var pts = corners.map(
      function(p){var q = svg.createSVGPoint(); q.x = p[0]; q.y = p[1]; q = q.matrixTransform(inv);
                  return [q.x, q.y];});
    texts.push({text: el.firstChild ? el.firstChild.textContent : el.textContent, corners: pts,
                angle: Math.round(Math.atan2(inv.b, inv.a) * 180 / Math.PI)});
  });
  return {index: k, label: svg.getAttribute('aria-label'), width: vb.width, height: vb.height, texts: texts};
});
"""


def _is_number(key: str) -> bool:
    return bool(_NUMBER.match(key)) or key in ("Infinity", "-Infinity")


def _as_float(key: str) -> float:
    return {"Infinity": math.inf, "-Infinity": -math.inf}.get(key) if key in ("Infinity", "-Infinity") \
        else float(key)


def expected_order(keys, ascending: bool):
    """The order the page must show: empty keys last, numbers by value when every non-empty key of the column
    is a number, text case-insensitively (ties by the raw text); stable."""
    filled = [k for k in keys if k != ""]
    numeric = all(_is_number(k) for k in filled)
    sort_key = _as_float if numeric else (lambda k: (k.lower(), k))
    ordered = sorted(filled, key=sort_key, reverse=not ascending)
    return ordered + [""] * (len(keys) - len(filled)), numeric


def _rotate(point, degrees):
    a = math.radians(-degrees)
    return (point[0] * math.cos(a) - point[1] * math.sin(a), point[0] * math.sin(a) + point[1] * math.cos(a))


def _box(corners, degrees=0):
    pts = [_rotate(p, degrees) for p in corners] if degrees else corners
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def svg_problems(figures, tolerance: float = 0.5) -> list:
    """Overlapping or clipped SVG text (in the browser's real font metrics)."""
    problems = []
    for fig in figures:
        name = f"figure {fig['index']} ({fig['label']})"
        texts = fig["texts"]
        for t in texts:
            x0, y0, x1, y1 = _box(t["corners"])
            if x0 < -tolerance or y0 < -tolerance or x1 > fig["width"] + tolerance or y1 > fig["height"] + tolerance:
                problems.append(f"{name}: text {t['text']!r} is clipped (box {x0:.0f},{y0:.0f}-{x1:.0f},{y1:.0f} "
                                f"outside {fig['width']:.0f}x{fig['height']:.0f})")
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                a, b = texts[i], texts[j]
                angle = a["angle"] if a["angle"] == b["angle"] else 0
                ax0, ay0, ax1, ay1 = _box(a["corners"], angle)
                bx0, by0, bx1, by1 = _box(b["corners"], angle)
                overlap_x = min(ax1, bx1) - max(ax0, bx0)
                overlap_y = min(ay1, by1) - max(ay0, by0)
                # glyph boxes include line spacing: one line's box may touch the next by a few px
                if overlap_x > tolerance and overlap_y > 3:
                    problems.append(f"{name}: labels {a['text']!r} and {b['text']!r} overlap "
                                    f"({overlap_x:.1f} x {overlap_y:.1f} px)")
    return problems


def _screenshot(driver, path: str, height: int):
    data = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": WIDTH, "height": min(height, 16000), "scale": 1}})
    with open(path, "wb") as f:  # local
        f.write(base64.b64decode(data["data"]))


def check_report(driver, html_path: str, screenshot_path: str = None) -> dict:
    """Open one report and check it; raises AssertionError listing every problem found.

    Args:
      driver: from `chromium()`.
      html_path: a local HTML report file.
      screenshot_path: where to save a full-page PNG (also copied to $DCAI_SCREENSHOT_DIR when set).

    Returns:
      Facts about the page (tables, clicks made) for callers that check more.
    """
    from selenium.webdriver.common.by import By

    driver.get_log("browser")  # drop what an earlier page logged
    driver.get("file://" + os.path.abspath(html_path))
    facts = driver.execute_script(_PAGE_FACTS)
    problems = []
    if facts["scrollWidth"] > WIDTH:
        problems.append(f"the page is {facts['scrollWidth']} px wide at a {WIDTH} px window (horizontal overflow)")
    if facts["external"] or facts["resources"]:
        problems.append(f"the page loads other files: {facts['external'] + facts['resources']}")
    if not facts["summary"]:
        problems.append("no summary block at the top")
    problems += svg_problems(driver.execute_script(_SVG_TEXTS))
    if screenshot_path:  # as the page opens, before any click
        _screenshot(driver, screenshot_path, facts["scrollHeight"])
        copy_dir = os.environ.get("DCAI_SCREENSHOT_DIR")
        if copy_dir:
            os.makedirs(copy_dir, exist_ok=True)
            shutil.copy(screenshot_path, os.path.join(copy_dir, os.path.basename(screenshot_path)))
    clicks = 0
    for summary in driver.find_elements(By.CSS_SELECTOR, "details:not([open]) > summary"):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", summary)
        summary.click()  # open what a person would open to see the folded tables
        clicks += 1
    headers = driver.find_elements(By.CSS_SELECTOR, "table")
    for table in facts["tables"]:
        where = f"table {table['index']} ({', '.join(table['headers'][:3])}...)"
        if table["rows"] == 0:
            problems.append(f"{where} has no rows")
        if not table["sortable"]:
            continue
        if table["pageSize"] and table["hidden"] != table["rows"] - table["pageSize"]:
            problems.append(f"{where}: {table['hidden']} of {table['rows']} rows hidden, page size "
                            f"{table['pageSize']}")
        ths = headers[table["index"]].find_elements(By.CSS_SELECTOR, "thead th")
        before = sorted(driver.execute_script(_COLUMN_STATE + "return columnState(arguments[0], 0);",
                                              table["index"])["rows"])
        for col, th in enumerate(ths):
            if col == 0:  # a real mouse click on one header per table (hit-testing, focus)
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", th)
                th.click()
                first = "var a = columnState(arguments[0], arguments[1]);"
            else:  # the others through the element's click(): the same listener, 180 ms cheaper per click
                first = "arguments[2].click(); var a = columnState(arguments[0], arguments[1]);"
            states = driver.execute_script(
                _COLUMN_STATE + first + "arguments[2].click();"
                "return [a, columnState(arguments[0], arguments[1])];", table["index"], col, th)
            clicks += 2
            for ascending, state in zip((True, False), states):
                want, _ = expected_order(state["keys"], ascending)
                if state["keys"] != want:
                    problems.append(f"{where}: column {table['headers'][col]!r} not sorted "
                                    f"{'ascending' if ascending else 'descending'} after a click: "
                                    f"{state['keys'][:8]}...")
                if state["sort"] != ("ascending" if ascending else "descending"):
                    problems.append(f"{where}: column {table['headers'][col]!r} aria-sort is {state['sort']}")
                if sorted(state["rows"]) != before:
                    problems.append(f"{where}: sorting by {table['headers'][col]!r} changed the rows")
        if table["pageSize"]:
            problems += _check_pager(driver, table, where)
    severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    if severe:
        problems.append(f"console errors: {[e['message'] for e in severe]}")
    assert not problems, f"{html_path}:\n  " + "\n  ".join(problems)
    facts["clicks"] = clicks
    return facts


def _check_pager(driver, table, where) -> list:
    """previous/next/show all of a paginated table: pages cover every row once."""
    from selenium.webdriver.common.by import By

    problems = []
    tables = driver.find_elements(By.CSS_SELECTOR, "table")
    wrap = tables[table["index"]].find_element(By.XPATH, "./ancestor::div[contains(@class,'table-wrap')]")
    pager = wrap.find_element(By.XPATH, "following-sibling::div[contains(@class,'pager')][1]")
    prev, nxt, show_all = pager.find_elements(By.TAG_NAME, "button")
    visible = lambda: driver.execute_script(  # noqa: E731
        "var t=document.querySelectorAll('table')[arguments[0]];return Array.prototype.filter.call("
        "t.tBodies[0].rows,function(r){return !r.hidden;}).map(function(r){return r.textContent;});",
        table["index"])
    seen, pages = [], math.ceil(table["rows"] / table["pageSize"])
    for page in range(pages):
        rows = visible()
        seen += rows
        if page < pages - 1:
            if page < 3:  # real clicks on the first pages, the element's click() after that
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", nxt)
                nxt.click()
            else:
                driver.execute_script("arguments[0].click();", nxt)
    if len(seen) != table["rows"] or not nxt.get_property("disabled"):
        problems.append(f"{where}: paging shows {len(seen)} rows of {table['rows']}")
    show_all.click()
    if len(visible()) != table["rows"]:
        problems.append(f"{where}: 'show all' shows {len(visible())} rows of {table['rows']}")
    show_all.click()
    if len(visible()) != table["pageSize"] or not prev.get_property("disabled"):
        problems.append(f"{where}: back to pages shows {len(visible())} rows")
    return problems


def check_reports_of_a_run(request, html_paths, screenshot_dir: str):
    """Browser checks of the reports a pipeline test wrote, from inside that test (no second run): a no-op when
    DCAI_SKIP_BROWSER=1, so the pipeline test's own assertions still run."""
    if not browser_wanted():
        return
    driver = request.getfixturevalue("browser")
    os.makedirs(screenshot_dir, exist_ok=True)
    for k, path in enumerate(html_paths):
        name = f"{request.node.name}_{k}_{os.path.basename(path)}".replace("/", "_")
        check_report(driver, path, os.path.join(screenshot_dir, re.sub(r"[^\w.-]", "_", name) + ".png"))
