"""Cluster centroids as both hierarchies use them: unit vectors, size-weighted parent centroids, sizes as counts.

>>> import numpy as np
>>> l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
[[0.6, 0.8], [0.0, 0.0]]
>>> centres, sizes = parent_centroids(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([3.0, 1.0]), np.array([0, 0]), 1)
>>> centres.round(2).tolist(), as_counts(sizes).tolist()
([[0.75, 0.25]], [4])
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_counts", "l2_normalise", "parent_centroids"]


def as_counts(weights: np.ndarray) -> np.ndarray:
    """Whole-number sizes as int64 (they count conversations); others unchanged."""
    return weights.astype(np.int64) if np.all(weights == weights.round()) else weights


def l2_normalise(points: np.ndarray) -> np.ndarray:
    """Each row scaled to unit length (zero rows stay zero): cosine geometry for k-means and centroids."""
    norms = np.linalg.norm(points, axis=1, keepdims=True)
    return points / np.where(norms > 0, norms, 1.0)


def parent_centroids(points: np.ndarray, weights: np.ndarray, parent_of: np.ndarray,
                     n_parents: int) -> tuple[np.ndarray, np.ndarray]:
    """Size-weighted mean of each parent's (normalised) children, and the parents' total sizes."""
    normalised = l2_normalise(points)
    totals = np.bincount(parent_of, weights=weights, minlength=n_parents)
    counts = np.bincount(parent_of, minlength=n_parents)
    safe = np.where(totals[parent_of] > 0, weights, 1.0)  # all-zero parents: plain mean of children
    denominators = np.where(totals > 0, totals, counts)
    sums = np.zeros((n_parents, points.shape[1]))
    np.add.at(sums, parent_of, normalised * safe[:, None])
    return sums / denominators[:, None], totals
