"""Offline cluster naming: k-anonymous key phrases, multilingual clusters, readable names."""

from __future__ import annotations

import random

import pytest

from clio_kit.naming import GENERIC_NAME, ClusterLabel, KeyphraseNamer, describe, format_name, select_keywords
from clio_kit.text import phrases, tokenize_segments

K = 5


def _corpus() -> tuple[list[str], list[int], list[str], list[str]]:
    rng = random.Random(0)
    texts: list[str] = []
    labels: list[int] = []
    users: list[str] = []
    langs: list[str] = []

    def add(pool: list[str], label: int, lang: str, n_users: int, prefix: str) -> None:
        for i in range(n_users):
            texts.append(rng.choice(pool))
            labels.append(label)
            users.append(f"{prefix}{i}")
            langs.append(lang)

    python = ["How do I fix a pandas dataframe error in Python?", "Python pandas KeyError when merging dataframes",
              "Why does my Python script raise a TypeError with pandas?", "Python error: dataframe has no append",
              "Convert a pandas dataframe column to datetime in Python"]
    add(python, 0, "en", 20, "py")
    # rare words in cluster 0: two users, and one user with many conversations
    texts += ["My neighbour zebulonite wrote this pandas script", "zebulonite again, the pandas error"]
    labels += [0, 0]
    users += ["rare-1", "rare-2"]
    langs += ["en", "en"]
    texts += ["xylophonic pandas dataframe error"] * 10
    labels += [0] * 10
    users += ["one-user"] * 10
    langs += ["en"] * 10

    add(["Give me a recipe for chocolate cake", "Easy dinner recipe with chicken and rice",
         "Vegetarian recipe for a quick dinner", "A good pasta recipe for dinner"], 1, "en", 12, "en")
    add(["¿Me das una receta de paella para la cena?", "Receta fácil de tortilla de patatas",
         "Quiero una receta de pastel de chocolate", "Receta vegetariana para la cena"], 1, "es", 8, "es")
    add(["簡単なカレーのレシピを教えてください", "夕食のレシピを教えて", "チョコレートケーキのレシピが知りたい",
         "野菜を使ったレシピを教えてください"], 1, "ja", 6, "ja")

    add(["我想了解老年人护理的问题", "请介绍一下养老保险和老年人护理", "如何照顾患有痴呆症的老年人？",
         "老年人护理有哪些注意事项", "养老院的老年人护理怎么样"], 2, "zh", 10, "zh")
    # one Korean user: a language with fewer than K users is not reported
    texts.append("노인 돌봄 방법을 알려주세요")
    labels.append(2)
    users.append("ko-1")
    langs.append("ko")

    # exactly K users say "compost"; K-1 say "organic tomatoes" while K say "organic"
    for i in range(8):
        words = ["gardening tomatoes in raised beds"]
        if i < K:
            words.append("with compost")
        if i < K - 1:
            words.append(". Growing organic tomatoes")
        elif i == K - 1:
            words.append(". Organic soil")
        texts.append(" ".join(words))
        labels.append(3)
        users.append(f"garden{i}")
        langs.append("en")

    add(["Forward the invoice to [PERSON] at [EMAIL] before Friday", "Send [PERSON] the invoice, [EMAIL]",
         "Invoice reminder for [PERSON] ([PHONE_NUMBER])"], 4, "en", 10, "inv")
    add(["アニメのおすすめを教えて", "最近のアニメで面白いものは？", "アニメの名作を知りたい"], 5, "ja", 8, "anime")
    # every user writes about something different: nothing reaches K users
    for i, word in enumerate(["volcano", "saxophone", "mortgage", "origami", "sailing", "chess"]):
        texts.append(f"{word} question")
        labels.append(6)
        users.append(f"misc{i}")
        langs.append("en")
    return texts, labels, users, langs


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[int], list[str], list[str]]:
    return _corpus()


@pytest.fixture(scope="module")
def named(corpus: tuple[list[str], list[int], list[str], list[str]]) -> KeyphraseNamer:
    return KeyphraseNamer(min_users=K).fit(*corpus)


def _label_text(label: ClusterLabel) -> str:
    return " ".join([label.name, label.description, *label.keywords]).lower()


