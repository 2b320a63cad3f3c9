"""Check and repair what a model returns: facet answers, cluster names and privacy ratings.

Every parser takes the tool input (a dict) and returns clean values or raises :class:`OutputError` with a short
reason (never conversation text), which the backend retries a bounded number of times and then records.
:func:`repair_json` rescues JSON that arrives as text (code fences, trailing commas, a missing closing brace).

>>> repair_json('```json\\n{"score": 4, "reason": "generic",}\\n```')
{'score': 4, 'reason': 'generic'}
>>> language_code("Mandarin Chinese"), language_code("Brazilian Portuguese"), language_code("Klingon")
(('zh', 'Chinese'), ('pt', 'Portuguese'), ('und', 'Klingon'))
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from ..facets.definitions import LANGUAGE, Facet

__all__ = [
    "MAX_NAME_WORDS",
    "OutputError",
    "language_code",
    "parse_audit",
    "parse_cluster_name",
    "parse_facets",
    "parse_parent_choice",
    "parse_parent_names",
    "parse_synthetic_turns",
    "repair_json",
    "shorten_name",
]

MAX_NAME_WORDS = 10

# Names a model may give that the fastText name table does not hold (lower-case -> ISO 639-1).
_ALIASES = {
    "mandarin": "zh", "cantonese": "zh", "simplified chinese": "zh", "traditional chinese": "zh",
    "farsi": "fa", "filipino": "tl", "castilian": "es", "panjabi": "pa", "pushto": "ps", "slovene": "sl",
    "gaelic": "gd", "bokmal": "no", "bokmål": "no", "norwegian bokmal": "no", "norwegian bokmål": "no",
    "haitian": "ht", "moldovan": "ro", "flemish": "nl", "brazilian portuguese": "pt",
    "european portuguese": "pt", "mexican spanish": "es", "latin american spanish": "es",
    "american english": "en", "british english": "en", "swiss german": "de", "modern greek": "el",
    "hinglish": "hi", "persian (farsi)": "fa", "uighur": "ug", "kirghiz": "ky", "burmese": "my",
}
_NO_LANGUAGE = {"", "none", "n/a", "unknown", "no language", "not applicable", "code", "emoji"}


class OutputError(ValueError):
    """A model answer that cannot be used; ``refusal`` marks a refusal rather than a malformed answer."""

    def __init__(self, reason: str, *, refusal: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refusal = refusal


# -- JSON repair ------------------------------------------------------------------------------------------------
def repair_json(text: str | None) -> dict[str, Any] | None:
    """The JSON object in ``text``, repairing common damage; ``None`` when there is none.

    >>> repair_json('Sure! {"a": [1, 2,], "b": "x"')
    {'a': [1, 2], 'b': 'x'}
    >>> repair_json("no json here") is None
    True
    """
    if not text:
        return None
    candidate = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)(?:```|$)", candidate, re.DOTALL)
    if fenced:
        candidate = fenced.group(1).strip()
    start = candidate.find("{")
    if start < 0:
        return None
    candidate = candidate[start:]
    for attempt in (candidate, _close(candidate)):
        for variant in (attempt, re.sub(r",\s*([}\]])", r"\1", attempt)):
            try:
                value = json.loads(variant)
            except json.JSONDecodeError:
                try:
                    value, _ = json.JSONDecoder().raw_decode(variant)
                except json.JSONDecodeError:
                    continue
            if isinstance(value, dict):
                return value
    return None


def _close(text: str) -> str:
    """Append the closing quotes and brackets a truncated JSON object is missing."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    closed = text + ('"' if in_string else "")
    closed = re.sub(r",\s*$", "", closed)
    return closed + "".join(reversed(stack))


# -- languages --------------------------------------------------------------------------------------------------
@cache
def _name_table() -> dict[str, str]:
    from ..facets import language as lang

    names: Mapping[str, str] = getattr(lang, "_NAMES", {})
    table = {name.lower(): code for code, name in names.items() if len(code) == 2}
    for code, name in names.items():  # three-letter codes only where no two-letter one has the name
        table.setdefault(name.lower(), code)
    table.update(_ALIASES)
    return table


