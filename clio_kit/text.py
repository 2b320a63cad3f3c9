"""Tokenisation for offline key phrases: lower-cased content words of many languages, without filler.

What ``tokenize`` does, in order:

1. removes privacy placeholders (``[EMAIL]``, ``<PERSON>``, ``{{PHONE}}``, ``[PERSON_1]``), then code blocks, inline
   code, code identifiers (snake_case, dotted.names), code-looking lines, markup, URLs and e-mail addresses;
2. splits the rest into runs: CJK runs are segmented with ``janome`` when the text has kana or is marked Japanese
   (nouns and independent verbs, as base forms), otherwise with ``jieba`` (words of two or more characters); other
   letters form words (numbers and anything with a digit are dropped, apostrophes and hyphens split words);
3. drops stopwords -- English from scikit-learn's list (stopwords-iso's English list removes topic words such as
   "computer", "website", "research"), every other language ``stopwordsiso`` covers (Persian, Hebrew, Korean,
   Ukrainian, Russian, Arabic... 58 in all) from its lists, with a few function words those lists miss -- and
   chat filler in many languages ("please", "help", "write", "ayuda", "bitte", "请", "教える", "알려줘": words that
   say nothing about a topic).

The stopword list of the text's language is used with the English one; without ``language`` it is guessed from
the script (kana, Hangul, Han) or, for Latin text, from which language's stopwords occur most. Korean has no
segmenter: common particles are cut from the end of Hangul words. Only the first ``MAX_CHARS`` (2,000) characters
of a text are read. ``tokenize_segments`` keeps the places where words were not adjacent, for building phrases.

>>> tokenize("Please help me fix this pandas DataFrame error in Python, thanks!")
['fix', 'pandas', 'dataframe', 'error', 'python']
>>> phrases(["pandas", "dataframe"])
['pandas', 'dataframe', 'pandas dataframe']
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from . import scripts

__all__ = ["chinese_segmenter", "tokenize", "tokenize_segments", "phrases", "guess_language", "stopwords", "run_stopwords", "is_dropped",
           "script_languages", "word_sequences",
           "is_cjk",
           "SUPPORTED_LANGUAGES"]

SUPPORTED_LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "zh", "ja", "ko")

# Privacy placeholders left by scrubbers: [EMAIL], [PHONE_NUMBER], [PERSON_1], <PERSON>, {{EMAIL}}, [REDACTED].
# Upper-case with spaces ([PHONE NUMBER]) or one word of any case ([email], <name_2>).
_PLACEHOLDER = re.compile(r"(?:\[\[?|<|\{\{?)\s*(?:[A-Z][A-Z0-9_ -]*|[A-Za-z][A-Za-z0-9_-]*)\s*(?:\]\]?|>|\}\}?)")

_CJK_CLASS = scripts.KANA + scripts.HAN + "\u3005\u3006\u30fc"  # + iteration marks and the long-vowel mark
_KANA = re.compile(f"[{scripts.KANA}]")
_HAN = re.compile(f"[{scripts.HAN}]")
_HANGUL = re.compile(f"[{scripts.HANGUL}]")
_CJK_CHAR = re.compile(f"[{_CJK_CLASS}]")
# A CJK run, or a word: letters (no digits, no underscore), joined by nothing else.
_RUN = re.compile(f"([{_CJK_CLASS}]+)|([^\\W\\d_{_CJK_CLASS}]+)")
_FENCED = re.compile(r"(```|~~~).*?(\1|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")
# snake_case, dotted.names and file.ext, call(): code identifiers, not topic words (camelCase brands stay).
_IDENTIFIER = re.compile(r"\b(?:\w*_\w+|[A-Za-z_]\w*(?:\.(?!(?:js|net)\b)[A-Za-z_]\w*)+|[A-Za-z_]\w*\(\))")
_CODE_LINE_START = re.compile(
    r"^\s*(?:def \w+\s*\(|class \w+\s*[:(]|import \w|from \S+ import |#include|#!|function\s*\w*\s*\(|"
    r"(?:const|let|var)\s+\w+\s*=|(?:public|private|protected|static)\s+\w+.*[({;]|"
    r"(?:if|for|while|switch)\s*\(|[{}]|//|/\*|<\?|>>> )")
_CODE_SYMBOLS = re.compile(r"[{}\[\]()<>=;:+*/\\|&^%$#@_~`\"']")
_SPACES = re.compile(r"\s")
#: CJK runs whose segmentation is remembered: janome is pure Python (~4 ms a text), and runs (phrases between
#: punctuation) recur across a run's texts and across the naming of its levels
_SEGMENTED_RUNS = 1 << 16
_TOKENIZED_TEXTS = 1 << 14  # texts whose segments are kept (a run's base and parent names read the same)
MAX_CHARS = 2000  # only the start of a text is tokenised: long pastes add noise and time, not topic
_MAX_WORD_CHARS = 30  # longer "words" are hashes, base64 or glued text
_BREAK = "\n"  # what removed text becomes
# Words (letters only) separated by nothing but spaces; anything else between two words separates them.
_CHUNK = re.compile(r"[^\W\d_]+(?:[ \t]+[^\W\d_]+)*")

# Korean has no segmenter here: strip the commonest particles from the end of a Hangul word instead.
_KO_PARTICLES = ("하는", "하기", "하고", "해서", "에서는", "으로는", "에게서", "에서", "에게", "으로", "까지", "부터", "보다", "처럼",
                 "은", "는", "이", "가", "을", "를", "에", "의", "로", "와", "과", "도", "만")

# Topic words in scikit-learn's English stop list that a topic name needs.
_ENGLISH_KEEP = {"system", "fire", "bill", "interest", "computer", "mill", "cry", "serious", "empty", "detail"}

# Chat filler: requests and politeness, not topics. Applied for every language.
_FILLER = {
    "en": """please pls plz help helping helped want wants wanted need needs needed can could would like write
        writing written give gives giving make makes making create creating tell explain explaining know thanks thank
        hi hello hey ok okay sure yes just really get getting got use using used let lets show showing provide
        following given something things thing way ways good best new user assistant question questions answer
        answers ask asking asked try trying tried don doesn didn isn aren wasn won wouldn shouldn couldn ll ve
        im ive id youre thats whats hows dont cant wont doesnt didnt isnt lot lots kind sort able better specific
        example examples regarding related based include includes including one two also many much certain
        different various type types look looking say says said think going come take does did doing done named
        called""",
    "es": """favor ayuda ayudar ayudame ayúdame ayudarme quiero quisiera necesito necesitas puedes podrías podrias
        puede podría escribe escribir escríbeme dame darme hola gracias hacer haz hazme explica explicar explícame
        dime decir gustaría quería sobre ejemplo""",
    "fr": """plaît plait aide aider aidez aidez-moi veux voudrais voulez besoin peux pourrais pouvez pourriez écris
        écrire écrivez donne donner donnez bonjour salut merci fais faire faites explique expliquer expliquez dis
        dire exemple""",
    "de": """bitte hilfe helfen hilf hilfst möchte möchtest will willst brauche brauchst kannst könntest können
        schreibe schreib schreiben gib geben hallo danke erkläre erklären erklär mache mach machen sag sagen
        beispiel""",
    "pt": """favor ajuda ajudar ajude quero queria gostaria preciso precisa pode podes poderia escreva escrever
        escreve dê dá olá ola obrigado obrigada explique explicar explica faça fazer diga dizer exemplo""",
    "it": """favore aiuto aiutare aiutami aiutarmi voglio vorrei bisogno puoi potresti può scrivi scrivere scrivimi
        dammi dare ciao grazie spiega spiegare spiegami fai fare dimmi dire esempio""",
    "zh": """请 请问 帮 帮助 帮忙 帮我 想 想要 需要 可以 能否 能够 写 写一 给 给我 你好 谢谢 一下 一个 如何 怎么 怎样
        什么 告诉 介绍 解释 说明 问题 回答 为什么 是否 例子 提供 进行 使用 关于""",
    "ja": """お願い 願う 願い ください 下さい くださる 下さる 教える 教え 書く 書い 手伝う 手伝い 欲しい ほしい 作る
        知る 思う 言う 出来る できる いただく 頂く もらう 貰う ある いる する なる おる 方法 こと もの 何 よう
        ため 質問 回答 説明 使う 方 感じ 次 ところ 今 前 後 場合 そう これ それ あれ どれ""",
    "ko": """주세요 해주세요 알려주세요 도와주세요 부탁 부탁해요 감사합니다 안녕하세요 어떻게 무엇 방법 좀 해줘
        알려줘 써줘 만들어줘 있나요 있습니다 합니다 입니다 너 나 저 우리 당신 그 이 저것 이것 그것 뭐 왜 어디 언제""",
}

# Function words that stopwords-iso's lists miss (its Ukrainian list has 73 words, without "не").
_EXTRA_STOPWORDS = {
    "uk": """не і й в у на з із зі що як це та до за по від для я ти він вона воно ми ви вони мені мене тебе тобі
        йому їй нам вам їм так ні а але чи є був була було були буде бути цей ця це ці той та те ті там тут де
        коли який яка яке які дуже все всі вже ще тільки лише може можна треба мій моя моє мої твій твоя свій
        наш ваш його її їх про при без над під через щоб якщо бо аби же ж чому хто нас вас привіт дякую""",
    "ru": "это как что не ты вы мне меня тебя тебе можно нужно пожалуйста привет спасибо",
    "he": """של את על זה זו זאת אני אתה את הוא היא אנחנו אתם הם הן לא כן מה עם גם יש אין אבל או כי אם כל רק עוד
        כמו אל לי לך לו לה לנו שלי שלך שלו שלה היה הייתה להיות אפשר צריך רוצה תן תודה שלום איך למה מי""",
    "fa": "را به از که در با این آن است هست برای یک من تو او ما شما آنها چه چی چرا کجا لطفا سلام ممنون دارد دارم",
    "ar": "من في على إلى عن مع هذا هذه ذلك التي الذي هو هي أنا أنت نحن كيف ماذا لماذا هل لا نعم شكرا مرحبا",
}

_JA_KEEP_POS = {"名詞", "動詞"}
_JA_DROP_POS2 = {"非自立", "代名詞", "数", "接尾", "副詞可能", "特殊", "接続詞的", "動詞非自立的"}


def _split_words(block: str) -> set[str]:
    return set(block.split())


@lru_cache(maxsize=None)
def stopwords(language: str) -> frozenset[str]:
    """Stopwords of one language (ISO 639-1 code), chat filler included; unknown codes get English's.

    >>> "the" in stopwords("en"), "please" in stopwords("en"), "python" in stopwords("en")
    (True, True, False)
    >>> "receta" in stopwords("es"), "para" in stopwords("es")
    (False, True)
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = set(ENGLISH_STOP_WORDS) - _ENGLISH_KEEP
    words |= _split_words(_FILLER["en"])
    code = _normalise_language(language)
    if code and code != "en":
        words |= _split_words(_FILLER.get(code, "")) | _split_words(_EXTRA_STOPWORDS.get(code, ""))
        words |= _iso_stopwords(code)
    return frozenset(words)


