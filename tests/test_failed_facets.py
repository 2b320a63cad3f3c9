"""Failed facet requests: never embedded or clustered, shown as "not analysed", asked again on the next run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig
from clio_kit.conversation import Conversation, Message
from clio_kit.errors import InputError

from .conftest import HashingEmbedder
from .fake_llm import FakeAnthropic, anthropic_factory

CONFIG = dict(min_users=2, min_conversations=3, min_phrase_users=2)
TOPICS = ["sort a python list", "bake sourdough bread", "plan a trip to kyoto", "write a cover letter"]


def _conversations(n: int = 48) -> list[Conversation]:
    return [Conversation(f"c{i}", [Message("user", f"Please help me {TOPICS[i % 4]} step by step, case {i}."),
                                   Message("assistant", "Sure.")], user_id=f"u{i % 12}") for i in range(n)]


def _failing(fake: FakeAnthropic, markers: set[str]) -> None:
    """Facet requests whose conversation holds one of ``markers`` get HTTP 400 (not retried): they fail."""
    original = fake.handler

    def handler(request):  # noqa: ANN001, ANN202
        body = json.loads(request.content or b"{}")
        text = json.dumps(body.get("messages", []))
        if body.get("tools", [{}])[0].get("name") == "record_facets" and any(m in text for m in markers):
            fake._record(request)
            return fake._json(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}})
        return original(request)

    fake.handler = handler  # type: ignore[method-assign]


def _pipeline(backend) -> Pipeline:  # noqa: ANN001
    return Pipeline(backend=backend, embedder=HashingEmbedder(), config=PipelineConfig(**CONFIG), progress=False)


def test_failed_requests_are_not_clustered_are_shown_and_are_asked_again(tmp_path: Path) -> None:
    failing = FakeAnthropic()
    _failing(failing, {"case 3.", "case 7."})
    run = _pipeline(anthropic_factory(failing, tmp_path / "llm")()).run(_conversations(), tmp_path / "run")
    facets = pd.read_parquet(run.path / "facets.parquet")
    not_analysed = pd.read_parquet(run.path / "not_analysed.parquet")
    assert sorted(not_analysed["conversation_id"]) == ["c3", "c7"]
    assert not {"c3", "c7"} & set(facets["conversation_id"]) and facets["facet_error"].isna().all()
    assert np.load(run.path / "embeddings.npy").shape[0] == 46  # never embedded (no blank text in any cluster)
    assignments = pd.read_parquet(run.path / "assignments.parquet")
    assert len(assignments) == 46 and not {"c3", "c7"} & set(assignments["conversation_id"])
    assert run.manifest["stages"]["facets"]["counts"]["n_not_analysed"] == 2
    assert "2 not analysed" in run.summary()
    view = run.view()
    assert view.n_not_analysed == 2 and view.privacy_summary()["n_not_analysed"] == 2
    from clio_kit.report import coverage_html

    assert "2 conversations not analysed" in coverage_html(view.privacy_summary())

    # the same configuration again: only the two failures are asked (the rest come from the response cache)
    healthy = FakeAnthropic()
    again = _pipeline(anthropic_factory(healthy, tmp_path / "llm")()).run(_conversations(), tmp_path / "run")
    facet_requests = [b for b in healthy.message_bodies if b["tools"][0]["name"] == "record_facets"]
    assert len(facet_requests) == 2
    assert again.manifest["stages"]["facets"]["counts"]["n_not_analysed"] == 0
    assert len(pd.read_parquet(again.path / "assignments.parquet")) == 48
    assert again.view().n_not_analysed == 0 and "not analysed" not in again.summary()


def test_every_request_failing_stops_with_one_line_error(tmp_path: Path) -> None:
    fake = FakeAnthropic()
    _failing(fake, {"case "})
    with pytest.raises(InputError, match="no conversation could be analysed: all 12 facet requests failed") as info:
        _pipeline(anthropic_factory(fake, tmp_path / "llm")()).run(_conversations(12), tmp_path / "run")
    assert "\n" not in str(info.value)
