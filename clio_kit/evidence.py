"""k-anonymous evidence about clusters: all that a model may see when it names them (hybrid naming).

For each cluster: its size, its distinct users, its languages, its key phrases (words and adjacent word pairs, as
:mod:`clio_kit.text` tokenises them) and its shared wordings (runs of three or more consecutive words, stopwords
included), each with the share of the cluster's users who used it; plus its nearest clusters by centroid similarity
(Clio's contrastive examples). A phrase, wording or language is kept only if at least ``min_users`` DISTINCT users
of the cluster used it (a user repeating a phrase in many conversations counts once; a conversation without a user
id counts as its own user), so nothing that fewer than ``min_users`` people wrote can reach a naming request.

>>> texts = ["how do i fix this error in python", "how do i fix this error in rust", "bake a chocolate cake",
...          "how do i fix this error in go", "chocolate cake recipe"]
>>> ev = cluster_evidence(texts, [0, 0, 1, 0, 1], ["a", "b", "c", "d", "e"], ["en"] * 5, min_users=3)
>>> ev[0].wordings, ev[0].n_users, ev[1].phrases
((('how do i fix this error in', 1.0),), 3, ())
>>> [p for p, _ in ev[0].phrases]
['error', 'fix']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .text import phrases, stopwords, tokenize_segments

__all__ = ["ClusterEvidence", "cluster_evidence", "topic_evidence", "user_keys"]

_CLAUSE_BREAK = re.compile(r"[^\w\s']|[\d_]")  # punctuation, digits and identifiers end a wording
_MIN_WORDING_WORDS = 3
_MAX_WORDING_WORDS = 12
_COMMON_CLUSTER_SHARE = 0.5  # a phrase used in more than half the clusters is not distinctive


@dataclass(frozen=True)
class ClusterEvidence:
    """What a model may read about one cluster; every text item was used by >= ``min_users`` distinct users.

    ``phrases``, ``wordings`` and ``languages`` are ``(text, share of the cluster's users)`` pairs, best first;
    ``neighbours`` are the nearest other clusters by centroid similarity, nearest first; ``topics`` are reference
    topics of the fixed taxonomy (written by us, not by users) with the share of users whose request is among the
    nearest to each (see :func:`topic_evidence`).
    """

    cluster: int
    n_conversations: int
    n_users: int
    phrases: tuple[tuple[str, float], ...] = ()
    wordings: tuple[tuple[str, float], ...] = ()
    languages: tuple[tuple[str, float], ...] = ()
    neighbours: tuple[int, ...] = ()
    topics: tuple[tuple[str, float], ...] = ()

    @property
    def empty(self) -> bool:
        """True when no phrase, wording or reference topic is shared widely enough: nothing to name it from."""
        return not (self.phrases or self.wordings or self.topics)


def user_keys(user_ids: Sequence[object]) -> list[str]:
    """One key per conversation for counting distinct users; a missing id becomes a key of its own.

    >>> user_keys(["a", None, "", "a", float("nan")])
    ['u:a', 'conv:1', 'conv:2', 'u:a', 'conv:4']
    """
    keys = []
    for index, user in enumerate(user_ids):
        missing = user is None or (isinstance(user, float) and math.isnan(user)) or \
            str(user).strip().lower() in ("", "none", "nan", "<na>")
        keys.append(f"conv:{index}" if missing else f"u:{user}")
    return keys


def _wording_runs(text: str) -> list[list[str]]:
    """Lower-cased word runs of ``text``, split at punctuation, digits and identifiers."""
    return [run.split() for run in _CLAUSE_BREAK.split(text.lower()) if len(run.split()) >= _MIN_WORDING_WORDS]


def _grams(run: Sequence[str], n: int, allowed: set[tuple[str, ...]] | None) -> set[tuple[str, ...]]:
    """The ``n``-grams of ``run`` whose two (n-1)-grams are both in ``allowed`` (apriori pruning)."""
    out = set()
    for start in range(len(run) - n + 1):
        gram = tuple(run[start:start + n])
        if allowed is None or (gram[:-1] in allowed and gram[1:] in allowed):
            out.add(gram)
    return out


def _shared_wordings(runs: Sequence[list[list[str]]], users: Sequence[str], min_users: int,
                     language: str | None) -> list[tuple[str, int]]:
    """Maximal word runs (3-12 words, at least one content word) used by >= ``min_users`` distinct users."""
    frequent: dict[tuple[str, ...], int] = {}
    allowed: set[tuple[str, ...]] | None = None
    for n in range(_MIN_WORDING_WORDS, _MAX_WORDING_WORDS + 1):
        who: dict[tuple[str, ...], set[str]] = {}
        for doc_runs, user in zip(runs, users):
            for gram in set().union(*(_grams(run, n, allowed) for run in doc_runs)) if doc_runs else ():
                who.setdefault(gram, set()).add(user)
        level = {gram: len(us) for gram, us in who.items() if len(us) >= min_users}
        if not level:
            break
        frequent.update(level)
        allowed = set(level)
    drop = stopwords(language or "en")
    maximal = [(g, u) for g, u in frequent.items()
               if not any(len(o) > len(g) and frequent[o] >= u and _inside(g, o) for o in frequent)
               and any(word not in drop for word in g)]
    maximal.sort(key=lambda item: (-item[1], -len(item[0]), item[0]))
    return [(" ".join(g), u) for g, u in maximal]


def _inside(small: tuple[str, ...], big: tuple[str, ...]) -> bool:
    return any(big[i:i + len(small)] == small for i in range(len(big) - len(small) + 1))


def _distinct(ranked: Sequence[str], n: int) -> list[str]:
    """Up to ``n`` of ``ranked``, skipping a phrase that is part of (or contains) one already picked."""
    picked: list[str] = []
    for phrase in ranked:
        padded = f" {phrase} "
        if any(padded in f" {p} " or f" {p} " in padded for p in picked):
            continue
        picked.append(phrase)
        if len(picked) == n:
            break
    return picked


def cluster_evidence(texts: Sequence[str], labels: Sequence[int], user_ids: Sequence[object],
                     languages: Sequence[str | None] | None = None, *, min_users: int = 5, n_phrases: int = 10,
                     n_wordings: int = 4, centroids: Mapping[int, np.ndarray] | np.ndarray | None = None,
                     n_neighbours: int = 3) -> dict[int, ClusterEvidence]:
    """Evidence for every cluster in ``labels`` (see the module docstring).

    ``languages``: one ISO code per text (tokenisation and language shares; ``None`` to guess); ``centroids``: one
    vector per cluster (an array indexed by cluster, or a mapping) to find each cluster's ``n_neighbours``.
    """
    if min_users < 1:
        raise ConfigError("min_users must be at least 1")
    if not len(texts) == len(labels) == len(user_ids):
        raise ConfigError("texts, labels and user_ids must have the same length")
    codes = [None if not lang or str(lang) in ("und", "nan", "None") else str(lang)
             for lang in (languages if languages is not None else [None] * len(texts))]
    users = user_keys(user_ids)
    labels = np.asarray(labels, dtype=np.int64)
    clusters = [int(c) for c in np.unique(labels)]
    members = {c: np.flatnonzero(labels == c) for c in clusters}

    # distinct users per (cluster, phrase): k-anonymity is decided per cluster, ranking uses all clusters
    phrase_users: dict[int, dict[str, set[str]]] = {}
    for cluster, rows in members.items():
        who: dict[str, set[str]] = {}
        for row in rows:
            doc = {p for segment in tokenize_segments(str(texts[row] or ""), codes[row]) for p in phrases(segment)}
            for phrase in doc:
                who.setdefault(phrase, set()).add(users[row])
        phrase_users[cluster] = who
    total_users: dict[str, int] = {}
    n_clusters_with: dict[str, int] = {}
    for who in phrase_users.values():
        for phrase, us in who.items():
            total_users[phrase] = total_users.get(phrase, 0) + len(us)
            n_clusters_with[phrase] = n_clusters_with.get(phrase, 0) + 1
    cluster_users = {c: len({users[r] for r in rows}) for c, rows in members.items()}
    mean_users = float(np.mean(list(cluster_users.values()))) if clusters else 0.0
    common = {p for p, n in n_clusters_with.items() if len(clusters) >= 4 and n > _COMMON_CLUSTER_SHARE * len(clusters)}

    neighbours = _neighbours(clusters, centroids, n_neighbours)
    out: dict[int, ClusterEvidence] = {}
    for cluster, rows in members.items():
        n_users = cluster_users[cluster]
        kept = {p: len(us) for p, us in phrase_users[cluster].items() if len(us) >= min_users and p not in common}
        ranked = sorted(kept, key=lambda p: (-kept[p] * math.log1p(mean_users / total_users[p]), -kept[p], p))
        top_phrases = tuple((p, kept[p] / n_users) for p in _distinct(ranked, n_phrases))
        language_users: dict[str, set[str]] = {}
        for row in rows:
            if codes[row]:
                language_users.setdefault(codes[row], set()).add(users[row])
        shown = sorted(((code, len(us) / n_users) for code, us in language_users.items() if len(us) >= min_users),
                       key=lambda item: (-item[1], item[0]))
        main = shown[0][0] if shown else None
        runs = [_wording_runs(str(texts[row] or "")) for row in rows]
        wordings = _shared_wordings(runs, [users[row] for row in rows], min_users, main)[:n_wordings]
        out[cluster] = ClusterEvidence(cluster, len(rows), n_users, top_phrases,
                                       tuple((w, u / n_users) for w, u in wordings), tuple(shown),
                                       neighbours.get(cluster, ()))
    return out


def topic_evidence(nearest: Sequence[Sequence[str]], labels: Sequence[int], user_ids: Sequence[object], *,
                   min_users: int = 5, n_topics: int = 3) -> dict[int, tuple[tuple[str, float], ...]]:
    """Per cluster, up to ``n_topics`` reference topics among the nearest topics (``nearest``: each conversation's
    few nearest topics of a fixed taxonomy) of at least ``min_users`` distinct users, with their share of the
    cluster's users, most shared first. The topics are a fixed vocabulary that no user wrote; the threshold keeps a
    topic that only a few users' requests are near from singling them out.

    >>> topic_evidence([["Cooking"], ["Cooking", "Travel"], ["Cooking"], ["Cooking"]], [0, 0, 0, 0],
    ...                ["a", "b", "c", "a"], min_users=2)
    {0: (('Cooking', 1.0),)}
    """
    users = user_keys(user_ids)
    who: dict[int, dict[str, set[str]]] = {}
    cluster_users: dict[int, set[str]] = {}
    for topics, cluster, user in zip(nearest, labels, users):
        cluster_users.setdefault(int(cluster), set()).add(user)
        for topic in topics:
            who.setdefault(int(cluster), {}).setdefault(str(topic), set()).add(user)
    out = {}
    for cluster, members in cluster_users.items():
        kept = [(t, len(us)) for t, us in who.get(cluster, {}).items() if len(us) >= min_users]
        kept.sort(key=lambda item: (-item[1], item[0]))
        out[cluster] = tuple((t, n / len(members)) for t, n in kept[:n_topics])
    return out


def _neighbours(clusters: Sequence[int], centroids: Mapping[int, np.ndarray] | np.ndarray | None,
                n: int) -> dict[int, tuple[int, ...]]:
    """Each cluster's ``n`` nearest other clusters by cosine similarity of centroids."""
    if centroids is None or n < 1 or len(clusters) < 2:
        return {}
    matrix = np.stack([np.asarray(centroids[c], dtype=np.float64) for c in clusters])
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, -np.inf)
    order = np.argsort(-similarity, axis=1, kind="stable")[:, :min(n, len(clusters) - 1)]  # never itself
    return {c: tuple(clusters[j] for j in row) for c, row in zip(clusters, order)}


