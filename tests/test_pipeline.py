"""The pipeline's contract: tables, manifest, stage reuse, invalidation, resume after a kill."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig, open_run
from clio_kit.conversation import Conversation, Message

from .conftest import ROOT, HashingEmbedder

LOW = dict(min_users=2, min_conversations=3, min_phrase_users=2)


def _pipeline(events: list | None = None, **config) -> Pipeline:  # noqa: ANN003
    cfg = PipelineConfig(**{**LOW, **config})
    return Pipeline(embedder=HashingEmbedder(), config=cfg,
                    on_stage=(events.append if events is not None else None), progress=False)


def test_run_writes_the_documented_contract(tmp_path: Path, labelled_path: Path) -> None:
    run = _pipeline().run(labelled_path, tmp_path / "run")
    assignments = pd.read_parquet(run.path / "assignments.parquet")
    for column in ("conversation_id", "user_id", "cluster_id", "language"):
        assert column in assignments.columns
    clusters = pd.read_parquet(run.path / "clusters.parquet")
    for column in ("cluster_id", "level", "parent_id", "name", "description", "n_conversations", "n_users",
                   "visible"):
        assert column in clusters.columns
    assert clusters["cluster_id"].is_unique
    assert set(assignments["cluster_id"]) <= set(clusters.loc[clusters["level"] == 0, "cluster_id"])
    top = clusters["level"].max()
    assert clusters.loc[clusters["level"] == top, "parent_id"].isna().all()
    assert clusters.loc[clusters["level"] < top, "parent_id"].notna().all()
    # a parent's count is the sum of its children's
    for parent_id, group in clusters.dropna(subset=["parent_id"]).groupby("parent_id"):
        parent = clusters.set_index("cluster_id").loc[int(parent_id)]
        assert parent["n_conversations"] == group["n_conversations"].sum()
    assert (run.path / "rejects.jsonl").exists()
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert len(manifest["input"]["sha256"]) == 64
    assert manifest["config"]["privacy"]["min_users"] == 2 and manifest["config_hash"]
    assert manifest["packages"]["numpy"] and manifest["backend"]["name"] == "offline"
    assert "prompt_hashes" in manifest
    for stage in ("ingest", "facets", "embed", "cluster", "name", "hierarchy", "privacy"):
        assert manifest["stages"][stage]["status"] == "done"
        assert manifest["stages"][stage]["seconds"] >= 0
    assert manifest["stages"]["ingest"]["counts"]["n_conversations"] == len(assignments)
    # per-conversation free text never enters the gated tables
    assert "request" not in assignments.columns and "task" not in assignments.columns


def test_rerun_reuses_every_stage(tmp_path: Path, labelled_path: Path) -> None:
    _pipeline().run(labelled_path, tmp_path / "run")
    events: list = []
    pipe = _pipeline(events)
    pipe.run(labelled_path, tmp_path / "run")
    assert [e.status for e in events] == ["reused"] * 8
    assert pipe.embedder.calls == 0


def test_changed_setting_recomputes_only_downstream(tmp_path: Path, labelled_path: Path) -> None:
    _pipeline().run(labelled_path, tmp_path / "run")
    events: list = []
    _pipeline(events, min_conversations=4).run(labelled_path, tmp_path / "run")
    assert {e.stage: e.status for e in events} == {
        "ingest": "reused", "facets": "reused", "embed": "reused", "classify": "reused", "cluster": "reused",
        "name": "reused",
        "hierarchy": "reused", "privacy": "done"}
    events.clear()
    _pipeline(events, min_conversations=4, n_levels=2).run(labelled_path, tmp_path / "run")
    assert [e.stage for e in events if e.status == "done"] == ["hierarchy", "privacy"]
    assert open_run(tmp_path / "run").manifest["stages"]["hierarchy"]["counts"]["levels"].__len__() == 2


def test_killed_run_resumes_without_redoing_finished_stages(tmp_path: Path, labelled_path: Path) -> None:
    out = tmp_path / "run"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.conftest import HashingEmbedder
        from clio_kit import Pipeline, PipelineConfig
        from clio_kit.cluster import KMeansClusterer

        class DiesMidway(KMeansClusterer):
            def fit(self, X):
                os.kill(os.getpid(), signal.SIGKILL)   # a real kill, mid-run

        Pipeline(embedder=HashingEmbedder(), clusterer=DiesMidway(),
                 config=PipelineConfig(min_users=2, min_conversations=3, min_phrase_users=2),
                 progress=False).run({str(labelled_path)!r}, {str(out)!r})
    """)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert killed.returncode != 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stages"]["embed"]["status"] == "done"
    assert manifest["stages"]["cluster"]["status"] == "running"
    finished = {s: manifest["stages"][s]["finished"] for s in ("ingest", "facets", "embed")}

    events: list = []
    pipe = _pipeline(events)
    run = pipe.run(labelled_path, out)
    statuses = {e.stage: e.status for e in events}
    assert statuses["ingest"] == statuses["facets"] == statuses["embed"] == "reused"
    assert statuses["cluster"] == statuses["privacy"] == "done"
    assert pipe.embedder.calls == 0
    assert {s: run.manifest["stages"][s]["finished"] for s in finished} == finished
    assert run.complete


