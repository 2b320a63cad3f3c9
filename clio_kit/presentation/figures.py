"""Plotly figures built from privacy-gated aggregates (one point or bar per cluster, never per conversation): the
report, the exports and the widgets all draw with these.

Suppressed cells arrive as NaN from :class:`clio_kit.PrivacyView` and stay gaps here: no figure prints a number for
them, and absent cells look the same as suppressed ones, so a gap never reveals that a rare value exists; a gap in a
heatmap says "suppressed" in words.

>>> import pandas as pd
>>> fig = distribution_bar(pd.DataFrame({"value": ["en", "es"], "n_conversations": [90, 10], "share": [.9, .1]}),
...                        "language")
>>> [float(x) for x in fig.data[0].x]
[0.9, 0.1]
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import ConfigError
from .formatting import SUPPRESSED, fmt_q, short, value_label, wrap

__all__ = [
    "OTHER_COLOUR",
    "PALETTE",
    "base_layout",
    "cluster_map",
    "crosstab_bars",
    "distribution_bar",
    "empty",
    "lift_bars",
    "lift_heatmap",
    "lift_scale",
    "node_key",
    "sunburst",
    "suppressed_marks",
    "treemap",
    "trend_lines",
]

FONT = {"family": "system-ui, sans-serif", "size": 12}
GAP_LEGEND = "gap: below the privacy thresholds, or none"  # the legend entry of a broken trend line
PALETTE = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2", "#FF9DA6", "#9D755D",
           "#BAB0AC", "#79706E", "#D67195"]
#: "Other (hidden ...)" buckets of the hierarchy
OTHER_COLOUR = "#d9d9d9"


def base_layout(title: str, height: int) -> dict[str, object]:
    # the "none" template plus a few settings: building "plotly_white" costs ~60 ms per figure
    axis = {"gridcolor": "#eee", "zerolinecolor": "#ccc", "linecolor": "#ccc", "automargin": True}
    return {"title": {"text": title, "font": {"size": 14}, "x": 0.01}, "height": height, "font": FONT,
                "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "template": "none", "paper_bgcolor": "white",
                "plot_bgcolor": "white", "xaxis": axis, "yaxis": axis, "colorway": PALETTE}


def empty(message: str, height: int = 200) -> go.Figure:
    """A blank figure that says why it is blank (a text trace, not an annotation: live widgets merge layouts,
    so an annotation would outlive the message when the figure is replaced)."""
    fig = go.Figure(go.Scatter(x=[0], y=[0], mode="text", text=[message], hoverinfo="skip", showlegend=False,
                               textfont={"size": 13, "color": "#555"}), layout=base_layout("", height))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def node_key(cluster_id: Any, parent_key: str | None) -> str:
    """The stable id of a node of ``PrivacyView.tree()``: ``c<cluster id>``, or ``other:<parent key>`` (``root`` at
    the top) for an "Other (hidden ...)" bucket. Figures and the widgets' selections share it."""
    return f"c{cluster_id}" if cluster_id is not None else f"other:{parent_key or 'root'}"


def _tree_arrays(tree: Sequence[Mapping[str, Any]], total: int, label_width: int,
                 parent_width: int | None = None) -> dict[str, list[Any]]:
    """Flat ``ids, labels, parents, values, colours, hover`` of ``PrivacyView.tree()`` for plotly's hierarchical
    charts: each top-level cluster's branch in one colour, "Other (hidden...)" buckets in grey; labels wrapped at
    ``label_width`` characters (``parent_width`` for nodes with children)."""
    out: dict[str, list[Any]] = {k: [] for k in ("ids", "labels", "parents", "values", "colours", "hover")}

    def walk(node: Mapping[str, Any], parent: str | None, colour: str) -> None:
        hidden = node.get("cluster_id") is None
        key = node_key(node.get("cluster_id"), parent)
        share = node["n_conversations"] / max(total, 1)
        width = parent_width if parent_width and node.get("children") else label_width
        for name, value in (("ids", key), ("labels", wrap(node["name"], width)), ("parents", parent or ""),
                            ("values", int(node["n_conversations"])), ("colours", OTHER_COLOUR if hidden else colour),
                            ("hover", f"<b>{html.escape(str(node['name']))}</b><br>{node['n_conversations']:,} "
                                      f"conversations ({share:.1%})<br>{wrap(node.get('description') or '')}")):
            out[name].append(value)
        for child in node.get("children", []):
            walk(child, key, colour)

    for i, root in enumerate(tree):
        walk(root, None, PALETTE[i % len(PALETTE)])
    return out


