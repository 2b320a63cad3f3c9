"""The name and hierarchy stages' tables: cluster labels as rows, and rows back as labels.

The pipeline's name stage writes one row per base cluster (:func:`labels_frame`); the hierarchy stage reads them
back (:func:`labels_from_frame`), adds the levels above, and writes one row per cluster at every level with ids
unique across levels (:func:`hierarchy_frame`) plus each conversation's cluster at every level
(:func:`ancestor_ids`).

>>> from clio_kit.naming import ClusterLabel
>>> named = [{0: ClusterLabel("Baking bread", "", ("bread",)), 1: ClusterLabel("Fixing Python", "", ("python",))},
...          {0: ClusterLabel("Everyday help", "", ())}]
>>> parents = [np.array([0, 0])]
>>> frame = hierarchy_frame(named, parents, [{0: 3, 1: 2}, {0: 5}], base_sources={}, source="offline")
>>> frame[["cluster_id", "level", "parent_id", "name"]].values.tolist()
[[0, 0, 2, 'Baking bread'], [1, 0, 2, 'Fixing Python'], [2, 1, <NA>, 'Everyday help']]
>>> ancestor_ids(np.array([1, 0, 1]), parents, [{0: 3, 1: 2}, {0: 5}]).tolist()
[[1, 2], [0, 2], [1, 2]]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .naming import ClusterLabel

__all__ = ["labels_frame", "labels_from_frame", "offline_stand_ins", "hierarchy_frame", "ancestor_ids"]


def _label_fields(label: Any) -> dict[str, Any]:
    """The columns every cluster row carries, from a :class:`~clio_kit.naming.ClusterLabel` or a look-alike."""
    return {"name": getattr(label, "name", "Unnamed cluster"), "description": getattr(label, "description", ""),
            "keywords": list(getattr(label, "keywords", ())), "topic": getattr(label, "topic", ""),
            "topic_similarity": float(getattr(label, "topic_similarity", np.nan)),
            "topic_margin": float(getattr(label, "topic_margin", np.nan))}


def labels_frame(named: Mapping[int, Any], clusters: Iterable[int], source: str = "offline") -> pd.DataFrame:
    """One row per base cluster: its label's fields and ``name_source`` (the label's own, else ``source``)."""
    return pd.DataFrame([{"cluster": int(cluster), **_label_fields(named.get(cluster)),
                          "name_source": getattr(named.get(cluster), "source", source)} for cluster in clusters])


def labels_from_frame(frame: pd.DataFrame) -> dict[int, ClusterLabel]:
    """The labels a :func:`labels_frame` table holds, by cluster."""
    return {int(r.cluster): ClusterLabel(r.name, r.description, tuple(r.keywords), r.topic or "",
                                         float(getattr(r, "topic_similarity", np.nan)),
                                         float(getattr(r, "topic_margin", np.nan)))
            for r in frame.itertuples()}


def offline_stand_ins(named: Mapping[int, Any]) -> dict[int, ClusterLabel]:
    """Offline key-phrase names standing in for model names that used wording too few users share."""
    return {key: ClusterLabel(label.name, "Named offline from key phrases: the model's name used wording that too "
                              f"few users share. {label.description}", tuple(label.keywords),
                              getattr(label, "topic", ""))
            for key, label in named.items()}


def _offsets(level_sizes: Sequence[Any]) -> np.ndarray:
    """Global id of each level's first cluster: level 0 first, then level 1, ..."""
    return np.cumsum([0] + [len(s) for s in level_sizes])


def hierarchy_frame(all_labels: Sequence[Mapping[int, Any]], parents: Sequence[np.ndarray],
                    level_sizes: Sequence[Mapping[int, int]], *, base_sources: Mapping[int, str],
                    source: str) -> pd.DataFrame:
    """One row per cluster at every level: a global ``cluster_id``, ``level``, ``parent_id`` (null at the top),
    its label's fields and ``name_source`` (base clusters: ``base_sources``; parents: the label's own, else
    ``source``)."""
    offsets = _offsets(level_sizes)
    rows: list[dict[str, Any]] = []
    for level, named in enumerate(all_labels):
        for index in range(len(level_sizes[level])):
            label = named.get(index) or ClusterLabel("Unnamed cluster", "", ())
            parent = int(offsets[level + 1] + parents[level][index]) if level < len(parents) else None
            rows.append({"cluster_id": int(offsets[level] + index), "level": level, "parent_id": parent,
                         **_label_fields(label),
                         "name_source": base_sources.get(index, "offline") if level == 0
                         else getattr(label, "source", source)})
    clusters = pd.DataFrame(rows)
    clusters["parent_id"] = clusters["parent_id"].astype("Int64")
    return clusters


def ancestor_ids(labels: np.ndarray, parents: Sequence[np.ndarray], level_sizes: Sequence[Any]) -> np.ndarray:
    """Each conversation's global cluster id at every level (one column per level, base first)."""
    offsets = _offsets(level_sizes)
    ancestors = np.empty((len(labels), len(level_sizes)), dtype=np.int64)
    node = np.asarray(labels).copy()
    for level in range(len(level_sizes)):
        ancestors[:, level] = offsets[level] + node
        if level < len(parents):
            node = parents[level][node]
    return ancestors