def test_every_cluster_is_labelled(named: KeyphraseNamer) -> None:
    assert sorted(named.labels_) == [0, 1, 2, 3, 4, 5, 6]
    assert all(isinstance(label, ClusterLabel) for label in named.labels_.values())


def test_words_of_fewer_than_k_users_never_appear(named: KeyphraseNamer) -> None:
    everything = " ".join(_label_text(label) for label in named.labels_.values())
    assert "zebulonite" not in everything  # 2 users
    assert "xylophonic" not in everything  # 1 user, 10 conversations
    assert "organic tomatoes" not in everything  # K - 1 users, though both words are common


def test_words_of_k_users_can_appear(named: KeyphraseNamer) -> None:
    garden = named.labels_[3]
    assert "compost" in garden.keywords  # exactly K users
    assert any("tomatoes" in keyword for keyword in garden.keywords)


def test_every_keyword_is_used_by_k_users_of_its_cluster(corpus, named: KeyphraseNamer) -> None:
    texts, labels, users, langs = corpus
    for cluster, label in named.labels_.items():
        for keyword in label.keywords:
            users_with = {user for text, lab, user, lang in zip(texts, labels, users, langs) if lab == cluster
                          and keyword in {p for seg in tokenize_segments(text, lang) for p in phrases(seg)}}
            assert len(users_with) >= K, (cluster, keyword, users_with)


def test_multilingual_cluster_names_show_each_major_language(named: KeyphraseNamer) -> None:
    recipes = named.labels_[1]
    first_item = recipes.name.split(",")[0].lower()
    assert {"recipe", "receta", "レシピ"} <= set(part.strip() for part in first_item.split("/"))
    assert "English" in recipes.description and "Spanish" in recipes.description
    assert "Japanese" in recipes.description


def test_chinese_and_japanese_clusters_get_segmented_keywords(named: KeyphraseNamer) -> None:
    care = named.labels_[2]
    assert any("老年人" in keyword for keyword in care.keywords)
    assert all(len(keyword) < 10 for keyword in care.keywords)  # words, not whole sentences
    assert "Chinese" in care.description and "Korean" not in care.description  # 1 Korean user < K
    assert "アニメ" in named.labels_[5].keywords


def test_placeholders_never_become_keywords(named: KeyphraseNamer) -> None:
    invoice = named.labels_[4]
    assert "invoice" in invoice.keywords
    for label in named.labels_.values():
        text = _label_text(label)
        for leak in ("person", "email", "phone_number", "[", "]"):
            assert leak not in text.replace("[email]", ""), (leak, label)


def test_cluster_without_shared_phrases_gets_generic_name(named: KeyphraseNamer) -> None:
    misc = named.labels_[6]
    assert misc.name.startswith(GENERIC_NAME) and misc.keywords == ()
    assert "volcano" not in misc.description


@pytest.mark.parametrize("max_words", [10, 3, 1])
def test_names_are_short_and_readable(corpus, max_words: int) -> None:
    namer = KeyphraseNamer(min_users=K, max_name_words=max_words).fit(*corpus)
    for label in namer.labels_.values():
        assert 1 <= len(label.name.split()) <= max_words
        assert label.name[0] == label.name[0].upper()
        assert "Named offline" in label.description
        assert "\n" not in label.description


def test_languages_are_guessed_when_not_given(corpus) -> None:
    texts, labels, users, _ = corpus
    namer = KeyphraseNamer(min_users=K).fit(texts, labels, users)
    assert "receta" in namer.labels_[1].keywords
    assert namer.language_shares_[1].keys() >= {"en", "es", "ja"}


def test_n_users_counts_distinct_users(named: KeyphraseNamer) -> None:
    assert named.n_users_[0] == 20 + 2 + 1


def test_unknown_language_codes_are_not_reported() -> None:
    texts = ["hiking boots review"] * 6
    namer = KeyphraseNamer(min_users=5).fit(texts, [7] * 6, [str(i) for i in range(6)], ["und"] * 6)
    assert namer.labels_[7].keywords and "Languages" not in namer.labels_[7].description


