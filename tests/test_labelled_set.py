"""Checks for the labelled multilingual evaluation set in tests/data/labelled/."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "data" / "labelled"
JSONL = HERE / "conversations.jsonl"
BUILDER = HERE / "build.py"
README = HERE / "README.md"

LANGS = {"en", "es", "fr", "de", "ja", "zh"}
PLANTED = [("ja", "Elder care"), ("zh", "Math homework")]

KANA = re.compile(r"[\u3040-\u30ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-zÀ-ÿ]{3,}")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    with open(JSONL, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _lifts(records):
    total = len(records)
    cell = Counter((r["labels"]["language"], r["labels"]["topic"]) for r in records)
    lang = Counter(r["labels"]["language"] for r in records)
    topic = Counter(r["labels"]["topic"] for r in records)
    return {(l, t): (cell[(l, t)] / topic[t]) / (lang[l] / total) for l in lang for t in topic}


def test_committed_file_matches_builder(tmp_path):
    out = tmp_path / "regenerated.jsonl"
    proc = subprocess.run([sys.executable, str(BUILDER), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == JSONL.read_bytes(), "run tests/data/labelled/build.py to refresh the committed file"


def test_counts(records):
    assert len(records) >= 360
    topics = {r["labels"]["topic"] for r in records}
    categories = {r["labels"]["category"] for r in records}
    assert len(topics) >= 12
    assert len(categories) >= 6
    assert {r["labels"]["language"] for r in records} == LANGS


def test_schema(records):
    ids = [r["conversation_id"] for r in records]
    assert len(set(ids)) == len(ids)
    topic_to_cat = {}
    stamps = []
    for r in records:
        assert set(r) == {"conversation_id", "user_id", "timestamp", "messages", "labels"}
        assert set(r["labels"]) == {"topic", "category", "language"}
        # each topic belongs to exactly one category
        assert topic_to_cat.setdefault(r["labels"]["topic"], r["labels"]["category"]) == r["labels"]["category"]
        msgs = r["messages"]
        assert len(msgs) in (2, 4)
        assert [m["role"] for m in msgs] == ["user", "assistant"] * (len(msgs) // 2)
        assert all(isinstance(m["content"], str) and m["content"].strip() for m in msgs)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["timestamp"])
        stamps.append(datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%SZ"))
    span = max(stamps) - min(stamps)
    assert timedelta(weeks=7) <= span <= timedelta(weeks=8)
    # several categories with at least two topics each
    per_cat = Counter(topic_to_cat.values())
    assert sum(1 for n in per_cat.values() if n >= 2) >= 6
    # both single-turn and two-turn conversations are present
    assert {len(r["messages"]) for r in records} == {2, 4}


def test_no_duplicate_user_texts(records):
    first = [r["messages"][0]["content"] for r in records]
    assert len(set(first)) == len(first)
    whole = ["\n".join(m["content"] for m in r["messages"] if m["role"] == "user") for r in records]
    assert len(set(whole)) == len(whole)


def test_phrasing_varies_within_each_cell(records):
    """No single opening dominates a topic-language cell (templates, not one sentence with swapped nouns)."""
    cells = defaultdict(list)
    for r in records:
        cells[(r["labels"]["topic"], r["labels"]["language"])].append(r["messages"][0]["content"])
    for key, texts in cells.items():
        openings = Counter(t[:8] for t in texts)
        assert openings.most_common(1)[0][1] <= max(2, len(texts) // 3), key


def test_planted_lifts(records):
    lifts = _lifts(records)
    for key in PLANTED:
        assert lifts[key] >= 2.5, (key, lifts[key])
    others = {k: v for k, v in lifts.items() if k not in PLANTED}
    worst = max(others, key=others.get)
    assert others[worst] <= 1.8, (worst, others[worst])


def test_each_topic_in_many_languages(records):
    langs = defaultdict(set)
    for r in records:
        langs[r["labels"]["topic"]].add(r["labels"]["language"])
    for topic, ls in langs.items():
        assert len(ls) >= 4, topic
    assert sum(1 for ls in langs.values() if ls == LANGS) >= len(langs) - 2


def test_text_matches_language_label(records):
    for r in records:
        lang = r["labels"]["language"]
        text = " ".join(m["content"] for m in r["messages"])
        if lang == "ja":
            assert KANA.search(text), r["conversation_id"]
        elif lang == "zh":
            assert HAN.search(text) and not KANA.search(text), r["conversation_id"]
        else:
            assert not HAN.search(text) and not KANA.search(text), r["conversation_id"]
            assert LATIN_WORD.search(text), r["conversation_id"]


def test_users(records):
    by_user = defaultdict(list)
    for r in records:
        by_user[r["user_id"]].append(r)
    assert len(by_user) >= 0.8 * len(records)  # mostly one conversation per user
    repeat = [convs for convs in by_user.values() if len(convs) > 1]
    assert repeat, "expected some users with more than one conversation"
    for convs in repeat:
        assert len(convs) <= 3
        assert len({c["labels"]["topic"] for c in convs}) == 1


def test_readme_documents_planted_lifts(records):
    text = README.read_text(encoding="utf-8")
    lifts = _lifts(records)
    for lang, topic in PLANTED:
        assert topic in text
        assert f"{lifts[(lang, topic)]:.2f}" in text, (lang, topic)
    assert str(len(records)) in text
