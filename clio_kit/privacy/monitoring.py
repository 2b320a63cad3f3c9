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
for trusted analysts, not a substitute for differential privacy.

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

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis import benjamini_hochberg, wilson_interval
from ..errors import ConfigError, InputError
from .gate import passes_thresholds
from .suppression import suppress_table

if TYPE_CHECKING:
    from .view import PrivacyView

__all__ = ["BELOW_THRESHOLD", "SUPPRESSED", "WindowComparison", "compare_windows", "parse_time"]

#: how a window cell under the thresholds is shown (zero included): never a number
BELOW_THRESHOLD = "< threshold"
#: how a cell above the thresholds is shown when its number would give away a hidden cell by subtraction
SUPPRESSED = "suppressed"
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

    # -- display ----------------------------------------------------------------------------------------------
    @property
    def before_label(self) -> str:
        return _window_label(self.before)

    @property
    def after_label(self) -> str:
        return _window_label(self.after)

    def cell_text(self, row: Any, window: str) -> str:
        """A window cell as text: its count, or :data:`BELOW_THRESHOLD` / :data:`SUPPRESSED` (never a small count)."""
        state = getattr(row, f"{window}_cell") if not isinstance(row, dict) else row[f"{window}_cell"]
        count = getattr(row, f"{window}_n") if not isinstance(row, dict) else row[f"{window}_n"]
        return f"{int(count):,}" if state == "shown" else state

    def share_text(self, row: Any, window: str) -> str:
        state = row[f"{window}_cell"] if isinstance(row, dict) else getattr(row, f"{window}_cell")
        share = row[f"{window}_share"] if isinstance(row, dict) else getattr(row, f"{window}_share")
        return f"{share:.1%}" if state == "shown" else state

    def display_frame(self, kind: str = "growing", n: int = 15) -> pd.DataFrame:
        """A table of strings for reports and widgets: ``kind`` is ``"new"``, ``"gone"``, ``"growing"``,
        ``"shrinking"`` or ``"concern"``. Suppressed cells read :data:`BELOW_THRESHOLD` or :data:`SUPPRESSED`."""
        b, a = self.before_label, self.after_label
        if kind in ("new", "gone"):
            rows = (self.new_clusters() if kind == "new" else self.gone_clusters()).head(n)
            present = "after" if kind == "new" else "before"  # the window the cluster is above the thresholds in
            return pd.DataFrame({
                "cluster": rows["name"], "conversations (all time)": rows["n_conversations"].map("{:,}".format),
                f"before ({b})": [self.cell_text(r, "before") for r in rows.itertuples()],
                f"after ({a})": [self.cell_text(r, "after") for r in rows.itertuples()],
                f"share {present}": [self.share_text(r, present) for r in rows.itertuples()]})
        if kind in ("growing", "shrinking"):
            rows = (self.growing(n) if kind == "growing" else self.shrinking(n))
            return pd.DataFrame({
                "cluster": rows["name"],
                "before": [f"{int(r.before_n):,} ({r.before_share:.1%})" for r in rows.itertuples()],
                "after": [f"{int(r.after_n):,} ({r.after_share:.1%})" for r in rows.itertuples()],
                "change in share [95% CI]": [f"{100 * r.share_change:+.1f} pp [{100 * r.share_change_low:+.1f}, "
                                             f"{100 * r.share_change_high:+.1f}]" for r in rows.itertuples()],
                "ratio [95% CI]": [f"{r.ratio:.2f}× [{r.ratio_low:.2f}–{r.ratio_high:.2f}]"
                                   for r in rows.itertuples()],
                "q-value": [_fmt_q(q) for q in rows["q_value"]]})
        if kind == "concern":
            rows = self.concern_changes(n)
            return pd.DataFrame({
                "cluster": rows["name"], "mean concern before": rows["concern_before"].map("{:.2f}".format),
                "mean concern after": rows["concern_after"].map("{:.2f}".format),
                "change [95% CI]": [f"{r.concern_change:+.2f} [{r.concern_change_low:+.2f}, "
                                    f"{r.concern_change_high:+.2f}]" for r in rows.itertuples()]})
        raise ConfigError(f"kind must be new, gone, growing, shrinking or concern, not {kind!r}")

    def figure(self, n: int = 10, height: int | None = None) -> Any:
        """A plotly figure: change in share (percentage points, 95% CI) of the ``n`` fastest-growing and ``n``
        fastest-shrinking clusters shown in both windows, largest rise on top; new clusters (no before number)
        are not drawn."""
        import plotly.graph_objects as go

        rows = pd.concat([self.growing(n), self.shrinking(n).iloc[::-1]], ignore_index=True)
        if rows.empty:
            fig = go.Figure(go.Scatter(x=[0], y=[0], mode="text", hoverinfo="skip", showlegend=False,
                                       text=["No cluster is above the privacy thresholds in both windows."]))
            fig.update_xaxes(visible=False)
            fig.update_yaxes(visible=False)
            fig.update_layout(height=height or 200, template="none", margin={"l": 10, "r": 10, "t": 40, "b": 10},
                              title={"text": "Change in share", "x": 0.01})
            return fig
        rows = rows.sort_values("share_change")  # plotly draws the first bar at the bottom: largest rise on top
        labels = _unique([_short(name, 45) for name in rows["name"]])
        change = 100 * rows["share_change"].to_numpy(dtype=float)
        colours = ["#E45756" if c > 0 else "#4C78A8" for c in change]
        custom = np.stack([rows["name"].astype(str), rows["before_share"] * 100, rows["after_share"] * 100,
                           rows["ratio"], rows["q_value"]], axis=1)
        fig = go.Figure(go.Bar(
            x=change, y=labels, orientation="h", marker_color=colours, showlegend=False, customdata=custom,
            error_x={"type": "data", "symmetric": False,
                     "array": 100 * rows["share_change_high"].to_numpy(dtype=float) - change,
                     "arrayminus": change - 100 * rows["share_change_low"].to_numpy(dtype=float),
                     "color": "#333", "thickness": 1.2},
            hovertemplate=("%{customdata[0]}<br>share %{customdata[1]:.1f}% → %{customdata[2]:.1f}% "
                           "(%{x:+.1f} pp, ×%{customdata[3]:.2f}), q=%{customdata[4]:.3g}<extra></extra>")))
        fig.update_layout(title={"text": f"Change in share of conversations, {self.before_label} → "
                                         f"{self.after_label} (95% CI)", "x": 0.01, "font": {"size": 14}},
                          height=height or max(260, 26 * len(rows) + 90), template="none",
                          margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="white",
                          font={"family": "system-ui, sans-serif", "size": 12})
        fig.update_xaxes(title="percentage points (after − before)", zeroline=True, zerolinecolor="#888",
                         gridcolor="#eee", automargin=True)
        fig.update_yaxes(automargin=True)
        return fig

    def summary_html(self) -> str:
        """A paragraph: the windows, their totals, the thresholds and how many clusters are new/growing/shrinking."""
        def total(n: int | None) -> str:
            return BELOW_THRESHOLD if n is None else f"{n:,}"

        grow, shrink = self.growing(significant=True), self.shrinking(significant=True)
        parts = [f"<p>Before: <b>{html.escape(self.before_label)}</b> ({total(self.n_before)} conversations); after: "
                 f"<b>{html.escape(self.after_label)}</b> ({total(self.n_after)} conversations); clusters at level "
                 f"{self.level}. {len(self.new_clusters())} new, {len(self.gone_clusters())} gone, "
                 f"{len(grow)} significantly growing and {len(shrink)} significantly shrinking "
                 f"(q &lt; {self.alpha:g}).</p>",
                 f"<p class='clio-note'>Every count is gated per window: a cell needs at least {self.min_users} "
                 f"users and {self.min_conversations} conversations in that window, otherwise it reads "
                 f"“{BELOW_THRESHOLD}”; a cell that would reveal a hidden one by subtraction reads "
                 f"“{SUPPRESSED}”. Changes, intervals and tests use shown cells only; q-values are "
                 "Benjamini-Hochberg corrected two-proportion z-tests.</p>"]
        parts.extend(f"<p class='clio-note'>{html.escape(note)}</p>" for note in self.notes)
        return "".join(parts)

    def _repr_html_(self) -> str:
        sections = [f"<div><h4>Changes over time (level {self.level})</h4>", self.summary_html()]
        titles = {"new": "New clusters", "gone": "Clusters that disappeared", "growing": "Fastest growing",
                  "shrinking": "Fastest shrinking", "concern": "Change in mean concern"}
        for kind, title in titles.items():
            frame = self.display_frame(kind, 10)
            if kind == "concern" and not self.has_concern:
                continue
            body = frame.to_html(index=False, escape=True, border=0, classes="clio-table") if len(frame) else \
                "<p class='clio-note'>None.</p>"
            sections.append(f"<h5>{title}</h5>{body}")
        return "".join(sections) + "</div>"


