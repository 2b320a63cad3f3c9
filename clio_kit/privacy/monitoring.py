"""Monitoring over time: compare two time windows of a run, every number gated per window.

Clio watched for the unknown around launches and world events: which topics are new, which grow or shrink. Here
a run's conversations are split into a *before* and an *after* window (a split date, or two explicit windows) and
each visible cluster of one level is counted in both. What is shown obeys the privacy gate *per window*:

- a cluster's count in a window is shown only if that window's cell holds at least ``min_users`` distinct users AND
  ``min_conversations`` conversations; otherwise the cell reads ``"< threshold"`` (zero reads the same);
- complementary suppression (:mod:`clio_kit.privacy.suppression`, shared with every table of the view): a
  cluster's all-time size is public (``PrivacyView.clusters``) and so are the window totals, so a shown cell could
  give away a hidden one by subtraction. A shown cell is therefore suppressed too (it reads ``"suppressed"``)
  until no hidden cell of a cluster (row) or window (column) can be worked out from the shown ones and no nonzero
  rest below the thresholds is left;
- shares, changes, intervals, tests and mean concern are computed from shown cells only.

Clusters hidden in the view (thresholds overall, audit, hidden parent) never appear. Windows are half-open
``[start, end)`` in UTC; ``None`` leaves an end open. Conversations without a timestamp fall in neither window.

Limits: this protects the numbers of one comparison. Exact counts of many overlapping windows (or of a window and
the weekly trend) can still be differenced by a determined analyst, as with any table of exact counts; the gate is
for trusted analysts, not a substitute for differential privacy. Tables, charts and HTML of a comparison:
:mod:`clio_kit.presentation.windows`.

>>> import tempfile, clio_kit
>>> from widgets.demo import make_demo_run
>>> view = clio_kit.open_run(make_demo_run(tempfile.mkdtemp() + "/run", n_conversations=1500, seed=2)).view()
>>> comparison = view.compare_windows(split="2025-02-17", level=1)
>>> comparison.n_before + comparison.n_after == view.n_conversations
True
>>> bool((comparison.growing()["ratio"] > 1).all())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import benjamini_hochberg, wilson_interval
from ..errors import ConfigError, InputError
from .gate import passes_thresholds
from .suppression import SUPPRESSED, suppress_table

__all__ = ["BELOW_THRESHOLD", "SUPPRESSED", "WindowComparison", "compare_windows", "parse_time"]

#: how a window cell under the thresholds is shown (zero included): never a number
BELOW_THRESHOLD = "< threshold"
_WINDOWS = ("before", "after")
_Z = 1.959963984540054


def parse_time(value: Any, what: str = "time") -> pd.Timestamp | None:
    """A UTC timestamp from a date string, ``datetime``, ``date`` or ``Timestamp`` (naive times are UTC).

    >>> parse_time("2025-04-01")
    Timestamp('2025-04-01 00:00:00+0000', tz='UTC')
    >>> parse_time(None) is None
    True
    """
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ConfigError(f"{what} {value!r} is not a date or time (try '2025-04-01')") from None
    if stamp is pd.NaT:
        raise ConfigError(f"{what} {value!r} is not a date or time (try '2025-04-01')")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _window(value: Any, name: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ConfigError(f"{name} must be a (start, end) pair of dates (None for an open end), got {value!r}")
    start, end = parse_time(value[0], f"{name} start"), parse_time(value[1], f"{name} end")
    if start is not None and end is not None and start >= end:
        raise ConfigError(f"{name} window starts at {start} but ends at {end}: the start must come first")
    return start, end


def _overlap(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    lo_a = a[0] if a[0] is not None else pd.Timestamp.min.tz_localize("UTC")
    hi_a = a[1] if a[1] is not None else pd.Timestamp.max.tz_localize("UTC")
    lo_b = b[0] if b[0] is not None else pd.Timestamp.min.tz_localize("UTC")
    hi_b = b[1] if b[1] is not None else pd.Timestamp.max.tz_localize("UTC")
    return bool(lo_a < hi_b and lo_b < hi_a)


def _window_label(window: tuple[pd.Timestamp | None, pd.Timestamp | None]) -> str:
    def day(stamp: pd.Timestamp) -> str:
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")

    start, end = window
    if start is None and end is None:
        return "all time"
    if start is None:
        return f"before {day(end)}"  # type: ignore[arg-type]
    if end is None:
        return f"from {day(start)}"
    return f"{day(start)} to {day(end)} (exclusive)"


@dataclass
class WindowComparison:
    """Visible clusters of one level counted in two time windows, gated per window (see the module docstring).

    ``table`` has one row per visible cluster at ``level``: ``cluster_id, name, n_conversations`` (all time, as
    in ``PrivacyView.clusters``), per window ``{w}_n, {w}_users, {w}_share`` (NaN unless shown) and
    ``{w}_cell`` (``"shown"``, :data:`BELOW_THRESHOLD` or :data:`SUPPRESSED`), ``status`` (``"new"``: below the
    thresholds before, above after; ``"gone"``: the reverse; ``"both"``; ``"neither"``), the change in share
    (after - before) with a 95% Newcombe interval, the share ratio with a 95% interval, a two-proportion z-test
    ``p_value`` and its Benjamini-Hochberg ``q_value`` (over clusters shown in both windows), and mean concern per
    window and its change (NaN when the run has no concern scores or a cell is too small).
    """

    before: tuple[pd.Timestamp | None, pd.Timestamp | None]
    after: tuple[pd.Timestamp | None, pd.Timestamp | None]
    level: int
    min_users: int
    min_conversations: int
    n_before: int | None
    n_after: int | None
    table: pd.DataFrame
    alpha: float = 0.05
    has_concern: bool = False
    concern_approximate: bool = False
    notes: list[str] = field(default_factory=list)

    # -- selections -------------------------------------------------------------------------------------------
    def new_clusters(self) -> pd.DataFrame:
        """Clusters below the thresholds before and above them after, largest (all-time) first."""
        rows = self.table[self.table["status"] == "new"]
        return rows.sort_values(["n_conversations", "cluster_id"], ascending=[False, True]).reset_index(drop=True)

    def gone_clusters(self) -> pd.DataFrame:
        """Clusters above the thresholds before and below them after, largest (all-time) first."""
        rows = self.table[self.table["status"] == "gone"]
        return rows.sort_values(["n_conversations", "cluster_id"], ascending=[False, True]).reset_index(drop=True)

    def compared(self) -> pd.DataFrame:
        """Clusters shown in both windows (the only ones with a change, interval and test)."""
        return self.table[self.table["p_value"].notna()].reset_index(drop=True)

    def growing(self, n: int | None = None, *, significant: bool = False) -> pd.DataFrame:
        """Clusters whose share grew, fastest (largest share ratio) first; ``significant``: q < ``alpha`` only."""
        rows = self.compared()
        rows = rows[rows["share_change"] > 0]
        if significant:
            rows = rows[rows["q_value"] < self.alpha]
        rows = rows.sort_values(["ratio", "share_change"], ascending=[False, False]).reset_index(drop=True)
        return rows if n is None else rows.head(n)

    def shrinking(self, n: int | None = None, *, significant: bool = False) -> pd.DataFrame:
        """Clusters whose share shrank, fastest (smallest share ratio) first."""
        rows = self.compared()
        rows = rows[rows["share_change"] < 0]
        if significant:
            rows = rows[rows["q_value"] < self.alpha]
        rows = rows.sort_values(["ratio", "share_change"], ascending=[True, True]).reset_index(drop=True)
        return rows if n is None else rows.head(n)

    def concern_changes(self, n: int | None = None) -> pd.DataFrame:
        """Clusters with a mean concern shown in both windows, largest absolute change first."""
        rows = self.table[self.table["concern_change"].notna()]
        rows = rows.reindex(rows["concern_change"].abs().sort_values(ascending=False).index).reset_index(drop=True)
        return rows if n is None else rows.head(n)

    # -- labels -----------------------------------------------------------------------------------------------
    @property
    def before_label(self) -> str:
        return _window_label(self.before)

    @property
    def after_label(self) -> str:
        return _window_label(self.after)

    def __repr__(self) -> str:  # the table is long: say what the comparison holds (clio_kit.presentation shows it)
        return (f"WindowComparison(level={self.level}, before={self.before_label!r}, after={self.after_label!r}, "
                f"{len(self.new_clusters())} new, {len(self.gone_clusters())} gone, "
                f"{len(self.compared())} compared)")


def compare_windows(assignments: pd.DataFrame, clusters: pd.DataFrame, cluster_column: str, privacy: Any,
                    before: tuple[Any, Any] | None = None, after: tuple[Any, Any] | None = None, *,
                    split: Any = None, level: int = 0, alpha: float = 0.05,
                    concern: str = "concern") -> WindowComparison:
    """Compare the visible clusters of ``level`` between two time windows (:meth:`PrivacyView.compare_windows`
    is the way in: it passes its per-conversation ``assignments``, its visible ``clusters`` of that level, the
    assignments' column that holds the level's cluster ids and its :class:`~clio_kit.config.PrivacyConfig`).

    Give either ``split`` (a date: before = everything earlier, after = that date on) or ``before`` and ``after``
    as ``(start, end)`` pairs (half-open, UTC; ``None`` for an open end; the windows must not overlap).
    ``concern`` names the numeric facet whose mean is compared (skipped when it has no values, e.g. offline).
    """
    if split is not None:
        if before is not None or after is not None:
            raise ConfigError("give either split= or before= and after=, not both")
        point = parse_time(split, "split")
        window_b: tuple[Any, Any] = (None, point)
        window_a: tuple[Any, Any] = (point, None)
    else:
        if before is None or after is None:
            raise ConfigError("compare_windows needs split= or both before= and after= (each a (start, end) pair)")
        window_b, window_a = _window(before, "before"), _window(after, "after")
        if _overlap(window_b, window_a):
            raise ConfigError("the before and after windows overlap; a conversation must fall in at most one")
    if "timestamp" not in assignments.columns:
        raise InputError("this run has no timestamps, so it cannot be compared over time")
    stamps = pd.to_datetime(assignments["timestamp"], utc=True, errors="coerce")
    if stamps.isna().all():
        raise InputError("this run's conversations carry no timestamps, so it cannot be compared over time")

    segment = np.full(len(assignments), "", dtype=object)  # "before", "after" or "" (neither window)
    for name, (start, end) in zip(_WINDOWS, (window_b, window_a)):
        inside = stamps.notna().to_numpy().copy()
        if start is not None:
            inside &= (stamps >= start).to_numpy()
        if end is not None:
            inside &= (stamps < end).to_numpy()
        segment[inside] = name
    frame = pd.DataFrame({"cluster": assignments[cluster_column].to_numpy(), "segment": segment,
                          "user": assignments["user_id"].astype(str).to_numpy()})
    visible = clusters[["cluster_id", "name", "n_conversations"]]
    visible = visible.sort_values(["n_conversations", "cluster_id"], ascending=[False, True]).reset_index(drop=True)
    ids = visible["cluster_id"].to_numpy()

    # window totals (public when they pass the thresholds; shares need them)
    totals: dict[str, int | None] = {}
    for name in _WINDOWS:
        rows = frame[frame["segment"] == name]
        n, users = len(rows), rows["user"].nunique()
        totals[name] = int(n) if bool(passes_thresholds(users, n, privacy)) else None

    # primary: cells (visible cluster x window) that pass the thresholds on their own
    counts = frame[frame["segment"] != ""].groupby(["cluster", "segment"]).agg(n=("user", "size"),
                                                                                 users=("user", "nunique"))
    n_cell = counts["n"].unstack().reindex(index=ids, columns=list(_WINDOWS)).fillna(0).astype(int)
    u_cell = counts["users"].unstack().reindex(index=ids, columns=list(_WINDOWS)).fillna(0).astype(int)
    primary = pd.DataFrame(passes_thresholds(u_cell.to_numpy(), n_cell.to_numpy(), privacy), index=ids,
                           columns=list(_WINDOWS))
    for name in _WINDOWS:
        if totals[name] is None:
            primary[name] = False
    shown = _complementary_suppression(frame, primary, privacy)

    table = visible.copy()
    for name in _WINDOWS:
        ok = shown[name].to_numpy()
        total = totals[name]
        table[f"{name}_n"] = np.where(ok, n_cell[name].to_numpy(), np.nan)
        table[f"{name}_users"] = np.where(ok, u_cell[name].to_numpy(), np.nan)
        table[f"{name}_share"] = table[f"{name}_n"] / total if total else np.nan
        table[f"{name}_cell"] = np.where(ok, "shown", np.where(primary[name].to_numpy(), SUPPRESSED, BELOW_THRESHOLD))
    before_ok, after_ok = primary["before"].to_numpy(), primary["after"].to_numpy()
    table["status"] = np.select([~before_ok & after_ok, before_ok & ~after_ok, before_ok & after_ok],
                                ["new", "gone", "both"], "neither")
    _add_change(table, totals)
    has_concern, approximate = _add_concern(table, assignments, frame, shown, concern, privacy)
    notes = []
    n_outside = int((frame["segment"] == "").sum())
    if n_outside and split is not None:
        notes.append("Conversations without a timestamp are in neither window.")
    if not has_concern:
        notes.append(f"This run has no {concern} scores: mean {concern} is not compared.")
    elif approximate:
        notes.append(f"Mean {concern} is an approximate offline score, not a model's rating.")
    return WindowComparison(before=window_b, after=window_a, level=level, min_users=privacy.min_users,
                            min_conversations=privacy.min_conversations, n_before=totals["before"],
                            n_after=totals["after"], table=table, alpha=alpha, has_concern=has_concern,
                            concern_approximate=approximate, notes=notes)


def _complementary_suppression(frame: pd.DataFrame, primary: pd.DataFrame, privacy: Any, *,
                               windows: bool = True) -> pd.DataFrame:
    """Suppress shown cells (via :func:`clio_kit.privacy.suppression.suppress_table`) until no hidden cell and no
    small group can be worked out by subtraction: a cluster's all-time size is public (rows), and so are the
    window totals (columns; hidden clusters and conversations outside both windows are the extra row and column).
    ``windows=False`` protects rows only (for statistics whose window totals are not shown)."""
    records = frame.rename(columns={"cluster": "row", "segment": "column"})
    table = suppress_table(records, list(primary.index), list(_WINDOWS), privacy, primary=primary[list(_WINDOWS)],
                           column_totals=windows)
    return table.shown.astype(bool)


def _add_change(table: pd.DataFrame, totals: dict[str, int | None]) -> None:
    """Share change (Newcombe hybrid score interval), share ratio (log interval), two-proportion z-test, BH."""
    from scipy.stats import norm

    both = table["before_n"].notna() & table["after_n"].notna()
    columns = ["share_change", "share_change_low", "share_change_high", "ratio", "ratio_low", "ratio_high",
               "p_value", "q_value"]
    if totals["before"] is None or totals["after"] is None or not both.any():
        for name in columns:
            table[name] = np.nan
        return
    b = table["before_n"].to_numpy(dtype=float)
    a = table["after_n"].to_numpy(dtype=float)
    tb, ta = float(totals["before"]), float(totals["after"])
    p0, p1 = b / tb, a / ta
    with np.errstate(invalid="ignore", divide="ignore"):
        l0, u0 = wilson_interval(np.nan_to_num(b), np.full(len(b), tb))
        l1, u1 = wilson_interval(np.nan_to_num(a), np.full(len(a), ta))
        diff = p1 - p0
        low = diff - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
        high = diff + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
        ratio = p1 / p0
        se_log = np.sqrt(1 / a - 1 / ta + 1 / b - 1 / tb)
        pooled = (a + b) / (ta + tb)
        z = diff / np.sqrt(pooled * (1 - pooled) * (1 / ta + 1 / tb))
        p_value = 2 * norm.sf(np.abs(z))
    mask = both.to_numpy()
    table["share_change"] = np.where(mask, diff, np.nan)
    table["share_change_low"] = np.where(mask, low, np.nan)
    table["share_change_high"] = np.where(mask, high, np.nan)
    table["ratio"] = np.where(mask, ratio, np.nan)
    table["ratio_low"] = np.where(mask, ratio * np.exp(-_Z * se_log), np.nan)
    table["ratio_high"] = np.where(mask, ratio * np.exp(_Z * se_log), np.nan)
    table["p_value"] = np.where(mask, p_value, np.nan)
    table["q_value"] = benjamini_hochberg(table["p_value"].to_numpy())


def _add_concern(table: pd.DataFrame, assignments: pd.DataFrame, frame: pd.DataFrame, shown: pd.DataFrame, concern: str,
                 privacy: Any) -> tuple[bool, bool]:
    """Mean concern per window for shown cells whose rated conversations pass the thresholds, and whose cluster's
    other rated conversations are none or pass them too (so no small group's mean can be worked out)."""
    for name in (*(f"concern_{w}" for w in _WINDOWS), "concern_change", "concern_change_low",
                 "concern_change_high"):
        table[name] = np.nan
    if concern not in assignments.columns or not pd.api.types.is_numeric_dtype(assignments[concern]):
        return False, False
    scores = pd.to_numeric(assignments[concern], errors="coerce").to_numpy(dtype=float)
    if np.isnan(scores).all():
        return False, False
    flag = f"{concern}_approximate"
    approximate = bool(flag in assignments.columns and assignments[flag].fillna(False).astype(bool).any())
    rated = frame.assign(score=scores)[~np.isnan(scores)]
    stats = rated[rated["segment"] != ""].groupby(["cluster", "segment"]).agg(
        n=("score", "size"), users=("user", "nunique"), mean=("score", "mean"), var=("score", "var"))
    ids = shown.index

    def cell(column: str) -> pd.DataFrame:
        return stats[column].unstack().reindex(index=ids, columns=list(_WINDOWS))

    n_rated = cell("n").fillna(0).astype(int)
    primary = shown & pd.DataFrame(passes_thresholds(cell("users").fillna(0).to_numpy(), n_rated.to_numpy(),
                                                     privacy), index=ids, columns=list(_WINDOWS))
    # the cluster's other rated conversations must be none or pass the thresholds too: an all-time mean concern
    # per cluster may be public, and it would give away a small group's mean by subtraction
    ok = _complementary_suppression(rated, primary, privacy, windows=False)
    means, variances = cell("mean"), cell("var").fillna(0.0)
    per_window: dict[str, dict[int, tuple[float, float, int]]] = {w: {} for w in _WINDOWS}
    for w in _WINDOWS:
        for cluster in ids[ok[w].to_numpy()]:
            per_window[w][cluster] = (float(means.at[cluster, w]), float(variances.at[cluster, w]),
                                      int(n_rated.at[cluster, w]))
    index = table["cluster_id"].to_numpy()
    for w in _WINDOWS:
        table[f"concern_{w}"] = [per_window[w].get(c, (np.nan, 0, 0))[0] for c in index]
    change, low, high = [], [], []
    for c in index:
        if c in per_window["before"] and c in per_window["after"]:
            (m0, v0, n0), (m1, v1, n1) = per_window["before"][c], per_window["after"][c]
            se = math.sqrt(v0 / n0 + v1 / n1)
            change.append(m1 - m0)
            low.append(m1 - m0 - _Z * se)
            high.append(m1 - m0 + _Z * se)
        else:
            change.append(np.nan)
            low.append(np.nan)
            high.append(np.nan)
    table["concern_change"], table["concern_change_low"], table["concern_change_high"] = change, low, high
    return True, approximate
