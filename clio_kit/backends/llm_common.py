"""Compatibility names for code written against the old ``llm_common`` module (kept for existing imports).

The base class now lives in :mod:`clio_kit.backends.llm_backend`, errors in :mod:`clio_kit.errors`, the transport
in :mod:`clio_kit.backends._transport` and cost estimates in :mod:`clio_kit.backends.llm_cost`.

>>> LLMBackend is llm_backend.LLMBackend
True
"""

from __future__ import annotations

from ..errors import BackendError, BudgetExceeded
from . import llm_backend
from ._engine import Outcome
from ._transport import Reply, RequestFailed, TransportError, backoff_delay
from .llm_backend import LLMBackend
from .llm_sampling import ContrastiveSampler, sample_cluster_texts

__all__ = ["BackendError", "BudgetExceeded", "ContrastiveSampler", "LLMBackend", "Outcome", "Reply",
           "RequestFailed", "TransportError", "backoff_delay", "sample_cluster_texts"]
