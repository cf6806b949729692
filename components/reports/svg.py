"""Small inline-SVG plots for the HTML reports (no plotting library, no network, every label escaped)."""
import math

from tfx_dcai.reports.html import escape

PALETTE = ("#1c7ed6", "#f76707", "#2f9e44", "#ae3ec9", "#e03131", "#0c8599")
_FONT = 'font-family="system-ui,sans-serif" font-size="11"'


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (f'<div class="figure"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
            f'<text x="{width / 2}" y="14" text-anchor="middle" {_FONT} font-weight="600">{escape(title)}</text>'
            f"{body}</svg></div>")


def _scale(lo: float, hi: float, a: float, b: float):
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def bar_chart(labels, values, title: str, threshold: float = None, value_range=None,
              bad=None, width: int = 640) -> str:
    """Horizontal bars, one per label; `bad[i]` colours a bar red; an optional dashed threshold line."""
    n = max(len(labels), 1)
    left, right, row = 170, width - 50, 22
    height = 30 + row * n + 20
    finite = [v for v in values if v is not None and math.isfinite(v)]
    lo, hi = value_range or (min([0.0] + finite), max([1e-12] + finite))
    x = _scale(lo, hi, left, right)
    parts = []
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 24 + i * row
        colour = "#c92a2a" if bad and bad[i] else PALETTE[0]
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" {_FONT}>{escape(label)}</text>')
        if value is not None and math.isfinite(value):
            x0, x1 = sorted((x(max(lo, 0.0) if lo < 0 < hi else lo), x(value)))
            parts.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1):.1f}" height="{row - 6}" '
                         f'fill="{colour}"><title>{escape(label)}: {escape(_fmt(value))}</title></rect>')
            parts.append(f'<text x="{x1 + 4:.1f}" y="{y + 14}" {_FONT}>{escape(_fmt(value))}</text>')
    if threshold is not None:
        tx = x(threshold)
        parts.append(f'<line x1="{tx:.1f}" y1="22" x2="{tx:.1f}" y2="{height - 18}" stroke="#495057" '
                     f'stroke-dasharray="4 3"/><text x="{tx:.1f}" y="{height - 5}" text-anchor="middle" '
                     f'{_FONT}>threshold {escape(_fmt(threshold))}</text>')
    return _svg(width, height, "".join(parts), title)


def heatmap(row_labels, col_labels, matrix, title: str, row_title: str = "", col_title: str = "",
            cell: int = 34) -> str:
    """A matrix of counts or shares; darker is larger; each cell shows its value."""
    left, top = 130, 60
    width = left + cell * len(col_labels) + 20
    height = top + cell * len(row_labels) + 30
    peak = max([v for r in matrix for v in r if v is not None] + [1e-12])
    parts = [f'<text x="{left + cell * len(col_labels) / 2}" y="30" text-anchor="middle" {_FONT}>'
             f'{escape(col_title)}</text>',
             f'<text x="12" y="{top + cell * len(row_labels) / 2}" {_FONT} '
             f'transform="rotate(-90 12 {top + cell * len(row_labels) / 2})" text-anchor="middle">'
             f'{escape(row_title)}</text>']
    for j, label in enumerate(col_labels):
        parts.append(f'<text x="{left + j * cell + cell / 2}" y="{top - 6}" text-anchor="middle" {_FONT}>'
                     f'{escape(str(label)[:8])}</text>')
    for i, label in enumerate(row_labels):
        parts.append(f'<text x="{left - 6}" y="{top + i * cell + cell / 2 + 4}" text-anchor="end" {_FONT}>'
                     f'{escape(str(label)[:18])}</text>')
        for j, value in enumerate(matrix[i]):
            share = 0.0 if value is None else value / peak
            fill = f"rgba(28,126,214,{0.08 + 0.92 * share:.3f})"
            ink = "#fff" if share > 0.55 else "#1f2933"
            parts.append(f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 1}" '
                         f'height="{cell - 1}" fill="{fill}"><title>{escape(label)} / {escape(col_labels[j])}: '
                         f'{escape(_fmt(value))}</title></rect>'
                         f'<text x="{left + j * cell + cell / 2}" y="{top + i * cell + cell / 2 + 4}" '
                         f'text-anchor="middle" fill="{ink}" {_FONT}>{escape(_fmt(value))}</text>')
    return _svg(width, height, "".join(parts), title)


def _axes(parts, left, top, right, bottom, x_label, y_label, x_ticks, y_ticks):
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#7b8794"/>'
                 f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#7b8794"/>')
    for pos, text in x_ticks:
        parts.append(f'<text x="{pos:.1f}" y="{bottom + 14}" text-anchor="middle" {_FONT}>{escape(text)}</text>')
    for pos, text in y_ticks:
        parts.append(f'<text x="{left - 4}" y="{pos + 4:.1f}" text-anchor="end" {_FONT}>{escape(text)}</text>')
    parts.append(f'<text x="{(left + right) / 2}" y="{bottom + 30}" text-anchor="middle" {_FONT}>'
                 f'{escape(x_label)}</text>')
    parts.append(f'<text x="12" y="{(top + bottom) / 2}" {_FONT} text-anchor="middle" '
                 f'transform="rotate(-90 12 {(top + bottom) / 2})">{escape(y_label)}</text>')


