"""Small inline-SVG plots for the HTML reports (no plotting library, no network, every label escaped).

Layout never lets labels collide: text widths are estimated from per-character widths of a wide sans-serif
(DejaVu Sans, the widest common fallback), tick labels are thinned or rotated to fit their slots, long labels are
shortened with an ellipsis and carry the full text in a `<title>` (shown on hover), and every canvas grows to hold
its title and labels.
"""
import math

from tfx_dcai.reports.html import escape, format_number

PALETTE = ("#1c7ed6", "#f76707", "#2f9e44", "#ae3ec9", "#e03131", "#0c8599")
FONT_SIZE = 11
TITLE_SIZE = 12
_FONT = f'font-family="system-ui,-apple-system,Segoe UI,Roboto,DejaVu Sans,sans-serif" font-size="{FONT_SIZE}"'
_NARROW = set("iljtfrI.,:;'|!()[] ")
_WIDE = set("mwMW@%")
MAX_LABEL_PX = 150  # tick and row labels longer than this are shortened (full text on hover)
MAX_BARS = 40       # bar charts show the largest bars past this many labels and say so in the title


def text_width(text, size: int = FONT_SIZE, bold: bool = False) -> float:
    """Estimated rendered width in px of `text` (generous: a wide sans-serif, so real text is never wider)."""
    em = 0.0
    for ch in str(text):
        if ch in _NARROW:
            em += 0.36
        elif ch in _WIDE:
            em += 0.98
        elif ch.isupper():
            em += 0.74
        elif ord(ch) > 0x2E80:  # CJK and other full-width scripts
            em += 1.0
        else:
            em += 0.64
    return em * size * (1.08 if bold else 1.0)


def fit(text, max_px: float, size: int = FONT_SIZE) -> str:
    """`text` shortened with an ellipsis until it fits `max_px`."""
    text = str(text)
    if text_width(text, size) <= max_px:
        return text
    while text and text_width(text + "\u2026", size) > max_px:
        text = text[:-1]
    return text + "\u2026"


def _label(x, y, text, max_px=MAX_LABEL_PX, anchor="start", extra="", size=FONT_SIZE) -> str:
    """A text element; shortened text carries the full text in <title>."""
    full = str(text)
    shown = fit(full, max_px, size)
    tip = f"<title>{escape(full)}</title>" if shown != full else ""
    font = _FONT if size == FONT_SIZE else _FONT.replace(f'font-size="{FONT_SIZE}"', f'font-size="{size}"')
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {font}{(" " + extra) if extra else ""}>'
            f"{escape(shown)}{tip}</text>")


def _fmt(value) -> str:
    return format_number(value)


def _svg(width: float, height: float, body: str, title: str) -> str:
    """The figure: the canvas widens to hold the title (left-aligned), up to 1,100 px; beyond that the title is
    shortened and kept whole in <title>."""
    width = min(max(width, text_width(title, TITLE_SIZE, bold=True) + 12), max(width, 1100))
    width, height = math.ceil(width), math.ceil(height)
    head = _label(4, 15, title, max_px=width - 8, extra='font-weight="600"', size=TITLE_SIZE)
    return (f'<div class="figure"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
            f"{head}{body}</svg></div>")


def _scale(lo: float, hi: float, a: float, b: float):
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) from at most `lo` to at least `hi`."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def _tick_text(value) -> str:
    """A round tick value without trailing zeros (0.4, 2.5, 1,000)."""
    text = _fmt(float(value))
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _x_tick_layout(labels, slot: float):
    """Which labels to draw and how: (indices, rotated, shown_texts, extra_height below the axis, max_px).

    Every label is drawn horizontally when it fits its slot, or when its slot still holds a shortened label of a
    readable width (full text on hover); otherwise labels are rotated 45 degrees and, past one label per 17 px,
    thinned.
    """
    n = len(labels)
    gap = 8
    texts = [fit(str(label), MAX_LABEL_PX) for label in labels]
    widest = max([text_width(t) for t in texts] + [0.0])
    if widest + gap <= slot:
        return list(range(n)), False, texts, 18, MAX_LABEL_PX
    if slot - gap >= 48:
        return list(range(n)), False, [fit(str(label), slot - gap) for label in labels], 18, slot - gap
    step = max(1, math.ceil((FONT_SIZE * 1.42 + 2) / max(slot, 1e-9)))  # 45 degrees: font height / sin(45)
    return list(range(0, n, step)), True, texts, widest * 0.71 + FONT_SIZE + 8, MAX_LABEL_PX


