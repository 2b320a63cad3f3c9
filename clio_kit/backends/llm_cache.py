"""On-disk caches for LLM backends: validated responses, and Message Batch ids awaiting results.

A response is stored under the sha256 of the provider's namespace and the exact request body (model, prompts,
tools and every parameter), so any change to a prompt, a model or a setting misses the cache, and a second run
of the same analysis sends no request at all. Only responses that passed validation are stored. Files are
written atomically (temporary file, then rename), so an interrupted run never leaves a half-written entry.

>>> import tempfile
>>> cache = ResponseCache(tempfile.mkdtemp())
>>> key = request_key("anthropic", {"model": "m", "messages": []})
>>> cache.get(key) is None
True
>>> cache.put(key, {"content": []}); cache.get(key)
{'content': []}
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import default_cache_dir

__all__ = ["BatchState", "ResponseCache", "default_llm_cache_dir", "request_key"]


def request_key(namespace: str, body: Mapping[str, Any]) -> str:
    """sha256 (hex) of ``namespace`` and the canonical JSON of ``body``."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{namespace}\n{text}".encode()).hexdigest()


def default_llm_cache_dir() -> Path:
    """``$CLIO_KIT_CACHE/llm`` (or the platform cache folder's ``clio-kit/llm``)."""
    return Path(default_cache_dir()) / "llm"


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(value, out, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class ResponseCache:
    """Raw validated responses by request key; ``ResponseCache(None)`` caches nothing."""

    def __init__(self, root: str | os.PathLike[str] | None) -> None:
        self.root = None if root is None else Path(root) / "responses"

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if self.root is None:
            return None
        value = _read_json(self._path(key))
        return value if isinstance(value, dict) else None

    def __contains__(self, key: str) -> bool:
        return self.root is not None and self._path(key).exists()

    def put(self, key: str, response: Mapping[str, Any]) -> None:
        if self.root is not None:
            _write_json(self._path(key), dict(response))


class BatchState:
    """The id of a submitted Message Batch, saved before polling so an interrupted run resumes it.

    The file is named after the set of request keys in the batch: the same requests find the same batch.
    """

    def __init__(self, root: str | os.PathLike[str] | None, request_keys: list[str]) -> None:
        digest = hashlib.sha256("\n".join(sorted(request_keys)).encode()).hexdigest()[:32]
        self.path = None if root is None else Path(root) / "batches" / f"{digest}.json"

    def load(self) -> dict[str, Any] | None:
        if self.path is None:
            return None
        value = _read_json(self.path)
        return value if isinstance(value, dict) and value.get("batch_id") else None

    def save(self, batch_id: str, custom_ids: Mapping[str, str]) -> None:
        if self.path is not None:
            _write_json(self.path, {"batch_id": batch_id, "custom_ids": dict(custom_ids)})

    def clear(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
