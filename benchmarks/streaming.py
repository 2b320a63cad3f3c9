"""Memory and throughput of streaming ingestion and memory-mapped embeddings, against the all-in-memory way.

    python benchmarks/streaming.py                      # 100,000 generated conversations (~5 minutes)
    python benchmarks/streaming.py --n 20000            # smaller

Each case runs twice, each time in a fresh subprocess: once plain (``seconds``, and ``peak_rss_mb``, which is its
own), once under tracemalloc for ``heap_peak_mb``, the peak of Python and numpy allocations (pages of a
memory-mapped file are not allocations: the kernel can write them out and drop them, so they count in RSS only).
Writes ``benchmarks/results/streaming-<n>.json``. Measurements only: no test asserts on them.

Cases:

- ``load``: ``clio_kit.load`` of the JSONL file, all conversations in memory (the old ingest).
- ``iter_batches``: the same file through ``clio_kit.io.iter_batches`` (10,000 records a batch), discarded.
- ``ingest_in_memory`` / ``ingest_streamed``: conversations.parquet written the old way (load, one frame, one write)
  and the new way (``write_conversation_table``: a row group per batch).
- ``embed_in_memory`` / ``embed_memmap``: the embed stage's write of ``n`` 384-d vectors from a cached embedder
  (a fast deterministic fake model): the old ``np.stack`` + ``np.save`` against chunks into ``open_memmap``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = ("load", "iter_batches", "ingest_in_memory", "ingest_streamed", "embed_in_memory", "embed_memmap")


def generate(path: Path, n: int) -> None:
    """``n`` conversations of our JSONL: a ~300-character request, a ~600-character answer, 1,000 users."""
    request = "Could you help me understand how to {} in a small project? I have tried a few things already. "
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            messages = [{"role": "user", "content": (request.format(f"task number {i}") * 3)[:300]},
                        {"role": "assistant", "content": ("Here is one way to approach it, step by step. " * 14)}]
            handle.write(json.dumps({"conversation_id": f"c{i}", "user_id": f"u{i % 1000}",
                                     "timestamp": "2025-01-01T00:00:00Z", "messages": messages}) + "\n")


class FakeModel:
    """Deterministic 384-d unit vectors from a text's hash: embedding cost out of the way, memory left in."""

    name = "bench-fake-384"

    def embed(self, texts, *, progress=False):  # noqa: ANN001
        import hashlib

        import numpy as np

        seeds = [int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little") for t in texts]
        rows = np.stack([np.random.default_rng(s).standard_normal(384, dtype=np.float32) for s in seeds]) \
            if seeds else np.empty((0, 384), dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def run_case(case: str, source: Path, work: Path, traced: bool) -> dict:
    import tracemalloc

    import numpy as np

    sys.path.insert(0, str(ROOT))
    from clio_kit.embed import CachedEmbedder
    from clio_kit.io import iter_batches, load
    from clio_kit.io.table import run_frame, write_conversation_table
    from clio_kit.store import RunStore

    store = RunStore(work / "run")
    texts = None
    if case.startswith("embed"):
        with source.open(encoding="utf-8") as handle:
            texts = [json.loads(line)["messages"][0]["content"] for line in handle]
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    rows = 0
    if case == "load":
        rows = len(load(source, progress=False).conversations)
    elif case == "iter_batches":
        for batch in iter_batches(source, batch_size=10_000, progress=False):
            rows += len(batch.conversations)
    elif case == "ingest_in_memory":
        frame = run_frame(load(source, progress=False).conversations)
        store.write_table("conversations.parquet", frame)
        rows = len(frame)
    elif case == "ingest_streamed":
        summary = write_conversation_table(store, "conversations.parquet",
                                           iter_batches(source, batch_size=10_000, progress=False))
        rows = summary.n_conversations
    elif case == "embed_in_memory":
        cached = CachedEmbedder(FakeModel(), work / "cache", shard_size=4096)
        vectors = np.asarray(cached.embed(texts), dtype=np.float32)
        store.write_array("embeddings.npy", vectors)
        rows = len(vectors)
    elif case == "embed_memmap":
        cached = CachedEmbedder(FakeModel(), work / "cache", shard_size=4096)
        step = 16_384
        chunks = (cached.embed(texts[i:i + step]) for i in range(0, len(texts), step))
        store.write_array_chunks("embeddings.npy", chunks, n_rows=len(texts))
        rows = len(texts)
    seconds = time.perf_counter() - started
    if traced:
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"heap_peak_mb": round(heap_peak / 2**20, 1)}
    return {"case": case, "rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # child process
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.source, args.work, args.traced)))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "conversations.jsonl"
        generate(source, args.n)
        size_mb = source.stat().st_size / 2**20
        env = {**os.environ, "CLIO_KIT_NO_PROGRESS": "1"}
        for case in CASES:
            result = {}
            for traced in (False, True):
                work = Path(tmp) / f"{case}-{traced}"
                out = subprocess.run([sys.executable, __file__, "--case", case, "--source", str(source),
                                      "--work", str(work), *(["--traced"] if traced else [])],
                                     check=True, capture_output=True, text=True, env=env)
                result.update(json.loads(out.stdout.strip().splitlines()[-1]))
            results.append(result)
            print(result, flush=True)
    result = {"case": f"streaming-{args.n}", "date": date.today().isoformat(), "n_conversations": args.n,
              "input_mb": round(size_mb, 1), "results": results,
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version()}}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"streaming-{args.n}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
