"""A deterministic 2-D layout of clusters: nested squarified treemap rectangles.

The gated view holds no embeddings or centroids, so the map cannot be a projection of meaning. Instead each
top-level cluster gets a region whose area is proportional to its size, each middle cluster a sub-region inside
it, and each base cluster a cell inside that; a cluster's point is its cell's centre. Neighbours on the map are
therefore siblings in the hierarchy: the hierarchy is the only notion of "nearby" the gated view offers.

>>> rects = squarify([3.0, 1.0], 0, 0, 4, 1)
>>> [round(r[2], 2) for r in rects]      # widths: 3/4 and 1/4 of the strip
[3.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .data import GatedData

__all__ = ["cluster_layout", "squarify"]

Rect = tuple[float, float, float, float]  # x, y, width, height


def squarify(sizes: Sequence[float], x: float, y: float, width: float, height: float) -> list[Rect]:
    """Squarified treemap (Bruls, Huizing & van Wijk 2000): rectangles for ``sizes`` (in the given order, which
    should be descending) filling the rectangle, with aspect ratios close to 1."""
    total = float(sum(sizes))
    if not sizes or total <= 0 or width <= 0 or height <= 0:
        return [(x, y, 0.0, 0.0) for _ in sizes]
    scaled = [s * width * height / total for s in sizes]
    rects: list[Rect] = []
    start = 0
    while start < len(scaled):
        short = min(width, height)
        row = [scaled[start]]
        end = start + 1
        while end < len(scaled) and _worst(row + [scaled[end]], short) <= _worst(row, short):
            row.append(scaled[end])
            end += 1
        area = sum(row)
        if width >= height:  # lay the row out as a column on the left
            column_w = area / height
            offset = y
            for a in row:
                h = a / column_w
                rects.append((x, offset, column_w, h))
                offset += h
            x, width = x + column_w, width - column_w
        else:  # a row along the bottom
            row_h = area / width
            offset = x
            for a in row:
                w = a / row_h
                rects.append((offset, y, w, row_h))
                offset += w
            y, height = y + row_h, height - row_h
        start = end
    return rects


def _worst(row: list[float], short: float) -> float:
    area = sum(row)
    if area <= 0:
        return float("inf")
    return max(max(short * short * r / (area * area), (area * area) / (short * short * r)) for r in row if r > 0)


def cluster_layout(data: GatedData, width: float = 100.0, height: float = 60.0) -> pd.DataFrame:
    """Visible base clusters placed by nested squarify over the visible hierarchy.

    Returns one row per visible level-0 cluster with ``cluster_id, name, n_conversations, n_users, share, x, y,
    w, h, top_id, top_name`` and, in ``attrs["regions"]``, one rectangle per visible top-level cluster.
    Hidden clusters (and "Other" remainders) take no space: the map shows only what the gate lets through.
    """
    nodes = data.nodes
    sizes: dict[str, float] = {}

    def visible_size(key: str) -> float:
        node = nodes[key]
        kids = [k for k in node.children if not nodes[k].is_other]
        if node.level == 0 or not kids:
            sizes[key] = float(node.n_conversations) if node.level == 0 else 0.0
        else:
            sizes[key] = sum(visible_size(k) for k in kids)
        return sizes[key]

    roots = [k for k in data.roots if not nodes[k].is_other]
    for key in roots:
        visible_size(key)
    rows: list[dict[str, object]] = []
    regions: list[dict[str, object]] = []

    def place(keys: list[str], rect: Rect, top: str | None) -> None:
        keys = sorted((k for k in keys if sizes.get(k, 0) > 0), key=lambda k: (-sizes[k], k))
        for key, (rx, ry, rw, rh) in zip(keys, squarify([sizes[k] for k in keys], *rect)):
            node = nodes[key]
            owner = top or key
            if top is None:
                regions.append({"cluster_id": node.cluster_id, "name": node.name, "x": rx, "y": ry, "w": rw, "h": rh})
            if node.level == 0:
                top_node = nodes[owner]
                rows.append({"cluster_id": node.cluster_id, "name": node.name,
                             "n_conversations": node.n_conversations, "n_users": node.n_users,
                             "share": node.share, "x": rx + rw / 2, "y": ry + rh / 2, "w": rw, "h": rh,
                             "top_id": top_node.cluster_id, "top_name": top_node.name})
            else:
                pad = min(rw, rh) * 0.03
                place([k for k in node.children if not nodes[k].is_other],
                      (rx + pad, ry + pad, max(rw - 2 * pad, 0), max(rh - 2 * pad, 0)), owner)

    place(roots, (0.0, 0.0, width, height), None)
    frame = pd.DataFrame(rows, columns=["cluster_id", "name", "n_conversations", "n_users", "share", "x", "y", "w",
                                        "h", "top_id", "top_name"])
    frame.attrs["regions"] = regions
    return frame