def sunburst(tree: Sequence[Mapping[str, Any]], total: int, *, maxdepth: int = 2, height: int = 620,
             title: str = "") -> go.Figure:
    """A sunburst of the visible hierarchy from ``PrivacyView.tree()`` (ids: :func:`node_key`), one colour per
    top-level branch, "Other (hidden...)" buckets in grey; a label too small to read is left out (hover still
    names it), never drawn in 4-pixel type. A cluster with children may be the centre of a zoomed sunburst: its
    label is wrapped narrow (16 characters a line), as plotly's renderer in JupyterLab checks only a centre label's
    width against the circle and would cut a wide two-line label at the circle's edge.

    >>> tree = [{"cluster_id": 1, "name": "Games and puzzles: story, year old", "n_conversations": 9,
    ...          "children": [{"cluster_id": 2, "name": "Riddles and word games for children", "n_conversations": 9}]}]
    >>> sunburst(tree, 9).data[0].labels
    ('Games and<br>puzzles: story,<br>year old', 'Riddles and word games for<br>children')
    """
    a = _tree_arrays(tree, total, 28, parent_width=16)
    fig = go.Figure(go.Sunburst(ids=a["ids"], labels=a["labels"], parents=a["parents"], values=a["values"],
                                branchvalues="total", marker={"colors": a["colours"],
                                                              "line": {"color": "white", "width": 1}},
                                hovertext=a["hover"], hoverinfo="text", maxdepth=maxdepth,
                                insidetextorientation="horizontal", sort=False))
    fig.update_layout(**base_layout(title, height), uniformtext={"minsize": 10, "mode": "hide"})
    if not title:
        fig.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def treemap(tree: Sequence[Mapping[str, Any]], total: int, *, maxdepth: int = 2, height: int = 620) -> go.Figure:
    """The visible hierarchy as a labelled treemap (readable at print size, unlike a sunburst's ring labels): each
    box names its cluster with its conversations and share; labels too small to read are left out, never shrunk;
    "Other (hidden...)" buckets in grey."""
    a = _tree_arrays(tree, total, 24)
    fig = go.Figure(go.Treemap(
        ids=a["ids"], labels=a["labels"], parents=a["parents"], values=a["values"], branchvalues="total",
        maxdepth=maxdepth, sort=False,  # a parent's header tall enough for its two-line label
        marker={"colors": a["colours"], "line": {"color": "white", "width": 1},
                "pad": {"t": 36, "l": 3, "r": 3, "b": 3}},
        texttemplate="<b>%{label}</b><br>%{value:,} (%{percentRoot:.1%})", textfont={"size": 12},
        hovertext=a["hover"], hoverinfo="text", pathbar={"visible": False}, tiling={"pad": 2}))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      uniformtext={"minsize": 10, "mode": "hide"})
    return fig


