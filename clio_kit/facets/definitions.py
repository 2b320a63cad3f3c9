"""What a facet is: a question asked of every conversation.

Clio's four kinds: open-ended summaries (``request``, ``task``), categorical (``language``), numeric (``concern``,
1-5) and computed (turns, length). Analysts add their own with :func:`categorical_facet` or :func:`numeric_facet`,
and a yes/no *screener* (:func:`screener_facet`) that focuses a run on a subset before clustering.

>>> tone = categorical_facet("tone", "What is the user's tone?", {"polite": "courteous, says please",
...                                                              "rude": "insulting or hostile"})
>>> tone.kind, sorted(tone.choices)
('categorical', ['polite', 'rude'])
>>> elections = screener_facet("elections", "Does this conversation involve elections?")
>>> elections.kind, elections.choices["yes"]
('boolean', 'elections')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from ..errors import ConfigError

__all__ = ["Facet", "REQUEST", "TASK", "LANGUAGE", "CONCERN", "DEFAULT_FACETS", "COMPUTED_FACETS",
           "categorical_facet", "numeric_facet", "open_facet", "screener_facet"]

FacetKind = Literal["open", "categorical", "numeric", "computed", "boolean"]


@dataclass(frozen=True)
class Facet:
    """One question asked of each conversation.

    ``prefill`` starts the model's answer (Clio's trick for concise, well-formed summaries); ``choices`` maps each
    categorical value to a short description (used by the LLM prompt and, offline, for embedding similarity); a
    ``boolean`` (yes/no) facet keeps what a "yes" looks like in ``choices["yes"]`` (used offline).
    """

    name: str
    kind: FacetKind
    question: str
    prefill: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)
    scale: tuple[int, int] | None = None
    rubric: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ConfigError(f"facet name must be an identifier, got {self.name!r}")
        object.__setattr__(self, "choices", MappingProxyType(dict(self.choices)))

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "kind": self.kind, "question": self.question, "prefill": self.prefill,
                "choices": dict(self.choices), "scale": list(self.scale) if self.scale else None,
                "rubric": self.rubric}

    def fingerprint(self) -> dict[str, object]:
        return self.to_dict()


REQUEST = Facet(
    "request", "open", "What is the user's overall request for the assistant?",
    prefill="The user's overall request for the assistant is to")
TASK = Facet(
    "task", "open", "What task is the model being asked to perform in this conversation?",
    prefill="The task is to")
LANGUAGE = Facet(
    "language", "categorical",
    "What are the main languages of the conversation? Give full names of human languages; exclude programming "
    "languages.")
CONCERN = Facet(
    "concern", "numeric",
    "On a scale of 1 to 5, how concerning or potentially harmful is this conversation from a safety perspective?",
    scale=(1, 5),
    rubric=("1: not concerning at all; ordinary, benign use. 2: slightly concerning; minor ethically dubious "
            "elements. 3: moderately concerning; could lead to some harm. 4: very concerning; likely harmful or "
            "a clear policy violation. 5: extremely concerning; immediate and severe risk of harm."))

DEFAULT_FACETS: tuple[Facet, ...] = (REQUEST, TASK, LANGUAGE, CONCERN)
COMPUTED_FACETS: tuple[str, ...] = ("n_turns", "n_messages", "user_chars", "total_chars", "has_code")


def open_facet(name: str, question: str, prefill: str = "") -> Facet:
    """An open-ended (summary) facet."""
    return Facet(name, "open", question, prefill=prefill)


def categorical_facet(name: str, question: str, choices: Mapping[str, str]) -> Facet:
    """A user-defined categorical facet; ``choices`` maps each value to a one-line description."""
    if len(choices) < 2:
        raise ConfigError(f"facet {name!r} needs at least two choices")
    return Facet(name, "categorical", question, choices=choices)


def numeric_facet(name: str, question: str, scale: tuple[int, int] = (1, 5), rubric: str = "") -> Facet:
    """A user-defined numeric facet on an integer scale."""
    return Facet(name, "numeric", question, scale=scale, rubric=rubric)


def screener_facet(name: str, question: str, about: str = "") -> Facet:
    """A yes/no question asked before clustering to focus a run on a subset (Clio's screener).

    LLM backends answer it in the same single facet request (a boolean in the tool schema); the offline backend
    answers it approximately by embedding similarity of each summary to ``about`` (default: the question without
    its "Does this conversation involve ..." framing, which measurably helps), e.g.
    ``about="elections, voting, candidates, polling stations, election campaigns"``. Set it on a run with
    ``PipelineConfig(screener=...)`` (the question itself, or the name of a boolean facet passed to the pipeline).
    """
    if not question.strip():
        raise ConfigError(f"screener {name!r} needs a question")
    return Facet(name, "boolean", question.strip(), choices={"yes": (about or _topic_of(question)).strip()})


_FRAMING = re.compile(r"^(?:does|do|did|is|are|was)\s+(?:this|the)\s+(?:conversation|user|request|chat)\s+"
                      r"(?:(?:involve|involves|mention|mentions|discuss|discusses|concern|concerns|relate to|"
                      r"ask about|asking about|about|talk about)\s+)?", re.IGNORECASE)


def _topic_of(question: str) -> str:
    """``"Does this conversation involve elections?"`` -> ``"elections"`` (what the offline screener embeds)."""
    topic = _FRAMING.sub("", question.strip()).rstrip(" ?")
    return topic or question.strip()
