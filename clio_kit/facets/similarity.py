"""Offline answers to user-defined categorical facets: nearest choice by embedding similarity (approximate).

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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .definitions import Facet

__all__ = ["SimilarityFacetClassifier"]


class SimilarityFacetClassifier:
    """Pick each conversation's categorical value by cosine similarity to the choices' descriptions."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    def predict(self, facet: Facet, embeddings: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Return (chosen value per row, similarity of that choice)."""
        if facet.kind != "categorical" or not facet.choices:
            raise ValueError(f"facet {facet.name!r} is not a categorical facet with choices")
        labels = list(facet.choices)
        texts = [f"{label}: {description}" for label, description in facet.choices.items()]
        choice_vectors = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        similarity = np.asarray(embeddings, dtype=np.float32) @ choice_vectors.T
        best = similarity.argmax(axis=1)
        return [labels[i] for i in best], similarity[np.arange(len(best)), best]
