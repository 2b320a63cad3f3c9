"""Write loaded conversations into a run's ``conversations.parquet`` batch by batch (the pipeline's ingest stage).

Batches from :func:`clio_kit.io.iter_batches` (or :meth:`LoadResult.batches`) become parquet row groups as they
arrive, so a run never holds more than one batch of conversations. A sample (``sample`` of the loaded
conversations, chosen with ``numpy.random.default_rng(seed)`` exactly as an in-memory sample would be) needs the
total first: everything is streamed to a temporary table, then the chosen rows are copied over.

>>> import tempfile
>>> from clio_kit.io import load
>>> from clio_kit.store import RunStore
>>> store = RunStore(tempfile.mkdtemp())
>>> result = load([{"messages": [{"role": "user", "content": f"q{i}"}]} for i in range(5)], progress=False)
>>> summary = write_conversation_table(store, store.CONVERSATIONS, result.batches(2), sample=3, seed=0)
>>> summary.counts()["n_loaded"], summary.counts()["n_conversations"], len(store.read_table(store.CONVERSATIONS))
(5, 3, 3)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .frame import conversations_to_frame
from .loader import LoadBatch

if TYPE_CHECKING:
    import pandas

    from ..store import RunStore

__all__ = ["IngestSummary", "write_conversation_table", "run_frame"]

_COPY_BATCH_ROWS = 8192


@dataclass
class IngestSummary:
    """What ingest read and wrote; ``rejects`` are dicts (source, line, record_id, reason)."""

    format: str = "unknown"
    n_records: int = 0
    n_duplicates: int = 0
    n_loaded: int = 0
    n_conversations: int = 0
    n_missing_user_id: int = 0
    users: set[str] = field(default_factory=set, repr=False)
    rejects: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def counts(self) -> dict[str, Any]:
        """The ingest stage's manifest counts."""
        return {"format": self.format, "n_records": self.n_records, "n_duplicates": self.n_duplicates,
                "n_loaded": self.n_loaded, "n_conversations": self.n_conversations, "n_rejects": len(self.rejects),
                "n_missing_user_id": self.n_missing_user_id, "n_users": len(self.users)}


def run_frame(conversations: list[Any]) -> pandas.DataFrame:
    """``conversations_to_frame`` plus the run's user-id rule: a conversation without a user id is its own user
    (``conversation:<id>``), flagged in ``user_id_missing``."""
    frame = conversations_to_frame(conversations)
    missing = frame["user_id"].isna()
    frame["user_id_missing"] = missing
    frame.loc[missing, "user_id"] = "conversation:" + frame.loc[missing, "conversation_id"].astype(str)
    return frame


def write_conversation_table(store: RunStore, name: str, batches: Iterable[LoadBatch], *,
                             sample: int | None = None, seed: int = 0) -> IngestSummary:
    """Stream ``batches`` into the table ``name`` of ``store`` (optionally a seeded sample); raises
    ``InputError`` (and writes nothing) when no conversation is usable."""
    summary = IngestSummary()
    if sample is None:
        store.write_table_batches(name, _checked(_frames(batches, summary, count_users=True), summary))
        return summary
    scratch = f".{name}.unsampled"
    try:
        store.write_table_batches(scratch, _checked(_frames(batches, summary, count_users=False), summary))
        store.write_table_batches(name, _checked(_sampled(store, scratch, summary, sample, seed), summary))
    finally:
        store.file(scratch).unlink(missing_ok=True)
    return summary


def _frames(batches: Iterable[LoadBatch], summary: IngestSummary, count_users: bool) -> Iterator[Any]:
    for batch in batches:
        summary.format = batch.format or summary.format
        summary.n_records += batch.n_records
        summary.n_duplicates += batch.n_duplicates
        summary.rejects.extend(r.to_dict() for r in batch.rejects)
        if not batch.conversations:
            continue
        frame = run_frame(batch.conversations)
        summary.n_loaded += len(frame)
        if count_users:
            _count(summary, frame["user_id"].tolist(), int(frame["user_id_missing"].sum()))
        yield frame


def _count(summary: IngestSummary, user_ids: list[str], n_missing: int) -> None:
    summary.n_conversations += len(user_ids)
    summary.n_missing_user_id += n_missing
    summary.users.update(user_ids)


def _sampled(store: RunStore, scratch: str, summary: IngestSummary, sample: int, seed: int) -> Iterator[Any]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    total = summary.n_loaded
    if sample >= total:
        picked = np.arange(total)
    else:
        picked = np.sort(np.random.default_rng(seed).choice(total, size=sample, replace=False))
    offset = 0
    for batch in pq.ParquetFile(store.file(scratch)).iter_batches(batch_size=_COPY_BATCH_ROWS):
        lo, hi = np.searchsorted(picked, [offset, offset + batch.num_rows])
        if hi > lo:
            taken = pa.Table.from_batches([batch]).take(pa.array(picked[lo:hi] - offset))
            _count(summary, taken.column("user_id").to_pylist(),
                   int(np.sum(taken.column("user_id_missing").to_numpy())))
            yield taken
        offset += batch.num_rows


def _checked(frames: Iterator[Any], summary: IngestSummary) -> Iterator[Any]:
    """``frames``, then the "nothing usable" error (raised inside the write, so no table is left behind)."""
    wrote = False
    for frame in frames:
        wrote = True
        yield frame
    if not wrote:
        if summary.rejects:  # say why here: the run folder gets no rejects.jsonl when ingest fails
            first = summary.rejects[0]
            where = f"line {first.get('line')}" if first.get("line") else f"record {first.get('record_id')}"
            raise InputError(f"no usable conversations in the input: all {len(summary.rejects):,} records were set "
                             f"aside (first, {where}: {first.get('reason')})")
        raise InputError("no conversations in the input")
