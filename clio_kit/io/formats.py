"""Turn one source record (a dict) into a validated ``Conversation``, per format, and detect formats.

Every converter raises ``RecordError`` with a short reason (never record text) when a record is unusable.
Fields a format does not map are kept in ``metadata``; per-message fields other than role and text go to
``metadata["message_fields"]`` (one dict per message) so that nothing is lost.

>>> from clio_kit.io.formats import detect_format, convert
>>> record = {"id": "a_0", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello"}]}
>>> detect_format(record)
'sharegpt'
>>> convert("sharegpt", record).messages[1].role
'assistant'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from ..conversation import Conversation, Message, normalize_role
from .timestamps import parse_timestamp

__all__ = ["FORMATS", "RecordError", "detect_format", "convert", "derived_conversation_id"]

# Columns that conversations_to_frame derives from the messages: not metadata when read back.
_DERIVED_COLUMNS = ("n_turns",)

FORMATS = ("jsonl", "parquet", "openai", "sharegpt", "wildchat", "claude_export", "csv")


class RecordError(ValueError):
    """A record cannot become a conversation; ``str(error)`` is the short reason."""

    def __init__(self, reason: str, record_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.record_id = record_id


def detect_format(record: Any) -> str | None:
    """The schema a record follows (``jsonl`` meaning ours), or ``None`` when it matches none."""
    if not isinstance(record, Mapping):
        return None
    if "chat_messages" in record:
        return "claude_export"
    if "conversation_hash" in record or "conversation" in record:
        return "wildchat"
    if "conversations" in record:
        return "sharegpt"
    if "messages" in record:
        return "jsonl" if "conversation_id" in record else "openai"
    return None


def derived_conversation_id(conversation: Conversation) -> str:
    """A stable id for a conversation whose source has none: ``h-`` + 16 hex digits of its content hash."""
    return "h-" + conversation.content_hash()[:16]


# -- shared pieces --------------------------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    """A JSON-safe copy of ``value`` (datetimes -> ISO text, numpy values -> Python, unknown -> str)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _jsonable(value.tolist())
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _text_id(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RecordError(f"{what} is {type(value).__name__}, expected text")
    text = str(value).strip()
    return text or None


def _text_of(content: Any, index: int, fields: dict[str, Any]) -> str:
    """Message text from a string or a list of parts ({"type": "text", "text": ...} or strings)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts: list[str] = []
        skipped = 0
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str) and \
                    part.get("type", "text") in ("text", "input_text", "output_text"):
                texts.append(part["text"])
            elif isinstance(part, Mapping):
                skipped += 1
            else:
                raise RecordError(f"message {index}: content part is {type(part).__name__}, expected an object")
        if skipped:
            fields["non_text_parts"] = skipped
        return "\n\n".join(texts)
    raise RecordError(f"message {index}: content is {type(content).__name__}, expected text")


def _checked_text(text: str, index: int) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise RecordError(f"message {index}: text is not valid Unicode (lone surrogate)") from None
    return text


def _build(raw_messages: Any, *, role_key: str, text_of: Callable[[Mapping[str, Any], int, dict[str, Any]], str],
           conversation_id: Any, user_id: Any, timestamp: Any, metadata: dict[str, Any],
           messages_name: str) -> Conversation:
    """Validate messages and fields; return the conversation (id derived from content when missing)."""
    conversation_id = _text_id(conversation_id, "conversation id")
    try:
        if raw_messages is None or raw_messages == []:
            raise RecordError("no messages")
        if not isinstance(raw_messages, list):
            if hasattr(raw_messages, "tolist") and not isinstance(raw_messages, Mapping):
                raw_messages = raw_messages.tolist()
            else:
                raise RecordError(f"'{messages_name}' is {type(raw_messages).__name__}, expected a list")
        messages: list[Message] = []
        message_fields: list[dict[str, Any]] = []
        for index, raw in enumerate(raw_messages, start=1):
            if not isinstance(raw, Mapping):
                raise RecordError(f"message {index} is {type(raw).__name__}, expected an object")
            try:
                role = normalize_role(raw.get(role_key))
            except ValueError as error:
                raise RecordError(f"message {index}: {error}") from None
            fields: dict[str, Any] = {}
            text = _checked_text(text_of(raw, index, fields), index)
            messages.append(Message(role, text))
            message_fields.append(fields)
        if not any(m.role == "user" and m.content.strip() for m in messages):
            raise RecordError("no non-empty user message")
        try:
            when = parse_timestamp(timestamp)
        except ValueError as error:
            raise RecordError(str(error)) from None
        user = _text_id(user_id, "user id")
        metadata = _jsonable(metadata)
        if any(message_fields):
            metadata["message_fields"] = _jsonable(message_fields)
    except RecordError as error:
        error.record_id = conversation_id
        raise
    conversation = Conversation(conversation_id or "", messages, user, when, metadata)
    if not conversation_id:
        conversation.conversation_id = derived_conversation_id(conversation)
    return conversation


def _extras(record: Mapping[str, Any], used: set[str | None]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in used}


def _first_key(record: Mapping[str, Any], *keys: str) -> tuple[Any, str | None]:
    for key in keys:
        if record.get(key) not in (None, ""):
            return record[key], key
    return None, None


# -- formats --------------------------------------------------------------------------------------------------

def _message_text(raw: Mapping[str, Any], index: int, fields: dict[str, Any], *, text_key: str = "content",
                  used: tuple[str, ...] = ("role", "content")) -> str:
    fields.update((k, v) for k, v in raw.items() if k not in used)
    content = raw.get(text_key)
    if content is None and ("tool_calls" in raw or "function_call" in raw):
        return ""  # an assistant turn that only calls tools
    return _text_of(content, index, fields)


def _convert_messages_record(record: Mapping[str, Any]) -> Conversation:
    """Ours (conversation_id/user_id/timestamp/messages/metadata) and OpenAI-style (id/user/created)."""
    conversation_id, id_key = _first_key(record, "conversation_id", "id")
    user_id, user_key = _first_key(record, "user_id", "user")
    timestamp, time_key = _first_key(record, "timestamp", "created", "created_at", "create_time")
    metadata = record.get("metadata")
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata) if metadata.strip() else {}
        except json.JSONDecodeError:
            raise RecordError("metadata is text but not JSON", _text_id(conversation_id, "id")) from None
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping):
        raise RecordError(f"metadata is {type(metadata).__name__}, expected an object")
    used: set[str | None] = {"messages", "metadata", "conversation_id", "user_id", "timestamp", id_key, user_key,
                             time_key, *_DERIVED_COLUMNS}
    used.update(k for k in record if isinstance(k, str) and k.startswith("__index_level_"))  # pandas index
    return _build(record.get("messages"), role_key="role", text_of=_message_text, messages_name="messages",
                  conversation_id=conversation_id, user_id=user_id, timestamp=timestamp,
                  metadata={**metadata, **_extras(record, used)})


def _sharegpt_text(raw: Mapping[str, Any], index: int, fields: dict[str, Any]) -> str:
    return _message_text(raw, index, fields, text_key="value", used=("from", "value"))


def _convert_sharegpt(record: Mapping[str, Any]) -> Conversation:
    return _build(record.get("conversations"), role_key="from", text_of=_sharegpt_text,
                  messages_name="conversations", conversation_id=record.get("id"), user_id=record.get("user_id"),
                  timestamp=record.get("timestamp"),
                  metadata=_extras(record, {"id", "conversations", "user_id", "timestamp"}))


def _convert_wildchat(record: Mapping[str, Any]) -> Conversation:
    turns = record.get("conversation")
    user_id = record.get("hashed_ip")
    if user_id in (None, "") and isinstance(turns, list):
        user_id = next((t.get("hashed_ip") for t in turns if isinstance(t, Mapping) and t.get("hashed_ip")), None)
    conversation_id, id_key = _first_key(record, "conversation_hash", "conversation_id")
    return _build(turns, role_key="role", text_of=_message_text, messages_name="conversation",
                  conversation_id=conversation_id, user_id=user_id, timestamp=record.get("timestamp"),
                  metadata=_extras(record, {"conversation", "hashed_ip", "timestamp", id_key}))


def _claude_text(raw: Mapping[str, Any], index: int, fields: dict[str, Any]) -> str:
    fields.update((k, v) for k, v in raw.items() if k not in ("sender", "text", "content"))
    text = raw.get("text")
    if isinstance(text, str) and text:
        return text
    content = raw.get("content")
    if content not in (None, []):
        return _text_of(content, index, fields)
    return _text_of(text if text is not None else "", index, fields)


def _convert_claude_export(record: Mapping[str, Any]) -> Conversation:
    account = record.get("account")
    user_id = account.get("uuid") if isinstance(account, Mapping) else account
    used: set[str | None] = {"uuid", "chat_messages", "created_at"}
    if isinstance(account, Mapping) and set(account) <= {"uuid"}:
        used.add("account")  # nothing in it besides the user id
    return _build(record.get("chat_messages"), role_key="sender", text_of=_claude_text,
                  messages_name="chat_messages", conversation_id=record.get("uuid"), user_id=user_id,
                  timestamp=record.get("created_at"), metadata=_extras(record, used))


_CONVERTERS: dict[str, Callable[[Mapping[str, Any]], Conversation]] = {
    "jsonl": _convert_messages_record,
    "parquet": _convert_messages_record,
    "openai": _convert_messages_record,
    "csv": _convert_messages_record,
    "sharegpt": _convert_sharegpt,
    "wildchat": _convert_wildchat,
    "claude_export": _convert_claude_export,
}


def convert(format: str, record: Any) -> Conversation:
    """Convert one record of ``format`` into a validated ``Conversation`` (``RecordError`` if unusable)."""
    if not isinstance(record, Mapping):
        raise RecordError(f"record is {type(record).__name__}, expected an object")
    return _CONVERTERS[format](record)