def _ticks(lo, hi, scale, count=5):
    return [(scale(lo + (hi - lo) * k / (count - 1)), _fmt(lo + (hi - lo) * k / (count - 1)))
            for k in range(count)]


def _legend(parts, names, x, y):
    for k, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y + k * 15}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
                     f'<text x="{x + 14}" y="{y + k * 15 + 9}" {_FONT}>{escape(name)}</text>')


def overlaid_distributions(bin_labels, series: dict, title: str, x_label: str = "",
                           width: int = 560, height: int = 240) -> str:
    """Two or more distributions over the same bins (shares), drawn as side-by-side translucent bars."""
    left, top, right, bottom = 50, 24, width - 120, height - 60
    n = max(len(bin_labels), 1)
    peak = max([v for vals in series.values() for v in vals] + [1e-12])
    y = _scale(0.0, peak, bottom, top)
    slot = (right - left) / n
    parts = []
    for k, (name, values) in enumerate(series.items()):
        bar = slot / max(len(series), 1)
        for i, value in enumerate(values):
            parts.append(f'<rect x="{left + i * slot + k * bar:.1f}" y="{y(value):.1f}" width="{max(bar - 1, 1):.1f}" '
                         f'height="{bottom - y(value):.1f}" fill="{PALETTE[k % len(PALETTE)]}" fill-opacity="0.75">'
                         f'<title>{escape(name)} {escape(bin_labels[i])}: {escape(_fmt(value))}</title></rect>')
    step = max(1, n // 8)
    x_ticks = [(left + i * slot + slot / 2, str(bin_labels[i])[:10]) for i in range(0, n, step)]
    _axes(parts, left, top, right, bottom, x_label, "share", x_ticks, _ticks(0.0, peak, y))
    _legend(parts, list(series), right + 10, top)
    return _svg(width, height, "".join(parts), title)


def line_chart(x_labels, series: dict, title: str, y_label: str = "", width: int = 560,
               height: int = 220) -> str:
    """One line per series over ordered x positions (e.g. pipeline runs); None values leave gaps."""
    left, top, right, bottom = 50, 24, width - 140, height - 50
    n = max(len(x_labels), 1)
    values = [v for vals in series.values() for v in vals if v is not None]
    lo, hi = (min(values + [0.0]), max(values + [1e-12]))
    y = _scale(lo, hi, bottom, top)
    x = _scale(0, max(n - 1, 1), left, right)
    parts = []
    for k, (name, vals) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(vals) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points]
    step = max(1, n // 8)
    x_ticks = [(x(i), str(x_labels[i])[:10]) for i in range(0, n, step)]
    _axes(parts, left, top, right, bottom, "run", y_label, x_ticks, _ticks(lo, hi, y))
    _legend(parts, list(series), right + 10, top)
    return _svg(width, height, "".join(parts), title)


def interval_scatter(points, title: str, x_label: str, y_label: str, reference: float = None,
                     log_x: bool = True, width: int = 640, height: int = 300) -> str:
    """Points (x, y, y_low, y_high, label, highlighted) with vertical interval whiskers.

    Used for "metric vs slice size with confidence intervals"; `reference` draws the overall value.
    """
    left, top, right, bottom = 60, 24, width - 20, height - 50
    if not points:
        return _svg(width, 60, f'<text x="10" y="40" {_FONT}>nothing to plot</text>', title)
    tx = (lambda v: math.log10(max(v, 1e-12))) if log_x else (lambda v: v)
    xs = [tx(p[0]) for p in points]
    ys = [v for p in points for v in p[1:4] if v is not None] + ([reference] if reference is not None else [])
    x = _scale(min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1, left, right)
    y = _scale(min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1, bottom, top)
    parts = []
    if reference is not None:
        parts.append(f'<line x1="{left}" y1="{y(reference):.1f}" x2="{right}" y2="{y(reference):.1f}" '
                     f'stroke="#495057" stroke-dasharray="4 3"/><text x="{right}" y="{y(reference) - 4:.1f}" '
                     f'text-anchor="end" {_FONT}>overall {escape(_fmt(reference))}</text>')
    for (px, py, lo, hi, label, highlighted), xv in zip(points, xs):
        colour = "#c92a2a" if highlighted else PALETTE[0]
        if lo is not None and hi is not None:
            parts.append(f'<line x1="{x(xv):.1f}" y1="{y(lo):.1f}" x2="{x(xv):.1f}" y2="{y(hi):.1f}" '
                         f'stroke="{colour}" stroke-opacity="0.6"/>')
        parts.append(f'<circle cx="{x(xv):.1f}" cy="{y(py):.1f}" r="4" fill="{colour}">'
                     f'<title>{escape(label)}: {escape(_fmt(py))} (n={escape(_fmt(px))})</title></circle>')
    lo_x, hi_x = min(xs), max(xs)
    x_ticks = [(x(lo_x + (hi_x - lo_x) * k / 4), _fmt(10 ** (lo_x + (hi_x - lo_x) * k / 4)) if log_x
                else _fmt(lo_x + (hi_x - lo_x) * k / 4)) for k in range(5)]
    _axes(parts, left, top, right, bottom, x_label + (" (log scale)" if log_x else ""), y_label, x_ticks,
          _ticks(min(ys), max(ys), y))
    return _svg(width, height, "".join(parts), title)