def evidence_note(manifest: Mapping[str, object]) -> str:
    """One sentence on who wrote a run's cluster names and from what; empty unless a model named from evidence.

    >>> evidence_note({"backend": {"names_by_model": True, "params": {"namer_params": {"model_names": "m"}}},
    ...                "config": {"privacy": {"min_phrase_users": 5}},
    ...                "stages": {"name": {"counts": {"n_named": 10, "n_model_named": 8}}}})[:61]
    'Names: 8 of 10 base-cluster names (and their parents) written'
    """
    backend = manifest.get("backend") or {}
    if not isinstance(backend, Mapping) or not backend.get("names_by_model"):
        return ""
    params = backend.get("params") or {}
    namer = (params.get("namer_params") or {}) if isinstance(params, Mapping) else {}
    model = namer.get("model_names", "a model")
    config = manifest.get("config") or {}
    k = (config.get("privacy") or {}).get("min_phrase_users", "k") if isinstance(config, Mapping) else "k"
    stages = manifest.get("stages") or {}
    counts = ((stages.get("name") or {}).get("counts") or {}) if isinstance(stages, Mapping) else {}
    share = f"{counts.get('n_model_named', '?')} of {counts.get('n_named', '?')} base-cluster names"
    return (f"Names: {share} (and their parents) written by {model} from k-anonymous evidence only: key phrases, "
            f"shared wordings and languages each used by at least {k} users of the cluster, with user shares and "
            f"sizes, reference topics from a fixed list near at least {k} users' requests, and the same for its "
            "nearest clusters; the model saw no conversation. The other names "
            "(column name_source = offline) are offline key phrases.")
