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

Large inputs can be read in bounded batches instead (``load`` is built on this): JSON Lines and parquet files are
read record by record, and only one batch of conversations is held at a time.

>>> from clio_kit.io import iter_batches
>>> records = [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(5)]
>>> [(len(b.conversations), b.n_duplicates) for b in iter_batches(records + records[:1], batch_size=2,
...                                                                 progress=False)]
[(2, 0), (2, 0), (1, 1)]
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

__all__ = ["load", "iter_batches", "LoadResult", "LoadBatch", "Reject"]

_PARQUET_SUFFIXES = (".parquet", ".pq")
_CSV_SUFFIXES = (".csv", ".tsv")
_COMPRESSED_SUFFIXES = (".gz", ".zip", ".bz2", ".xz", ".zst", ".7z", ".tar")
_DETECTION_WINDOW = 1000  # records scanned for one whose format can be recognised
DEFAULT_BATCH_SIZE = 10_000  # source records per batch of iter_batches


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

    def batches(self, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[LoadBatch]:
        """This result again as batches (:class:`LoadBatch`) of up to ``batch_size`` conversations, rejects in the first.

        >>> result = load([{"messages": [{"role": "user", "content": t}]} for t in "abc"], progress=False)
        >>> [len(b.conversations) for b in result.batches(2)]
        [2, 1]
        """
        batch_size = _check_batch_size(batch_size)
        conversations = self.conversations
        for start in range(0, max(len(conversations), 1), batch_size):
            part = conversations[start:start + batch_size]
            first = start == 0
            yield LoadBatch(part, self.rejects if first else [], self.format, self.source,
                            n_records=self.n_records if first else 0,
                            n_duplicates=self.n_duplicates if first else 0,
                            n_missing_user_id=sum(c.user_id is None for c in part))


@dataclass
class LoadBatch:
    """One batch from :func:`iter_batches`: the conversations and rejects of up to ``batch_size`` source records.

    ``n_records`` counts the source records this batch read (kept, rejected and duplicate); ``format`` is the format
    known so far (``None`` until a readable record was seen). Duplicates of earlier batches are already dropped.
    """

    conversations: list[Conversation]
    rejects: list[Reject]
    format: str | None
    source: str
    n_records: int
    n_duplicates: int
    n_missing_user_id: int

    def __repr__(self) -> str:
        return (f"LoadBatch({len(self.conversations):,} conversations, {len(self.rejects):,} rejected, "
                f"{self.n_duplicates:,} duplicates; {self.n_records:,} records)")


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
                         f"name it with --format (command line) or format= (Python), one of {', '.join(FORMATS)}")
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
    Everything is held in memory; for inputs larger than memory use :func:`iter_batches`.
    """
    conversations: list[Conversation] = []
    rejects: list[Reject] = []
    n_records = n_duplicates = n_missing_user = 0
    found, label = format, _source_label(source)
    for batch in iter_batches(source, format, progress=progress, max_records=max_records):
        conversations.extend(batch.conversations)
        rejects.extend(batch.rejects)
        n_records += batch.n_records
        n_duplicates += batch.n_duplicates
        n_missing_user += batch.n_missing_user_id
        found, label = batch.format, batch.source
    return LoadResult(conversations, rejects, found or "unknown", n_records, n_duplicates, n_missing_user, label)


def _source_label(source: Any) -> str:
    return str(Path(source).expanduser()) if isinstance(source, (str, os.PathLike)) else "<records>"


def _check_batch_size(batch_size: Any) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    return batch_size


def iter_batches(source: str | os.PathLike[str] | Iterable[dict[str, Any]], format: str | None = None, *,
                 batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = True,
                 max_records: int | None = None) -> Iterator[LoadBatch]:
    """Read ``source`` like :func:`load` does, yielding a :class:`LoadBatch` per ``batch_size`` source records.

    JSON Lines and parquet files are read record by record (parquet in arrow batches), so memory holds one batch
    of conversations plus a 32-byte hash and the id of each conversation seen (for duplicate detection). JSON array
    files and CSV files are parsed whole first (an array is resynchronised after damage; CSV rows are grouped by
    conversation) and then yielded in batches. Validation, rejects and duplicate counting are those of
    :func:`load`. A batch never holds more than ``batch_size`` conversations; a batch whose records were all
    duplicates or rejects has none. Problems that stop everything raise ``InputError`` (before any batch, or after
    the last one for "no record could be parsed").

    >>> batches = list(iter_batches([{"messages": [{"role": "user", "content": "hi"}]}] * 3, progress=False))
    >>> len(batches), len(batches[0].conversations), batches[0].n_duplicates
    (1, 1, 2)
    """
    if format is not None and format not in FORMATS:
        raise InputError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if max_records is not None and (isinstance(max_records, bool) or not isinstance(max_records, int)
                                    or max_records < 0):
        raise InputError(f"max_records must be a whole number >= 0, got {max_records!r}")
    batch_size = _check_batch_size(batch_size)
    records, label, container_format = _raw_records(source, format)
    return _batches(records, label, container_format, format, batch_size, progress, max_records)


def _batches(records: Iterator[RawRecord], label: str, container_format: str | None, format: str | None,
             batch_size: int, progress: bool, max_records: int | None) -> Iterator[LoadBatch]:
    if max_records is not None:
        records = itertools.islice(records, max_records)
    if format is None:
        format, records = _detect(records, label, container_format)
    from ..progress import progress_bar

    records = progress_bar(records, desc="loading", enabled=progress, unit=" records")

    by_hash: set[bytes] = set()
    by_id: dict[str, int] = {}
    n_total = 0
    first_reject: Reject | None = None
    batch = LoadBatch([], [], format, label, 0, 0, 0)
    for raw in records:
        if batch.n_records >= batch_size:
            yield batch
            batch = LoadBatch([], [], format, label, 0, 0, 0)
        n_total += 1
        batch.n_records += 1
        reject: Reject | None = None
        if raw.error is not None:
            record_id = raw.value.get("conversation_id") if isinstance(raw.value, dict) else None
            reject = Reject(label, raw.position, record_id, raw.error)
        elif format is None:  # nothing readable so far: detect on this record
            format = batch.format = _as_container(detect_format(raw.value), container_format)
            if format is None:
                reason = ("record has no recognisable conversation fields" if isinstance(raw.value, dict)
                          else f"record is {type(raw.value).__name__}, expected an object")
                reject = Reject(label, raw.position, None, reason)
        if reject is None:
            try:
                conversation = convert(format, raw.value)
            except RecordError as error:
                reject = Reject(label, raw.position, _short_id(error.record_id), error.reason)
        if reject is not None:
            first_reject = first_reject or reject
            batch.rejects.append(reject)
            continue
        key = bytes.fromhex(conversation.content_hash())
        if key in by_hash:
            batch.n_duplicates += 1
            continue
        seen = by_id.get(conversation.conversation_id)
        if seen is not None:
            reject = Reject(label, raw.position, _short_id(conversation.conversation_id),
                            f"conversation_id already used by a different conversation (at {seen})")
            first_reject = first_reject or reject
            batch.rejects.append(reject)
            continue
        by_hash.add(key)
        by_id[conversation.conversation_id] = raw.position
        if conversation.user_id is None:
            batch.n_missing_user_id += 1
        batch.conversations.append(conversation)
    if batch.n_records:
        yield batch

    if label != "<records>":
        if n_total == 0:
            raise InputError(f"no records in {label}")
        if format is None and first_reject is not None:  # not one readable record: probably not conversations
            raise InputError(f"cannot read {label}: no record could be parsed "
                             f"(first problem, line {first_reject.line}: {first_reject.reason})")


def _short_id(record_id: str | None) -> str | None:
    if record_id is None:
        return None
    return record_id if len(record_id) <= 80 else record_id[:80] + "..."
