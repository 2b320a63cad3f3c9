"""Offline cluster names and descriptions from k-anonymous key phrases (no language model).

Each cluster's key phrases (words and adjacent word pairs, see ``clio_kit.text``) are ranked by class-based TF-IDF
(c-TF-IDF, as in BERTopic), where a phrase's frequency in a cluster is the number of *distinct users* of the cluster
who used it (one user repeating a word a hundred times counts once). A phrase is eligible for a cluster only if at
least ``min_users`` distinct users of that cluster used it (k-anonymity): no other phrase can reach a name, a
description or the keywords. Languages are reported the same way: only those of at least ``min_users`` users.

Never key phrases: stopwords and function words of every language the run detects (stopwords-iso's lists, e.g.
Persian, Hebrew, Korean, Ukrainian), and phrases that ``min_users`` users share in more than half of the clusters
(not distinctive).
Multi-word phrases get a bonus, and the ranking is diversified by maximal marginal relevance (a phrase that
co-occurs with the ones above it moves down).

Name format: up to three key phrases, comma-separated, first letter capitalised, at most ``max_name_words`` words
("Python, error, dataframe"). When a cluster has several major languages (each at least 20% of its conversations),
the first item shows the top phrase of each ("Recipe / receta / レシピ, dinner, cake"). When the cluster's users
share a whole request -- every content word used by >= ``min_users`` of its users, >= ``min_users`` users wrote all
of them, and every run of 4 words of it is in >= ``min_users`` users' texts -- the most central such request, in
Clio's imperative style, is the name instead.

>>> texts = ["python pandas dataframe error", "pandas dataframe merge error", "python error in pandas",
...          "pandas dataframe error again", "python dataframe error", "bake a chocolate cake",
...          "chocolate cake recipe", "easy cake recipe", "chocolate cake frosting", "cake recipe without eggs"]
>>> namer = KeyphraseNamer(min_users=3).fit(texts, [0] * 5 + [1] * 5, [f"u{i}" for i in range(10)], ["en"] * 10)
>>> namer.labels_[1].name
'Cake recipe, chocolate cake'
>>> namer.labels_[1].description
'About 5 conversations. Key phrases (share of users): cake recipe 60%, chocolate cake 60%. Languages: English. Named offline from key phrases.'
>>> KeyphraseNamer(min_users=2).fit(["Can you write a haiku about autumn?", "write a haiku about autumn please",
...                                   "haiku about autumn"], [0, 0, 0], ["a", "b", "c"], ["en"] * 3).labels_[0].name
'Write a haiku about autumn'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ConfigError
from .text import (MAX_CHARS, guess_language, is_cjk, is_dropped, phrases, run_stopwords, script_languages,
                   stopwords, tokenize_segments, word_sequences)

__all__ = ["ClusterLabel", "KeyphraseNamer", "GENERIC_NAME", "format_name", "describe", "select_keywords",
           "imperative", "distinct_names"]

GENERIC_NAME = "Miscellaneous requests"
MAJOR_LANGUAGE_SHARE = 0.2  # a language with at least this share of a cluster's conversations is "major"
NAME_ITEMS = 3  # key phrases in a name
COMMON_CLUSTER_SHARE = 0.5  # a phrase shared by k users in more than this share of clusters is not distinctive
MIN_CLUSTERS_FOR_COMMON = 4  # ... judged only when there are at least this many clusters
MULTIWORD_BONUS = 1.5  # c-TF-IDF boost of multi-word phrases: "chocolate cake" says more than "cake"
MMR_WEIGHT = 0.7  # relevance vs. novelty in the maximal-marginal-relevance order of key phrases
MAX_REQUEST_WORDS = 10  # a shared request longer than this is not used as a name
WORDING_N = 4  # a request name's every run of this many words must be in >= min_users users' texts
_REQUEST_SCAN = 2000  # conversations of a cluster scanned for a shared request (a sample only lowers counts)
#: a larger cluster's key phrases are counted in a seeded random sample of this many of its conversations (Clio
#: names from a sample too): naming costs O(clusters x sample), not O(conversations), and a sample's user counts
#: can only be lower than the cluster's, so the k-user rule holds for the whole cluster too
MAX_NAMED_CONVERSATIONS = 500
_UNKNOWN_LANGUAGES = {"", "und", "unknown", "none", "nan", "zxx", "mul"}


@dataclass(frozen=True)
class ClusterLabel:
    """A cluster's readable ``name`` (<= 10 words), one-line ``description`` and the ``keywords`` behind them.

    ``topic`` is an optional label from a fixed taxonomy (offline naming), empty when none was earned;
    ``topic_similarity`` and ``topic_margin`` are the nearest topic's cosine similarity and its lead over the
    runner-up (NaN when no taxonomy was consulted), recorded even when the topic was not earned.
    """

    name: str
    description: str
    keywords: tuple[str, ...]
    topic: str = ""
    topic_similarity: float = float("nan")
    topic_margin: float = float("nan")


def _language_name(code: str) -> str:
    try:
        from .facets.language import language_name
    except ImportError:  # pragma: no cover - the facet module is part of the package
        return code
    name = language_name(code)
    return code if name == "Unknown" else name


def _normalise_code(language: str | None) -> str | None:
    if language is None or (isinstance(language, float) and math.isnan(language)):
        return None
    code = str(language).strip().lower().replace("_", "-").split("-")[0]
    return None if code in _UNKNOWN_LANGUAGES else code


def _stem(word: str) -> str:
    """Fold an English plural for de-duplication only ("errors" ~ "error"); never shown."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _normal_form(phrase: str) -> str:
    return " ".join(_stem(word) for word in phrase.split())


