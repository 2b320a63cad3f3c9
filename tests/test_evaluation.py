"""Clio's reconstruction accuracy, clustering scores and language lift."""

from __future__ import annotations

import numpy as np
import pytest

from clio_kit.evaluation import (
    cluster_language_purity,
    clustering_scores,
    language_lift,
    majority_mapping,
    per_language_accuracy,
    reconstruction_accuracy,
)


def test_majority_mapping_picks_each_clusters_most_common_label() -> None:
    pred = [0, 0, 0, 1, 1, 2]
    true = ["a", "a", "b", "b", "b", "a"]
    assert majority_mapping(pred, true) == {0: "a", 1: "b", 2: "a"}


def test_majority_mapping_ties_are_deterministic() -> None:
    assert majority_mapping([5, 5], ["z", "y"]) == {5: "y"}
    assert majority_mapping(np.array([5, 5]), np.array(["y", "z"])) == {5: "y"}


def test_accuracy_is_invariant_to_cluster_ids_and_rewards_splitting_not_merging() -> None:
    true = ["a"] * 4 + ["b"] * 4
    assert reconstruction_accuracy([7] * 4 + [3] * 4, true) == 1.0
    assert reconstruction_accuracy([0, 0, 1, 1, 2, 2, 3, 3], true) == 1.0  # over-splitting keeps accuracy
    assert reconstruction_accuracy([0] * 8, true) == 0.5  # merging two topics loses half
    assert reconstruction_accuracy([], []) == 0.0


def test_length_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        reconstruction_accuracy([0, 1], ["a"])
    with pytest.raises(ValueError):
        clustering_scores([0, 1], ["a", "b"], languages=["en"])


def test_clustering_scores_fields() -> None:
    pred = [0, 0, 1, 1, 2, 2]
    true = ["a", "a", "b", "b", "b", "b"]
    langs = ["en", "ja", "en", "en", "zh", "zh"]
    scores = clustering_scores(pred, true, langs)
    assert scores["accuracy"] == 1.0
    assert scores["n_clusters"] == 3 and scores["n_true"] == 2
    assert 0.0 < scores["ari"] < 1.0 and 0.0 < scores["nmi"] < 1.0
    assert scores["single_language_share"] == pytest.approx(5 / 6)
    assert scores["language_accuracy_min"] == 1.0
    assert "single_language_share" not in clustering_scores(pred, true)


def test_cluster_language_purity() -> None:
    assert cluster_language_purity([0, 0, 1, 1], ["en", "en", "ja", "ja"]) == 1.0
    assert cluster_language_purity([0, 0, 0, 0], ["en", "fr", "ja", "zh"]) == 0.25


def test_language_lift_values() -> None:
    topics = ["care"] * 4 + ["code"] * 6
    langs = ["ja", "ja", "ja", "en"] + ["en"] * 5 + ["ja"]
    lift = language_lift(topics, langs)
    # ja: 4/10 overall, 3/4 in care -> 1.875; en: 6/10 overall, 1/4 in care
    assert lift.loc["care", "ja"] == pytest.approx(0.75 / 0.4)
    assert lift.loc["care", "en"] == pytest.approx(0.25 / 0.6)
    assert lift.loc["code", "ja"] == pytest.approx((1 / 6) / 0.4)
    # share-weighted lifts average to one in every topic
    shares = np.array([0.6, 0.4])
    assert (lift[["en", "ja"]].to_numpy() @ shares) == pytest.approx([1.0, 1.0])


def test_per_language_accuracy_uses_global_mapping() -> None:
    pred = [0, 0, 0, 1, 1]
    true = ["a", "a", "b", "b", "b"]
    langs = ["en", "fr", "fr", "en", "fr"]
    assert per_language_accuracy(pred, true, langs) == {"en": 1.0, "fr": pytest.approx(2 / 3)}


def test_language_dominated_share_counts_clusters_not_conversations() -> None:
    from clio_kit.evaluation import language_dominated_share

    # cluster 0: 10 en of 10 (dominated); cluster 1: 9 ja of 10 (dominated at 90%); clusters 2 and 3: 1 en + 1 fr
    pred = [0] * 10 + [1] * 10 + [2, 2, 3, 3]
    languages = ["en"] * 10 + ["ja"] * 9 + ["ko"] + ["en", "fr", "en", "fr"]
    assert language_dominated_share(pred, languages) == 2 / 4  # per conversation it would be 20 / 24
    assert language_dominated_share(pred, languages, threshold=0.95) == 1 / 4
    assert language_dominated_share([], []) == 0.0


def test_name_agreement_is_size_weighted_nearest_description() -> None:
    from clio_kit.evaluation import name_agreement

    described = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # cooking, travel, tax
    names = np.array([[0.9, 0.2, 0.0],    # nearest cooking; majority cooking -> agrees (30 conversations)
                      [0.0, 0.1, 2.0],    # nearest tax; majority travel -> disagrees (10)
                      [0.1, 3.0, 0.2],    # nearest travel; majority travel -> agrees (20)
                      [0.5, 0.4, 0.0]])   # nearest cooking; majority tax -> disagrees (40)
    majority = ["cooking", "travel", "travel", "tax"]
    assert name_agreement(names, described, ["cooking", "travel", "tax"], majority, [30, 10, 20, 40]) == 0.5
    assert name_agreement(names, described, ["cooking", "travel", "tax"], majority, [1, 0, 0, 0]) == 1.0
