"""The privacy-gated view of a run: the only thing widgets, reports and exports read.

Everything here is an aggregate that passed the gate: visible clusters (thresholds + audit), and cross-tabs, base
rates and trends whose cells below the thresholds are suppressed. No per-conversation text is reachable from it.

>>> view = clio_kit.open_run("runs/demo").view()          # doctest: +SKIP
>>> view.base_rates("language").head()                     # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import lift_table
from ..binning import bin_labels
from ..config import PrivacyConfig
from .gate import passes_thresholds

__all__ = ["PrivacyView", "OTHER_LABEL", "SUPPRESSED_LABEL"]

OTHER_LABEL = "Other (hidden by privacy thresholds)"
SUPPRESSED_LABEL = "(suppressed: below privacy thresholds)"
_PUBLIC_CLUSTER_COLUMNS = ["cluster_id", "level", "parent_id", "name", "description", "n_conversations", "n_users",
                           "share", "mean_concern"]
_MAP_COLUMNS = ["cluster_id", "level", "parent_id", "name", "n_conversations", "n_users", "share", "x", "y"]


class PrivacyView:
    """Privacy-gated aggregates of one run directory."""

    def __init__(self, run_dir: str | Path, privacy: PrivacyConfig | None = None) -> None:
        self.path = Path(run_dir)
        manifest = json.loads((self.path / "manifest.json").read_text(encoding="utf-8"))
        self.manifest = manifest
        run_privacy = PrivacyConfig(**manifest["config"]["privacy"])
        # an analyst may tighten the thresholds for a view, never loosen them below the run's
        if privacy is not None and (privacy.min_users < run_privacy.min_users
                                    or privacy.min_conversations < run_privacy.min_conversations):
            raise ValueError("a view's thresholds cannot be lower than the run's; re-run with lower thresholds")
        self.privacy = privacy or run_privacy
        self._all_clusters = pd.read_parquet(self.path / "clusters.parquet")
        self._assignments = pd.read_parquet(self.path / "assignments.parquet")
        visible = self._all_clusters["visible"] & passes_thresholds(
            self._all_clusters["n_users"], self._all_clusters["n_conversations"], self.privacy)
        self._visible = self._all_clusters[visible].copy()
        self._visible["mean_concern"] = self._mean_concern(self._visible)  # aggregate over visible clusters only
        self.privacy_report: dict[str, Any] = json.loads((self.path / "privacy.json").read_text(encoding="utf-8"))

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
            raise KeyError(f"cluster {cluster_id} is not visible in the privacy-gated view")
        return {k: _plain(v) for k, v in match.iloc[0][_PUBLIC_CLUSTER_COLUMNS].items()}

    def cluster_map(self, level: int | None = None) -> pd.DataFrame:
        """2-D map coordinates (``x``, ``y``) of VISIBLE clusters (all levels, or one), largest first.

        Coordinates are aggregates (UMAP of cluster centroids; parents at their children's weighted mean); hidden
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
        """Visible hierarchy as nested dicts; each parent gets an "Other" child for its hidden conversations."""
        visible = self._visible
        children: dict[Any, list[int]] = {}
        for row in visible.itertuples():
            key = None if pd.isna(row.parent_id) else int(row.parent_id)
            children.setdefault(key, []).append(int(row.cluster_id))
        by_id = visible.set_index("cluster_id")

        def node(cid: int) -> dict[str, Any]:
            row = by_id.loc[cid]
            kids = sorted((node(k) for k in children.get(cid, [])), key=lambda n: -n["n_conversations"])
            if kids:
                rest = int(row.n_conversations) - sum(k["n_conversations"] for k in kids)
                if rest > 0:
                    kids.append({"cluster_id": None, "name": OTHER_LABEL, "description": "", "level": int(row.level) - 1,
                                 "n_conversations": rest, "n_users": None, "children": []})
            return {"cluster_id": cid, "name": row["name"], "description": row["description"],
                    "level": int(row.level), "n_conversations": int(row.n_conversations),
                    "n_users": int(row.n_users), "children": kids}

        roots = sorted((node(c) for c in children.get(None, [])), key=lambda n: -n["n_conversations"])
        rest = self.n_conversations - sum(r["n_conversations"] for r in roots)
        if rest > 0:
            roots.append({"cluster_id": None, "name": OTHER_LABEL, "description": "", "level": self.top_level,
                          "n_conversations": rest, "n_users": None, "children": []})
        return roots

    # -- breakdowns ---------------------------------------------------------------------------------------------
    def _cluster_column(self, level: int) -> str:
        if level not in self.levels:
            raise ValueError(f"level {level} does not exist; levels are {self.levels}")
        return "cluster_id" if level == 0 else f"cluster_id_l{level}"

    def _facet_values(self, facet: str) -> pd.Series:
        if facet not in self._assignments.columns or facet not in self.facets:
            raise KeyError(f"facet {facet!r} is not available; choose from {', '.join(self.facets)}")
        values = self._assignments[facet]
        if pd.api.types.is_bool_dtype(values):
            return values.map({True: "yes", False: "no"})
        if pd.api.types.is_numeric_dtype(values):
            if values.dropna().nunique() > 8:  # binned by the facet's scale (turns: 1, 2, 3-5; characters: 1-2-5 steps)
                return bin_labels(values).fillna("unknown").astype(str)
            return values.map(lambda v: "not rated" if pd.isna(v) else str(int(v)) if float(v).is_integer() else str(v))
        return values.fillna("unknown").astype(str)

    def _cell_counts(self, facet: str, level: int) -> pd.DataFrame:
        frame = pd.DataFrame({"cluster": self._assignments[self._cluster_column(level)].to_numpy(),
                              "value": self._facet_values(facet).to_numpy(),
                              "user_id": self._assignments["user_id"].to_numpy()})
        return frame.groupby(["cluster", "value"], observed=True).agg(
            n=("user_id", "size"), users=("user_id", "nunique")).reset_index()

    def facet_distribution(self, facet: str) -> pd.DataFrame:
        """Conversations per facet value; values below the thresholds are pooled into one suppressed row."""
        frame = pd.DataFrame({"value": self._facet_values(facet).to_numpy(),
                              "user_id": self._assignments["user_id"].to_numpy()})
        counts = frame.groupby("value", observed=True).agg(n_conversations=("user_id", "size"),
                                                           n_users=("user_id", "nunique")).reset_index()
        ok = passes_thresholds(counts["n_users"], counts["n_conversations"], self.privacy)
        shown = counts[ok].copy()
        pooled = counts[~ok]
        if len(pooled):
            users = frame[frame["value"].isin(pooled["value"])]["user_id"].nunique()
            extra = pd.DataFrame([{"value": SUPPRESSED_LABEL, "n_conversations": int(pooled["n_conversations"].sum()),
                                   "n_users": int(users)}])
            if passes_thresholds(extra["n_users"], extra["n_conversations"], self.privacy).all():
                shown = pd.concat([shown, extra], ignore_index=True)
        shown["share"] = shown["n_conversations"] / max(self.n_conversations, 1)
        return shown.sort_values("n_conversations", ascending=False).reset_index(drop=True)

    def crosstab(self, facet: str, level: int | None = None) -> pd.DataFrame:
        """Visible clusters x facet values (conversations); cells under the thresholds are NaN (suppressed)."""
        level = self.top_level if level is None else level
        cells = self._cell_counts(facet, level)
        cells = cells[cells["cluster"].isin(self._visible["cluster_id"])]
        ok = passes_thresholds(cells["users"], cells["n"], self.privacy)
        cells = cells.assign(n=cells["n"].where(ok))
        table = cells.pivot(index="cluster", columns="value", values="n")
        names = self._visible.set_index("cluster_id")["name"]
        table.index = [names.get(i, str(i)) for i in table.index]
        table.index.name = "cluster"
        return table

    def base_rates(self, facet: str = "language", value: str | None = None, level: int = 0) -> pd.DataFrame:
        """Lift of each facet value in each visible cluster, with 95% intervals and BH q-values.

        Cells below the thresholds keep their row but have ``suppressed=True`` and no numbers.
        """
        cells = self._cell_counts(facet, level)
        table = lift_table(cells)  # computed on all conversations so shares are exact ...
        table = table[table["cluster"].isin(self._visible["cluster_id"])].copy()  # ... shown for visible only
        table["suppressed"] = ~passes_thresholds(table["users"], table["n"], self.privacy)
        numeric = ["n", "users", "share_in_cluster", "lift", "lift_low", "lift_high", "p_value", "q_value"]
        table.loc[table["suppressed"], numeric] = np.nan
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
        """Conversations per time bucket per visible cluster (long table); small cells suppressed."""
        level = self.top_level if level is None else level
        periods = self._periods(freq)
        if periods is None:
            return pd.DataFrame(columns=["period", "cluster_id", "name", "n_conversations", "n_users"])
        frame = pd.DataFrame({"period": periods,
                              "cluster_id": self._assignments[self._cluster_column(level)].to_numpy(),
                              "user_id": self._assignments["user_id"].to_numpy()}).dropna(subset=["period"])
        frame = frame[frame["cluster_id"].isin(self._visible["cluster_id"])]
        counts = frame.groupby(["period", "cluster_id"]).agg(n_conversations=("user_id", "size"),
                                                             n_users=("user_id", "nunique")).reset_index()
        ok = passes_thresholds(counts["n_users"], counts["n_conversations"], self.privacy)
        counts.loc[~ok, ["n_conversations", "n_users"]] = np.nan
        counts.insert(2, "name", counts["cluster_id"].map(self._visible.set_index("cluster_id")["name"]))
        return counts

    def facet_trend(self, facet: str, freq: str = "W") -> pd.DataFrame:
        """Conversations per time bucket per facet value (long table); small cells suppressed."""
        periods = self._periods(freq)
        if periods is None:
            return pd.DataFrame(columns=["period", "value", "n_conversations", "n_users"])
        frame = pd.DataFrame({"period": periods, "value": self._facet_values(facet).to_numpy(),
                              "user_id": self._assignments["user_id"].to_numpy()}).dropna(subset=["period"])
        counts = frame.groupby(["period", "value"], observed=True).agg(
            n_conversations=("user_id", "size"), n_users=("user_id", "nunique")).reset_index()
        ok = passes_thresholds(counts["n_users"], counts["n_conversations"], self.privacy)
        counts.loc[~ok, ["n_conversations", "n_users"]] = np.nan
        return counts

    def compare_windows(self, before: tuple[Any, Any] | None = None, after: tuple[Any, Any] | None = None, *,
                        split: Any = None, level: int | None = None, alpha: float = 0.05) -> Any:
        """Visible clusters of ``level`` (default 0) in two time windows, every count gated per window.

        ``split="2025-04-01"`` compares everything before that date with everything from it on; or give
        ``before=(start, end), after=(start, end)`` (half-open, UTC, ``None`` for an open end). Returns a
        :class:`clio_kit.privacy.monitoring.WindowComparison` (new clusters, growing/shrinking with intervals and
        BH q-values, mean concern change); see that module for the rules.

        >>> view.compare_windows(split="2025-04-01").new_clusters()[["name", "after_n"]]   # doctest: +SKIP
        """
        from .monitoring import compare_windows

        return compare_windows(self, before, after, split=split, level=level, alpha=alpha)

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
        report["view_thresholds"] = {"min_users": self.privacy.min_users,
                                     "min_conversations": self.privacy.min_conversations}
        return report

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table this view can show (used by tests that check thresholds hold everywhere)."""
        out = {"clusters": self.clusters(), "cluster_map": self.cluster_map()}
        for facet in self.facets:
            out[f"distribution:{facet}"] = self.facet_distribution(facet)
        for level in self.levels:
            out[f"base_rates:language:L{level}"] = self.base_rates("language", level=level)
            out[f"trend:L{level}"] = self.trend(level=level)
        out["facet_trend:language"] = self.facet_trend("language")
        return out

    def _repr_html_(self) -> str:
        top = self.top_clusters(10)
        rows = "".join(f"<tr><td>{html.escape(str(r.name))}</td><td>{r.n_conversations:,}</td>"
                       f"<td>{r.share:.1%}</td></tr>" for r in top.itertuples())
        s = self.privacy_report
        banner = "" if self.uses_llm else "<p><b>Names generated offline from key phrases (no LLM).</b></p>"
        return (f"<div><h4>Privacy-gated view: {self.n_conversations:,} conversations</h4>{banner}"
                f"<p>Thresholds: &ge;{self.privacy.min_users} users and &ge;{self.privacy.min_conversations} "
                f"conversations per cell; {s['n_visible']} of {s['n_clusters']} clusters visible.</p>"
                f"<table><tr><th>Top-level cluster</th><th>Conversations</th><th>Share</th></tr>{rows}</table></div>")


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value
