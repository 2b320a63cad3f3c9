"""Offline cluster names and descriptions from k-anonymous key phrases (no language model).

Each cluster's key phrases (words and adjacent word pairs, see ``clio_kit.text``) are ranked by class-based TF-IDF
(c-TF-IDF, as in BERTopic), where a phrase's frequency in a cluster is the number of *distinct users* of the cluster
who used it (one user repeating a word a hundred times counts once). A phrase is eligible for a cluster only if at
least ``min_users`` distinct users of that cluster used it (k-anonymity): no other phrase can reach a name, a
description or the keywords. Languages are reported the same way: only those of at least ``min_users`` users.

Name format: up to three key phrases, comma-separated, first letter capitalised, at most ``max_name_words`` words
("Python, error, dataframe"). When a cluster has several major languages (each at least 20% of its conversations),
the first item shows the top phrase of each ("Recipe / receta / レシピ, dinner, cake").

>>> texts = ["python pandas dataframe error", "pandas dataframe merge error", "python error in pandas",
...          "pandas dataframe error again", "python dataframe error", "bake a chocolate cake",
...          "chocolate cake recipe", "easy cake recipe", "chocolate cake frosting", "cake recipe without eggs"]
>>> namer = KeyphraseNamer(min_users=3).fit(texts, [0] * 5 + [1] * 5, [f"u{i}" for i in range(10)], ["en"] * 10)
>>> namer.labels_[1].name
'Cake recipe, chocolate cake'
>>> namer.labels_[1].description
'Generated offline from key phrases: cake recipe, chocolate cake. Languages: English 100%.'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .text import guess_language, is_cjk, phrases, tokenize_segments

__all__ = ["ClusterLabel", "KeyphraseNamer", "GENERIC_NAME", "format_name", "describe", "select_keywords"]

GENERIC_NAME = "Miscellaneous requests"
MAJOR_LANGUAGE_SHARE = 0.2  # a language with at least this share of a cluster's conversations is "major"
NAME_ITEMS = 3  # key phrases in a name
_UNKNOWN_LANGUAGES = {"", "und", "unknown", "none", "nan", "zxx", "mul"}


@dataclass(frozen=True)
class ClusterLabel:
    """A cluster's readable ``name`` (<= 10 words), one-line ``description`` and the ``keywords`` behind them.

    ``topic`` is an optional label from a fixed taxonomy (offline naming), empty when none was assigned.
    """

    name: str
    description: str
    keywords: tuple[str, ...]
    topic: str = ""


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
             source: str = "key phrases") -> str:
    """One-line description: where the name came from, its phrases, and the languages (largest first).

    >>> describe(["python", "error"], {"en": 0.7, "es": 0.2})
    'Generated offline from key phrases: python, error. Languages: English 70%, Spanish 20%.'
    """
    if keywords:
        text = f"Generated offline from {source}: {', '.join(keywords)}."
    else:
        text = f"Generated offline: no {source.split(' of ')[0]} shared widely enough to name this cluster."
    if language_shares:
        shown = sorted(language_shares.items(), key=lambda item: -item[1])[:4]
        text += " Languages: " + ", ".join(f"{_language_name(code)} {share:.0%}" for code, share in shown) + "."
    return text


class KeyphraseNamer:
    """Name clusters offline from k-anonymous key phrases ranked by c-TF-IDF.

    Parameters: ``min_users`` -- a phrase (or language) may appear in a cluster's label only if at least this many
    distinct users of the cluster used it; ``n_keywords`` -- key phrases kept per cluster; ``max_name_words``.

    Learned: ``labels_`` ``{cluster: ClusterLabel}`` for every cluster in ``labels``; ``language_shares_``
    ``{cluster: {code: share}}`` (languages with >= ``min_users`` users only); ``n_users_`` ``{cluster: users}``.

    >>> namer = KeyphraseNamer(min_users=2).fit(["pasta recipe", "pasta recipe please"], [0, 0], ["a", "b"])
    >>> namer.labels_[0].name
    'Pasta recipe'
    """

    def __init__(self, min_users: int = 5, n_keywords: int = 6, max_name_words: int = 10):
        self.min_users = min_users
        self.n_keywords = n_keywords
        self.max_name_words = max_name_words

    # -- fitting ------------------------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[int], user_ids: Sequence[str],
            languages: Sequence[str] | None = None) -> "KeyphraseNamer":
        """Learn ``labels_`` from each text's cluster label, user id and (optional) language code."""
        import pandas as pd
        from scipy import sparse
        from sklearn.feature_extraction.text import CountVectorizer

        if not len(texts) == len(labels) == len(user_ids):
            raise ValueError("texts, labels and user_ids must have the same length")
        if languages is not None and len(languages) != len(texts):
            raise ValueError("languages must have one entry per text")
        if self.min_users < 1:
            raise ValueError("min_users must be at least 1")
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

        # phrases: document-term presence, then distinct users per (cluster, phrase)
        docs = [_phrases_of(text, code) for text, code in zip(texts, codes)]
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

        # k-anonymity: keep only (cluster, phrase) cells with >= min_users users, and phrases with such a cell
        eligible = users.copy()
        eligible.data[eligible.data < self.min_users] = 0
        eligible.eliminate_zeros()
        kept = np.flatnonzero(np.diff(eligible.tocsc().indptr) > 0)
        eligible_users = eligible[:, kept].tocsr()
        eligible_users.sort_indices()
        scores = self._ctfidf(eligible_users, users[:, kept], cluster_totals)
        vocabulary = vocabulary[kept]

        language_codes = sorted({c for c in codes if c})
        shares = self._language_shares(codes, language_codes, doc_cluster, doc_pair, pair_cluster, n_clusters)
        phrase_language = self._phrase_languages(codes, language_codes, presence[:, kept])
        for row, cluster in enumerate(cluster_ids.tolist()):
            columns, n_users = self._ranked(scores, eligible_users, row)
            ranked = [str(vocabulary[c]) for c in columns]
            language_of = {str(vocabulary[c]): phrase_language[c] for c in columns}
            self.language_shares_[cluster] = shares[row]
            self.n_users_[cluster] = int(users_per_cluster[row])
            self.labels_[cluster] = self._label(ranked, dict(zip(ranked, n_users)), shares[row], language_of)
        return self

    @staticmethod
    def _ctfidf(eligible: Any, users: Any, cluster_totals: np.ndarray) -> Any:
        """c-TF-IDF (BERTopic) of the eligible cells: tf / cluster total * log(1 + mean total / phrase total)."""
        phrase_totals = np.asarray(users.sum(axis=0)).ravel()
        mean_total = float(cluster_totals.mean()) if len(cluster_totals) else 0.0
        idf = np.log1p(mean_total / np.maximum(phrase_totals, 1.0))
        scores = eligible.copy()  # same sparsity as ``eligible``, so rows line up with its user counts
        scores.data = scores.data / np.repeat(np.maximum(cluster_totals, 1.0), np.diff(scores.indptr))
        scores.data *= idf[scores.indices]
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
               language_of: Mapping[str, str | None]) -> ClusterLabel:
        keywords = select_keywords(ranked, self.n_keywords, n_users)
        if not keywords:
            return ClusterLabel(format_name([], self.max_name_words), describe([], shares), ())
        items = list(keywords)
        major = [code for code, share in sorted(shares.items(), key=lambda item: -item[1])
                 if share >= MAJOR_LANGUAGE_SHARE]
        if len(major) > 1:
            heads = [next((p for p in ranked if language_of.get(p) == code), None) for code in major]
            heads = [h for h in heads if h]
            if len(heads) > 1:
                keywords = select_keywords(heads + [p for p in ranked if p not in heads],
                                           max(self.n_keywords, len(heads)), n_users)
                heads = [h for h in heads if h in keywords]
                items = [" / ".join(heads)] + [k for k in keywords if k not in heads]
        name = format_name(items, self.max_name_words)
        return ClusterLabel(name, describe(keywords, shares), tuple(keywords))


def _identity(doc: list[str]) -> list[str]:
    return doc


def _phrases_of(text: str, language: str | None) -> list[str]:
    return [phrase for segment in tokenize_segments(text, language) for phrase in phrases(segment)]
