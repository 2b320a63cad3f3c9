"""Unicode ranges of the CJK scripts, for regex character classes (one definition for the whole package).

Used by language identification (kana means Japanese, Hangul Korean, Han alone Chinese), tokenisation (CJK runs
are segmented separately) and the name scrubber.

>>> import re
>>> bool(re.search(f"[{KANA}]", "ひらがな")), bool(re.search(f"[{HAN}]", "漢字")), bool(re.search(f"[{HANGUL}]", "한"))
(True, True, True)
"""

from __future__ import annotations

__all__ = ["KANA", "HAN", "HAN_SUPPLEMENTARY", "HANGUL", "HANGUL_ALL"]

#: hiragana, katakana, katakana phonetic extensions, half-width katakana
KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
#: CJK unified ideographs (extension A, the main block) and compatibility ideographs
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: ideographs beyond the Basic Multilingual Plane (extensions B onwards)
HAN_SUPPLEMENTARY = "\U00020000-\U0002ffff"
#: precomposed Hangul syllables
HANGUL = "\uac00-\ud7a3"
#: Hangul syllables plus jamo and compatibility jamo
HANGUL_ALL = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