@lru_cache(maxsize=None)
def run_stopwords(languages: frozenset[str]) -> frozenset[str]:
    """Stopwords of every language in ``languages`` (ISO codes, unknown ones ignored), English's and all filler:
    the words that may never be key phrases in a run that detected these languages.

    >>> words = run_stopwords(frozenset({"fa", "he", "ko", "uk"}))
    >>> {"در", "מה", "너", "не", "the", "please"} <= words, "python" in words
    (True, False)
    """
    words = set(_dropped_words("en"))
    for language in languages:
        words |= stopwords(language)
    return frozenset(words)


# Scripts whose text tells which stop lists may apply when no language was detected for it.
_SCRIPT_LANGUAGES = ((re.compile("[\u0600-\u06ff]"), ("fa", "ar", "ur", "ku")), (re.compile("[\u0590-\u05ff]"), ("he",)),
                     (re.compile("[\u0400-\u04ff]"), ("ru", "uk", "bg")), (_HANGUL, ("ko",)),
                     (re.compile("[\u0900-\u097f]"), ("hi", "mr")), (re.compile("[\u0370-\u03ff]"), ("el",)),
                     (re.compile("[\u0e00-\u0e7f]"), ("th",)), (re.compile("[\u0530-\u058f]"), ("hy",)),
                     (re.compile("[\u0980-\u09ff]"), ("bn",)), (re.compile("[\u0a80-\u0aff]"), ("gu",)))


