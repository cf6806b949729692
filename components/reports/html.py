"""Self-contained HTML pages: inline CSS and a tiny inline table sorter, no network fetches.

Every data value goes through `escape`; callers pass plot SVG (built by `svg.py`, itself escaped) as
trusted markup.
"""
import html as _html

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#1f2933;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d9e2ec}
.status{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;font-weight:600;color:#fff}
.status.ok{background:#2f9e44}.status.bad{background:#c92a2a}.status.warn{background:#e67700}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border-bottom:1px solid #e4e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f7fa;cursor:pointer;user-select:none}td.num{text-align:right;font-variant-numeric:tabular-nums}
ul.findings li{margin:.3rem 0}.muted{color:#7b8794;font-size:.85rem}svg{max-width:100%;height:auto}
.figure{margin:1rem 0}
"""

_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th, i){th.addEventListener('click',function(){
var tb=th.closest('table').tBodies[0],rows=Array.from(tb.rows),asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
rows.sort(function(a,b){var x=a.cells[i].dataset.v||a.cells[i].textContent,y=b.cells[i].dataset.v||b.cells[i].textContent;
var nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
rows.forEach(function(r){tb.appendChild(r);});});});
"""


def escape(value) -> str:
    """HTML-escape any value (quotes included) after turning it into text."""
    return _html.escape("" if value is None else str(value), quote=True)


def _cell(value) -> str:
    if isinstance(value, bool) or value is None:
        return f"<td>{escape(value)}</td>"
    if isinstance(value, int):
        return f'<td class="num" data-v="{value}">{value}</td>'
    if isinstance(value, float):
        shown = f"{value:.4g}" if value == value else "NaN"
        return f'<td class="num" data-v="{escape(repr(value))}">{escape(shown)}</td>'
    return f"<td>{escape(value)}</td>"


def table(headers, rows, sortable: bool = True) -> str:
    """A table of escaped values; numbers right-aligned and sortable by clicking a header."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    cls = ' class="sortable"' if sortable else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def findings_list(lines) -> str:
    """One escaped line per finding ("revise the instructions for class X: ...")."""
    if not lines:
        return '<p class="muted">No findings.</p>'
    return '<ul class="findings">' + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def section(title: str, *parts: str, note: str = "") -> str:
    """A titled section; `parts` are trusted markup built with this module or `svg.py`."""
    note_html = f'<p class="muted">{escape(note)}</p>' if note else ""
    return f"<section><h2>{escape(title)}</h2>{note_html}{''.join(parts)}</section>"


def page(title: str, status: str, ok: bool, sections, subtitle: str = "") -> str:
    """A complete standalone page with a status badge."""
    badge = "ok" if ok else "bad"
    sub = f'<p class="muted">{escape(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>{sub}<p><span class=\"status {badge}\">{escape(status)}</span></p>"
        + "".join(sections)
        + f"<script>{_SORT_JS}</script></body></html>"
    )
