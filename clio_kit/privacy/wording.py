"""LLM-written names may only use wording that enough users share.

A model naming a cluster reads users' summaries, and may copy a distinctive phrase from one of them into the
name or description. A name or description that shares a sequence of ``n`` (4) words with the summaries of at least
one but fewer than ``min_users`` distinct users is rejected: the backend is asked once more (told which word
sequences to avoid), and a name still rejected falls back to the offline, k-anonymous key-phrase name.

>>> guard = RareWordingGuard(["I need help with my cat Whiskers", "help with my dog", "help with my dog"],
...                          ["u1", "u2", "u3"], min_users=2)
>>> guard.rare_sequences("Help with my cat Whiskers")
['help with my cat', 'with my cat whiskers']
>>> guard.rare_sequences("Help with my dog")
[]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import ConfigError
from ..text import word_sequences

__all__ = ["RareWordingGuard", "word_sequences"]


class RareWordingGuard:
    """Checks generated text against the summaries (``texts``) of the run and their ``user_ids``.

    ``rare_sequences(text)`` lists the ``n``-word sequences of ``text`` that appear in the summaries of at least one
    and fewer than ``min_users`` distinct users; :meth:`guard` applies the rule to a set of labels.
    """

    def __init__(self, texts: Sequence[str], user_ids: Sequence[str], min_users: int, n: int = 4) -> None:
        if len(texts) != len(user_ids):
            raise ConfigError("texts and user_ids must have the same length")
        self.texts = texts
        self.user_ids = user_ids
        self.min_users = min_users
        self.n = n
        self._users: dict[str, int] = {}  # sequence -> distinct users whose summaries hold it (counted on demand)

    def _count(self, sequences: set[str]) -> None:
        """Count users for the sequences not counted yet, in one pass over the summaries."""
        wanted = {s for s in sequences if s not in self._users}
        if not wanted:
            return
        users: dict[str, set[str]] = {s: set() for s in wanted}
        for text, user in zip(self.texts, self.user_ids):
            found = wanted.intersection(word_sequences(text, self.n))
            for sequence in found:
                users[sequence].add(str(user))
        self._users.update({s: len(u) for s, u in users.items()})

    def rare_sequences(self, *texts: str) -> list[str]:
        """Sequences of ``texts`` that some, but fewer than ``min_users``, users' summaries hold."""
        sequences = list(dict.fromkeys(s for text in texts for s in word_sequences(text, self.n)))
        self._count(set(sequences))
        return [s for s in sequences if 0 < self._users[s] < self.min_users]

    def offending(self, labels: Mapping[int, Any]) -> dict[int, list[str]]:
        """``{key: rare sequences}`` for every label whose name or description holds one."""
        self._count({s for label in labels.values() for s in
                     word_sequences(label.name, self.n) + word_sequences(label.description, self.n)})
        found = {key: self.rare_sequences(label.name, label.description) for key, label in labels.items()}
        return {key: rare for key, rare in found.items() if rare}

    def guard(self, labels: Mapping[int, Any],
              reask: Callable[[dict[int, list[str]]], Mapping[int, Any]] | None,
              fallback: Callable[[list[int]], Mapping[int, Any]]) -> tuple[dict[int, Any], dict[str, int]]:
        """Labels with rare wording replaced: re-asked once (``reask({key: sequences to avoid})``), then
        ``fallback(keys)``. Returns the labels and counts (``rejected``, ``reasked_ok``, ``fallback``)."""
        out = dict(labels)
        bad = self.offending(out)
        stats = {"rejected": len(bad), "reasked_ok": 0, "fallback": 0}
        if bad and reask is not None:
            answers = {k: v for k, v in (reask(dict(bad)) or {}).items() if k in bad}
            still = self.offending(answers)
            for key, label in answers.items():
                if key not in still:
                    out[key] = label
                    stats["reasked_ok"] += 1
                    del bad[key]
        if bad:
            replacements = fallback(sorted(bad))
            for key in bad:
                out[key] = replacements[key]
            stats["fallback"] = len(bad)
        return out, stats
