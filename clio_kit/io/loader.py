"""``load``: read conversations from a file or records in any supported format, losing nothing silently.

Each unusable record becomes a ``Reject`` (where, which record, why) and loading goes on; exact duplicates are
counted and dropped. Only problems that stop everything (missing file, unknown format, empty file) raise
``InputError``.

>>> from clio_kit.io import load
>>> result = load([{"id": "a", "conversations": [{"from": "human", "value": "hi"}]},
...                {"id": "b", "conversations": [{"from": "alien", "value": "hi"}]}], progress=False)
>>> result.summary()
'1 conversation (format sharegpt); 1 rejected; 0 duplicates dropped; 1 missing user id'
>>> result.rejects[0].reason
"message 1: unknown role 'alien'"
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..conversation import Conversation
from ..errors import InputError
from .formats import FORMATS, RecordError, convert, detect_format
from .readers import RawRecord, file_is_empty, read_csv_file, read_json_file, read_parquet_file

__all__ = ["load", "LoadResult", "Reject"]

_PARQUET_SUFFIXES = (".parquet", ".pq")
_CSV_SUFFIXES = (".csv", ".tsv")
_COMPRESSED_SUFFIXES = (".gz", ".zip", ".bz2", ".xz", ".zst", ".7z", ".tar")
_DETECTION_WINDOW = 1000  # records scanned for one whose format can be recognised


@dataclass
class Reject:
    """A record that could not be loaded: ``line`` is its 1-based position (JSONL line, array element,
    parquet row, first CSV data row of the conversation); ``reason`` never quotes conversation text."""

    source: str
    line: int | None
    record_id: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LoadResult:
    """Conversations that loaded, the records that did not, and counts."""

    conversations: list[Conversation]
    rejects: list[Reject]
    format: str
    n_records: int
    n_duplicates: int
    n_missing_user_id: int
    source: str = ""

    def write_rejects(self, path: str | os.PathLike[str]) -> None:
        """Write one JSON object per reject (source, line, record_id, reason)."""
        with Path(path).open("w", encoding="utf-8") as handle:
            for reject in self.rejects:
                handle.write(json.dumps(reject.to_dict(), ensure_ascii=False) + "\n")

    def summary(self) -> str:
        """One line, e.g. ``1,234 conversations (format sharegpt); 3 rejected; ...``."""
        n = len(self.conversations)
        return (f"{n:,} conversation{'s' if n != 1 else ''} (format {self.format}); {len(self.rejects):,} rejected; "
                f"{self.n_duplicates:,} duplicate{'s' if self.n_duplicates != 1 else ''} dropped; "
                f"{self.n_missing_user_id:,} missing user id")

    def __repr__(self) -> str:
        return f"LoadResult({self.summary()})"


def _container(path: Path, format: str | None) -> str:
    suffix = path.suffix.lower()
    if format == "csv" or (format is None and suffix in _CSV_SUFFIXES):
        return "csv"
    if format == "parquet" or suffix in _PARQUET_SUFFIXES:
        return "parquet"
    return "json"


def _resolve_path(source: str | os.PathLike[str]) -> Path:
    path = Path(source).expanduser()
    if path.is_dir() and (path / "conversations.json").is_file():  # an unpacked Claude.ai export
        path = path / "conversations.json"
    if not path.exists():
        raise InputError(f"input not found: {path}")
    if path.suffix.lower() in _COMPRESSED_SUFFIXES:
        raise InputError(f"compressed input is not read directly: unpack {path.name} first")
    if not path.is_file():
        raise InputError(f"input is not a file: {path}")
    if file_is_empty(path):
        raise InputError(f"input file is empty: {path}")
    return path


def _raw_records(source: Any, format: str | None) -> tuple[Iterator[RawRecord], str, str | None]:
    """(records, source label, container-implied format or None)."""
    if isinstance(source, (str, os.PathLike)):
        path = _resolve_path(source)
        container = _container(path, format)
        if container == "csv":
            return read_csv_file(path), str(path), "csv"
        if container == "parquet":
            return read_parquet_file(path), str(path), "parquet"
        return read_json_file(path), str(path), None
    if isinstance(source, dict):
        raise InputError("expected a path or an iterable of records, got one dict (wrap it in a list)")
    if hasattr(source, "to_dict") and hasattr(source, "columns"):  # a pandas DataFrame
        source = source.to_dict("records")
    try:
        iterator = iter(source)
    except TypeError:
        raise InputError(f"expected a path or an iterable of records, got {type(source).__name__}") from None
    return (RawRecord(i, record) for i, record in enumerate(iterator, start=1)), "<records>", None


def _detect(records: Iterator[RawRecord], source: str, container_format: str | None
            ) -> tuple[str | None, Iterator[RawRecord]]:
    buffered: list[RawRecord] = []
    for raw in records:
        buffered.append(raw)
        found = _as_container(detect_format(raw.value), container_format) if raw.error is None else None
        if found is not None:
            return found, itertools.chain(buffered, records)
        if len(buffered) >= _DETECTION_WINDOW:
            break
    first = next((r.value for r in buffered if r.error is None and isinstance(r.value, dict)), None)
    if first is not None:
        keys = ", ".join(sorted(map(str, first))[:8])
        raise InputError(f"cannot detect the format of {source}: records have fields [{keys}]; "
                         f"pass format= one of {', '.join(FORMATS)}")
    return None, itertools.chain(buffered, records)


def _as_container(found: str | None, container_format: str | None) -> str | None:
    """Our schema read from parquet is format ``parquet``, from CSV ``csv``, from JSON text or records ``jsonl``."""
    if found == "jsonl" and container_format in ("parquet", "csv"):
        return container_format
    return found


def load(source: str | os.PathLike[str] | Iterable[dict[str, Any]], format: str | None = None, *,
         progress: bool = True, max_records: int | None = None) -> LoadResult:
    """Load conversations from a file (format detected from extension and first record) or from dict records.

    ``format`` forces one of ``FORMATS``; ``max_records`` stops after that many source records (CSV: that many
    conversations). A directory holding ``conversations.json`` (an unpacked Claude.ai export) is accepted.
    """
    if format is not None and format not in FORMATS:
        raise InputError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if max_records is not None and (not isinstance(max_records, int) or max_records < 0):
        raise InputError(f"max_records must be a whole number >= 0, got {max_records!r}")
    records, label, container_format = _raw_records(source, format)
    if max_records is not None:
        records = itertools.islice(records, max_records)
    if format is None:
        format, records = _detect(records, label, container_format)
    from ..progress import progress_bar

    records = progress_bar(records, desc="loading", enabled=progress, unit=" records")

    conversations: list[Conversation] = []
    rejects: list[Reject] = []
    by_hash: set[str] = set()
    by_id: dict[str, int] = {}
    n_records = n_duplicates = n_missing_user = 0
    for raw in records:
        n_records += 1
        if raw.error is not None:
            record_id = raw.value.get("conversation_id") if isinstance(raw.value, dict) else None
            rejects.append(Reject(label, raw.position, record_id, raw.error))
            continue
        if format is None:  # nothing readable so far: detect on this record
            format = _as_container(detect_format(raw.value), container_format)
            if format is None:
                reason = ("record has no recognisable conversation fields" if isinstance(raw.value, dict)
                          else f"record is {type(raw.value).__name__}, expected an object")
                rejects.append(Reject(label, raw.position, None, reason))
                continue
        try:
            conversation = convert(format, raw.value)
        except RecordError as error:
            rejects.append(Reject(label, raw.position, _short_id(error.record_id), error.reason))
            continue
        key = conversation.content_hash()
        if key in by_hash:
            n_duplicates += 1
            continue
        seen = by_id.get(conversation.conversation_id)
        if seen is not None:
            rejects.append(Reject(label, raw.position, _short_id(conversation.conversation_id),
                                  f"conversation_id already used by a different conversation (at {seen})"))
            continue
        by_hash.add(key)
        by_id[conversation.conversation_id] = raw.position
        if conversation.user_id is None:
            n_missing_user += 1
        conversations.append(conversation)

    if label != "<records>":
        if n_records == 0:
            raise InputError(f"no records in {label}")
        if format is None:  # not one readable record: probably not a conversation file at all
            raise InputError(f"cannot read {label}: no record could be parsed "
                             f"(first problem, line {rejects[0].line}: {rejects[0].reason})")
    return LoadResult(conversations, rejects, format or "unknown", n_records, n_duplicates, n_missing_user, label)


def _short_id(record_id: str | None) -> str | None:
    if record_id is None:
        return None
    return record_id if len(record_id) <= 80 else record_id[:80] + "..."