def _contains(big: str, small: str) -> bool:
    """True when phrase ``small`` is part of phrase ``big`` (whole words; substrings for CJK)."""
    if big == small:
        return False
    if is_cjk(small):
        return small in big
    return f" {small} " in f" {big} "


def select_keywords(ranked: Iterable[str], n: int, weights: Mapping[str, float] | None = None,
                    min_share: float = 0.6) -> list[str]:
    """Pick up to ``n`` phrases from best-first ``ranked``, skipping near-duplicates.

    A phrase inside an already picked one is skipped. A phrase containing picked ones replaces them when its weight
    (e.g. users) is at least ``min_share`` of theirs (without ``weights`` it always does), and is skipped otherwise:
    "invoice" is not narrowed to "invoice reminder" unless most of its users said that. Plural variants ("error",
    "errors") count as the same phrase.

    >>> select_keywords(["python", "python error", "errors", "pandas", "dataframe"], 3)
    ['python error', 'pandas', 'dataframe']
    >>> select_keywords(["invoice", "invoice reminder", "payment"], 3, {"invoice": 10, "invoice reminder": 3})
    ['invoice', 'payment']
    """
    picked: list[str] = []
    for phrase in ranked:
        form = _normal_form(phrase)
        forms = [_normal_form(p) for p in picked]
        if form in forms or any(_contains(f, form) for f in forms):
            continue
        inside = [p for p, f in zip(picked, forms) if _contains(form, f)]
        if inside and weights is not None:
            if weights.get(phrase, 0.0) < min_share * max(weights.get(p, 0.0) for p in inside):
                continue
        picked = [p for p in picked if p not in inside]
        picked.append(phrase)
        if len(picked) >= n:
            break
    return picked


def format_name(items: Sequence[str], max_words: int = 10) -> str:
    """Join up to three items into a name of at most ``max_words`` words, first letter capitalised.

    >>> format_name(["recipe / receta / レシピ", "dinner", "cake", "oven"])
    'Recipe / receta / レシピ, dinner, cake'
    >>> format_name([]), format_name([], max_words=1)
    ('Miscellaneous requests', 'Miscellaneous')
    """
    items = [item for item in items if item][:NAME_ITEMS]
    while items:
        name = ", ".join(items)
        if len(name.split()) <= max_words:
            return name[0].upper() + name[1:]
        if len(items) > 1:
            items = items[:-1]
        else:  # one long item: keep its first words
            items = [" ".join(items[0].split()[:max_words]).rstrip(" /")]
    return " ".join(GENERIC_NAME.split()[:max(max_words, 1)])


