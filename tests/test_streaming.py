"""Streaming ingestion on a generated 50,000-conversation file: batches stay bounded, counts and rejects match
``load``, the run table is written row group by row group, and streaming holds far less memory than ``load``."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from clio_kit.errors import InputError
from clio_kit.io import conversations_to_frame, iter_batches, load
from clio_kit.io.table import run_frame, write_conversation_table
from clio_kit.store import RunStore

N = 50_000
BATCH = 4096


def _line(i: int) -> str:
    if i % 1000 == 999:
        return '{"conversation_id": "broken", "messages": [{"role": "user", "content": '  # invalid JSON
    if i % 1999 == 1998:
        return json.dumps({"conversation_id": f"c{i}", "messages": [{"role": "alien", "content": "hi"}]})
    record = {"conversation_id": f"c{i}", "messages": [{"role": "user", "content": f"question {i}"},
                                                       {"role": "assistant", "content": "answer"}]}
    if i % 7:
        record["user_id"] = f"u{i % 997}"
    return json.dumps(record)


@pytest.fixture(scope="module")
def big_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("streaming") / "big.jsonl"
    lines = [_line(i) for i in range(N)]
    lines += lines[10:20]  # exact duplicates of earlier records
    lines.append(json.dumps({"conversation_id": "c5", "messages": [{"role": "user", "content": "other"}]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded(big_jsonl: Path):
    return load(big_jsonl, progress=False)


def _check_batches_match_load(batches, result) -> None:
    sizes = [b.n_records for b in batches]
    assert max(sizes) <= BATCH and all(size == BATCH for size in sizes[:-1])
    assert all(len(b.conversations) + len(b.rejects) + b.n_duplicates == b.n_records for b in batches)
    assert sum(sizes) == result.n_records
    assert sum(b.n_duplicates for b in batches) == result.n_duplicates
    assert sum(b.n_missing_user_id for b in batches) == result.n_missing_user_id
    assert [r for b in batches for r in b.rejects] == result.rejects
    assert [c for b in batches for c in b.conversations] == result.conversations
    assert {b.format for b in batches} == {result.format}


def _round_trip(tmp_path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` written whole by ``RunStore.write_table`` and read back (the pre-streaming way)."""
    store = RunStore(tmp_path / "expected")
    return store.read_table(store.write_table("expected.parquet", frame))


def test_jsonl_batches_are_bounded_and_add_up_to_load(big_jsonl, loaded):
    assert loaded.n_records == N + 11 and loaded.n_duplicates == 10
    reasons = {r.reason.split(":")[0] for r in loaded.rejects}
    assert len(loaded.rejects) == 50 + 25 + 1 and any("already used" in r for r in reasons)
    batches = list(iter_batches(big_jsonl, batch_size=BATCH, progress=False))
    assert len(batches) == -(-loaded.n_records // BATCH)
    _check_batches_match_load(batches, loaded)


def test_parquet_batches_are_bounded_and_add_up_to_load(tmp_path, loaded):
    path = tmp_path / "big.parquet"
    conversations_to_frame(loaded.conversations[:12_000]).to_parquet(path, index=False, row_group_size=5000)
    result = load(path, progress=False)
    assert result.format == "parquet" and result.conversations == loaded.conversations[:12_000]
    _check_batches_match_load(list(iter_batches(path, batch_size=BATCH, progress=False)), result)


def test_run_table_is_written_batch_by_batch_and_equals_the_in_memory_table(tmp_path, big_jsonl):
    store = RunStore(tmp_path)
    loaded = load(big_jsonl, progress=False, max_records=20_000)
    summary = write_conversation_table(store, "conversations.parquet",
                                       iter_batches(big_jsonl, batch_size=BATCH, progress=False, max_records=20_000))
    parquet = pq.ParquetFile(store.file("conversations.parquet"))
    assert parquet.metadata.num_row_groups == -(-loaded.n_records // BATCH)  # one per batch: never one big table
    expected = run_frame(loaded.conversations)
    pd.testing.assert_frame_equal(store.read_table("conversations.parquet"), _round_trip(tmp_path, expected))
    counts = summary.counts()
    assert counts["n_conversations"] == counts["n_loaded"] == len(loaded.conversations)
    assert counts["n_rejects"] == len(loaded.rejects) > 0
    assert counts["n_missing_user_id"] == loaded.n_missing_user_id
    assert counts["n_users"] == expected["user_id"].nunique()
    assert summary.rejects == [r.to_dict() for r in loaded.rejects]


def test_streamed_sample_is_the_in_memory_sample(tmp_path, big_jsonl):
    store = RunStore(tmp_path)
    loaded = load(big_jsonl, progress=False, max_records=12_000)
    batches = iter_batches(big_jsonl, batch_size=BATCH, progress=False, max_records=12_000)
    summary = write_conversation_table(store, "conversations.parquet", batches, sample=1000, seed=3)
    picked = np.sort(np.random.default_rng(3).choice(len(loaded.conversations), size=1000, replace=False))
    expected = run_frame([loaded.conversations[i] for i in picked])
    pd.testing.assert_frame_equal(store.read_table("conversations.parquet"), _round_trip(tmp_path, expected))
    assert summary.counts()["n_conversations"] == 1000 and summary.counts()["n_loaded"] == len(loaded.conversations)
    assert summary.counts()["n_users"] == expected["user_id"].nunique()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conversations.parquet", "expected"]  # no scratch left


def test_nothing_usable_raises_and_leaves_no_table(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"conversation_id": "x", "messages": [{"role": "alien", "content": "hi"}]}\n'
                   '{"conversation_id": "y", "messages": [{"role": "robot", "content": "hi"}]}\n', encoding="utf-8")
    store = RunStore(tmp_path / "run")
    with pytest.raises(InputError, match="no usable conversations"):
        write_conversation_table(store, "conversations.parquet", iter_batches(bad, progress=False))
    assert list(store.path.iterdir()) == []
    with pytest.raises(InputError, match="batch_size"):
        iter_batches(bad, batch_size=0)


def test_streaming_holds_a_fraction_of_the_memory_load_needs(tmp_path):
    path = tmp_path / "long.jsonl"
    text = "word " * 800  # 4,000 characters a message: the conversations, not the bookkeeping, dominate
    path.write_text("".join(json.dumps({"conversation_id": f"c{i}", "messages": [{"role": "user", "content": f"{i} "
                                                                                    + text}]}) + "\n"
                            for i in range(5000)), encoding="utf-8")
    tracemalloc.start()
    try:
        kept = load(path, progress=False)
        _, load_peak = tracemalloc.get_traced_memory()
        del kept
        tracemalloc.reset_peak()
        n = 0
        for batch in iter_batches(path, batch_size=500, progress=False):
            n += len(batch.conversations)
        _, stream_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 5000
    assert stream_peak < load_peak / 3, (stream_peak, load_peak)
