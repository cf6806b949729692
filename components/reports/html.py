"""Self-contained HTML pages: inline CSS and a small inline script (sorting, pagination), no network fetches.

One look for every report: a header with the status, the key figures and what to do first; a table of contents;
sections of findings, plots and tables. Every data value goes through `escape`; callers pass plot SVG (built by
`svg.py`, itself escaped) and markup from this module as trusted parts.

Tables sort per table on the raw value (`data-v`: numbers numerically, text otherwise), scroll inside their own
box instead of widening the page, truncate long values (full value on hover), and paginate long bodies in the
browser (every row stays in the file; nothing is cut).
"""
import html as _html
import math
import re
from typing import Iterable, Optional, Sequence

PAGE_SIZE = 25          # rows shown per table page before the pager appears
FINDINGS_SHOWN = 10     # findings listed before the rest fold under "show all"
TRUNCATE_CHARS = 48     # longer text values are cut in the cell (full value in the title)

_CSS = """
:root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--head:#f5f7fa;--ok:#2b8a3e;--bad:#c92a2a;--warn:#b35c00;
--accent:#1c7ed6}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1180px;
color:var(--ink);line-height:1.45;padding:1.2rem 1.5rem 3rem;font-size:15px;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:.2rem 0}
h2{font-size:1.15rem;margin:2rem 0 .6rem;padding-bottom:.2rem;border-bottom:1px solid #d9e2ec}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
p{margin:.4rem 0}
.muted{color:var(--muted);font-size:.87rem}
.summary{border:1px solid #d9e2ec;border-left:6px solid var(--accent);border-radius:.4rem;padding:.7rem 1rem;
margin:.8rem 0 1rem;background:#fbfcfd}
.summary.ok{border-left-color:var(--ok)}.summary.bad{border-left-color:var(--bad)}
.summary.warn{border-left-color:var(--warn)}
.summary .line{font-size:1.02rem}
.summary .first{margin-top:.4rem}
.status{display:inline-block;padding:.1rem .55rem;border-radius:.3rem;font-weight:600;color:#fff;
margin-right:.5rem;font-size:.9rem;white-space:nowrap}
.status.ok{background:var(--ok)}.status.bad{background:var(--bad)}.status.warn{background:var(--warn)}
.figures{list-style:none;padding:0;margin:.5rem 0 0;display:flex;flex-wrap:wrap;gap:.4rem 1.4rem}
.figures li{white-space:nowrap}.figures b{font-variant-numeric:tabular-nums}
nav.toc{font-size:.87rem;margin:.2rem 0 .6rem}
nav.toc a{color:var(--accent);text-decoration:none;margin-right:.9rem;white-space:nowrap}
nav.toc a:hover{text-decoration:underline}
ul.findings{padding-left:1.2rem;margin:.4rem 0}ul.findings li{margin:.3rem 0}
details{margin:.4rem 0}details>summary{cursor:pointer;color:var(--accent)}
.table-wrap{overflow-x:auto;max-width:100%;margin:.5rem 0;border:1px solid var(--line);border-radius:.3rem}
table.data{border-collapse:collapse;font-size:.86rem;min-width:100%}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:.28rem .55rem;text-align:left;
vertical-align:top;overflow-wrap:normal}
table.data th{background:var(--head);font-weight:600;white-space:nowrap;position:relative}
table.data tbody tr:hover{background:#f8fafc}
table.sortable th{cursor:pointer;user-select:none;padding-right:1.2rem}
table.sortable th::after{content:"\\2195";position:absolute;right:.3rem;color:#9aa5b1;font-size:.75rem}
table.sortable th[aria-sort=ascending]::after{content:"\\25B2";color:var(--ink)}
table.sortable th[aria-sort=descending]::after{content:"\\25BC";color:var(--ink)}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.text{white-space:nowrap}
td.prose{min-width:22rem;white-space:normal;overflow-wrap:anywhere}
td .trunc{display:inline-block;max-width:26rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;
vertical-align:bottom}
td.none{color:#9aa5b1}td .note{color:var(--muted);font-size:.8rem;margin-top:.1rem}
.ci{color:var(--muted)}
.pager{font-size:.84rem;color:var(--muted);margin:.2rem 0 .8rem;display:flex;gap:.6rem;align-items:center;
flex-wrap:wrap}
.pager button{font:inherit;padding:.1rem .55rem;border:1px solid #cbd2d9;background:#fff;border-radius:.25rem;
cursor:pointer}
.pager button:disabled{opacity:.45;cursor:default}
.figure{margin:.8rem 0;max-width:100%;overflow-x:auto}
.figure svg{max-width:100%;height:auto;display:block}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;font-size:.86rem}
.kv dt{color:var(--muted)}.kv dd{margin:0}
footer{margin-top:2.5rem;font-size:.8rem;color:var(--muted)}
"""