def script_languages(text: str) -> tuple[str, ...]:
    """Languages whose stopwords may apply to ``text`` by its non-Latin scripts (Latin text: none).

    >>> script_languages("این یک متن است"), script_languages("як справи"), script_languages("hello")
    (('fa', 'ar', 'ur', 'ku'), ('ru', 'uk', 'bg'), ())
    """
    return tuple(code for pattern, codes in _SCRIPT_LANGUAGES if pattern.search(text) for code in codes)


@lru_cache(maxsize=None)
def _dropped_words(language: str) -> frozenset[str]:
    """Stopwords of ``language`` (with English's) and the chat filler of every language."""
    words = set(stopwords(language))
    for block in _FILLER.values():
        words |= _split_words(block)
    return frozenset(words)


def _iso_stopwords(code: str) -> set[str]:
    if code not in _iso_languages():
        return set()
    import stopwordsiso

    return {w.lower() for w in stopwordsiso.stopwords(code)}


@lru_cache(maxsize=1)
def _iso_languages() -> frozenset[str]:
    try:
        import stopwordsiso
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("clio_kit.text needs stopwordsiso: pip install stopwordsiso") from error
    return frozenset(stopwordsiso.langs())


_LANGUAGE_NAMES = {"english": "en", "spanish": "es", "french": "fr", "german": "de", "portuguese": "pt",
                   "italian": "it", "chinese": "zh", "japanese": "ja", "korean": "ko"}