def _rotated_left(layout, slot: float, offset: float) -> float:
    """The smallest left margin that keeps every rotated tick label on the canvas (tick i sits at
    left + offset + i * slot; its label hangs down-left of it)."""
    indices, _, texts = layout[:3]
    return max([text_width(texts[i]) * 0.71 + 10 - offset - i * slot for i in indices] + [0.0])


def _draw_x_ticks(parts, labels, positions, layout, bottom):
    indices, rotated, _, _, max_px = layout
    for i in indices:
        x = positions[i]
        parts.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" stroke="#9aa5b1"/>')
        if rotated:
            y = bottom + 12
            parts.append(_label(x + 3, y, labels[i], max_px=max_px, anchor="end",
                                extra=f'transform="rotate(-45 {x + 3:.1f} {y:.1f})"'))
        else:  # centred under its tick, moved right just enough to stay on the canvas (a long first label)
            half = min(text_width(fit(str(labels[i]), max_px)), max_px) / 2
            parts.append(_label(max(x, half + 2), bottom + 15, labels[i], max_px=max_px, anchor="middle"))


def _y_axis(parts, left, top, right, bottom, lo, hi, y, y_label):
    """Horizontal grid lines at round values and the rotated axis label; returns nothing."""
    for value in nice_ticks(lo, hi):
        pos = y(value)
        parts.append(f'<line x1="{left}" y1="{pos:.1f}" x2="{right}" y2="{pos:.1f}" stroke="#eef1f4"/>')
        parts.append(_label(left - 5, pos + 4, _tick_text(value), anchor="end"))
    if y_label:
        mid = (top + bottom) / 2
        parts.append(_label(12, mid, y_label, max_px=bottom - top, anchor="middle",
                            extra=f'transform="rotate(-90 12 {mid:.1f})"'))


def _y_label_room(lo, hi, y_label) -> float:
    widest = max([text_width(_tick_text(v)) for v in nice_ticks(lo, hi)] + [10.0])
    return widest + (30 if y_label else 12)


def _legend(parts, names, x, y, max_px):
    for k, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y + k * 16}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>')
        parts.append(_label(x + 14, y + k * 16 + 9, name, max_px=max_px))


def bar_chart(labels, values, title: str, threshold: float = None, value_range=None,
              bad=None, width: int = 640, max_bars: int = MAX_BARS) -> str:
    """Horizontal bars, one per label; `bad[i]` colours a bar red; an optional dashed threshold line.

    Past `max_bars` labels only the largest bars are drawn, and the title says how many of how many.
    """
    items = list(zip(labels, values, bad or [False] * len(labels)))
    if len(items) > max_bars:
        ranked = sorted(range(len(items)), key=lambda i: -(items[i][1] if items[i][1] is not None
                                                           and math.isfinite(items[i][1]) else -math.inf))
        keep = sorted(ranked[:max_bars])
        title = f"{title} ({max_bars} largest of {len(items)}; all in the table)"
        items = [items[i] for i in keep]
    row = 22
    label_px = min(max([text_width(str(label)) for label, _, _ in items] + [20.0]), MAX_LABEL_PX)
    left = label_px + 12
    value_px = max([text_width(_fmt(v)) for _, v, _ in items if v is not None] + [20.0]) + 10
    right = max(width - value_px, left + 120)
    width = right + value_px
    n = max(len(items), 1)
    height = 26 + row * n + (24 if threshold is not None else 8)
    finite = [v for _, v, _ in items if v is not None and math.isfinite(v)]
    lo, hi = value_range or (min([0.0] + finite), max([1e-12] + finite + ([threshold] if threshold else [])))
    x = _scale(lo, hi, left, right)
    parts = []
    for i, (label, value, is_bad) in enumerate(items):
        y = 24 + i * row
        colour = "#c92a2a" if is_bad else PALETTE[0]
        parts.append(_label(left - 6, y + 14, label, max_px=label_px, anchor="end"))
        if value is not None and math.isfinite(value):
            clipped = min(max(value, lo), hi)
            x0, x1 = sorted((x(max(lo, 0.0) if lo < 0 < hi else lo), x(clipped)))
            parts.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1):.1f}" height="{row - 6}" '
                         f'fill="{colour}"><title>{escape(label)}: {escape(_fmt(value))}</title></rect>')
            parts.append(_label(x1 + 4, y + 14, _fmt(value), max_px=value_px))
        else:
            parts.append(_label(left + 4, y + 14, "n/a", extra='fill="#9aa5b1"'))
    if threshold is not None:
        tx = x(min(max(threshold, lo), hi))
        text = f"threshold {_tick_text(threshold)}"
        half = text_width(text) / 2
        parts.append(f'<line x1="{tx:.1f}" y1="22" x2="{tx:.1f}" y2="{height - 20}" stroke="#495057" '
                     f'stroke-dasharray="4 3"/>')
        parts.append(_label(min(max(tx, half + 2), width - half - 2), height - 6, text, anchor="middle"))
    return _svg(width, height, "".join(parts), title)


