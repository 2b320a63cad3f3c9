"""Clio's LLM hierarchy (propose -> dedupe -> assign -> rename) against the fake Anthropic and OpenAI APIs: exact
request shapes, seeded shuffles, neighbourhoods, fallbacks, the pipeline end to end and the response cache."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit.backends.anthropic import AnthropicBackend
from clio_kit.backends.llm_prompts import parent_names_tool, split_template
from clio_kit.backends.openai_compat import OpenAICompatibleBackend
from clio_kit.errors import ConfigError
from clio_kit.llm_hierarchy import LLMHierarchy
from clio_kit.naming import ClusterLabel
from tests.conftest import HashingEmbedder
from tests.fake_llm import FakeAnthropic, FakeOpenAI, anthropic_factory, synthesize

THEMES = ["cooking pasta dinners", "python import errors", "travel visa forms", "tax return deductions",
          "guitar chord practice", "dog obedience training", "garden tomato pests", "resume cover letters"]
NAME_TOOL, ASSIGN_TOOL, RENAME_TOOL = "record_parent_names", "record_parent_choice", "record_cluster_name"


def base_clusters(n: int) -> tuple[np.ndarray, list[int], dict[int, ClusterLabel]]:
    """``n`` named base clusters over eight themes, with centroids from the hashing embedder."""
    labels = {i: ClusterLabel(f"Help with {THEMES[i % 8]} case {i}",
                              f"Users ask about {THEMES[i % 8]}, variant {i}. They want practical steps.", ())
              for i in range(n)}
    centroids = HashingEmbedder().embed([f"{l.name}: {l.description}" for l in labels.values()])
    return centroids, [3 + i % 4 for i in range(n)], labels


def block(user: str, tag: str) -> list[str]:
    """The bullet lines inside ``<tag>`` of a user turn."""
    inner = user.split(f"<{tag}>\n", 1)[1].split(f"\n</{tag}>", 1)[0]
    return [line[2:] for line in inner.splitlines()]


def by_tool(bodies: list[dict], tool: str) -> list[dict]:
    return [b for b in bodies if b["tools"][0]["name"] == tool]


@pytest.fixture
def fake() -> FakeAnthropic:
    return FakeAnthropic()


@pytest.fixture
def make(fake: FakeAnthropic, tmp_path: Path):
    return anthropic_factory(fake, tmp_path / "llm-cache")


def fit(backend, n: int = 80, **params) -> LLMHierarchy:
    centroids, sizes, labels = base_clusters(n)
    params.setdefault("n_levels", 2)
    return LLMHierarchy(**params).fit(centroids, sizes, labels=labels, embedder=HashingEmbedder(), backend=backend)


# -- request shapes ---------------------------------------------------------------------------------------------
def test_propose_dedupe_and_assign_requests_are_exact(fake, make):
    tree = fit(make(cache_dir=False), n=80, n_top=8)
    bodies = fake.message_bodies
    proposals, assigns = by_tool(bodies, NAME_TOOL), by_tool(bodies, ASSIGN_TOOL)
    propose = [b for b in proposals if "<clusters>" in b["messages"][0]["content"]]
    dedupe = [b for b in proposals if "<proposals>" in b["messages"][0]["content"]]
    assert len(propose) == 2 and len(dedupe) == 1 and len(assigns) == 80  # 80 clusters: two neighbourhoods

    system_propose, _ = split_template("parent_proposals", clusters="x", contrastive="x", n_parents="1")
    system_dedupe, _ = split_template("parent_dedupe", proposals="x", n_parents="1")
    system_assign, _ = split_template("parent_assign", cluster="x", candidates="x")
    everyone = [f"{l.name}: {l.description}" for l in base_clusters(80)[2].values()]
    seen: list[str] = []
    for body in propose:
        assert body["model"] == "claude-sonnet-4-6" and body["max_tokens"] >= 1024
        # no cache_control: tools + system are below Sonnet 4.6's 2,048-token minimum, so caching could not pay
        assert body["system"] == [{"type": "text", "text": system_propose}]
        assert list(body["tools"][0]["input_schema"]["properties"]) == ["reasoning", "names"]  # room to think first
        assert body["tools"] == [{"name": NAME_TOOL, "description": parent_names_tool().description,
                                  "input_schema": parent_names_tool().schema}]
        assert body["tool_choice"] == {"type": "tool", "name": NAME_TOOL}
        user = body["messages"][0]["content"]
        inside, nearby = block(user, "clusters"), block(user, "nearby_clusters")
        assert set(inside) <= set(everyone) and set(nearby) <= set(everyone)
        assert len(nearby) == 10 and not set(nearby) & set(inside)  # contrast comes from OUTSIDE the neighbourhood
        assert f"Propose about {math.ceil(8 * len(inside) / 80)} higher-level cluster names" in user
        seen += inside
    assert sorted(seen) == sorted(everyone)  # the neighbourhoods partition the clusters

    [body] = dedupe
    assert body["system"] == [{"type": "text", "text": system_dedupe}]
    assert body["tool_choice"] == {"type": "tool", "name": NAME_TOOL}
    assert "into about 8 distinct higher-level cluster names" in body["messages"][0]["content"]
    listed = block(body["messages"][0]["content"], "proposals")
    assert 1 < len(listed) <= 16  # at most twice the target after the embedding merge

    candidates = None
    for child, body in enumerate(assigns):
        assert body["system"][0]["text"] == system_assign and body["model"] == "claude-sonnet-4-6"
        assert body["tool_choice"] == {"type": "tool", "name": ASSIGN_TOOL}
        schema = body["tools"][0]["input_schema"]
        assert schema["required"] == ["reasoning", "parent"] and schema["additionalProperties"] is False
        user = body["messages"][0]["content"]
        label = base_clusters(80)[2][child]
        assert user.startswith(f"<cluster>\nName: {label.name}\nDescription: {label.description}\n</cluster>")
        assert block(user, "candidates") == schema["properties"]["parent"]["enum"]  # shown in the enum's order
        candidates = candidates or sorted(schema["properties"]["parent"]["enum"])
        assert sorted(schema["properties"]["parent"]["enum"]) == candidates
    assert len(candidates) <= 8 and tree.level_sizes_ == [80, len(tree.labels_[0])]


def test_candidate_order_is_shuffled_per_child_and_seeded(fake, make):
    def orders() -> list[tuple[str, ...]]:
        return [tuple(b["tools"][0]["input_schema"]["properties"]["parent"]["enum"])
                for b in by_tool(fake.message_bodies, ASSIGN_TOOL)]

    fit(make(cache_dir=False), n=30, n_top=6, random_state=0)
    first = orders()
    assert len(first) == 30 and len(set(first)) > 10  # different children see different orders
    assert {order[0] for order in first} == set(first[0])  # every candidate is shown first to some child
    fake.requests.clear()
    fit(make(cache_dir=False), n=30, n_top=6, random_state=0)
    assert orders() == first  # seeded: the same orders again
    fake.requests.clear()
    fit(make(cache_dir=False), n=30, n_top=6, random_state=1)
    assert orders() != first and sorted(orders()[0]) == sorted(first[0])


@pytest.mark.parametrize("n, size, expected", [(200, 40, 5), (30, 40, 1), (60, 10, 6)])
def test_about_one_neighbourhood_per_forty_clusters(fake, make, n, size, expected):
    tree = fit(make(cache_dir=False), n=n, n_top=5, neighbourhood_size=size)
    propose = [b for b in by_tool(fake.message_bodies, NAME_TOOL) if "<clusters>" in b["messages"][0]["content"]]
    assert len(propose) == expected == tree.level_stats_[0]["neighbourhoods"]


# -- assignment: one parent each, empty parents dropped, fallbacks ----------------------------------------------
def test_every_child_gets_one_parent_and_empty_parents_are_dropped(fake, make):
    def answer(body: dict) -> dict:
        tool = body["tools"][0]
        user = body["messages"][0]["content"]
        if tool["name"] != ASSIGN_TOOL:
            return synthesize(tool["input_schema"], user)
        child = int(re.search(r"case (\d+)", user).group(1))
        return {"parent": sorted(tool["input_schema"]["properties"]["parent"]["enum"])[child % 2]}

    fake.answer_with = answer  # every child picks one of the two alphabetically first candidates
    backend = make(cache_dir=False)
    tree = fit(backend, n=40, n_top=6)
    [parent_of] = tree.parents_
    stats = tree.level_stats_[0]
    assert len(parent_of) == 40 and sorted(set(parent_of.tolist())) == [0, 1]  # exactly one parent each
    assert tree.level_sizes_ == [40, 2] and sorted(tree.labels_[0]) == [0, 1]
    assert stats["candidates"] > 2 and stats["dropped_empty"] == stats["candidates"] - 2
    assert tree.sizes_[1].sum() == tree.sizes_[0].sum()
    renames = by_tool(fake.message_bodies, RENAME_TOOL)
    assert len(renames) == 2  # only parents that kept a child are renamed, from the children actually assigned
    names = base_clusters(40)[2]
    for parent, body in enumerate(renames):
        listed = [line.split(":", 1)[0] for line in block(body["messages"][0]["content"], "children")]
        assert sorted(listed) == sorted(names[i].name for i in np.flatnonzero(parent_of == parent))
        expected = synthesize(body["tools"][0]["input_schema"], body["messages"][0]["content"])
        assert tree.labels_[0][parent] == ClusterLabel(expected["name"], expected["description"], ())
    assert backend.usage["parents"]["requests"] == 2


def test_malformed_assignment_is_retried_then_falls_back_to_the_nearest_parent(fake, make):
    backend = make(cache_dir=False, max_output_retries=1)
    fake.enqueue_tool_input_for(ASSIGN_TOOL, {"parent": "Something the model made up"})
    fake.enqueue_tool_input_for(ASSIGN_TOOL, {"choice": 3})
    tree = fit(backend, n=24, n_top=4)
    assigns = by_tool(fake.message_bodies, ASSIGN_TOOL)
    assert len(assigns) == 24 + 1 and assigns[0] == assigns[1]  # the first child was asked twice, identically
    usage = backend.usage["hierarchy_assign"]
    assert usage["malformed"] == 2 and usage["errors"] == 1 and usage["fallbacks"] == 1
    assert tree.level_stats_[0]["assign_fallbacks"] == 1
    enum = assigns[0]["tools"][0]["input_schema"]["properties"]["parent"]["enum"]
    embedder = HashingEmbedder()
    label = base_clusters(24)[2][0]
    child = embedder.embed([f"{label.name}: {label.description}"])[0]
    nearest = enum[int(np.argmax(embedder.embed(enum) @ child))]
    assert tree.candidate_names_[0][int(tree.parents_[0][0])] == nearest
    for i, body in enumerate(assigns[2:], start=1):  # the other children kept the model's (the fake's) choice
        picked = body["tools"][0]["input_schema"]["properties"]["parent"]["enum"][0]
        assert tree.candidate_names_[0][int(tree.parents_[0][i])] == picked


def test_failed_dedupe_falls_back_to_an_embedding_merge(fake, make):
    backend = make(cache_dir=False, max_output_retries=0)
    fake.enqueue_tool_input_for(NAME_TOOL, {"names": ["1. Help cook meals.", "help cook meals"]})
    tree = fit(backend, n=20, n_top=4)
    stats = tree.level_stats_[0]
    assert stats["proposed"] == 1 and stats["dedupe_fallback"] is False  # one proposal: nothing to deduplicate
    assert len(by_tool(fake.message_bodies, NAME_TOOL)) == 1 and tree.level_sizes_ == [20, 1]
    assert tree.candidate_names_[0] == {0: "Help cook meals"}
    fake.requests.clear()
    backend = make(cache_dir=False, max_output_retries=0)
    fake.enqueue_tool_input_for(NAME_TOOL, {"names": ["Help cook meals", "Help fix code", "Help plan trips"]})
    fake.enqueue_tool_input_for(NAME_TOOL, {"names": []})
    tree = fit(backend, n=20, n_top=2)
    stats = tree.level_stats_[0]
    assert stats["dedupe_fallback"] is True and stats["candidates"] == 2
    assert backend.usage["hierarchy_dedupe"]["errors"] == 1 and backend.usage["hierarchy_dedupe"]["fallbacks"] == 1


def test_without_a_model_or_embedder_it_says_what_is_missing():
    from clio_kit.backends import OfflineBackend

    centroids, sizes, labels = base_clusters(10)
    with pytest.raises(ConfigError, match="needs an LLM backend"):
        LLMHierarchy().fit(centroids, sizes, labels=labels, embedder=HashingEmbedder(), backend=OfflineBackend())
    with pytest.raises(ConfigError, match="needs an embedder"):
        LLMHierarchy(backend=AnthropicBackend(api_key="x", cache_dir=False)).fit(centroids, sizes, labels=labels)


def test_openai_compatible_backend_sends_the_same_prompts(tmp_path):
    fake = FakeOpenAI()
    backend = OpenAICompatibleBackend("http://localhost:8000/v1", "qwen2.5-7b-instruct", http_client=fake.client(),
                                      cache_dir=False, progress=False, max_concurrency=1)
    tree = fit(backend, n=30, n_top=5)
    bodies = fake.completion_bodies
    names = [b for b in bodies if b["tools"][0]["function"]["name"] == NAME_TOOL]
    system, _ = split_template("parent_proposals", clusters="x", contrastive="x", n_parents="1")
    assert names[0]["messages"][0] == {"role": "system", "content": system}
    assert names[0]["tools"][0]["function"]["parameters"] == parent_names_tool().schema
    assert names[0]["tool_choice"] == {"type": "function", "function": {"name": NAME_TOOL}}
    assert len([b for b in bodies if b["tools"][0]["function"]["name"] == ASSIGN_TOOL]) == 30
    assert len(tree.parents_[0]) == 30 and tree.level_sizes_[1] < 30
    assert set(backend.usage) >= {"hierarchy_propose", "hierarchy_dedupe", "hierarchy_assign", "parents"}


def test_estimate_counts_the_hierarchy_requests(make):
    from clio_kit.conversation import Conversation, Message
    from clio_kit.facets.definitions import DEFAULT_FACETS

    convs = [Conversation(f"c{i}", [Message("user", f"question {i}")]) for i in range(10)]
    estimate = make().estimate_cost(convs, DEFAULT_FACETS, n_clusters=100)
    levels = estimate["assumptions"]["hierarchy_levels"]
    assert levels == [100, 32, 10]
    assert estimate["hierarchy_assign"]["requests"] == 100 + 32
    assert estimate["hierarchy_propose"]["requests"] == round(100 / 40) + 1
    assert estimate["hierarchy_dedupe"]["requests"] == 2
    assert estimate["total_dollars"] == pytest.approx(sum(v["dollars"] for k, v in estimate.items()
                                                          if isinstance(v, dict) and "dollars" in v), abs=1e-5)


# -- the pipeline -----------------------------------------------------------------------------------------------
def test_pipeline_defaults(make):
    from clio_kit import Pipeline
    from clio_kit.hierarchy import CentroidHierarchy

    assert isinstance(Pipeline()._hierarchy(), CentroidHierarchy)  # offline: no model, the centroid hierarchy
    tree = Pipeline(backend=make())._hierarchy()
    assert isinstance(tree, LLMHierarchy) and tree.n_levels == 3


def distinct_names(body: dict) -> dict:
    """The fake's answer, but a base cluster is named after what its first summary asks for."""
    tool, user = body["tools"][0], body["messages"][0]["content"]
    answer = synthesize(tool["input_schema"], user)
    if tool["name"] == RENAME_TOOL and "<in_group>" in user:
        first = block(user, "in_group")[0].split("help with", 1)[-1]
        answer["name"] = "Help with " + " ".join(re.findall(r"[^\W\d_]+", first.lower())[:4])
    return answer