def _normalise_language(language: str | None) -> str | None:
    if not language:
        return None
    value = language.strip().lower().replace("_", "-")
    if value in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[value]
    code = value.split("-")[0]
    return code if code in SUPPORTED_LANGUAGES or code in _iso_languages() or code in _EXTRA_STOPWORDS else None


@lru_cache(maxsize=1)
def _latin_stopword_votes() -> dict[str, tuple[str, ...]]:
    """word -> languages whose (function-word) stop list holds it; used to guess the language of Latin text."""
    votes: dict[str, list[str]] = {}
    for code in ("en", "es", "fr", "de", "pt", "it"):
        for word in stopwords(code) if code == "en" else _iso_stopwords(code):
            votes.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in votes.items()}


def guess_language(text: str) -> str | None:
    """Cheap language guess for stopword removal: script first, then the most frequent stopwords' language.

    Returns an ISO 639-1 code among ``SUPPORTED_LANGUAGES`` or None when nothing decides it. Use
    ``clio_kit.facets.language.detect_language`` for a real language facet.

    >>> guess_language("¿Cómo puedo hacer una receta de paella para la cena?")
    'es'
    >>> guess_language("カレーの作り方"), guess_language("红烧肉的做法"), guess_language("안녕하세요")
    ('ja', 'zh', 'ko')
    """
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "zh"
    votes = _latin_stopword_votes()
    counts: dict[str, int] = {}
    for word in re.findall(r"[^\W\d_]+", text.lower()):
        for code in votes.get(word, ()):
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda code: (counts[code], code == "en"))


