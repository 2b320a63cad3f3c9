"""Read raw records from files, record by record, turning unreadable ones into errors instead of stopping.

Each reader yields ``RawRecord(position, value, error)``: ``position`` is 1-based (the line of a JSONL file, the
element of a JSON array, the data row of a parquet file, the first data row of a CSV conversation); either
``value`` (usually a dict) or ``error`` (a short reason, never record text) is set.

>>> from clio_kit.io.readers import iter_json_array
>>> [(r.position, r.value, r.error) for r in iter_json_array('[{"a": 1}, {"b": 2}, {"c": ')]
... # doctest: +NORMALIZE_WHITESPACE
[(1, {'a': 1}, None), (2, {'b': 2}, None),
 (3, {'conversation_id': None}, 'truncated JSON at end of file (record starts at file line 1): Expecting value')]
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .timestamps import parse_timestamp

__all__ = ["RawRecord", "iter_json_array", "read_json_file", "read_parquet_file", "read_csv_file",
           "CSV_ORDER_COLUMNS", "file_is_empty", "guess_record_id"]

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SURROGATE = re.compile("[\udc80-\udcff]")
_DECODER = json.JSONDecoder()
CSV_ORDER_COLUMNS = ("turn", "message_index", "position")
_EXTRA_FIELDS = "\0extra"


@dataclass(slots=True)
class RawRecord:
    position: int
    value: Any = None
    error: str | None = None


def _skip_whitespace(text: str, pos: int) -> int:
    found = _WHITESPACE.match(text, pos)
    return found.end() if found else pos


def _file_line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


_RECORD_ID = re.compile(r'"(?:id|conversation_id|conversation_hash|uuid)"\s*:\s*"([^"\\\n]{1,80})"')


def guess_record_id(text: str) -> str | None:
    """The first id-like field of a record that could not be parsed (looked for in its first 2,000 characters)."""
    found = _RECORD_ID.search(text, 0, 2000)
    return found.group(1) if found else None


def _json_reason(error: json.JSONDecodeError) -> str:
    return error.msg.removesuffix(" starting at")


def _utf8_error(error: UnicodeDecodeError) -> str:
    return f"invalid UTF-8 (byte 0x{error.object[error.start]:02x} at column {error.start + 1})"


def iter_json_array(data: str | bytes) -> Iterator[RawRecord]:
    """Yield the elements of a JSON array (text, or UTF-8 bytes) one by one, surviving damage.

    A damaged element becomes one error and parsing resumes at the next element that starts on a line indented
    like the others; a truncated tail (the usual damage) becomes one error. Elements holding bytes that are not
    valid UTF-8 become errors (text may carry such bytes as ``errors="surrogateescape"`` escapes).
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
            has_bad_bytes = False
        except UnicodeDecodeError:
            text = data.decode("utf-8-sig", errors="surrogateescape")
            has_bad_bytes = True
        del data
    else:
        text = data
        has_bad_bytes = _SURROGATE.search(text) is not None
    pos = _skip_whitespace(text, 0)
    if not text.startswith("[", pos):
        raise InputError("not a JSON array")
    pos += 1
    # The whitespace before the first element (e.g. "\n  ") marks where top-level elements start.
    element_start = _skip_whitespace(text, pos)
    indent = text[pos:element_start]
    resync = re.compile(r",(?=" + re.escape(indent) + r"[\[{])") if "\n" in indent else None
    index = 0
    while True:
        pos = _skip_whitespace(text, pos)
        if pos >= len(text) or text[pos] == "]":
            return
        if text[pos] == ",":  # tolerate a stray comma
            pos += 1
            continue
        index += 1
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as error:
            line = _file_line(text, pos)
            found = resync.search(text, error.pos) if resync else None
            guessed = {"conversation_id": guess_record_id(text[pos:pos + 2000])}
            if found is None:
                truncated = not text.rstrip().endswith("]")
                what = "truncated JSON at end of file" if truncated else "invalid JSON in the last record(s)"
                yield RawRecord(index, guessed, f"{what} (record starts at file line {line}): {_json_reason(error)}")
                return
            yield RawRecord(index, guessed, f"invalid JSON (record starts at file line {line}): {_json_reason(error)}")
            pos = found.end()
            continue
        if has_bad_bytes and _SURROGATE.search(text, pos, end):
            yield RawRecord(index, {"conversation_id": guess_record_id(text[pos:pos + 2000])},
                            "invalid UTF-8 in record")
        else:
            yield RawRecord(index, value)
        pos = end


def _iter_json_lines(path: Path) -> Iterator[RawRecord]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield RawRecord(number, error=_utf8_error(error))
                continue
            try:
                yield RawRecord(number, json.loads(line))
            except json.JSONDecodeError as error:
                yield RawRecord(number, {"conversation_id": guess_record_id(line)},
                                f"invalid JSON: {_json_reason(error)} (column {error.colno})")


