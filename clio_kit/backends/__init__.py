"""LLM backends: one interface (:class:`Backend`), several implementations.

``offline`` needs no model. The model-backed ones are a provider class on a short chain of bases, each with one job:

- ``anthropic`` / ``openai_compat``: a provider's request body, transport and reply (four abstract hooks);
- ``llm_backend.LLMBackend``: Clio's tasks (facets, names, parents, hierarchy requests, audit, synthetic data);
- ``_estimates.CostEstimates``: what a run would cost, and ``max_cost`` plan checks;
- ``_engine.LLMEngine``: settings, retries, the response cache, the budget guard, per-model downgrades;
- ``_transport``: transport errors, backoff, the event loop in a thread; ``llm_cost``: prices, token estimates and
  usage; ``llm_cache``: on-disk caches; ``llm_prompts`` / ``llm_parse`` / ``llm_sampling``: what is asked, how
  answers are checked, which summaries are shown. ``hybrid``: offline clusters named by a model.

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
