"""Clio's hierarchy algorithm: a model proposes, deduplicates and assigns parent clusters, level by level.

For each level above the base (sizes by Clio's ratio rule, :func:`clio_kit.hierarchy.level_sizes`):

1. embed every cluster's ``name: description`` with the run's embedder;
2. group the clusters with k-means into neighbourhoods of about ``neighbourhood_size`` (40 in the paper);
3. per neighbourhood, ask the model for about ``target x neighbourhood share`` parent names, showing it the
   neighbourhood's clusters and the ``n_contrastive`` nearest clusters outside it (fenced separately);
4. pool the proposals; when there are more than twice the target, merge the most similar ones by embedding
   (keeps the next prompt small), then ask the model to merge near-duplicates down to about the target (any
   excess left is merged by embedding);
5. assign every child with one request each, the candidate parents listed in a shuffled, seeded order per child
   (so position bias favours no candidate); an answer still unusable after the backend's bounded retries falls
   back to the nearest parent by embedding and is counted (``level_stats_``, usage ``fallbacks``);
6. drop parents that got no child and rename each remaining parent from the children actually assigned to it.

Every request goes through the backend (``propose_parents``, ``dedupe_parents``, ``assign_parents``,
``label_parents``), so retries, the response cache, ``max_cost`` and per-stage usage apply. With an LLM backend the
pipeline uses this hierarchy by default; offline it uses :class:`~clio_kit.hierarchy.CentroidHierarchy`.

>>> from clio_kit.backends.anthropic import AnthropicBackend
>>> tree = LLMHierarchy(n_levels=3, neighbourhood_size=40)
>>> # tree.fit(centroids, sizes, labels=base_labels, backend=AnthropicBackend(), embedder=embedder)
>>> # tree.level_sizes_, tree.labels_[0][0].name
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from .contracts import ParentProposals
from .centroids import as_counts, l2_normalise, parent_centroids
from .errors import ConfigError
from .hierarchy import ancestors_at, checked_base_clusters, choose_n_top, level_sizes_for
from .naming import ClusterLabel

__all__ = ["LLMHierarchy"]

VERSION = 2  # 2: the top level's size from the data (choose_n_top), as the offline hierarchy
_TEMPLATES = ("parent_proposals", "parent_dedupe", "parent_assign", "parent_rename")


class LLMHierarchy(BaseEstimator):
    """Build ``n_levels`` levels (the base included) with Clio's LLM algorithm (see the module docstring).

    Parameters: ``backend`` (an LLM backend; else the one given to ``fit``), ``embedder`` (embeds cluster names;
    else the one given to ``fit``), ``n_levels``, ``n_top`` (top-level size; default chosen from the data by
    :func:`~clio_kit.hierarchy.choose_n_top`, about sqrt(n_base) to 15, as offline), ``neighbourhood_size``
    (clusters per proposal request, on average), ``n_contrastive`` (nearest outside clusters shown with each
    neighbourhood), ``random_state`` (k-means and the per-child shuffles).

    Learned, as :class:`~clio_kit.hierarchy.CentroidHierarchy`: ``parents_``, ``centroids_``, ``sizes_``,
    ``level_sizes_`` and ``ancestors(level)``; plus ``labels_`` (per level above the base,
    ``{parent: ClusterLabel}``, the names after renaming), ``candidate_names_`` (per level, ``{parent: name}``:
    the deduplicated candidate the children were assigned to) and ``level_stats_`` (per level: neighbourhoods,
    proposals, candidates, parents, dropped parents, failed requests, fallbacks).
    """

    def __init__(self, backend: Any = None, embedder: Any = None, n_levels: int = 3, n_top: int | None = None,
                 neighbourhood_size: int = 40, n_contrastive: int = 10, random_state: int = 0) -> None:
        self.backend = backend
        self.embedder = embedder
        self.n_levels = n_levels
        self.n_top = n_top
        self.neighbourhood_size = neighbourhood_size
        self.n_contrastive = n_contrastive
        self.random_state = random_state

    def fingerprint(self) -> dict[str, Any]:
        """Everything that changes the tree: parameters, the backend's fingerprint, the embedder's name and the
        hierarchy prompts' hashes (the stage key of the pipeline's hierarchy stage)."""
        from .hashing import component_fingerprint
        from .prompts import template_hashes

        inner = getattr(self.embedder, "embedder", self.embedder)  # a CachedEmbedder's location is not a setting
        params = self.get_params(deep=False)  # every __init__ parameter: none can be left out of the key
        return {**params, "backend": None if self.backend is None else component_fingerprint(self.backend),
                "embedder": None if inner is None else {"class": type(inner).__qualname__,
                                                        "name": getattr(inner, "name", None)},
                "prompts": template_hashes(_TEMPLATES), "version": VERSION}

    # -- fitting ------------------------------------------------------------------------------------------------
    def fit(self, centroids: np.ndarray, sizes: Sequence[int], labels: Mapping[int, Any] | None = None, *,
            embedder: Any = None, backend: Any = None) -> "LLMHierarchy":
        """Build the levels above the base clusters.

        ``centroids``: one row per base cluster; ``sizes``: its conversations; ``labels``: ``{cluster: label}``
        (a :class:`~clio_kit.naming.ClusterLabel`, a ``(name, description)`` pair or a name). ``embedder`` and
        ``backend`` are used when the constructor did not set them.
        """
        centroids, weights = checked_base_clusters(centroids, sizes)
        if self.neighbourhood_size < 1 or self.n_contrastive < 0:
            raise ConfigError("neighbourhood_size must be at least 1 and n_contrastive at least 0")
        backend = self.backend if self.backend is not None else backend
        embedder = self.embedder if self.embedder is not None else embedder
        if not isinstance(backend, ParentProposals) or not callable(getattr(backend, "label_parents", None)):
            raise ConfigError("LLMHierarchy needs an LLM backend (AnthropicBackend or OpenAICompatibleBackend); "
                              "without a model use CentroidHierarchy")
        if embedder is None:
            raise ConfigError("LLMHierarchy needs an embedder for the cluster names (pass embedder=...)")
        labels = labels or {}

        n_top = self.n_top
        if n_top is None and self.n_levels > 1:  # the same 4-15 rule as the offline hierarchy, not sqrt(n_base)
            n_top = choose_n_top(centroids, weights, random_state=self.random_state)
        targets = level_sizes_for(len(centroids), n_top, self.n_levels)
        self.parents_: list[np.ndarray] = []
        self.centroids_: list[np.ndarray] = [centroids]
        self.sizes_: list[np.ndarray] = [as_counts(weights)]
        self.labels_: list[dict[int, ClusterLabel]] = []
        self.candidate_names_: list[dict[int, str]] = []
        self.level_stats_: list[dict[str, Any]] = []
        children = [_as_label(labels.get(i), i) for i in range(len(centroids))]
        current, current_weights = centroids, weights
        for level, target in enumerate(targets[1:], start=1):
            if target >= len(children):  # an earlier level already came out at or below this size
                break
            stats: dict[str, Any] = {"level": level, "target": int(target), "children": len(children)}
            self.level_stats_.append(stats)
            assigned = self._assign_level(backend, embedder, children, int(target), level, stats)
            if assigned is None:
                break
            parent_of, names = assigned
            if len(names) >= len(children):
                stats["stopped"] = "no grouping: every child got its own parent"
                break
            named = self._rename(backend, children, self.sizes_[-1], parent_of, names)
            current, current_weights = parent_centroids(current, current_weights, parent_of, len(names))
            self.parents_.append(parent_of)
            self.centroids_.append(current)
            self.sizes_.append(np.bincount(parent_of, weights=self.sizes_[-1], minlength=len(names))
                               .astype(self.sizes_[-1].dtype))
            self.labels_.append(named)
            self.candidate_names_.append(dict(enumerate(names)))
            children = [named[p] for p in range(len(names))]
        self.level_sizes_ = [len(c) for c in self.centroids_]
        return self

    def fit_summary(self) -> dict[str, Any]:
        """What the pipeline records about the fit: the model requests that fell back or failed, over all levels."""
        if not self.level_stats_:
            return {}
        return {key: sum(int(stats.get(key, 0)) for stats in self.level_stats_)
                for key in ("assign_fallbacks", "failed_proposals")}

    def _neighbourhoods(self, vectors: np.ndarray) -> np.ndarray:
        """k-means of the name embeddings into neighbourhoods of about ``neighbourhood_size`` clusters."""
        k = max(1, round(len(vectors) / self.neighbourhood_size))
        n_distinct = len(np.unique(vectors.round(10), axis=0))
        k = min(k, n_distinct)
        if k <= 1:
            return np.zeros(len(vectors), dtype=np.int64)
        from sklearn.cluster import KMeans

        found = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit_predict(vectors)
        return np.unique(found, return_inverse=True)[1].astype(np.int64)

    def _assign_level(self, backend: Any, embedder: Any, children: Sequence[ClusterLabel], target: int, level: int,
                      stats: dict[str, Any]) -> tuple[np.ndarray, list[str]] | None:
        """Propose, deduplicate and assign one level: ``(parent_of, parent names)`` or ``None`` to stop."""
        pairs = [(c.name, c.description) for c in children]
        vectors = _embed(embedder, [f"{n}: {d}" if d else n for n, d in pairs])
        hoods = self._neighbourhoods(vectors)
        n_hoods = int(hoods.max()) + 1
        requests = []
        for hood in range(n_hoods):
            members = np.flatnonzero(hoods == hood)
            want = max(1, math.ceil(target * len(members) / len(children)))
            centre = l2_normalise(vectors[members].mean(axis=0, keepdims=True))[0]
            outside = np.flatnonzero(hoods != hood)
            nearest = outside[np.argsort(-(vectors[outside] @ centre), kind="stable")[: self.n_contrastive]]
            requests.append(([pairs[i] for i in members], [pairs[i] for i in nearest], want))
        proposed = backend.propose_parents(requests)
        proposals = _unique(name for names in proposed if names for name in names)
        stats.update(neighbourhoods=n_hoods, failed_proposals=sum(p is None for p in proposed),
                     proposed=len(proposals))
        if not proposals:
            stats["stopped"] = "no usable parent proposals"
            return None
        if len(proposals) > 2 * target:  # merge the closest by embedding first: a smaller dedupe prompt
            keep = _merge_similar(_embed(embedder, proposals), 2 * target)
            proposals = [proposals[i] for i in keep]
        candidates = proposals
        stats["dedupe_fallback"] = False
        if len(proposals) > 1:
            deduped = backend.dedupe_parents(proposals, target)
            if deduped:
                candidates = _unique(deduped)
            else:
                stats["dedupe_fallback"] = True
                _note(backend, "hierarchy_dedupe", "fallbacks", 1)
        candidate_vectors = _embed(embedder, candidates)
        if len(candidates) > target:  # the model kept too many: merge the most similar by embedding
            keep = _merge_similar(candidate_vectors, target)
            candidates = [candidates[i] for i in keep]
            candidate_vectors = candidate_vectors[keep]
        stats["candidates"] = len(candidates)
        orders = [self.shuffled(len(candidates), level, i) for i in range(len(children))]
        choices = backend.assign_parents(pairs, candidates, orders)
        nearest = np.argmax(vectors @ candidate_vectors.T, axis=1)
        chosen = np.array([int(c) if c is not None else int(nearest[i]) for i, c in enumerate(choices)],
                          dtype=np.int64)
        fallbacks = sum(c is None for c in choices)
        if fallbacks:
            _note(backend, "hierarchy_assign", "fallbacks", fallbacks)
        _, first_seen = np.unique(chosen, return_index=True)
        used = chosen[np.sort(first_seen)]  # candidates with a child, by first child
        remap = np.full(len(candidates), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        stats.update(assign_fallbacks=int(fallbacks), parents=len(used), dropped_empty=len(candidates) - len(used))
        return remap[chosen], [candidates[i] for i in used]

    def shuffled(self, n_candidates: int, level: int, child: int) -> list[int]:
        """The order child ``child`` of ``level`` sees the ``n_candidates`` candidates in (seeded, per child).

        >>> tree = LLMHierarchy(random_state=0)
        >>> tree.shuffled(5, 1, 0) == tree.shuffled(5, 1, 0), sorted(tree.shuffled(5, 1, 3))
        (True, [0, 1, 2, 3, 4])
        """
        rng = np.random.default_rng([int(self.random_state), int(level), int(child)])
        return [int(i) for i in rng.permutation(n_candidates)]

    def _rename(self, backend: Any, children: Sequence[ClusterLabel], child_sizes: np.ndarray, parent_of: np.ndarray,
                names: Sequence[str]) -> dict[int, ClusterLabel]:
        """Rename each parent from the children assigned to it; a failed rename keeps the candidate's name."""
        named = backend.label_parents(dict(enumerate(children)),
                                      {i: int(s) for i, s in enumerate(child_sizes)},
                                      {i: int(p) for i, p in enumerate(parent_of)})
        out: dict[int, ClusterLabel] = {}
        for parent, candidate in enumerate(names):
            label = named.get(parent)
            if label is None or str(getattr(label, "description", "")).startswith("Naming failed"):
                out[parent] = ClusterLabel(candidate, "Named at assignment; renaming from its children failed.", ())
            else:
                out[parent] = ClusterLabel(str(label.name), str(label.description), tuple(label.keywords))
        return out

    # -- reading ------------------------------------------------------------------------------------------------
    def ancestors(self, level: int) -> np.ndarray:
        """For each base cluster, the index of its ancestor at ``level`` (0 = itself)."""
        return ancestors_at(self.parents_, len(self.centroids_[0]), level)

    def _repr_html_(self) -> str:
        if not hasattr(self, "labels_"):
            return f"<code>{html.escape(repr(self))}</code>"
        rows = "".join(f"<li>level {i + 1}: {len(named)} parents, e.g. "
                       f"{html.escape('; '.join(label.name for label in list(named.values())[:3]))}</li>"
                       for i, named in enumerate(self.labels_))
        return f"<div>LLMHierarchy, levels {self.level_sizes_}<ul>{rows}</ul></div>"

    def __repr__(self) -> str:
        return (f"LLMHierarchy(n_levels={self.n_levels}, n_top={self.n_top}, "
                f"neighbourhood_size={self.neighbourhood_size}, n_contrastive={self.n_contrastive}, "
                f"random_state={self.random_state})")