def lift_bars(ranking: pd.DataFrame, facet: str, value: str, height: int | None = None,
              n_suppressed: int = 0) -> go.Figure:
    """Clusters ranked by lift of ``facet = value``, with 95% intervals as error bars (shown cells only; the title
    counts the ``n_suppressed`` clusters left out)."""
    if ranking.empty:
        return empty(f"No cluster has enough conversations with {facet} = {value} to show (all suppressed).")
    left_out = f"; {n_suppressed} suppressed, not drawn" if n_suppressed else ""
    frame = ranking.iloc[::-1]
    fig = go.Figure(go.Bar(
        x=frame["lift"], y=[f"{short(n, 40)} ({int(c)})" for n, c in zip(frame["name"], frame["cluster_id"])],
        orientation="h", marker_color="#4C78A8", showlegend=False, cliponaxis=False,
        error_x={"type": "data", "symmetric": False, "array": frame["lift_high"] - frame["lift"],
                     "arrayminus": frame["lift"] - frame["lift_low"], "color": "#333", "thickness": 1.2},
        customdata=np.stack([frame["name"], frame["n_conversations"], frame["lift_low"], frame["lift_high"],
                             frame["q_value"].map(fmt_q)], axis=1),
        hovertemplate=("%{customdata[0]}<br>lift %{x:.2f} [%{customdata[2]:.2f}–%{customdata[3]:.2f}]"
                       "<br>%{customdata[1]:,} conversations, q %{customdata[4]}<extra></extra>")))
    fig.add_trace(go.Scatter(x=[1.0, 1.0], y=[fig.data[0].y[0], fig.data[0].y[-1]], mode="lines", hoverinfo="skip",
                             showlegend=False, line={"dash": "dot", "color": "#888", "width": 1}))  # lift = 1
    fig.update_layout(**base_layout(f"Lift of {facet} = {value} by cluster (95% CI{left_out})", height or
                                     max(260, 26 * len(frame) + 80)))
    fig.update_xaxes(title="lift (share in cluster / share overall)", rangemode="tozero")
    return fig


def lift_scale(log2_lifts: Iterable[float], *, widest: float = 3.0) -> dict[str, Any]:
    """A colour range for log2 lift, symmetric around lift 1, at least 0.5x-2x (so lifts near 1 stay pale instead
    of saturating) and at most 1/8x-8x, with ticks as plain lift numbers: ``zmin``, ``zmax``, ``tickvals``,
    ``ticktext``.

    >>> scale = lift_scale([0.05, -0.02])
    >>> scale["zmin"], scale["zmax"], scale["ticktext"]
    (-1.0, 1.0, ['0.5', '0.67', '1', '1.5', '2'])
    """
    finite = [abs(float(v)) for v in log2_lifts if v is not None and math.isfinite(float(v))]
    bound = min(max(finite + [1.0]), widest)
    ticks = [t for t in (0.125, 0.25, 0.5, 2 / 3, 1, 1.5, 2, 4, 8) if abs(math.log2(t)) <= bound + 1e-9]
    return {"zmin": -bound, "zmax": bound, "tickvals": [math.log2(t) for t in ticks],
            "ticktext": [f"{t:.2g}" for t in ticks]}


