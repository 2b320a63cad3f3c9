"""FacetExplorer: one facet's distribution, its split inside the largest clusters, and shares over time.

Over time: each value's share of the shown conversations per period, from ``PrivacyView.facet_trend`` (views
without it fall back to the largest clusters' shares per period at the chosen level).

>>> # FacetExplorer(run, facet="language")
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from clio_kit.presentation import esc, figure_html, figures, fmt_count, fmt_share, table_html

from .base import Chart, Explorer

__all__ = ["FacetExplorer"]


class FacetExplorer(Explorer):
    """Distribution of a facet, cross-tab with the clusters of a level, and shares over time."""

    title = "Facets"

    def __init__(self, source: Any, *, facet: str | None = None, level: int | None = None, n_clusters: int = 12,
                 n_values: int = 8) -> None:
        super().__init__(source)
        data = self.data
        self.n_clusters, self.n_values = n_clusters, n_values
        facets = data.facets
        facet = facet or ("language" if "language" in facets else (facets[0] if facets else None))
        self.facet = W.Dropdown(options=facets, value=facet, description="Facet")
        self.facet.add_class("clio-fx-facet")
        self.level = W.Dropdown(options=[(f"level {lv}", lv) for lv in data.levels],
                                value=data.top_level if level is None else level, description="Clusters at")
        self.freq = W.Dropdown(options=[("week", "W"), ("month", "M")], value=data.auto_freq(), description="Per")
        self.distribution_table = W.HTML()
        self.distribution = Chart()
        self.distribution.add_class("clio-fx-distribution")
        self.crosstab = Chart()
        self.crosstab.add_class("clio-fx-crosstab")
        self.over_time = Chart()
        self.over_time.add_class("clio-fx-over-time")
        for control in (self.facet, self.level, self.freq):
            control.observe(lambda _: self._update(), names="value")
        # figures stacked: one drawn in a hidden tab gets plotly's default width, too wide for a half column
        self.widget = W.VBox([W.HBox([self.facet, self.level, self.freq]), self.distribution,
                              self.distribution_table, self.crosstab, self.over_time])
        self._update()

    def _figures(self) -> tuple[go.Figure, go.Figure, go.Figure]:
        facet, level = self.facet.value, self.level.value
        if facet is None:
            blank = figures.empty("This run has no facets to break down.")
            return blank, blank, blank
        data = self.data
        distribution = figures.distribution_bar(data.facet_distribution(facet), facet)
        values = data.facet_values(facet)[: self.n_values]
        crosstab = figures.crosstab_bars(data.cells(facet, level), data.clusters(level).head(self.n_clusters),
                                         facet, values)
        return distribution, crosstab, self._over_time_figure()

    def _over_time_figure(self) -> go.Figure:
        facet, level, freq = self.facet.value, self.level.value, self.freq.value
        unit = "week" if freq == "W" else "month"
        if not self.data.has_timestamps:
            return figures.empty("This run has no timestamps.", 240)
        facet_trend = self.data.facet_trend(facet, freq)
        if facet_trend is not None:  # a long table: period, value, n_conversations (suppressed = NaN)
            values = self.data.facet_values(facet)[: self.n_values]
            frame = facet_trend[facet_trend["value"].astype(str).isin(values)]
            frame = frame.assign(cluster_id=frame["value"].astype(str), name=frame["value"].astype(str))
            return figures.trend_lines(frame, f"Share of each {facet} value per {unit} (of shown conversations)",
                                       share=True)
        trend = self.data.trend(freq, level)
        top = self.data.clusters(level).head(8)["cluster_id"]
        trend = trend[trend["cluster_id"].isin(top)]
        return figures.trend_lines(trend, f"Share of shown conversations per {unit}, largest clusters at level "
                                          f"{level} (per-{facet} trends need PrivacyView.facet_trend)", share=True)

    def _update(self) -> None:
        distribution, crosstab, over_time = self._figures()
        self.distribution.draw(distribution)
        self.crosstab.draw(crosstab)
        self.over_time.draw(over_time)
        self.distribution_table.value = self.table_html()

    def tables(self) -> dict[str, pd.DataFrame]:
        if self.facet.value is None:
            return {}
        frame = self.data.facet_distribution(self.facet.value)
        return {f"{self.facet.value}-distribution": pd.DataFrame({
            self.facet.value: frame["value"].astype(str), "conversations": frame["n_conversations"].map(fmt_count),
            "users": frame["n_users"].map(fmt_count), "share": frame["share"].map(fmt_share)})}

    def table_html(self) -> str:
        facet = self.facet.value
        if facet is None:
            return ""
        frame: pd.DataFrame = self.data.facet_distribution(facet)
        rows = [[r.value, fmt_count(r.n_conversations), fmt_count(r.n_users), fmt_share(r.share)]
                for r in frame.head(25).itertuples()]
        users, convs = self.data.thresholds
        return (table_html([facet, "Conversations", "Users", "Share"], rows, numeric=(1, 2, 3)) +
                f"<p class='clio-note'>Values with fewer than {users} users or {convs} conversations are pooled "
                "into one suppressed row (left out if even the pool is too small).</p>")

    def static_body(self) -> str:
        distribution, crosstab, over_time = self._figures()
        return (f"<h3>{esc(self.facet.value)}</h3>" + figure_html(distribution) + self.table_html() +
                figure_html(crosstab) + figure_html(over_time))