def test_conversation_lists_missing_user_ids_and_long_messages(tmp_path: Path) -> None:
    topics = ["sort a python list", "bake sourdough bread", "plan a trip to kyoto", "write a cover letter"]
    convs = [Conversation(f"c{i}", [Message("user", f"Please help me {topics[i % 4]} step by step, case {i}."),
                                    Message("assistant", "Sure.")]) for i in range(40)]
    convs.append(Conversation("long", [Message("user", "Summarise this essay: " + "word " * 10_000)]))
    run = _pipeline(max_message_chars=5_000).run(convs, tmp_path / "run")
    counts = run.manifest["stages"]["ingest"]["counts"]
    assert counts["n_missing_user_id"] == 41 and counts["n_users"] == 41  # each conversation is its own user
    facets = run.raw(i_understand_this_shows_raw_data=True).facets()
    assert facets.set_index("conversation_id").loc["long", "truncated_for_model"]
    assert len(pd.read_parquet(run.path / "assignments.parquet")) == 41  # truncated, never dropped


def test_raw_access_needs_explicit_opt_in(tmp_path: Path, labelled_path: Path) -> None:
    run = _pipeline(sample=60).run(labelled_path, tmp_path / "run")
    with pytest.raises(PermissionError):
        run.raw()
    raw = run.raw(i_understand_this_shows_raw_data=True)
    assert "RAW DATA" in raw._repr_html_()
    assert len(raw.conversations()) == 60


def test_run_displays_itself(tmp_path: Path, labelled_path: Path) -> None:
    run = _pipeline(sample=80).run(labelled_path, tmp_path / "run")
    page = run._repr_html_()
    assert "80 conversations" in page and "Offline backend" in page and "<table>" in page


# -- issue 14: names a reader can trust on a demo-like run ---------------------------------------------------------
@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from clio_kit.datasets import sharegpt

    pipeline = Pipeline(embedder=HashingEmbedder(), config=PipelineConfig(), progress=False)
    return pipeline.run(sharegpt(n=500, seed=1), tmp_path_factory.mktemp("demo") / "run")


def _phrases_by_conversation(run) -> tuple[pd.DataFrame, list[set[str]]]:  # noqa: ANN001
    from clio_kit.text import phrases, tokenize_segments

    facets = pd.read_parquet(run.path / "facets.parquet", columns=["conversation_id", "request", "language"])
    used = [{p for segment in tokenize_segments(text or "", lang) for p in phrases(segment)}
            for text, lang in zip(facets["request"], facets["language"])]
    return facets, used


def test_demo_parent_names_describe_their_own_conversations(demo_run) -> None:  # noqa: ANN001
    clusters = pd.read_parquet(demo_run.path / "clusters.parquet")
    assignments = pd.read_parquet(demo_run.path / "assignments.parquet")
    facets, used = _phrases_by_conversation(demo_run)
    top = int(clusters["level"].max())
    assert top >= 1
    column = f"cluster_id_l{top}"
    node = facets[["conversation_id"]].merge(assignments[["conversation_id", column]])[column].to_numpy()
    parents = clusters[(clusters["level"] == top) & clusters["visible"]]
    checked = 0
    from clio_kit.text import tokenize

    generic = [row.name for row in parents.itertuples() if len(row.keywords) == 0 and not row.topic]
    assert len(generic) <= 1, generic  # a name without key phrases claims nothing, but most parents must have some
    for row in parents.itertuples():
        if row.name in generic:
            continue
        # every key phrase shown in the name and every content word of it, but an earned taxonomy topic's
        own = row.name[len(row.topic) + 1:] if row.topic and row.name.startswith(f"{row.topic}:") else row.name
        own = "" if row.topic and row.name == row.topic else own  # a name that is the earned topic alone
        named = [k for k in row.keywords if k.lower() in own.lower()] + tokenize(own)
        mine = node == row.cluster_id
        for phrase in named:
            own = np.mean([phrase in used[i] for i in np.flatnonzero(mine)])
            others = np.mean([phrase in used[i] for i in np.flatnonzero(~mine)])
            assert own > others, (row.name, phrase, own, others)
            checked += 1
    assert checked >= 2


def test_no_duplicate_names_among_siblings_or_between_parent_and_child(demo_run) -> None:  # noqa: ANN001
    clusters = pd.read_parquet(demo_run.path / "clusters.parquet")
    shown = clusters[clusters["visible"]]
    keys = shown["name"].str.lower().str.strip()
    assert not keys.groupby(shown["parent_id"].fillna(-1)).apply(lambda s: s.duplicated().any()).any()
    names = dict(zip(clusters["cluster_id"], clusters["name"].str.lower()))
    for cid, parent in zip(shown["cluster_id"], shown["parent_id"]):
        if not pd.isna(parent):
            assert names[cid] != names[int(parent)]
    # every hierarchy row records the taxonomy's similarity and margin (NaN only without a taxonomy)
    assert {"topic_similarity", "topic_margin"} <= set(clusters.columns)
    assert clusters["topic_similarity"].notna().all()


def test_a_parent_with_a_single_visible_child_is_collapsed(demo_run) -> None:  # noqa: ANN001
    clusters = pd.read_parquet(demo_run.path / "clusters.parquet")
    shown = clusters[clusters["visible"]]
    children = shown.dropna(subset=["parent_id"]).groupby("parent_id").size()
    for parent_id, count in children.items():
        if count == 1:  # allowed only for an inner child that has visible children of its own
            only = shown[shown["parent_id"] == parent_id]["cluster_id"].iloc[0]
            assert (shown["parent_id"] == only).any(), (parent_id, only)
    assert (clusters["hidden_reason"] == "collapsed into its parent (its only visible child)").any() or \
        children.min() > 1