def describe(keywords: Sequence[str], language_shares: Mapping[str, float] | None = None,
             source: str = "key phrases", *, size: int | None = None,
             user_shares: Mapping[str, float] | None = None, request: bool = False) -> str:
    """One-line description of what a cluster holds: its size (rounded), key phrases with the share of its users
    who used each, its languages (largest first), and where the name came from.

    >>> describe(["python", "error"], {"en": 0.7, "es": 0.2}, size=143, user_shares={"python": 0.5, "error": 0.3})
    'About 140 conversations. Key phrases (share of users): python 50%, error 30%. Languages: English, Spanish. Named offline from key phrases.'
    >>> describe([], None, size=12)
    'About 12 conversations. No key phrase was shared by enough users to name it. Named offline.'
    """
    parts = [f"About {_rounded(size)} conversations." if size else ""]
    if keywords:
        shown = [f"{k} {user_shares[k]:.0%}" if user_shares and k in user_shares else k for k in keywords]
        parts.append(("Key phrases (share of users): " if user_shares else "Key phrases: ") + ", ".join(shown) + ".")
    else:
        parts.append("No key phrase was shared by enough users to name it.")
    if language_shares:
        shown = sorted(language_shares.items(), key=lambda item: -item[1])[:4]
        # names only, no shares: a share would let a reader subtract the suppressed cells of the language table
        parts.append("Languages: " + ", ".join(_language_name(code) for code, _ in shown) + ".")
    if request:
        parts.append("Named offline after a request whose every content word its users share.")
    else:
        parts.append(f"Named offline from {source}." if keywords else "Named offline.")
    return " ".join(p for p in parts if p)


def _rounded(n: int) -> str:
    """Two significant figures, so that a description does not state an exact count (the gate owns counts)."""
    n = int(n)
    if n < 100:
        return str(n)
    digits = len(str(n)) - 2
    return f"{round(n, -digits):,}"


