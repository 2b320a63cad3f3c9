"""What every explorer shares: its gated data, how it displays itself, and its static HTML export.

>>> # explorer = HierarchyExplorer(run)        # any subclass
>>> # explorer                                 # live ipywidgets in JupyterLab / Voila
>>> # Path("h.html").write_text(explorer.to_html())   # self-contained, no kernel needed
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from clio_kit.presentation import esc, for_page, page

from .data import GatedData

__all__ = ["Chart", "Explorer", "privacy_note"]


class Explorer:
    """Base class: ``self.data`` (:class:`GatedData`), ``self.widget`` (the live UI) and :meth:`to_html`."""

    title = "Explorer"

    def __init__(self, source: Any) -> None:
        self.data = GatedData.of(source)
        self._busy = False
        self.widget: W.Widget = W.VBox()

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Suppress observers while the explorer itself changes widget values."""
        busy, self._busy = self._busy, True
        try:
            yield
        finally:
            self._busy = busy

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def static_body(self) -> str:
        """The explorer's current state as HTML sections (figures need plotly.js on the page)."""
        raise NotImplementedError

    def figures(self) -> dict[str, go.Figure]:
        """The explorer's figures as they are now (name -> figure), for :meth:`export`."""
        return {name.strip("_"): go.Figure(value.figure) for name, value in vars(self).items()
                if isinstance(value, Chart) and value.figure.data}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The explorer's tables as they are now (name -> frame; suppressed cells read "suppressed")."""
        return {}

    def export(self, directory: str, formats: tuple[str, ...] = ("svg", "pdf")) -> list[Any]:
        """Write the current figures (SVG and PDF at paper size) and tables (CSV and LaTeX) into ``directory``;
        return the paths. Figures need kaleido and Chromium (:mod:`clio_kit.export`).

        >>> # BaseRateExplorer(run, value="es").export("figures/")
        """
        from clio_kit.export import write_figures, write_tables

        prefix = self.title.lower().replace(" ", "-")
        figures = {f"{prefix}-{name}": fig for name, fig in self.figures().items()}
        tables = {f"{prefix}-{name}": frame for name, frame in self.tables().items()}
        return write_figures(figures, directory, formats) + write_tables(tables, directory)

    def to_html(self, *, include_plotlyjs: bool = True, full_html: bool = True) -> str:
        """A self-contained static HTML version (no kernel needed).

        ``include_plotlyjs=True`` embeds plotly.js (~5 MB) so the file renders offline; ``False`` leaves loading
        plotly.js to the caller (e.g. a report that embeds it once). A CDN is refused.
        """
        body = f"<h2>{esc(self.title)}</h2>{privacy_note(self.data)}{self.static_body()}"
        return page(f"clio-kit: {self.title}", body, include_plotlyjs=include_plotlyjs, full_html=full_html)


def privacy_note(data: GatedData) -> str:
    """One line on what the gate let through."""
    summary = data.view.privacy_summary()
    users, convs = data.thresholds
    hidden = summary.get("hidden_conversation_share")
    hidden_text = f"; {hidden:.1%} of conversations are in hidden base clusters" if hidden is not None else ""
    from clio_kit.evidence import evidence_note

    names = "" if data.view.uses_llm else " Cluster names were generated offline from key phrases (no LLM)."
    names = f" {esc(evidence_note(data.view.manifest))}" if evidence_note(data.view.manifest) else names
    if summary.get("user_counts_available", True):
        floor = f"at least {users} users and {convs} conversations"
    else:  # too many conversations without a user id: "users" would be conversations
        floor = f"at least {convs} conversations (<b>{esc(summary['user_ids']['note'])}</b>)"
    failed = summary.get("n_not_analysed") or 0
    not_analysed = (f" {failed:,} conversations were not analysed (facet requests failed) and appear nowhere."
                    if failed else "")
    return (f"<p class='clio-note'>Privacy-gated view of {data.n_conversations:,} conversations: every cluster and "
            f"cell shown has {floor}; "
            f"{summary.get('n_visible', '?')} of {summary.get('n_clusters', '?')} clusters are visible{hidden_text}."
            f"{names}{not_analysed}</p>")


class Chart(W.Output):
    """A chart: its output is plotly's JSON, drawn by plotly's JupyterLab renderer, replaced whole on every
    :meth:`draw`. ``figure`` is the figure drawn now. Clicks and selections reach Python through
    :class:`widgets.chart_events.ChartEvents`.

    Not a plotly FigureWidget: each of those is an anywidget carrying its own copy of plotly.js (~5 MB of widget
    state) that must initialise within anywidget's 2-second limit, and one that does not ("[anywidget] Failed to
    initialize model", seen under Voila on a busy machine) drops every later update, so its chart keeps its first
    value. An output is plain widget state, and the renderer loads plotly.js once per page.

    >>> chart = Chart(go.Figure(go.Bar(x=[1, 2], y=[3, float("nan")]), {"title": {"text": "t"}}))
    >>> chart.figure.layout.title.text, chart.outputs[0]["data"][PLOTLY_MIME]["data"][0]["y"]
    ('t', [3, None])
    """

    def __init__(self, figure: go.Figure | None = None, *, config: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.figure = go.Figure()
        self.config = {**CHART_CONFIG, **(config or {})}  # plotly's config, e.g. {"scrollZoom": True}
        self.draw(go.Figure() if figure is None else figure)

    def draw(self, figure: go.Figure) -> None:
        """Show ``figure`` instead of the current one."""
        self.figure = for_page(figure)
        bundle = {PLOTLY_MIME: {**json.loads(pio.to_json(self.figure, validate=False)), "config": self.config},
                  "text/plain": f"<chart: {self.figure.layout.title.text or 'untitled'}>"}
        self.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)

    def keep(self, figure: go.Figure) -> None:
        """Record ``figure`` as the one shown without redrawing: the page made the change itself (a lasso selection
        it has already drawn), and a redraw would lose what the page holds (the lasso's outline, the zoom)."""
        self.figure = for_page(figure)


#: the mime type plotly's JupyterLab extension (jupyterlab-plotly, in the plotly wheel) renders
PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: as in the static export (:func:`clio_kit.presentation.figure_html`)
CHART_CONFIG = {"displaylogo": False, "responsive": False}
