"""Tokenisation for offline key phrases: content words only, across languages and scripts."""

from __future__ import annotations

import pytest

from clio_kit.text import guess_language, phrases, stopwords, tokenize, tokenize_segments


def test_english_keeps_topic_words_and_drops_filler_and_stopwords() -> None:
    tokens = tokenize("Could you please help me write a Python script that fixes this pandas DataFrame error?")
    assert tokens == ["python", "script", "fixes", "pandas", "dataframe", "error"]


def test_topic_words_that_generic_stop_lists_remove_are_kept() -> None:
    assert tokenize("computer system for my website research") == ["computer", "system", "website", "research"]


@pytest.mark.parametrize("text", [
    "Email [EMAIL] or phone [PHONE_NUMBER] about [PERSON]",
    "Email {{EMAIL}} or phone <PHONE> about [person_1]",
])
def test_placeholders_are_removed(text: str) -> None:
    assert tokenize(text) == ["email", "phone"]


def test_code_urls_numbers_and_emails_are_stripped() -> None:
    text = ("Why is 2024 slow?\n```python\nimport numpy as np\nvalue = np.zeros(10)\n```\n"
            "See https://example.com/page?id=7 or mail bob@example.org about my_variable_name in report.py")
    assert tokenize(text) == ["slow", "mail"]


def test_brand_names_survive_code_stripping() -> None:
    assert tokenize("JavaScript or TypeScript for a Node.js API on GitHub?") == [
        "javascript", "typescript", "node", "js", "api", "github"]


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("¿Me puedes dar una receta de paella para la cena?", "es", ["receta", "paella", "cena"]),
    ("Peux-tu m'aider à écrire une lettre de motivation ?", "fr", ["lettre", "motivation"]),
    ("Kannst du mir bitte eine Bewerbung schreiben?", "de", ["bewerbung"]),
    ("Pode me ajudar com uma receita de bolo de chocolate?", "pt", ["receita", "bolo", "chocolate"]),
    ("Puoi scrivere una ricetta per la pasta alla carbonara?", "it", ["ricetta", "pasta", "carbonara"]),
])
def test_european_languages(text: str, language: str, expected: list[str]) -> None:
    assert tokenize(text, language) == expected
    assert tokenize(text) == expected  # guessed from the stopwords


def test_chinese_is_segmented_into_words() -> None:
    tokens = tokenize("请帮我写一个红烧肉的食谱", "zh")
    assert tokens == ["红烧肉", "食谱"]


def test_japanese_keeps_nouns_and_content_verbs_as_base_forms() -> None:
    tokens = tokenize("高齢の両親の介護について相談したいです。", "ja")
    assert tokens == ["高齢", "両親", "介護", "相談"]
    assert "出る" in tokenize("pandasのデータフレームでエラーが出ます")


def test_mixed_script_text_segments_each_run() -> None:
    tokens = tokenize("I am learning カタカナ and want anime 漫画 recommendations")
    assert tokens == ["learning", "カタカナ", "anime", "漫画", "recommendations"]
    assert tokenize("如何用Python进行数据分析") == ["python", "数据分析"]


def test_segments_break_where_words_were_not_adjacent() -> None:
    assert tokenize_segments("Elderly care and health insurance, budget tips") == [
        ["elderly", "care"], ["health", "insurance"], ["budget", "tips"]]
    assert tokenize_segments("介護保険と年金の相談") == [["介護", "保険"], ["年金"], ["相談"]]


def test_phrases_are_unigrams_then_adjacent_pairs() -> None:
    assert phrases(["python", "error", "dataframe"]) == [
        "python", "error", "dataframe", "python error", "error dataframe"]
    assert phrases(["介護", "保険"]) == ["介護", "保険", "介護保険"]
    assert phrases(["python", "データ"]) == ["python", "データ", "python データ"]
    assert phrases(["a"], max_n=2) == ["a"]
    assert phrases(["x", "y", "z"], max_n=3)[-1] == "x y z"


def test_guess_language() -> None:
    assert guess_language("Quelle est la meilleure recette de crêpes pour le dîner ?") == "fr"
    assert guess_language("レシピ") == "ja"
    assert guess_language("食谱") == "zh"
    assert guess_language("12345") is None


def test_stopwords_include_filler_for_the_language() -> None:
    assert {"bitte", "der"} <= stopwords("de")
    assert "python" not in stopwords("de")
    assert stopwords("xx") == stopwords("en")


def test_empty_and_degenerate_text() -> None:
    assert tokenize("") == []
    assert tokenize("   \n\t") == []
    assert tokenize("!!! 123 ???") == []