def test_input_validation() -> None:
    with pytest.raises(ValueError):
        KeyphraseNamer().fit(["a"], [0, 1], ["u"])
    with pytest.raises(ValueError):
        KeyphraseNamer().fit(["a"], [0], ["u"], ["en", "es"])
    assert KeyphraseNamer().fit([], [], []).labels_ == {}


def test_select_keywords_merges_overlaps_and_plurals() -> None:
    assert select_keywords(["error", "errors", "python error", "pandas"], 5) == ["python error", "pandas"]
    assert select_keywords(["介護", "介護保険", "年金"], 5) == ["介護保険", "年金"]


def test_format_and_describe() -> None:
    assert format_name(["a b c d", "e f g h", "i j k l"], max_words=10) == "A b c d, e f g h"
    assert format_name(["one two three four five six seven eight nine ten eleven"], 10).count(" ") == 9
    # languages are named largest first, never with shares: "English 96%" of 53 conversations would give away the
    # two the language table suppresses
    assert "Languages: English, French." in describe(["x"], {"en": 0.5, "fr": 0.25})
    assert "%" not in describe([], {"en": 0.96, "es": 0.04}, size=53)


# -- issue 14: names from what is in the cluster, in every language ----------------------------------------------
FUNCTION_WORDS = {"fa": ["در", "دارد", "این", "که", "را", "از", "به"], "he": ["מה", "של", "את", "זה", "על", "לא"],
                  "ko": ["너는", "그", "이", "저", "뭐", "왜"], "uk": ["ти", "не", "як", "це", "що", "на", "для"]}
TOPIC_WORDS = {"fa": ["فوتبال", "تیم"], "he": ["מתכון", "עוגה"], "ko": ["주식", "투자"], "uk": ["погода", "прогноз"]}


def _function_word_corpus() -> tuple[list[str], list[int], list[str], list[str]]:
    """Per language one cluster: every user writes most of that language's function words and one topic word."""
    rng = random.Random(3)
    texts, labels, users, langs = [], [], [], []
    for cluster, (language, words) in enumerate(FUNCTION_WORDS.items()):
        for i in range(12):
            chosen = rng.sample(words, len(words) - 1) + [TOPIC_WORDS[language][i % 2]]
            rng.shuffle(chosen)
            texts.append(" ".join(chosen))
            labels.append(cluster)
            users.append(f"{language}{i}")
            langs.append(language)
    return texts, labels, users, langs


def test_persian_hebrew_korean_ukrainian_function_words_never_name_a_cluster() -> None:
    texts, labels, users, langs = _function_word_corpus()
    for languages in (langs, None):  # given, and guessed (the run still knows what it detected)
        namer = KeyphraseNamer(min_users=K).fit(texts, labels, users, languages or ["und"] * len(texts))
        for cluster, language in enumerate(FUNCTION_WORDS):
            label = namer.labels_[cluster]
            words = {w for k in label.keywords for w in k.split()}
            assert not words & set(FUNCTION_WORDS[language]), (language, label)
            if languages is not None:
                assert set(label.keywords) <= set(TOPIC_WORDS[language]), (language, label)
                assert label.name != GENERIC_NAME


def test_phrases_common_to_most_clusters_are_not_distinctive() -> None:
    texts, labels, users = [], [], []
    for cluster, topic in enumerate(["violin lessons", "sourdough starter", "tax deduction", "hiking boots"]):
        for i in range(6):
            texts.append(f"{topic}. Overview" if i % 2 else f"{topic}")
            labels.append(cluster)
            users.append(f"{cluster}-{i}")
    # "overview": 3 users in every cluster; the topic phrase is what tells clusters apart
    namer = KeyphraseNamer(min_users=3).fit(texts, labels, users, ["en"] * len(texts))
    for label in namer.labels_.values():
        assert "overview" not in label.keywords and not label.name.lower().startswith("overview")


def test_shared_request_names_the_cluster_in_imperative_style() -> None:
    texts = ["Can you write a cover letter for a nursing job?", "write a cover letter for a nursing job please",
             "Write a cover letter for a nursing job", "Please write a cover letter for a nursing job.",
             "cover letter for a nursing job at Quackenbush Clinic 555"]
    namer = KeyphraseNamer(min_users=3).fit(texts, [0] * 5, list("abcde"), ["en"] * 5)
    assert namer.labels_[0].name == "Write a cover letter for a nursing job"
    assert "request" in namer.labels_[0].description
    # a request with a word fewer than k users wrote is never a name
    rare = KeyphraseNamer(min_users=3).fit(texts[:2] + texts[4:], [0] * 3, list("abc"), ["en"] * 3)
    assert "quackenbush" not in rare.labels_[0].name.lower()


