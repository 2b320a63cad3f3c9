"""Token counts per script, the budget guard on CJK-heavy input, head-and-tail truncation and prompt caching,
checked against the fake API, which bills with a real tokenizer (tests/data/reference_tokenizer), never with the
estimate under test."""

from __future__ import annotations

import random
import statistics
import sys
from pathlib import Path

import pytest

from clio_kit.backends.anthropic import BudgetExceeded
from clio_kit.backends.token_count import estimate_tokens, reserve_tokens, truncate_to_tokens
from clio_kit.conversation import Conversation, Message
from clio_kit.facets.definitions import DEFAULT_FACETS
from clio_kit.pipeline import truncate_for_model
from tests.fake_llm import reference_tokens

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ("latin", "cjk", "hangul", "cyrillic", "arabic", "devanagari")


def _conversations(per_script: int, seed: int) -> list[tuple[str, str]]:
    """``(script, text)``: synthetic conversations of real words (Faker, stopword and CLDR word lists), a seed the
    calibration never used (it fits on seed 0 and checks on seed 1)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from token_calibration import synthetic_conversation
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    rng = random.Random(seed)
    return [(script, synthetic_conversation(script, rng)) for script in SCRIPTS for _ in range(per_script)]


@pytest.mark.slow
def test_estimate_is_within_15_percent_per_conversation_in_six_scripts():
    rows = _conversations(34, seed=7)  # 204 conversations
    errors = {s: [] for s in SCRIPTS}
    naive = []
    for script, text in rows:
        reference = reference_tokens(text)
        errors[script].append(abs(estimate_tokens(text) - reference) / reference)
        naive.append(abs(len(text) / 4 - reference) / reference)
    overall = statistics.median([e for v in errors.values() for e in v])
    assert overall <= 0.15, overall
    for script, values in errors.items():
        assert statistics.median(values) <= 0.15, (script, statistics.median(values))
    assert statistics.median(naive) > 0.3  # characters / 4, the old rule, is far off on these scripts


def test_reservation_covers_the_reference_count_and_never_exceeds_bytes():
    for _, text in _conversations(5, seed=11):
        assert reference_tokens(text) <= reserve_tokens(text) <= len(text.encode("utf-8"))


def test_budget_guard_never_overshoots_on_cjk_heavy_input(fake_anthropic, make_claude):
    text = "我想了解一下如何用Python处理大型数据集，特别是内存不够的时候应该怎么办。请给出具体的例子和代码。" * 160
    convs = [Conversation(f"zh-{i}", [Message("user", f"{text}（{i}）"), Message("assistant", "好的。" * 50)])
             for i in range(30)]
    # no prompt cache (its slack would hide an undercount), a short output cap, many requests in flight at once
    options = {"count_tokens": False, "facet_max_tokens": 64, "max_concurrency": 8, "prompt_cache": False,
               "max_conversation_tokens": 20_000}
    planned = make_claude(max_cost=1000.0, **options).estimate_cost(convs, DEFAULT_FACETS)["facets"]["dollars"]
    max_cost = planned * 1.02  # the plan fits; the worst case of every request (max_tokens output) does not
    backend = make_claude(max_cost=max_cost, **options)
    with pytest.raises(BudgetExceeded):
        backend.extract_facets(convs, DEFAULT_FACETS)
    spent = backend.usage["facets"]["dollars"]
    assert 0 < len(fake_anthropic.message_bodies) < len(convs)
    assert spent <= max_cost  # billed by the fake's real tokenizer, several times characters / 4 for Chinese
    billed = backend.usage["facets"]
    tokens = billed["input_tokens"] + billed["cache_read_input_tokens"] + billed["cache_creation_input_tokens"]
    assert tokens > 2.5 * sum(len(b["messages"][0]["content"]) for b in fake_anthropic.message_bodies) / 4


def test_question_after_30000_characters_of_pasted_code_reaches_the_facet_request(fake_anthropic, make_claude):
    code = "\n".join(f"    value_{i} = compute(rows[{i}], cache=cache, retries=3)  # step {i}" for i in range(500))
    assert len(code) > 30_000
    question = "Why does my parser crash with IndexError when the input file is empty?"
    conv = Conversation("paste", [Message("user", f"Here is my code:\n{code}\n\n{question}")])
    limited, cut = truncate_for_model(conv, 20_000)  # the pipeline's max_message_chars default
    assert cut and limited.messages[0].content.endswith(question)
    assert "characters of this message omitted by clio-kit" in limited.messages[0].content
    make_claude().extract_facets([limited], DEFAULT_FACETS)  # the default 8,000-token budget: the pipeline's cut only
    frame = make_claude(max_conversation_tokens=2000, cache_dir=False).extract_facets([limited], DEFAULT_FACETS)
    for body in fake_anthropic.message_bodies:
        user = body["messages"][0]["content"]
        assert question in user  # the tail of the message survives both cuts
        assert "Here is my code:" in user  # and so does its head
        assert "omitted" in user and "value_250 " not in user  # the middle is cut, and the cut is marked
    assert "part of this message omitted for length by clio-kit" in user  # the backend's own cut, marked too
    assert bool(frame.loc[0, "cut_for_budget"])  # counted per conversation


def test_long_conversation_keeps_its_last_turns(fake_anthropic, make_claude):
    messages = [Message("user", "Help me plan a trip. " + "Details about the itinerary. " * 200)]
    for i in range(20):
        messages.append(Message("assistant" if i % 2 == 0 else "user", f"turn {i}: " + "more planning text " * 80))
    messages.append(Message("user", "Actually, can you translate the final plan into German?"))
    make_claude(max_conversation_tokens=1500).extract_facets([Conversation("trip", messages)], DEFAULT_FACETS)
    user = fake_anthropic.message_bodies[0]["messages"][0]["content"]
    assert "Help me plan a trip." in user and "translate the final plan into German?" in user
    assert "messages omitted for length by clio-kit]" in user
    assert reference_tokens(user) < 1500 * 1.3


def test_truncate_to_tokens_keeps_head_and_tail_in_every_script():
    for _, text in _conversations(2, seed=3):
        long = text * 20
        cut = truncate_to_tokens(long, 300, " [...] ")
        assert cut.startswith(long[:20]) and cut.endswith(long[-20:]) and " [...] " in cut
        assert estimate_tokens(cut) <= 330


def test_cache_control_only_where_the_prefix_reaches_the_model_minimum(fake_anthropic, make_claude):
    convs = [Conversation(f"c{i}", [Message("user", f"How do I bake bread? ({i})")]) for i in range(6)]
    make_claude().extract_facets(convs, DEFAULT_FACETS)
    facets = fake_anthropic.message_bodies
    assert all(b["system"][0].get("cache_control") == {"type": "ephemeral"} for b in facets)
    usage = [fake_anthropic.usage(b) for b in facets]  # the fake's own count: the prefix really reaches 4,096
    assert all(u["cache_read_input_tokens"] >= 4096 - 313 for u in usage)
    make_claude(prompt_cache=False, cache_dir=False).extract_facets(convs[:1], DEFAULT_FACETS)
    assert "cache_control" not in fake_anthropic.message_bodies[-1]["system"][0]
    make_claude(model_facets="claude-sonnet-4-5", cache_dir=False).extract_facets(convs[:1], DEFAULT_FACETS)
    assert fake_anthropic.message_bodies[-1]["system"][0]["cache_control"] == {"type": "ephemeral"}  # 1,024 minimum


def test_cache_read_share_of_facet_input_on_a_holdout_like_run(fake_anthropic, make_claude, labelled_path):
    from clio_kit.io import load

    convs = load(labelled_path, progress=False).conversations[:120]
    backend = make_claude(max_concurrency=4)
    estimate = backend.estimate_cost(convs, DEFAULT_FACETS)["facets"]
    backend.extract_facets(convs, DEFAULT_FACETS)
    usage = backend.usage["facets"]
    total = usage["input_tokens"] + usage["cache_read_input_tokens"] + usage["cache_creation_input_tokens"]
    assert usage["cache_read_input_tokens"] / total >= 0.5
    assert estimate["dollars"] < estimate["dollars_without_cache"]
    assert usage["dollars"] < estimate["dollars_without_cache"]
