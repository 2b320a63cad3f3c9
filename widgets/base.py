"""What every explorer shares: its gated data, how it displays itself, and its static HTML export.

>>> # explorer = HierarchyExplorer(run)        # any subclass
>>> # explorer                                 # live ipywidgets in JupyterLab / Voila
>>> # Path("h.html").write_text(explorer.to_html())   # self-contained, no kernel needed
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from clio_kit.presentation import esc, json_safe, page

from .data import GatedData

__all__ = ["Explorer", "privacy_note", "replace_figure", "sync_state"]


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
        return {name.strip("_"): go.Figure(value) for name, value in vars(self).items()
                if isinstance(value, go.FigureWidget) and value.data}

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


def replace_figure(widget: go.FigureWidget, figure: go.Figure) -> None:
    """Swap a FigureWidget's traces and layout for ``figure``'s.

    The browser merges a new layout into its copy, so a key the new layout lacks (an annotation, a shape) would
    linger: the figures here keep such things in traces (see :func:`widgets.figures.empty`).
    """
    figure = json_safe(figure)
    with widget.batch_update():
        widget.data = []
        widget.add_traces(list(figure.data))
        widget.layout = figure.layout
    sync_state(widget)


def sync_state(widget: go.FigureWidget) -> None:
    """Copy the figure into the widget's synced state, as plotly does when a FigureWidget is displayed on its own.

    Plotly sends later edits as one-off messages; a front end that connects after them (Voila renders only once
    the notebook has run) sees the state, so inside a container the state must be brought up to date.
    """
    widget._widget_layout = deepcopy(widget._layout_obj._props)
    widget._widget_data = deepcopy(widget._data)
