"""Hybrid naming: facets, embeddings and clusters stay offline; a model names clusters from k-anonymous evidence.

Only naming requests (base clusters and the offline hierarchy's parents) and the audit of the resulting names go to
the model, and a naming request holds only :mod:`clio_kit.evidence`: sizes, languages, key phrases and shared
wordings that at least ``min_phrase_users`` distinct users of the cluster used, with their user shares, and reference
topics of the fixed taxonomy (no user wrote them) near at least that many users' requests, for the cluster and for
its nearest clusters (Clio's contrastive examples). No conversation, summary or phrase written by
fewer users is ever sent. A cluster with no such evidence, or whose request fails, keeps its offline name (counted
as ``fallbacks`` in the run's ``llm_usage``); every label records where its name came from (``source``).

>>> from clio_kit.backends import OfflineBackend, OpenAICompatibleBackend
>>> namer = OpenAICompatibleBackend("http://localhost:11434/v1", "qwen2.5:7b", cache_dir=False)
>>> backend = HybridBackend(OfflineBackend(), namer, min_phrase_users=5)
>>> backend.name, backend.uses_llm, backend.names_by_model
('offline+openai', False, True)
"""

from __future__ import annotations

import math
from dataclasses import replace
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import openai_names_server
from ..contracts import Capability, Namer, check_backend
from ..errors import ConfigError
from ..evidence import ClusterEvidence, cluster_evidence, topic_evidence
from ..naming import ClusterLabel
from .llm_prompts import Prompt, escape_fences, naming_tool, split_template

__all__ = ["HybridBackend", "SourcedLabel", "evidence_prompt", "hybrid_backend"]

HYBRID_VERSION = 2  # 2: nearest reference topics of the fixed taxonomy in the evidence
_OUTPUT_TOKENS = {"names": 150, "parents": 150, "audit": 60}  # typical answers, for estimates only


@dataclass(frozen=True)
class SourcedLabel(ClusterLabel):
    """A cluster label that says where its name came from: ``"model"`` (from evidence) or ``"offline"``."""

    source: str = "offline"


def _language_name(code: str) -> str:
    from ..facets.language import language_name

    name = language_name(code)
    return code if name == "Unknown" else name


def _shares(items: Sequence[tuple[str, float]], quote: bool = True) -> str:
    return ", ".join(f'"{escape_fences(text)}" {share:.0%}' if quote else f"{escape_fences(text)} {share:.0%}"
                     for text, share in items)


def _evidence_lines(evidence: ClusterEvidence, members: Sequence[tuple[str, int]] = ()) -> list[str]:
    lines = [f"Size: {evidence.n_conversations:,} conversations from {evidence.n_users:,} users."]
    if evidence.languages:
        named = [(_language_name(code), share) for code, share in evidence.languages]
        lines.append(f"Languages (share of users): {_shares(named, quote=False)}.")
    if evidence.topics:
        # explained in the system prompt (a fixed list matched by embedding similarity: a hint, not a fact)
        # unquoted, like languages: quotes mark wording that users wrote
        lines.append(f"Reference topics (share of users near each): {_shares(evidence.topics, quote=False)}.")
    if evidence.phrases:
        lines.append(f"Key phrases (share of users who used each): {_shares(evidence.phrases)}.")
    if evidence.wordings:
        lines.append(f"Shared wordings (share of users who used each): {_shares(evidence.wordings)}.")
    if members:
        shown = "; ".join(f"{escape_fences(' '.join(name.split()))} ({size:,} conversations)" for name, size in members)
        lines.append(f"Sub-groups: {shown}.")
    return lines


