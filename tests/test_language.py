"""Language identification: ISO 639-1 codes, code stripping, CJK scripts, and what counts as unknown."""

from __future__ import annotations

import pytest

from clio_kit.facets.language import (
    LanguageGuess,
    detect_language,
    detect_languages,
    language_name,
    strip_non_prose,
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("How do I make my sourdough starter more active?", "en"),
        ("¿Puedes ayudarme a escribir una carta de presentación?", "es"),
        ("Peux-tu m'expliquer la différence entre un prêt et un crédit ?", "fr"),
        ("Kannst du mir helfen, eine E-Mail an meinen Vermieter zu schreiben?", "de"),
        ("日本の高齢化社会について教えてください", "ja"),
        ("老人介護について", "ja"),  # mostly kanji, but kana decides Japanese
        ("请帮我写一份关于人工智能的报告", "zh"),
        ("東京大学", "zh"),  # Han characters without kana are read as Chinese
        ("한국어로 대답해 주세요", "ko"),
        ("Πώς μπορώ να μάθω ελληνικά;", "el"),  # a Greek question mark is not code
        ("Как приготовить борщ?", "ru"),
        ("Bonjour", "fr"),
        ("continue", "en"),
    ],
)
def test_detects_language_codes(text: str, code: str) -> None:
    assert detect_language(text).code == code


@pytest.mark.parametrize("text", ["", "   ", "1234 5678", "🙂🙂", "hi", "test",
                                  "```python\nimport numpy as np\nprint(np.zeros(3))\n```",
                                  "def f(x):\n    return x + 1", "SELECT * FROM users WHERE id = 1;"])
def test_unknown_for_no_prose_or_low_confidence(text: str) -> None:
    guess = detect_language(text)
    assert (guess.code, guess.name) == ("und", "Unknown")
    assert 0.0 <= guess.score < 0.4


def test_code_blocks_do_not_decide_the_language() -> None:
    code = "```python\nimport pandas as pd\ndf = pd.read_csv('data.csv')\nprint(df.head())\n```"
    assert detect_language("这段代码为什么报错？\n" + code).code == "zh"
    assert detect_language("Pourquoi ce code ne marche-t-il pas ?\n" + code).code == "fr"
    assert detect_language("なぜこのコードはエラーになりますか？\n" + code).code == "ja"


def test_a_few_cjk_characters_do_not_outvote_the_rest() -> None:
    text = "Keep the body part you sent, but add the aerobic item at the end.\nMake each list 20 instead of 5.\n지금 번역하기"
    assert detect_language(text).code == "en"
    assert detect_language("写了一片关于home school的essay，apa format，列出三个引用").code == "zh"


def test_yaml_and_config_lines_are_not_prose() -> None:
    assert strip_non_prose("eventsConfig:\n - name: LoginTokens\n   enabled: true\nWhy does this fail?") == \
        "Why does this fail?"


def test_identifiers_inside_cjk_text_are_removed_but_text_kept() -> None:
    assert detect_language("请解释numpy.array的用法").code == "zh"
    assert "numpy" not in strip_non_prose("请解释numpy.array的用法")
    assert "的用法" in strip_non_prose("请解释numpy.array的用法")


def test_strip_non_prose_keeps_prose_and_markdown_bullets() -> None:
    text = ("Please review:\n* using the car on weekends\n* cooking\n<b>bold words</b> at "
            "https://example.com/x?y=1 or mail a@b.org\n`inline()` here\nx = compute(a, b);\n{\n}")
    stripped = strip_non_prose(text)
    assert "using the car on weekends" in stripped
    assert "bold words" in stripped and "<b>" not in stripped
    assert "example.com" not in stripped and "a@b.org" not in stripped
    assert "inline" not in stripped and "compute" not in stripped and "{" not in stripped


def test_detect_languages_matches_single_calls_and_returns_guesses() -> None:
    texts = ["Wie geht es dir heute?", "", "Come posso imparare a cucinare?"]
    guesses = detect_languages(texts)
    assert guesses == [detect_language(text) for text in texts]
    assert all(isinstance(guess, LanguageGuess) for guess in guesses)
    assert [g.code for g in guesses] == ["de", "und", "it"]
    assert guesses[0].name == "German" and guesses[0].score > 0.9


def test_min_score_controls_unknown() -> None:
    assert detect_language("thanks", min_score=0.4).code == "en"
    assert detect_language("thanks", min_score=1.0).code == "und"


def test_language_names_and_dialects_fold_into_iso_639_1() -> None:
    assert language_name("zh") == "Chinese" and language_name("ja") == "Japanese"
    assert language_name("not-a-code") == "Unknown"
    # Cantonese written text is folded into Chinese (zh), never reported as the ISO 639-3 'yue'
    assert detect_language("你哋今日食咗飯未呀？我哋一齊去飲茶啦").code == "zh"


def test_labelled_set_language_accuracy(labelled_records) -> None:  # noqa: ANN001
    truth = [record["labels"]["language"] for record in labelled_records]
    first_turns = [next(m["content"] for m in r["messages"] if m["role"] == "user") for r in labelled_records]
    whole = ["\n".join(m["content"] for m in r["messages"]) for r in labelled_records]
    for texts in (first_turns, whole):
        detected = [guess.code for guess in detect_languages(texts)]
        accuracy = sum(d == t for d, t in zip(detected, truth)) / len(truth)
        assert accuracy >= 0.98
    assert {"ja", "zh"} <= set(truth)
