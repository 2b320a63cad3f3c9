"""Hybrid naming: offline facets and clusters, names written by a model from k-anonymous evidence only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig
from clio_kit.backends.hybrid import HybridBackend
from clio_kit.backends.openai_compat import OpenAICompatibleBackend
from clio_kit.conversation import Conversation, Message
from clio_kit.evidence import cluster_evidence
from clio_kit.io import load

from .canaries import CANARIES, canary_conversations, find_canaries
from .conftest import HashingEmbedder
from .fake_llm import FakeAnthropic, FakeOpenAI, anthropic_factory, no_sleep
from .topic_oracle import TopicOracle, name_agreement

K = 5
_QUOTED = re.compile(r'"([^"]+)" \d+%')
# one user's wordings, repeated across several conversations: never k users, so never in a request
ONE_USER = ["please proofread my zebrafish aquarium permit renewal letter for the harbour office",
            "write a toast for my cousin Bartholomew Fenwhistle and his xylophone quartet"]
FEW_USERS = "summarise the quarterly llama grooming ledger before friday"  # K - 1 users


def _planted() -> list[Conversation]:
    convs = canary_conversations()
    for j, text in enumerate(ONE_USER):
        convs += [Conversation(f"one-{j}-{i}", [Message("user", f"{text} (draft {i})")], user_id=f"loner-{j}")
                  for i in range(8)]
    convs += [Conversation(f"few-{i}", [Message("user", FEW_USERS)], user_id=f"few-{i}") for i in range(K - 1)]
    return convs


def _quoted_items(body_text: str) -> list[str]:
    fenced = re.findall(r"<(in_group|contrastive_examples)>\n(.*?)\n</\1>", body_text, re.DOTALL)
    return [item for _, block in fenced for item in _QUOTED.findall(block)]


def _users_per_cluster(run_path: Path, item: str) -> int:
    """Most distinct users, over every cluster at every level, whose clustered text contains ``item``."""
    facets = pd.read_parquet(run_path / "facets.parquet", columns=["request", "user_id"])
    ancestors = np.load(run_path / "ancestors.npy")
    texts = [" ".join(str(t).lower().split()) for t in facets["request"]]
    users = facets["user_id"].astype(str).to_numpy()
    has = np.array([item in t for t in texts])
    best = 0
    for level in range(ancestors.shape[1]):
        for cluster in np.unique(ancestors[has, level]):
            best = max(best, len(set(users[has & (ancestors[:, level] == cluster)])))
    return best


def test_evidence_counts_distinct_users_not_conversations():
    texts = ["tenant deposit refund"] * 6 + ["tenant deposit refund"] * 4 + ["mold in the flat"] * 5
    users = ["same"] * 6 + ["a", "b", "c", "d"] + [None] * 5  # missing ids: each conversation its own user
    ev = cluster_evidence(texts, [0] * 15, users, ["en"] * 15, min_users=5)[0]
    phrases = dict(ev.phrases)
    assert ev.n_users == 10 and "mold" in phrases and phrases["mold"] == pytest.approx(0.5)
    assert "tenant deposit" in phrases or "tenant" in phrases  # 5 users: the repeat user counts once
    assert ev.languages == (("en", 1.0),)
    fewer = cluster_evidence(texts, [0] * 15, users, ["en"] * 15, min_users=6)[0]
    assert "mold" not in dict(fewer.phrases) and not any("tenant" in p for p, _ in fewer.phrases)


def test_reference_topics_need_k_users_near_them():
    from clio_kit.evidence import topic_evidence

    nearest = [("Cooking and recipes", "Travel planning")] * 4 + [("Cooking and recipes", "Poetry and song lyrics")]
    topics = topic_evidence(nearest, [0] * 5, ["a", "b", "c", "d", "d"], min_users=3)[0]
    assert topics == (("Cooking and recipes", 1.0), ("Travel planning", 1.0))  # Poetry: one user, never shown
    assert topic_evidence(nearest, [0] * 5, ["a", "b", "c", "d", "d"], min_users=5) == {0: ()}
    from clio_kit.backends.hybrid import evidence_prompt
    from clio_kit.evidence import ClusterEvidence

    prompt = evidence_prompt(ClusterEvidence(0, 5, 4, topics=topics), [], min_users=3)
    assert "Reference topics (share of users near each): Cooking and recipes 100%, Travel planning 100%." in prompt.user
    assert not ClusterEvidence(0, 5, 4, topics=topics).empty  # a cluster with only reference topics is named


def test_reference_topics_only_where_the_offline_topic_is_earned():
    from clio_kit.backends.hybrid import _earned_topics_only
    from clio_kit.evidence import ClusterEvidence
    from clio_kit.naming import ClusterLabel

    evidence = {c: ClusterEvidence(c, 6, 6, topics=(("Cooking and recipes", 1.0),)) for c in (0, 1)}
    offline = {0: ClusterLabel("Cooking and recipes: pasta", "d", ("pasta",), "Cooking and recipes"),
               1: ClusterLabel("Miscellaneous requests", "d", (), "")}  # no topic earned: off the taxonomy
    kept = _earned_topics_only(evidence, offline)
    assert kept[0].topics == (("Cooking and recipes", 1.0),) and kept[1].topics == () and kept[1].empty


def test_evidence_languages_and_neighbours_pass_k_too():
    texts = ["receta de paella valenciana"] * 5 + ["paella recipe please"] * 2 + ["car engine noise"] * 6
    langs = ["es"] * 5 + ["en"] * 2 + ["en"] * 6
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]])
    ev = cluster_evidence(texts, [0] * 7 + [1] * 6, [f"u{i}" for i in range(13)], langs, min_users=5,
                          centroids=centroids)
    assert [code for code, _ in ev[0].languages] == ["es"]  # English has only 2 users in cluster 0
    assert "paella" in dict(ev[0].phrases) and dict(ev[0].phrases)["paella"] == pytest.approx(1.0)
    assert ev[0].wordings == (("receta de paella valenciana", pytest.approx(5 / 7)),)
    assert ev[0].neighbours == (1,) and ev[1].neighbours == (0,)


def test_no_naming_request_holds_anything_fewer_than_k_users_wrote(tmp_path, labelled_path):
    """Canaries, one-user wordings and a (k-1)-user wording are planted; the fake records every request body."""
    fake = FakeAnthropic()
    conversations = load(labelled_path, progress=False).conversations + _planted()
    config = PipelineConfig(min_phrase_users=K, min_users=K, min_conversations=10)
    run = Pipeline(namer=anthropic_factory(fake, tmp_path / "cache")(), embedder=HashingEmbedder(), config=config,
                   progress=False).run(conversations, tmp_path / "run")
    bodies = fake.message_bodies
    naming = [b for b in bodies if b["tools"][0]["name"] == "record_cluster_name"]
    assert naming and all(b["tools"][0]["name"] in ("record_cluster_name", "record_privacy_rating") for b in bodies)
    everything = json.dumps(bodies, ensure_ascii=False).lower()
    assert find_canaries(everything) == []
    for planted in (*ONE_USER, FEW_USERS, "zebrafish", "fenwhistle", "xylophone", "llama grooming", "glorpcoin"):
        assert planted.lower() not in everything
    items = [item for body in naming for item in _quoted_items(body["messages"][0]["content"])]
    assert items, "the requests carried no phrases at all"
    for item in set(items):
        assert _users_per_cluster(run.path, item) >= K, item
    clusters = pd.read_parquet(run.path / "clusters.parquet")
    assert set(clusters["name_source"]) <= {"model", "offline"} and (clusters["name_source"] == "model").any()


def test_end_to_end_with_an_openai_compatible_server(tmp_path, labelled_path):
    fake = FakeOpenAI()
    namer = OpenAICompatibleBackend("http://localhost:11434/v1", "qwen2.5:7b", http_client=fake.client(),
                                    cache_dir=tmp_path / "cache", sleep=no_sleep, progress=False, max_concurrency=1)
    config = PipelineConfig(sample=200, min_phrase_users=2, min_users=2, min_conversations=3, names="openai",
                            names_language="French")
    run = Pipeline(namer=namer, embedder=HashingEmbedder(), config=config, progress=False).run(labelled_path,
                                                                                               tmp_path / "run")
    tools = [b["tools"][0]["function"]["name"] for b in fake.completion_bodies]
    assert "record_facets" not in tools and "record_cluster_name" in tools  # facets stayed offline
    naming = [b for b in fake.completion_bodies if b["tools"][0]["function"]["name"] == "record_cluster_name"]
    assert all("Write the name and\nthe description in French" in b["messages"][0]["content"] for b in naming)
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["backend"]["name"] == "offline+openai" and manifest["config"]["names"] == "openai"
    usage = manifest["llm_usage"]
    assert usage["names"]["requests"] > 0 and usage["parents"]["requests"] > 0 and "facets" not in usage
    clusters = pd.read_parquet(run.path / "clusters.parquet")
    model_named = clusters["name_source"] == "model"
    assert model_named.any() and (clusters.loc[model_named, "level"] > 0).any()  # parents named from evidence
    from clio_kit.report import banner_html, run_metadata

    view = run.view()
    banner = banner_html(view.uses_llm, view.manifest)
    assert "k-anonymous evidence" in banner and "qwen2.5:7b" in banner and "not by an LLM" not in banner
    assert "names and audit by an LLM" in run_metadata(manifest)["run"]["value"].str.cat()
    from widgets.base import privacy_note
    from widgets.data import GatedData

    note = privacy_note(GatedData.of(view))
    assert "written by qwen2.5:7b from k-anonymous evidence" in note and "(no LLM)" not in note
    sent = len(fake.requests)
    again = OpenAICompatibleBackend("http://localhost:11434/v1", "qwen2.5:7b", http_client=fake.client(),
                                    cache_dir=tmp_path / "cache", sleep=no_sleep, progress=False)
    Pipeline(namer=again, embedder=HashingEmbedder(), config=config, progress=False).run(labelled_path,
                                                                                         tmp_path / "run2")
    assert len(fake.requests) == sent  # the response cache makes a rerun free


def test_a_failed_naming_request_keeps_the_offline_name_and_is_counted(tmp_path, labelled_path):
    fake = FakeAnthropic()
    fake.enqueue_status(400, message="invalid request")  # the first request (a base-cluster name) fails for good
    config = PipelineConfig(sample=200, min_phrase_users=2, min_users=2, min_conversations=3)
    backend_run = Pipeline(namer=anthropic_factory(fake, tmp_path / "cache")(), embedder=HashingEmbedder(),
                           config=config, progress=False).run(labelled_path, tmp_path / "run")
    manifest = json.loads((backend_run.path / "manifest.json").read_text())
    assert manifest["llm_usage"]["names"]["fallbacks"] == 1
    base = pd.read_parquet(backend_run.path / "base_names.parquet")
    offline = base[base["name_source"] == "offline"]
    assert len(offline) >= 1 and not offline["name"].str.startswith("Unnamed").any()
    assert manifest["stages"]["name"]["counts"]["n_model_named"] == (base["name_source"] == "model").sum()


def test_hybrid_needs_the_offline_backend_and_an_llm_namer():
    from clio_kit.backends import OfflineBackend
    from clio_kit.errors import ConfigError

    with pytest.raises(ConfigError, match="LLM backend"):
        HybridBackend(OfflineBackend(), OfflineBackend())
    with pytest.raises(ConfigError, match="below the run's"):
        HybridBackend(OfflineBackend(min_phrase_users=2), object.__new__(OpenAICompatibleBackend), min_phrase_users=5)
    with pytest.raises(ConfigError, match="names must be"):
        PipelineConfig(names="gpt")


def test_estimate_prices_naming_only(tmp_path):
    fake = FakeAnthropic()
    from clio_kit.backends import OfflineBackend

    backend = HybridBackend(OfflineBackend(), anthropic_factory(fake, tmp_path)(), min_phrase_users=5)
    estimate = backend.estimate_cost([None] * 1_000_000)
    assert set(estimate) >= {"names", "parents", "audit", "dollars_per_1000_clusters"} and "facets" not in estimate
    parents = estimate["parents"]["requests"]
    assert estimate["names"]["requests"] == 1000 and estimate["audit"]["requests"] == 1000 + parents
    assert 1 < estimate["dollars_per_1000_clusters"] < 100 and not fake.requests  # an estimate sends nothing


@pytest.mark.slow
def test_names_agree_with_topics_at_least_as_well_as_the_full_claude_backend(tmp_path, labelled_path,
                                                                              labelled_records):
    """Same fake oracle (knows which words belong to which true topic) for both, at the default k (5); in-sample:
    the bundled set, whose topics the fixed taxonomy (the hybrid's reference topics) all covers."""
    oracle = TopicOracle(labelled_records)
    truth = {r["conversation_id"]: r["labels"]["topic"] for r in labelled_records}
    config = PipelineConfig()
    assert config.privacy.min_phrase_users == 5
    scores = {}
    for mode in ("full", "hybrid"):
        fake = FakeAnthropic()
        fake.answer_with = oracle.answer
        backend = anthropic_factory(fake, tmp_path / f"cache-{mode}")()
        parts = {"backend": backend} if mode == "full" else {"namer": backend}
        run = Pipeline(config=config, progress=False, **parts).run(labelled_path, tmp_path / mode)
        clusters = pd.read_parquet(run.path / "clusters.parquet")
        assignments = pd.read_parquet(run.path / "assignments.parquet")
        base = clusters[clusters["level"] == 0]
        scores[mode] = name_agreement(dict(zip(base["cluster_id"], base["name"])), assignments["cluster_id"],
                                      [truth[c] for c in assignments["conversation_id"]], oracle.topics)
    assert scores["hybrid"] >= scores["full"], scores


def test_cli_estimate_and_errors(capsys, labelled_path, tmp_path):
    from clio_kit.cli import main

    assert main(["-q", "estimate", str(labelled_path), "--names", "anthropic"]) == 0
    out = capsys.readouterr().out
    assert "names by anthropic" in out and "per 1,000 clusters" in out and "facets" not in out.split(":", 1)[1]
    assert main(["-q", "run", str(labelled_path), "--out", str(tmp_path / "r"), "--names", "openai"]) == 2
    assert "--names openai needs --base-url and --model" in capsys.readouterr().err
    assert main(["-q", "run", str(labelled_path), "--out", str(tmp_path / "r"), "--backend", "anthropic",
                 "--names", "anthropic"]) == 2
    assert "needs --backend offline" in capsys.readouterr().err


def test_switching_to_hybrid_naming_reuses_offline_facets_and_clusters(tmp_path, labelled_path):
    config = PipelineConfig(sample=120, min_phrase_users=2, min_users=2, min_conversations=3)
    Pipeline(embedder=HashingEmbedder(), config=config, progress=False).run(labelled_path, tmp_path / "run")
    events: list = []
    fake = FakeAnthropic()
    Pipeline(namer=anthropic_factory(fake, tmp_path / "cache")(), embedder=HashingEmbedder(), config=config,
             progress=False, on_stage=events.append).run(labelled_path, tmp_path / "run")
    status = {e.stage: e.status for e in events}
    assert [status[s] for s in ("facets", "embed", "cluster")] == ["reused"] * 3 and status["name"] == "done"
    assert fake.message_bodies
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["config"]["names"] == "anthropic"
