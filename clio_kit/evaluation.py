"""Measure clusters against known labels, the way the Clio paper validates on synthetic data.

Clio's metric maps each unsupervised cluster to the majority true label of its members and counts how many
conversations land on their own label ("reconstruction accuracy"; 94% for 20 top-level categories in the paper,
above 92% in every language). Language skew is measured by lift: a language's share inside a topic divided by its
share overall (Clio's "base rate").

>>> pred = [0, 0, 1, 1, 1]
>>> true = ["a", "a", "b", "b", "a"]
>>> majority_mapping(pred, true)
{0: 'a', 1: 'b'}
>>> reconstruction_accuracy(pred, true)
0.8
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["majority_mapping", "reconstruction_accuracy", "clustering_scores", "language_lift",
           "per_language_accuracy", "cluster_language_purity", "language_dominated_share", "name_agreement"]


def _as_list(values: Sequence[Any]) -> list[Any]:
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _check_lengths(*columns: Sequence[Any]) -> None:
    lengths = {len(column) for column in columns}
    if len(lengths) > 1:
        raise ConfigError(f"inputs differ in length: {sorted(lengths)}")


def majority_mapping(pred_labels: Sequence[Hashable], true_labels: Sequence[Hashable]) -> dict[Hashable, Hashable]:
    """Each predicted cluster -> the most common true label among its members (ties: the label first in sort order).

    >>> majority_mapping([1, 1, 2], ["x", "y", "y"])
    {1: 'x', 2: 'y'}
    """
    _check_lengths(pred_labels, true_labels)
    members: dict[Hashable, Counter] = {}
    for pred, true in zip(_as_list(pred_labels), _as_list(true_labels)):
        members.setdefault(pred, Counter())[true] += 1
    mapping = {}
    for cluster, counts in members.items():
        best = max(counts.values())
        mapping[cluster] = sorted((label for label, count in counts.items() if count == best), key=str)[0]
    return dict(sorted(mapping.items(), key=lambda item: str(item[0])))


def reconstruction_accuracy(pred_labels: Sequence[Hashable], true_labels: Sequence[Hashable]) -> float:
    """Share of items whose cluster's majority label is their own true label (1.0 = perfect, 0.0 for no items).

    >>> reconstruction_accuracy([0, 0, 1], ["a", "b", "b"])
    0.6666666666666666
    """
    _check_lengths(pred_labels, true_labels)
    if len(pred_labels) == 0:
        return 0.0
    mapping = majority_mapping(pred_labels, true_labels)
    pred, true = _as_list(pred_labels), _as_list(true_labels)
    return sum(mapping[p] == t for p, t in zip(pred, true)) / len(pred)


def cluster_language_purity(pred_labels: Sequence[Hashable], languages: Sequence[Hashable]) -> float:
    """Share of items that share their cluster's most common language (1.0 = every cluster is monolingual).

    >>> cluster_language_purity([0, 0, 1, 1], ["en", "fr", "ja", "ja"])
    0.75
    """
    _check_lengths(pred_labels, languages)
    if len(pred_labels) == 0:
        return 0.0
    frame = pd.DataFrame({"cluster": _as_list(pred_labels), "language": _as_list(languages)})
    return float(frame.groupby("cluster")["language"].agg(lambda s: s.value_counts().iloc[0]).sum() / len(frame))


def language_dominated_share(pred_labels: Sequence[Hashable], languages: Sequence[Hashable], *,
                             threshold: float = 0.9) -> float:
    """Share of *clusters* (not conversations) whose most common language holds at least ``threshold`` of their
    members: how often a grouping splits by language instead of by meaning (0.0 for no items).

    >>> language_dominated_share([0, 0, 1, 1, 2], ["en", "fr", "ja", "ja", "de"])
    0.6666666666666666
    """
    _check_lengths(pred_labels, languages)
    if len(pred_labels) == 0:
        return 0.0
    frame = pd.DataFrame({"cluster": _as_list(pred_labels), "language": _as_list(languages)})
    top_share = frame.groupby("cluster")["language"].agg(lambda s: s.value_counts().iloc[0] / len(s))
    return float((top_share >= threshold).mean())


def name_agreement(name_vectors: np.ndarray, label_vectors: np.ndarray, labels: Sequence[Hashable],
                   majority_labels: Sequence[Hashable], sizes: Sequence[float]) -> float:
    """Size-weighted share of clusters whose name is nearest (cosine) to the description of their own majority
    label: row ``i`` of ``name_vectors`` is cluster ``i``'s embedded name, ``majority_labels[i]`` its majority true
    label and ``sizes[i]`` its conversations; row ``j`` of ``label_vectors`` describes ``labels[j]``.

    >>> names = np.array([[1.0, 0.1], [0.2, 1.0], [1.0, 0.0]])
    >>> described = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> name_agreement(names, described, ["cooking", "travel"], ["cooking", "travel", "travel"], [10, 5, 5])
    0.75
    """
    names = np.asarray(name_vectors, dtype=np.float64)
    described = np.asarray(label_vectors, dtype=np.float64)
    weights = np.asarray(sizes, dtype=np.float64)
    _check_lengths(names, majority_labels, weights)
    _check_lengths(described, labels)
    if len(names) == 0 or weights.sum() <= 0:
        return 0.0
    unit = lambda m: m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)  # noqa: E731
    nearest = (unit(names) @ unit(described).T).argmax(axis=1)
    agrees = np.array([_as_list(labels)[j] == m for j, m in zip(nearest, _as_list(majority_labels))])
    return float((weights * agrees).sum() / weights.sum())


def clustering_scores(pred: Sequence[Hashable], true: Sequence[Hashable],
                      languages: Sequence[Hashable] | None = None) -> dict[str, float | int]:
    """Accuracy (majority mapping), ARI, NMI, cluster counts and, given languages, how monolingual clusters are.

    ``single_language_share`` is :func:`cluster_language_purity`; ``language_accuracy_min`` the lowest
    per-language accuracy (Clio: above 92% in every language).

    >>> scores = clustering_scores([0, 0, 1, 1], ["a", "a", "b", "b"], ["en", "fr", "en", "fr"])
    >>> scores["accuracy"], scores["n_clusters"], scores["single_language_share"]
    (1.0, 2, 0.5)
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    _check_lengths(pred, true)
    pred_list, true_list = [str(p) for p in _as_list(pred)], [str(t) for t in _as_list(true)]
    scores: dict[str, float | int] = {
        "accuracy": reconstruction_accuracy(pred_list, true_list),
        "ari": float(adjusted_rand_score(true_list, pred_list)),
        "nmi": float(normalized_mutual_info_score(true_list, pred_list)),
        "n_clusters": len(set(pred_list)),
        "n_true": len(set(true_list)),
    }
    if languages is not None:
        _check_lengths(pred, languages)
        scores["single_language_share"] = cluster_language_purity(pred_list, languages)
        by_language = per_language_accuracy(pred_list, true_list, languages)
        scores["language_accuracy_min"] = min(by_language.values()) if by_language else 0.0
    return scores


