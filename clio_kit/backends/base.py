"""The interface every backend implements: what the pipeline asks of a model.

A backend answers facet questions per conversation, names clusters, names parent clusters and audits cluster text.
The offline backend does all four without a model; the Claude and OpenAI-compatible backends with one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..conversation import Conversation
from ..facets.definitions import Facet

__all__ = ["Backend"]



@runtime_checkable
class Backend(Protocol):
    name: str
    #: True when names come from a model; False for offline key phrases (reports show a banner).
    uses_llm: bool

    def fingerprint(self) -> dict[str, Any]: ...

    def prompt_hashes(self) -> dict[str, str]: ...

    def extract_facets(self, conversations: Sequence[Conversation], facets: Sequence[Facet], *,
                       progress: bool = True) -> pd.DataFrame:
        """One row per conversation: ``conversation_id`` plus one column per facet, and ``facet_error`` (or null)."""
        ...

    def label_clusters(self, texts: Sequence[str], labels: np.ndarray, user_ids: Sequence[str],
                       languages: Sequence[str], embeddings: np.ndarray, *, embedder: Any = None) -> dict[int, Any]:
        """Name every base cluster: ``{cluster: ClusterLabel}``. ``embedder`` is the run's embedder (optional)."""
        ...

    def label_parents(self, child_labels: Mapping[int, Any], child_sizes: Mapping[int, int],
                      parent_of: Mapping[int, int], **context: Any) -> dict[int, Any]:
        """Name every parent from its children: ``{parent: ClusterLabel}``.

        ``context`` may hold ``centroids`` (``{parent: mean embedding}``), ``corpus_mean`` and ``embedder``."""
        ...

    def audit(self, items: Sequence[tuple[str, str]]) -> list[Any]:
        """Rate each (name, description) on Clio's 1-5 privacy rubric: a list of ``AuditResult``."""
        ...
