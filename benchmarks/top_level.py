"""How to size and group the top level: weighted k-means vs agglomerative linkage of the base centroids, each with
its size chosen by silhouette in 4..15, on synthetic hierarchies and on the bundled labelled set's base clusters.

    python benchmarks/top_level.py [--run RUN_DIR]   # RUN_DIR: a run of tests/data/labelled (its centroids)

Writes ``results/top-level-methods.json``. The method was chosen from these numbers (the bundled set is in-sample);
held-out sets are measured only through ``benchmarks/run.py --cases labelled``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _groupers():  # noqa: ANN202
    from scipy.cluster.hierarchy import fcluster, linkage

    from clio_kit.hierarchy import weighted_kmeans_groups

    def kmeans(points, weights, k):  # noqa: ANN001, ANN202
        return weighted_kmeans_groups(points, weights, k)

    def linkage_groups(method):  # noqa: ANN001, ANN202
        def group(points, weights, k):  # noqa: ANN001, ANN202
            tree = linkage(points, method, metric="euclidean" if method == "ward" else "cosine")
            return fcluster(tree, k, "maxclust") - 1
        return group

    return {"weighted k-means": kmeans, "average linkage (cosine)": linkage_groups("average"),
            "ward linkage": linkage_groups("ward")}


def _score(points, weights, base_labels, truth, grouper):  # noqa: ANN001, ANN202
    from clio_kit.evaluation import reconstruction_accuracy
    from clio_kit.hierarchy import _choose_n_top, _l2_normalise

    unit = _l2_normalise(points)
    k, _ = _choose_n_top(unit, weights, grouper)
    groups = np.asarray(grouper(unit, weights, k))
    return k, reconstruction_accuracy(groups[base_labels].tolist(), list(truth))


def synthetic(seed: int, n_categories: int = 6, topics_per: int = 2, per_topic: int = 40, dim: int = 64,
              topic_spread: float = 0.8, noise: float = 1.2):  # noqa: ANN201
    """Conversations around topic centres that lie around category centres; base = k-means, sqrt(n) clusters."""
    from clio_kit.cluster import KMeansClusterer

    rng = np.random.default_rng(seed)
    unit = lambda m: m / np.linalg.norm(m, axis=-1, keepdims=True)  # noqa: E731
    categories = unit(rng.normal(size=(n_categories, dim)))
    topics = unit(np.repeat(categories, topics_per, axis=0)
                  + topic_spread * unit(rng.normal(size=(n_categories * topics_per, dim))))
    sizes = rng.integers(per_topic // 2, per_topic * 2, size=len(topics))
    topic_of = np.repeat(np.arange(len(topics)), sizes)
    X = unit(topics[topic_of] + noise * rng.normal(size=(len(topic_of), dim)) / np.sqrt(dim))
    base = KMeansClusterer(random_state=0).fit(X)
    centroids = np.vstack([X[base.labels_ == c].mean(axis=0) for c in range(base.n_clusters_)])
    return centroids, np.bincount(base.labels_).astype(float), base.labels_, topic_of // topics_per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="a run directory of the bundled labelled set")
    args = parser.parse_args()
    groupers = _groupers()
    rows = []
    for spread, noise in [(0.6, 1.0), (1.0, 1.5), (0.8, 3.0), (1.2, 3.0)]:
        for seed in range(8):
            centroids, weights, base, truth = synthetic(seed, topic_spread=spread, noise=noise)
            for name, grouper in groupers.items():
                k, accuracy = _score(centroids, weights, base, truth, grouper)
                rows.append({"data": f"synthetic spread={spread} noise={noise}", "seed": seed, "method": name,
                             "chosen_k": k, "category_accuracy": accuracy})
    if args.run:
        import pandas as pd

        run = Path(args.run)
        base = np.load(run / "base_labels.npy")
        meta = pd.read_parquet(run / "conversations.parquet", columns=["metadata"])["metadata"]
        truth = [(json.loads(m) if isinstance(m, str) else m)["labels"]["category"] for m in meta]
        for name, grouper in groupers.items():
            k, accuracy = _score(np.load(run / "centroids.npy"), np.bincount(base).astype(float), base, truth,
                                 grouper)
            rows.append({"data": "bundled labelled set (in-sample)", "seed": 0, "method": name, "chosen_k": k,
                         "category_accuracy": accuracy})
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for row in rows:
        cell = summary.setdefault(row["data"], {}).setdefault(row["method"], {"runs": 0, "accuracy": 0.0,
                                                                             "k6": 0, "k": 0})
        cell["runs"] += 1
        cell["accuracy"] += row["category_accuracy"]
        cell["k6"] += row["chosen_k"] == 6
        cell["k"] += row["chosen_k"]
    for methods in summary.values():
        for cell in methods.values():
            cell["mean_category_accuracy"] = round(cell.pop("accuracy") / cell["runs"], 4)
            cell["share_choosing_6"] = round(cell.pop("k6") / cell["runs"], 3)
            cell["mean_chosen_k"] = round(cell.pop("k") / cell["runs"], 2)
    out = {"case": "top-level-methods", "date": time.strftime("%Y-%m-%d"), "true_categories": 6,
           "summary": summary, "rows": rows}
    (HERE / "results" / "top-level-methods.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
