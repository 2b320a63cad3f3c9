"""The embedded default: Clio's pipeline with no API key and no network.

Facets come from a language identifier, computed statistics and extractive summaries; cluster names from
k-anonymous key phrases; the audit from rules. Everything it writes says it was generated offline.

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

OFFLINE_VERSION = 1


class OfflineBackend:
    """Offline facets, names and audit.

    Parameters: ``min_phrase_users`` is the k of k-anonymous names (a phrase appears in a name only if at least
    this many distinct users used it in the cluster); ``summary_chars`` caps the extractive summaries.
    """

    name = "offline"
    uses_llm = False

    def __init__(self, min_phrase_users: int = 5, summary_chars: int = 400, min_audit_score: int = 3) -> None:
        self.min_phrase_users = min_phrase_users
        self.summary_chars = summary_chars
        self.min_audit_score = min_audit_score

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {"min_phrase_users": self.min_phrase_users, "summary_chars": self.summary_chars,
                "min_audit_score": self.min_audit_score, "version": OFFLINE_VERSION}

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

    # -- names --------------------------------------------------------------------------------------------------
    def label_clusters(self, texts: Sequence[str], labels: np.ndarray, user_ids: Sequence[str],
                       languages: Sequence[str], embeddings: np.ndarray) -> dict[int, Any]:
        from ..naming import KeyphraseNamer

        namer = KeyphraseNamer(min_users=self.min_phrase_users)
        return dict(namer.fit(list(texts), list(labels), list(user_ids), list(languages)).labels_)

    def label_parents(self, child_labels: Mapping[int, Any], child_sizes: Mapping[int, int],
                      parent_of: Mapping[int, int]) -> dict[int, Any]:
        from ..hierarchy import name_parents

        return name_parents(child_labels, child_sizes, parent_of)

    # -- audit --------------------------------------------------------------------------------------------------
    def audit(self, items: Sequence[tuple[str, str]]) -> list[Any]:
        from ..privacy.audit import RuleBasedAuditor

        return RuleBasedAuditor(min_score=self.min_audit_score).audit_many(items)
