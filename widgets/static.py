"""Static, self-contained HTML for reports: number formatting, tables, figures and the page around them.

Plotly's JavaScript is either embedded (``include_plotlyjs=True``, ~5 MB, renders offline) or left to the caller
(``False``: load ``plotly.js`` yourself before this HTML). A CDN is never used: reports must open offline.

>>> fmt_count(12345), fmt_share(0.1234), fmt_lift(2.345, 1.5, 3.0)
('12,345', '12.3%', '2.35× [1.50–3.00]')
>>> "<table" in table_html(["a"], [["<b>"]])
True
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import plotly.graph_objects as go

__all__ = [
    "STYLE",
    "SUPPRESSED",
    "check_plotlyjs",
    "esc",
    "figure_html",
    "fmt_count",
    "fmt_lift",
    "fmt_q",
    "fmt_share",
    "page",
    "table_html",
]

#: how a cell below the privacy thresholds is shown: a word, never a number
SUPPRESSED = "suppressed"

STYLE = """
.clio-static{font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:14px;color:#222}
.clio-static table,.clio-table{border-collapse:collapse;margin:4px 0 10px}
.clio-static th,.clio-static td,.clio-table th,.clio-table td{border-bottom:1px solid #ddd;padding:2px 8px;
 text-align:left}
.clio-static td.num,.clio-table td.num{text-align:right;font-variant-numeric:tabular-nums}
.clio-static td.suppressed,.clio-table td.suppressed{color:#888;font-style:italic}
.clio-static details{margin-left:14px}.clio-static summary{cursor:pointer}
.clio-note{color:#555;font-size:12px}
"""


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_count(value: Any) -> str:
    return SUPPRESSED if _missing(value) else f"{int(value):,}"


def fmt_share(value: Any) -> str:
    return SUPPRESSED if _missing(value) else f"{float(value):.1%}"


def fmt_lift(lift: Any, low: Any = None, high: Any = None) -> str:
    if _missing(lift):
        return SUPPRESSED
    text = f"{float(lift):.2f}×"
    if not _missing(low) and not _missing(high):
        text += f" [{float(low):.2f}–{float(high):.2f}]"
    return text


def fmt_q(value: Any) -> str:
    if _missing(value):
        return SUPPRESSED
    return "<0.001" if value < 0.001 else f"{float(value):.3f}"


def esc(value: Any) -> str:
    return html.escape(str(value))


def table_html(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Sequence[int] = (),
               row_attrs: Sequence[str] | None = None) -> str:
    """An HTML table; cells are escaped; cells equal to :data:`SUPPRESSED` get class ``suppressed``."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            classes = (["num"] if j in numeric else []) + (["suppressed"] if cell == SUPPRESSED else [])
            cls = f" class='{' '.join(classes)}'" if classes else ""
            cells.append(f"<td{cls}>{esc(cell)}</td>")
        attrs = f" {row_attrs[i]}" if row_attrs else ""
        body.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    return f"<table class='clio-table'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def check_plotlyjs(include_plotlyjs: Any) -> bool:
    """Only True (embed) or False (the caller loads plotly.js); a CDN would leave offline reports blank."""
    if include_plotlyjs is True or include_plotlyjs is False:
        return include_plotlyjs
    raise ValueError("include_plotlyjs must be True (embed plotly.js) or False (the caller loads it); "
                     f"{include_plotlyjs!r} is not allowed because reports must render offline")


def figure_html(fig: go.Figure, div_id: str | None = None) -> str:
    """A figure's div and its newPlot call, without plotly.js (see :func:`page`)."""
    from .base import for_page

    return for_page(fig).to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                                  config={"displaylogo": False, "responsive": True})


def page(title: str, body: str, *, include_plotlyjs: bool = True, full_html: bool = True) -> str:
    """Wrap sections in a self-contained document (or a ``<div>`` fragment when ``full_html=False``)."""
    embed = check_plotlyjs(include_plotlyjs)
    script = ""
    if embed:
        from plotly.offline import get_plotlyjs

        script = f"<script type='text/javascript'>{get_plotlyjs()}</script>"
    fragment = f"<div class='clio-static'><style>{STYLE}</style>{script}{body}</div>"
    if not full_html:
        return fragment
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}</title></head>"
            f"<body>{fragment}</body></html>")
