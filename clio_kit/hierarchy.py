"""Offline hierarchy: base clusters grouped level by level with weighted k-means, parents named from children.

The top level's size is chosen from the data unless given: among about ``sqrt(n_base)`` (at least 4) to 15 groups, the
largest whose weighted k-means grouping of the base centroids scores near the best silhouette (cosine)
(``choose_n_top``); the pipeline passes
centroids of language-centred embeddings, so groups form by meaning rather than by language. The levels between
follow Clio's ratio rule ``n_l / n_(l-1) = (n_top / n_base) ** (1 / (L - 1))`` (``level_sizes``). Each level's nodes
are the weighted k-means clusters (weights = conversations) of the L2-normalised centroids of the level below; a
parent's centroid is the size-weighted mean of its children's. The offline backend names each parent from its own
conversations' phrases against its siblings' (k-anonymous, as base names); ``name_parents`` (from the children's
keywords only) is the fallback when no conversation text is given.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> centroids = np.vstack([rng.normal(c, 0.05, size=(10, 4)) for c in np.eye(4) * 3])
>>> tree = CentroidHierarchy(n_levels=2, n_top=4).fit(centroids, [5] * 40)
>>> [len(c) for c in tree.centroids_], len(set(tree.parents_[0][:10].tolist()))
([40, 4], 1)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator

from .centroids import as_counts, l2_normalise, parent_centroids
from .errors import ConfigError
from .naming import ClusterLabel, describe, format_name, select_keywords

__all__ = ["level_sizes", "default_n_top", "choose_n_top", "top_level_range", "CentroidHierarchy", "name_parents"]

MAX_DEFAULT_TOP = 30
TOP_LEVEL_RANGE = (4, 15)  # top-level sizes a reader can take in at a glance; the data picks one of them
# A larger top size within this share of the best silhouette is preferred: splitting a true category costs Clio's
# accuracy little, merging two costs much, and silhouettes of diffuse data are flat near their peak. The margin is
# at most SILHOUETTE_MAX_MARGIN: a sharp peak (well-separated groups, silhouette near 1) is taken as it is. Chosen
# on dev data only (synthetic hierarchies, the bundled set, BBC News articles disjoint from the reported 600):
# benchmarks/top_level.py.
SILHOUETTE_TOLERANCE = 0.10
SILHOUETTE_MAX_MARGIN = 0.05
GROUPING_RESTARTS = 20  # k-means restarts when grouping centroids into parents


def level_sizes(n_base: int, n_top: int, n_levels: int) -> list[int]:
    """Nodes per level, base first, by Clio's ratio rule; strictly decreasing, so levels may collapse.

    Level ``l`` has ``round(n_base * (n_top / n_base) ** (l / (L - 1)))`` nodes; rounded sizes that would not
    shrink from the level below are dropped (3 base clusters and 2 top ones give 2 levels, not 3).

    >>> level_sizes(1000, 10, 3)
    [1000, 100, 10]
    >>> level_sizes(3, 2, 3)
    [3, 2]
    >>> level_sizes(50, 50, 3)
    [50]
    """
    if n_base < 1 or n_top < 1 or n_levels < 1:
        raise ConfigError("n_base, n_top and n_levels must be at least 1")
    if n_top > n_base:
        raise ConfigError(f"n_top ({n_top}) cannot exceed n_base ({n_base})")
    sizes = [n_base]
    if n_levels == 1:
        return sizes
    ratio = (n_top / n_base) ** (1.0 / (n_levels - 1))
    for level in range(1, n_levels):
        size = n_top if level == n_levels - 1 else max(n_top, int(round(n_base * ratio ** level)))
        if size < sizes[-1]:
            sizes.append(size)
    return sizes


def top_level_range(n_base: int) -> tuple[int, int]:
    """Candidate top-level sizes for ``n_base`` base clusters: from ``round(sqrt(n_base))`` (at least 4) to 15.

    The floor grows with the data as Clio's levels do: a few hundred conversations (about 25 base clusters) get at
    least 5 top clusters, a few thousand (45) at least 7, so broad categories are not merged because one grouping's
    silhouette happens to peak low (on BBC News dev articles it rarely bites: ``benchmarks/top_level.py``).

    >>> top_level_range(20), top_level_range(24), top_level_range(45), top_level_range(1000)
    ((4, 15), (5, 15), (7, 15), (15, 15))
    """
    low, high = TOP_LEVEL_RANGE
    return min(max(low, round(math.sqrt(max(n_base, 0)))), high), high


def default_n_top(n_base: int) -> int:
    """Top-level size by rule, for the LLM hierarchy when none is given (the offline :class:`CentroidHierarchy`
    chooses from the data with :func:`choose_n_top`): about the square root of ``n_base``, at least 2, at most 30.

    Fewer than 3 base clusters get no grouping (the top is the base).

    >>> default_n_top(1000), default_n_top(100), default_n_top(3), default_n_top(2)
    (30, 10, 2, 2)
    """
    if n_base <= 2:
        return max(n_base, 1)
    return int(min(MAX_DEFAULT_TOP, max(2, round(math.sqrt(n_base))), n_base - 1))


class CentroidHierarchy(BaseEstimator):
    """Group base clusters into ``n_levels`` levels (the base included) by weighted k-means of centroids.

    ``n_top`` is the top level's size; ``None`` chooses it from the data (:func:`choose_n_top`: about
    ``sqrt(n_base)``, at least 4, to 15 groups, the largest near the best silhouette). Learned: ``parents_``
    (``parents_[l][i]`` = index at level ``l + 1`` of the parent of node ``i`` at level ``l``); ``centroids_`` and
    ``sizes_`` per level, base first; ``level_sizes_`` (nodes per level); ``top_scores_`` (candidate top size ->
    silhouette; empty when ``n_top`` was given or nothing was to choose). Every parent has at least one child
    (parents are re-indexed 0..n-1 in order of first child). With too few base clusters the hierarchy has fewer
    levels (``len(centroids_)``), down to the base alone.

    >>> tree = CentroidHierarchy(n_levels=3, n_top=2).fit(np.eye(6), [1, 2, 3, 4, 5, 6])
    >>> tree.level_sizes_, int(tree.sizes_[-1].sum())
    ([6, 3, 2], 21)
    """

    def __init__(self, n_levels: int = 3, n_top: int | None = None, random_state: int = 0):
        self.n_levels = n_levels
        self.n_top = n_top
        self.random_state = random_state

    def fingerprint(self) -> dict[str, object]:
        """Parameters plus the top-size rule's version: runs cached under an older rule are rebuilt."""
        return {**self.get_params(deep=False), "top_level_rule": "silhouette-sqrt-15/4"}

    def fit(self, centroids: np.ndarray, sizes: Sequence[int], labels: Mapping[int, object] | None = None, *,
            embedder: object = None, backend: object = None) -> "CentroidHierarchy":
        """Build the levels above ``centroids`` (one row per base cluster, ``sizes`` its conversations).

        ``labels``, ``embedder`` and ``backend`` complete the one signature every hierarchy shares
        (:class:`clio_kit.contracts.Hierarchy`); grouping by centroids needs none of them."""
        centroids, weights = checked_base_clusters(centroids, sizes)
        self.top_scores_: dict[int, float] = {}
        n_top = self.n_top
        if n_top is None and self.n_levels > 1:
            n_top, self.top_scores_ = choose_n_top_with_scores(l2_normalise(centroids), weights, self._group)
        targets = level_sizes_for(len(centroids), n_top, self.n_levels)

        self.parents_: list[np.ndarray] = []
        self.centroids_: list[np.ndarray] = [centroids]
        self.sizes_: list[np.ndarray] = [as_counts(weights)]
        current, current_weights = centroids, weights
        for target in targets[1:]:
            parent_of = self._group(l2_normalise(current), current_weights, target)
            n_parents = int(parent_of.max()) + 1
            if n_parents >= len(current):  # no grouping happened (duplicate centroids): stop here
                break
            current, current_weights = parent_centroids(current, current_weights, parent_of, n_parents)
            self.parents_.append(parent_of)
            self.centroids_.append(current)
            self.sizes_.append(np.bincount(parent_of, weights=self.sizes_[-1], minlength=n_parents)
                               .astype(self.sizes_[-1].dtype))
        self.level_sizes_ = [len(c) for c in self.centroids_]
        return self

    def fit_summary(self) -> dict[str, object]:
        """What the pipeline records about the fit: each candidate top size's silhouette, when it was chosen."""
        if not self.top_scores_:
            return {}
        return {"top_level_silhouette": {str(k): round(v, 4) for k, v in self.top_scores_.items()}}

    def _group(self, points: np.ndarray, weights: np.ndarray, n_groups: int) -> np.ndarray:
        return weighted_kmeans_groups(points, weights, n_groups, self.random_state)

    def ancestors(self, level: int) -> np.ndarray:
        """For each base cluster, the index of its ancestor at ``level`` (0 = itself).

        >>> CentroidHierarchy(n_levels=2, n_top=2).fit(np.eye(4), [1, 1, 1, 1]).ancestors(0).tolist()
        [0, 1, 2, 3]
        """
        return ancestors_at(self.parents_, len(self.centroids_[0]), level)


