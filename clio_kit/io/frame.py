"""Conversations <-> pandas DataFrame (exact round trip, parquet-safe) and our JSONL writer.

>>> from clio_kit.conversation import Conversation, Message
>>> from clio_kit.io import conversations_to_frame, frame_to_conversations
>>> convs = [Conversation("c1", [Message("user", "hi")], metadata={"lang": "en"})]
>>> frame_to_conversations(conversations_to_frame(convs)) == convs
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..conversation import Conversation, Message
from ..errors import InputError
from .timestamps import parse_timestamp

if TYPE_CHECKING:
    import pandas

__all__ = ["FRAME_COLUMNS", "conversations_to_frame", "frame_to_conversations", "write_jsonl",
           "conversation_to_record"]

FRAME_COLUMNS = ("conversation_id", "user_id", "timestamp", "messages", "metadata", "n_turns")


def conversation_to_record(conversation: Conversation) -> dict[str, Any]:
    """Our JSON record for one conversation (timestamp as ISO 8601 text)."""
    return {
        "conversation_id": conversation.conversation_id,
        "user_id": conversation.user_id,
        "timestamp": conversation.timestamp.isoformat() if conversation.timestamp else None,
        "messages": [{"role": m.role, "content": m.content} for m in conversation.messages],
        "metadata": conversation.metadata,
    }


def conversations_to_frame(conversations: Iterable[Conversation]) -> pandas.DataFrame:
    """One row per conversation: conversation_id, user_id, timestamp (UTC), messages (list of {role, content}),
    metadata (JSON text), n_turns."""
    import pandas as pd

    conversations = list(conversations)
    frame = pd.DataFrame({
        "conversation_id": pd.Series([c.conversation_id for c in conversations], dtype=object),
        "user_id": pd.Series([c.user_id for c in conversations], dtype=object),
        "timestamp": pd.to_datetime(pd.Series([c.timestamp for c in conversations], dtype=object), utc=True),
        "messages": pd.Series([[{"role": m.role, "content": m.content} for m in c.messages]
                               for c in conversations], dtype=object),
        "metadata": pd.Series([json.dumps(c.metadata, ensure_ascii=False) for c in conversations], dtype=object),
        "n_turns": pd.Series([c.n_turns for c in conversations], dtype="int64"),
    })
    return frame


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT, pd.NA-like
    except (TypeError, ValueError):
        return False


def frame_to_conversations(frame: pandas.DataFrame) -> list[Conversation]:
    """The inverse of ``conversations_to_frame`` (also after a parquet round trip); extra columns are ignored."""
    missing = [c for c in ("conversation_id", "messages") if c not in frame.columns]
    if missing:
        raise InputError(f"frame lacks column(s) {', '.join(missing)}")
    n = len(frame)
    columns: dict[str, list[Any]] = {name: (frame[name].tolist() if name in frame.columns else [None] * n)
               for name in ("conversation_id", "user_id", "timestamp", "messages", "metadata")}
    conversations = []
    for row in range(n):
        conversation_id = str(columns["conversation_id"][row])
        try:
            raw_messages = columns["messages"][row]
            if hasattr(raw_messages, "tolist"):
                raw_messages = raw_messages.tolist()
            messages = [Message(m["role"], m["content"]) for m in raw_messages]
            metadata = columns["metadata"][row]
            if _missing(metadata):
                metadata = {}
            elif isinstance(metadata, str):
                metadata = json.loads(metadata)
            if not isinstance(metadata, Mapping):
                raise ValueError("metadata is not an object")
            user_id = columns["user_id"][row]
            conversations.append(Conversation(
                conversation_id, messages, None if _missing(user_id) else str(user_id),
                parse_timestamp(columns["timestamp"][row]), dict(metadata)))
        except (TypeError, KeyError, ValueError) as error:
            raise InputError(f"frame row {row + 1} (conversation {conversation_id[:80]!r}): "
                             f"{type(error).__name__}: {str(error)[:120]}") from None
    return conversations


def write_jsonl(conversations: Iterable[Conversation], path: str | os.PathLike[str]) -> None:
    """Write conversations in our JSONL format (readable again with ``load(path)``)."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for conversation in conversations:
            handle.write(json.dumps(conversation_to_record(conversation), ensure_ascii=False) + "\n")
