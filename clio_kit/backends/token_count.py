"""Tokens per script: an offline estimate calibrated against a real tokenizer, and its safe upper bound.

Characters per token differ several-fold between scripts (English prose ~4, Chinese ~0.8, Hindi ~0.5), so a
characters / 4 rule undercounts most of the world's languages. Here the text's characters are counted per class
(Latin letters and words, digits, spaces, punctuation, Han, kana, Hangul, Cyrillic, Arabic, Devanagari, ...) and
weighted by per-class token rates fitted by ``benchmarks/token_calibration.py`` against a real byte-level BPE
tokenizer (see ``token_rates.json``: the reference, the calibration sample and the measured error).

The budget guard reserves :func:`reserve_tokens`: the estimate raised by the calibration's worst under-estimate,
never more than the text's UTF-8 bytes (a byte-level BPE never emits more tokens than bytes). With an API key, the
Claude backend asks the API's token-counting endpoint instead (exact for the model; cached per request).

>>> estimate_tokens(""), estimate_tokens("Hello, how are you today?") in range(5, 10)
(0, True)
>>> estimate_tokens("今天天气很好，我们去公园散步吧。") > len("今天天气很好，我们去公园散步吧。") / 4 * 3
True
>>> reserve_tokens("abc") <= 3
True
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from ..scripts import HAN, HAN_SUPPLEMENTARY, HANGUL_ALL, KANA

__all__ = ["CHAR_CLASSES", "char_counts", "estimate_tokens", "reserve_tokens", "token_rates", "truncate_to_tokens"]

#: character classes counted (ranges of code points, "a-z" style); ``other`` is whatever none of them holds
CHAR_CLASSES: dict[str, str] = {
    "latin": "A-Za-z",
    "latin_accented": "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",  # letters of most non-English
    # Latin-script languages, whose words the tokenizers' English-heavy vocabularies split more finely
    "digit": "0-9",
    "space": "\t-\r\x1c-\x1f  \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
    "punct": "!-/:-@[-`{-~",
    "han": HAN + HAN_SUPPLEMENTARY + "\u3001-\u303f\uff00-\uff65",  # ideographs, CJK and full-width punctuation
    "kana": KANA,
    "hangul": HANGUL_ALL,
    "cyrillic": "\u0400-\u052f",
    "greek": "\u0370-\u03ff\u1f00-\u1fff",
    "arabic": "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff",
    "hebrew": "\u0590-\u05ff",
    "devanagari": "\u0900-\u097f",
    "indic": "\u0980-\u0dff",  # Bengali to Sinhala
    "thai": "\u0e00-\u0e7f",
}


def _ranges(spec: str) -> list[tuple[int, int]]:
    """``"a-zA"`` -> ``[(97, 122), (65, 65)]``."""
    out, i = [], 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.append((ord(spec[i]), ord(spec[i + 2])))
            i += 3
        else:
            out.append((ord(spec[i]), ord(spec[i])))
            i += 1
    return out


_NAMES = (*CHAR_CLASSES, "other")
_TABLE = np.full(0x110000, len(CHAR_CLASSES), dtype=np.uint8)  # code point -> class index (last: other)
for _index, _spec in enumerate(CHAR_CLASSES.values()):
    for _low, _high in _ranges(_spec):
        _TABLE[_low:_high + 1] = _index
_LETTERS = np.zeros(len(_NAMES), dtype=bool)
_LETTERS[[_NAMES.index("latin"), _NAMES.index("latin_accented")]] = True
# The most frequent English words: one token each in any English-heavy BPE vocabulary. Latin-script words outside
# this list (other languages' words, rare words, identifiers) cost more tokens each.
_COMMON = frozenset("""the of and to a in is it you that he was for on are with as i his they be at
one have this from or had by not but what some we can out other were all there when up use your how said an each she
which do their time if will way about many then them would write like so these her long make thing see him two has
look more day could go come did my no most who over know than call first may down been now find any new work part
take get made live where after back little only round man year came show every good me give our under name very
through just form much great think say help low line before turn cause same mean differ move right boy old too does
tell set three want well also play small end put home read hand large add even here must big high such why ask went
men need try kind off keep let always should my am please thanks thank code file data function error using because
""".split())
_LATIN_WORDS = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+")


def char_counts(text: str) -> dict[str, int]:
    """Characters of ``text`` per class, plus ``other``, ``latin_words`` (runs of Latin letters) and
    ``latin_rare_words`` (those not among the commonest English words) and ``latin_long_letters`` (letters past the
    tenth of each word: identifiers, hashes and compounds split into many tokens).

    >>> counts = char_counts("Hi мир 1!")
    >>> counts["latin"], counts["cyrillic"], counts["latin_words"], counts["latin_rare_words"], counts["other"]
    (2, 3, 1, 1, 0)
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = _TABLE[codes]
    counts = dict(zip(_NAMES, np.bincount(classes, minlength=len(_NAMES)).tolist()))
    if counts["latin"] or counts["latin_accented"]:
        words = _LATIN_WORDS.findall(text)
        counts["latin_words"] = len(words)
        counts["latin_rare_words"] = sum(1 for word in map(str.lower, words) if word not in _COMMON)
        counts["latin_long_letters"] = sum(len(word) - 10 for word in words if len(word) > 10)
    else:
        counts["latin_words"] = counts["latin_rare_words"] = counts["latin_long_letters"] = 0
    return counts


@cache
def token_rates() -> dict[str, Any]:
    """The calibration record (``token_rates.json``): ``rates`` per class, ``reserve_factor``, reference, error."""
    raw = resources.files(__package__).joinpath("token_rates.json").read_text(encoding="utf-8")
    return json.loads(raw)


def _weighted(counts: Mapping[str, int]) -> float:
    rates = token_rates()["rates"]
    return sum(rates.get(name, 1.0) * n for name, n in counts.items())


def estimate_tokens(text: str) -> int:
    """Tokens ``text`` is likely to cost (calibrated per script; see the module docstring)."""
    if not text:
        return 0
    return max(1, math.ceil(_weighted(char_counts(text))))


def reserve_tokens(text: str) -> int:
    """An upper bound for budgets: the estimate times the calibration's worst under-estimate, capped at the
    UTF-8 byte count (which no byte-level BPE exceeds)."""
    if not text:
        return 0
    factor = float(token_rates()["reserve_factor"])
    return min(len(text.encode("utf-8")), math.ceil(estimate_tokens(text) * factor))


def truncate_to_tokens(text: str, max_tokens: int, note: str) -> str:
    """Keep the head and the tail of ``text`` within about ``max_tokens``, ``note`` marking the cut between them.

    The tail matters: a question typed after a long paste is at the end.

    >>> cut = truncate_to_tokens("code " * 2000 + "Why does it fail?", 100, "\\n[...]\\n")
    >>> cut.endswith("Why does it fail?"), "[...]" in cut, estimate_tokens(cut) <= 110
    (True, True, True)
    """
    total = estimate_tokens(text)
    if total <= max_tokens:
        return text
    room = max(max_tokens - estimate_tokens(note), 8)
    keep = max(int(len(text) * room / total), 16)  # characters, proportional to the text's own token density
    for _ in range(8):
        head, tail = text[: keep // 2], text[len(text) - (keep - keep // 2):]
        if estimate_tokens(head) + estimate_tokens(tail) <= room or keep <= 16:
            break
        keep = int(keep * 0.9)
    return head + note + tail