def read_json_file(path: Path) -> Iterator[RawRecord]:
    """Records of a JSON array file, a JSON Lines file, or a file holding one JSON object."""
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        yield from iter_json_array(path.read_bytes())
        return
    lines = _iter_json_lines(path)
    first = next(lines, None)
    if first is None:
        return
    if first.error is not None and path.suffix.lower() == ".json":
        # Maybe one pretty-printed object rather than JSON Lines.
        try:
            whole = json.loads(path.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass
        else:
            wrapped = _wrapped_records(whole)
            if wrapped is not None:  # e.g. {"conversations": [{"uuid": ..., "chat_messages": [...]}, ...]}
                yield from (RawRecord(i, value) for i, value in enumerate(wrapped, start=1))
            else:
                yield RawRecord(1, whole)
            return
    yield first
    yield from lines


def _wrapped_records(value: Any) -> list[Any] | None:
    """The record list inside a single top-level object that only wraps records, else None."""
    from .formats import detect_format

    if not isinstance(value, dict):
        return None
    for item in value.values():
        if isinstance(item, list) and item and detect_format(item[0]) is not None:
            return item
    return None


def read_parquet_file(path: Path, batch_size: int = 2048) -> Iterator[RawRecord]:
    """Rows of a parquet file as dicts."""
    try:
        import pyarrow.parquet as pq
    except ImportError as error:  # pragma: no cover - pyarrow is a core dependency
        raise ImportError("reading parquet needs pyarrow: pip install pyarrow") from error
    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises several types for unreadable files
        raise InputError(f"cannot read {path.name} as parquet: {type(error).__name__}") from None
    position = 0
    for batch in parquet.iter_batches(batch_size=batch_size):
        for row in batch.to_pylist():
            position += 1
            yield RawRecord(position, row)


def read_csv_file(path: Path) -> Iterator[RawRecord]:
    """Conversations of a one-message-per-row CSV (``.tsv``: tab-separated), grouped by ``conversation_id``.

    Yields records in our schema (``conversation_id``, ``user_id``, ``timestamp``, ``messages``, ``metadata``)
    positioned at the conversation's first data row; a conversation with any unusable row is one error.
    Messages are ordered by the first of ``turn``/``message_index``/``position`` present, else file order.
    """
    text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if path.suffix.lower() == ".tsv" else ",",
                            restkey=_EXTRA_FIELDS)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if not columns:
        raise InputError(f"{path.name} is empty")
    reader.fieldnames = columns
    missing = [c for c in ("conversation_id", "role", "content") if c not in columns]
    if missing:
        raise InputError(f"{path.name} lacks the CSV column(s) {', '.join(missing)} "
                         f"(needs conversation_id, role, content)")
    order_column = next((c for c in CSV_ORDER_COLUMNS if c in columns), None)
    known = {"conversation_id", "role", "content", "user_id", "timestamp", order_column}
    extra_columns = [c for c in columns if c not in known]

    groups: dict[str, dict[str, Any]] = {}
    for row_number, row in enumerate(reader, start=1):
        conversation_id = (row.get("conversation_id") or "").strip()
        if _SURROGATE.search(conversation_id):
            yield RawRecord(row_number, error="invalid UTF-8 in conversation_id")
            continue
        if not conversation_id:
            yield RawRecord(row_number, error="row has no conversation_id")
            continue
        group = groups.setdefault(conversation_id, {"first_row": row_number, "rows": [], "error": None})
        if group["error"] is None:
            group["error"] = _csv_row_problem(row, row_number, len(columns), order_column)
        group["rows"].append((row_number, row))

    for conversation_id, group in groups.items():
        record, error = (None, group["error"]) if group["error"] else \
            _csv_group_record(conversation_id, group["rows"], order_column, extra_columns)
        # value carries the id even for errors so that the reject can name the conversation
        yield RawRecord(group["first_row"], record or {"conversation_id": conversation_id}, error)


def _csv_row_problem(row: dict[str, Any], row_number: int, n_columns: int, order_column: str | None) -> str | None:
    if _EXTRA_FIELDS in row:
        return f"row {row_number}: {n_columns + len(row[_EXTRA_FIELDS])} fields, expected {n_columns}"
    if any(value is None for value in row.values()):
        found = sum(1 for value in row.values() if value is not None)
        return f"row {row_number}: {found} fields, expected {n_columns}"
    if any(_SURROGATE.search(value) for value in row.values()):
        return f"row {row_number}: invalid UTF-8"
    if order_column is not None:
        try:
            int(row[order_column].strip())
        except ValueError:
            return f"row {row_number}: {order_column} is not a whole number"
    return None


def _csv_group_record(conversation_id: str, rows: list[tuple[int, dict[str, Any]]], order_column: str | None,
                      extra_columns: list[str]) -> tuple[dict[str, Any] | None, str | None]:
    if order_column is not None:
        rows = sorted(rows, key=lambda item: int(item[1][order_column].strip()))
    user_ids = list(dict.fromkeys(r["user_id"].strip() for _, r in rows if (r.get("user_id") or "").strip()))
    if len(user_ids) > 1:
        return None, "rows disagree on user_id"
    stamps = []
    for row_number, row in rows:
        try:
            stamp = parse_timestamp(row.get("timestamp"))
        except ValueError as error:
            return None, f"row {row_number}: {error}"
        if stamp is not None:
            stamps.append(stamp)
    metadata: dict[str, Any] = {}
    for column in extra_columns:
        values = [r[column] for _, r in rows]
        if any(values):
            metadata[column] = values[0] if len(set(values)) == 1 else values
    return {
        "conversation_id": conversation_id,
        "user_id": user_ids[0] if user_ids else None,
        "timestamp": min(stamps) if stamps else None,
        "messages": [{"role": r["role"], "content": r["content"]} for _, r in rows],
        "metadata": metadata,
    }, None


def file_is_empty(path: Path) -> bool:
    """True when a file holds nothing but whitespace (checked on the first 64 KiB only)."""
    if os.path.getsize(path) == 0:
        return True
    with path.open("rb") as handle:
        return not handle.read(65536).strip(b"\xef\xbb\xbf \t\r\n")