def language_lift(topics: Sequence[Hashable], languages: Sequence[Hashable]) -> pd.DataFrame:
    """Lift of each language in each topic: P(language | topic) / P(language); rows topics, columns languages.

    A lift of 2 means the language is twice as common in that topic as overall; 1 is no skew.

    >>> lift = language_lift(["t1", "t1", "t2", "t2"], ["ja", "ja", "ja", "en"])
    >>> round(float(lift.loc["t1", "ja"]), 3), float(lift.loc["t1", "en"])
    (1.333, 0.0)
    """
    _check_lengths(topics, languages)
    frame = pd.DataFrame({"topic": _as_list(topics), "language": _as_list(languages)})
    table = pd.crosstab(frame["topic"], frame["language"])
    within = table.div(table.sum(axis=1), axis=0)
    overall = table.sum(axis=0) / table.to_numpy().sum()
    return within.div(overall, axis=1)


def per_language_accuracy(pred: Sequence[Hashable], true: Sequence[Hashable],
                          languages: Sequence[Hashable]) -> dict[Hashable, float]:
    """Reconstruction accuracy within each language, with the majority mapping learned on all items.

    >>> per_language_accuracy([0, 0, 1, 1], ["a", "a", "b", "b"], ["en", "fr", "en", "fr"])
    {'en': 1.0, 'fr': 1.0}
    >>> per_language_accuracy([0, 0, 1, 1, 1], ["a", "a", "b", "b", "a"], ["en", "en", "fr", "fr", "ja"])
    {'en': 1.0, 'fr': 1.0, 'ja': 0.0}
    """
    _check_lengths(pred, true, languages)
    mapping = majority_mapping(pred, true)
    hits: dict[Hashable, list[bool]] = {}
    for p, t, lang in zip(_as_list(pred), _as_list(true), _as_list(languages)):
        hits.setdefault(lang, []).append(mapping[p] == t)
    return {lang: sum(values) / len(values) for lang, values in sorted(hits.items(), key=lambda kv: str(kv[0]))}