def heatmap(row_labels, col_labels, matrix, title: str, row_title: str = "", col_title: str = "",
            cell: int = 34) -> str:
    """A matrix of counts or shares; darker is larger; each cell shows its value (n/a cells are grey)."""
    rows, cols = [str(v) for v in row_labels], [str(v) for v in col_labels]
    values = [[None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v for v in r]
              for r in matrix]
    cell = max(cell, max([text_width(_fmt(v)) for r in values for v in r if v is not None] + [0.0]) + 10)
    col_px = min(max([text_width(c) for c in cols] + [0.0]), MAX_LABEL_PX)
    rotated = col_px > cell - 4
    top = 40 + (col_px * 0.71 + 10 if rotated else 14) + (14 if col_title else 0)
    row_px = min(max([text_width(r) for r in rows] + [0.0]), MAX_LABEL_PX)
    left = (24 if row_title else 6) + row_px + 8
    grid_w, grid_h = cell * len(cols), cell * len(rows)
    width, height = left + grid_w + 12 + (col_px * 0.71 if rotated else 0), top + grid_h + 10
    peak = max([abs(v) for r in values for v in r if v is not None] + [1e-12])
    parts = []
    if col_title:
        parts.append(_label(left + grid_w / 2, 34, col_title, max_px=max(grid_w, 60), anchor="middle"))
    if row_title:
        mid = top + grid_h / 2
        parts.append(_label(12, mid, row_title, max_px=max(grid_h, 40), anchor="middle",
                            extra=f'transform="rotate(-90 12 {mid:.1f})"'))
    for j, label in enumerate(cols):
        cx = left + j * cell + cell / 2
        if rotated:
            parts.append(_label(cx, top - 6, label, max_px=col_px, anchor="start",
                                extra=f'transform="rotate(-45 {cx:.1f} {top - 6:.1f})"'))
        else:
            parts.append(_label(cx, top - 6, label, max_px=cell - 2, anchor="middle"))
    for i, label in enumerate(rows):
        parts.append(_label(left - 6, top + i * cell + cell / 2 + 4, label, max_px=row_px, anchor="end"))
        for j, value in enumerate(values[i]):
            share = 0.0 if value is None else abs(value) / peak
            fill = "#f1f3f5" if value is None else f"rgba(28,126,214,{0.08 + 0.92 * share:.3f})"
            ink = "#fff" if share > 0.55 else "#1f2933"
            parts.append(f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 1}" '
                         f'height="{cell - 1}" fill="{fill}"><title>{escape(label)} / {escape(cols[j])}: '
                         f'{escape(_fmt(value))}</title></rect>')
            parts.append(_label(left + j * cell + cell / 2, top + i * cell + cell / 2 + 4, _fmt(value),
                                max_px=cell - 2, anchor="middle", extra=f'fill="{ink}"'))
    return _svg(width, height, "".join(parts), title)


