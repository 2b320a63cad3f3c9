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

__all__ = ["RunStore", "MANIFEST", "SCHEMA_VERSION"]

MANIFEST = "manifest.json"
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
    """Reads and writes one run directory."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._manifest: dict[str, Any] | None = None

    # -- manifest -----------------------------------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            file = self.path / MANIFEST
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
        _atomic_write(self.path / MANIFEST, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))

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

    def read_table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self.path / name, columns=columns)

    def write_array(self, name: str, array: np.ndarray) -> str:
        def write(tmp: Path) -> None:
            with tmp.open("wb") as handle:
                np.save(handle, array, allow_pickle=False)
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