# Per table: sort on click (numbers by value when every non-empty key of the column is a number, text otherwise;
# empty keys last in both directions) and paginate long bodies. Column index = the header's cellIndex in its own
# table. Rows keep their place in the DOM order only through sorting; pagination toggles `hidden`.
_SCRIPT = r"""
(function(){
function key(td){var v=td.getAttribute('data-v');return v===null?td.textContent.trim():v;}
function num(k){return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(k)||k==='Infinity'||k==='-Infinity';}
function cmpText(x,y){var a=x.toLowerCase(),b=y.toLowerCase();return a<b?-1:a>b?1:(x<y?-1:x>y?1:0);}
function paginate(t){
  var size=+t.getAttribute('data-page-size');if(!size)return;
  var rows=t.tBodies[0].rows,n=rows.length,all=t.getAttribute('data-all')==='1';
  var pages=Math.max(1,Math.ceil(n/size)),page=Math.min(+(t.getAttribute('data-page')||0),pages-1);
  for(var i=0;i<n;i++){rows[i].hidden=!all&&(i<page*size||i>=(page+1)*size);}
  var p=t.dcaiPager;if(!p)return;
  var lo=all?1:page*size+1,hi=all?n:Math.min(n,(page+1)*size);
  p.info.textContent='rows '+lo+'\u2013'+hi+' of '+n;
  p.prev.disabled=all||page===0;p.next.disabled=all||page>=pages-1;
  p.all.textContent=all?'show '+size+' per page':'show all '+n;
}
function button(label,fn){var b=document.createElement('button');b.type='button';b.textContent=label;
  b.addEventListener('click',fn);return b;}
document.querySelectorAll('table.data').forEach(function(t){
  if(t.getAttribute('data-page-size')){
    var p=document.createElement('div');p.className='pager';
    var info=document.createElement('span');
    function go(step){t.setAttribute('data-page',Math.max(0,+(t.getAttribute('data-page')||0)+step));paginate(t);}
    var prev=button('previous',function(){go(-1);});
    var next=button('next',function(){go(1);});
    var all=button('show all',function(){t.setAttribute('data-all',t.getAttribute('data-all')==='1'?'0':'1');
      t.setAttribute('data-page','0');paginate(t);});
    p.appendChild(info);p.appendChild(prev);p.appendChild(next);p.appendChild(all);
    t.dcaiPager={info:info,prev:prev,next:next,all:all};
    var wrap=t.closest('.table-wrap')||t;wrap.parentNode.insertBefore(p,wrap.nextSibling);
    paginate(t);
  }
  if(!t.classList.contains('sortable')||!t.tHead)return;
  var ths=t.tHead.rows[0].cells;
  Array.prototype.forEach.call(ths,function(th){
    th.tabIndex=0;th.setAttribute('aria-sort','none');th.title='sort by '+th.textContent;
    function go(){
      var col=th.cellIndex,asc=th.getAttribute('aria-sort')!=='ascending';
      Array.prototype.forEach.call(ths,function(h){h.setAttribute('aria-sort','none');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows);
      var keys=rows.map(function(r){return r.cells[col]?key(r.cells[col]):'';});
      var numeric=keys.every(function(k){return k===''||num(k);});
      var order=rows.map(function(r,i){return i;});
      order.sort(function(i,j){var x=keys[i],y=keys[j];
        if(x===''||y==='')return (x==='')-(y==='');
        var c=numeric?Number(x)-Number(y):cmpText(x,y);return (asc?c:-c)||i-j;});
      order.forEach(function(i){tb.appendChild(rows[i]);});
      t.setAttribute('data-page','0');paginate(t);
    }
    th.addEventListener('click',go);
    th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();go();}});
  });
});
})();
"""