def chinese_segmenter() -> Any:
    """jieba, its dictionary loaded (about 0.5 s, once per process)."""
    return _jieba()


@lru_cache(maxsize=1)
def _jieba() -> Any:
    try:
        import jieba
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("Chinese tokenisation needs jieba: pip install jieba") from error
    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _janome() -> Any:
    try:
        from janome.tokenizer import Tokenizer
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("Japanese tokenisation needs janome: pip install janome") from error
    return Tokenizer()


@lru_cache(maxsize=_SEGMENTED_RUNS)
def _chinese_words(run: str) -> tuple[str | None, ...]:
    """jieba words of a Han run; None where a word was dropped (one character, no Han)."""
    return tuple(w if len(w) >= 2 and _CJK_CHAR.search(w) else None for w in _jieba().lcut(run, HMM=True))


@lru_cache(maxsize=_SEGMENTED_RUNS)
def _japanese_words(run: str) -> tuple[str | None, ...]:
    """janome nouns and independent verbs (base forms) of a CJK run; None where a token was dropped."""
    words: list[str | None] = []
    for token in _janome().tokenize(run):
        pos = token.part_of_speech.split(",")
        word = token.base_form if token.base_form != "*" else token.surface
        keep = pos[0] in _JA_KEEP_POS and pos[1] not in _JA_DROP_POS2 and (pos[0] != "動詞" or pos[1] == "自立")
        words.append(word if keep and not (len(word) == 1 and _KANA.match(word)) else None)
    return tuple(words)


def _korean_word(word: str) -> str:
    for particle in _KO_PARTICLES:
        if word.endswith(particle) and len(word) > len(particle) + 1:
            return word[: -len(particle)]
    return word


def _is_code_line(line: str) -> bool:
    visible = len(line) - len(_SPACES.findall(line))
    if not visible:
        return False
    if _CODE_LINE_START.match(line):
        return True
    return len(_CODE_SYMBOLS.findall(line)) / visible > 0.25


def _clean(text: str) -> str:
    """Text without placeholders, code, markup, URLs and e-mail addresses (brand names like JavaScript stay).

    What is removed becomes a separator, so that words on either side never form a phrase.
    """
    for pattern in (_PLACEHOLDER, _FENCED, _INLINE_CODE, _URL, _EMAIL, _TAG, _IDENTIFIER):
        text = pattern.sub(_BREAK, text)
    return "\n".join(line for line in text.splitlines() if not _is_code_line(line))


def tokenize(text: str, language: str | None = None) -> list[str]:
    """Lower-cased content words of ``text`` in order, without stopwords, filler, numbers, code or placeholders.

    ``language`` (ISO 639-1 code or English name; None to guess) picks the stopword list; any text may mix
    scripts: CJK runs are segmented (janome when the text has kana or ``language`` is Japanese, else jieba).

    >>> tokenize("Email [EMAIL] about the 2024 budget: https://example.com")
    ['email', 'budget']
    >>> tokenize("请帮我写一个红烧肉的食谱")
    ['红烧肉', '食谱']
    >>> tokenize("カレーのレシピを教えてください")
    ['カレー', 'レシピ']
    """
    return [token for segment in tokenize_segments(text, language) for token in segment]


def tokenize_segments(text: str, language: str | None = None,
                      also_drop: frozenset[str] = frozenset()) -> list[list[str]]:
    """``tokenize`` split where words were not adjacent (a dropped word, punctuation, a line break, removed code).

    Phrases should be built within segments, so that "insurance and elderly care" gives no "insurance elderly".
    ``also_drop``: more words to drop (e.g. :func:`run_stopwords` of every language a run detected).

    >>> tokenize_segments("Tips for elderly care and health insurance. Thanks!")
    [['tips'], ['elderly', 'care'], ['health', 'insurance']]
    """
    if not text:
        return []
    return [list(segment) for segment in _segments(text, language, also_drop)]


