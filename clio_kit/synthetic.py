"""Labelled synthetic conversations written by a model, for ``clio-kit eval`` (Clio's validation approach).

Given a taxonomy (``{category: [topic, ...]}``) and languages, a model writes ``n_per_topic`` conversations for
every (topic, language), each labelled ``{category, topic, language}`` and given a fake user id and timestamp. The
output is the labelled JSONL format that ``clio-kit eval accuracy --data`` reads (the same as
``tests/data/labelled/conversations.jsonl``). Requests go through an LLM backend (stage ``synthetic`` in its usage;
the response cache makes a rerun free); each is varied by a seeded persona, tone and length. Without a model there
is nothing to write with: ``tests/data/labelled/build.py`` writes a labelled set from templates instead.

>>> load_taxonomy({"Food": ["Baking bread", "Soups"], "Code": ["Python errors"]})
{'Food': ['Baking bread', 'Soups'], 'Code': ['Python errors']}
>>> [(s["topic"], s["language"], s["turns"] >= 1) for s in plan_synthetic({"Food": ["Soups"]}, 2, ["en"])]
[('Soups', 'en', True), ('Soups', 'en', True)]
>>> # convs = generate_synthetic(AnthropicBackend(), "taxonomy.toml", n_per_topic=5, languages=["en", "ja"])
>>> # write_synthetic(convs, "synthetic.jsonl")
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .conversation import Conversation, Message
from .errors import ConfigError, InputError

__all__ = ["NEEDS_MODEL", "generate_synthetic", "load_taxonomy", "plan_synthetic", "synthetic_backend",
           "write_synthetic"]

NEEDS_MODEL = ("synthetic conversations need a model backend (--backend anthropic or openai); without one, "
               "tests/data/labelled/build.py writes a labelled set from templates")
PERSONAS = ("a student", "a software developer", "a small-business owner", "a retiree", "a parent",
            "a teacher", "a hobbyist", "a nurse", "a researcher", "a job seeker", "a freelancer", "a traveller")
TONES = ("casual", "formal", "terse", "detailed", "hurried", "curious", "polite", "frustrated")
TURNS = (1, 1, 2, 2, 3)  # user messages per conversation, drawn uniformly
USER_SHARE = 0.8  # distinct fake users per conversation: some users write several conversations
START = datetime(2025, 3, 3, tzinfo=timezone.utc)


def load_taxonomy(source: Mapping[str, Sequence[str]] | str | os.PathLike[str]) -> dict[str, list[str]]:
    """``{category: [topic, ...]}`` from a dict or a TOML / JSON file of that shape (optionally under a
    ``taxonomy`` key); a bad entry is a one-line :class:`~clio_kit.errors.InputError`."""
    where = "taxonomy"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        where = path.name
        if not path.exists():
            raise InputError(f"taxonomy file not found: {path}")
        text = path.read_text(encoding="utf-8")
        try:
            if path.suffix.lower() == ".toml":
                import tomllib

                data: Any = tomllib.loads(text)
            else:
                data = json.loads(text)
        except ValueError as error:
            raise InputError(f"{where}: not valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'}: "
                             f"{' '.join(str(error).split())[:120]}") from None
    else:
        data = source
    if isinstance(data, Mapping) and set(data) == {"taxonomy"} and isinstance(data["taxonomy"], Mapping):
        data = data["taxonomy"]
    if not isinstance(data, Mapping) or not data:
        raise InputError(f"{where}: expected a non-empty mapping of category -> list of topics")
    taxonomy: dict[str, list[str]] = {}
    for category, topics in data.items():
        name = " ".join(str(category).split())
        if not name:
            raise InputError(f"{where}: a category has an empty name")
        if isinstance(topics, str) or not isinstance(topics, Sequence) or not topics:
            raise InputError(f"{where}: category {name!r} must list its topics (a non-empty list of text)")
        cleaned = [" ".join(t.split()) for t in topics if isinstance(t, str) and t.strip()]
        if len(cleaned) != len(topics):
            raise InputError(f"{where}: category {name!r} has a topic that is not non-empty text")
        taxonomy[name] = list(dict.fromkeys(cleaned))
    return taxonomy


def _language(code: str) -> str:
    from .facets.language import language_name

    name = language_name(code.strip().lower())
    if name == "Unknown":
        raise ConfigError(f"unknown language code {code!r}; use ISO 639-1 codes such as en, ja, es")
    return name


def plan_synthetic(taxonomy: Mapping[str, Sequence[str]], n_per_topic: int, languages: Sequence[str],
                   seed: int = 0) -> list[dict[str, Any]]:
    """One spec per conversation to write: category, topic, language (code) and its name, persona, tone, turns,
    and its ``number`` of ``count`` for that topic and language (every request differs, so none share a cache entry).

    Each spec's variation is seeded by ``seed`` and its own (category, topic, language, number), so adding a topic
    changes no other request (and the response cache still answers them)."""
    if n_per_topic < 1:
        raise ConfigError(f"n_per_topic must be at least 1, got {n_per_topic}")
    codes = [c.strip().lower() for c in languages if c.strip()]
    if not codes:
        raise ConfigError("give at least one language code, e.g. en")
    names = {code: _language(code) for code in codes}
    specs = []
    for category, topics in taxonomy.items():
        for topic in topics:
            for code in codes:
                for number in range(n_per_topic):
                    rng = random.Random(f"{seed}\0{category}\0{topic}\0{code}\0{number}")
                    specs.append({"category": category, "topic": topic, "language": code,
                                  "language_name": names[code], "persona": rng.choice(PERSONAS),
                                  "tone": rng.choice(TONES), "turns": rng.choice(TURNS), "number": number + 1,
                                  "count": n_per_topic})
    return specs


def generate_synthetic(backend: Any, taxonomy: Mapping[str, Sequence[str]] | str | os.PathLike[str], *,
                       n_per_topic: int = 5, languages: Sequence[str] = ("en",), seed: int = 0,
                       model: str | None = None, days: int = 28) -> list[Conversation]:
    """Write ``n_per_topic`` labelled conversations per topic and language with ``backend``'s model.

    Conversations get ids ``synth-00000``..., fake user ids (about ``USER_SHARE`` distinct users per
    conversation) and timestamps spread over ``days`` days from 2025-03-03 UTC, all seeded by ``seed``; labels
    ``{category, topic, language}`` sit in ``metadata["labels"]``. A conversation whose request failed after the
    backend's retries is left out (counted in ``backend.usage["synthetic"]["errors"]``, with a warning).
    """
    if not getattr(backend, "uses_llm", False) or not callable(getattr(backend, "generate_conversations", None)):
        raise ConfigError(NEEDS_MODEL)
    specs = plan_synthetic(load_taxonomy(taxonomy), n_per_topic, languages, seed)
    answers = backend.generate_conversations(
        [{**s, "language": s["language_name"]} for s in specs], model=model)
    rng = np.random.default_rng(seed)
    n_users = max(1, round(len(specs) * USER_SHARE))
    users = rng.integers(0, n_users, size=len(specs))
    offsets = np.sort(rng.integers(0, max(days, 1) * 86_400, size=len(specs)))
    conversations = []
    for index, (spec, turns) in enumerate(zip(specs, answers)):
        if turns is None:
            continue
        user_id = "u_" + hashlib.sha256(f"synthetic\0{seed}\0{users[index]}".encode()).hexdigest()[:8]
        conversations.append(Conversation(
            f"synth-{index:05d}", [Message(role, text) for role, text in turns], user_id,
            START + timedelta(seconds=int(offsets[index])),
            {"labels": {"topic": spec["topic"], "category": spec["category"], "language": spec["language"]}}))
    failed = len(specs) - len(conversations)
    if failed:
        warnings.warn(f"{failed} of {len(specs)} synthetic conversations failed after retries and were left out",
                      stacklevel=2)
    return conversations


def write_synthetic(conversations: Sequence[Conversation], path: str | os.PathLike[str]) -> Path:
    """Write ``conversations`` as labelled JSONL (``conversation_id``, ``user_id``, ``timestamp``, ``messages``,
    ``labels``), the format of ``tests/data/labelled/conversations.jsonl``; ``clio_kit.load`` reads it back."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for conv in conversations:
            stamp = conv.timestamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if conv.timestamp else None
            record = {"conversation_id": conv.conversation_id, "user_id": conv.user_id, "timestamp": stamp,
                      "messages": [{"role": m.role, "content": m.content} for m in conv.messages],
                      "labels": dict(conv.metadata.get("labels") or {})}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out


def synthetic_backend(name: str, *, model: str | None = None, base_url: str | None = None,
                      max_cost: float | None = None, progress: bool = True) -> Any:
    """The backend ``clio-kit synth`` writes with: ``anthropic`` (``model`` = the writing model) or ``openai``
    (needs ``base_url`` and ``model``); ``offline`` has no model and raises a one-line ConfigError."""
    from .backends import get_backend

    if name == "offline":
        raise ConfigError(NEEDS_MODEL)
    options: dict[str, Any] = {"progress": progress}
    if max_cost is not None:
        options["max_cost"] = max_cost
    if name == "anthropic":
        if model:
            options["model_names"] = model
        return get_backend("anthropic", **options)
    if name == "openai":
        if not base_url or not model:
            raise ConfigError("--backend openai needs --base-url (e.g. http://localhost:8000/v1) and --model")
        return get_backend("openai", base_url=base_url, model=model, **options)
    raise ConfigError(f"unknown backend {name!r}; choose anthropic or openai")
