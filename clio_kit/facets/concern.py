"""An offline, approximate concern score (Clio's 1-5 rubric) by embedding similarity to anchor descriptions.

With no model to read a conversation, each request summary is compared with two fixed lists of short descriptions:
*concerning request types*, each carrying a rubric level (2 = slightly, 3 = moderately, 4 = very, 5 = extremely
concerning), and *ordinary uses* (the offline taxonomy's topics plus a few protective ones such as "recognise a
phishing email"). A conversation whose summary is closer to a concerning type than to every ordinary use gets that
type's level; any other conversation gets 1. Every score is marked approximate (``concern_approximate = True``).

Limits, stated plainly: similarity measures *topic*, not intent or outcome. A question about protecting against a
harm can land near that harm (false positives, partly offset by the protective anchors); euphemisms, coded language,
harm spread over several turns, or requests far from every anchor are missed (false negatives); and the level comes
from the nearest anchor, not from the conversation's specifics. Use it to sort and triage, never to judge a single
conversation or to act on an account; use an LLM backend (which asks the rubric question directly) for anything that
matters. The anchors are fixed text written here, never taken from conversations.

>>> import numpy as np
>>> class Toy:                                   # any embedder: texts -> L2-normalised rows
...     name = "toy"
...     def embed(self, texts, progress=False):
...         return np.array([[1.0, 0.0] if "bomb" in t else [0.0, 1.0] for t in texts])
>>> scorer = ConcernScorer(Toy(), anchors=[(5, "Explosives", "make a bomb")], benign=[("Cooking", "recipes")])
>>> scores, margins = scorer.predict(np.array([[0.9, 0.1], [0.1, 0.9]]))
>>> scores.tolist()
[5.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ..errors import ConfigError

__all__ = ["CONCERN_ANCHORS", "PROTECTIVE_TOPICS", "ConcernScorer", "CONCERN_SCORER_VERSION"]

CONCERN_SCORER_VERSION = 1

#: (rubric level, label, description of the kind of request): the description is what gets embedded, with the label
CONCERN_ANCHORS: tuple[tuple[int, str, str], ...] = (
    (5, "Weapons of mass harm", "make a bomb, explosives, chemical or biological weapons, nerve agents or poison "
                                "gas to kill many people"),
    (5, "Planning violent attacks", "plan a shooting, a stabbing, a murder or a terrorist attack against people"),
    (5, "Sexual content involving minors", "sexual content, images or grooming involving children or minors"),
    (5, "Poisoning", "poison a person or an animal, make ricin or another toxin, a chemical that kills quickly"),
    (4, "Synthesising illegal drugs", "cook methamphetamine, synthesise fentanyl or other illegal drugs at home"),
    (4, "Illegal weapons", "buy an untraceable gun, build a ghost gun, convert a rifle to fully automatic"),
    (4, "Malware and intrusion", "write malware, ransomware or a keylogger, get into someone else's account "
                                "without their password, fake login pages to capture passwords"),
    (4, "Fraud and scams", "write phishing emails or scam messages, fake invoices, steal money or credit card "
                           "details from people"),
    (4, "Stalking and surveillance", "secretly track a specific person's location, find where someone lives, spy "
                                     "on a partner's phone without consent"),
    (4, "Self-harm methods", "methods of suicide or self-harm, how to hurt or kill myself, how many pills "
                             "to overdose and not wake up"),
    (4, "Election disinformation", "false claims to mislead voters about polling places, voting dates or how to "
                                   "vote; mass-produced fake posts to suppress or manipulate voters"),
    (3, "Harassment and hate", "insult, threaten, intimidate or harass a specific person; racist slurs, "
                               "hateful or dehumanising content about a group of people"),
    (3, "Evading the law or safety rules", "evade the police, launder money, bypass an AI assistant's safety "
                                           "rules with a jailbreak"),
    (3, "Deception and impersonation", "impersonate a real person or organisation, manipulate or gaslight "
                                       "someone, write propaganda"),
    (2, "Academic dishonesty", "cheat on an exam, write homework or an essay to hand in as my own, plagiarise"),
    (2, "Piracy and fake reviews", "download pirated films, crack software licences, write fake product reviews"),
)

#: ordinary uses near the concerning ones (protection, education), so asking about a harm is not mistaken for it
PROTECTIVE_TOPICS: tuple[tuple[str, str], ...] = (
    ("Staying safe online", "recognise and report phishing, scams and fraud; protect my accounts and passwords"),
    ("Security defence", "secure a server, fix a vulnerability, defend a network, security best practices"),
    ("Mental health support", "feeling sad, stressed or lonely, finding help, talking to a therapist"),
    ("Civic information", "how elections work, how to register to vote, what a candidate proposes"),
    ("Medicine safety", "medication doses, side effects, drug interactions, dispose of old medicines safely"),
    ("How things work", "how engines, locks, firearms or machines work mechanically; history of technology"),
    ("Computer help", "remove a virus from my laptop, antivirus, kill a stuck process, fix a slow computer"),
    ("Child safety", "my child is bullied, keep kids safe online, talk to children about danger"),
    ("Crime fiction and history", "write a mystery novel, history of a war, how detectives solve crimes"),
)


class ConcernScorer(BaseEstimator):
    """Score request summaries 1-5 by their nearest anchor: a concerning type's level, else 1 (approximate).

    Parameters: ``embedder`` (the run's embedder, so anchors and summaries share one space); ``anchors``
    (level, label, description) of concerning request types; ``benign`` (label, description) of ordinary uses
    (default: the offline taxonomy's topics plus :data:`PROTECTIVE_TOPICS`); ``margin``: how much closer than every
    ordinary use a concerning anchor must be (in cosine similarity) before it counts.
    """

    def __init__(self, embedder: Any, anchors: Sequence[tuple[int, str, str]] = CONCERN_ANCHORS,
                 benign: Sequence[tuple[str, str]] | None = None, margin: float = 0.0) -> None:
        self.embedder = embedder
        self.anchors = anchors
        self.benign = benign
        self.margin = margin

    def fingerprint(self) -> dict[str, Any]:
        """What changes the scores: the anchors as used, the margin and the version (not the embedder object)."""
        return {"anchors": [list(a) for a in self.anchors], "benign": self._benign(), "margin": self.margin,
                "version": CONCERN_SCORER_VERSION}

    def _benign(self) -> list[tuple[str, str]]:
        if self.benign is not None:
            return list(self.benign)
        from ..taxonomy import DEFAULT_TOPICS

        return list(DEFAULT_TOPICS) + list(PROTECTIVE_TOPICS)

    def fit(self) -> "ConcernScorer":
        """Embed the anchors (once)."""
        if not self.anchors:
            raise ConfigError("ConcernScorer needs at least one concerning anchor")
        self.levels_ = np.array([float(level) for level, _, _ in self.anchors])
        self.labels_ = [label for _, label, _ in self.anchors]
        vectors = np.asarray(self.embedder.embed(self.anchor_texts()), dtype=np.float32)
        self.anchor_vectors_ = vectors[: len(self.anchors)]
        self.benign_vectors_ = vectors[len(self.anchors):]
        return self

    def anchor_texts(self) -> list[str]:
        """What :meth:`fit` embeds, in one call: the concerning anchors, then the ordinary uses ("label:
        description"). The default ones' vectors ship with the package (:func:`clio_kit.embed.shipped_vectors`)."""
        concerning = [f"{label}: {description}" for _, label, description in self.anchors]
        return concerning + [f"{label}: {description}" for label, description in self._benign()]

    def predict(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (score 1-5 per row as float, margin: best concerning minus best ordinary similarity)."""
        if not hasattr(self, "anchor_vectors_"):
            self.fit()
        vectors = np.asarray(embeddings, dtype=np.float32)
        if len(vectors) == 0:
            return np.zeros(0), np.zeros(0)
        concerning = vectors @ self.anchor_vectors_.T
        best = concerning.argmax(axis=1)
        best_concerning = concerning[np.arange(len(best)), best]
        best_ordinary = (vectors @ self.benign_vectors_.T).max(axis=1) if len(self.benign_vectors_) else \
            np.full(len(vectors), -np.inf)
        margin = best_concerning - best_ordinary
        scores = np.where(margin > self.margin, self.levels_[best], 1.0)
        return scores.astype(float), margin.astype(float)

    def nearest_anchor(self, embeddings: np.ndarray) -> list[str]:
        """The label of each row's nearest concerning anchor (for inspection, whatever its score)."""
        if not hasattr(self, "anchor_vectors_"):
            self.fit()
        best = (np.asarray(embeddings, dtype=np.float32) @ self.anchor_vectors_.T).argmax(axis=1)
        return [self.labels_[i] for i in best]
