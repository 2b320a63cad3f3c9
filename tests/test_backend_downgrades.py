"""One downgrade path for both providers: a model that rejects a forced tool choice or a sampling parameter is
asked again without it (and so is every later request to it), and nothing else is relaxed. Also the abstract
backend base and the error tree the backends raise from."""

from __future__ import annotations

from pathlib import Path

import pytest

from clio_kit.backends.anthropic import AnthropicBackend
from clio_kit.backends.llm_backend import LLMBackend
from clio_kit.backends.openai_compat import OpenAICompatibleBackend
from clio_kit.conversation import Conversation, Message
from clio_kit.errors import BackendError, BudgetExceeded, ClioError, NotFoundError
from clio_kit.facets.definitions import DEFAULT_FACETS
from tests.fake_llm import FakeAnthropic, FakeOpenAI


def conv(i: int) -> Conversation:
    return Conversation(f"conv-{i}", [Message("user", f"How do I sort a list in Python? ({i})"),
                                      Message("assistant", "Use sorted().")], user_id=f"u{i}")


@pytest.fixture
def claude(tmp_path: Path):
    fake = FakeAnthropic()

    def build(**options) -> AnthropicBackend:
        return AnthropicBackend(http_client=fake.client(), api_key="sk-test", progress=False,
                                cache_dir=tmp_path / "claude", max_concurrency=1, **options)

    return fake, build


@pytest.fixture
def local(tmp_path: Path):
    fake = FakeOpenAI()

    def build(**options) -> OpenAICompatibleBackend:
        return OpenAICompatibleBackend("http://localhost:8000/v1", "qwen", http_client=fake.client(), progress=False,
                                       cache_dir=tmp_path / "local", max_concurrency=1, **options)

    return fake, build


def test_claude_rejecting_temperature_is_asked_without_it_from_then_on(claude):
    fake, build = claude
    fake.enqueue_status(400, message="temperature is not supported for this model",
                        error_type="invalid_request_error")
    frame = build(temperature=0.2).extract_facets([conv(1), conv(2)], DEFAULT_FACETS)
    assert frame["facet_error"].isna().all()
    assert [b.get("temperature") for b in fake.message_bodies] == [0.2, None, None]


def test_local_model_rejecting_temperature_is_asked_without_it_from_then_on(local):
    fake, build = local
    fake.enqueue_status(422, message="Unsupported parameter: 'temperature'")
    frame = build(temperature=0.2).extract_facets([conv(1), conv(2)], DEFAULT_FACETS)
    assert frame["facet_error"].isna().all()
    assert [b.get("temperature") for b in fake.completion_bodies] == [0.2, None, None]


def test_a_tool_choice_the_user_forced_is_never_relaxed(claude):
    fake, build = claude
    fake.enqueue_status(400, message="tool_choice: forced tool use is not supported for this model",
                        error_type="invalid_request_error")
    frame = build(force_tool=True).extract_facets([conv(1)], DEFAULT_FACETS)
    assert "HTTP 400" in frame.loc[0, "facet_error"]
    assert [b["tool_choice"] for b in fake.message_bodies] == [{"type": "tool", "name": "record_facets"}]


def test_each_provider_downgrades_only_on_its_own_rejection_statuses(claude, local):
    fake, build = claude  # Anthropic rejects a request's shape with 400 only: a 422 is not a downgrade signal
    fake.enqueue_status(422, message="tool_choice rejected", error_type="invalid_request_error")
    frame = build().extract_facets([conv(1)], DEFAULT_FACETS)
    assert "HTTP 422" in frame.loc[0, "facet_error"] and len(fake.message_bodies) == 1
    fake, build = local
    fake.enqueue_status(422, message="tool_choice must be auto")
    frame = build().extract_facets([conv(1)], DEFAULT_FACETS)
    assert frame.loc[0, "facet_error"] is None
    assert [b["tool_choice"] for b in fake.completion_bodies][-1] == "auto"


def test_a_provider_missing_a_hook_cannot_be_built():
    class NoSend(LLMBackend):
        def _namespace(self) -> str:
            return "x"

        def _body(self, prompt, model, max_tokens):
            return {}

        def _reply(self, raw, tool_name):
            raise AssertionError

    with pytest.raises(TypeError, match="_send"):
        NoSend(model_facets="m", model_names="m", cache_dir=False)


def test_backend_errors_belong_to_one_tree():
    from clio_kit.backends import llm_common, llm_cost

    assert llm_common.BackendError is BackendError and llm_cost.BudgetExceeded is BudgetExceeded
    assert all(issubclass(error, ClioError) for error in (BackendError, BudgetExceeded, NotFoundError))
    assert issubclass(NotFoundError, KeyError) and str(NotFoundError("cluster 3 is not visible")) == \
        "cluster 3 is not visible"
