"""CI runs a tiny version of every benchmark case: the runner works and writes JSON and a summary (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_benchmark_runner_smoke(tmp_path: Path) -> None:
    env = {**os.environ, "CLIO_KIT_NO_PROGRESS": "1", "CLIO_KIT_BENCH_RESULTS": str(tmp_path / "results"),
           "CLIO_KIT_BENCH_TMP": str(tmp_path / "scratch")}
    env.pop("PYTHONPATH", None)  # the runner must find tests/fake_llm.py by itself, as from a clean clone
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke"], capture_output=True,
                          text=True, timeout=900, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    results = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "results").glob("*.json")}
    assert set(results) == {"sharegpt-60", "scale-kmeans-3000", "scale-minibatch-3000", "bertopic-vs-clio-kit",
                            "llm-cost", "pipeline-500", "pipeline-dask-500"}
    for result in results.values():
        assert result["peak_rss_mb"] > 0 and result["machine"]["cpus"] >= 1
        assert isinstance(result["machine_busy"], bool)

    real = results["sharegpt-60"]
    assert real["n_conversations"] == 60
    assert set(real["stage_seconds"]) >= {"ingest", "facets", "embed", "cluster", "name", "hierarchy", "privacy"}

    local, dask = results["pipeline-500"], results["pipeline-dask-500"]
    for case in (local, dask):  # generated JSONL + supplied embeddings through every stage and the report
        assert case["n_conversations"] == 500 and case["report_seconds"] > 0
        assert set(case["stage_seconds"]) == {"ingest", "facets", "embed", "classify", "cluster", "name", "hierarchy",
                                              "privacy"}
        assert 22 / 200 * 0.5 < case["base_accuracy_vs_topics"] <= 1  # 22 clusters (round(sqrt(500))), 200 topics
    assert dask["dask_workers"] == 2 and dask["result_digest"] == local["result_digest"]  # same results as local
    assert dask["base_accuracy_vs_topics"] == local["base_accuracy_vs_topics"]

    for name in ("scale-kmeans-3000", "scale-minibatch-3000"):
        scale = results[name]
        assert set(scale["stage_seconds"]) == {"cluster", "hierarchy", "map", "base_rates"}
        assert scale["map_points"] == scale["n_clusters"]  # the map is fitted on base clusters, not conversations
        assert scale["dtype"] == "float32" and scale["levels"][0] == scale["n_clusters"] == 55  # round(sqrt(3000))
        assert 55 / 200 * 0.5 < scale["base_accuracy_vs_topics"] <= 1  # 55 clusters for 200 topics: far above chance
        assert scale["planted_skew"]["true_lift_in_skewed_topics"] > 1.5
    assert results["scale-minibatch-3000"]["clusterer"] == "MiniBatchKMeansClusterer"

    bert = results["bertopic-vs-clio-kit"]
    assert bert["n_conversations"] == 386 and len(bert["mean"]) == 4
    for row in bert["runs"]:
        assert 0 <= row["topic_accuracy_outliers_wrong"] <= row["topic_accuracy"] <= 1
        assert 0 <= row["outlier_share"] <= 1 and 0 <= row["single_language_cluster_share"] <= 1

    cost = results["llm-cost"]
    assert cost["measured_sample"]["facets"]["requests"] == 30  # one request per conversation, counted from bodies
    designs = {d["facet_reads_per_conversation"]: d for d in cost["designs"]}
    assert designs[4]["input_tokens"] > designs[1]["input_tokens"]  # four reads of each conversation cost more
    one_read = cost["facet_request_tokens"]["one_read"]
    assert one_read > cost["mean_conversation_tokens"]

    summary = (tmp_path / "SUMMARY.md").read_text()
    for heading in ("Offline pipeline on real ShareGPT", "Clustering, hierarchy and base rates",
                    "Side by side with BERTopic", "LLM cost per", "whole offline pipeline on generated"):
        assert heading in summary
    assert not (tmp_path / "scratch").exists() or not any((tmp_path / "scratch").glob("*/X.npy"))  # cleaned up
