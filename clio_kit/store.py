"""The run store: one directory per run, Parquet tables, and ``manifest.json``.

Each pipeline stage records a *key* (a hash of its own settings and the keys of the stages it reads). A stage whose
key matches the manifest and whose outputs exist is reused; anything else is recomputed. Writes are atomic (write to
a temporary file, then rename), so a run killed mid-way never leaves a half-written table that looks finished.

>>> import tempfile
>>> store = RunStore(tempfile.mkdtemp())
>>> store.is_done("facets", key="abc")
False
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["RunStore", "MANIFEST", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class RunStore:
    """Reads and writes one run directory.

    The directory's layout is spelled once, here: every reader and writer names a file by these constants
    (which stage writes which is :data:`clio_kit.pipeline.STAGE_TABLE`). ``create=False`` opens a directory for
    reading without creating it.

    >>> RunStore.CLUSTERS, RunStore.EMBEDDINGS
    ('clusters.parquet', 'embeddings.npy')
    """

    MANIFEST = "manifest.json"
    # ingest
    CONVERSATIONS = "conversations.parquet"  # raw conversations: outside the privacy gate
    REJECTS = "rejects.jsonl"  # records set aside at load time (line, reason; no text)
    # facets
    FACETS = "facets.parquet"  # per-conversation facets: outside the privacy gate
    NOT_ANALYSED = "not_analysed.parquet"  # failed facet requests, by id (asked again next run)
    SCREENED = "screened.parquet"  # the screener's answer per conversation, by id
    # embed, classify, cluster
    EMBEDDINGS = "embeddings.npy"
    CLASSIFIED = "classified.parquet"  # facets approximated from embeddings
    BASE_LABELS = "base_labels.npy"
    CENTROIDS = "centroids.npy"
    # name, hierarchy
    BASE_NAMES = "base_names.parquet"
    HIERARCHY = "hierarchy.parquet"
    ANCESTORS = "ancestors.npy"
    # privacy: what views, widgets and reports read
    CLUSTERS = "clusters.parquet"
    ASSIGNMENTS = "assignments.parquet"
    PRIVACY = "privacy.json"

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        if create:
            self.path.mkdir(parents=True, exist_ok=True)
        self._manifest: dict[str, Any] | None = None

    # -- manifest -----------------------------------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            file = self.path / self.MANIFEST
            if file.exists():
                self._manifest = json.loads(file.read_text(encoding="utf-8"))
            else:
                self._manifest = {"schema_version": SCHEMA_VERSION, "stages": {}}
        return self._manifest

    def update_manifest(self, **fields: Any) -> None:
        self.manifest.update(fields)
        self.save_manifest()

    def save_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=2, sort_keys=False, ensure_ascii=False, default=str)
        _atomic_write(self.path / self.MANIFEST, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))

    # -- stages -------------------------------------------------------------------------------------------------
    def stage_record(self, name: str) -> dict[str, Any] | None:
        return self.manifest.get("stages", {}).get(name)

    def is_done(self, name: str, key: str) -> bool:
        record = self.stage_record(name)
        if not record or record.get("key") != key or record.get("status") != "done":
            return False
        return all((self.path / output).exists() for output in record.get("outputs", []))

    def mark_started(self, name: str, key: str) -> None:
        self.manifest.setdefault("stages", {})[name] = {"key": key, "status": "running",
                                                         "started": _now()}
        self.save_manifest()

    def mark_done(self, name: str, key: str, *, seconds: float, outputs: Iterable[str],
                  counts: dict[str, Any] | None = None) -> None:
        record = self.manifest.setdefault("stages", {}).get(name, {})
        record.update({"key": key, "status": "done", "finished": _now(), "seconds": round(seconds, 3),
                       "outputs": list(outputs), "counts": counts or {}})
        self.manifest["stages"][name] = record
        self.save_manifest()

    def mark_failed(self, name: str, key: str, error: str) -> None:
        """Record that a stage stopped with an error (``clio-kit inspect`` reports it; re-running retries)."""
        record = self.manifest.setdefault("stages", {}).get(name, {})
        record.update({"key": key, "status": "failed", "finished": _now(), "error": error})
        self.manifest["stages"][name] = record
        self.save_manifest()

    def invalidate_after(self, names: Iterable[str]) -> None:
        """Forget the records of these stages (their keys changed upstream)."""
        stages = self.manifest.setdefault("stages", {})
        for name in names:
            stages.pop(name, None)
        self.save_manifest()

    # -- tables -------------------------------------------------------------------------------------------------
    def file(self, name: str) -> Path:
        return self.path / name

    def write_table(self, name: str, frame: pd.DataFrame) -> str:
        _atomic_write(self.path / name, lambda tmp: frame.to_parquet(tmp, index=False))
        return name

    def write_table_batches(self, name: str, batches: Iterable[Any], schema: Any = None) -> str:
        """Write a table from an iterable of pieces (DataFrames or pyarrow tables/record batches), one row group
        or more per piece, holding one piece at a time; atomic like :meth:`write_table`.

        Every piece is converted to ``schema`` (a ``pyarrow.Schema``; default: that of the first piece), so a
        later piece whose column is all missing keeps the column's type. An exception raised while iterating
        leaves nothing behind. With no pieces and no ``schema`` there is nothing to write: ``ConfigError``.

        >>> import tempfile
        >>> store = RunStore(tempfile.mkdtemp())
        >>> pieces = (pd.DataFrame({"x": [i, i + 1], "y": [None, "b"] if i else [None, None]}) for i in (0, 2))
        >>> table = store.read_table(store.write_table_batches("t.parquet", pieces))
        >>> table["x"].tolist(), table["y"].isna().tolist()
        ([0, 1, 2, 3], [True, True, True, False])
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        def write(tmp: Path) -> None:
            writer = None
            target = schema
            try:
                for piece in batches:
                    table = _as_arrow(piece, target)
                    if target is None:
                        target = table.schema
                        if target.metadata and b"pandas" in target.metadata:  # later pieces may infer null types
                            target = _with_typed_nulls(target)
                            table = _as_arrow(piece, target)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, target)
                    if table.num_rows:
                        writer.write_table(table)
                if writer is None:
                    if target is None:
                        raise ConfigError(f"no rows to write to {name} and no schema given")
                    writer = pq.ParquetWriter(tmp, target)
                    writer.write_table(pa.Table.from_batches([], schema=target))
            finally:
                if writer is not None:
                    writer.close()

        _atomic_write(self.path / name, write)
        return name

    def read_table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self.path / name, columns=columns)

    def write_array(self, name: str, array: np.ndarray) -> str:
        def write(tmp: Path) -> None:
            with tmp.open("wb") as handle:
                np.save(handle, array, allow_pickle=False)
        _atomic_write(self.path / name, write)
        return name

    def write_array_chunks(self, name: str, chunks: Iterable[np.ndarray], n_rows: int,
                           dtype: Any = np.float32) -> str:
        """Write a 2-D ``.npy`` array of ``n_rows`` rows from an iterable of row blocks, straight into a
        memory-mapped file (``np.lib.format.open_memmap``), so no full copy is ever held in memory; atomic like
        :meth:`write_array`. The width comes from the first block; the blocks must add up to ``n_rows`` rows.

        >>> import tempfile
        >>> store = RunStore(tempfile.mkdtemp())
        >>> blocks = (np.full((2, 3), i, dtype=np.float32) for i in range(2))
        >>> store.read_array(store.write_array_chunks("a.npy", blocks, n_rows=4)).sum(axis=1).tolist()
        [0.0, 0.0, 3.0, 3.0]
        """
        def write(tmp: Path) -> None:
            out: np.memmap | None = None
            done = 0
            try:
                for chunk in chunks:
                    chunk = np.asarray(chunk)
                    if chunk.ndim != 2:
                        raise ConfigError(f"{name}: blocks must be 2-D, got shape {chunk.shape}")
                    if out is None:
                        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=(n_rows, chunk.shape[1]))
                    if chunk.shape[1] != out.shape[1] or done + len(chunk) > n_rows:
                        raise ConfigError(f"{name}: block of shape {chunk.shape} does not fit rows {done}.. of an "
                                         f"array of shape {out.shape}")
                    out[done:done + len(chunk)] = chunk
                    done += len(chunk)
                if out is None:
                    if n_rows:
                        raise ConfigError(f"{name}: no blocks for {n_rows} rows")
                    np.save(tmp, np.empty((0, 0), dtype=dtype), allow_pickle=False)
                    return
                if done != n_rows:
                    raise ConfigError(f"{name}: blocks held {done} rows, expected {n_rows}")
                out.flush()
            finally:
                del out  # close the map before the file is renamed or removed

        _atomic_write(self.path / name, write)
        return name

    def read_array(self, name: str, mmap: bool = True) -> np.ndarray:
        return np.load(self.path / name, mmap_mode="r" if mmap else None, allow_pickle=False)

    def write_json(self, name: str, value: Any) -> str:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
        _atomic_write(self.path / name, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
        return name

    def read_json(self, name: str) -> Any:
        return json.loads((self.path / name).read_text(encoding="utf-8"))

    def write_jsonl(self, name: str, rows: Iterable[dict[str, Any]]) -> str:
        def write(tmp: Path) -> None:
            with tmp.open("w", encoding="utf-8") as handle:
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        _atomic_write(self.path / name, write)
        return name


MANIFEST = RunStore.MANIFEST  # the older module-level name


def _as_arrow(piece: Any, schema: Any) -> Any:
    import pyarrow as pa

    if isinstance(piece, pd.DataFrame):
        return pa.Table.from_pandas(piece, schema=schema, preserve_index=False)
    table = pa.Table.from_batches([piece]) if isinstance(piece, pa.RecordBatch) else piece
    if schema is not None and not table.schema.equals(schema, check_metadata=False):
        table = table.select(schema.names).cast(schema)
    return table


def _with_typed_nulls(schema: Any) -> Any:
    """A schema whose all-null columns (object columns holding only None) become text, so that later pieces with
    values fit; pandas reads them back as None either way."""
    import pyarrow as pa

    return pa.schema([field.with_type(pa.string()) if pa.types.is_null(field.type) else field for field in schema],
                     metadata=schema.metadata)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
