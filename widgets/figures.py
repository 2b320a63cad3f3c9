"""Plotly figures built from privacy-gated aggregates (one point or bar per cluster, never per conversation).

Suppressed cells arrive as NaN from :class:`clio_kit.PrivacyView` and stay gaps here: no figure prints a number for
them, and absent cells look the same as suppressed ones, so a gap never reveals that a rare value exists.

>>> import pandas as pd
>>> fig = distribution_bar(pd.DataFrame({"value": ["en", "es"], "n_conversations": [90, 10], "share": [.9, .1]}),
...                        "language")
>>> [float(x) for x in fig.data[0].x]
[0.9, 0.1]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from clio_kit.report import lift_scale

from .data import GatedData

__all__ = [
    "cluster_map",
    "crosstab_bars",
    "distribution_bar",
    "empty",
    "lift_bars",
    "lift_heatmap",
    "short",
    "sunburst",
    "trend_lines",
]

_FONT = {"family": "system-ui, sans-serif", "size": 12}
_PALETTE = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2", "#FF9DA6", "#9D755D",
            "#BAB0AC"]


def short(text: str, width: int = 48) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _base_layout(title: str, height: int) -> dict[str, object]:
    # the "none" template plus a few settings: building "plotly_white" costs ~60 ms per figure
    axis = {"gridcolor": "#eee", "zerolinecolor": "#ccc", "linecolor": "#ccc", "automargin": True}
    return {"title": {"text": title, "font": {"size": 14}, "x": 0.01}, "height": height, "font": _FONT,
                "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "template": "none", "paper_bgcolor": "white",
                "plot_bgcolor": "white", "xaxis": axis, "yaxis": axis, "colorway": _PALETTE}


def empty(message: str, height: int = 200) -> go.Figure:
    """A blank figure that says why it is blank (a text trace, not an annotation: live widgets merge layouts,
    so an annotation would outlive the message when the figure is replaced)."""
    fig = go.Figure(go.Scatter(x=[0], y=[0], mode="text", text=[message], hoverinfo="skip", showlegend=False,
                               textfont={"size": 13, "color": "#555"}), layout=_base_layout("", height))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def sunburst(data: GatedData, height: int = 460) -> go.Figure:
    """The visible hierarchy as a sunburst (ids are :class:`widgets.data.TreeNode` keys)."""
    nodes = list(data.nodes.values())
    fig = go.Figure(go.Sunburst(
        ids=[n.key for n in nodes], labels=[short(n.name, 32) for n in nodes],
        parents=[n.parent_key or "" for n in nodes], values=[n.n_conversations for n in nodes],
        branchvalues="total", customdata=[[n.name, n.share] for n in nodes],
        hovertemplate="%{customdata[0]}<br>%{value:,} conversations (%{customdata[1]:.1%})<extra></extra>",
        marker={"colors": [("#d9d9d9" if n.is_other else None) for n in nodes]},
        insidetextorientation="horizontal", maxdepth=3))
    # a label too small to read is left out (hover still names it), never drawn in 4-pixel type
    fig.update_layout(**_base_layout("Hierarchy (share of all conversations)", height),
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
                             frame["q_value"]], axis=1),
        hovertemplate=("%{customdata[0]}<br>lift %{x:.2f} [%{customdata[2]:.2f}–%{customdata[3]:.2f}]"
                       "<br>%{customdata[1]:,} conversations, q=%{customdata[4]:.3g}<extra></extra>")))
    fig.add_trace(go.Scatter(x=[1.0, 1.0], y=[fig.data[0].y[0], fig.data[0].y[-1]], mode="lines", hoverinfo="skip",
                             showlegend=False, line={"dash": "dot", "color": "#888", "width": 1}))  # lift = 1
    fig.update_layout(**_base_layout(f"Lift of {facet} = {value} by cluster (95% CI{left_out})", height or
                                     max(260, 26 * len(frame) + 80)))
    fig.update_xaxes(title="lift (share in cluster / share overall)", rangemode="tozero")
    return fig


def lift_heatmap(data: GatedData, facet: str, level: int, n_clusters: int = 15, n_values: int = 12,
                 highlight: str | None = None) -> go.Figure:
    """Facet values x the largest clusters at ``level``, coloured by log2 lift; suppressed cells are gaps."""
    values = data.facet_values(facet)[:n_values]
    clusters = data.clusters(level).head(n_clusters)
    if not values or clusters.empty:
        return empty("Nothing to show above the privacy thresholds.")
    rates = data.cells(facet, level)
    lift = rates.pivot_table(index="value", columns="cluster_id", values="lift", aggfunc="first")
    lift = lift.reindex(index=values, columns=clusters["cluster_id"].tolist())
    z = np.log2(lift.to_numpy(dtype=float))
    labels = [f"{short(n, 28)} ({c})" for n, c in zip(clusters["name"], clusters["cluster_id"])]
    text = [[("" if math.isnan(v) else f"{2 ** v:.2f}×") for v in row] for row in z]
    scale = lift_scale(z.ravel())
    rows = [f"{v} ◀" if v == highlight else v for v in values]
    fig = go.Figure(go.Heatmap(
        z=z, x=labels, y=rows, text=text, colorscale="RdBu_r", zmid=0, zmin=scale["zmin"], zmax=scale["zmax"],
        hoverongaps=False, xgap=1, ygap=1, hovertemplate="%{x}<br>" + facet + " = %{y}: lift %{text}<extra></extra>",
        colorbar={"title": "lift", "tickvals": scale["tickvals"], "ticktext": scale["ticktext"]}))
    gaps = [(x, y) for y, row in zip(rows, z) for x, v in zip(labels, row) if math.isnan(v)]
    fig.add_trace(suppressed_marks([x for x, _ in gaps], [y for _, y in gaps]))
    fig.update_layout(**_base_layout(f"Lift of each {facet} value in the {len(labels)} largest clusters",
                                     170 + 26 * len(values) + 8 * max(map(len, labels))),
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"})
    fig.update_xaxes(tickangle=-35, type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def suppressed_marks(x: list, y: list) -> go.Scatter:
    """A text trace writing "suppressed" at each (x, y) cell, with its legend entry: charts say it in words."""
    return go.Scatter(x=x, y=y, mode="text", text=["suppressed"] * len(x), textfont={"size": 9, "color": "#777"},
                      hoverinfo="skip", showlegend=bool(x), name="suppressed (below the privacy thresholds) or none")


def distribution_bar(distribution: pd.DataFrame, facet: str) -> go.Figure:
    """Share of conversations per facet value (values below the thresholds arrive pooled in one row)."""
    frame = distribution.head(25)
    fig = go.Figure(go.Bar(x=frame["share"], y=[short(v, 40) for v in frame["value"].astype(str)], orientation="h",
                           marker_color="#54A24B", customdata=frame["n_conversations"],
                           hovertemplate="%{y}: %{x:.1%} (%{customdata:,} conversations)<extra></extra>"))
    fig.update_layout(**_base_layout(f"Distribution of {facet}", max(220, 24 * len(frame) + 80)))
    fig.update_yaxes(autorange="reversed", type="category")  # values like "1".."5" are categories, not numbers
    fig.update_xaxes(tickformat=".0%")
    return fig


def crosstab_bars(shown: pd.DataFrame, clusters: pd.DataFrame, facet: str, values: list[str]) -> go.Figure:
    """Stacked bars: each cluster's conversations split by facet value (share of the cluster).

    ``shown`` holds the shown cells (:meth:`widgets.GatedData.cells`); suppressed (or absent) cells are gaps.
    """
    if shown.empty or clusters.empty or not values:
        return empty("Nothing to show above the privacy thresholds.")
    ids = clusters["cluster_id"].tolist()
    labels = [f"{short(n, 36)} ({c})" for n, c in zip(clusters["name"], clusters["cluster_id"])]
    fig = go.Figure()
    for i, value in enumerate(values):
        cells = shown[shown["value"] == value].set_index("cluster_id").reindex(ids)
        fig.add_trace(go.Bar(y=labels, x=cells["share_in_cluster"], name=short(str(value), 24), orientation="h",
                             marker_color=_PALETTE[i % len(_PALETTE)], customdata=cells["n_conversations"],
                             hovertemplate="%{y}<br>" + f"{facet} = {value}: " +
                                           "%{x:.1%} (%{customdata:,})<extra></extra>"))
    fig.update_layout(**_base_layout(f"{facet} within each cluster (gaps: suppressed or none)",
                                     max(260, 24 * len(labels) + 100)), barmode="stack")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    return fig


def trend_lines(trend: pd.DataFrame, title: str, height: int = 280, share: bool = False) -> go.Figure:
    """Conversations (or share of shown conversations) per period, one line per cluster; suppressed periods are
    gaps, and periods without a row look the same."""
    if trend.empty or trend["n_conversations"].notna().sum() == 0:
        return empty("No timestamps, or every period is below the privacy thresholds.", height)
    periods = sorted(trend["period"].unique())
    wide = trend.pivot_table(index="period", columns="cluster_id", values="n_conversations", aggfunc="first",
                             dropna=False).reindex(periods)
    if share:
        wide = wide.div(wide.sum(axis=1, skipna=True).replace(0, np.nan), axis=0)
    names = trend.drop_duplicates("cluster_id").set_index("cluster_id")["name"]
    fig = go.Figure()
    for i, cid in enumerate(wide.columns):
        fig.add_trace(go.Scatter(x=wide.index, y=wide[cid], mode="lines+markers", name=short(names.get(cid, cid), 36),
                                 line={"color": _PALETTE[i % len(_PALETTE)]}, connectgaps=False,
                                 hovertemplate="%{x|%Y-%m-%d}: %{y" + (":.1%" if share else ":,") + "}<extra>"
                                               + str(names.get(cid, cid)) + "</extra>"))
    fig.update_layout(**_base_layout(title, height), legend={"orientation": "h", "y": -0.2})
    if share:
        fig.update_yaxes(tickformat=".0%")
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
                                     marker={"size": sizes[idx], "color": _PALETTE[i % len(_PALETTE)], "opacity": 0.8,
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
        raise ValueError(f"color_by must be 'parent', 'size' or 'lift', not {color_by!r}")
    fig.update_layout(**_base_layout("Cluster map (visible base clusters, grouped by their parents)", height),
                      legend={"orientation": "h", "y": -0.02}, dragmode="pan", showlegend=True)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return fig