@lru_cache(maxsize=_TOKENIZED_TEXTS)
def _segments(text: str, language: str | None, also_drop: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    """:func:`tokenize_segments`, kept for the last texts: naming reads a run's summaries once per level."""
    cleaned = _clean(text[:MAX_CHARS])
    code = _normalise_language(language) or guess_language(cleaned)
    japanese = code == "ja" or bool(_KANA.search(cleaned))
    drop = _dropped_words(code or "en")
    segments: list[list[str]] = []
    for chunk in _CHUNK.findall(cleaned.lower()):  # words separated by nothing but spaces
        if _CJK_CHAR.search(chunk):
            words: list[str | None] = []
            for match in _RUN.finditer(chunk):
                cjk, word = match.group(1), match.group(2)
                words.extend((_japanese_words(cjk) if japanese else _chinese_words(cjk)) if cjk else
                             [_latin_word(word)])
        elif _HANGUL.search(chunk):
            words = [_latin_word(word) for word in chunk.split()]
        else:
            words = [word if 2 <= len(word) <= _MAX_WORD_CHARS else None for word in chunk.split()]
        current: list[str] = []
        for item in words:
            if item is None or is_dropped(item, drop) or (also_drop and is_dropped(item, also_drop)):
                if current:
                    segments.append(current)
                    current = []
            else:
                current.append(item)
        if current:
            segments.append(current)
    return tuple(tuple(segment) for segment in segments)


def is_dropped(word: str, drop: frozenset[str] | set[str]) -> bool:
    """True when ``word`` is in ``drop``, or is a Korean word whose stem (without a particle) is.

    >>> is_dropped("너는", frozenset({"너"})), is_dropped("python", frozenset({"the"}))
    (True, False)
    """
    if word in drop:
        return True
    return bool(_HANGUL.match(word)) and any(word.endswith(p) and word[: -len(p)] in drop for p in _KO_PARTICLES)


def _latin_word(word: str) -> str | None:
    if len(word) < 2 or len(word) > _MAX_WORD_CHARS:
        return None
    return _korean_word(word) if _HANGUL.match(word) else word


def is_cjk(token: str) -> bool:
    """True when ``token`` starts or ends with a CJK character (such tokens join without a space).

    >>> is_cjk("レシピ"), is_cjk("recipe")
    (True, False)
    """
    return bool(token) and bool(_CJK_CHAR.match(token[0]) or _CJK_CHAR.match(token[-1]))


def phrases(tokens: Sequence[str], max_n: int = 2) -> list[str]:
    """Unigrams, then adjacent n-grams up to ``max_n``; CJK neighbours join without a space.

    Pass one segment of ``tokenize_segments`` at a time to keep phrases to words that were adjacent.

    >>> phrases(["python", "error", "dataframe"])
    ['python', 'error', 'dataframe', 'python error', 'error dataframe']
    >>> phrases(["データ", "フレーム"])
    ['データ', 'フレーム', 'データフレーム']
    """
    out = list(tokens)
    for n in range(2, max_n + 1):
        for start in range(len(tokens) - n + 1):
            gram = tokens[start]
            for token in tokens[start + 1: start + n]:
                gram += "" if is_cjk(gram[-1]) and is_cjk(token[0]) else " "
                gram += token
            out.append(gram)
    return out


def word_sequences(text: str, n: int = 4) -> list[str]:
    """The ``n``-word sequences of ``text`` (lower-cased words), in order, without repeats: the unit of the
    rare-wording rule for generated names (:mod:`clio_kit.privacy.wording`) and for offline request names.

    >>> word_sequences("Help debug Python scripts now", 4)
    ['help debug python scripts', 'debug python scripts now']
    """
    words = re.findall(r"\w+", str(text).lower())
    return list(dict.fromkeys(" ".join(words[i:i + n]) for i in range(len(words) - n + 1)))