def overlaid_distributions(bin_labels, series: dict, title: str, x_label: str = "",
                           width: int = 640, height: int = 200, y_label: str = "share") -> str:
    """Two or more series over the same bins (shares by default), drawn as side-by-side bars."""
    names = list(series)
    n = max(len(bin_labels), 1)
    width = max(width, min(1100, 240 + n * 9 * max(len(names), 1)))  # many bins: a wider canvas, bars >= 8 px
    peak = max([v for vals in series.values() for v in vals if v is not None] + [1e-12])
    peak = max(nice_ticks(0.0, peak) + [peak])
    legend_px = min(max([text_width(s) for s in names] + [20.0]), 110) + 18
    left = _y_label_room(0.0, peak, y_label)
    right = width - legend_px - 10
    slot = (right - left) / n
    layout = _x_tick_layout(bin_labels, slot)
    if layout[1]:  # rotated labels hang left of their tick: the first one must stay on the canvas
        left = max(left, _rotated_left(layout, slot, slot / 2))
        slot = (right - left) / n
        layout = _x_tick_layout(bin_labels, slot)
    top, bottom = 26, 26 + height - 60
    y = _scale(0.0, peak, bottom, top)
    parts = []
    _y_axis(parts, left, top, right, bottom, 0.0, peak, y, y_label)
    for k, name in enumerate(names):
        bar = slot / max(len(names), 1)
        for i, value in enumerate(series[name]):
            if value is None:
                continue
            parts.append(f'<rect x="{left + i * slot + k * bar:.1f}" y="{y(value):.1f}" '
                         f'width="{max(bar - 1, 1):.1f}" height="{bottom - y(value):.1f}" '
                         f'fill="{PALETTE[k % len(PALETTE)]}" fill-opacity="0.8"><title>{escape(name)} '
                         f'{escape(bin_labels[i])}: {escape(_fmt(value))}</title></rect>')
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#7b8794"/>')
    _draw_x_ticks(parts, [str(b) for b in bin_labels], [left + i * slot + slot / 2 for i in range(n)], layout,
                  bottom)
    total = bottom + layout[3] + (18 if x_label else 4)
    if x_label:
        parts.append(_label((left + right) / 2, total - 4, x_label, max_px=right - left, anchor="middle"))
    _legend(parts, names, right + 10, top, legend_px - 18)
    return _svg(width, total, "".join(parts), title)


def line_chart(x_labels, series: dict, title: str, y_label: str = "", width: int = 640,
               height: int = 200, x_title: str = "run") -> str:
    """One line per series over ordered x positions (e.g. pipeline runs); None values leave gaps."""
    names = list(series)
    n = max(len(x_labels), 1)
    values = [v for vals in series.values() for v in vals if v is not None and math.isfinite(v)]
    lo, hi = (min(values + [0.0]), max(values + [1e-12]))
    ticks = nice_ticks(lo, hi)
    lo, hi = min([lo] + ticks), max([hi] + ticks)
    legend_px = min(max([text_width(s) for s in names] + [20.0]), 130) + 18
    left = _y_label_room(lo, hi, y_label)
    right = width - legend_px - 10
    slot = (right - left - 20) / max(n - 1, 1)
    layout = _x_tick_layout([str(v) for v in x_labels], slot)
    if layout[1]:
        left = max(left, _rotated_left(layout, slot, 10))
        slot = (right - left - 20) / max(n - 1, 1)
        layout = _x_tick_layout([str(v) for v in x_labels], slot)
    top, bottom = 26, 26 + height - 60
    y = _scale(lo, hi, bottom, top)
    positions = [left + 10 + i * slot for i in range(n)]
    parts = []
    _y_axis(parts, left, top, right, bottom, lo, hi, y, y_label)
    for k, name in enumerate(names):
        colour = PALETTE[k % len(PALETTE)]
        points = [(positions[i], y(v), v) for i, v in enumerate(series[name])
                  if v is not None and math.isfinite(v)]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"><title>{escape(name)}: '
                  f'{escape(_fmt(v))}</title></circle>' for px, py, v in points]
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#7b8794"/>')
    _draw_x_ticks(parts, [str(v) for v in x_labels], positions, layout, bottom)
    total = bottom + layout[3] + (18 if x_title else 4)
    if x_title:
        parts.append(_label((left + right) / 2, total - 4, x_title, max_px=right - left, anchor="middle"))
    _legend(parts, names, right + 10, top, legend_px - 18)
    return _svg(width, total, "".join(parts), title)