def test_keywords_are_diverse() -> None:
    # "alpha beta" users always also write "gamma"; MMR prefers a phrase that adds new conversations
    texts = ["alpha beta gamma"] * 6 + ["delta epsilon"] * 5
    namer = KeyphraseNamer(min_users=3, n_keywords=2).fit(texts, [0] * 11, [f"u{i}" for i in range(11)], ["en"] * 11)
    assert any("delta" in k or "epsilon" in k for k in namer.labels_[0].keywords)


def test_descriptions_say_what_the_cluster_holds() -> None:
    namer = KeyphraseNamer(min_users=3).fit(*_corpus())
    descriptions = [label.description for label in namer.labels_.values()]
    assert len(set(descriptions)) == len(descriptions)
    assert all("conversations" in d for d in descriptions)
    assert any("%" in d and "share of users" in d for d in descriptions)


def test_a_request_in_one_users_wording_is_never_a_name() -> None:
    # every content word is shared by 4 users, but each wording (its 4-word runs) by one user only
    texts = ["nursing job cover letter", "cover letter for nursing job", "Write my cover letter for the nursing job",
             "the nursing job needs a cover letter"]
    label = KeyphraseNamer(min_users=3).fit(texts, [0] * 4, list("abcd"), ["en"] * 4).labels_[0]
    assert label.name.lower() not in {t.lower() for t in texts} and "write my" not in label.name.lower()
    assert "Named offline from key phrases" in label.description


def _big_cluster(n: int = 1_200) -> tuple[list[str], list[int], list[str], list[str]]:
    """One cluster of ``n`` conversations (all about sourdough) and a small one; 6 users write 'zanzibar'."""
    texts = [f"sourdough bread recipe step {i % 7}" for i in range(n)]
    users = [f"u{i}" for i in range(n)]
    for i in range(6):
        texts[i * 150] += " zanzibar"
    texts += ["pasta carbonara sauce"] * 20
    users += [f"p{i}" for i in range(20)]
    return texts, [0] * n + [1] * 20, users, ["en"] * (n + 20)


def test_large_clusters_are_named_from_a_bounded_sample_whose_counts_only_go_down() -> None:
    texts, labels, users, langs = _big_cluster()
    full = KeyphraseNamer(min_users=K, max_conversations=None).fit(texts, labels, users, langs)
    sampled = KeyphraseNamer(min_users=K, max_conversations=200).fit(texts, labels, users, langs)
    assert "zanzibar" in full.labels_[0].keywords  # 6 users of the whole cluster: eligible
    # the 200 sampled conversations hold at most 1-2 of the 6 zanzibar writers: never named from the sample
    assert "zanzibar" not in sampled.labels_[0].keywords
    assert "sourdough bread" in " ".join(sampled.labels_[0].keywords)
    # sizes and user counts are the whole cluster's; phrase shares are of the sampled users
    assert sampled.n_users_[0] == 1_200 and "About 1,200 conversations" in sampled.labels_[0].description
    assert "100%" in sampled.labels_[0].description
    # a cluster within the bound is named from all of it: the same label as without a bound
    assert sampled.labels_[1] == full.labels_[1]
    again = KeyphraseNamer(min_users=K, max_conversations=200).fit(texts, labels, users, langs)
    assert again.labels_ == sampled.labels_  # seeded


def test_a_parents_sample_lies_within_its_childrens_samples() -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    children = rng.integers(0, 12, size=5_000)
    parents = children // 4
    namer = KeyphraseNamer(max_conversations=150)
    child_sample = namer._sample(children, 12)
    parent_sample = namer._sample(parents, 3)
    assert child_sample.sum() == 12 * 150 and parent_sample.sum() == 3 * 150
    assert not (parent_sample & ~child_sample).any()
    assert KeyphraseNamer(max_conversations=None)._sample(children, 12).all()
