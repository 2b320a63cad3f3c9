"""HierarchyExplorer: a collapsible, searchable tree of visible clusters, a linked sunburst and a detail panel.

Selecting a node (in the tree, or by clicking the sunburst) expands it, zooms the sunburst to it and fills the
detail panel: name, description, conversations, unique users, share of all conversations, sub-clusters, breakdowns
by other facets (base rates inside the cluster; cells under the thresholds are left out) and the trend over time.

>>> # explorer = HierarchyExplorer(clio_kit.open_run("runs/demo"))
>>> # explorer.search.value = "python"       # filter the tree
>>> # explorer.select(12)                    # show cluster 12
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as W
import plotly.graph_objects as go

from clio_kit.presentation import esc, figure_html, figures, fmt_count, fmt_lift, fmt_share, table_html

from .base import Chart, Explorer
from .chart_events import ChartEvents
from .data import GatedData, TreeNode

__all__ = ["HierarchyExplorer", "default_breakdown_facets"]

_INDENT = "\u2003"  # an em space: <option> text keeps it, unlike plain spaces
# long names wrap inside the column instead of being cut; "break-word", not "anywhere": a table's columns keep
# whole words in their headers ("Conversations", not "Conversatio / ns")
_WRAP = "overflow-wrap:break-word;white-space:normal"


def default_breakdown_facets(facets: Sequence[str], limit: int = 5) -> list[str]:
    """Language first, then the other facets; ``language_name`` is dropped when ``language`` is there.

    >>> default_breakdown_facets(["n_turns", "language_name", "language", "has_code"])
    ['language', 'n_turns', 'has_code']
    """
    chosen = [f for f in facets if not (f == "language_name" and "language" in facets)]
    chosen.sort(key=lambda f: f != "language")
    return chosen[:limit]


class HierarchyExplorer(Explorer):
    """Tree + sunburst + detail panel over the visible hierarchy of a run.

    Parameters: ``source`` a ``Run``, ``PrivacyView`` or :class:`GatedData`; ``facets`` the facets broken down in
    the detail panel (default: :func:`default_breakdown_facets`); ``rows`` the tree's height in rows.
    """

    title = "Hierarchy"

    def __init__(self, source: Any, *, facets: Sequence[str] | None = None, rows: int = 18) -> None:
        super().__init__(source)
        data = self.data
        self.breakdown_facets = list(facets) if facets is not None else default_breakdown_facets(data.facets)
        self.expanded: set[str] = set()
        self.selected_key: str | None = None
        self._user_counts = bool(data.view.privacy_summary().get("user_counts_available", True))

        # no description: its label column would push the box past the column edge, where it is cut off
        self.search = W.Text(placeholder="Search cluster names…", continuous_update=True,
                             layout=W.Layout(width="calc(100% - 12px)"), style={"description_width": "0px"})
        self.search.add_class("clio-search")
        self.tree = W.Select(options=[], rows=rows, layout=W.Layout(width="calc(100% - 12px)"), style={"description_width": "0px"})
        self.tree.add_class("clio-tree")
        self.expand_all = W.Button(description="Expand all", layout=W.Layout(width="auto"))
        self.collapse_all = W.Button(description="Collapse all", layout=W.Layout(width="auto"))
        self.collapse = W.Button(description="Collapse selected", layout=W.Layout(width="auto"))
        self.status = W.HTML()
        self.detail = W.HTML(layout=W.Layout(width="100%", max_height="640px", overflow="auto"))
        self.detail.add_class("clio-detail")
        self._sunburst_plain = sunburst(data)
        self.sunburst = Chart(self._sunburst_plain)
        self.sunburst.add_class("clio-hierarchy-sunburst")
        self.sunburst_events = ChartEvents(self.sunburst)  # a click on a slice selects its cluster
        self.trend = Chart(figures.empty("Select a cluster", 260))
        self.trend.add_class("clio-trend")

        self.search.observe(self._on_search, names="value")
        self.tree.observe(self._on_select, names="value")
        self.expand_all.on_click(lambda _: self._set_expanded({k for k, n in data.nodes.items() if n.children}))
        self.collapse_all.on_click(lambda _: self._set_expanded(set()))
        self.collapse.on_click(lambda _: self._collapse_selected())
        self.sunburst_events.on_event(self._on_sunburst_click)

        # the figures share one column: a figure first drawn before its column has a width gets plotly's
        # default 700 px and overflows
        left = W.VBox([self.search, W.HBox([self.expand_all, self.collapse_all, self.collapse]), self.tree,
                       self.status, self.detail], layout=W.Layout(width="45%", min_width="320px"))
        right = W.VBox([self.sunburst, self.sunburst_events, self.trend], layout=W.Layout(width="55%"))
        self.widget = W.HBox([left, right])
        self._refresh_tree()
        if data.roots:
            self._select_key(data.roots[0])

    # -- public API -------------------------------------------------------------------------------------------
    @property
    def selected(self) -> int | None:
        """The selected cluster's id (None for an "Other (hidden)" node or nothing)."""
        node = self.data.nodes.get(self.selected_key or "")
        return None if node is None else node.cluster_id

    def select(self, cluster_id: int) -> None:
        """Select a visible cluster: expand its ancestors, show its details. KeyError if it is not visible."""
        key = f"c{int(cluster_id)}"
        if key not in self.data.nodes:
            raise KeyError(f"cluster {cluster_id} is not visible in the privacy-gated view")
        self._select_key(key)

    @property
    def options(self) -> list[tuple[str, str]]:
        """The tree's current (label, key) rows."""
        return list(self.tree.options)

    # -- tree -------------------------------------------------------------------------------------------------
    def _label(self, node: TreeNode) -> str:
        marker = "▾" if node.key in self.expanded or (self.search.value and node.children) else (
            "▸" if node.children else "•")
        # a row cannot wrap: short enough to fit the column (the detail panel names the cluster in full); users
        # only where there are user ids (else each conversation is its own user: the same number again)
        users = "" if node.n_users is None or not self._user_counts else f", {node.n_users:,} users"
        return (f"{_INDENT * node.depth}{marker} {figures.short(node.name, 40)} — "
                f"{node.n_conversations:,} ({node.share:.1%}{users})")

    def visible_keys(self) -> list[str]:
        """Keys the tree shows now: search matches with their ancestors, or the expanded part of the tree."""
        nodes = self.data.nodes
        query = self.search.value.strip().lower()
        if query:
            shown: set[str] = set()
            for key, node in nodes.items():
                if query in node.name.lower():
                    shown.add(key)
                    shown.update(self.data.ancestors(key))
            return [k for k in nodes if k in shown]
        return [k for k, node in nodes.items() if all(a in self.expanded for a in self.data.ancestors(k))]

    def _refresh_tree(self) -> None:
        keys = self.visible_keys()
        nodes = self.data.nodes
        with self._quiet():
            self.tree.options = [(self._label(nodes[k]), k) for k in keys]
            self.tree.value = self.selected_key if self.selected_key in keys else None
        query = self.search.value.strip()
        if query:
            matches = sum(query.lower() in nodes[k].name.lower() for k in keys)
            self.status.value = f"<span class='clio-note'>{matches} cluster(s) match “{esc(query)}”</span>"
        else:
            self.status.value = (f"<span class='clio-note'>{len(keys)} of {len(nodes)} nodes shown; "
                                 "select a node to expand it</span>")

    def _set_expanded(self, keys: set[str]) -> None:
        self.expanded = keys
        self._refresh_tree()

    def _collapse_selected(self) -> None:
        if self.selected_key:
            self.expanded.discard(self.selected_key)
            self._refresh_tree()

    def _on_search(self, change: dict[str, Any]) -> None:
        self._refresh_tree()

    def _on_select(self, change: dict[str, Any]) -> None:
        if self._busy or change["new"] is None:
            return
        self._select_key(change["new"])

    def _on_sunburst_click(self, message: dict[str, Any]) -> None:
        """A click on a slice (a :class:`widgets.chart_events.ChartEvents` message) selects its cluster."""
        keys = [k for k in message.get("ids", []) if k in self.data.nodes]
        if message["kind"] == "click" and keys:
            self._select_key(keys[0])

    def _select_key(self, key: str) -> None:
        node = self.data.nodes[key]
        self.selected_key = key
        self.expanded.update(self.data.ancestors(key))
        if node.children:
            self.expanded.add(key)
        self._refresh_tree()
        self.detail.value = self.detail_html(key)
        if self._sunburst_plain.data:  # zoomed to the selection (or its parent, for a leaf)
            sunburst = go.Figure(self._sunburst_plain)
            sunburst.data[0].level = key if node.children else (node.parent_key or "")
            self.sunburst.draw(sunburst)
        self.trend.draw(self._trend_figure(node))

    # -- detail panel -----------------------------------------------------------------------------------------
    def detail_html(self, key: str) -> str:
        """The detail panel's HTML for one tree node (``"c<id>"`` or an "Other" node)."""
        node = self.data.nodes[key]
        users, convs = self.data.thresholds
        if node.is_other:
            where = "at the top level" if node.parent_key is None else \
                f"under “{esc(self.data.nodes[node.parent_key].name)}”"
            return (f"<div class='clio-detail-body' data-key='{esc(key)}' style='{_WRAP}'><h3>{esc(node.name)}</h3>"
                    f"<p>{node.n_conversations:,} conversations ({node.share:.1%}) {where} belong to clusters that "
                    f"have fewer than {users} users or {convs} conversations, or whose description failed the "
                    "privacy audit. They count in the totals above, but nothing else about them is shown.</p></div>")
        parent = self.data.nodes.get(node.parent_key or "")
        facts = table_html(["Level", "Conversations", "Unique users", "Share of total", "Parent"],
                           [[node.level, fmt_count(node.n_conversations), fmt_count(node.n_users),
                             fmt_share(node.share), parent.name if parent else "(top level)"]], numeric=(1, 2, 3))
        parts = [f"<div class='clio-detail-body' data-key='{esc(key)}' style='{_WRAP}'>",
                 f"<h3>{esc(node.name)} <span class='clio-note'>#{node.cluster_id}</span></h3>",
                 f"<p>{esc(node.description)}</p>", facts]
        if node.children:
            rows = [[self.data.nodes[k].name, fmt_count(self.data.nodes[k].n_conversations),
                     fmt_share(self.data.nodes[k].n_conversations / max(node.n_conversations, 1))]
                    for k in node.children[:10]]
            more = len(node.children) - 10
            parts.append("<h4>Sub-clusters</h4>" + table_html(["Sub-cluster", "Conversations", "Share of cluster"],
                                                              rows, numeric=(1, 2)))
            if more > 0:
                parts.append(f"<p class='clio-note'>and {more} more</p>")
        for facet in self.breakdown_facets:
            parts.append(self._breakdown_html(node, facet))
        parts.append(f"<p class='clio-note'>Breakdowns show only cells with at least {users} users and {convs} "
                     "conversations; other values are suppressed. Lift compares a value's share in the cluster with "
                     "its share overall; q-values are in the Base rates view.</p></div>")
        return "".join(parts)

    def _breakdown(self, node: TreeNode, facet: str, limit: int = 6) -> list[Any]:
        return [] if node.cluster_id is None else self.data.breakdown(facet, node.level, node.cluster_id, limit)

    def _breakdown_html(self, node: TreeNode, facet: str) -> str:
        rows = self._breakdown(node, facet)
        if not rows:
            return (f"<h4>By {esc(facet)}</h4><p class='clio-note'>Every {esc(facet)} value in this cluster is "
                    "below the privacy thresholds (suppressed).</p>")
        body = [[r.value, fmt_count(r.n_conversations), fmt_share(r.share_in_cluster),
                 fmt_lift(r.lift, r.lift_low, r.lift_high)] for r in rows]
        return (f"<h4>By {esc(facet)}</h4>" +
                table_html([facet, "Conversations", "Share of cluster", "Lift [95% CI]"], body, numeric=(1, 2, 3)))

    def _trend_figure(self, node: TreeNode) -> go.Figure:
        if node.is_other:
            return figures.empty("Nothing is shown about hidden clusters.", 260)
        if not self.data.has_timestamps:
            return figures.empty("This run has no timestamps.", 260)
        freq = self.data.auto_freq()
        trend = self.data.trend(freq, node.level)
        trend = trend[trend["cluster_id"] == node.cluster_id]
        every = sorted(self.data.trend(freq, self.data.top_level)["period"].unique())
        if not trend.empty:  # periods without a row are gaps too, so "suppressed" and "none" look alike
            trend = trend.set_index("period").reindex(every).rename_axis("period").reset_index()
            trend["cluster_id"], trend["name"] = node.cluster_id, node.name
        unit = "week" if freq == "W" else "month"
        title = f"Conversations per {unit}: {figures.short(node.name, 40)}"
        if trend.empty or trend["n_conversations"].notna().sum() == 0:  # say which cluster the blank chart is about
            fig = figures.empty(f"Every {unit} of this cluster is below the privacy thresholds.", 260)
            fig.update_layout(title={"text": title, "font": {"size": 14}, "x": 0.01})
            return fig
        return figures.trend_lines(trend, title, height=260)

    # -- static export ----------------------------------------------------------------------------------------
    def figures(self) -> dict[str, go.Figure]:
        """A labelled treemap instead of the sunburst (readable at print size), and the selected cluster's trend."""
        from clio_kit.report import treemap_figure

        out = {"treemap": treemap_figure(self.data.view.tree(), self.data.n_conversations)}
        if self.trend.figure.data:
            out["trend"] = go.Figure(self.trend.figure)
        return out

    def tables(self) -> dict[str, Any]:
        from clio_kit.report import hierarchy_frame

        return {"clusters": hierarchy_frame(self.data.view.tree(), self.data.n_conversations)}

    def static_body(self) -> str:
        data = self.data
        first = self.breakdown_facets[0] if self.breakdown_facets else None

        def node_html(key: str) -> str:
            node = data.nodes[key]
            users = "" if node.n_users is None else f", {node.n_users:,} users"
            summary = f"{esc(node.name)} — {node.n_conversations:,} conversations ({node.share:.1%}{users})"
            inner = f"<div class='clio-note'>{esc(node.description)}</div>" if node.description else ""
            if first and not node.is_other:
                rows = self._breakdown(node, first, limit=5)
                if rows:
                    values = " · ".join(f"{esc(r.value)} {r.share_in_cluster:.0%} ({r.lift:.2f}×)" for r in rows)
                    inner += f"<div class='clio-note'>{esc(first)}: {values}</div>"
            inner += "".join(node_html(k) for k in node.children)
            return f"<details data-key='{esc(key)}'><summary>{summary}</summary>{inner}</details>"

        tree = "".join(node_html(k) for k in data.roots)
        return (figure_html(sunburst(data)) + "<h3>Clusters</h3><p class='clio-note'>Click a row to open "
                "it. Lifts in brackets compare a value's share in the cluster with its share overall.</p>" + tree +
                ("" if self.selected_key is None else "<h3>Selected cluster</h3>" + self.detail_html(self.selected_key)
                 + figure_html(self._trend_figure(data.nodes[self.selected_key]))))


def sunburst(data: GatedData) -> go.Figure:
    """The visible hierarchy as a sunburst, three rings deep; its ids are :class:`~widgets.data.TreeNode` keys."""
    return figures.sunburst(data.view.tree(), data.n_conversations, maxdepth=3, height=460,
                            title="Hierarchy (share of all conversations)")
