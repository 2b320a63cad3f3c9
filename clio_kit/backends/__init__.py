"""LLM backends: one interface (:class:`Backend`), several implementations.

>>> get_backend("offline").uses_llm
False
"""

from __future__ import annotations

from typing import Any

from .base import Backend
from .offline import OfflineBackend

__all__ = ["Backend", "OfflineBackend", "AnthropicBackend", "OpenAICompatibleBackend", "get_backend"]


def get_backend(name: str, **options: Any) -> Backend:
    """Build a backend by name: ``offline`` (default, no network), ``anthropic`` (Claude) or ``openai``
    (any OpenAI-compatible server: vLLM, Ollama, llama.cpp; pass ``base_url`` and ``model``)."""
    if name == "offline":
        return OfflineBackend(**options)
    if name == "anthropic":
        from .anthropic import AnthropicBackend

        return AnthropicBackend(**options)
    if name == "openai":
        from .openai_compat import OpenAICompatibleBackend

        return OpenAICompatibleBackend(**options)
    from ..errors import ConfigError

    raise ConfigError(f"unknown backend {name!r}; choose offline, anthropic or openai")


def __getattr__(name: str) -> Any:
    if name == "AnthropicBackend":
        from .anthropic import AnthropicBackend

        return AnthropicBackend
    if name == "OpenAICompatibleBackend":
        from .openai_compat import OpenAICompatibleBackend

        return OpenAICompatibleBackend
    raise AttributeError(name)