def escape(value) -> str:
    """HTML-escape any value (quotes included) after turning it into text."""
    return _html.escape("" if value is None else str(value), quote=True)


def format_number(value) -> str:
    """A number as a person reads it: integers with thousands separators, floats to 3 significant digits
    (no exponent between 0.001 and 1,000, trailing zeros kept so a column lines up; thousands separators
    above), tiny values in exponent form.

    Args:
      value: int, float, numpy scalar or None.

    Returns:
      The text; "n/a" for None, NaN and other non-finite values keep their name ("inf", "-inf").
    """
    if value is None:
        return "n/a"
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, float):
        return str(value)
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 1000:
        return f"{value:,.0f}"
    if size < 0.001:
        return f"{value:.2g}".replace("e-0", "e-")
    decimals = max(0, 2 - math.floor(math.log10(size)))
    text = f"{value:.{decimals}f}"
    return "0" if text.lstrip("-").strip("0.") == "" else text


class Interval:
    """A table cell "value [low, high]" that sorts by `value` (e.g. a metric and its 95% CI)."""

    def __init__(self, value, low=None, high=None):
        self.value, self.low, self.high = value, low, high

    def text(self) -> str:
        shown = format_number(self.value)
        if self.low is None or self.high is None:
            return shown
        return f"{shown} [{format_number(self.low)}, {format_number(self.high)}]"


class Text:
    """A table cell of text with an explicit sort key, a hover title, and/or a muted second line (`note`, e.g.
    the recommendation under a slice); sorting uses `sort`, else the text itself (not the note)."""

    def __init__(self, text, sort=None, title=None, note=None):
        self.text, self.sort, self.title, self.note = text, sort, title, note


