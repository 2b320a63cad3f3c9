"""The privacy-gated view of a run: the only thing widgets, reports and exports read.

Everything here is an aggregate that passed the gate: visible clusters (thresholds + audit), and cross-tabs, base
rates and trends built by :mod:`clio_kit.privacy.suppression`: values below the thresholds overall are pooled into
one "other values" group, cells below the thresholds are suppressed, and further cells are suppressed wherever a
hidden one could be worked out by subtraction from shown totals. A visible cluster is hidden too when the
conversations its visible siblings leave over ("Other" in :meth:`PrivacyView.tree`) would be a nonzero group below
the thresholds. No per-conversation text is reachable from it.

>>> view = clio_kit.open_run("runs/demo").view()          # doctest: +SKIP
>>> view.base_rates("language").head()                     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import html
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import benjamini_hochberg, lift_table
from ..binning import bin_labels
from ..config import PrivacyConfig
from ..store import RunStore
from . import monitoring
from ..errors import ConfigError, NotFoundError
from .gate import cluster_counts, dominated, passes_thresholds
from .suppression import SuppressedTable, pool_rare_values, suppress_levels, suppress_table

__all__ = ["PrivacyView", "OTHER_LABEL", "SUPPRESSED_LABEL"]

OTHER_LABEL = "Other (hidden by privacy thresholds)"
#: the one row/column that pools a facet's values below the thresholds overall (rare values are never named)
SUPPRESSED_LABEL = "Other values (each below privacy thresholds)"
_PUBLIC_CLUSTER_COLUMNS = ["cluster_id", "level", "parent_id", "name", "description", "n_conversations", "n_users",
                           "share", "mean_concern"]
_MAP_COLUMNS = ["cluster_id", "level", "parent_id", "name", "n_conversations", "n_users", "share", "x", "y"]


class PrivacyView:
    """Privacy-gated aggregates of one run directory."""

    def __init__(self, run_dir: str | Path, privacy: PrivacyConfig | None = None) -> None:
        store = RunStore(run_dir, create=False)  # the run's layout is the store's; this view only reads
        self.path = store.path
        manifest = store.read_json(store.MANIFEST)
        self.manifest = manifest
        run_privacy = PrivacyConfig(**manifest["config"]["privacy"])
        self.privacy = _stricter_only(privacy, run_privacy) if privacy is not None else run_privacy
        self._all_clusters = store.read_table(store.CLUSTERS)
        self._assignments = store.read_table(store.ASSIGNMENTS)
        visible = self._all_clusters["visible"] & passes_thresholds(
            self._all_clusters["n_users"], self._all_clusters["n_conversations"], self.privacy)
        if "audit_score" in self._all_clusters:  # a view's stricter audit score hides more names
            visible &= self._all_clusters["audit_score"] >= self.privacy.min_audit_score
        visible &= ~dominated(self._top_users_shares(run_privacy), self.privacy)
        self._visible = self._all_clusters[self._all_clusters["cluster_id"].isin(
            self._protect_remainders(set(self._all_clusters.loc[visible, "cluster_id"])))].copy()
        self._tables: dict[tuple[Any, ...], Any] = {}
        self._visible["mean_concern"] = self._mean_concern(self._visible)  # aggregate over visible clusters only
        self.privacy_report: dict[str, Any] = store.read_json(store.PRIVACY)
        self.user_ids = self._user_id_coverage()

    def _top_users_shares(self, run_privacy: PrivacyConfig) -> pd.Series:
        """Each cluster's share of conversations held by its ``dominance_users`` largest users, under this view's
        setting: as the gate recorded it, or counted from the assignments (a view counting more users than the
        run, or a run made before the gate recorded it)."""
        if ("top_users_share" in self._all_clusters
                and self.privacy.dominance_users == run_privacy.dominance_users):
            return self._all_clusters["top_users_share"].fillna(0.0)
        columns = [self._cluster_column_of(level) for level in sorted(self._all_clusters["level"].unique())]
        counted = cluster_counts(self._assignments[columns].to_numpy(), self._assignments["user_id"].tolist(),
                                 self.privacy.dominance_users)
        return self._all_clusters["cluster_id"].map(counted["top_users_share"]).fillna(0.0)

    def _user_id_coverage(self) -> dict[str, Any]:
        """Conversations without a user id (from privacy.json; older runs: the ingest counts), under this view's
        ``user_id_policy``; ``"require"`` refuses a run with missing ids."""
        from .user_ids import check_user_ids, user_id_coverage

        recorded = self.privacy_report.get("user_ids")
        if recorded is None:
            ingest = self.manifest.get("stages", {}).get("ingest", {}).get("counts", {})
            recorded = {"n_conversations": ingest.get("n_conversations", self.n_conversations),
                        "n_missing_user_id": ingest.get("n_missing_user_id", 0)}
        total, missing = int(recorded["n_conversations"]), int(recorded["n_missing_user_id"])
        check_user_ids(total, missing, self.privacy.user_id_policy)
        return user_id_coverage(total, missing, self.privacy.user_id_policy)

    @property
    def user_counts_available(self) -> bool:
        """False when too many conversations lack a user id for "at least N users" to mean users: every output
        then says :data:`~clio_kit.privacy.user_ids.USER_COUNTS_UNAVAILABLE` on its face."""
        return bool(self.user_ids["user_counts_available"])

    @property
    def n_not_analysed(self) -> int:
        """Conversations whose facet request failed: never embedded, clustered or counted in any table."""
        counts = self.manifest.get("stages", {}).get("facets", {}).get("counts", {})
        return int(self.privacy_report.get("n_not_analysed", counts.get("n_not_analysed", 0)))

    def _protect_remainders(self, visible: set[int]) -> set[int]:
        """Top down: a cluster is visible only under a visible parent, and a parent's (or the whole run's)
        conversations outside its visible children must be none or pass the thresholds; otherwise its smallest
        visible child is hidden too (cluster sizes are public, so a small remainder could be read by subtraction)."""
        clusters = self._all_clusters
        parent = dict(zip(clusters["cluster_id"], clusters["parent_id"]))
        sizes = dict(zip(clusters["cluster_id"], clusters["n_conversations"]))
        users = self._assignments["user_id"].to_numpy()
        levels = sorted((int(v) for v in clusters["level"].unique()), reverse=True)
        for level in levels:
            at_level = clusters.loc[clusters["level"] == level, "cluster_id"]
            for cid in at_level:  # a hidden parent hides its children
                p = parent[cid]
                if cid in visible and p is not None and not pd.isna(p) and int(p) not in visible:
                    visible.discard(cid)
            column = self._assignments[self._cluster_column_of(level)].to_numpy()
            if level == levels[0]:
                lines: dict[Any, np.ndarray] = {None: np.ones(len(column), dtype=bool)}
            else:
                above = self._assignments[self._cluster_column_of(level + 1)].to_numpy()
                lines = {p: above == p for p in {int(parent[c]) for c in at_level if c in visible}}
            children: dict[Any, list[int]] = {}
            for cid in at_level:
                if cid in visible:
                    p = parent[cid]
                    children.setdefault(None if p is None or pd.isna(p) else int(p), []).append(int(cid))
            for key, inside in lines.items():
                kids = sorted(children.get(key, []), key=lambda c: (sizes[c], c))
                while kids:
                    rest = inside & ~np.isin(column, kids)
                    n_rest = int(rest.sum())
                    if not n_rest or bool(passes_thresholds(len(set(users[rest])), n_rest, self.privacy)):
                        break
                    visible.discard(kids.pop(0))
        return visible

    def _cluster_column_of(self, level: int) -> str:
        return "cluster_id" if level == 0 else f"cluster_id_l{level}"

    def _mean_concern(self, clusters: pd.DataFrame) -> pd.Series:
        """Each cluster's mean concern score (1-5; NaN where nothing was rated), for sorting and colouring.

        Offline runs score concern approximately (see :mod:`clio_kit.facets.concern`; :attr:`concern_approximate`).
        """
        means = pd.Series(np.nan, index=clusters.index)
        if "concern" not in self._assignments.columns:
            return means
        concern = pd.to_numeric(self._assignments["concern"], errors="coerce")
        for level in clusters["level"].unique():
            column = "cluster_id" if int(level) == 0 else f"cluster_id_l{int(level)}"
            if column in self._assignments.columns:
                by_cluster = concern.groupby(self._assignments[column]).mean()
                rows = clusters["level"] == level
                means[rows] = clusters.loc[rows, "cluster_id"].map(by_cluster).round(2).to_numpy()
        return means

    @property
    def concern_approximate(self) -> bool:
        """True when concern scores were approximated offline by embedding similarity, not rated by a model."""
        column = self._assignments.get("concern_approximate")
        return bool(column is not None and column.fillna(False).astype(bool).any())

    # -- basic facts --------------------------------------------------------------------------------------------
    @property
    def n_conversations(self) -> int:
        return int(len(self._assignments))

    @property
    def n_users(self) -> int:
        return int(self._assignments["user_id"].nunique())

    @property
    def levels(self) -> list[int]:
        return sorted(int(level) for level in self._all_clusters["level"].unique())

    @property
    def top_level(self) -> int:
        return max(self.levels)

    @property
    def uses_llm(self) -> bool:
        return bool(self.manifest.get("backend", {}).get("uses_llm", False))

    @property
    def facets(self) -> list[str]:
        """Facets available for breakdowns (categorical, numeric and computed; never free text)."""
        skip = {"conversation_id", "user_id", "cluster_id", "timestamp"}
        return [c for c in self._assignments.columns if c not in skip and not c.startswith("cluster_id_l")
                and not c.endswith(("_similarity", "_approximate"))]  # scores and flags, not facets

    # -- clusters -----------------------------------------------------------------------------------------------
    def clusters(self, level: int | None = None) -> pd.DataFrame:
        """Visible clusters (all levels, or one), largest first."""
        frame = self._visible if level is None else self._visible[self._visible["level"] == level]
        return frame[_PUBLIC_CLUSTER_COLUMNS].sort_values(["level", "n_conversations"],
                                                          ascending=[False, False]).reset_index(drop=True)

    def top_clusters(self, n: int = 10, level: int | None = None) -> pd.DataFrame:
        level = self.top_level if level is None else level
        return self.clusters(level).head(n)

    def cluster(self, cluster_id: int) -> dict[str, Any]:
        """One visible cluster's public fields (KeyError if hidden or unknown)."""
        match = self._visible[self._visible["cluster_id"] == cluster_id]
        if match.empty:
            raise NotFoundError(f"cluster {cluster_id} is not visible in the privacy-gated view")
        return {k: _plain(v) for k, v in match.iloc[0][_PUBLIC_CLUSTER_COLUMNS].items()}

    def cluster_map(self, level: int | None = None) -> pd.DataFrame:
        """2-D map coordinates (``x``, ``y``) of VISIBLE clusters (all levels, or one), largest first.

        Coordinates are aggregates (t-SNE, or UMAP, of cluster centroids; parents at their children's weighted mean); hidden
        clusters never appear. Runs made before the map existed give an empty frame with the same columns.

        >>> view.cluster_map(0)[["name", "x", "y"]].head()     # doctest: +SKIP
        """
        if not {"x", "y"} <= set(self._visible.columns):
            return pd.DataFrame({c: pd.Series(dtype=float if c in ("share", "x", "y") else object)
                                 for c in _MAP_COLUMNS})
        frame = self._visible if level is None else self._visible[self._visible["level"] == level]
        frame = frame[frame[["x", "y"]].notna().all(axis=1)]
        return frame[_MAP_COLUMNS].sort_values(["level", "n_conversations"],
                                               ascending=[False, False]).reset_index(drop=True)

    def tree(self) -> list[dict[str, Any]]:
        """Visible hierarchy as nested dicts; a parent's conversations outside its visible children form an
        "Other" child (and the run's outside the visible top level an "Other" root). Every "Other" passes the
        thresholds itself: the view hides a small visible child rather than leave a small remainder."""
        visible = self._visible
        children: dict[Any, list[int]] = {}
        for row in visible.itertuples():
            key = None if pd.isna(row.parent_id) else int(row.parent_id)
            children.setdefault(key, []).append(int(row.cluster_id))
        by_id = visible.set_index("cluster_id")
        users = self._assignments["user_id"].to_numpy()

        def other(level: int, inside: np.ndarray, kids: list[dict[str, Any]]) -> dict[str, Any] | None:
            column = self._assignments[self._cluster_column_of(level)].to_numpy()
            rest = inside & ~np.isin(column, [k["cluster_id"] for k in kids])
            n_rest, n_users = int(rest.sum()), len(set(users[rest]))
            if not n_rest or not bool(passes_thresholds(n_users, n_rest, self.privacy)):
                return None  # empty, or (only if nothing could be hidden to protect it) never shown
            return {"cluster_id": None, "name": OTHER_LABEL, "description": "", "level": level,
                    "n_conversations": n_rest, "n_users": n_users, "children": []}

        def node(cid: int) -> dict[str, Any]:
            row = by_id.loc[cid]
            kids = sorted((node(k) for k in children.get(cid, [])), key=lambda n: -n["n_conversations"])
            if kids:
                inside = self._assignments[self._cluster_column_of(int(row.level))].to_numpy() == cid
                rest = other(int(row.level) - 1, inside, kids)
                kids += [rest] if rest else []
            return {"cluster_id": cid, "name": row["name"], "description": row["description"],
                    "level": int(row.level), "n_conversations": int(row.n_conversations),
                    "n_users": int(row.n_users), "children": kids}

        roots = sorted((node(c) for c in children.get(None, [])), key=lambda n: -n["n_conversations"])
        rest = other(self.top_level, np.ones(self.n_conversations, dtype=bool), roots)
        return roots + ([rest] if rest else [])

    # -- breakdowns ---------------------------------------------------------------------------------------------
    def _cluster_column(self, level: int) -> str:
        if level not in self.levels:
            raise ConfigError(f"level {level} does not exist; levels are {self.levels}")
        return self._cluster_column_of(level)

    def _facet_values(self, facet: str) -> pd.Series:
        if facet not in self._assignments.columns or facet not in self.facets:
            raise NotFoundError(f"facet {facet!r} is not available; choose from {', '.join(self.facets)}")
        values = self._assignments[facet]
        if pd.api.types.is_bool_dtype(values):
            return values.map({True: "yes", False: "no"})
        if pd.api.types.is_numeric_dtype(values):
            if values.dropna().nunique() > 8:  # binned by the facet's scale (turns: 1, 2, 3-5; characters: 1-2-5 steps)
                return bin_labels(values).fillna("unknown").astype(str)
            return values.map(lambda v: "not rated" if pd.isna(v) else str(int(v)) if float(v).is_integer() else str(v))
        return values.fillna("unknown").astype(str)

    def _labels(self, facet: str) -> pd.Series:
        """Each conversation's facet value as shown: values below the thresholds overall become
        :data:`SUPPRESSED_LABEL` (one pooled group that passes the thresholds itself)."""
        key = ("labels", facet)
        if key not in self._tables:
            values = self._facet_values(facet).astype(str).reset_index(drop=True)
            pooled = pool_rare_values(values, self._assignments["user_id"].reset_index(drop=True), self.privacy)
            self._tables[key] = values.where(~values.isin(pooled), SUPPRESSED_LABEL)
        return self._tables[key]

    def _label_order(self, facet: str) -> list[str]:
        """Shown values, largest first, the pooled group last."""
        counts = self._labels(facet).value_counts()
        order = sorted(counts.index, key=lambda v: (v == SUPPRESSED_LABEL, -counts[v], v))
        return [str(v) for v in order]

    def _visible_ids(self, level: int) -> list[int]:
        return sorted(int(c) for c in self._visible.loc[self._visible["level"] == level, "cluster_id"])

    def _suppressed(self, rows: str, columns: str, level: int | None = None, freq: str | None = None
                    ) -> SuppressedTable:
        """One protected table: ``rows`` is ``"cluster"`` or a facet, ``columns`` a facet or ``"period"``."""
        if rows == "cluster":
            self._cluster_column(level)  # type: ignore[arg-type]  # refuses a level that does not exist
            key: tuple[Any, ...] = ("levels", columns, freq)
            if key not in self._tables:  # every level at once: a parent's cells link them (suppress_levels)
                column_values, column_keys = self._columns(columns, freq)
                parents = self._visible.dropna(subset=["parent_id"])
                self._tables[key] = suppress_levels(
                    {lv: self._assignments[self._cluster_column_of(lv)].to_numpy() for lv in self.levels},
                    {lv: self._visible_ids(lv) for lv in self.levels},
                    dict(zip(parents["cluster_id"].astype(int), parents["parent_id"].astype(int))),
                    column_values, column_keys, self._assignments["user_id"].astype(str).to_numpy(), self.privacy,
                    hide_stuck_columns=columns == "period")
            return self._tables[key][level]
        key = ("table", rows, columns, level, freq)
        if key not in self._tables:
            column_values, column_keys = self._columns(columns, freq)
            records = pd.DataFrame({"row": self._labels(rows).to_numpy(), "column": column_values,
                                    "user": self._assignments["user_id"].astype(str).to_numpy()})
            self._tables[key] = suppress_table(records, self._label_order(rows), column_keys, self.privacy)
        return self._tables[key]

    def _columns(self, columns: str, freq: str | None) -> tuple[np.ndarray, list[Any]]:
        """Each conversation's column (a facet's shown value, or its time bucket) and the columns in order."""
        if columns == "period":
            column_values = self._shown_periods(freq or "W")
            return column_values, sorted(pd.Series(column_values).dropna().unique())
        return self._labels(columns).to_numpy(), self._label_order(columns)

    def facet_distribution(self, facet: str) -> pd.DataFrame:
        """Conversations per facet value; values below the thresholds overall are pooled into one
        :data:`SUPPRESSED_LABEL` row (with the smallest other values if the pool alone would be too small)."""
        frame = pd.DataFrame({"value": self._labels(facet).to_numpy(),
                              "user_id": self._assignments["user_id"].to_numpy()})
        counts = frame.groupby("value", observed=True).agg(n_conversations=("user_id", "size"),
                                                           n_users=("user_id", "nunique")).reset_index()
        shown = counts[passes_thresholds(counts["n_users"], counts["n_conversations"], self.privacy)].copy()
        shown["share"] = shown["n_conversations"] / max(self.n_conversations, 1)
        return shown.sort_values("n_conversations", ascending=False).reset_index(drop=True)

    def crosstab(self, facet: str, level: int | None = None) -> pd.DataFrame:
        """Visible clusters x shown facet values (conversations); NaN where a cell is empty or suppressed
        (below the thresholds, or able to give a suppressed cell away by subtraction)."""
        level = self.top_level if level is None else level
        table = self._suppressed("cluster", facet, level).counts()
        names = self._visible.set_index("cluster_id")["name"]
        table.index = pd.Index([names.get(i, str(i)) for i in table.index], name="cluster")
        table.columns = pd.Index(table.columns, name="value")
        return table

    def base_rates(self, facet: str = "language", value: str | None = None, level: int = 0) -> pd.DataFrame:
        """Lift of each shown facet value in each visible cluster, with 95% intervals and BH q-values.

        Suppressed cells (see :meth:`crosstab`) keep their row with ``suppressed=True`` and no numbers; q-values
        are corrected over the shown cells.
        """
        grid = self._suppressed("cluster", facet, level)
        frame = pd.DataFrame({"cluster": self._assignments[self._cluster_column(level)].to_numpy(),
                              "value": self._labels(facet).to_numpy(),
                              "user_id": self._assignments["user_id"].to_numpy()})
        cells = frame.groupby(["cluster", "value"], observed=True).agg(
            n=("user_id", "size"), users=("user_id", "nunique")).reset_index()
        table = lift_table(cells)  # computed on all conversations so shares are exact ...
        table = table[table["cluster"].isin(grid.shown.index)].copy()  # ... shown for visible clusters only
        shown = dict(grid.shown.stack().items())
        table["suppressed"] = [not shown.get((c, v), False) for c, v in zip(table["cluster"], table["value"])]
        numeric = ["n", "users", "share_in_cluster", "lift", "lift_low", "lift_high", "p_value", "q_value"]
        table.loc[table["suppressed"], numeric] = np.nan
        table["q_value"] = benjamini_hochberg(table["p_value"].to_numpy())
        if value is not None:
            table = table[table["value"] == value]
            if not (~table["suppressed"]).any():  # say so, never a silent empty frame (absent and rare alike)
                warnings.warn(f"no shown cell has {facet} = {value!r}: it is absent from this run or below the "
                              f"privacy thresholds in every visible cluster", stacklevel=2)
        names = self._visible.set_index("cluster_id")["name"]
        table.insert(1, "name", table["cluster"].map(names))
        table = table.rename(columns={"cluster": "cluster_id", "n": "n_conversations", "users": "n_users"})
        return table.sort_values(["suppressed", "lift"], ascending=[True, False]).reset_index(drop=True)

    def trend(self, freq: str = "W", level: int | None = None) -> pd.DataFrame:
        """Conversations per time bucket per visible cluster (long table); small cells, and cells that would give
        one away by subtraction, suppressed (NaN)."""
        level = self.top_level if level is None else level
        if self._periods(freq) is None:
            return pd.DataFrame(columns=["period", "cluster_id", "name", "n_conversations", "n_users"])
        counts = self._long(self._suppressed("cluster", "period", level, freq), "cluster_id")
        counts.insert(2, "name", counts["cluster_id"].map(self._visible.set_index("cluster_id")["name"]))
        return counts

    def facet_trend(self, facet: str, freq: str = "W") -> pd.DataFrame:
        """Conversations per time bucket per shown facet value (long table); suppressed cells are NaN."""
        if self._periods(freq) is None:
            return pd.DataFrame(columns=["period", "value", "n_conversations", "n_users"])
        return self._long(self._suppressed(facet, "period", None, freq), "value")

    @staticmethod
    def _long(grid: SuppressedTable, row_name: str) -> pd.DataFrame:
        """A protected rows x periods table as a long table of its nonempty cells (suppressed ones NaN)."""
        n, users = grid.n.T.stack(), grid.users.T.stack()
        shown = grid.shown.T.stack()
        out = pd.DataFrame({"n_conversations": n, "n_users": users, "shown": shown})
        out = out[out["n_conversations"] > 0].rename_axis(["period", row_name]).reset_index()
        out[["n_conversations", "n_users"]] = out[["n_conversations", "n_users"]].astype(float)
        out.loc[~out.pop("shown").astype(bool), ["n_conversations", "n_users"]] = np.nan
        return out.sort_values(["period", row_name]).reset_index(drop=True)

    def compare_windows(self, before: tuple[Any, Any] | None = None, after: tuple[Any, Any] | None = None, *,
                        split: Any = None, level: int | None = None, alpha: float = 0.05) -> Any:
        """Visible clusters of ``level`` (default 0) in two time windows, every count gated per window.

        ``split="2025-04-01"`` compares everything before that date with everything from it on; or give
        ``before=(start, end), after=(start, end)`` (half-open, UTC, ``None`` for an open end). Returns a
        :class:`clio_kit.privacy.monitoring.WindowComparison` (new clusters, growing/shrinking with intervals and
        BH q-values, mean concern change); see that module for the rules.

        >>> view.compare_windows(split="2025-04-01").new_clusters()[["name", "after_n"]]   # doctest: +SKIP
        """
        level = 0 if level is None else int(level)
        column = self._cluster_column(level)
        return monitoring.compare_windows(self._assignments, self._visible[self._visible["level"] == level], column,
                                          self.privacy, before, after, split=split, level=level, alpha=alpha)

    def _shown_periods(self, freq: str) -> np.ndarray:
        """Each conversation's time bucket, NaT where it has none or its bucket is pooled: buckets below the
        thresholds (with the smallest others, until the pooled group passes them) are never shown, since all
        buckets' totals together with the run's size would give a small one away."""
        key = ("periods", freq)
        if key not in self._tables:
            periods = self._periods(freq)
            if periods is None:
                self._tables[key] = np.full(self.n_conversations, np.datetime64("NaT"), dtype="datetime64[ns]")
            else:
                periods = periods.reset_index(drop=True)
                pooled = pool_rare_values(periods.astype(str), self._assignments["user_id"].reset_index(drop=True),
                                          self.privacy)
                self._tables[key] = periods.where(~periods.astype(str).isin(pooled | {"NaT"})).to_numpy()
        return self._tables[key]

    def _periods(self, freq: str) -> pd.Series | None:
        if "timestamp" not in self._assignments.columns:
            return None
        stamps = pd.to_datetime(self._assignments["timestamp"], utc=True, errors="coerce")
        if stamps.isna().all():
            return None
        return stamps.dt.tz_localize(None).dt.to_period(freq).dt.start_time

    # -- privacy ------------------------------------------------------------------------------------------------
    def privacy_summary(self) -> dict[str, Any]:
        report = dict(self.privacy_report)
        # the view may hide more than the gate did (a stricter view, or a visible cluster that would have left a
        # small remainder): count what this view shows
        report["n_visible"] = int(len(self._visible))
        levels = []
        for entry in report.get("levels", []):
            level = int(entry["level"])
            column = self._assignments[self._cluster_column_of(level)]
            hidden = ~column.isin(self._visible_ids(level))
            levels.append({**entry, "n_visible": len(self._visible_ids(level)),
                           "hidden_conversations": int(hidden.sum()),
                           "hidden_conversation_share": float(hidden.mean()) if len(hidden) else 0.0})
        extra = int(self._all_clusters["visible"].sum()) - len(self._visible)
        if extra > 0:
            reasons = dict(report.get("hidden_reasons", {}))
            reasons["hidden by the view (stricter thresholds, or a sibling remainder below them)"] = extra
            report["hidden_reasons"] = reasons
        if levels:
            report["levels"] = levels
            report["hidden_conversation_share"] = levels[0]["hidden_conversation_share"]
        report["view_thresholds"] = {"min_users": self.privacy.min_users,
                                     "min_conversations": self.privacy.min_conversations,
                                     "min_audit_score": self.privacy.min_audit_score,
                                     "dominance_users": self.privacy.dominance_users,
                                     "dominance_share": self.privacy.dominance_share}
        report["user_ids"] = dict(self.user_ids)
        report["user_counts_available"] = self.user_counts_available
        report["n_not_analysed"] = self.n_not_analysed
        return report

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table this view can show, keyed ``method:argument:level`` (the privacy tests and ``clio-kit eval
        privacy`` attack each one; :meth:`tree` and :meth:`compare_windows` are attacked separately)."""
        out = {"clusters": self.clusters(), "cluster_map": self.cluster_map()}
        for facet in self.facets:
            out[f"distribution:{facet}"] = self.facet_distribution(facet)
            for level in self.levels:
                out[f"crosstab:{facet}:L{level}"] = self.crosstab(facet, level)
                out[f"base_rates:{facet}:L{level}"] = self.base_rates(facet, level=level)
            out[f"facet_trend:{facet}"] = self.facet_trend(facet)
        for level in self.levels:
            out[f"trend:L{level}"] = self.trend(level=level)
        return out

    def _repr_html_(self) -> str:
        top = self.top_clusters(10)
        rows = "".join(f"<tr><td>{html.escape(str(r.name))}</td><td>{r.n_conversations:,}</td>"
                       f"<td>{r.share:.1%}</td></tr>" for r in top.itertuples())
        s = self.privacy_report
        names_by_model = self.uses_llm or self.manifest.get("backend", {}).get("names_by_model")
        banner = "" if names_by_model else "<p><b>Names generated offline from key phrases (no LLM).</b></p>"
        users = (f"&ge;{self.privacy.min_users} users and " if self.user_counts_available else
                 f"<b>{html.escape(self.user_ids['note'])}</b>: ")
        return (f"<div><h4>Privacy-gated view: {self.n_conversations:,} conversations</h4>{banner}"
                f"<p>Thresholds: {users}&ge;{self.privacy.min_conversations} "
                f"conversations per cell; {len(self._visible)} of {s['n_clusters']} clusters visible.</p>"
                f"<table><tr><th>Top-level cluster</th><th>Conversations</th><th>Share</th></tr>{rows}</table></div>")


def _stricter_only(view: PrivacyConfig, run: PrivacyConfig) -> PrivacyConfig:
    """A view's settings: each may tighten the run's, none may loosen them; a phrase rule tighter than the run's
    cannot be applied after naming, so it is refused rather than ignored."""
    for name in ("min_users", "min_conversations", "min_audit_score"):
        if getattr(view, name) < getattr(run, name):
            raise ConfigError(f"a view's {name} ({getattr(view, name)}) cannot be lower than the run's "
                             f"({getattr(run, name)}); re-run with the lower setting")
    if view.dominance_share > run.dominance_share or view.dominance_users < run.dominance_users:
        raise ConfigError(f"a view's dominance rule ({view.dominance_users} users, {view.dominance_share}) cannot be "
                         f"looser than the run's ({run.dominance_users} users, {run.dominance_share}): a lower "
                         "dominance_share or more dominance_users only")
    if view.min_phrase_users > run.min_phrase_users:
        raise ConfigError(f"a view cannot raise min_phrase_users above the run's ({run.min_phrase_users}): names "
                         "were chosen when the run was made; re-run with the higher setting")
    return dataclasses.replace(view, min_phrase_users=run.min_phrase_users)  # the stricter (the run's) applies


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value
