"""ClusterMap: a zoomable 2-D map of visible CLUSTERS (never conversations), like Clio's map.

Positions come from :meth:`clio_kit.PrivacyView.cluster_map`: a t-SNE layout of base-cluster centroids (parents at
their children's size-weighted mean), computed by the pipeline and shown for visible clusters only. Marker area ~
conversations; colour by top-level parent, size, share, or the lift of a facet value (Clio's "facet overlay";
suppressed clusters are grey). Hover shows cluster names only. Selecting points (box/lasso) or clicking one shows
the selection's totals and top facet values from the suppressed tables. Runs made before the map existed fall
back to a deterministic treemap layout (:func:`widgets.layout.cluster_layout`).

>>> # ClusterMap(run, color_by="lift", facet="language", value="es").select([3, 7])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from clio_kit.presentation import esc, figure_html, figures

from .base import Chart, Explorer
from .chart_events import ChartEvents
from .base_rates import chosen_value, default_value, shown_values
from .layout import cluster_layout

__all__ = ["ClusterMap"]

_COLOURS = [("top-level parent", "parent"), ("size", "size"), ("share", "share"), ("lift of a facet value", "lift")]
_HOVER = "%{text}<extra></extra>"
_MAP_NOTE = ("Positions are a t-SNE projection of cluster centroids (aggregates; parents sit at their children's "
             "weighted mean); only visible clusters are drawn; marker area ~ conversations. Box- or lasso-select "
             "(or click) clusters to see their totals. Scroll to zoom.")
_TREEMAP_NOTE = ("This run has no map coordinates (made before the map existed): positions are a treemap layout of "
                 "the visible hierarchy; marker area ~ conversations. Re-run the pipeline for the t-SNE map.")


class ClusterMap(Explorer):
    """Map of visible clusters; ``color_by`` is ``"parent"``, ``"size"``, ``"share"`` or ``"lift"``."""

    title = "Cluster map"

    def __init__(self, source: Any, *, color_by: str = "parent", facet: str | None = None,
                 value: str | None = None, level: int = 0) -> None:
        super().__init__(source)
        data = self.data
        self.uses_coordinates = data.has_coordinates
        self.layout = None if self.uses_coordinates else cluster_layout(data)
        facets = data.facets
        facet = facet or ("language" if "language" in facets else (facets[0] if facets else None))
        self.color_by = W.Dropdown(options=_COLOURS, value=color_by, description="Colour by")
        self.level = W.Dropdown(options=data.levels, value=level if level in data.levels else 0, description="Level")
        self.level.layout.display = None if self.uses_coordinates else "none"
        self.facet = W.Dropdown(options=facets, value=facet, description="Facet")
        values = data.facet_values(facet) if facet else []
        self.value = W.Dropdown(options=values, value=chosen_value(values, value, facet,
                                                                   shown_values(data, facet, self.level.value)),
                                description="Value")
        self.selected: list[int] = []
        #: the axes' ranges the user zoomed or panned to (None: autoscaled); redraws keep them
        self.zoom: dict[str, list[float] | None] = {"x": None, "y": None}
        self.figure = Chart(config={"scrollZoom": True})
        self._plain = go.Figure()  # the map as drawn before any selection dims it
        # a Chart with a small event widget, not a FigureWidget: see widgets.chart_events
        self.events = ChartEvents(self.figure)
        self.events.on_event(self._on_event)
        self.breakdown = W.HTML(self._breakdown_html())
        for control in (self.color_by, self.value):
            control.observe(lambda _: self._update(), names="value")
        self.level.observe(lambda _: self._update(), names="value")
        self.facet.observe(self._on_facet, names="value")
        self.note = W.HTML(f"<span class='clio-note'>{_MAP_NOTE if self.uses_coordinates else _TREEMAP_NOTE}</span>")
        self.widget = W.VBox([W.HBox([self.color_by, self.level, self.facet, self.value]), self.figure,
                              self.events, self.breakdown, self.note])
        self.widget.add_class("clio-map")  # browser tests find the map and its controls by these
        self.color_by.add_class("clio-map-colour")
        self.level.add_class("clio-map-level")
        self.breakdown.add_class("clio-map-selection")
        self._update()

    # -- data ---------------------------------------------------------------------------------------------------
    @property
    def map_level(self) -> int:
        return int(self.level.value) if self.uses_coordinates else 0

    def points(self) -> pd.DataFrame:
        """The clusters drawn: ``cluster_id, name, n_conversations, n_users, share, x, y, top_name``."""
        if not self.uses_coordinates:
            return self.layout  # type: ignore[return-value]
        frame = self.data.cluster_map(self.map_level).copy()
        tops = [self.data.top_parent(int(c)) for c in frame["cluster_id"]]
        frame["top_name"] = [self.data.nodes[f"c{t}"].name for t in tops]
        # a top-level parent keeps its colour at every level: its rank among the roots, not among the points drawn
        rank = {self.data.nodes[k].cluster_id: i for i, k in enumerate(self.data.roots)}
        frame["top_rank"] = [rank.get(t, 0) for t in tops]
        return frame.reset_index(drop=True)

    def lift(self) -> pd.Series:
        """Lift of the chosen facet value per cluster of the map's level (shown cells only), by cluster_id."""
        if self.facet.value is None or self.value.value is None:
            return pd.Series(dtype=float)
        cells = self.data.cells(self.facet.value, self.map_level)
        return cells[cells["value"] == self.value.value].set_index("cluster_id")["lift"]

    # -- selection ----------------------------------------------------------------------------------------------
    def select(self, cluster_ids: Iterable[int]) -> None:
        """Show the totals of these clusters (visible ones on the map only; others are ignored)."""
        self._select(cluster_ids, redraw=True)

    def _select(self, cluster_ids: Iterable[int], *, redraw: bool) -> None:
        """Select ``cluster_ids``; ``redraw=False`` when the browser made the selection and shows it already (a
        redraw would drop its lasso outline and reset its zoom)."""
        drawn = set(self.points()["cluster_id"].astype(int))
        self.selected = [int(c) for c in dict.fromkeys(cluster_ids) if int(c) in drawn]
        self.breakdown.value = self._breakdown_html()
        # the selection's points marked and the rest dimmed (as the browser dims them after a lasso: see
        # make_figure); nothing dimmed without a selection
        figure = go.Figure(self._plain)
        chosen = set(self.selected)
        for trace in figure.data:
            ids = trace_ids(trace)
            if ids:
                trace.selectedpoints = [i for i, c in enumerate(ids) if c in chosen] if chosen else None
        if redraw:
            self.figure.draw(figure)
        else:
            self.figure.keep(figure)

    def selection_summary(self) -> dict[str, Any]:
        """Totals of the selection: clusters, conversations, users (summed per cluster) and top facet values.

        Facet values come from the suppressed cross-tab: cells below the thresholds are left out, never shown.
        """
        frame = self.points()
        chosen = frame[frame["cluster_id"].isin(self.selected)]
        top: list[tuple[str, int]] = []
        if self.facet.value is not None and len(chosen):
            cells = self.data.cells(self.facet.value, self.map_level)
            cells = cells[cells["cluster_id"].isin(self.selected)]
            sums = cells.groupby("value")["n_conversations"].sum().sort_values(ascending=False).head(5)
            top = [(str(v), int(n)) for v, n in sums.items()]
        return {"n_clusters": int(len(chosen)), "n_conversations": int(chosen["n_conversations"].sum()),
                "n_users": int(chosen["n_users"].fillna(0).sum()), "facet": self.facet.value, "top_values": top,
                "names": chosen["name"].astype(str).tolist()}

    def _breakdown_html(self) -> str:
        if not self.selected:
            return "<p class='clio-note'>Select clusters on the map (box, lasso or click) to see their totals.</p>"
        s = self.selection_summary()
        values = "".join(f"<li>{esc(v)}: {n:,}</li>" for v, n in s["top_values"]) or "<li>(none above thresholds)</li>"
        names = ", ".join(esc(figures.short(n, 40)) for n in s["names"][:8]) + (" ..." if len(s["names"]) > 8 else "")
        clusters = f"{s['n_clusters']} selected cluster" + ("" if s["n_clusters"] == 1 else "s")
        return (f"<div class='clio-selection'><b>{clusters}</b>: {names}<br>"
                f"{s['n_conversations']:,} conversations; up to {s['n_users']:,} users (summed over clusters)."
                f"<br>Top {esc(s['facet'])} values (cells above the thresholds):<ul>{values}</ul></div>")

    def _on_event(self, message: dict[str, Any]) -> None:
        """A click, lasso or box in the browser selects the clusters under it (plotly reports every trace's points
        in one event); a double-click clears the selection; a zoom or pan is remembered for later redraws. The
        browser already shows what it did, so nothing is redrawn."""
        if message["kind"] == "zoom":
            self.zoom = {axis: message.get(axis) for axis in ("x", "y")}
        elif message["kind"] == "deselect":
            self._select([], redraw=False)
        else:
            self._select((int(c) for c in message.get("customdata", []) if isinstance(c, int | float)), redraw=False)

    # -- figure -------------------------------------------------------------------------------------------------
    def make_figure(self) -> go.Figure:
        mode = self.color_by.value
        label = f"lift of {self.facet.value} = {self.value.value}" if mode == "lift" else ""
        lift = self.lift() if mode == "lift" else None
        if not self.uses_coordinates and mode != "share":
            figure = figures.cluster_map(self.layout, mode, lift=lift, color_label=label)  # type: ignore[arg-type]
        else:
            figure = scatter_map(self.points(), mode, lift=lift, color_label=label,
                                 title=f"Cluster map (visible level-{self.map_level} clusters)")
        # outside a selection (made here or in the browser) a cluster is dimmed
        figure.update_traces(unselected={"marker": {"opacity": 0.25}})
        # where the user zoomed to stays in view (every level is drawn in the same t-SNE plane)
        if self.zoom.get("x") and self.zoom.get("y"):
            figure.update_xaxes(range=self.zoom["x"], autorange=False)
            figure.update_yaxes(range=self.zoom["y"], autorange=False)
        return figure

    def _on_facet(self, change: dict[str, Any]) -> None:
        values = self.data.facet_values(change["new"])
        with self._quiet():
            self.value.options = values
            self.value.value = default_value(values, shown_values(self.data, change["new"], self.map_level))
        self._update()

    def _update(self) -> None:
        if self._busy:
            return
        lift = self.color_by.value == "lift"
        self.facet.layout.display = None if lift else "none"
        self.value.layout.display = None if lift else "none"
        self._plain = self.make_figure()
        self.select([])  # other colours or clusters: a new selection starts from nothing (a fresh drawing)

    def tables(self) -> dict[str, pd.DataFrame]:
        points = self.points()
        return {f"clusters-level{self.map_level}": pd.DataFrame({
            "cluster": points["name"].astype(str), "top-level parent": points["top_name"].astype(str),
            "conversations": points["n_conversations"].astype(int), "share": points["share"].map("{:.1%}".format),
            "x": points["x"].round(3), "y": points["y"].round(3)})}

    def static_body(self) -> str:
        return figure_html(self.figure.figure, config={"scrollZoom": True}) + self.breakdown.value + \
            f"<p>{self.note.value}</p>"