def weighted_kmeans_groups(points: np.ndarray, weights: np.ndarray, n_groups: int,
                           random_state: int = 0) -> np.ndarray:
    """Weighted k-means of ``points`` into at most ``n_groups`` groups, numbered 0.. in order of first member.

    >>> weighted_kmeans_groups(np.array([[0.0], [0.1], [5.0]]), np.array([1.0, 1.0, 1.0]), 2).tolist()
    [0, 0, 1]
    """
    from sklearn.cluster import KMeans

    sample_weight = weights if weights.sum() > 0 else None
    if sample_weight is not None:  # a zero-size child still needs a parent: give it a tiny weight
        sample_weight = np.maximum(sample_weight, sample_weight[sample_weight > 0].min() * 1e-6)
    n_distinct = len(np.unique(points.round(10), axis=0))  # duplicates cannot fill more groups
    # many restarts: groupings of a few dozen centroids have many poor local optima (and they are cheap); on BBC News
    # dev articles 20 instead of 4 raised top-level accuracy from 0.84 to 0.88 (benchmarks/top_level.py)
    model = KMeans(n_clusters=min(n_groups, n_distinct), n_init=GROUPING_RESTARTS, random_state=random_state)
    labels = model.fit_predict(points, sample_weight=sample_weight)
    _, first_seen = np.unique(labels, return_index=True)
    order = np.argsort(first_seen)  # old label ids by first child
    remap = np.empty(labels.max() + 1, dtype=np.int64)
    remap[np.unique(labels)[order]] = np.arange(len(order))
    return remap[labels]


