"""Offline request summaries: the informative part of the user's turns, without code, links or personal data.

No model writes these; they are *extractive*: the opening of what the user asked, cut at a sentence boundary,
scrubbed by the privacy scrubber. They are what the offline pipeline embeds and clusters.

>>> from clio_kit.conversation import Conversation, Message
>>> conv = Conversation("c", [Message("user", "hi"), Message("user", "How do I sort a dict by value in Python?")])
>>> ExtractiveSummarizer(scrub=False).summarize(conv)
'How do I sort a dict by value in Python?'
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..conversation import Conversation

__all__ = ["ExtractiveSummarizer", "FILLER_TURNS"]

FILLER_TURNS = frozenset({
    "hi", "hello", "hey", "continue", "go on", "go ahead", "thanks", "thank you", "ok", "okay", "yes", "no",
    "more", "next", "please continue", "continue please", "keep going", "sure", "great", "cool", "nice",
})

_CODE_BLOCK = re.compile(r"```.*?(```|$)", re.DOTALL)
_URL = re.compile(r"https?://\S+|www\.\S+")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


def _clean(text: str) -> str:
    text = _CODE_BLOCK.sub(" [code] ", text)
    text = _URL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def _is_filler(text: str) -> bool:
    return text.strip(" .!?,").lower() in FILLER_TURNS or len(text.strip()) < 3


def _cut(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    ends = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() >= max_chars // 3]
    return (head[: ends[-1]] if ends else head.rsplit(" ", 1)[0] or head).strip()


class ExtractiveSummarizer:
    """Summarise a conversation's request from its user turns.

    Parameters: ``max_chars`` caps the summary; ``min_chars`` keeps adding user turns until this much informative
    text is collected (so "hi" followed by the real question gives the question); ``scrub`` applies the privacy
    scrubber (on by default: summaries must be free of personal data).
    """

    def __init__(self, max_chars: int = 400, min_chars: int = 40, scrub: bool = True) -> None:
        self.max_chars = max_chars
        self.min_chars = min_chars
        self.scrub = scrub

    def fingerprint(self) -> dict[str, object]:
        return {"max_chars": self.max_chars, "min_chars": self.min_chars, "scrub": self.scrub, "version": 1}

    def _scrubber(self) -> Callable[[str], str]:
        if not self.scrub:
            return lambda text: text
        from ..privacy import scrub

        return scrub

    def summarize(self, conversation: Conversation) -> str:
        turns = [_clean(m.content) for m in conversation.messages if m.role == "user"]
        informative = [t for t in turns if t and not _is_filler(t)] or [t for t in turns if t]
        collected: list[str] = []
        for turn in informative:
            collected.append(turn)
            if sum(len(t) for t in collected) >= self.min_chars:
                break
        text = _cut(" ".join(collected), self.max_chars)
        return self._scrubber()(text)

    def summarize_many(self, conversations: list[Conversation]) -> list[str]:
        scrubber = self._scrubber()
        raw = ExtractiveSummarizer(self.max_chars, self.min_chars, scrub=False)
        return [scrubber(raw.summarize(c)) for c in conversations]