def evidence_prompt(evidence: ClusterEvidence, contrast: Sequence[ClusterEvidence], *, min_users: int,
                    language: str = "English", facet: str = "request", stage: str = "names",
                    members: Sequence[tuple[str, int]] = ()) -> Prompt:
    """The naming request for one cluster: its evidence, and its neighbours' as contrastive examples.

    ``members``: ``(name, conversations)`` of a parent's sub-clusters (names already written from evidence).

    >>> ev = ClusterEvidence(0, 40, 38, (("python error", 0.3),), (("how do i fix this error", 0.2),), (("en", 1.0),))
    >>> p = evidence_prompt(ev, [], min_users=5)
    >>> 'Key phrases (share of users who used each): "python error" 30%.' in p.user, "at least 5 different" in p.system
    (True, True)
    """
    style = ('The name is an imperative sentence, e.g. "Help debug Python scripts".' if facet == "request"
             else 'The name is a short noun phrase, e.g. "Debugging Python scripts".')
    contrastive = "\n".join("- " + " ".join(_evidence_lines(other)) for other in contrast if not other.empty)
    system, user = split_template("cluster_names_evidence", name_style=style, language=language,
                                  min_users=str(int(min_users)), in_group="\n".join(_evidence_lines(evidence, members)),
                                  contrastive=contrastive or "- (none)")
    return Prompt(stage, system, user, naming_tool(), meta={"cluster": evidence.cluster})