def choose_n_top(centroids: np.ndarray, sizes: Sequence[int], *, k_range: tuple[int, int] | None = None,
                 random_state: int = 0) -> int:
    """The top level's size for these base clusters: the largest k in ``k_range`` (default
    :func:`top_level_range`: ``round(sqrt(n_base))``, at least 4, to 15) whose weighted
    k-means grouping of the L2-normalised centroids has a silhouette (cosine distance) within 10% of
    the best (``SILHOUETTE_TOLERANCE``; at most 0.05, so a sharp peak of well-separated groups is kept): among
    near-equal groupings the finer one, since merging two true categories costs a reader more than splitting one.

    With fewer distinct base clusters than ``k_range`` needs, the range shrinks to at most ``n - 1`` groups
    (so the top level still groups something); 2 or fewer base clusters are not grouped.

    >>> rng = np.random.default_rng(0)
    >>> centres = np.eye(8)[:6] * 3
    >>> points = np.vstack([rng.normal(c, 0.1, size=(5, 8)) for c in centres])
    >>> choose_n_top(points, [10] * 30)
    6
    """
    centroids, weights = checked_base_clusters(centroids, sizes)
    points = l2_normalise(centroids)
    return choose_n_top_with_scores(points, weights, lambda p, w, k: weighted_kmeans_groups(p, w, k, random_state),
                         k_range, random_state)[0]


def choose_n_top_with_scores(points: np.ndarray, weights: np.ndarray, group,
                             k_range: tuple[int, int] | None = None,
                             random_state: int = 0) -> tuple[int, dict[int, float]]:
    """``(k, {candidate k: silhouette})`` for normalised ``points``, grouped by ``group(points, weights, k)``;
    ``k_range`` defaults to :func:`top_level_range` of the number of points."""
    from sklearn.metrics import silhouette_score

    k_range = top_level_range(len(points)) if k_range is None else k_range

    n_distinct = len(np.unique(points.round(10), axis=0))
    if n_distinct <= 2:
        return max(n_distinct, 1), {}
    high = min(k_range[1], n_distinct - 1)
    low = max(2, min(k_range[0], high))
    if low == high:
        return low, {}
    sample = min(len(points), 3000)  # silhouette is quadratic: score a fixed sample of very many base clusters
    scores: dict[int, float] = {}
    for k in range(low, high + 1):
        labels = group(points, weights, k)
        if len(np.unique(labels)) < 2:
            continue
        scores[k] = float(silhouette_score(points, labels, metric="cosine", sample_size=sample,
                                           random_state=random_state))
    if not scores:
        return low, {}
    return largest_near_best(scores), scores