# -- helpers ----------------------------------------------------------------------------------------------------
def _as_label(value: Any, index: int) -> ClusterLabel:
    if isinstance(value, ClusterLabel):
        return value
    if value is None:
        return ClusterLabel(f"Cluster {index}", "", ())
    if isinstance(value, str):
        return ClusterLabel(value, "", ())
    if isinstance(value, (tuple, list)) and len(value) >= 2:
        return ClusterLabel(str(value[0]), str(value[1]), ())
    return ClusterLabel(str(getattr(value, "name", f"Cluster {index}")), str(getattr(value, "description", "")),
                        tuple(getattr(value, "keywords", ()) or ()))


def _embed(embedder: Any, texts: Sequence[str]) -> np.ndarray:
    vectors = np.asarray(embedder.embed(list(texts), progress=False), dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) != len(texts):
        raise ConfigError(f"the embedder returned {vectors.shape} for {len(texts)} texts")
    return l2_normalise(vectors)


def _unique(names: Any) -> list[str]:
    """Names in first-seen order, without repeats that differ only in case or spacing."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        text = " ".join(str(name).split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out


def _merge_similar(vectors: np.ndarray, k: int) -> list[int]:
    """Indices (ascending) of ``k`` representatives after merging the most similar rows (average-linkage cosine);
    each group keeps the member nearest its mean."""
    if len(vectors) <= k:
        return list(range(len(vectors)))
    from sklearn.cluster import AgglomerativeClustering

    groups = AgglomerativeClustering(n_clusters=max(k, 1), metric="cosine", linkage="average").fit_predict(vectors)
    keep = []
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        centre = vectors[members].mean(axis=0)
        keep.append(int(members[np.argmax(vectors[members] @ centre)]))
    return sorted(keep)


def _note(backend: Any, stage: str, counter: str, by: int) -> None:
    note = getattr(backend, "note_usage", None)
    if callable(note):
        note(stage, counter, by)
