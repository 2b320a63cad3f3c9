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

_CODE_HINTS = re.compile(
    r"```|^\s{4,}\S|\bdef \w+\(|\bfunction \w*\(|\bclass \w+[:({]|#include\b|\bimport \w+|\bSELECT\b.+\bFROM\b|"
    r"=>|;\s*$|\{\s*$|</\w+>",
    re.MULTILINE,
)


def looks_like_code(text: str) -> bool:
    """True when a message contains a code block or several code-like lines."""
    if "```" in text:
        return True
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
