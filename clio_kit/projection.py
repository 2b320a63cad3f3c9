"""2-D coordinates for clusters: Clio's map, as an aggregate (cluster centroids only, never conversations).

Base clusters are placed by t-SNE of their centroids (cosine; scikit-learn, one thread) when there are enough of
them, otherwise (or if it fails) by a deterministic PCA. A parent sits at the size-weighted mean of its children, so
every coordinate is a function of cluster-level aggregates. ``method="umap"`` gives Clio's UMAP layout instead
(cosine, ``min_dist=0``); it is not the default because importing umap and compiling its numba code costs 10-60 s
in every new process, more than the rest of a 2,000-conversation run after embedding, while a neighbour-preserving
layout of at most a few thousand centroids takes t-SNE about a second.

>>> import numpy as np
>>> xy = project_clusters(np.eye(4, 8), [1, 2, 3, 4])
>>> xy.shape
(4, 2)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["PROJECTION_VERSION", "MAP_MIN_CLUSTERS", "UMAP_MIN_CLUSTERS", "project_clusters",
           "fallback_projection", "hierarchy_coordinates"]

#: bump when the projection changes, so cached runs recompute their coordinates
PROJECTION_VERSION = 2
#: below this many base clusters, a neighbourhood layout is not meaningful: use PCA
MAP_MIN_CLUSTERS = 10
UMAP_MIN_CLUSTERS = MAP_MIN_CLUSTERS  # the name before t-SNE became the default


def _normalise(centroids: np.ndarray) -> np.ndarray:
    vectors = np.asarray(centroids, dtype=np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def fallback_projection(centroids: np.ndarray) -> np.ndarray:
    """Deterministic PCA of unit-normalised centroids to 2-D (zeros pad a missing second axis).

    >>> fallback_projection(np.array([[1.0, 0.0], [0.0, 1.0]])).shape
    (2, 2)
    """
    from sklearn.decomposition import PCA

    vectors = _normalise(centroids)
    out = np.zeros((len(vectors), 2))
    if len(vectors) < 2:
        return out
    n_components = min(2, len(vectors), vectors.shape[1])
    projected = PCA(n_components=n_components, svd_solver="full").fit_transform(vectors)
    out[:, :n_components] = projected
    return out


def _tsne_projection(centroids: np.ndarray, random_state: int) -> np.ndarray:
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    k = len(centroids)
    reducer = TSNE(n_components=2, perplexity=min(30.0, (k - 1) / 3), metric="cosine", init="pca",
                   random_state=random_state, n_jobs=1)
    # one thread: on a busy machine OpenMP's spinning threads made the same fit 20x slower
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xy = reducer.fit_transform(_normalise(centroids))
    xy = np.asarray(xy, dtype=np.float64)
    if xy.shape != (k, 2) or not np.isfinite(xy).all():
        raise ValueError("t-SNE returned an unusable embedding")
    return xy


def _umap_projection(centroids: np.ndarray, random_state: int) -> np.ndarray:
    import umap

    k = len(centroids)
    reducer = umap.UMAP(n_components=2, n_neighbors=min(15, k - 1), min_dist=0.0, metric="cosine",
                        random_state=random_state, init="spectral")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n_jobs overridden by random_state; spectral init fallbacks
        xy = reducer.fit_transform(_normalise(centroids))
    xy = np.asarray(xy, dtype=np.float64)
    if xy.shape != (k, 2) or not np.isfinite(xy).all():
        raise ValueError("UMAP returned an unusable embedding")
    return xy


def project_clusters(centroids: np.ndarray, sizes: Sequence[int] | np.ndarray,
                     random_state: int = 0, method: str = "tsne") -> np.ndarray:
    """``(k, 2)`` coordinates of ``k`` base-cluster centroids: t-SNE (or ``method="umap"``) when ``k >= 10``, else
    (or on failure) PCA.

    ``sizes`` (conversations per cluster) only checks the shape here; parents use it via
    :func:`hierarchy_coordinates`. Deterministic for a fixed ``random_state``.

    >>> project_clusters(np.eye(3), [5, 5, 5]).shape
    (3, 2)
    """
    centroids = np.asarray(centroids)
    if len(np.asarray(sizes)) != len(centroids):
        raise ConfigError(f"{len(centroids)} centroids but {len(np.asarray(sizes))} sizes")
    if method not in ("tsne", "umap"):
        raise ConfigError(f"method must be 'tsne' or 'umap', got {method!r}")
    if len(centroids) >= MAP_MIN_CLUSTERS:
        try:
            return (_umap_projection if method == "umap" else _tsne_projection)(centroids, random_state)
        except Exception:  # noqa: BLE001 - any layout failure (numba, OpenMP) falls back to the deterministic PCA
            pass
    return fallback_projection(centroids)


def hierarchy_coordinates(clusters: pd.DataFrame, base_xy: np.ndarray,
                          base_sizes: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """``x``, ``y`` for every row of a hierarchy table (``cluster_id, level, parent_id``), aligned to its index.

    Base clusters (level 0, ``cluster_id`` = row of ``base_xy``) take their projected point; each parent the
    size-weighted mean of its children's (an unweighted mean when all its children are empty).

    >>> table = pd.DataFrame({"cluster_id": [0, 1, 2], "level": [0, 0, 1], "parent_id": [2, 2, None]})
    >>> hierarchy_coordinates(table, np.array([[0.0, 0.0], [4.0, 2.0]]), [3, 1])["x"].tolist()
    [0.0, 4.0, 1.0]
    """
    xy: dict[int, np.ndarray] = {}
    size: dict[int, float] = {}
    children: dict[int, list[int]] = {}
    for cid, parent in zip(clusters["cluster_id"].astype(int), clusters["parent_id"]):
        if parent is not None and not pd.isna(parent):
            children.setdefault(int(parent), []).append(int(cid))
    for level in sorted(clusters["level"].unique()):
        rows = clusters[clusters["level"] == level]
        for cid in rows["cluster_id"].astype(int):
            if level == 0:
                xy[cid], size[cid] = np.asarray(base_xy[cid], dtype=np.float64), float(base_sizes[cid])
                continue
            kids = [k for k in children.get(cid, []) if k in xy]
            if not kids:
                xy[cid], size[cid] = np.array([np.nan, np.nan]), 0.0
                continue
            weights = np.array([size[k] for k in kids])
            weights = weights if weights.sum() > 0 else np.ones(len(kids))
            xy[cid] = np.average(np.stack([xy[k] for k in kids]), axis=0, weights=weights)
            size[cid] = float(sum(size[k] for k in kids))
    points = np.stack([xy[int(c)] for c in clusters["cluster_id"]]) if len(clusters) else np.zeros((0, 2))
    return pd.DataFrame({"x": points[:, 0], "y": points[:, 1]}, index=clusters.index)