class HybridBackend:
    """The offline backend for facets, approximate facets and the offline names; ``namer`` (an LLM backend:
    :class:`~clio_kit.backends.AnthropicBackend` or :class:`~clio_kit.backends.OpenAICompatibleBackend`) for names
    written from k-anonymous evidence and for the audit (with the rule-based auditor; the stricter verdict wins).

    Parameters: ``min_phrase_users`` (the run's privacy setting: the k of every evidence item), ``names_language``
    (the language names and descriptions are written in), ``facet`` (the clustered facet: ``request`` names are
    imperative sentences), ``n_phrases`` / ``n_wordings`` (evidence items per cluster), ``n_neighbours`` (nearest
    clusters shown for contrast), ``reference_topics`` (add each cluster's nearest taxonomy topics, shown when its
    centroid earns its nearest topic offline).
    """

    uses_llm = False  # facets, clusters and hierarchy are offline (the pipeline's offline paths apply)
    names_by_model = True
    # the model audits too, with the rule-based auditor inside audit() (so no MODEL_AUDIT for the pipeline to add)
    capabilities = frozenset({Capability.MODEL_NAMES, Capability.BOOLEAN_SCREENING, Capability.APPROXIMATE_CONCERN,
                              Capability.SEPARATE_FACETS, Capability.USAGE})

    def __init__(self, offline: Any, namer: Any, *, min_phrase_users: int = 5, names_language: str = "English",
                 facet: str = "request", n_phrases: int = 10, n_wordings: int = 4, n_neighbours: int = 3,
                 reference_topics: bool = True) -> None:
        if check_backend(offline).uses_llm:
            raise ConfigError(f"hybrid naming needs the offline backend for facets, not {offline.name!r}")
        if not isinstance(namer, Namer):
            raise ConfigError(f"the namer must be an LLM backend (anthropic or openai), got {type(namer).__name__}")
        if min_phrase_users < 1:
            raise ConfigError("min_phrase_users must be at least 1")
        if getattr(offline, "min_phrase_users", 0) is None:  # unset: the offline names use the same k
            offline.min_phrase_users = min_phrase_users
        if getattr(offline, "min_phrase_users", min_phrase_users) < min_phrase_users:
            raise ConfigError(f"the offline backend's min_phrase_users ({offline.min_phrase_users}) is below the "
                              f"run's ({min_phrase_users}): its names, sent to the model as parents' sub-groups, "
                              "could hold phrases fewer users wrote")
        self.offline = offline
        self.namer = namer
        self.min_phrase_users = min_phrase_users
        self.names_language = names_language
        self.facet = facet
        self.n_phrases = n_phrases
        self.n_wordings = n_wordings
        self.n_neighbours = n_neighbours
        self.reference_topics = reference_topics

    @property
    def name(self) -> str:
        return f"{self.offline.name}+{self.namer.name}"

    @property
    def facet_backend(self) -> Any:
        """The backend that answers facets (the offline one): switching naming modes keeps a run's facets."""
        return self.offline

    @property
    def taxonomy(self) -> Any:
        return getattr(self.offline, "taxonomy", None)

    def fingerprint(self) -> dict[str, Any]:
        return {"offline": self.offline.fingerprint(), "namer": type(self.namer).__qualname__,
                "namer_params": self.namer.fingerprint(), "min_phrase_users": self.min_phrase_users,
                "names_language": self.names_language, "facet": self.facet, "n_phrases": self.n_phrases,
                "n_wordings": self.n_wordings, "n_neighbours": self.n_neighbours,
                "reference_topics": self.reference_topics, "version": HYBRID_VERSION}

    def prompt_hashes(self) -> dict[str, str]:
        from ..prompts import template_hashes

        return template_hashes(("cluster_names_evidence", "audit"))

    @property
    def usage(self) -> dict[str, dict[str, Any]]:
        """The namer's per-stage usage (``names``, ``parents``, ``audit``); ``fallbacks`` counts offline names kept
        because a request failed."""
        return self.namer.usage

    def close(self) -> None:
        self.namer.close()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (e.g. to Dask workers, which only extract facets) without the namer's client and event loop."""
        return {**self.__dict__, "namer": None}

    # -- offline parts ------------------------------------------------------------------------------------------
    def extract_facets(self, *args: Any, **kwargs: Any) -> Any:
        return self.offline.extract_facets(*args, **kwargs)

    def approximate_concern(self, *args: Any, **kwargs: Any) -> Any:
        return self.offline.approximate_concern(*args, **kwargs)

    def answer_boolean(self, *args: Any, **kwargs: Any) -> Any:
        return self.offline.answer_boolean(*args, **kwargs)

    # -- names --------------------------------------------------------------------------------------------------
    def label_clusters(self, texts: Sequence[str], labels: np.ndarray, user_ids: Sequence[str],
                       languages: Sequence[str], embeddings: np.ndarray, *, embedder: Any = None) -> dict[int, Any]:
        """Offline names first; then a model name for every cluster with evidence (offline kept on failure)."""
        offline = self.offline.label_clusters(texts, labels, user_ids, languages, embeddings, embedder=embedder)
        labels = np.asarray(labels)
        centroids = {int(c): np.asarray(embeddings[labels == c]).mean(axis=0) for c in np.unique(labels)}
        self._row_topics = _nearest_topics(embeddings, embedder) if self.reference_topics else None
        evidence = _earned_topics_only(self._evidence(texts, labels, user_ids, languages, centroids, self._row_topics),
                                       offline)
        return self._named("names", offline, evidence, {})

    def label_parents(self, child_labels: Mapping[int, Any], child_sizes: Mapping[int, int],
                      parent_of: Mapping[int, int], **context: Any) -> dict[int, Any]:
        """Offline parent names, then model names from each parent's own evidence (its conversations' phrases and
        wordings, its sub-clusters' names) against its nearest sibling parents'. Needs ``texts``, ``user_ids``,
        ``languages`` and ``members`` (each conversation's parent) in ``context``; without them, offline names."""
        offline = self.offline.label_parents(child_labels, child_sizes, parent_of, **context)
        if any(context.get(key) is None for key in ("texts", "user_ids", "languages", "members", "centroids")):
            return {p: _sourced(label, "offline") for p, label in offline.items()}
        row_topics = getattr(self, "_row_topics", None)  # each conversation's nearest topics, from label_clusters
        evidence = self._evidence(context["texts"], context["members"], context["user_ids"], context["languages"],
                                  context["centroids"],
                                  row_topics if row_topics is not None and len(row_topics) == len(context["texts"])
                                  else None)
        evidence = _earned_topics_only(evidence, offline)
        members: dict[int, list[tuple[str, int]]] = {}
        for child, parent in sorted(parent_of.items(), key=lambda item: -int(child_sizes.get(item[0], 0))):
            label = child_labels.get(child)
            if label is not None:
                members.setdefault(int(parent), []).append((str(label.name), int(child_sizes.get(child, 0))))
        return self._named("parents", offline, evidence, members)

    def _evidence(self, texts: Sequence[str], labels: Sequence[int], user_ids: Sequence[Any],
                  languages: Sequence[str], centroids: Mapping[int, np.ndarray],
                  row_topics: Sequence[Sequence[str]] | None = None) -> dict[int, ClusterEvidence]:
        evidence = cluster_evidence([str(t) for t in texts], labels, list(user_ids), list(languages),
                                    min_users=self.min_phrase_users, n_phrases=self.n_phrases,
                                    n_wordings=self.n_wordings, centroids=centroids, n_neighbours=self.n_neighbours)
        if row_topics is None:
            return evidence
        topics = topic_evidence(row_topics, labels, list(user_ids), min_users=self.min_phrase_users)
        return {c: replace(ev, topics=topics.get(c, ())) for c, ev in evidence.items()}

    def _named(self, stage: str, offline: Mapping[int, Any], evidence: Mapping[int, ClusterEvidence],
               members: Mapping[int, Sequence[tuple[str, int]]]) -> dict[int, Any]:
        asked = [c for c in sorted(offline) if c in evidence and not evidence[c].empty]
        prompts = [evidence_prompt(evidence[c], [evidence[n] for n in evidence[c].neighbours if n in evidence],
                                   min_users=self.min_phrase_users, language=self.names_language, facet=self.facet,
                                   stage=stage, members=members.get(c, ())) for c in asked]
        outcomes = dict(zip(asked, self.namer.name_requests(stage, prompts)))
        named: dict[int, Any] = {}
        failed = 0
        for cluster, label in offline.items():
            outcome = outcomes.get(cluster)
            if outcome is None or outcome.value is None:
                failed += outcome is not None
                named[cluster] = _sourced(label, "offline")
                continue
            name, description, _ = outcome.value
            keywords = tuple(p for p, _ in evidence[cluster].phrases) or tuple(getattr(label, "keywords", ()))
            named[cluster] = SourcedLabel(name, description, keywords, getattr(label, "topic", ""), source="model")
        if failed:
            self.namer.note_usage(stage, "fallbacks", failed)
        return named

    # -- audit --------------------------------------------------------------------------------------------------
    def audit(self, items: Sequence[tuple[str, str]]) -> list[Any]:
        """The model's audit and the rule-based one; the stricter verdict is kept (a failed audit fails closed)."""
        from ..config import PrivacyConfig
        from ..privacy.audit import RuleBasedAuditor

        model = self.namer.audit(items)
        min_score = self.namer.min_audit_score
        rules = RuleBasedAuditor(min_score=PrivacyConfig().min_audit_score if min_score is None else min_score
                                 ).audit_many(items)
        return [m if m.score <= r.score else r for m, r in zip(model, rules)]

    # -- cost ---------------------------------------------------------------------------------------------------
    def estimate_cost(self, conversations: Sequence[Any], facets: Sequence[Any] = (), *,
                      n_clusters: int | None = None, n_levels: int = 3) -> dict[str, Any]:
        """Tokens and dollars of the naming-only requests (facets are offline and free): a name for each of
        ``n_clusters`` base clusters (default: the square-root rule), each parent of an ``n_levels`` hierarchy,
        and an audit of every name; plus ``dollars_per_1000_clusters``. Requests are modelled on evidence of the
        configured size with phrases of ~2 words, wordings of ~8 words and 3 reference topics (real evidence is often
        smaller)."""
        from ..cluster import default_n_clusters
        from ..hierarchy import level_sizes_for
        from .llm_prompts import audit_prompt

        if n_clusters is None:
            n_clusters = default_n_clusters(len(conversations))
        levels = level_sizes_for(n_clusters, None, n_levels) if n_clusters >= 3 else [n_clusters]
        n_parents = sum(levels[1:])
        per_parent = max(1, math.ceil(levels[0] / levels[1])) if len(levels) > 1 else 1
        filler = ClusterEvidence(0, 100, 90, tuple(("x" * 14, 0.25) for _ in range(self.n_phrases)),
                                 tuple(("x" * 45, 0.1) for _ in range(self.n_wordings)),
                                 (("en", 0.6), ("es", 0.2), ("fr", 0.1)),
                                 topics=tuple(("x" * 30, 0.5) for _ in range(3 if self.reference_topics else 0)))
        contrast = [filler] * self.n_neighbours
        base = evidence_prompt(filler, contrast, min_users=self.min_phrase_users, language=self.names_language)
        parent = evidence_prompt(filler, contrast, min_users=self.min_phrase_users, language=self.names_language,
                                 stage="parents", members=[("x" * 50, 100)] * per_parent)
        out: dict[str, Any] = {
            "names": self.namer._model_only("names", base, n_clusters, _OUTPUT_TOKENS["names"]),
            "parents": self.namer._model_only("parents", parent, n_parents, _OUTPUT_TOKENS["parents"]),
            "audit": self.namer._model_only("audit", audit_prompt("x" * 50, "x" * 200), n_clusters + n_parents,
                                            _OUTPUT_TOKENS["audit"]),
        }
        total = sum(v["dollars"] for v in out.values())
        out["total_dollars"] = round(total, 6)
        out["dollars_per_1000_clusters"] = round(total / max(n_clusters, 1) * 1000, 4)
        out["assumptions"] = {"n_clusters": n_clusters, "n_parents": n_parents, "hierarchy_levels": levels,
                              "facets": "offline (no requests)", "n_phrases": self.n_phrases,
                              "n_wordings": self.n_wordings, "n_neighbours": self.n_neighbours}
        return out


