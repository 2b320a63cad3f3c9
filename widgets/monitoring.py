"""MonitoringExplorer: what changed between two time windows (a split date, or two explicit windows).

Built on :meth:`clio_kit.PrivacyView.compare_windows`: new clusters (below the thresholds before, above after),
the fastest-growing and fastest-shrinking clusters with 95% intervals and Benjamini-Hochberg q-values, and a chart of
the change in share. Every count is gated per window: a small window cell reads "< threshold", and a cell that would
give one away by subtraction reads "suppressed"; neither is ever a number.

>>> # explorer = MonitoringExplorer(run)                     # split at the middle week of the run
>>> # explorer.split.value = datetime.date(2025, 4, 1)       # or: explorer.mode.value = "windows"
>>> # explorer.comparison.new_clusters()
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as W
import plotly.graph_objects as go

from clio_kit.errors import ClioError
from clio_kit.presentation import esc, figure_html, figures, frame_html, windows

from .base import Chart, Explorer
from .base_rates import level_dropdown

__all__ = ["MonitoringExplorer", "default_split"]


def default_split(periods: list[Any]) -> dt.date | None:
    """The start of the middle period (weeks or months of the run), or None without periods.

    >>> import pandas as pd
    >>> default_split(list(pd.date_range("2025-03-03", periods=8, freq="W-MON")))
    datetime.date(2025, 3, 31)
    """
    if not periods:
        return None
    ordered = sorted(periods)
    return ordered[len(ordered) // 2].date()


class MonitoringExplorer(Explorer):
    """Pick a split date (or two windows) and a level; see new clusters, growth and shrinkage, and a chart.

    Parameters: ``source`` a ``Run``, ``PrivacyView`` or :class:`GatedData`; ``split`` a date (default: the
    middle week); ``level`` (default: the lowest level with at most 200 visible clusters); ``top_n`` rows per table.
    """

    title = "Changes over time"

    def __init__(self, source: Any, *, split: Any = None, level: int | None = None, top_n: int = 10) -> None:
        super().__init__(source)
        data = self.data
        self.top_n = top_n
        periods = list(data.trend("W", data.top_level)["period"].unique()) if data.has_timestamps else []
        first = min(periods).date() if periods else None
        last = (max(periods) + dt.timedelta(days=7)).date() if periods else None
        middle = default_split(periods)
        if split is not None:
            middle = split if isinstance(split, dt.date) else dt.date.fromisoformat(str(split)[:10])
        self.mode = W.ToggleButtons(options=[("Split date", "split"), ("Two windows", "windows")], value="split",
                                    description="Compare")
        self.mode.add_class("clio-mon-mode")
        self.split = W.DatePicker(value=middle, description="Split")
        self.split.add_class("clio-mon-split")
        self.before_start = W.DatePicker(value=first, description="Before from")
        self.before_end = W.DatePicker(value=middle, description="to")
        self.after_start = W.DatePicker(value=middle, description="After from")
        self.after_end = W.DatePicker(value=last, description="to")
        self.level = level_dropdown(data, level, "clio-mon-level")
        self.summary = W.HTML()
        self.summary.add_class("clio-mon-summary")
        self.new_table = W.HTML()
        self.new_table.add_class("clio-mon-new")
        self.growth_table = W.HTML()
        self.growth_table.add_class("clio-mon-growth")
        self.chart = Chart()
        self.chart.add_class("clio-mon-chart")
        self.windows_box = W.VBox([W.HBox([self.before_start, self.before_end]),
                                   W.HBox([self.after_start, self.after_end])])
        for control in (self.mode, self.split, self.before_start, self.before_end, self.after_start,
                        self.after_end, self.level):
            control.observe(lambda _: self._update(), names="value")
        self.widget = W.VBox([W.HBox([self.mode, self.level]), self.split, self.windows_box, self.summary,
                              self.new_table, self.chart, self.growth_table])
        self.widget.add_class("clio-monitoring")
        self.error: str | None = None
        self._update()

    # -- data -------------------------------------------------------------------------------------------------
    def _arguments(self) -> dict[str, Any]:
        if self.mode.value == "split":
            return {"split": self.split.value}
        return {"before": (self.before_start.value, self.before_end.value),
                "after": (self.after_start.value, self.after_end.value)}

    @property
    def comparison(self) -> Any:
        """The current :class:`clio_kit.privacy.monitoring.WindowComparison` (None if the choice is invalid)."""
        if not self.data.has_timestamps:
            return None
        arguments = self._arguments()
        if arguments.get("split", 0) is None:
            return None
        key = ("compare_windows", self.level.value, tuple(sorted((k, str(v)) for k, v in arguments.items())))
        return self.data._cached(key, lambda: self.data.view.compare_windows(level=self.level.value, **arguments))

    # -- events -----------------------------------------------------------------------------------------------
    def _update(self) -> None:
        if self._busy:
            return
        self.windows_box.layout.display = "" if self.mode.value == "windows" else "none"
        self.split.layout.display = "" if self.mode.value == "split" else "none"
        self.error = None
        try:
            comparison = self.comparison
        except ClioError as error:  # an invalid pair of windows: say so, show nothing else
            comparison, self.error = None, str(error)
        self.summary.value = self.summary_html(comparison)
        self.new_table.value = self.new_html(comparison)
        self.growth_table.value = self.growth_html(comparison)
        self.chart.draw(self._figure(comparison))

    # -- rendering --------------------------------------------------------------------------------------------
    def summary_html(self, comparison: Any) -> str:
        if not self.data.has_timestamps:
            return "<p class='clio-note'>This run has no timestamps: nothing to compare over time.</p>"
        if self.error:
            return f"<p class='clio-note clio-mon-error'>{esc(self.error)}</p>"
        if comparison is None:
            return "<p class='clio-note'>Pick a split date.</p>"
        return windows.window_summary_html(comparison)

    def new_html(self, comparison: Any) -> str:
        if comparison is None:
            return ""
        frame = windows.window_table(comparison, "new", self.top_n)
        if frame.empty:
            return "<h4>New clusters</h4><p class='clio-note'>No cluster is new in the after window.</p>"
        return "<h4>New clusters</h4>" + _table(frame)

    def growth_html(self, comparison: Any) -> str:
        if comparison is None:
            return ""
        parts = []
        for kind, title in (("growing", "Fastest growing"), ("shrinking", "Fastest shrinking")):
            frame = windows.window_table(comparison, kind, self.top_n)
            parts.append(f"<h4>{title}</h4>" + (_table(frame) if len(frame) else
                                                 "<p class='clio-note'>None above the thresholds in both "
                                                 "windows.</p>"))
        gone = windows.window_table(comparison, "gone", self.top_n)
        if len(gone):
            parts.append("<h4>Clusters that disappeared</h4>" + _table(gone))
        if comparison.has_concern:
            concern = windows.window_table(comparison, "concern", self.top_n)
            parts.append("<h4>Change in mean concern</h4>" + (_table(concern) if len(concern) else
                                                               "<p class='clio-note'>No cluster has enough rated "
                                                               "conversations in both windows.</p>"))
        return "".join(parts)

    def _figure(self, comparison: Any) -> go.Figure:
        if comparison is None:
            return figures.empty("Nothing to compare." if self.data.has_timestamps else
                                 "This run has no timestamps.", 220)
        return windows.window_figure(comparison, self.top_n)

    def tables(self) -> dict[str, Any]:
        comparison = self.comparison if self.error is None else None
        if comparison is None:
            return {}
        kinds = ["new", "growing", "shrinking", "gone"] + (["concern"] if comparison.has_concern else [])
        return {kind: windows.window_table(comparison, kind, self.top_n) for kind in kinds}

    def static_body(self) -> str:
        comparison = self.comparison if self.error is None else None
        body = self.summary_html(comparison) + self.new_html(comparison)
        return body + figure_html(self._figure(comparison)) + self.growth_html(comparison)


_TABLE_STYLE = ("<style>.clio-monitoring table.clio-table{border-collapse:collapse;margin:4px 0 10px}"
                ".clio-monitoring table.clio-table th,.clio-monitoring table.clio-table td{padding:2px 10px;"
                "text-align:left;border-bottom:1px solid #ddd}</style>")


def _table(frame: Any) -> str:
    """An escaped table (cell text is never markup), styled in live widgets and static pages alike."""
    return _TABLE_STYLE + frame_html(frame)
