"""The conversation data model shared by every stage.

A ``Conversation`` is an ordered list of ``Message`` objects (role + text) with an id, an optional user id,
an optional UTC timestamp and free-form metadata. Roles are normalised to ``ROLES`` on the way in.

>>> from clio_kit.conversation import Conversation, Message, normalize_role
>>> conv = Conversation("c1", [Message("user", "hi"), Message(normalize_role("gpt"), "Hello!"),
...                            Message("user", "Sort a list in Python?")])
>>> conv.n_turns, conv.first_user_message
(2, 'hi')
>>> len(conv.content_hash())
64
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import InputError

__all__ = ["ROLES", "ROLE_ALIASES", "Message", "Conversation", "normalize_role"]

ROLES = ("user", "assistant", "system", "tool")

# Lower-cased source role names -> canonical role. "bing"/"bard" occur in ShareGPT; "developer" is OpenAI's
# newer name for the system role.
ROLE_ALIASES: dict[str, str] = {
    "user": "user", "human": "user", "prompter": "user",
    "assistant": "assistant", "gpt": "assistant", "bot": "assistant", "chatgpt": "assistant",
    "model": "assistant", "claude": "assistant", "bing": "assistant", "bard": "assistant",
    "system": "system", "developer": "system",
    "tool": "tool", "function": "tool",
}


def normalize_role(role: Any) -> str:
    """Map a source role name (any case) to one of ``ROLES``; raise ``ValueError("unknown role 'X'")`` otherwise.

    >>> normalize_role("Human"), normalize_role("gpt"), normalize_role("function")
    ('user', 'assistant', 'tool')
    """
    if isinstance(role, str):
        canonical = ROLE_ALIASES.get(role.strip().lower())
        if canonical is not None:
            return canonical
        shown = role if len(role) <= 24 else role[:24] + "..."
        raise InputError(f"unknown role {shown!r}")
    raise InputError(f"role is {type(role).__name__}, expected text")


@dataclass(frozen=True, slots=True)
class Message:
    """One message. ``role`` must be one of ``ROLES`` (use ``normalize_role`` for source names)."""

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise InputError(f"unknown role {self.role!r}; expected one of {', '.join(ROLES)} (see normalize_role)")
        if not isinstance(self.content, str):
            raise InputError(f"message content is {type(self.content).__name__}, expected str")


@dataclass(slots=True)
class Conversation:
    """A conversation between a user and an assistant.

    ``timestamp`` is timezone-aware UTC when known. ``user_id`` is ``None`` when the source has none
    (downstream, each such conversation counts as its own user).
    """

    conversation_id: str
    messages: list[Message]
    user_id: str | None = None
    timestamp: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def user_messages(self) -> list[str]:
        """The text of every user message, in order (empty ones included)."""
        return [m.content for m in self.messages if m.role == "user"]

    @property
    def first_user_message(self) -> str:
        """The first user message with non-whitespace text, or ``""`` when there is none."""
        for message in self.messages:
            if message.role == "user" and message.content.strip():
                return message.content
        return ""

    @property
    def n_turns(self) -> int:
        """The number of user messages."""
        return sum(1 for m in self.messages if m.role == "user")

    def content_hash(self) -> str:
        """sha256 (hex) over the user id and every message's role and text; equal hashes mean duplicates.

        Each field is length-prefixed, so no two different conversations share a hash by concatenation.
        """
        digest = hashlib.sha256()
        digest.update(b"-" if self.user_id is None else _framed(self.user_id))
        for message in self.messages:
            digest.update(_framed(message.role))
            digest.update(_framed(message.content))
        return digest.hexdigest()


def _framed(text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return b"%d:" % len(data) + data