def _earned_topics_only(evidence: Mapping[int, ClusterEvidence],
                        offline: Mapping[int, Any]) -> dict[int, ClusterEvidence]:
    """Reference topics only for clusters whose centroid earns its nearest topic offline (the offline label has a
    ``topic``: :class:`~clio_kit.taxonomy.TaxonomyLabeler`'s thresholds, calibrated on held-out data); a cluster
    about something the taxonomy lacks gets no topics to mislead the model."""
    return {c: ev if getattr(offline.get(c), "topic", "") else replace(ev, topics=())
            for c, ev in evidence.items()}


def _nearest_topics(embeddings: np.ndarray, embedder: Any, n: int = 3,
                    batch: int = 50_000) -> list[tuple[str, ...]] | None:
    """Each conversation's ``n`` nearest topics of the fixed taxonomy, centred as
    :class:`~clio_kit.taxonomy.TaxonomyLabeler` centres them (``None`` without an embedder)."""
    if embedder is None:
        return None
    from ..taxonomy import DEFAULT_TOPICS, topic_vectors

    topics = topic_vectors(embedder)
    mean = np.asarray(embeddings, dtype=np.float32).mean(axis=0)
    out: list[tuple[str, ...]] = []
    for start in range(0, len(embeddings), batch):
        similarity = (np.asarray(embeddings[start:start + batch], dtype=np.float32) - mean) @ topics.T
        for row in np.argsort(-similarity, axis=1)[:, :n]:
            out.append(tuple(DEFAULT_TOPICS[j][0] for j in row))
    return out


