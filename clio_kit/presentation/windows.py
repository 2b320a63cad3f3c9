"""How a :class:`~clio_kit.privacy.monitoring.WindowComparison` reads: tables of strings, a summary paragraph, a
change-in-share chart and the whole comparison as HTML. Window cells below the thresholds read ``"< threshold"``
and cells that would give one away read ``"suppressed"``: never a small count.

>>> import tempfile, clio_kit
>>> from widgets.demo import make_demo_run
>>> view = clio_kit.open_run(make_demo_run(tempfile.mkdtemp() + "/run", n_conversations=1500, seed=2)).view()
>>> comparison = view.compare_windows(split="2025-02-17", level=1)
>>> list(window_table(comparison, "growing").columns)
['cluster', 'before', 'after', 'change in share [95% CI]', 'ratio [95% CI]', 'q-value']
>>> "Changes over time" in window_html(comparison)
True
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..privacy.monitoring import BELOW_THRESHOLD, WindowComparison
from .figures import base_layout, empty
from .formatting import SUPPRESSED, fmt_q, short, unique_labels
from .html import frame_html

__all__ = ["cell_text", "window_figure", "window_html", "window_summary_html", "window_table"]

#: the sections of :func:`window_html`: kind -> heading
SECTIONS = {"new": "New clusters", "gone": "Clusters that disappeared", "growing": "Fastest growing",
            "shrinking": "Fastest shrinking", "concern": "Change in mean concern"}


def cell_text(row: Any, window: str, column: str = "n") -> str:
    """A window cell (``row`` of ``comparison.table``) as text: its count (``column="n"``) or share
    (``"share"``), or :data:`BELOW_THRESHOLD` / :data:`SUPPRESSED` when it is not shown."""
    get = row.__getitem__ if isinstance(row, dict) else lambda name: getattr(row, name)
    state = get(f"{window}_cell")
    if state != "shown":
        return state
    value = get(f"{window}_{column}")
    return f"{value:.1%}" if column == "share" else f"{int(value):,}"


def window_table(comparison: WindowComparison, kind: str = "growing", n: int = 15) -> pd.DataFrame:
    """A table of strings for reports and widgets: ``kind`` is ``"new"``, ``"gone"``, ``"growing"``,
    ``"shrinking"`` or ``"concern"``. Suppressed cells read :data:`BELOW_THRESHOLD` or :data:`SUPPRESSED`."""
    b, a = comparison.before_label, comparison.after_label
    if kind in ("new", "gone"):
        rows = (comparison.new_clusters() if kind == "new" else comparison.gone_clusters()).head(n)
        present = "after" if kind == "new" else "before"  # the window the cluster is above the thresholds in
        return pd.DataFrame({
            "cluster": rows["name"], "conversations (all time)": rows["n_conversations"].map("{:,}".format),
            f"before ({b})": [cell_text(r, "before") for r in rows.itertuples()],
            f"after ({a})": [cell_text(r, "after") for r in rows.itertuples()],
            f"share {present}": [cell_text(r, present, "share") for r in rows.itertuples()]})
    if kind in ("growing", "shrinking"):
        rows = comparison.growing(n) if kind == "growing" else comparison.shrinking(n)
        return pd.DataFrame({
            "cluster": rows["name"],
            "before": [f"{int(r.before_n):,} ({r.before_share:.1%})" for r in rows.itertuples()],
            "after": [f"{int(r.after_n):,} ({r.after_share:.1%})" for r in rows.itertuples()],
            "change in share [95% CI]": [f"{100 * r.share_change:+.1f} pp [{100 * r.share_change_low:+.1f}, "
                                         f"{100 * r.share_change_high:+.1f}]" for r in rows.itertuples()],
            "ratio [95% CI]": [f"{r.ratio:.2f}× [{r.ratio_low:.2f}–{r.ratio_high:.2f}]" for r in rows.itertuples()],
            "q-value": [fmt_q(q, missing="") for q in rows["q_value"]]})
    if kind == "concern":
        rows = comparison.concern_changes(n)
        return pd.DataFrame({
            "cluster": rows["name"], "mean concern before": rows["concern_before"].map("{:.2f}".format),
            "mean concern after": rows["concern_after"].map("{:.2f}".format),
            "change [95% CI]": [f"{r.concern_change:+.2f} [{r.concern_change_low:+.2f}, "
                                f"{r.concern_change_high:+.2f}]" for r in rows.itertuples()]})
    raise ConfigError(f"kind must be new, gone, growing, shrinking or concern, not {kind!r}")


def window_figure(comparison: WindowComparison, n: int = 10, height: int | None = None) -> Any:
    """Change in share (percentage points, 95% CI) of the ``n`` fastest-growing and ``n`` fastest-shrinking
    clusters shown in both windows, largest rise on top; new clusters (no before number) are not drawn."""
    import plotly.graph_objects as go

    rows = pd.concat([comparison.growing(n), comparison.shrinking(n).iloc[::-1]], ignore_index=True)
    if rows.empty:
        fig = empty("No cluster is above the privacy thresholds in both windows.", height or 200)
        fig.update_layout(title={"text": "Change in share", "x": 0.01})
        return fig
    rows = rows.sort_values("share_change")  # plotly draws the first bar at the bottom: largest rise on top
    labels = unique_labels(short(name, 45) for name in rows["name"])
    change = 100 * rows["share_change"].to_numpy(dtype=float)
    colours = ["#E45756" if c > 0 else "#4C78A8" for c in change]
    custom = np.stack([rows["name"].astype(str), rows["before_share"] * 100, rows["after_share"] * 100,
                       rows["ratio"], rows["q_value"].map(fmt_q)], axis=1)
    fig = go.Figure(go.Bar(
        x=change, y=labels, orientation="h", marker_color=colours, showlegend=False, customdata=custom,
        error_x={"type": "data", "symmetric": False,
                 "array": 100 * rows["share_change_high"].to_numpy(dtype=float) - change,
                 "arrayminus": change - 100 * rows["share_change_low"].to_numpy(dtype=float),
                 "color": "#333", "thickness": 1.2},
        hovertemplate=("%{customdata[0]}<br>share %{customdata[1]:.1f}% → %{customdata[2]:.1f}% "
                       "(%{x:+.1f} pp, ×%{customdata[3]:.2f}), q %{customdata[4]}<extra></extra>")))
    fig.update_layout(**base_layout(f"Change in share of conversations, {comparison.before_label} → "
                                    f"{comparison.after_label} (95% CI)", height or max(260, 26 * len(rows) + 90)))
    fig.update_xaxes(title="percentage points (after − before)", zeroline=True, zerolinecolor="#888")
    fig.update_yaxes(type="category")
    return fig


def window_summary_html(comparison: WindowComparison) -> str:
    """A paragraph: the windows, their totals, the thresholds and how many clusters are new/growing/shrinking."""
    def total(n: int | None) -> str:
        return BELOW_THRESHOLD if n is None else f"{n:,}"

    c = comparison
    grow, shrink = c.growing(significant=True), c.shrinking(significant=True)
    parts = [f"<p>Before: <b>{html.escape(c.before_label)}</b> ({total(c.n_before)} conversations); after: "
             f"<b>{html.escape(c.after_label)}</b> ({total(c.n_after)} conversations); clusters at level "
             f"{c.level}. {len(c.new_clusters())} new, {len(c.gone_clusters())} gone, "
             f"{len(grow)} significantly growing and {len(shrink)} significantly shrinking "
             f"(q &lt; {c.alpha:g}).</p>",
             f"<p class='clio-note'>Every count is gated per window: a cell needs at least {c.min_users} "
             f"users and {c.min_conversations} conversations in that window, otherwise it reads "
             f"“{BELOW_THRESHOLD}”; a cell that would reveal a hidden one by subtraction reads "
             f"“{SUPPRESSED}”. Changes, intervals and tests use shown cells only; q-values are "
             "Benjamini-Hochberg corrected two-proportion z-tests.</p>"]
    parts.extend(f"<p class='clio-note'>{html.escape(note)}</p>" for note in c.notes)
    return "".join(parts)


def window_html(comparison: WindowComparison, n: int = 10) -> str:
    """The whole comparison as HTML: the summary and a table per section (``n`` rows each)."""
    sections = [f"<div><h4>Changes over time (level {comparison.level})</h4>", window_summary_html(comparison)]
    for kind, title in SECTIONS.items():
        if kind == "concern" and not comparison.has_concern:
            continue
        frame = window_table(comparison, kind, n)
        body = frame_html(frame) if len(frame) else \
            "<p class='clio-note'>None.</p>"
        sections.append(f"<h5>{title}</h5>{body}")
    return "".join(sections) + "</div>"