class KeyphraseNamer:
    """Name clusters offline from k-anonymous key phrases ranked by c-TF-IDF.

    Parameters: ``min_users`` -- a phrase (or language) may appear in a cluster's label only if at least this many
    distinct users of the cluster used it; ``n_keywords`` -- key phrases kept per cluster; ``max_name_words``;
    ``requests`` -- name a cluster after a request its users share, when there is one (off for parents: one
    request is too narrow for a group of clusters); ``max_conversations`` -- phrases of a larger cluster are
    counted in a seeded random sample of this many of its conversations (``None``: all); ``random_state``.

    Learned: ``labels_`` ``{cluster: ClusterLabel}`` for every cluster in ``labels``; ``language_shares_``
    ``{cluster: {code: share}}`` (languages with >= ``min_users`` users only); ``n_users_`` ``{cluster: users}``.

    >>> namer = KeyphraseNamer(min_users=2).fit(["pasta recipe", "pasta recipe please"], [0, 0], ["a", "b"])
    >>> namer.labels_[0].name
    'Pasta recipe'
    """

    def __init__(self, min_users: int = 5, n_keywords: int = 6, max_name_words: int = 10, requests: bool = True,
                 max_conversations: int | None = MAX_NAMED_CONVERSATIONS, random_state: int = 0):
        self.min_users = min_users
        self.n_keywords = n_keywords
        self.max_name_words = max_name_words
        self.requests = requests
        self.max_conversations = max_conversations
        self.random_state = random_state

    # -- fitting ------------------------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[int], user_ids: Sequence[str],
            languages: Sequence[str] | None = None, embeddings: Any = None) -> "KeyphraseNamer":
        """Learn ``labels_`` from each text's cluster label, user id, (optional) language code and (optional)
        embedding; embeddings pick the most central of the requests a cluster's users share."""
        import pandas as pd
        from scipy import sparse
        from sklearn.feature_extraction.text import CountVectorizer

        if not len(texts) == len(labels) == len(user_ids):
            raise ConfigError("texts, labels and user_ids must have the same length")
        if languages is not None and len(languages) != len(texts):
            raise ConfigError("languages must have one entry per text")
        if embeddings is not None and len(embeddings) != len(texts):
            raise ConfigError("embeddings must have one row per text")
        if self.min_users < 1:
            raise ConfigError("min_users must be at least 1")
        texts = ["" if t is None else str(t) for t in texts]
        codes = [_normalise_code(lang) for lang in languages] if languages is not None else \
            [guess_language(text) for text in texts]
        cluster_ids, doc_cluster = np.unique(np.asarray(labels, dtype=np.int64), return_inverse=True)
        n_docs, n_clusters = len(texts), len(cluster_ids)
        self.labels_: dict[int, ClusterLabel] = {}
        self.language_shares_: dict[int, dict[str, float]] = {}
        self.n_users_: dict[int, int] = {}
        if n_docs == 0:
            return self

        # distinct users per cluster: one row per (cluster, user) pair
        user_codes = pd.factorize(pd.Series([str(u) for u in user_ids]))[0].astype(np.int64)
        pair_ids, doc_pair = np.unique(doc_cluster * (user_codes.max() + 1) + user_codes, return_inverse=True)
        pair_cluster = (pair_ids // (user_codes.max() + 1)).astype(np.int64)
        docs_to_pairs = sparse.csr_matrix((np.ones(n_docs), (doc_pair, np.arange(n_docs))),
                                          shape=(len(pair_ids), n_docs))
        pairs_to_clusters = sparse.csr_matrix((np.ones(len(pair_ids)), (pair_cluster, np.arange(len(pair_ids)))),
                                              shape=(n_clusters, len(pair_ids)))
        users_per_cluster = np.asarray(pairs_to_clusters.sum(axis=1)).ravel().astype(int)
        sampled = self._sample(doc_cluster, n_clusters)  # only these conversations' phrases are counted
        sampled_users = users_per_cluster if sampled.all() else np.bincount(
            pair_cluster[np.unique(doc_pair[sampled])], minlength=n_clusters)

        # phrases: stopwords of every language the run detects never count (a Persian "in" in a Spanish text too)
        counted = pd.Series([c for c in codes if c], dtype=object).value_counts()
        unknown = {code for text, c in zip(texts, codes) if not c for code in script_languages(text[:MAX_CHARS])}
        stop = run_stopwords(frozenset(counted[counted >= self.min_users].index) | unknown)
        tokens = [tokenize_segments(text, code, also_drop=stop) if keep else []
                  for text, code, keep in zip(texts, codes, sampled.tolist())]
        docs = [[p for segment in segments for p in phrases(segment)] for segments in tokens]
        vectorizer = CountVectorizer(analyzer=_identity, binary=True, dtype=np.float32)
        try:
            presence = vectorizer.fit_transform(docs).tocsr()
            vocabulary = vectorizer.get_feature_names_out()
        except ValueError:  # no phrase at all
            presence, vocabulary = sparse.csr_matrix((n_docs, 0), dtype=np.float32), np.array([], dtype=object)
        pair_presence = docs_to_pairs @ presence
        pair_presence.data[:] = 1.0
        users = (pairs_to_clusters @ pair_presence).tocsr()  # clusters x phrases: distinct users
        cluster_totals = np.asarray(users.sum(axis=1)).ravel()

        # k-anonymity: keep only (cluster, phrase) cells with >= min_users users, and phrases with such a cell;
        # phrases found in most clusters say nothing about any one of them
        eligible = users.copy()
        eligible.data[eligible.data < self.min_users] = 0
        eligible.eliminate_zeros()
        distinctive = np.ones(len(vocabulary), dtype=bool)
        if n_clusters >= MIN_CLUSTERS_FOR_COMMON:  # common: shared by >= min_users users in most clusters
            distinctive = np.diff(eligible.tocsc().indptr) <= COMMON_CLUSTER_SHARE * n_clusters
        kept = np.flatnonzero((np.diff(eligible.tocsc().indptr) > 0) & distinctive)
        eligible_users = eligible[:, kept].tocsr()
        eligible_users.sort_indices()
        vocabulary = vocabulary[kept]
        multiword = np.array([" " in str(v) for v in vocabulary], dtype=bool)
        scores = self._ctfidf(eligible_users, users[:, kept], cluster_totals, multiword)
        kept_presence = presence[:, kept].tocsc()

        language_codes = sorted({c for c in codes if c})
        shares = self._language_shares(codes, language_codes, doc_cluster, doc_pair, pair_cluster, n_clusters)
        phrase_language = self._phrase_languages(codes, language_codes, presence[:, kept])
        members = np.split(np.argsort(doc_cluster, kind="stable"), np.cumsum(np.bincount(doc_cluster))[:-1])
        sizes = [len(m) for m in members]
        members = [m[sampled[m]] for m in members]
        for row, cluster in enumerate(cluster_ids.tolist()):
            columns, n_users = self._ranked(scores, eligible_users, row)
            columns = _mmr_order(columns, scores[row, columns].toarray().ravel() if columns else np.zeros(0),
                                 kept_presence[members[row]][:, columns] if columns else None)
            n_users = [float(eligible_users[row, c]) for c in columns]
            ranked = [str(vocabulary[c]) for c in columns]
            language_of = {str(vocabulary[c]): phrase_language[c] for c in columns}
            self.language_shares_[cluster] = shares[row]
            self.n_users_[cluster] = int(users_per_cluster[row])
            request = None if not self.requests else self._request(members[row], texts, codes, tokens, user_codes, eligible_users, row,
                                    vocabulary, embeddings)
            self.labels_[cluster] = self._label(ranked, dict(zip(ranked, n_users)), shares[row], language_of,
                                                int(sampled_users[row]), sizes[row], request)
        return self

    def _sample(self, doc_cluster: np.ndarray, n_clusters: int) -> np.ndarray:
        """Which conversations' phrases count: all of a cluster up to ``max_conversations``, else that many at
        random (seeded). One random order ranks all conversations, so a parent's sample lies within its
        children's samples and a rerun picks the same ones."""
        sizes = np.bincount(doc_cluster, minlength=n_clusters)
        if self.max_conversations is None or not len(sizes) or sizes.max() <= self.max_conversations:
            return np.ones(len(doc_cluster), dtype=bool)
        if self.max_conversations < 1:
            raise ConfigError("max_conversations must be at least 1 (or None for all)")
        priority = np.random.default_rng(self.random_state).permutation(len(doc_cluster))
        order = np.lexsort((priority, doc_cluster))  # by cluster, then by the random priority
        rank = np.empty(len(doc_cluster), dtype=np.int64)
        rank[order] = np.arange(len(doc_cluster)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return rank < self.max_conversations

    def _request(self, members: np.ndarray, texts: list[str], codes: list[str | None],
                 tokens: list[list[list[str]]], user_codes: np.ndarray, eligible_users: Any, row: int,
                 vocabulary: np.ndarray, embeddings: Any) -> str | None:
        """A request whose whole wording the cluster's users share, in imperative form, or None.

        A request qualifies when it is short, plain text (no digits, code, links or placeholders), has at least one
        content word, every content word is used by >= ``min_users`` users of the cluster, and >= ``min_users``
        users wrote all of its content words. Among those, the one nearest the cluster's mean embedding wins
        (without embeddings: the one the most users share)."""
        start, end = eligible_users.indptr[row], eligible_users.indptr[row + 1]
        shared = {str(vocabulary[c]) for c in eligible_users.indices[start:end]}
        if not shared:
            return None
        candidates: dict[str, tuple[int, frozenset[str]]] = {}
        repeats: dict[str, int] = {}
        for doc in members[:_REQUEST_SCAN]:
            words = frozenset(w for segment in tokens[doc] for w in segment)
            if not words or not words <= shared:
                continue
            request = imperative(texts[doc], codes[doc])
            if request and len(request.split()) <= MAX_REQUEST_WORDS:
                candidates.setdefault(request.lower(), (int(doc), words))
                repeats[request.lower()] = repeats.get(request.lower(), 0) + 1
        if not candidates:
            return None
        sample = members[:_REQUEST_SCAN]
        word_sets = [frozenset(w for segment in tokens[d] for w in segment) for d in sample]
        valid: list[tuple[float, float, str]] = []
        sequences_of: dict[int, set[str]] = {}
        for key, (doc, words) in candidates.items():
            writers = {int(user_codes[d]) for d, ws in zip(sample, word_sets) if words <= ws}
            if len(writers) >= self.min_users and self._common_wording(imperative(texts[doc], codes[doc]) or "",
                                                                        sample, texts, user_codes, sequences_of):
                valid.append((0.0, len(writers) + repeats[key] / (len(sample) + 1), key))
        if not valid:
            return None
        if embeddings is not None:
            vectors = np.asarray(embeddings[np.sort(members)], dtype=np.float64)
            centre = vectors.mean(axis=0)
            centre /= max(float(np.linalg.norm(centre)), 1e-12)

            def closeness(doc: int) -> float:
                vector = np.asarray(embeddings[doc], dtype=np.float64)
                return float(vector @ centre / max(float(np.linalg.norm(vector)), 1e-12))

            valid = [(closeness(candidates[key][0]), n, key) for _, n, key in valid]
        best = max(valid, key=lambda item: (item[0], item[1], -len(item[2]), item[2]))
        return imperative(texts[candidates[best[2]][0]], codes[candidates[best[2]][0]])

    def _common_wording(self, request: str, sample: np.ndarray, texts: list[str], user_codes: np.ndarray,
                        sequences_of: dict[int, set[str]]) -> bool:
        """Every run of ``WORDING_N`` words of ``request`` is in the texts of >= ``min_users`` users of the cluster
        (the rule LLM-written names pass too): shared content words in a unique order are not shared wording."""
        wanted = set(word_sequences(request, WORDING_N))
        if not wanted:
            return True
        writers: dict[str, set[int]] = {run: set() for run in wanted}
        for doc in sample:
            if int(doc) not in sequences_of:
                sequences_of[int(doc)] = set(word_sequences(texts[doc][:MAX_CHARS], WORDING_N))
            for run in wanted & sequences_of[int(doc)]:
                writers[run].add(int(user_codes[doc]))
        return all(len(users) >= self.min_users for users in writers.values())

    @staticmethod
    def _ctfidf(eligible: Any, users: Any, cluster_totals: np.ndarray, multiword: np.ndarray) -> Any:
        """c-TF-IDF (BERTopic) of the eligible cells: tf / cluster total * log(1 + mean total / phrase total),
        times ``MULTIWORD_BONUS`` for multi-word phrases (more specific than their words)."""
        phrase_totals = np.asarray(users.sum(axis=0)).ravel()
        mean_total = float(cluster_totals.mean()) if len(cluster_totals) else 0.0
        idf = np.log1p(mean_total / np.maximum(phrase_totals, 1.0))
        scores = eligible.copy()  # same sparsity as ``eligible``, so rows line up with its user counts
        scores.data = scores.data / np.repeat(np.maximum(cluster_totals, 1.0), np.diff(scores.indptr))
        scores.data *= idf[scores.indices] * np.where(multiword[scores.indices], MULTIWORD_BONUS, 1.0)
        return scores

    def _ranked(self, scores: Any, eligible_users: Any, row: int) -> tuple[list[int], list[float]]:
        """Columns of one cluster's eligible phrases by score, best first (ties: more users), and their users."""
        start, end = eligible_users.indptr[row], eligible_users.indptr[row + 1]
        if start == end:
            return [], []
        columns = scores.indices[start:end]
        values = scores.data[start:end]
        counts = eligible_users.data[start:end]
        order = np.lexsort((columns, -counts, -values))[: self.n_keywords * 8]
        return columns[order].tolist(), counts[order].tolist()

    def _language_shares(self, codes: list[str | None], language_codes: list[str], doc_cluster: np.ndarray,
                         doc_pair: np.ndarray, pair_cluster: np.ndarray, n_clusters: int) -> list[dict[str, float]]:
        """Per cluster: share of conversations in each language used by >= min_users users of the cluster."""
        shares: list[dict[str, float]] = [{} for _ in range(n_clusters)]
        if not language_codes:
            return shares
        index = {code: i for i, code in enumerate(language_codes)}
        known = np.array([c is not None for c in codes])
        doc_language = np.array([index[c] if c else -1 for c in codes], dtype=np.int64)
        docs_per_cluster = np.bincount(doc_cluster, minlength=n_clusters)
        counts = np.zeros((n_clusters, len(language_codes)), dtype=np.int64)
        np.add.at(counts, (doc_cluster[known], doc_language[known]), 1)
        pair_language = np.unique(np.stack([doc_pair[known], doc_language[known]], axis=1), axis=0)
        language_users = np.zeros_like(counts)
        np.add.at(language_users, (pair_cluster[pair_language[:, 0]], pair_language[:, 1]), 1)
        for row, col in zip(*np.nonzero(language_users >= self.min_users)):
            shares[int(row)][language_codes[int(col)]] = float(counts[row, col] / docs_per_cluster[row])
        return shares

    @staticmethod
    def _phrase_languages(codes: list[str | None], language_codes: list[str], presence: Any) -> list[str | None]:
        """Each phrase's language: the one whose conversations use it most (None when only unknown ones do)."""
        from scipy import sparse

        n_phrases = presence.shape[1]
        if not language_codes or not n_phrases:
            return [None] * n_phrases
        index = {code: i for i, code in enumerate(language_codes)}
        rows = [(index[c], doc) for doc, c in enumerate(codes) if c]
        docs_to_languages = sparse.csr_matrix((np.ones(len(rows)), ([r for r, _ in rows], [d for _, d in rows])),
                                              shape=(len(language_codes), len(codes)))
        per_language = (docs_to_languages @ presence).toarray()
        best, used = per_language.argmax(axis=0), per_language.max(axis=0) > 0
        return [language_codes[int(b)] if u else None for b, u in zip(best, used)]

    def _label(self, ranked: list[str], n_users: Mapping[str, float], shares: dict[str, float],
               language_of: Mapping[str, str | None], cluster_users: int, size: int,
               request: str | None = None) -> ClusterLabel:
        keywords = select_keywords(ranked, self.n_keywords, n_users)
        user_shares = {k: n_users.get(k, 0.0) / max(cluster_users, 1) for k in keywords}
        if not keywords:  # nothing shared widely enough: say which languages it holds, if any is major
            major = [_language_name(code) for code, share in sorted(shares.items(), key=lambda item: -item[1])
                     if share >= MAJOR_LANGUAGE_SHARE][:2]
            name = format_name([], self.max_name_words)
            if major and len(name.split()) + len(major) <= self.max_name_words:
                name += f" ({', '.join(major)})"
            return ClusterLabel(name, describe([], shares, size=size), ())
        items = list(keywords)
        major = [code for code, share in sorted(shares.items(), key=lambda item: -item[1])
                 if share >= MAJOR_LANGUAGE_SHARE]
        if len(major) > 1:
            heads = [next((p for p in ranked if language_of.get(p) == code), None) for code in major]
            heads = [h for h in heads if h]
            if len(heads) > 1:
                keywords = select_keywords(heads + [p for p in ranked if p not in heads],
                                           max(self.n_keywords, len(heads)), n_users)
                user_shares = {k: n_users.get(k, 0.0) / max(cluster_users, 1) for k in keywords}
                heads = [h for h in heads if h in keywords]
                items = [" / ".join(heads)] + [k for k in keywords if k not in heads]
        request = request if len(major) <= 1 else None  # a request in one language cannot name several
        name = format_name([request] if request else items, self.max_name_words)
        return ClusterLabel(name, describe(keywords, shares, size=size, user_shares=user_shares,
                                           request=bool(request)), tuple(keywords))


def _identity(doc: list[str]) -> list[str]:
    return doc


def _mmr_order(columns: list[int], relevance: np.ndarray, presence: Any, weight: float = MMR_WEIGHT) -> list[int]:
    """Maximal marginal relevance: ``columns`` re-ordered so that each next phrase is relevant (``relevance``)
    and unlike those before it (Jaccard overlap of the conversations using them, from ``presence``)."""
    if len(columns) < 3 or presence is None:
        return list(columns)
    used = presence.astype(bool).astype(np.float64)
    both = (used.T @ used).toarray()
    counts = np.diag(both)
    overlap = both / np.maximum(counts[:, None] + counts[None, :] - both, 1.0)
    relevance = relevance / max(float(relevance.max()), 1e-12)
    order = [int(np.argmax(relevance))]
    left = [i for i in range(len(columns)) if i != order[0]]
    while left:
        redundancy = overlap[np.ix_(left, order)].max(axis=1)
        marginal = weight * relevance[left] - (1 - weight) * redundancy
        pick = left[int(np.argmax(marginal))]
        order.append(pick)
        left.remove(pick)
    return [columns[i] for i in order]


_PLAIN_REQUEST = re.compile(r"^[^\W\d_]+(?:[\s,'’¿¡、，،-]+[^\W\d_]+)*[\s.?!。？！؟]*$")
_POLITE_OPENERS = re.compile(
    r"^(?:(?:hi|hello|hey)[\s,!.]+)?(?:(?:please|pls|kindly)\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|"
    r"i\s+(?:want|need|would\s+like)\s+you\s+to\s+|i\s+want\s+to\s+ask\s+you\s+to\s+)?(?:please\s+)?", re.IGNORECASE)
_POLITE_ENDINGS = re.compile(r"(?:[\s,]+(?:please|for\s+me|thanks|thank\s+you))+(?=[\s.?!]*$)", re.IGNORECASE)


def imperative(text: str, language: str | None = None) -> str | None:
    """A short request as a name in Clio's imperative style, or None when ``text`` is not plain words.

    English openers and closers of politeness go ("Can you please ... for me?" -> "..."); a question that asks
    for something ("can you") loses its question mark; other languages keep their wording.

    >>> imperative("Can you please write a poem about the sea for me?")
    'Write a poem about the sea'
    >>> imperative("How do I make sourdough bread?"), imperative("Call 555 1234"), imperative("Hi [NAME]")
    ('How do I make sourdough bread?', None, None)
    >>> imperative("Hallo, wie stricke ich einen Schal?", "de")
    'Wie stricke ich einen Schal?'

    """
    text = " ".join(str(text).split())
    if not text or not _PLAIN_REQUEST.match(text):
        return None
    parts = re.split(r"[,،、，]\s*", text, maxsplit=1)
    if len(parts) == 2 and parts[1] and all(is_dropped(w, stopwords(language or "en"))
                                            for w in re.findall(r"[^\W\d_]+", parts[0].lower())):
        text = parts[1]  # a greeting or filler before the request ("Hallo, ...", "안녕하세요, ...")
    if language in (None, "en"):
        stripped = _POLITE_OPENERS.sub("", text, count=1)
        if stripped != text:
            stripped = stripped.rstrip(" ?.!")
        stripped = _POLITE_ENDINGS.sub("", stripped).rstrip(" ,")
        text = stripped or text
    return text[:1].upper() + text[1:]


def distinct_names(levels: Sequence[Mapping[int, ClusterLabel]], parents: Sequence[Any],
                   sizes: Sequence[Mapping[int, float]] | None = None,
                   max_words: int = 10) -> list[dict[int, ClusterLabel]]:
    """Labels per level (base first) renamed so that no two siblings, and no cluster and an ancestor, share a
    name. ``parents[l][i]`` is the parent of node ``i`` of level ``l``; the top level's nodes are all siblings.

    Going down from the top, the larger of two clashing siblings keeps its name (and a parent keeps its own); the
    other gets its next most distinctive key phrase not yet in its name ("Recipes (dinner)"), or a number when it
    has none left.

    >>> kids = {0: ClusterLabel("Cake recipe", "", ("cake recipe", "chocolate")),
    ...         1: ClusterLabel("Cake recipe", "", ("cake recipe", "eggless")), 2: ClusterLabel("Soup", "", ("soup",))}
    >>> tops = {0: ClusterLabel("Cake recipe", "", ("cake recipe",))}
    >>> named = distinct_names([kids, tops], [[0, 0, 0]], [{0: 5, 1: 3, 2: 2}, {0: 10}])
    >>> [named[0][i].name for i in range(3)], named[1][0].name
    (['Cake recipe (chocolate)', 'Cake recipe (eggless)', 'Soup'], 'Cake recipe')
    """
    from dataclasses import replace

    out = [dict(level) for level in levels]
    n_levels = len(out)
    taken_above: dict[tuple[int, int], set[str]] = {}  # (level, node) -> names of the node and its ancestors
    for level in range(n_levels - 1, -1, -1):
        groups: dict[int, list[int]] = {}
        for node in out[level]:
            parent = int(parents[level][node]) if level < len(parents) else -1
            groups.setdefault(parent, []).append(node)
        weight = sizes[level] if sizes is not None and level < len(sizes) else {}
        for parent, nodes in groups.items():
            above = taken_above.get((level + 1, parent), set()) if parent >= 0 else set()
            used: set[str] = set()
            for node in sorted(nodes, key=lambda n: (-float(weight.get(n, 0.0)), n)):
                label = out[level][node]
                name = label.name
                if _key(name) in used or _key(name) in above:
                    name = _alternative(label, used | above, max_words)
                    out[level][node] = replace(label, name=name)
                used.add(_key(name))
                taken_above[(level, node)] = above | {_key(name)}
    return out


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _alternative(label: ClusterLabel, taken: set[str], max_words: int) -> str:
    """The label's name with its next key phrase not already in it, or a number, avoiding ``taken``."""
    base = label.name
    for keyword in label.keywords:
        if keyword.lower() in base.lower():
            continue
        name = f"{base} ({keyword})"
        words = name.split()
        if len(words) > max_words:
            name = " ".join(base.split()[: max(max_words - len(keyword.split()), 1)]).rstrip(",:") + f" ({keyword})"
        if _key(name) not in taken:
            return name
    number = 2
    while _key(f"{base} ({number})") in taken:
        number += 1
    return f"{base} ({number})"
