"""One presentation layer: how gated numbers read (:mod:`.formatting`), static HTML (:mod:`.html`) and the plotly
figures (:mod:`.figures`, :mod:`.windows`) that the report (:mod:`clio_kit.report`), the exports and the widgets
(:mod:`widgets`) all draw with. It formats privacy-gated tables only; suppressed cells arrive as NaN and read
:data:`SUPPRESSED`.

>>> from clio_kit.presentation import fmt_q, SUPPRESSED
>>> fmt_q(0.0004), fmt_q(None) == SUPPRESSED
('<0.001', True)
"""

from __future__ import annotations

from .formatting import (SUPPRESSED, esc, fmt_count, fmt_lift, fmt_q, fmt_share, is_missing, short, unique_labels,
                         value_label, wrap)
from .html import (HOVER_WIDTH, STYLE, check_plotlyjs, figure_html, fit_hover, for_page, frame_html, json_safe, page,
                   table_html, wrap_hover)

__all__ = ["HOVER_WIDTH", "STYLE", "SUPPRESSED", "check_plotlyjs", "esc", "figure_html", "fit_hover", "fmt_count",
           "fmt_lift", "fmt_q", "fmt_share", "for_page", "frame_html", "is_missing", "json_safe", "page", "short",
           "table_html", "unique_labels", "value_label", "wrap", "wrap_hover"]
