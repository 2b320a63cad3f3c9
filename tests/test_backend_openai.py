"""The OpenAI-compatible backend (vLLM, Ollama, llama.cpp server) against a fake chat-completions server."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clio_kit.backends.llm_prompts import split_template
from clio_kit.backends.openai_compat import OpenAICompatibleBackend
from clio_kit.conversation import Conversation, Message
from clio_kit.errors import ConfigError
from clio_kit.facets.definitions import DEFAULT_FACETS, categorical_facet
from tests.fake_llm import TOOL_OVERHEAD_TOKENS, FakeOpenAI, request_tokens

BASE = "http://localhost:8000/v1"
GOOD = {"request": "The user's overall request for the assistant is to sort a list.", "task": "The task is to sort.",
        "language": ["English"], "concern": 1}


def conv(i: int) -> Conversation:
    return Conversation(f"conv-{i}", [Message("user", f"How do I sort a list in Python? ({i})"),
                                      Message("assistant", "Use sorted().")])


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
def make(fake: FakeOpenAI, tmp_path: Path):
    sleeps: list[float] = []

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def build(**options) -> OpenAICompatibleBackend:
        options.setdefault("cache_dir", tmp_path / "llm-cache")
        options.setdefault("sleep", record_sleep)
        return OpenAICompatibleBackend(BASE, "qwen2.5-7b-instruct", api_key="local-key", http_client=fake.client(),
                                       progress=False, **options)

    build.sleeps = sleeps  # type: ignore[attr-defined]
    return build


def test_chat_completions_request_is_exact(fake, make):
    frame = make().extract_facets([conv(1)], DEFAULT_FACETS)
    [request] = fake.requests
    assert request.method == "POST" and request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer local-key"
    body = request.body
    assert set(body) == {"model", "messages", "tools", "tool_choice", "max_tokens"}
    assert body["model"] == "qwen2.5-7b-instruct" and body["max_tokens"] == 1024
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert system["content"].startswith("You are a careful analyst")
    assert user["content"] == ("<conversation>\n<user>\nHow do I sort a list in Python? (1)\n</user>\n"
                               "<assistant>\nUse sorted().\n</assistant>"
                               "\n</conversation>\n\nAnswer every question above about this conversation with the "
                               "`record_facets` tool, in English.")
    [tool] = body["tools"]
    assert tool["type"] == "function" and tool["function"]["name"] == "record_facets"
    assert tool["function"]["parameters"]["required"] == ["request", "task", "language", "concern"]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "record_facets"}}
    assert frame.loc[0, "facet_error"] is None and frame.loc[0, "language"] == "en"


def test_same_prompts_as_the_claude_backend(fake, make):
    make().extract_facets([conv(1)], DEFAULT_FACETS)
    system, _ = split_template("facets", questions="Q", conversation="C")
    sent = fake.completion_bodies[0]["messages"][0]["content"]
    assert sent.split("Questions:")[0] == system.split("Questions:")[0]


def test_one_request_per_conversation_with_user_facets(fake, make):
    tone = categorical_facet("tone", "What is the user's tone?", {"polite": "courteous", "rude": "hostile"})
    frame = make().extract_facets([conv(i) for i in range(5)], [*DEFAULT_FACETS, tone])
    assert len(fake.completion_bodies) == 5
    assert frame["tone"].eq("polite").all() and frame["facet_error"].isna().all()


def test_damaged_arguments_are_repaired(fake, make):
    backend = make(max_concurrency=1)
    fake.enqueue_arguments("```json\n" + json.dumps(GOOD)[:-1] + ",\n")  # fenced, trailing comma, unclosed
    fake.enqueue_content("Here you go: " + json.dumps(GOOD))             # no tool call, JSON in the text
    frame = backend.extract_facets([conv(1), conv(2)], DEFAULT_FACETS)
    assert frame["facet_error"].isna().all() and len(fake.completion_bodies) == 2
    assert backend.usage["facets"]["repaired"] == 2


def test_unusable_arguments_are_retried_then_recorded(fake, make):
    backend = make(max_output_retries=1, max_concurrency=1)
    fake.enqueue_arguments("not json at all")
    fake.enqueue_arguments(json.dumps({**GOOD, "concern": 6}))
    frame = backend.extract_facets([conv(1), conv(2)], DEFAULT_FACETS)
    assert frame.loc[0, "facet_error"] == "malformed output after 2 attempts: concern: 6 is outside 1-5"
    assert frame.loc[1, "facet_error"] is None
    assert backend.usage["facets"]["malformed"] == 2


def test_retries_on_429_and_500(fake, make):
    backend = make()
    fake.enqueue_status(429, retry_after=2)
    fake.enqueue_status(500)
    frame = backend.extract_facets([conv(1)], DEFAULT_FACETS)
    assert frame.loc[0, "facet_error"] is None and len(fake.completion_bodies) == 3
    assert make.sleeps[0] >= 2 and backend.usage["facets"]["retries"] == 2


def test_rejected_tool_choice_falls_back_to_auto(fake, make):
    backend = make(max_concurrency=1)
    fake.enqueue_status(400, message="tool_choice must be 'auto' or 'none' for this model")
    frame = backend.extract_facets([conv(1)], DEFAULT_FACETS)
    assert frame.loc[0, "facet_error"] is None
    assert [b["tool_choice"] for b in fake.completion_bodies] == [
        {"type": "function", "function": {"name": "record_facets"}}, "auto"]


def test_cache_makes_a_second_run_free(fake, make):
    make().extract_facets([conv(1), conv(2)], DEFAULT_FACETS)
    before = len(fake.requests)
    again = make()
    again.extract_facets([conv(1), conv(2)], DEFAULT_FACETS)
    assert len(fake.requests) == before and again.usage["facets"]["cache_hits"] == 2


def test_usage_maps_cached_prompt_tokens(fake, make):
    backend = make(price_table={"qwen2.5-7b-instruct": {"input": 0.2, "output": 0.6}})
    original = fake.completion

    def with_cache(body, **kw):
        out = original(body, **kw)
        out["usage"]["prompt_tokens_details"] = {"cached_tokens": 100}
        return out

    fake.completion = with_cache  # type: ignore[method-assign]
    backend.extract_facets([conv(1)], DEFAULT_FACETS)
    usage = backend.usage["facets"]
    body = fake.completion_bodies[0]
    assert usage["cache_read_input_tokens"] == 100
    assert usage["input_tokens"] == request_tokens(body) + TOOL_OVERHEAD_TOKENS - 100
    assert usage["dollars"] > 0 and usage["unpriced"] is False


def test_local_models_are_free_unless_priced(fake, make):
    backend = make()
    backend.extract_facets([conv(1)], DEFAULT_FACETS)
    assert backend.usage["facets"]["dollars"] == 0 and backend.usage["facets"]["unpriced"] is True
    with pytest.raises(ConfigError):
        make(max_cost=1.0)


def test_names_and_audit_through_chat_completions(fake, make):
    backend = make(model_names="llama-3.1-70b")
    texts = [f"{'cooking' if i < 6 else 'coding'} request {i}" for i in range(12)]
    labels = np.array([0] * 6 + [1] * 6)
    named = backend.label_clusters(texts, labels, ["u"] * 12, ["en"] * 12, np.eye(12))
    results = backend.audit([(n.name, n.description) for n in named.values()])
    bodies = fake.completion_bodies
    assert [b["model"] for b in bodies] == ["llama-3.1-70b"] * 4
    assert bodies[0]["tool_choice"] == {"type": "function", "function": {"name": "record_cluster_name"}}
    assert bodies[2]["tool_choice"] == {"type": "function", "function": {"name": "record_privacy_rating"}}
    assert all(r.passed and r.score == 5 for r in results)


def test_configuration_errors():
    with pytest.raises(ConfigError):
        OpenAICompatibleBackend("localhost:8000", "m", cache_dir=False)
    with pytest.raises(ConfigError):
        OpenAICompatibleBackend(BASE, "m", tool_choice="always", cache_dir=False)
