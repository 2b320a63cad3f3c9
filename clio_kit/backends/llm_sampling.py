"""Which summaries name a cluster: Clio's contrastive sample, deterministic for a given seed.

A cluster is named from up to 50 of its own summaries (a seeded random sample, so a re-run sends the same
request and hits the response cache) and up to 50 summaries from OUTSIDE it that lie nearest to its centroid, so
the name says what sets the cluster apart from its neighbours rather than from random far-away material.

>>> vecs = np.array([[1, 0], [1, 0.1], [0.9, 0.2], [0, 1], [-1, 0]], dtype=float)
>>> ContrastiveSampler(["a", "b", "c", "d", "e"], np.array([0, 0, 1, 1, 1]), vecs, n_out=1).sample(1)
(['c', 'e', 'd'], ['b'])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["ContrastiveSampler", "sample_cluster_texts"]


def sample_cluster_texts(texts: Sequence[str], labels: np.ndarray, embeddings: np.ndarray, cluster: int, *,
                         n_in: int = 50, n_out: int = 50, seed: int = 0) -> tuple[list[str], list[str]]:
    """Clio's naming sample: up to ``n_in`` distinct summaries from inside ``cluster`` (a seeded random sample)
    and up to ``n_out`` distinct summaries from outside it, nearest to the cluster's centroid (cosine).

    >>> vecs = np.array([[1, 0], [1, 0.1], [0.9, 0.2], [0, 1], [-1, 0]], dtype=float)
    >>> sample_cluster_texts(["a", "b", "c", "d", "e"], np.array([0, 0, 1, 1, 1]), vecs, 0, n_in=5, n_out=2)
    (['a', 'b'], ['c', 'd'])
    """
    return ContrastiveSampler(texts, labels, embeddings, n_in=n_in, n_out=n_out, seed=seed).sample(cluster)


class ContrastiveSampler:
    """Draws naming samples for many clusters from one set of summaries and embeddings.

    Centroids are computed once. Up to ``exact_limit`` summaries, the nearest out-of-cluster summaries are found
    among all of them; beyond it, among the members of the clusters whose centroids are nearest (enough of them
    to hold ``candidates`` summaries), which keeps naming linear in the data (a million summaries, a thousand
    clusters) while the nearest outsiders almost always live in neighbouring clusters anyway.
    """

    def __init__(self, texts: Sequence[str], labels: np.ndarray, embeddings: np.ndarray, *, n_in: int = 50,
                 n_out: int = 50, seed: int = 0, exact_limit: int = 50_000, candidates: int = 10_000) -> None:
        self.texts = texts
        self.labels = np.asarray(labels)
        self.vectors = embeddings
        self.n_in, self.n_out, self.seed = n_in, n_out, seed
        self.clusters = np.unique(self.labels)
        self.members = {int(c): np.flatnonzero(self.labels == c) for c in self.clusters}
        self.exact = len(self.labels) <= exact_limit
        self.candidates = candidates
        dim = int(np.asarray(embeddings[:1]).shape[1]) if len(self.labels) else 0
        sums = np.zeros((len(self.clusters), dim))
        position = {int(c): i for i, c in enumerate(self.clusters)}
        self.norms = np.empty(len(self.labels))
        for start in range(0, len(self.labels), 65_536):  # chunked: embeddings may be a memory map
            block = np.asarray(embeddings[start:start + 65_536], dtype=np.float64)
            self.norms[start:start + len(block)] = np.maximum(np.linalg.norm(block, axis=1), 1e-12)
            np.add.at(sums, [position[int(c)] for c in self.labels[start:start + len(block)]], block)
        self.centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        self.position = position

    def _outside_candidates(self, cluster: int) -> np.ndarray:
        if self.exact:
            return np.flatnonzero(self.labels != cluster)
        order = np.argsort(-(self.centroids @ self.centroids[self.position[cluster]]), kind="stable")
        chosen: list[np.ndarray] = []
        total = 0
        for index in order:
            other = int(self.clusters[index])
            if other == cluster:
                continue
            chosen.append(self.members[other])
            total += len(self.members[other])
            if total >= self.candidates:
                break
        return np.sort(np.concatenate(chosen)) if chosen else np.empty(0, dtype=np.int64)

    def sample(self, cluster: int) -> tuple[list[str], list[str]]:
        inside = self.members.get(int(cluster), np.empty(0, dtype=np.int64))
        rng = np.random.default_rng([int(self.seed), int(cluster) + 2**31])  # non-negative for label -1
        picked = _distinct((self.texts[i] for i in rng.permutation(inside)), self.n_in)
        outside = self._outside_candidates(int(cluster))
        if outside.size == 0 or self.n_out <= 0:
            return picked, []
        centroid = self.centroids[self.position[int(cluster)]]
        similarity = np.asarray(self.vectors[outside], dtype=np.float64) @ centroid / self.norms[outside]
        nearest = outside[np.argsort(-similarity, kind="stable")]
        return picked, _distinct((self.texts[i] for i in nearest), self.n_out, exclude=set(picked))


def _distinct(texts: Iterable[str], limit: int, exclude: set[str] | None = None) -> list[str]:
    seen = set(exclude or ())
    out: list[str] = []
    for text in texts:
        text = str(text).strip()
        if text and text not in seen:
            seen.add(text)
            out.append(text)
            if len(out) >= limit:
                break
    return out