def lift_heatmap(cells: pd.DataFrame, clusters: pd.DataFrame, values: Sequence[Any], *, facet: str = "language",
                 highlight: Any = None, label: Callable[[str, Any], str] = value_label) -> go.Figure:
    """Lift of each facet value (columns) in each cluster (rows, in ``clusters`` order), coloured by log2 lift;
    suppressed cells say so in words, never with a number.

    ``cells`` holds lift rows (``cluster_id, value, lift, lift_low, lift_high, n_conversations,
    share_in_cluster, share_overall``, and ``q_value`` / ``suppressed`` when known): ``PrivacyView.base_rates``
    or the widgets' shown cells. ``clusters`` has ``cluster_id`` and ``name``; ``highlight`` marks one value.
    """
    if not len(values) or clusters.empty:
        return empty("Nothing to show above the privacy thresholds.")
    shown = cells[~cells["suppressed"].astype(bool)] if "suppressed" in cells else cells
    cell = {(int(r.cluster_id), str(r.value)): r for r in shown.itertuples()}
    rows = [f"{short(name, 40)} ({cid})" for cid, name in zip(clusters["cluster_id"], clusters["name"])]
    columns = [label(facet, v) + (" ◀" if highlight is not None and str(v) == str(highlight) else "") for v in values]
    z, text, hover = [], [], []
    for cid, name in zip(clusters["cluster_id"], clusters["name"]):
        z_row, text_row, hover_row = [], [], []
        for value in values:
            r = cell.get((int(cid), str(value)))
            where = f"<b>{html.escape(str(name))}</b><br>{html.escape(label(facet, value))}"
            if r is None or pd.isna(r.lift) or r.lift <= 0:
                z_row.append(math.nan)
                text_row.append("")
                hover_row.append(f"{where}: {SUPPRESSED} (below the privacy thresholds) or absent")
                continue
            q = f", q {fmt_q(r.q_value)}" if hasattr(r, "q_value") else ""
            z_row.append(math.log2(r.lift))
            text_row.append(f"{r.lift:.2f}×")
            hover_row.append(f"{where}: lift {r.lift:.2f} (95% {r.lift_low:.2f}-{r.lift_high:.2f}){q}"
                             f"<br>{int(r.n_conversations):,} conversations, "
                             f"{r.share_in_cluster:.1%} of the cluster vs {r.share_overall:.1%} overall")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    scale = lift_scale(v for row in z for v in row)
    fig = go.Figure(go.Heatmap(
        z=z, x=columns, y=rows, text=text, texttemplate="%{text}", hovertext=hover, hoverinfo="text",
        colorscale="RdBu_r", zmid=0, zmin=scale["zmin"], zmax=scale["zmax"], xgap=2, ygap=2, hoverongaps=False,
        colorbar={"title": {"text": "lift"}, "tickvals": scale["tickvals"], "ticktext": scale["ticktext"]}))
    gaps = [(x, y) for y, row in zip(rows, z) for x, v in zip(columns, row) if math.isnan(v)]
    fig.add_trace(suppressed_marks([x for x, _ in gaps], [y for _, y in gaps]))
    fig.update_layout(**base_layout("", max(320, 110 + 34 * len(rows))))
    fig.update_layout(plot_bgcolor="#f2f2f2", margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "y": -0.02, "yanchor": "top", "font": {"size": 11}})
    fig.update_xaxes(side="top", type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def suppressed_marks(x: list, y: list) -> go.Scatter:
    """A text trace writing "suppressed" at each (x, y) cell, with its legend entry: charts say it in words (a
    blank cell reads as "no data")."""
    return go.Scatter(x=x, y=y, mode="text", text=[SUPPRESSED] * len(x), textfont={"size": 9, "color": "#777"},
                      hoverinfo="skip", showlegend=bool(x), name=f"{SUPPRESSED}: below the privacy thresholds, or none")


def distribution_bar(distribution: pd.DataFrame, facet: str, *, n: int = 25, title: str | None = None) -> go.Figure:
    """Share of conversations per facet value, largest first (at most ``n``; values below the thresholds arrive
    pooled in one row); the title defaults to "Distribution of <facet>"."""
    frame = distribution.head(n)
    fig = go.Figure(go.Bar(x=frame["share"], y=[short(value_label(facet, v), 40) for v in frame["value"]],
                           orientation="h", marker_color=PALETTE[0], text=[f"{s:.1%}" for s in frame["share"]],
                           textposition="auto", customdata=frame["n_conversations"],
                           hovertemplate="%{y}: %{x:.1%} (%{customdata:,} conversations)<extra></extra>"))
    fig.update_layout(**base_layout(f"Distribution of {facet}" if title is None else title,
                                    max(200, 80 + 26 * len(frame))))
    fig.update_yaxes(autorange="reversed", type="category")  # values like "1".."5" are categories, not numbers
    fig.update_xaxes(tickformat=".0%", title="share of conversations")
    return fig


def crosstab_bars(shown: pd.DataFrame, clusters: pd.DataFrame, facet: str, values: list[str]) -> go.Figure:
    """Stacked bars: each cluster's conversations split by facet value (share of the cluster).

    ``shown`` holds the shown cells (:meth:`widgets.GatedData.cells`). The rest of each bar, up to 100%, is one grey
    segment, "other values or suppressed": a cluster whose cells are all suppressed reads so instead of an empty
    row. It tells nothing new (the cluster's size and its shown cells are on show) and never splits suppressed
    cells from values that are only not drawn.

    >>> shown = pd.DataFrame({"cluster_id": [1], "value": ["en"], "share_in_cluster": [0.75], "n_conversations": [30]})
    >>> clusters = pd.DataFrame({"cluster_id": [1, 2], "name": ["a", "b"]})
    >>> [(t.name, [float(x) for x in t.x]) for t in crosstab_bars(shown, clusters, "language", ["en"]).data]
    [('en', [0.75, nan]), ('other values or suppressed', [0.25, 1.0])]
    """
    if shown.empty or clusters.empty or not values:
        return empty("Nothing to show above the privacy thresholds.")
    ids = clusters["cluster_id"].tolist()
    labels = [f"{short(n, 36)} ({c})" for n, c in zip(clusters["name"], clusters["cluster_id"])]
    fig = go.Figure()
    for i, value in enumerate(values):
        cells = shown[shown["value"] == value].set_index("cluster_id").reindex(ids)
        fig.add_trace(go.Bar(y=labels, x=cells["share_in_cluster"], name=short(str(value), 24), orientation="h",
                             marker_color=PALETTE[i % len(PALETTE)], customdata=cells["n_conversations"],
                             hovertemplate="%{y}<br>" + f"{facet} = {value}: " +
                                           "%{x:.1%} (%{customdata:,})<extra></extra>"))
    drawn = shown[shown["value"].isin(values)].groupby("cluster_id")["share_in_cluster"].sum().reindex(ids)
    rest = (1.0 - drawn.fillna(0.0)).clip(lower=0.0).round(6)
    fig.add_trace(go.Bar(y=labels, x=rest.to_numpy(), name="other values or suppressed", orientation="h",
                         marker={"color": OTHER_COLOUR, "pattern": {"shape": "/", "fgcolor": "#999"}},
                         hovertemplate="%{y}<br>other values or suppressed: %{x:.1%}<extra></extra>"))
    fig.update_layout(**base_layout(f"{facet} within each cluster (hatched grey: other values or suppressed)",
                                     max(260, 24 * len(labels) + 100)), barmode="stack")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    return fig


def trend_lines(trend: pd.DataFrame, title: str = "", height: int = 280, share: bool = False, *,
                series: Sequence[tuple[Any, str]] | None = None, key: str = "cluster_id") -> go.Figure:
    """Conversations (or, with ``share``, the share of the drawn lines' conversations) per period, one line per
    ``(key value, label)`` of ``series`` (default: every ``key`` value, labelled by the ``name`` column).

    ``trend`` is ``PrivacyView.trend(...)`` (``key="cluster_id"``) or ``facet_trend(...)`` (``key="value"``):
    ``period, <key>, n_conversations``. Suppressed periods are gaps, and periods without a row look the same; a
    legend entry says what a gap means.

    >>> weeks = pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-06"])
    >>> trend = pd.DataFrame({"period": weeks, "cluster_id": [1, 1, 2], "name": ["a", "a", "b"],
    ...                       "n_conversations": [5, 6, 7]})
    >>> [line.name for line in trend_lines(trend).data]
    ['a', 'b', 'gap: below the privacy thresholds, or none']
    """
    if trend.empty or trend["n_conversations"].notna().sum() == 0:
        return empty("No timestamps, or every period is below the privacy thresholds.", height)
    if series is None:
        names = trend.drop_duplicates(key).set_index(key)["name"] if "name" in trend else pd.Series(dtype=object)
        series = [(k, str(names.get(k, k))) for k in sorted(trend[key].unique())]
    periods = sorted(trend["period"].unique())
    wide = trend.pivot_table(index="period", columns=key, values="n_conversations", aggfunc="first",
                             dropna=False).reindex(index=periods, columns=[k for k, _ in series])
    if share:
        wide = wide.div(wide.sum(axis=1, skipna=True).replace(0, np.nan), axis=0)
    fig = go.Figure()
    for i, (value, label) in enumerate(series):
        fig.add_trace(go.Scatter(x=wide.index, y=wide[value], mode="lines+markers", name=short(label, 36),
                                 line={"color": PALETTE[i % len(PALETTE)]}, connectgaps=False,
                                 hovertemplate="%{x|%Y-%m-%d}: %{y" + (":.1%" if share else ":,") + "}<extra>"
                                               + html.escape(short(label, 30)) + "</extra>"))
    if wide.isna().to_numpy().any():  # a break in a line says why in the legend (never which: suppressed or none)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=GAP_LEGEND,
                                 line={"color": "#bbb", "dash": "dot"}, hoverinfo="skip"))
    fig.update_layout(**base_layout(title, height), legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(title="share" if share else "conversations", rangemode="tozero",
                     tickformat=".0%" if share else None)
    return fig


def cluster_map(layout: pd.DataFrame, color_by: str = "parent", lift: pd.Series | None = None,
                color_label: str = "", height: int = 560) -> go.Figure:
    """Visible base clusters at their layout points; marker area ~ conversations; hover shows names only.

    ``color_by``: ``"parent"`` (top-level cluster), ``"size"`` (log conversations) or ``"lift"`` (``lift`` indexed
    by cluster_id; missing or suppressed clusters are grey).
    """
    if layout.empty:
        return empty("No visible base clusters.", height)
    fig = go.Figure()
    biggest = max(float(layout["n_conversations"].max()), 1.0)
    sizes = 8 + 34 * np.sqrt(layout["n_conversations"].to_numpy(dtype=float) / biggest)
    for region in layout.attrs.get("regions", []):
        fig.add_shape(type="rect", x0=region["x"], y0=region["y"], x1=region["x"] + region["w"],
                      y1=region["y"] + region["h"], line={"color": "#bbb", "width": 1}, fillcolor="rgba(0,0,0,0.02)",
                      layer="below")
        fig.add_annotation(x=region["x"] + 0.5, y=region["y"] + region["h"] - 0.5, text=short(region["name"], 30),
                           showarrow=False, xanchor="left", yanchor="top", font={"size": 11, "color": "#555"})
    hover = "%{text}<extra></extra>"

    def ids(frame: pd.DataFrame) -> list[int]:  # cluster ids, for selections
        return [int(c) for c in frame["cluster_id"]]

    if color_by == "parent":
        for i, (top, group) in enumerate(layout.groupby("top_name", sort=False)):
            idx = group.index
            fig.add_trace(go.Scatter(x=group["x"], y=group["y"], text=group["name"], mode="markers",
                                     name=short(str(top), 30), hovertemplate=hover, customdata=ids(group),
                                     marker={"size": sizes[idx], "color": PALETTE[i % len(PALETTE)], "opacity": 0.8,
                                                 "line": {"width": 0.5, "color": "#fff"}}))
    elif color_by == "size":
        logs = np.log10(layout["n_conversations"].to_numpy(dtype=float))
        ticks = [10 ** k for k in range(math.ceil(float(logs.max())) + 1)]
        fig.add_trace(go.Scatter(x=layout["x"], y=layout["y"], text=layout["name"], mode="markers", hovertemplate=hover,
                                 showlegend=False, customdata=ids(layout),
                                 marker={"size": sizes, "color": logs, "colorscale": "Viridis", "opacity": 0.85,
                                             "colorbar": {"title": "conversations", "tickvals": np.log10(ticks),
                                                           "ticktext": [f"{t:,}" for t in ticks]}}))
    elif color_by == "lift":
        values = (lift if lift is not None else pd.Series(dtype=float)).reindex(layout["cluster_id"]).to_numpy()
        shown = ~np.isnan(values.astype(float))
        grey = layout[~shown]
        fig.add_trace(go.Scatter(x=grey["x"], y=grey["y"], text=grey["name"], mode="markers", hovertemplate=hover,
                                 customdata=ids(grey), name="grey: suppressed or none", marker={"size": sizes[~shown], "color": "#cccccc"}))
        logs = np.log2(values[shown].astype(float))
        scale = lift_scale(logs)
        fig.add_trace(go.Scatter(x=layout["x"][shown], y=layout["y"][shown], text=layout["name"][shown],
                                 customdata=ids(layout[shown]), mode="markers", hovertemplate=hover, name="lift",
                                 showlegend=False,
                                 marker={"size": sizes[shown], "color": logs, "colorscale": "RdBu_r",
                                         "cmin": scale["zmin"], "cmax": scale["zmax"], "opacity": 0.9,
                                         "colorbar": {"title": color_label or "lift", "tickvals": scale["tickvals"],
                                                      "ticktext": scale["ticktext"]}}))
    else:
        raise ConfigError(f"color_by must be 'parent', 'size' or 'lift', not {color_by!r}")
    fig.update_layout(**base_layout("Cluster map (visible base clusters, grouped by their parents)", height),
                      legend={"orientation": "h", "y": -0.02}, dragmode="pan", showlegend=True)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return fig
