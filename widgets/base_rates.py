"""BaseRateExplorer: which clusters over-represent a facet value (e.g. language = Spanish), with 95% intervals.

Clusters are ranked by lift (share of the value inside the cluster / its share overall) with Wilson-based 95%
intervals as error bars, counts and Benjamini-Hochberg q-values. A visible cluster whose cell is below the
privacy thresholds (or empty: the two are not told apart) is listed as "suppressed", never with a number. Only
values that pass the thresholds overall are offered. A heatmap shows lift for facet values x the largest clusters.

>>> # explorer = BaseRateExplorer(run)            # language, its 2nd most common value, default_level
>>> # explorer.value.value = "es"; explorer.ranking.head()
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from clio_kit.presentation import (SUPPRESSED, esc, figure_html, figures, fmt_count, fmt_lift, fmt_q, fmt_share,
                                   table_html)

from .base import Chart, Explorer

__all__ = ["BaseRateExplorer", "chosen_value", "default_level", "default_value"]


#: values that name no category ("und": language undetermined); never the default choice
_UNINFORMATIVE = {"und", "unknown", "not rated", "other"}


def default_value(values: list[str], has_cells: Any = None) -> str | None:
    """The most common value after the first (which has lift ~1 everywhere) that names a category (not "und") and,
    when ``has_cells(value)`` is given, has at least one shown cell; else the first value.

    >>> default_value(["en", "und", "es", "fr"]), default_value(["en"]), default_value([])
    ('es', 'en', None)
    >>> default_value(["en", "und", "es", "fr"], has_cells=lambda v: v == "fr")
    'fr'
    """
    candidates = [v for v in values[1:] if str(v).lower() not in _UNINFORMATIVE]
    for value in candidates:
        if has_cells is None or has_cells(value):
            return value
    return candidates[0] if candidates else (values[0] if values else None)


def chosen_value(values: list[str], requested: str | None, facet: str | None, has_cells: Any = None) -> str | None:
    """``requested`` if it is one of ``values``; else :func:`default_value`, with a warning naming the value asked
    for (a value absent from the run, or below the thresholds everywhere, is not offered).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     chosen_value(["en", "es"], "ja", "language"), str(caught[0].message)[:45]
    ('es', "language = 'ja' is not among this run's shown")
    """
    if requested is None or requested in values:
        return requested if requested is not None else default_value(values, has_cells)
    fallback = default_value(values, has_cells)
    import warnings

    warnings.warn(f"{facet} = {requested!r} is not among this run's shown values (absent, or below the privacy "
                  f"thresholds overall): showing {facet} = {fallback!r}", UserWarning, stacklevel=3)
    return fallback


def shown_values(data: Any, facet: str | None, level: int) -> Any:
    """``has_cells`` for :func:`default_value`: does the value have a shown cell at ``level``?"""
    if facet is None:
        return None
    shown = set(data.cells(facet, level)["value"].astype(str))
    return lambda value: str(value) in shown


def default_level(data: Any, max_clusters: int = 200, facet: str | None = None) -> int:
    """The lowest level with at most ``max_clusters`` visible clusters (base rates with q-values cost about a
    millisecond per cell, so a 1,000-cluster base level takes seconds on first use; it is cached after); with a
    ``facet``, of those levels the one with the most shown cells of it (a small multilingual run hides most of its
    base clusters' cells, while its top level shows nearly all)."""
    levels = [lv for lv in data.levels if len(data.clusters(lv)) <= max_clusters] or [data.top_level]
    if facet is None:
        return levels[0]
    return max(levels, key=lambda lv: (len(data.cells(facet, lv)), -lv))


def level_dropdown(data: Any, level: int | None, css_class: str, facet: str | None = None) -> W.Dropdown:
    """A "Level" dropdown listing each level with its count of visible clusters, at ``level`` or
    :func:`default_level` (for ``facet``), carrying ``css_class`` (browser tests find it by that)."""
    dropdown = W.Dropdown(options=[(f"level {lv} ({len(data.clusters(lv))} visible clusters)", lv)
                                   for lv in data.levels],
                          value=default_level(data, facet=facet) if level is None else level, description="Level")
    dropdown.add_class(css_class)
    return dropdown


class BaseRateExplorer(Explorer):
    """Choose a facet, a value and a level; see clusters ranked by lift, a table and a heatmap."""

    title = "Base rates"

    def __init__(self, source: Any, *, facet: str | None = None, value: str | None = None,
                 level: int | None = None, top_n: int = 20) -> None:
        super().__init__(source)
        data = self.data
        self.top_n = top_n
        facets = data.facets
        facet = facet or ("language" if "language" in facets else (facets[0] if facets else None))
        self.facet = W.Dropdown(options=facets, value=facet, description="Facet")
        self.facet.add_class("clio-br-facet")
        values = data.facet_values(facet) if facet else []
        self.level = level_dropdown(data, level, "clio-br-level", facet)
        self.value = W.Dropdown(options=values, value=chosen_value(values, value, facet,
                                                                   shown_values(data, facet, self.level.value)),
                                description="Value")
        self.value.add_class("clio-br-value")
        self.table = W.HTML()
        self.table.add_class("clio-ranking")
        self.bars = Chart()
        self.bars.add_class("clio-br-bars")
        self.heatmap = Chart()
        self.heatmap.add_class("clio-br-heatmap")

        self.facet.observe(self._on_facet, names="value")
        self.value.observe(lambda _: self._update(), names="value")
        self.level.observe(lambda _: self._update(heatmap=True), names="value")
        controls = W.HBox([self.facet, self.value, self.level])
        # stacked, not side by side: a figure drawn in a hidden tab gets plotly's default width (700 px)
        self.widget = W.VBox([controls, self.bars, self.table, self.heatmap])
        self._update(heatmap=True)

    # -- data -------------------------------------------------------------------------------------------------
    @property
    def ranking(self) -> pd.DataFrame:
        """Shown (not suppressed) clusters for the current facet/value/level, highest lift first (top_n)."""
        if self.facet.value is None or self.value.value is None:
            return pd.DataFrame(columns=["cluster_id", "name", "lift"])
        rates = self.data.base_rates(self.facet.value, self.level.value)
        return self.shown_rows.head(self.top_n).reset_index(drop=True)

    @property
    def shown_rows(self) -> pd.DataFrame:
        """Every shown (not suppressed) cluster for the current facet/value/level, highest lift first."""
        if self.facet.value is None or self.value.value is None:
            return pd.DataFrame(columns=["cluster_id", "name", "lift"])
        rates = self.data.base_rates(self.facet.value, self.level.value)
        rows = rates[(rates["value"] == self.value.value) & ~rates["suppressed"]]
        return rows.sort_values(["lift", "n_conversations"], ascending=[False, False])

    @property
    def suppressed_clusters(self) -> pd.DataFrame:
        """Visible clusters at this level with no shown cell for the value (suppressed or empty: not told apart)."""
        clusters = self.data.clusters(self.level.value)
        if self.facet.value is None or self.value.value is None:
            return clusters[["cluster_id", "name", "n_conversations"]]
        rates = self.data.base_rates(self.facet.value, self.level.value)
        shown = rates[(rates["value"] == self.value.value) & ~rates["suppressed"]]["cluster_id"]
        return clusters[~clusters["cluster_id"].isin(shown)][["cluster_id", "name", "n_conversations"]]

    # -- events -----------------------------------------------------------------------------------------------
    def _on_facet(self, change: dict[str, Any]) -> None:
        values = self.data.facet_values(change["new"])
        with self._quiet():
            self.value.options = values
            self.value.value = default_value(values, shown_values(self.data, change["new"], self.level.value))
        self._update(heatmap=True)

    def _update(self, heatmap: bool = False) -> None:
        if self._busy:
            return
        ranking = self.ranking
        facet, value = self.facet.value, self.value.value
        if value is None:
            self.bars.draw(figures.empty(f"No {facet} value passes the privacy thresholds."))
        else:
            self.bars.draw(figures.lift_bars(ranking, facet, value,
                                                        n_suppressed=len(self.suppressed_clusters)))
        self.table.value = self.table_html()
        if heatmap:
            self.heatmap.draw(self.heatmap_figure(self.level.value))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The ranking as shown: shown clusters with their numbers, then suppressed ones with "suppressed"."""
        sizes = self.data.clusters(self.level.value).set_index("cluster_id")["n_conversations"]
        rows = [{"cluster": r.name, "cluster size": fmt_count(sizes.get(r.cluster_id)),
                 "conversations with value": fmt_count(r.n_conversations), "users": fmt_count(r.n_users),
                 "share in cluster": fmt_share(r.share_in_cluster),
                 "lift [95% CI]": fmt_lift(r.lift, r.lift_low, r.lift_high), "q-value": fmt_q(r.q_value)}
                for r in self.ranking.itertuples()]
        rows += [{"cluster": r.name, "cluster size": fmt_count(r.n_conversations),
                  **dict.fromkeys(["conversations with value", "users", "share in cluster", "lift [95% CI]",
                                   "q-value"], SUPPRESSED)} for r in self.suppressed_clusters.itertuples()]
        return {f"{self.facet.value}-{self.value.value}-level{self.level.value}": pd.DataFrame(rows)}

    def heatmap_figure(self, level: int, n_clusters: int = 15, n_values: int = 12) -> go.Figure:
        """Lift of the first ``n_values`` facet values in the ``n_clusters`` largest clusters of ``level``, the
        chosen value marked; suppressed cells say so."""
        facet = self.facet.value
        return figures.lift_heatmap(self.data.cells(facet, level), self.data.clusters(level).head(n_clusters),
                                    self.data.facet_values(facet)[:n_values], facet=facet, highlight=self.value.value)

    # -- rendering --------------------------------------------------------------------------------------------
    def table_html(self, max_suppressed: int = 15) -> str:
        """The ranking as a table; suppressed rows say "suppressed" in every count/statistic column."""
        ranking = self.ranking
        sizes = self.data.clusters(self.level.value).set_index("cluster_id")["n_conversations"]
        rows: list[list[Any]] = []
        attrs: list[str] = []
        for rank, r in enumerate(ranking.itertuples(), 1):
            rows.append([rank, r.name, fmt_count(sizes.get(r.cluster_id)), fmt_count(r.n_conversations),
                         fmt_count(r.n_users), fmt_share(r.share_in_cluster), fmt_lift(r.lift, r.lift_low, r.lift_high),
                         fmt_q(r.q_value)])
            attrs.append(f"data-cluster='{int(r.cluster_id)}' data-suppressed='0'")
        hidden = self.suppressed_clusters
        for r in hidden.head(max_suppressed).itertuples():
            rows.append(["–", r.name, fmt_count(r.n_conversations)] + [SUPPRESSED] * 5)
            attrs.append(f"data-cluster='{int(r.cluster_id)}' data-suppressed='1'")
        facet, value = esc(self.facet.value), esc(self.value.value)
        users, convs = self.data.thresholds
        more = len(hidden) - max_suppressed
        n_shown = len(self.shown_rows)
        listed = f"the top {len(ranking)} of {n_shown}" if n_shown > len(ranking) else f"{len(ranking)}"
        note = (f"<p class='clio-note'>{facet} = {value} at level {self.level.value}: {listed} cluster(s) with a "
                f"shown cell, ranked by lift; cells with fewer than {users} users or {convs} conversations are shown as "
                f"“suppressed”{f' ({more} more not listed)' if more > 0 else ''}.</p>")
        return note + table_html(["#", "Cluster", "Cluster size", f"With {self.value.value}", "Users",
                                  "Share in cluster", "Lift [95% CI]", "q-value"], rows,
                                 numeric=(2, 3, 4, 5, 6, 7), row_attrs=attrs)

    def static_body(self) -> str:
        facet, value, level = self.facet.value, self.value.value, self.level.value
        bars = figures.lift_bars(self.ranking, facet, value, n_suppressed=len(self.suppressed_clusters)) \
            if value is not None else \
            figures.empty(f"No {facet} value passes the privacy thresholds.")
        return (f"<h3>{esc(facet)} = {esc(value)} (level {level})</h3>" + figure_html(bars) + self.table_html() +
                figure_html(self.heatmap_figure(level)))