@cache
def _macro() -> dict[str, str]:
    from ..facets import language as lang

    return dict(getattr(lang, "_MACRO", {}))  # dialect labels folded into their macrolanguage, as offline


def language_code(name: str) -> tuple[str, str]:
    """Map a model's full language name to ``(ISO 639-1 code, English name)``; ``("und", name)`` if unknown."""
    from ..facets.language import language_name

    raw = " ".join(str(name).split()).strip(" .")
    key = raw.lower()
    if key in _NO_LANGUAGE:
        return "und", "Unknown"
    table = _name_table()
    candidates = [key, re.sub(r"\s*\(.*?\)\s*", " ", key).strip(), key.removesuffix(" language").strip()]
    if len(key) in (2, 3) and language_name(key) != "Unknown":  # the model answered with a code
        candidates.insert(0, "\0" + key)
    words = key.replace("(", " ").replace(")", " ").split()
    candidates += [words[-1]] if words else []
    for candidate in candidates:
        code = candidate[1:] if candidate.startswith("\0") else table.get(candidate)
        if code:
            code = _macro().get(code, code)
            return code, language_name(code) if language_name(code) != "Unknown" else raw
    return "und", raw


# -- facets -----------------------------------------------------------------------------------------------------
def _as_int(value: Any, facet: str) -> int:
    if isinstance(value, bool):
        raise OutputError(f"{facet}: expected an integer, got a boolean")
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"-?\d+(\.0+)?", value):
            raise OutputError(f"{facet}: expected an integer, got text")
        value = float(value)
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise OutputError(f"{facet}: expected an integer, got {value!r}")
        value = int(value)
    if not isinstance(value, int):
        raise OutputError(f"{facet}: expected an integer, got {type(value).__name__}")
    return value