def _fmt_q(q: float) -> str:
    if q is None or (isinstance(q, float) and math.isnan(q)):
        return ""
    return "<0.001" if q < 0.001 else f"{q:.3f}"


def _short(text: str, width: int) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def compare_windows(view: PrivacyView, before: tuple[Any, Any] | None = None, after: tuple[Any, Any] | None = None,
                    *, split: Any = None, level: int | None = None, alpha: float = 0.05,
                    concern: str = "concern") -> WindowComparison:
    """Compare the visible clusters of ``level`` (default: the base level) between two time windows.

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
    level = 0 if level is None else int(level)
    column = view._cluster_column(level)
    privacy = view.privacy
    assignments = view._assignments
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
    frame = pd.DataFrame({"cluster": assignments[column].to_numpy(), "segment": segment,
                          "user": assignments["user_id"].astype(str).to_numpy()})
    visible = view._visible[view._visible["level"] == level][["cluster_id", "name", "n_conversations"]]
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
    has_concern, approximate = _add_concern(table, view, frame, shown, concern, privacy)
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


def _add_concern(table: pd.DataFrame, view: PrivacyView, frame: pd.DataFrame, shown: pd.DataFrame, concern: str,
                 privacy: Any) -> tuple[bool, bool]:
    """Mean concern per window for shown cells whose rated conversations pass the thresholds, and whose cluster's
    other rated conversations are none or pass them too (so no small group's mean can be worked out)."""
    for name in (*(f"concern_{w}" for w in _WINDOWS), "concern_change", "concern_change_low",
                 "concern_change_high"):
        table[name] = np.nan
    assignments = view._assignments
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
