"""Static, self-contained HTML: escaped tables, figures without plotly.js, and the page around them.

Plotly's JavaScript is either embedded (``include_plotlyjs=True``, ~5 MB, renders offline) or left to the caller
(``False``: load ``plotly.js`` yourself before this HTML). A CDN is never used: reports must open offline.

>>> "<table" in table_html(["a"], [["<b>"]])
True
>>> import pandas as pd
>>> "&lt;b&gt;" in frame_html(pd.DataFrame({"name": ["<b>"]}))
True
"""

from __future__ import annotations

import base64
import math
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .formatting import SUPPRESSED, esc

if TYPE_CHECKING:  # plotly loads on first use: importing the report helpers stays fast
    import plotly.graph_objects as go

__all__ = ["HOVER_WIDTH", "STYLE", "check_plotlyjs", "figure_html", "fit_hover", "for_page", "frame_html", "json_safe",
           "page", "table_html", "wrap_hover"]

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


def frame_html(frame: pd.DataFrame, *, index: bool = False) -> str:
    """A table of strings as an escaped HTML table (cell text is never markup); blank cells for missing values."""
    return frame.to_html(escape=True, index=index, na_rep="", border=0, classes="clio-table")


def check_plotlyjs(include_plotlyjs: Any) -> bool:
    """Only True (embed) or False (the caller loads plotly.js); a CDN would leave offline reports blank."""
    if include_plotlyjs is True or include_plotlyjs is False:
        return include_plotlyjs
    raise ConfigError("include_plotlyjs must be True (embed plotly.js) or False (the caller loads it); "
                     f"{include_plotlyjs!r} is not allowed because reports must render offline")


def figure_html(fig: go.Figure, div_id: str | None = None, config: dict[str, Any] | None = None) -> str:
    """A figure's div and its newPlot call, without plotly.js (see :func:`page`); ``config`` adds to plotly's
    config (e.g. ``{"scrollZoom": True}``)."""
    return for_page(fig).to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                                  config={"displaylogo": False, "responsive": True, **(config or {})})


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


def json_safe(figure: go.Figure) -> go.Figure:
    """A copy of ``figure`` in which every NaN (a suppressed cell, a gap in a trend) is None.

    Widget state travels as JSON, and NaN is not JSON: Jupyter warns "Out of range float values are not JSON
    compliant" on every update (Voila prints it on the page). Plotly's binary arrays carry NaN fine, but plotly.js
    reads NaN differently from null: a NaN segment in a stacked bar makes the segments after it start at zero.
    """
    import plotly.graph_objects as go

    return go.Figure(_clean(figure.to_plotly_json()))


#: longest hover line, in characters: ~300 px at plotly's 13 px font, so a label fits beside a point in a half
#: column (longer names are wrapped onto more lines, never cut)
HOVER_WIDTH = 44


def fit_hover(figure: go.Figure, width: int = HOVER_WIDTH) -> go.Figure:
    """``figure`` with hover labels that fit: long texts shown only on hover wrapped onto lines of at most
    ``width`` characters, trace names in full (plotly cuts them at 15 characters by default), left-aligned lines.

    Wrapped: ``hovertext``, string ``customdata`` and the ``<extra>`` part of hover templates, and ``text`` of
    marker-only scatters (drawn nowhere else). Axis categories and drawn labels are left as they are.

    >>> import plotly.graph_objects as go
    >>> fig = fit_hover(go.Figure(go.Scatter(x=[1], y=[1], mode="markers", text=["a " * 30])))
    >>> fig.data[0].text[0].count("<br>"), fig.layout.hoverlabel.namelength
    (1, -1)
    """
    figure.update_layout(hoverlabel={"namelength": -1, "align": "left"})
    for trace in figure.data:
        if getattr(trace, "hovertext", None) is not None:
            trace.hovertext = _wrap_all(trace.hovertext, width)
        if getattr(trace, "customdata", None) is not None:
            trace.customdata = _wrap_all(trace.customdata, width)
        template = getattr(trace, "hovertemplate", None)
        if isinstance(template, str) and "<extra>" in template:
            head, extra = template.split("<extra>", 1)
            name, tail = extra.split("</extra>", 1) if "</extra>" in extra else (extra, "")
            trace.hovertemplate = f"{head}<extra>{wrap_hover(name, width)}</extra>{tail}"
        mode = getattr(trace, "mode", None)
        if trace.type in ("scatter", "scattergl") and mode and "text" not in mode and trace.text is not None:
            trace.text = _wrap_all(trace.text, width)
    return figure


def wrap_hover(text: str, width: int = HOVER_WIDTH) -> str:
    """``text`` broken at spaces into lines of at most ``width`` characters joined by ``<br>`` (a longer word
    stays whole); lines already broken with ``<br>`` are wrapped one by one.

    >>> wrap_hover("Debugging Python pandas merges that drop rows", 20)
    'Debugging Python<br>pandas merges that<br>drop rows'
    >>> wrap_hover("<b>Title</b><br>a description that runs on", 12)
    '<b>Title</b><br>a<br>description<br>that runs on'
    """
    if len(text) <= width:
        return text
    return "<br>".join(wrapped for line in text.split("<br>")
                       for wrapped in textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
                       or [line])


def _wrap_all(value: Any, width: int) -> Any:
    if isinstance(value, str):
        return wrap_hover(value, width)
    if isinstance(value, np.ndarray) and value.dtype.kind in "iufb":
        return value
    if isinstance(value, list | tuple | np.ndarray):
        return [_wrap_all(v, width) for v in value]
    return value


def for_page(figure: go.Figure) -> go.Figure:
    """A copy of ``figure`` ready for a page or a widget: JSON-safe (:func:`json_safe`), hover labels that fit
    (:func:`fit_hover`)."""
    return fit_hover(json_safe(figure))


def _clean(value: Any) -> Any:
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:  # plotly's base64 typed array
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if array.dtype.kind != "f" or not np.isnan(array).any():
            return value
        if "shape" in value:
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return _clean(array.tolist())
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, pd.Series | pd.Index):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, float | np.floating) and not math.isfinite(float(value)):
        return None
    if value is pd.NaT:
        return None
    return value
