"""The shared report pieces without a browser: number formats, escaping of every kind of value, empty tables,
pagination markup, and SVG labels that are shortened (full text kept) instead of overflowing."""
import math
import re

import pytest
from hypothesis import given, settings, strategies as st

from tfx_dcai import reports
from tfx_dcai.reports import svg
from tfx_dcai.reports.html import PAGE_SIZE, format_number



@pytest.mark.parametrize("value, text", [
    (None, "n/a"), (float("nan"), "n/a"), (float("inf"), "inf"), (True, "yes"), (False, "no"),
    (0, "0"), (12345, "12,345"), (0.0, "0"), (0.28, "0.280"), (0.2834, "0.283"), (1.0, "1.00"),
    (12.345, "12.3"), (123.45, "123"), (1234.5, "1,234"), (-0.000123, "-0.00012"), (2.2e-72, "2.2e-72"),
    (0.0005, "0.0005"),
])
def test_format_number(value, text):
    assert format_number(value) == text


def test_interval_cell_shows_the_interval_and_sorts_by_the_value():
    cell = reports.table(["m"], [[reports.Interval(0.28, 0.21, 0.35)]])
    assert 'data-v="0.28"' in cell and "0.280 [0.210, 0.350]" in cell
    assert reports.Interval(0.5, None, None).text() == "0.500"


def test_empty_table_is_a_note_not_headers_without_rows():
    assert "<table" not in reports.table(["a", "b"], [], empty="no slice to report")
    assert "no slice to report" in reports.table(["a", "b"], [], empty="no slice to report")


def test_long_tables_carry_a_page_size_and_keep_every_row():
    html = reports.table(["i"], [[i] for i in range(PAGE_SIZE + 7)])
    assert f'data-page-size="{PAGE_SIZE}"' in html and html.count("<tr>") == PAGE_SIZE + 8
    assert "data-page-size" not in reports.table(["i"], [[i] for i in range(PAGE_SIZE)])


def test_long_text_is_truncated_in_the_cell_with_the_full_value_on_hover():
    long = "x" * 200
    html = reports.table(["v"], [[long]])
    assert 'class="trunc"' in html and f'title="{long}"' in html


def test_lists_and_dicts_render_as_text_not_json():
    html = reports.table(["v"], [[{"a": [1, 2.5], "b": None}]])
    assert "a: 1, 2.50; b: n/a" in html and "{" not in html.split("<tbody>")[1]
    assert reports.key_values([("q", 0.05)], exact=True).count("0.05<") == 1


def test_booleans_and_missing_values_sort_as_numbers_and_last():
    html = reports.table(["v"], [[True], [None], [float("nan")]])
    assert 'data-v="1">yes' in html and html.count('data-v="">n/a') == 2


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from('<>&"\'ab /=x'), min_size=1, max_size=30))
def test_every_kind_of_cell_and_label_escapes_its_text(text):
    hostile = "<zq" + text  # "<zq" is no tag of ours, so finding it means a value went in unescaped
    parts = [reports.table([hostile], [[hostile, reports.Text(hostile, note=hostile),
                                        reports.Text(hostile, title=hostile), {hostile: [hostile]},
                                        reports.Interval(1.0, 0.5, 2.0)]]),
             reports.findings_list([hostile] * 15), reports.key_values([(hostile, hostile)]),
             reports.summary_block(hostile, "bad", hostile, [(hostile, hostile)], hostile),
             reports.section(hostile, note=hostile),
             svg.bar_chart([hostile], [0.5], hostile),
             svg.heatmap([hostile], [hostile], [[1.0]], hostile, hostile, hostile),
             svg.overlaid_distributions([hostile], {hostile: [0.5]}, hostile, hostile),
             svg.line_chart([hostile, "b"], {hostile: [1.0, 2.0]}, hostile, hostile),
             svg.interval_scatter([(10, 0.5, 0.4, 0.6, hostile, True)], hostile, hostile, hostile)]
    page = reports.page(hostile, hostile, False, parts[4:5], subtitle=hostile, summary=parts[3])
    for html in parts + [page]:
        assert "<zq" not in html


def test_page_is_self_contained_with_a_summary_and_contents():
    sections = [reports.section(f"S{i}", reports.table(["a"], [[i]])) for i in range(3)]
    page = reports.page("T", "OK", True, sections, summary=reports.summary_block("OK", "ok", "fine"))
    assert not re.search(r'\b(src|href)="(?!#)', page)
    assert 'class="summary ok"' in page and page.count('<a href="#s-s') == 3


def test_svg_shortens_long_labels_and_keeps_the_full_text_in_a_title():
    long = "feature_" + "x" * 120
    chart = svg.bar_chart([long, "b"], [0.3, 0.1], "t")
    assert f"<title>{long}</title>" in chart and "\u2026" in chart
    assert svg.text_width(svg.fit(long, 100)) <= 100


def test_rotated_ticks_when_bin_labels_do_not_fit():
    labels = [f"{10 ** 9 + k * 10 ** 7:.4g}..{10 ** 9 + (k + 1) * 10 ** 7:.4g}" for k in range(12)]
    chart = svg.overlaid_distributions(labels, {"a": [1 / 12] * 12, "b": [1 / 12] * 12}, "t")
    assert "rotate(-45" in chart
    short = svg.overlaid_distributions(["0", "1"], {"a": [0.5, 0.5]}, "t")
    assert "rotate(-45" not in short


def test_canvas_widens_for_a_long_title():
    chart = svg.heatmap(["a", "b"], ["a", "b"], [[1, 2], [3, 4]], "Cohen's kappa, labeler by labeler, a long title")
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', chart).group(1))
    assert width >= svg.text_width("Cohen's kappa, labeler by labeler, a long title", svg.TITLE_SIZE, True)


@pytest.mark.parametrize("lo, hi", [(0, 1), (0.206, 0.42), (3, 1.4e9), (-2, 5)])
def test_nice_ticks_cover_the_range_with_round_steps(lo, hi):
    ticks = svg.nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi and 2 <= len(ticks) <= 7
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(abs(mantissa - m) < 1e-6 for m in (1, 2, 2.5, 5, 10))


def test_bar_chart_says_when_it_shows_only_the_largest_bars():
    chart = svg.bar_chart([f"f{i}" for i in range(60)], [i / 60 for i in range(60)], "effects")
    assert "40 largest of 60; all in the table" in chart and "f59" in chart and ">f0<" not in chart
