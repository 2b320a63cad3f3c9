"""A fake naming model that knows the labelled set's true topics (an "oracle"), for comparing naming modes.

It never sees cluster labels: it reads the fenced data of a ``record_cluster_name`` request, looks every word up in
a table of which true topics the labelled conversations that use the word belong to (weighted so that words used
across many topics count little), and names the group "Help with <the best-supported topic>". The same oracle
answers the full Claude backend (which sends sampled summaries) and the hybrid namer (which sends k-anonymous
phrases and wordings), so the two can be compared on equal terms. Other requests get the fake's default answer.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tests.fake_llm import synthesize

_FENCED = re.compile(r"<(in_group|children)>\n(.*?)\n</\1>", re.DOTALL)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")


def oracle_words(text: str) -> set[str]:
    """Lower-cased words, with CJK and Hangul runs as character bigrams (no segmenter needed)."""
    lowered = text.lower()
    words = {w for w in re.findall(r"[^\W\d_]+", _CJK.sub(" ", lowered)) if len(w) > 1}
    for run in _CJK.findall(lowered):
        words |= {run[i:i + 2] for i in range(len(run) - 1)} or {run}
    return words


class TopicOracle:
    """``answer(body)``: a tool input for a fake API request body (Anthropic or chat-completions)."""

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        table: dict[str, Counter[str]] = defaultdict(Counter)
        topics: set[str] = set()
        for record in records:
            topic = record["labels"]["topic"]
            topics.add(topic)
            text = " ".join(m["content"] for m in record["messages"] if m["role"] == "user")
            for word in oracle_words(text):
                table[word][topic] += 1
        self.topics = sorted(topics)
        self._weights = {w: {t: n / sum(c.values()) * math.log(len(topics) / len(c)) for t, n in c.items()}
                         for w, c in table.items()}

    def topic_of(self, text: str) -> str | None:
        votes: Counter[str] = Counter()
        for word in oracle_words(text):
            for topic, weight in self._weights.get(word, {}).items():
                votes[topic] += weight
        return votes.most_common(1)[0][0] if votes and votes.most_common(1)[0][1] > 0 else None

    def answer(self, body: Mapping[str, Any]) -> dict[str, Any]:
        tools = body["tools"][0]
        name = tools.get("name") or tools["function"]["name"]
        schema = tools.get("input_schema") or tools["function"]["parameters"]
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        if name != "record_cluster_name":
            return synthesize(schema, user)
        fenced = _FENCED.search(user)
        topic = self.topic_of(fenced.group(2) if fenced else user) or "assorted requests"
        return {"description": f"Users ask for help with {topic}. The requests share this theme.",
                "name": f"Help with {topic}"}


def name_agreement(names: Mapping[int, str], cluster_of: Iterable[int], true_topics: Iterable[str],
                   topics: Iterable[str]) -> float:
    """Share of conversations whose cluster's name mentions their cluster's majority true topic."""
    members: dict[int, list[str]] = defaultdict(list)
    for cluster, topic in zip(cluster_of, true_topics):
        members[int(cluster)].append(topic)
    topics = list(topics)
    agree = total = 0
    for cluster, truth in members.items():
        majority = Counter(truth).most_common(1)[0][0]
        name = str(names.get(cluster, "")).lower()
        named = [t for t in topics if t.lower() in name]
        agree += len(truth) if named == [majority] else 0
        total += len(truth)
    return agree / max(total, 1)


def oracle_answer(records: Iterable[Mapping[str, Any]]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    return TopicOracle(records).answer
