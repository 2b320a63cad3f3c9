"""How numbers and labels read in every report, widget and export: one format per kind of number.

A missing value is a suppressed (or absent) cell: it reads ``missing`` (:data:`SUPPRESSED` by default), never a
number.

>>> fmt_count(12345), fmt_share(0.1234), fmt_lift(2.345, 1.5, 3.0), fmt_q(0.0004), fmt_q(0.0213)
('12,345', '12.3%', '2.35× [1.50–3.00]', '<0.001', '0.021')
>>> fmt_q(float("nan")), fmt_q(None, missing="")
('suppressed', '')
>>> value_label("language", "es"), value_label("n_turns", 3)
('Spanish (es)', '3')
>>> short("Debug Python and JavaScript code", 12), unique_labels(["a", "b", "a"])
('Debug Pytho…', ['a', 'b', 'a (2)'])
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Iterable
from typing import Any

from ..facets.language import language_name
from ..privacy.suppression import SUPPRESSED

__all__ = ["SUPPRESSED", "esc", "fmt_count", "fmt_lift", "fmt_q", "fmt_share", "is_missing", "short",
           "unique_labels", "value_label", "wrap"]


def is_missing(value: Any) -> bool:
    """None or NaN: a cell with no shown number."""
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def fmt_count(value: Any, missing: str = SUPPRESSED) -> str:
    return missing if is_missing(value) else f"{int(value):,}"


def fmt_share(value: Any, missing: str = SUPPRESSED) -> str:
    return missing if is_missing(value) else f"{float(value):.1%}"


def fmt_lift(lift: Any, low: Any = None, high: Any = None, missing: str = SUPPRESSED) -> str:
    """``2.35× [1.50–3.00]``: a lift with its 95% interval when both ends are known."""
    if is_missing(lift):
        return missing
    text = f"{float(lift):.2f}×"
    if not is_missing(low) and not is_missing(high):
        text += f" [{float(low):.2f}–{float(high):.2f}]"
    return text


def fmt_q(value: Any, missing: str = SUPPRESSED) -> str:
    """A Benjamini-Hochberg q-value: three decimals, ``<0.001`` below that."""
    if is_missing(value):
        return missing
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def esc(value: Any) -> str:
    return html.escape(str(value))


def short(text: Any, width: int = 48) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def wrap(text: Any, width: int = 60) -> str:
    """Escaped ``text`` wrapped into ``<br>``-separated lines (plotly labels and hover text)."""
    return "<br>".join(textwrap.wrap(html.escape(str(text)), width)) if text else ""


def unique_labels(labels: Iterable[str]) -> list[str]:
    """Labels made unique with a counter (plotly merges rows whose category labels are equal)."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def value_label(facet: str, value: Any) -> str:
    """A readable label for a facet value: language codes get their English name (``"Spanish (es)"``)."""
    if facet in {"language", "language_code"}:
        name = language_name(str(value))
        if name != "Unknown" or str(value) == "und":
            return f"{name} ({value})"
    return str(value)
