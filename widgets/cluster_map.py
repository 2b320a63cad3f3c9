"""ClusterMap: a zoomable 2-D map of visible base CLUSTERS (never conversations).

The gated view has no embeddings or centroids, so positions come from :func:`widgets.layout.cluster_layout`, a
deterministic nested treemap: clusters sit inside their parents' regions, with marker area proportional to size.
Colour by top-level parent, by size, or by the lift of a facet value (Clio's "facet overlay", e.g. language =
Spanish; suppressed clusters are grey). Hover shows cluster names only.

>>> # ClusterMap(run, color_by="lift", facet="language", value="es")
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from . import figures
from .base import Explorer, replace_figure
from .base_rates import default_value
from .layout import cluster_layout
from .static import figure_html

__all__ = ["ClusterMap"]

_COLOURS = [("top-level parent", "parent"), ("size", "size"), ("lift of a facet value", "lift")]


class ClusterMap(Explorer):
    """Map of visible base clusters; ``color_by`` is ``"parent"``, ``"size"`` or ``"lift"``."""

    title = "Cluster map"

    def __init__(self, source: Any, *, color_by: str = "parent", facet: str | None = None,
                 value: str | None = None) -> None:
        super().__init__(source)
        data = self.data
        self.layout = cluster_layout(data)
        facets = data.facets
        facet = facet or ("language" if "language" in facets else (facets[0] if facets else None))
        self.color_by = W.Dropdown(options=_COLOURS, value=color_by, description="Colour by")
        self.facet = W.Dropdown(options=facets, value=facet, description="Facet")
        values = data.facet_values(facet) if facet else []
        self.value = W.Dropdown(options=values, value=value if value in values else default_value(values),
                                description="Value")
        self.figure = go.FigureWidget()
        self.color_by.observe(lambda _: self._update(), names="value")
        self.facet.observe(self._on_facet, names="value")
        self.value.observe(lambda _: self._update(), names="value")
        self.note = W.HTML("<span class='clio-note'>Positions are a treemap layout of the visible hierarchy "
                           "(no embeddings pass the privacy gate); marker area ~ conversations. Scroll to zoom.</span>")
        self.widget = W.VBox([W.HBox([self.color_by, self.facet, self.value]), self.figure, self.note])
        self._update()

    def lift(self) -> pd.Series:
        """Lift of the chosen facet value per base cluster (shown cells only), indexed by cluster_id."""
        if self.facet.value is None or self.value.value is None:
            return pd.Series(dtype=float)
        cells = self.data.cells(self.facet.value, 0)
        return cells[cells["value"] == self.value.value].set_index("cluster_id")["lift"]

    def make_figure(self) -> go.Figure:
        mode = self.color_by.value
        label = f"lift of {self.facet.value} = {self.value.value}" if mode == "lift" else ""
        return figures.cluster_map(self.layout, mode, lift=self.lift() if mode == "lift" else None,
                                   color_label=label)

    def _on_facet(self, change: dict[str, Any]) -> None:
        values = self.data.facet_values(change["new"])
        with self._quiet():
            self.value.options = values
            self.value.value = default_value(values)
        self._update()

    def _update(self) -> None:
        if self._busy:
            return
        lift = self.color_by.value == "lift"
        self.facet.layout.display = None if lift else "none"
        self.value.layout.display = None if lift else "none"
        replace_figure(self.figure, self.make_figure())

    def static_body(self) -> str:
        return figure_html(self.make_figure()) + f"<p>{self.note.value}</p>"