def test_full_pipeline_builds_an_llm_tree_and_a_cached_rerun_sends_nothing(fake, make, tmp_path, labelled_path):
    from clio_kit import Pipeline, PipelineConfig

    # n_top=3: a three-level tree over 9 base clusters (the data's own choice, 4-15, would leave two levels)
    config = PipelineConfig(sample=120, n_clusters=9, n_top=3, min_users=2, min_conversations=3,
                            min_phrase_users=2)
    fake.answer_with = distinct_names  # the fake's base names otherwise all start "Help with the user asks"
    backend = make(max_concurrency=8)
    run = Pipeline(backend=backend, embedder=HashingEmbedder(), config=config, progress=False).run(
        labelled_path, tmp_path / "run1")
    tree = pd.read_parquet(run.path / "hierarchy.parquet")
    levels = tree.groupby("level").size().tolist()
    assert len(levels) >= 3 and levels[0] > levels[1] > levels[2]  # a multi-level tree
    renames = by_tool(fake.message_bodies, RENAME_TOOL)
    from_fake = {synthesize(b["tools"][0]["input_schema"], b["messages"][0]["content"])["name"] for b in renames
                 if "<children>" in b["messages"][0]["content"]}
    assert set(tree.loc[tree["level"] > 0, "name"]) <= from_fake  # parent names came from the model
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["components"]["hierarchy"]["class"] == "clio_kit.llm_hierarchy.LLMHierarchy"
    usage = manifest["llm_usage"]
    assert usage["hierarchy_assign"]["requests"] == sum(levels[:-1])  # one request per child per level
    assert usage["hierarchy_propose"]["requests"] >= len(levels) - 1 and usage["hierarchy_dedupe"]["requests"] >= 1
    assert usage["parents"]["requests"] == sum(levels[1:])
    assert manifest["stages"]["hierarchy"]["counts"]["assign_fallbacks"] == 0
    ancestors = np.load(run.path / "ancestors.npy")
    assert ancestors.shape[1] == len(levels)

    sent = len(fake.requests)
    again = make(max_concurrency=8)
    run2 = Pipeline(backend=again, embedder=HashingEmbedder(), config=config, progress=False).run(
        labelled_path, tmp_path / "run2")
    assert len(fake.requests) == sent and again.usage["total"]["requests"] == 0  # every answer from the cache
    assert again.usage["hierarchy_assign"]["cache_hits"] == usage["hierarchy_assign"]["requests"]
    pd.testing.assert_frame_equal(pd.read_parquet(run2.path / "hierarchy.parquet"), tree)


@pytest.mark.slow  # 250 assignment requests through the fake transport
def test_top_size_defaults_to_the_offline_rule_not_the_square_root(fake, make):
    # 250 base clusters: the old square-root rule asked for 16 parents, above a reader's 15
    from clio_kit.hierarchy import choose_n_top

    centroids, sizes, _ = base_clusters(250)
    tree = fit(make(cache_dir=False), n=250)
    dedupe = [b["messages"][0]["content"] for b in by_tool(fake.message_bodies, NAME_TOOL)
              if "<proposals>" in b["messages"][0]["content"]]
    asked = {int(m) for text in dedupe for m in re.findall(r"into about (\d+) distinct", text)}
    assert asked == {choose_n_top(centroids, sizes)} and 4 <= min(asked) <= 15
    assert 4 <= tree.level_sizes_[-1] <= 15
