"""Stable fingerprints for configurations, components and files.

A fingerprint is a short sha256 hex digest of a canonical JSON rendering, so equal settings give equal hashes
across processes and machines.

>>> from clio_kit.hashing import stable_hash
>>> stable_hash({"b": 1, "a": [1, 2]}) == stable_hash({"a": [1, 2], "b": 1})
True
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["stable_hash", "file_sha256", "component_fingerprint"]


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "get_params") or hasattr(value, "fingerprint"):
        return component_fingerprint(value)
    return repr(value)


def stable_hash(value: Any, length: int = 16) -> str:
    """Hash any JSON-like value (dict key order does not matter)."""
    text = json.dumps(_canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def file_sha256(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """The sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def component_fingerprint(component: Any) -> dict[str, Any]:
    """Describe a pipeline component by its class and parameters (scikit-learn style ``get_params``).

    Components may instead define ``fingerprint() -> dict``; otherwise the ``__init__`` parameters stored as
    attributes (scikit-learn's convention) and ``name`` are used.
    """
    if component is None:
        return {"class": None}
    cls = type(component)
    described: dict[str, Any] = {"class": f"{cls.__module__}.{cls.__qualname__}"}
    if hasattr(component, "fingerprint"):
        described["params"] = _canonical(component.fingerprint())
    elif hasattr(component, "get_params"):
        described["params"] = _canonical(component.get_params(deep=False))
    else:  # scikit-learn's convention without BaseEstimator: __init__ parameters stored as attributes
        params = {}
        for name in inspect.signature(cls.__init__).parameters:
            if name != "self" and hasattr(component, name):
                params[name] = _canonical(getattr(component, name))
        if hasattr(component, "name"):
            params["name"] = str(component.name)
        described["params"] = params
    return described
