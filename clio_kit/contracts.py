"""What the pipeline asks of its parts: one Protocol per part, and the optional capabilities a backend declares.

A part is anything with these methods (no base class to inherit): a :class:`Backend` answers facets, names
clusters and audits names; an :class:`Embedder` turns texts into vectors; a :class:`Clusterer` groups them; a
:class:`Hierarchy` builds levels above the base clusters. What a backend can do beyond that it declares in its
``capabilities`` (a frozenset of :class:`Capability`), and the pipeline branches on those declarations, never on
which attributes happen to exist. A declared capability that needs methods comes with a Protocol naming them
(:data:`CAPABILITY_PROTOCOLS`), so :func:`check_backend` can say what a backend forgot.

This module sits at the bottom of the package (it imports only ``errors``), so every layer can type against it.

>>> import numpy as np
>>> class Halves:                       # a complete Clusterer: ``fit`` sets ``labels_``
...     def fit(self, X, y=None):
...         self.labels_ = (np.arange(len(X)) >= len(X) // 2).astype(int)
...         return self
>>> isinstance(Halves(), Clusterer), Halves().fit(np.zeros((4, 2))).labels_.tolist()
(True, [0, 0, 1, 1])
>>> from clio_kit.backends import OfflineBackend
>>> sorted(c.value for c in OfflineBackend.capabilities)
['approximate_concern', 'boolean_screening']
>>> check_backend(OfflineBackend()).name
'offline'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from .conversation import Conversation
    from .facets.definitions import Facet

__all__ = ["Capability", "Backend", "Embedder", "Clusterer", "Hierarchy", "Namer", "BooleanScreening",
           "ApproximateConcern", "ParentProposals", "SeparateFacets", "ReportsUsage", "NamesParents", "DescribesFit",
           "CAPABILITY_PROTOCOLS", "has", "check_backend"]


class Capability(str, Enum):
    """What a backend can do beyond the :class:`Backend` Protocol; declared in its ``capabilities``."""

    #: A model answers every facet in the facet request (yes/no, categories and the concern score included), so
    #: nothing is approximated from embeddings; all conversations go to the backend in one call.
    MODEL_FACETS = "model_facets"
    #: A model writes cluster names: they pass the rare-wording guard (:mod:`clio_kit.privacy.wording`).
    MODEL_NAMES = "model_names"
    #: A model audits names: the pipeline also runs the rule-based auditor and keeps the stricter verdict.
    MODEL_AUDIT = "model_audit"
    #: ``propose_parents`` / ``dedupe_parents`` / ``assign_parents``: Clio's LLM hierarchy is the default.
    PARENT_PROPOSALS = "parent_proposals"
    #: ``answer_boolean(facet, embeddings, embedder)``: approximate yes/no answers (e.g. a screener).
    BOOLEAN_SCREENING = "boolean_screening"
    #: ``approximate_concern(embeddings, embedder)``: an approximate concern score from embeddings.
    APPROXIMATE_CONCERN = "approximate_concern"
    #: ``label_clusters`` / ``label_parents`` accept ``avoid={cluster: [phrases]}`` to re-ask a name.
    AVOID_WORDING = "avoid_wording"
    #: ``facet_backend``: another backend answers the facets (hybrid naming keeps the offline facets).
    SEPARATE_FACETS = "separate_facets"
    #: ``usage``: per-stage requests, tokens and dollars, recorded in the manifest.
    USAGE = "usage"


@runtime_checkable
class Backend(Protocol):
    """Answers facets per conversation, names clusters and parents, and audits names.

    ``uses_llm`` says whether a model is involved at all (reports show a banner when not); ``capabilities`` says
    what else it can do (see :class:`Capability`)."""

    name: str
    #: True when a model answers facets, names and audits; False for the offline backend (and hybrid naming).
    uses_llm: bool
    capabilities: frozenset[Capability]

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

        ``context`` may hold ``centroids`` (``{parent: mean embedding}``), ``corpus_mean``, ``embedder`` and the
        conversations' ``texts``, ``user_ids``, ``languages``, ``embeddings`` and ``members`` (their parents)."""
        ...

    def audit(self, items: Sequence[tuple[str, str]]) -> list[Any]:
        """Rate each (name, description) on Clio's 1-5 privacy rubric: a list of ``AuditResult``."""
        ...


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows; ``name`` identifies model and settings."""

    name: str

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


@runtime_checkable
class Clusterer(Protocol):
    """Groups the run's vectors: ``fit(X)`` returns the clusterer with ``labels_`` (one int per row) set.

    Labels need not be contiguous; the pipeline renumbers them 0..k-1 and computes the centroids itself."""

    def fit(self, X: Any, y: Any = None) -> Any: ...


@runtime_checkable
class Hierarchy(Protocol):
    """Builds the levels above the base clusters: ``fit`` returns the hierarchy with ``parents_`` set.

    ``parents_[l][i]`` is the index at level ``l + 1`` of the parent of node ``i`` at level ``l`` (one array per
    level above the base; an empty list leaves the base alone). ``labels`` (``{cluster: ClusterLabel}``),
    ``embedder`` and ``backend`` are given by the pipeline to every hierarchy; one that does not name clusters
    may ignore them."""

    def fit(self, centroids: np.ndarray, sizes: Sequence[int], labels: Mapping[int, Any] | None = None, *,
            embedder: Any = None, backend: Any = None) -> Any: ...


@runtime_checkable
class NamesParents(Protocol):
    """A fitted hierarchy that named its own parents: ``labels_[l]`` is ``{parent: ClusterLabel}`` for level
    ``l + 1`` (the pipeline then asks the backend for no parent names)."""

    labels_: list[dict[int, Any]]


@runtime_checkable
class DescribesFit(Protocol):
    """A fitted hierarchy that reports how it was built (counts kept in the manifest's hierarchy stage)."""

    def fit_summary(self) -> dict[str, Any]: ...


@runtime_checkable
class Namer(Protocol):
    """An LLM backend that writes names from k-anonymous evidence for hybrid naming
    (:class:`clio_kit.backends.hybrid.HybridBackend`)."""

    name: str

    def fingerprint(self) -> dict[str, Any]: ...

    def name_requests(self, stage: str, prompts: Sequence[Any]) -> list[Any]: ...

    def audit(self, items: Sequence[tuple[str, str]]) -> list[Any]: ...


# -- the methods a declared capability needs ----------------------------------------------------------------------
@runtime_checkable
class BooleanScreening(Protocol):
    def answer_boolean(self, facet: Facet, embeddings: np.ndarray, embedder: Any) -> tuple[np.ndarray, np.ndarray]:
        """Approximate yes/no answers, and the similarity margin each rests on."""
        ...


@runtime_checkable
class ApproximateConcern(Protocol):
    def approximate_concern(self, embeddings: np.ndarray, embedder: Any) -> tuple[np.ndarray, np.ndarray]:
        """Approximate concern (1-5) per embedding, and the similarity margin it rests on."""
        ...


@runtime_checkable
class ParentProposals(Protocol):
    def propose_parents(self, neighbourhoods: Sequence[tuple[Sequence[tuple[str, str]], Sequence[tuple[str, str]],
                                                             int]]) -> list[list[str] | None]: ...

    def dedupe_parents(self, proposals: Sequence[str], n_parents: int) -> list[str] | None: ...

    def assign_parents(self, children: Sequence[tuple[str, str]], candidates: Sequence[str],
                       orders: Sequence[Sequence[int]]) -> list[int | None]: ...


@runtime_checkable
class SeparateFacets(Protocol):
    @property
    def facet_backend(self) -> Backend: ...


@runtime_checkable
class ReportsUsage(Protocol):
    @property
    def usage(self) -> dict[str, dict[str, Any]]: ...


CAPABILITY_PROTOCOLS: dict[Capability, type] = {
    Capability.BOOLEAN_SCREENING: BooleanScreening,
    Capability.APPROXIMATE_CONCERN: ApproximateConcern,
    Capability.PARENT_PROPOSALS: ParentProposals,
    Capability.SEPARATE_FACETS: SeparateFacets,
    Capability.USAGE: ReportsUsage,
}


def has(backend: Backend, capability: Capability) -> bool:
    """Whether ``backend`` declares ``capability``.

    >>> from clio_kit.backends import OfflineBackend
    >>> has(OfflineBackend(), Capability.MODEL_NAMES), has(OfflineBackend(), Capability.BOOLEAN_SCREENING)
    (False, True)
    """
    return capability in backend.capabilities


def check_backend(backend: Any) -> Backend:
    """``backend`` itself when it satisfies :class:`Backend` and has the methods of every capability it declares;
    otherwise a one-line :class:`~clio_kit.errors.ConfigError` naming what is missing."""
    missing = [name for name in ("name", "uses_llm", "capabilities", "fingerprint", "prompt_hashes",
                                 "extract_facets", "label_clusters", "label_parents", "audit")
               if not hasattr(backend, name)]
    if missing:
        raise ConfigError(f"{type(backend).__name__} is not a backend (clio_kit.contracts.Backend): it lacks "
                          f"{', '.join(missing)}")
    unknown = [c for c in backend.capabilities if not isinstance(c, Capability)]
    if unknown:
        raise ConfigError(f"{type(backend).__name__} declares unknown capabilities {unknown!r}; use "
                          "clio_kit.contracts.Capability members")
    for capability in backend.capabilities:
        protocol = CAPABILITY_PROTOCOLS.get(capability)
        if protocol is not None and not isinstance(backend, protocol):
            raise ConfigError(f"{type(backend).__name__} declares {capability.value} but does not implement "
                              f"clio_kit.contracts.{protocol.__name__}")
    return backend
