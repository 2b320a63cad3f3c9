"""``explore(run_or_view)``: every explorer in one Tab, sharing one cache of gated aggregates.

>>> # import clio_kit, widgets
>>> # tab = widgets.explore(clio_kit.open_run("runs/demo"))   # shows itself as the last expression of a cell
>>> # Path("explore.html").write_text(tab.to_html())        # static, self-contained
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from clio_kit.presentation import esc, page

from .base import Explorer, privacy_note
from .base_rates import BaseRateExplorer
from .cluster_map import ClusterMap
from .data import GatedData
from .facet_view import FacetExplorer
from .hierarchy import HierarchyExplorer
from .monitoring import MonitoringExplorer

__all__ = ["ExploreTab", "explore"]


class ExploreTab(W.Tab):
    """An ipywidgets ``Tab`` with the explorers as ``.explorers`` (title -> explorer) and :meth:`to_html`."""

    def __init__(self, data: GatedData, explorers: list[Explorer], **kwargs: Any) -> None:
        header = W.HTML(privacy_note(data))
        super().__init__(children=[W.VBox([header, e.widget]) if i == 0 else e.widget
                                   for i, e in enumerate(explorers)],
                         titles=[e.title for e in explorers], **kwargs)
        self.add_class("clio-explore")
        self.data = data
        self.explorers = {e.title: e for e in explorers}

    def export(self, directory: str) -> list[Any]:
        """Every explorer's current figures (SVG, PDF) and tables (CSV, LaTeX) into ``directory``."""
        return [path for explorer in self.explorers.values() for path in explorer.export(directory)]

    def to_html(self, *, include_plotlyjs: bool = True, full_html: bool = True) -> str:
        """All explorers' current states as one self-contained static page (plotly.js embedded once, or left to the
        caller with ``include_plotlyjs=False``)."""
        sections = "".join(f"<section><h2>{esc(title)}</h2>{e.static_body()}</section>"
                           for title, e in self.explorers.items())
        body = f"<h1>clio-kit exploration</h1>{privacy_note(self.data)}{sections}"
        return page("clio-kit exploration", body, include_plotlyjs=include_plotlyjs, full_html=full_html)


def explore(source: Any) -> ExploreTab:
    """A Tab with the hierarchy, base rates, facets and the cluster map of a ``Run`` or ``PrivacyView``, and, when
    the conversations have timestamps, changes over time (two windows compared)."""
    data = GatedData.of(source)
    explorers: list[Explorer] = [HierarchyExplorer(data), BaseRateExplorer(data), FacetExplorer(data),
                                 ClusterMap(data)]
    if data.has_timestamps:
        explorers.append(MonitoringExplorer(data))
    return ExploreTab(data, explorers)