def _text(value: Any, facet: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OutputError(f"{facet}: expected non-empty text")
    return " ".join(value.split())


def _languages(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part for part in re.split(r"[,;/]| and ", value) if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OutputError("language: expected a list of language names")
    return [v.strip() for v in value if v.strip()]


def parse_facets(data: Any, facets: Sequence[Facet]) -> dict[str, Any]:
    """Validate one ``record_facets`` input against ``facets``: ``{name: value}`` plus language columns.

    Open and categorical answers become ``str``, numeric ones ``float``; ``language`` becomes an ISO code with
    ``language_name`` and ``languages`` (every code, comma-separated).
    """
    if not isinstance(data, Mapping):
        raise OutputError("tool input is not a JSON object")
    missing = [f.name for f in facets if f.name not in data]
    if missing:
        raise OutputError(f"missing field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    row: dict[str, Any] = {}
    for facet in facets:
        value = data[facet.name]
        if facet.name == LANGUAGE.name and facet.kind == "categorical" and not facet.choices:
            names = _languages(value)
            codes = [language_code(n) for n in names] or [("und", "Unknown")]
            known = [c for c in codes if c[0] != "und"] or codes
            row["language"], row["language_name"] = known[0]
            row["languages"] = ",".join(dict.fromkeys(code for code, _ in codes))
        elif facet.kind == "boolean":
            words = {"true": True, "yes": True, "false": False, "no": False}
            value = words.get(value.strip().lower(), value) if isinstance(value, str) else value
            if not isinstance(value, bool):
                raise OutputError(f"{facet.name}: expected true or false")
            row[facet.name] = value
        elif facet.kind == "numeric":
            low, high = facet.scale or (1, 5)
            number = _as_int(value, facet.name)
            if not low <= number <= high:
                raise OutputError(f"{facet.name}: {number} is outside {low}-{high}")
            row[facet.name] = float(number)
        elif facet.kind == "categorical" and facet.choices:
            text = _text(value, facet.name)
            matches = [c for c in facet.choices if c.lower() == text.lower()]
            if not matches:
                raise OutputError(f"{facet.name}: answer is not one of the choices")
            row[facet.name] = matches[0]
        elif facet.kind == "open" and facet.prefill:
            row[facet.name] = _with_prefill(_text(value, facet.name), facet)
        else:
            row[facet.name] = _text(value, facet.name)
    return row


def _with_prefill(text: str, facet: Facet) -> str:
    """Check Clio's prefill: the answer must begin with ``facet.prefill`` (a bare continuation in lower case is
    completed with it); any other opening is malformed, and the request is asked again.

    >>> from clio_kit.facets.definitions import TASK
    >>> _with_prefill("The task is to fix a bug.", TASK), _with_prefill("fix a bug.", TASK)
    ('The task is to fix a bug.', 'The task is to fix a bug.')
    """
    text = " ".join(text.split())
    prefill = " ".join(facet.prefill.split())
    if text.lower().startswith(prefill.lower()):
        return prefill + text[len(prefill):]
    if text[:1].islower():
        return f"{prefill} {text}"
    raise OutputError(f'{facet.name}: the answer does not begin with "{prefill}"')


# -- names and audit --------------------------------------------------------------------------------------------
def parse_cluster_name(data: Any) -> tuple[str, str, bool]:
    """``(name, description, shortened)`` from a ``record_cluster_name`` input; names over ten words are cut."""
    if not isinstance(data, Mapping):
        raise OutputError("tool input is not a JSON object")
    for key in ("name", "description"):
        if key not in data:
            raise OutputError(f"missing field: {key}")
    name = _text(data["name"], "name").strip(" .\"'")
    description = _text(data["description"], "description")
    if not name:
        raise OutputError("name: expected non-empty text")
    name, shortened = shorten_name(name)
    return name, description, shortened


_PHRASE_STARTS = frozenset({"and", "or", "but", "with", "without", "for", "in", "on", "to", "of", "by", "from",
                            "about", "including", "using", "via", "while", "across", "into", "through", "as",
                            "that", "which", "when", "where", "plus", "versus", "vs"})
_DANGLING = _PHRASE_STARTS | {"a", "an", "the", "their", "its", "his", "her", "your", "our", "my", "&", "-"}


def shorten_name(name: str, max_words: int = MAX_NAME_WORDS) -> tuple[str, bool]:
    """``(name, shortened)``: a name over ``max_words`` words cut at its last phrase boundary within the limit
    (punctuation, or before a conjunction or preposition), never mid-phrase; without one, dangling function words
    are dropped from the end.

    >>> shorten_name("Help users debug Python scripts, fix failing tests and set up continuous integration")
    ('Help users debug Python scripts, fix failing tests', True)
    >>> shorten_name("Assist with writing cover letters and resumes for software engineering jobs in startups")
    ('Assist with writing cover letters and resumes', True)
    """
    words = name.split()
    if len(words) <= max_words:
        return name, False
    kept = words[:max_words]
    cut = 0
    for i in range(3, max_words + 1):  # a boundary after at least three words
        if i < len(words) and kept[i - 1][-1:] in ",;:)" or i < len(words) and words[i].lower() in _PHRASE_STARTS:
            cut = i
    if cut:
        kept = kept[:cut]
    while len(kept) > 3 and kept[-1].lower().strip(",;:") in _DANGLING:
        kept.pop()
    return " ".join(kept).rstrip(",;:-– "), True


def parse_audit(data: Any) -> tuple[int, str]:
    """``(score, reason)`` from a ``record_privacy_rating`` input; the score must be 1-5."""
    if not isinstance(data, Mapping):
        raise OutputError("tool input is not a JSON object")
    for key in ("score", "reason"):
        if key not in data:
            raise OutputError(f"missing field: {key}")
    score = _as_int(data["score"], "score")
    if not 1 <= score <= 5:
        raise OutputError(f"score: {score} is outside 1-5")
    reason = data["reason"] if isinstance(data["reason"], str) else str(data["reason"])
    return score, " ".join(reason.split())


# -- hierarchy --------------------------------------------------------------------------------------------------
_NUMBERING = re.compile(r"^\s*(?:[-*\u2022]+|\(?\d{1,3}[.):])\s*")


def _clean_name(value: Any) -> str:
    """A proposed name without list numbering, surrounding quotes or a final full stop."""
    text = " ".join(str(value).split())
    text = _NUMBERING.sub("", text).strip().strip("\"'`").strip().rstrip(".").strip()
    return text


def parse_parent_names(data: Any) -> tuple[list[str], bool]:
    """``(names, shortened)`` from a ``record_parent_names`` input: cleaned, near-identical spellings merged
    (case and spacing), names over ten words cut (``shortened``); at least one name is required.

    >>> parse_parent_names({"names": ["1. Help cook meals.", "help  cook meals", "Fix cars"]})
    (['Help cook meals', 'Fix cars'], False)
    """
    if not isinstance(data, Mapping):
        raise OutputError("tool input is not a JSON object")
    if "names" not in data:
        raise OutputError("missing field: names")
    raw = data["names"]
    if isinstance(raw, str):
        raw = [part for part in re.split(r"\n|;", raw) if part.strip()]
    if not isinstance(raw, list):
        raise OutputError("names: expected a list of names")
    names: list[str] = []
    seen: set[str] = set()
    shortened = False
    for item in raw:
        if isinstance(item, Mapping):  # {"name": ...} objects, as some models answer
            item = item.get("name", "")
        if not isinstance(item, str):
            continue
        name = _clean_name(item)
        words = name.split()
        if len(words) > MAX_NAME_WORDS:
            name, shortened = shorten_name(name)[0], True
        key = name.casefold()
        if name and key not in seen:
            seen.add(key)
            names.append(name)
    if not names:
        raise OutputError("names: expected at least one non-empty name")
    return names, shortened


def parse_parent_choice(data: Any, candidates: Sequence[str]) -> int:
    """The position in ``candidates`` of the ``parent`` named in a ``record_parent_choice`` input.

    Matched exactly, then ignoring case, spacing, numbering, quotes and a final full stop; a name that matches no
    candidate raises :class:`OutputError`.

    >>> parse_parent_choice({"parent": "2. help COOK meals."}, ["Fix cars", "Help cook meals"])
    1
    """
    if not isinstance(data, Mapping):
        raise OutputError("tool input is not a JSON object")
    if "parent" not in data:
        raise OutputError("missing field: parent")
    value = data["parent"]
    if not isinstance(value, str) or not value.strip():
        raise OutputError("parent: expected a candidate's name")
    normalised = [" ".join(c.split()) for c in candidates]
    answer = " ".join(value.split())
    if answer in normalised:
        return normalised.index(answer)
    folded = [_clean_name(c).casefold() for c in candidates]
    key = _clean_name(answer).casefold()
    if key in folded:
        return folded.index(key)
    raise OutputError("parent: not one of the candidates")


# -- synthetic conversations ------------------------------------------------------------------------------------
def parse_synthetic_turns(data: Any) -> list[tuple[str, str]]:
    """``[(role, content), ...]`` from a ``record_conversation`` input: user and assistant alternating.

    >>> parse_synthetic_turns({"turns": [{"user": "Hi", "assistant": "Hello!"}]})
    [('user', 'Hi'), ('assistant', 'Hello!')]
    """
    if not isinstance(data, Mapping):
        raise OutputError("tool input is not a JSON object")
    turns = data.get("turns")
    if not isinstance(turns, list) or not turns:
        raise OutputError("turns: expected a non-empty list")
    messages: list[tuple[str, str]] = []
    for number, turn in enumerate(turns, 1):
        if not isinstance(turn, Mapping):
            raise OutputError(f"turn {number}: expected an object with user and assistant")
        for role in ("user", "assistant"):
            text = turn.get(role)
            if not isinstance(text, str) or not text.strip():
                raise OutputError(f"turn {number}: {role}: expected non-empty text")
            messages.append((role, text.strip()))
    return messages