def largest_near_best(scores: Mapping[int, float]) -> int:
    """The largest candidate size whose silhouette is within ``SILHOUETTE_TOLERANCE`` (10%) of the best, and within
    ``SILHOUETTE_MAX_MARGIN`` (0.05).

    >>> largest_near_best({4: 0.160, 5: 0.150, 6: 0.120}), largest_near_best({8: 0.97, 9: 0.90})
    (5, 8)
    """
    best = max(scores.values())
    near_best = best - min(SILHOUETTE_TOLERANCE * abs(best), SILHOUETTE_MAX_MARGIN)
    return max(k for k, score in scores.items() if score >= near_best)


def ancestors_at(parents: Sequence[np.ndarray], n_base: int, level: int) -> np.ndarray:
    """For each of ``n_base`` base clusters, its ancestor at ``level`` (0 = itself), following ``parents``
    (``parents[l][i]``: the parent of node ``i`` of level ``l``).

    >>> ancestors_at([np.array([0, 0, 1]), np.array([0, 0])], 3, 2).tolist()
    [0, 0, 0]
    """
    if not 0 <= level <= len(parents):
        raise ConfigError(f"level must be in 0..{len(parents)}")
    node = np.arange(n_base)
    for parent_of in parents[:level]:
        node = parent_of[node]
    return node


def level_sizes_for(n_base: int, n_top: int | None, n_levels: int) -> list[int]:
    """:func:`level_sizes` with a hierarchy's parameters: ``n_top`` ``None`` means :func:`default_n_top`.

    >>> level_sizes_for(6, 2, 3)
    [6, 3, 2]
    """
    top = default_n_top(n_base) if n_top is None else min(int(n_top), n_base)
    return level_sizes(n_base, max(top, 1), max(int(n_levels), 1))


def checked_base_clusters(centroids: np.ndarray, sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(centroids, sizes)`` as float arrays, or a ``ValueError`` saying what is wrong with them.

    >>> checked_base_clusters([[1.0, 0.0]], [3])[1]
    array([3.])
    """
    centroids = np.asarray(centroids, dtype=np.float64)
    weights = np.asarray(sizes, dtype=np.float64)
    if centroids.ndim != 2 or len(centroids) == 0:
        raise ConfigError("centroids must be a non-empty 2-D array (one row per base cluster)")
    if len(weights) != len(centroids):
        raise ConfigError(f"sizes has {len(weights)} entries for {len(centroids)} centroids")
    if (weights < 0).any() or not np.isfinite(weights).all():
        raise ConfigError("sizes must be finite and non-negative")
    return centroids, weights


def name_parents(child_labels: Mapping[int, ClusterLabel], child_sizes: Mapping[int, int],
                 parent_of: Mapping[int, int], n_keywords: int = 6,
                 max_name_words: int = 10) -> dict[int, ClusterLabel]:
    """Name each parent from its children's keywords, weighted by child size and keyword rank.

    A keyword at rank ``r`` (0 = best) of a child with ``s`` conversations scores ``s / (r + 1)``; a parent keeps
    its best-scoring keywords (no new words: a phrase that passed the k-user rule in a child stays safe). Parents
    whose children have no keywords get the generic name.

    >>> kids = {0: ClusterLabel("Python, error", "", ("python", "error")),
    ...         1: ClusterLabel("Python, pandas", "", ("python", "pandas"))}
    >>> name_parents(kids, {0: 10, 1: 5}, {0: 0, 1: 0})[0].name
    'Python, error, pandas'
    """
    scores: dict[int, dict[str, float]] = {}
    children: dict[int, int] = {}
    for child, parent in parent_of.items():
        parent = int(parent)
        children[parent] = children.get(parent, 0) + 1
        bucket = scores.setdefault(parent, {})
        label = child_labels.get(child)
        if label is None:
            continue
        size = float(child_sizes.get(child, 1))
        for rank, keyword in enumerate(label.keywords):
            bucket[keyword] = bucket.get(keyword, 0.0) + size / (rank + 1)
    named: dict[int, ClusterLabel] = {}
    for parent in sorted(scores):
        ranked = sorted(scores[parent], key=lambda k: (-scores[parent][k], k))
        keywords = select_keywords(ranked, n_keywords, scores[parent])
        source = f"key phrases of {children[parent]} sub-cluster{'s' if children[parent] != 1 else ''}"
        if not keywords:
            named[parent] = ClusterLabel(format_name([], max_name_words), describe([], None, source), ())
            continue
        named[parent] = ClusterLabel(format_name(keywords, max_name_words), describe(keywords, None, source),
                                     tuple(keywords))
    return named