def as_text(value, exact: bool = False) -> str:
    """Plain text for any report value: numbers formatted, lists joined by ", ", dicts as "key: value; ..."
    (never raw JSON or a Python repr). `exact` shows floats as given (settings: 0.05, not 0.0500)."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {as_text(v, exact)}" for k, v in value.items()) if value else "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(as_text(v, exact) for v in value) if value else "none"
    if exact and isinstance(value, float) and math.isfinite(value):
        return f"{value:,.12g}" if abs(value) >= 1000 else f"{value:.12g}"
    if value is None or isinstance(value, (bool, int, float)) or hasattr(value, "item"):
        return format_number(value)
    return str(value)


def _sort_key(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (list, dict)):
        value = value.item()
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return ""
        return "Infinity" if value == math.inf else "-Infinity" if value == -math.inf else repr(value)
    return ""


def _text_cell(text: str, wrap: bool, sort=None, title=None) -> str:
    sort_attr = "" if sort is None else f' data-v="{escape(sort)}"'
    if wrap:
        return f'<td class="prose"{sort_attr}>{escape(text)}</td>'
    if len(text) > TRUNCATE_CHARS or title is not None:
        full = text if title is None else title
        return (f'<td class="text"{sort_attr}><span class="trunc" title="{escape(full)}">{escape(text)}</span></td>')
    return f'<td class="text"{sort_attr}>{escape(text)}</td>'


def _cell(value, wrap: bool = False) -> str:
    if isinstance(value, Interval):
        key = _sort_key(value.value)
        return f'<td class="num" data-v="{key}">{escape(value.text())}</td>'
    if isinstance(value, Text):
        if value.note:
            return (f'<td class="prose" data-v="{escape(value.text if value.sort is None else value.sort)}">'
                    f'{escape(value.text)}<div class="note">{escape(value.note)}</div></td>')
        return _text_cell(str(value.text), wrap, value.sort, value.title)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '<td class="none" data-v="">n/a</td>'
    if isinstance(value, bool) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "b"):
        value = bool(value)
        return f'<td class="{"yes" if value else "no"}" data-v="{int(value)}">{"yes" if value else "no"}</td>'
    if isinstance(value, (int, float)) or (hasattr(value, "item") and not isinstance(value, (str, list, dict))):
        return f'<td class="num" data-v="{escape(_sort_key(value))}">{escape(format_number(value))}</td>'
    return _text_cell(as_text(value), wrap)


def none_note(text: str = "none") -> str:
    """The one-line note that stands where a table or list has nothing to show."""
    return f'<p class="muted empty">{escape(text)}</p>'


def table(headers: Sequence[str], rows: Iterable[Sequence], sortable: bool = True, empty: str = "none",
          page_size: int = PAGE_SIZE, wrap: Iterable[str] = ()) -> str:
    """A table of escaped values in its own horizontally scrolling box.

    Args:
      headers: column titles.
      rows: one sequence of values per row: numbers (formatted, right-aligned, sorted by value), `Interval`,
        `Text`, booleans ("yes"/"no"), None/NaN ("n/a", sorted last), text (long values truncated, full text
        on hover), lists and dicts (joined as text).
      sortable: click (or Enter on) a header to sort by that column, again to reverse.
      empty: the note shown instead of the table when there are no rows.
      page_size: rows per page; longer bodies get a pager (previous, next, show all). 0 disables it.
      wrap: header names of prose columns, which wrap instead of being truncated (e.g. recommendations).

    Returns:
      The markup.
    """
    rows = [list(r) for r in rows]
    if not rows:
        return none_note(empty)
    wrapped = {headers.index(h) for h in wrap if h in headers}
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(_cell(v, i in wrapped) for i, v in enumerate(row)) + "</tr>" for row in rows)
    classes = "data sortable" if sortable else "data"
    paged = f' data-page-size="{int(page_size)}"' if page_size and len(rows) > page_size else ""
    return (f'<div class="table-wrap"><table class="{classes}"{paged}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def key_values(pairs: Iterable[Sequence], exact: bool = False) -> str:
    """A compact definition list of (name, value) pairs (values formatted with `as_text`; `exact` for settings,
    whose floats show as given)."""
    pairs = list(pairs)
    if not pairs:
        return none_note()
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(as_text(v, exact))}</dd>" for k, v in pairs)
    return f'<dl class="kv">{items}</dl>'


def findings_list(lines, empty: str = "No findings.", shown: int = FINDINGS_SHOWN) -> str:
    """One escaped line per finding ("revise the instructions for class X: ..."); past `shown` lines the rest
    fold under a "show all N" toggle (no line is dropped)."""
    lines = list(lines or [])
    if not lines:
        return none_note(empty)
    items = [f"<li>{escape(line)}</li>" for line in lines]
    head = '<ul class="findings">' + "".join(items[:shown]) + "</ul>"
    if len(items) <= shown:
        return head
    return (head + f'<details><summary>show all {len(items)} (another {len(items) - shown})</summary>'
            '<ul class="findings">' + "".join(items[shown:]) + "</ul></details>")


def expandable(summary: str, *parts: str, open_: bool = False) -> str:
    """A `<details>` block: `summary` is escaped text, `parts` trusted markup."""
    return (f'<details{" open" if open_ else ""}><summary>{escape(summary)}</summary>' + "".join(parts)
            + "</details>")


def slug(title: str) -> str:
    """The anchor id of a section title."""
    return "s-" + (re.sub(r"[^a-z0-9]+", "-", str(title).lower()).strip("-") or "section")


def section(title: str, *parts: str, note: str = "", anchor: Optional[str] = None) -> str:
    """A titled section; `parts` are trusted markup built with this module or `svg.py`."""
    note_html = f'<p class="muted">{escape(note)}</p>' if note else ""
    return (f'<section id="{escape(anchor or slug(title))}" data-title="{escape(title)}"><h2>{escape(title)}</h2>'
            f"{note_html}{''.join(parts)}</section>")


_SECTION_HEAD = re.compile(r'<section id="([^"]+)" data-title="([^"]*)">')


def summary_block(status: str, tone: str, line: str, figures: Sequence[Sequence] = (), first: str = "") -> str:
    """The summary at the top of a page: status badge, one line, key figures, and what to do first.

    Args:
      status: the report's status word (e.g. DRIFT).
      tone: "ok", "bad" or "warn" (colour of the badge and border).
      line: one sentence that says what the status means here.
      figures: (label, value) pairs; values are formatted with `as_text` unless already text.
      first: what to do first (one line), or "" when nothing is to be done.

    Returns:
      The markup.
    """
    figs = "".join(f"<li>{escape(label)}: <b>{escape(value if isinstance(value, str) else as_text(value))}</b></li>"
                   for label, value in figures)
    first_html = f'<p class="first"><b>Do first:</b> {escape(first)}</p>' if first else ""
    return (f'<div class="summary {escape(tone)}" role="status"><p class="line"><span class="status {escape(tone)}">'
            f'{escape(status)}</span>{escape(line)}</p>'
            + (f'<ul class="figures">{figs}</ul>' if figs else "") + first_html + "</div>")


def page(title: str, status: str, ok: bool, sections, subtitle: str = "", summary: str = "",
         tone: Optional[str] = None) -> str:
    """A complete standalone page: title, summary (status, key figures, what to do first), contents, sections.

    Args:
      title: the page title (escaped).
      status: the status word, shown as a badge when no `summary` is given.
      ok: whether the status is a pass (green) or not (red), unless `tone` says otherwise.
      sections: markup from `section`.
      subtitle: one muted line under the title (what was compared, parameters).
      summary: markup from `summary_block`.
      tone: "ok", "bad" or "warn"; overrides `ok`.

    Returns:
      The HTML document.
    """
    tone = tone or ("ok" if ok else "bad")
    sections = list(sections)
    sub = f'<p class="muted">{escape(subtitle)}</p>' if subtitle else ""
    head = summary or f'<p><span class="status {escape(tone)}">{escape(status)}</span></p>'
    links = [m for s in sections for m in _SECTION_HEAD.findall(s)[:1]]
    toc = ('<nav class="toc" aria-label="contents">' + "".join(f'<a href="#{i}">{t}</a>' for i, t in links)
           + "</nav>") if len(links) > 2 else ""
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1>{sub}{head}{toc}</header><main>"
        + "".join(sections)
        + "</main><footer>tfx-dcai report: standalone page, no network access; click a column header to sort."
        f"</footer><script>{_SCRIPT}</script></body></html>"
    )


NOTEBOOK_FALLBACK_HEIGHT = 640  # px, only where the notebook runs no script (the frame then scrolls)
# On load, and whenever the page's own height changes (an expanded section, a page of a table), the frame takes
# the height of its document: no fixed frame, no scroll bar inside the notebook.
_FIT = ("(function(f){try{var d=f.contentDocument;var fit=function(){f.style.height="
        "(d.documentElement.scrollHeight+2)+'px';};fit();if(window.ResizeObserver){"
        "new ResizeObserver(fit).observe(d.body);}}catch(e){}})(this)")


def notebook_frame(page: str) -> str:
    """The markup that shows one report page in a notebook output (used by `tfx_dcai.reports.notebook`).

    Args:
      page: a complete standalone report page (from a report's `render_html`).

    Returns:
      A `<div>` holding an iframe with the page as its `srcdoc` (its CSS and script stay apart from the
      notebook's), sized to its content on load and whenever that changes.
    """
    return (f'<div class="tfx-dcai-report"><iframe title="tfx-dcai report" srcdoc="{escape(page)}" '
            f'style="width:100%;height:{NOTEBOOK_FALLBACK_HEIGHT}px;border:1px solid #d9e2ec;border-radius:4px" '
            f'onload="{escape(_FIT)}"></iframe></div>')
