"""LLM-written names and descriptions never use a 4-word sequence that fewer than min_phrase_users users wrote."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig
from clio_kit.conversation import Conversation, Message
from clio_kit.naming import ClusterLabel
from clio_kit.privacy.wording import RareWordingGuard

from .conftest import HashingEmbedder
from .fake_llm import FakeAnthropic, anthropic_factory, synthesize

CONFIG = dict(min_users=2, min_conversations=3, min_phrase_users=2)
TOPICS = ["sort a python list", "bake sourdough bread", "plan a trip to kyoto", "write a cover letter"]
RARE = "name my parrot captain fluffington"  # written by one user only
AVOID_NOTE = "Do not use these word sequences"


def test_guard_rejects_rare_wording_reasks_then_falls_back() -> None:
    texts = ["help me name my parrot captain fluffington", "help with a python list", "help with a python list"]
    guard = RareWordingGuard(texts, ["u1", "u2", "u3"], min_users=2)
    labels = {0: ClusterLabel("Help with a python list", "Users want help with a python list.", ()),
              1: ClusterLabel("Name my parrot Captain Fluffington", "Pet names.", ()),
              2: ClusterLabel("Pets", "Users help me name my parrot.", ())}
    asked: list[dict] = []

    def reask(avoid):  # noqa: ANN001, ANN202
        asked.append(avoid)
        return {1: ClusterLabel("Naming pets", "Users want names for pets.", ()),
                2: ClusterLabel("Pets", "Help me name my parrot, again.", ())}  # still rare: falls back

    out, stats = guard.guard(labels, reask, lambda keys: {k: ClusterLabel(f"Offline {k}", "", ()) for k in keys})
    assert asked == [{1: ["name my parrot captain", "my parrot captain fluffington"],
                      2: ["help me name my", "me name my parrot"]}]
    assert out[0] == labels[0] and out[1].name == "Naming pets" and out[2].name == "Offline 2"
    assert stats == {"rejected": 2, "reasked_ok": 1, "fallback": 1}
    assert guard.rare_sequences("Help with a python list") == []  # two users wrote it


def _conversations() -> list[Conversation]:
    texts = [f"Please help me {TOPICS[i % 4]} step by step, case {i}." for i in range(48)]
    texts[5] = "Please help me name my parrot Captain Fluffington properly, case 5."
    return [Conversation(f"c{i}", [Message("user", t), Message("assistant", "Sure.")], user_id=f"u{i % 12}")
            for i, t in enumerate(texts)]


def _copying_fake(*, comply: bool) -> FakeAnthropic:
    """Names copy the one user's phrase; asked again with the phrases to avoid, they comply (or not)."""
    fake = FakeAnthropic()

    def answer(body):  # noqa: ANN001, ANN202
        tool, user = body["tools"][0], body["messages"][0]["content"]
        if tool["name"] != "record_cluster_name":
            return synthesize(tool["input_schema"], user)
        if comply and AVOID_NOTE in user:
            return {"name": "Help with everyday requests", "description": "Users ask for help. Many kinds."}
        return {"name": "Help name my parrot Captain Fluffington", "description": "Users want pet names."}

    fake.answer_with = answer
    return fake


def _run(fake: FakeAnthropic, tmp_path: Path):  # noqa: ANN202
    backend = anthropic_factory(fake, tmp_path / "llm")()
    return Pipeline(backend=backend, embedder=HashingEmbedder(), config=PipelineConfig(**CONFIG),
                    progress=False).run(_conversations(), tmp_path / "run")


def _all_cluster_text(run) -> str:  # noqa: ANN001
    frames = [pd.read_parquet(run.path / name) for name in ("base_names.parquet", "hierarchy.parquet",
                                                            "clusters.parquet")]
    return " ".join(" ".join(f[c].astype(str)) for f in frames for c in ("name", "description")).lower()


@pytest.mark.parametrize("comply", [True, False])
def test_pipeline_names_never_use_one_users_wording(tmp_path: Path, comply: bool) -> None:
    fake = _copying_fake(comply=comply)
    run = _run(fake, tmp_path)
    assert "parrot captain" not in _all_cluster_text(run)
    names = pd.read_parquet(run.path / "base_names.parquet")
    counts = run.manifest["stages"]["name"]["counts"]
    assert counts["rare_wording_rejected"] == len(names)
    reasks = [b for b in fake.message_bodies if AVOID_NOTE in b["messages"][0]["content"]]
    assert reasks and all("name my parrot captain" in b["messages"][0]["content"] for b in reasks)
    hierarchy_counts = run.manifest["stages"]["hierarchy"]["counts"]
    if comply:
        assert counts["rare_wording_reasked_ok"] == len(names) and counts["rare_wording_fallback"] == 0
        assert names["name"].eq("Help with everyday requests").all()
        assert hierarchy_counts["rare_wording_rejected"] > 0 and hierarchy_counts["rare_wording_fallback"] == 0
    else:
        assert counts["rare_wording_fallback"] == len(names)
        assert names["description"].str.startswith("Named offline from key phrases").all()
        assert hierarchy_counts["rare_wording_fallback"] > 0
