"""LLM backends: one interface (:class:`Backend`), several implementations."""

from __future__ import annotations

from .base import Backend
from .offline import OfflineBackend

__all__ = ["Backend", "OfflineBackend", "get_backend"]


def get_backend(name: str, **options: object) -> Backend:
    """Build a backend by name (``offline``; ``anthropic`` and ``openai`` arrive with their issue)."""
    if name == "offline":
        return OfflineBackend(**options)  # type: ignore[arg-type]
    from ..errors import ConfigError

    if name in {"anthropic", "openai"}:
        raise ConfigError(f"backend {name!r} is not available in this version yet; use --backend offline")
    raise ConfigError(f"unknown backend {name!r}; choose offline, anthropic or openai")
