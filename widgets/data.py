"""The widgets' only door to data: a memoising wrapper around :class:`clio_kit.PrivacyView`.

Every number a widget shows comes through :class:`GatedData`, which calls the view's public, privacy-gated methods
and nothing else (never the raw conversation or facet tables, nor ``Run.raw``). Results are cached per
argument, so switching back and forth between choices in a widget does not recompute anything.

>>> # data = GatedData.of(clio_kit.open_run("runs/demo"))    # a Run, a PrivacyView or a GatedData
>>> # data.base_rates("language", level=0).head()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from clio_kit.presentation.figures import node_key
from clio_kit.privacy.view import OTHER_LABEL, SUPPRESSED_LABEL, PrivacyView

__all__ = ["OTHER_LABEL", "SUPPRESSED_LABEL", "GatedData", "TreeNode"]


@dataclass
class TreeNode:
    """One row of the flattened visible hierarchy (``cluster_id`` is None for an "Other (hidden)" node)."""

    key: str
    cluster_id: int | None
    name: str
    description: str
    level: int
    depth: int
    n_conversations: int
    n_users: int | None
    share: float
    parent_key: str | None
    children: list[str] = field(default_factory=list)

    @property
    def is_other(self) -> bool:
        return self.cluster_id is None


class GatedData:
    """Cached, privacy-gated aggregates of one run, shared by all widgets of an :func:`widgets.explore` tab."""

    def __init__(self, view: PrivacyView) -> None:
        self.view = view
        self._memo: dict[tuple[Any, ...], Any] = {}

    @classmethod
    def of(cls, source: Any) -> GatedData:
        """Accept a :class:`GatedData`, a :class:`PrivacyView` or a ``Run`` (whose ``.view()`` is called)."""
        if isinstance(source, GatedData):
            return source
        if isinstance(source, PrivacyView):
            return cls(source)
        if hasattr(source, "view") and callable(source.view):
            return cls(source.view())
        raise TypeError(f"expected a clio_kit Run or PrivacyView, got {type(source).__name__}")

    def _cached(self, key: tuple[Any, ...], compute: Any) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # -- pass-through facts ---------------------------------------------------------------------------------
    @property
    def levels(self) -> list[int]:
        return self.view.levels

    @property
    def top_level(self) -> int:
        return self.view.top_level

    @property
    def facets(self) -> list[str]:
        return self.view.facets

    @property
    def n_conversations(self) -> int:
        return self.view.n_conversations

    @property
    def thresholds(self) -> tuple[int, int]:
        return self.view.privacy.min_users, self.view.privacy.min_conversations

    # -- cached aggregates ----------------------------------------------------------------------------------
    def clusters(self, level: int | None = None) -> pd.DataFrame:
        return self._cached(("clusters", level), lambda: self.view.clusters(level))

    def cluster_map(self, level: int | None = None) -> pd.DataFrame:
        """Visible clusters' map coordinates (``PrivacyView.cluster_map``); empty for runs without them."""
        method = getattr(self.view, "cluster_map", None)
        if method is None:
            return pd.DataFrame(columns=["cluster_id", "level", "parent_id", "name", "n_conversations", "n_users",
                                         "share", "x", "y"])
        return self._cached(("cluster_map", level), lambda: method(level))

    @property
    def has_coordinates(self) -> bool:
        """Does the gated view carry 2-D map coordinates (runs made since the map was added)?"""
        return not self.cluster_map(0).empty

    def cluster(self, cluster_id: int) -> dict[str, Any]:
        return self.view.cluster(cluster_id)

    def facet_distribution(self, facet: str) -> pd.DataFrame:
        return self._cached(("distribution", facet), lambda: self.view.facet_distribution(facet))

    def facet_values(self, facet: str) -> list[str]:
        """Values that pass the thresholds overall (rarer values are never offered: their names alone could
        identify someone)."""
        values = self.facet_distribution(facet)["value"].astype(str)
        return [v for v in values if v != SUPPRESSED_LABEL]

    def crosstab(self, facet: str, level: int) -> pd.DataFrame:
        return self._cached(("crosstab", facet, level), lambda: self.view.crosstab(facet, level))

    def base_rates(self, facet: str, level: int) -> pd.DataFrame:
        """All values' base rates at ``level``; filter by value yourself (one computation serves every value)."""
        return self._cached(("base_rates", facet, level), lambda: self.view.base_rates(facet, level=level))

    def cells(self, facet: str, level: int) -> pd.DataFrame:
        """Shown cells only (cluster x value above the thresholds) with counts, shares and lift with a 95% interval.

        A fast path for the detail panel, heatmap and map: built from :meth:`PrivacyView.crosstab` (counts) and
        the public cluster sizes and facet distribution, so it skips the per-cell binomial tests of
        :meth:`base_rates` (seconds per facet at 100k conversations). Same lift and interval definitions as
        :func:`clio_kit.analysis.lift_table`; no q-values (use :meth:`base_rates` for those).
        Columns: ``cluster_id, name, value, n_conversations, cluster_n, share_in_cluster, share_overall, lift,
        lift_low, lift_high``.
        """
        return self._cached(("cells", facet, level), lambda: self._compute_cells(facet, level))

    def _compute_cells(self, facet: str, level: int) -> pd.DataFrame:
        from clio_kit.analysis import wilson_interval

        columns = ["cluster_id", "name", "value", "n_conversations", "cluster_n", "share_in_cluster",
                   "share_overall", "lift", "lift_low", "lift_high"]
        clusters = self.clusters(level).sort_values("cluster_id")
        table = self.crosstab(facet, level)
        if list(table.index) != clusters["name"].tolist():  # rows are visible clusters in id order, named
            rates = self.base_rates(facet, level)
            rates = rates[~rates["suppressed"]]
            sizes = clusters.set_index("cluster_id")["n_conversations"]
            return rates.assign(cluster_n=rates["cluster_id"].map(sizes))[columns].reset_index(drop=True)
        table.index = clusters["cluster_id"].to_numpy()
        long = table.stack().dropna().rename("n_conversations").reset_index()  # suppressed (NaN) cells go
        long.columns = ["cluster_id", "value", "n_conversations"]
        if long.empty:
            return pd.DataFrame(columns=columns)
        long["value"] = long["value"].astype(str)
        sizes = clusters.set_index("cluster_id")
        long["name"] = long["cluster_id"].map(sizes["name"])
        long["cluster_n"] = long["cluster_id"].map(sizes["n_conversations"]).astype(float)
        long["share_in_cluster"] = long["n_conversations"] / long["cluster_n"]
        overall = self.facet_distribution(facet).set_index("value")["share"]
        long["share_overall"] = long["value"].map(overall)
        long["lift"] = long["share_in_cluster"] / long["share_overall"]
        low, high = wilson_interval(long["n_conversations"].to_numpy(), long["cluster_n"].to_numpy())
        long["lift_low"] = low / long["share_overall"].to_numpy()
        long["lift_high"] = high / long["share_overall"].to_numpy()
        return long[columns].reset_index(drop=True)

    def breakdown(self, facet: str, level: int, cluster_id: int, limit: int = 6) -> list[Any]:
        """One cluster's largest shown cells for ``facet`` (named tuples of :meth:`cells` rows), largest first."""
        def compute() -> dict[int, list[Any]]:
            cells = self.cells(facet, level).sort_values(["cluster_id", "n_conversations", "value"],
                                                         ascending=[True, False, True])
            out: dict[int, list[Any]] = {}
            for row in cells.itertuples(index=False):
                out.setdefault(int(row.cluster_id), []).append(row)
            return out
        return self._cached(("breakdown", facet, level), compute).get(int(cluster_id), [])[:limit]

    def trend(self, freq: str, level: int) -> pd.DataFrame:
        return self._cached(("trend", freq, level), lambda: self.view.trend(freq, level))

    @cached_property
    def has_timestamps(self) -> bool:
        return not self.trend("W", self.top_level).empty

    def auto_freq(self) -> str:
        """Weekly buckets, or monthly when weekly would give more than 60 of them."""
        def compute() -> str:
            weeks = self.trend("W", self.top_level)["period"].nunique()
            return "W" if weeks <= 60 else "M"
        return self._cached(("auto_freq",), compute)

    def facet_trend(self, facet: str, freq: str) -> pd.DataFrame | None:
        """Share of each facet value over time, when the view offers it (``PrivacyView.facet_trend``)."""
        method = getattr(self.view, "facet_trend", None)
        if method is None:
            return None
        return self._cached(("facet_trend", facet, freq), lambda: method(facet, freq))

    # -- the hierarchy, flattened -------------------------------------------------------------------------------
    @cached_property
    def nodes(self) -> dict[str, TreeNode]:
        """Visible hierarchy, depth first (largest first), with "Other (hidden)" nodes; keys are stable strings."""
        total = max(self.n_conversations, 1)
        out: dict[str, TreeNode] = {}

        def walk(node: dict[str, Any], depth: int, parent: str | None) -> str:
            cid = node["cluster_id"]
            key = node_key(cid, parent)
            out[key] = TreeNode(key=key, cluster_id=None if cid is None else int(cid), name=str(node["name"]),
                                description=str(node.get("description") or ""), level=int(node["level"]),
                                depth=depth, n_conversations=int(node["n_conversations"]),
                                n_users=None if node.get("n_users") is None else int(node["n_users"]),
                                share=int(node["n_conversations"]) / total, parent_key=parent)
            out[key].children = [walk(child, depth + 1, key) for child in node.get("children", [])]
            return key

        for root in self.view.tree():
            walk(root, 0, None)
        return out

    @property
    def roots(self) -> list[str]:
        return [k for k, n in self.nodes.items() if n.parent_key is None]

    def ancestors(self, key: str) -> list[str]:
        chain = []
        parent = self.nodes[key].parent_key
        while parent is not None:
            chain.append(parent)
            parent = self.nodes[parent].parent_key
        return chain

    def top_parent(self, cluster_id: int) -> int:
        """The top-level visible ancestor of a visible cluster (itself at the top level)."""
        key = node_key(cluster_id, None)
        chain = [key, *self.ancestors(key)]
        return int(self.nodes[chain[-1]].cluster_id)  # type: ignore[arg-type]
