"""The interface every backend implements: what the pipeline asks of a model.

A backend answers facet questions per conversation, names clusters, names parent clusters and audits cluster text.
The offline backend does all four without a model; the Claude and OpenAI-compatible backends with one. The
Protocol itself, and the capabilities a backend declares, live in :mod:`clio_kit.contracts`; this name stays for
imports written before.
"""

from __future__ import annotations

from ..contracts import Backend, Capability

__all__ = ["Backend", "Capability"]