def interval_scatter(points, title: str, x_label: str, y_label: str, reference: float = None,
                     log_x: bool = True, width: int = 640, height: int = 300) -> str:
    """Points (x, y, y_low, y_high, label, highlighted) with vertical interval whiskers.

    Used for "metric vs slice size with confidence intervals"; `reference` draws the overall value.
    """
    if not points:
        return _svg(width, 44, _label(4, 36, "nothing to plot", extra='fill="#616e7c"'), title)
    tx = (lambda v: math.log10(max(v, 1e-12))) if log_x else (lambda v: v)
    xs = [tx(p[0]) for p in points]
    ys = [v for p in points for v in p[1:4] if v is not None and math.isfinite(v)]
    ys += [reference] if reference is not None else []
    lo_y, hi_y = (min(ys), max(ys)) if ys else (0.0, 1.0)
    ticks = nice_ticks(lo_y, hi_y if hi_y > lo_y else lo_y + 1)
    lo_y, hi_y = min([lo_y] + ticks), max([hi_y] + ticks)
    left = _y_label_room(lo_y, hi_y, y_label)
    top, right, bottom = 26, width - 24, height - 48
    lo_x, hi_x = min(xs), max(xs)
    if hi_x - lo_x < 1e-9:  # one size: centre it in a span of one unit (a decade on the log scale)
        lo_x, hi_x = lo_x - 0.5, hi_x + 0.5
    pad = (hi_x - lo_x) * 0.04
    x = _scale(lo_x - pad, hi_x + pad, left, right)
    y = _scale(lo_y, hi_y, bottom, top)
    parts = []
    _y_axis(parts, left, top, right, bottom, lo_y, hi_y, y, y_label)
    if reference is not None:
        text = f"overall {_fmt(reference)}"
        parts.append(f'<line x1="{left}" y1="{y(reference):.1f}" x2="{right}" y2="{y(reference):.1f}" '
                     f'stroke="#495057" stroke-dasharray="4 3"/>')
        parts.append(_label(right, max(y(reference) - 4, top + 10), text, anchor="end"))
    for (px, py, lo, hi, label, highlighted), xv in zip(points, xs):
        colour = "#c92a2a" if highlighted else PALETTE[0]
        if lo is not None and hi is not None:
            parts.append(f'<line x1="{x(xv):.1f}" y1="{y(lo):.1f}" x2="{x(xv):.1f}" y2="{y(hi):.1f}" '
                         f'stroke="{colour}" stroke-opacity="0.6"/>')
        if py is not None:
            parts.append(f'<circle cx="{x(xv):.1f}" cy="{y(py):.1f}" r="4" fill="{colour}" fill-opacity="0.85">'
                         f'<title>{escape(label)}: {escape(_fmt(py))} [{escape(_fmt(lo))}, {escape(_fmt(hi))}] '
                         f'(n={escape(_fmt(px))})</title></circle>')
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#7b8794"/>')
    if log_x:
        decades = range(math.floor(lo_x - pad), math.ceil(hi_x + pad) + 1)
        marks = [10 ** d * m for d in decades for m in (1, 2, 5)]
        marks = [m for m in marks if lo_x - pad <= math.log10(m) <= hi_x + pad] or [10 ** lo_x]
        spots = [(x(math.log10(m)), _tick_text(m)) for m in marks]
    else:
        spots = [(x(v), _tick_text(v)) for v in nice_ticks(lo_x, hi_x) if lo_x - pad <= v <= hi_x + pad]
    last = -1e9
    for pos, text in spots:  # thin: keep a tick only if its label clears the previous one
        half = text_width(text) / 2
        if pos - half < last + 6 or pos + half > width - 2:
            continue
        parts.append(f'<line x1="{pos:.1f}" y1="{bottom}" x2="{pos:.1f}" y2="{bottom + 4}" stroke="#9aa5b1"/>')
        parts.append(_label(pos, bottom + 15, text, anchor="middle"))
        last = pos + half
    parts.append(_label((left + right) / 2, bottom + 34, x_label + (" (log scale)" if log_x else ""),
                        max_px=right - left, anchor="middle"))
    return _svg(width, height, "".join(parts), title)