def _sourced(label: Any, source: str) -> SourcedLabel:
    return SourcedLabel(label.name, label.description, tuple(label.keywords), getattr(label, "topic", ""),
                        source=source)


def hybrid_backend(backend: Any, names: Any, *, min_phrase_users: int, min_audit_score: int = 3,
                   names_language: str = "English", facet: str = "request") -> HybridBackend:
    """The pipeline's hybrid backend: ``backend`` (offline) for facets, ``names`` for names.

    ``names`` is an LLM backend, or ``"anthropic"`` / ``"openai"`` to build one with its defaults (``openai``
    reads ``OPENAI_BASE_URL`` and ``CLIO_KIT_NAMES_MODEL``; pass a configured backend for anything else)."""
    if check_backend(backend).uses_llm:
        raise ConfigError(f"names={names!r} needs the offline backend; the {backend.name!r} backend already names "
                          "clusters with its model")
    if isinstance(names, str):
        from . import get_backend

        if names == "anthropic":
            names = get_backend("anthropic", min_audit_score=min_audit_score)
        elif names == "openai":
            base_url, model = openai_names_server()
            if not base_url or not model:
                raise ConfigError("names='openai' needs a server: pass namer=OpenAICompatibleBackend(base_url, model) "
                                  "or set OPENAI_BASE_URL and CLIO_KIT_NAMES_MODEL")
            names = get_backend("openai", base_url=base_url, model=model, min_audit_score=min_audit_score)
        else:
            raise ConfigError(f"unknown names mode {names!r}; choose offline, anthropic or openai")
    if getattr(names, "min_audit_score", 0) is None:  # a namer passed in takes the run's setting (one source)
        names.min_audit_score = min_audit_score
    return HybridBackend(backend, names, min_phrase_users=min_phrase_users, names_language=names_language,
                         facet=facet)