def trace_ids(trace: Any) -> list[int]:
    """The cluster ids a map trace carries in ``customdata`` (a list, or plotly's base64 typed array).

    >>> trace_ids(go.Scatter(customdata=[4, 7]))
    [4, 7]
    """
    data = getattr(trace, "customdata", None)
    if data is None:
        return []
    if isinstance(data, dict) and "bdata" in data:
        import base64

        return [int(v) for v in np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))]
    return [int(np.ravel(v)[0]) for v in data]


def scatter_map(points: pd.DataFrame, color_by: str = "parent", lift: pd.Series | None = None,
                color_label: str = "", title: str = "Cluster map", height: int = 560) -> go.Figure:
    """Clusters at their ``x``, ``y``; marker area ~ conversations; hover shows names only; ``customdata`` holds
    cluster ids (for selections).

    >>> frame = pd.DataFrame({"cluster_id": [1], "name": ["a"], "n_conversations": [10], "share": [1.0],
    ...                       "x": [0.0], "y": [0.0], "top_name": ["a"]})
    >>> scatter_map(frame, "size").data[0].hovertemplate
    '%{text}<extra></extra>'
    """
    if points.empty:
        return figures.empty("No visible clusters.", height)
    points = points.reset_index(drop=True)
    biggest = max(float(points["n_conversations"].max()), 1.0)
    sizes = 8 + 34 * np.sqrt(points["n_conversations"].to_numpy(dtype=float) / biggest)
    fig = go.Figure()

    def add(mask: np.ndarray, marker: dict[str, Any], **kwargs: Any) -> None:
        part = points[mask]
        fig.add_trace(go.Scatter(x=part["x"], y=part["y"], text=part["name"].astype(str), mode="markers",
                                 customdata=[int(c) for c in part["cluster_id"]], hovertemplate=_HOVER,
                                 marker={"size": sizes[mask], "opacity": 0.85, "line": {"width": 0.5, "color": "#fff"},
                                         **marker}, **kwargs))

    everything = np.ones(len(points), dtype=bool)
    if color_by == "parent":
        ranks = points["top_rank"] if "top_rank" in points else pd.Series(pd.factorize(points["top_name"])[0])
        for top, rank in dict.fromkeys(zip(points["top_name"], ranks)):
            add((points["top_name"] == top).to_numpy(), {"color": figures.PALETTE[int(rank) % len(figures.PALETTE)]},
                name=figures.short(str(top), 30))
    elif color_by == "size":
        logs = np.log10(np.maximum(points["n_conversations"].to_numpy(dtype=float), 1.0))
        ticks = [m * 10 ** k for k in range(math.ceil(float(logs.max())) + 1) for m in (1, 2, 5)
                 if float(logs.min()) - 0.05 <= math.log10(m * 10 ** k) <= float(logs.max()) + 0.05] or \
            [round(10 ** float(logs.min()))]
        add(everything, {"color": logs, "colorscale": "Viridis",
                         "colorbar": {"title": "conversations", "tickvals": np.log10(ticks),
                                      "ticktext": [f"{t:,}" for t in ticks]}}, showlegend=False)
    elif color_by == "share":
        add(everything, {"color": points["share"].to_numpy(dtype=float) * 100, "colorscale": "Viridis",
                         "colorbar": {"title": "share (%)"}}, showlegend=False)
    elif color_by == "lift":
        values = (lift if lift is not None else pd.Series(dtype=float)).reindex(points["cluster_id"]).to_numpy()
        shown = ~np.isnan(values.astype(float))
        add(~shown, {"color": "#cccccc"}, name="grey: suppressed (below the privacy thresholds) or none")
        logs = np.log2(values[shown].astype(float))
        scale = figures.lift_scale(logs)
        add(shown, {"color": logs, "colorscale": "RdBu_r", "cmin": scale["zmin"], "cmax": scale["zmax"],
                    "colorbar": {"title": color_label or "lift", "tickvals": scale["tickvals"],
                                 "ticktext": scale["ticktext"]}}, name="lift", showlegend=False)
    else:
        raise ValueError(f"color_by must be 'parent', 'size', 'share' or 'lift', not {color_by!r}")
    fig.update_layout(**figures.base_layout(title, height), legend={"orientation": "h", "y": -0.02},
                      dragmode="lasso", clickmode="event+select", showlegend=color_by in ("parent", "lift"),
                      hoverlabel={"namelength": -1})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return fig
