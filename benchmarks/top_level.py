"""How to size the top level: the best silhouette in 4..15 (the first rule), the largest size within 10% (at most
0.05) of the best in 4..15 (the previous rule) and the same from round(sqrt(n_base)) to 15
(``clio_kit.hierarchy.choose_n_top``), all grouping the base centroids with weighted k-means. Dev data only:
synthetic hierarchies (5, 8 and 11 categories), the bundled labelled set (in-sample) and BBC News articles disjoint
from the 600 that ``benchmarks/run.py --cases labelled`` reports (12 subsets of 600, re-clustered).

    python benchmarks/top_level.py [--run RUN_DIR] [--dev-run DEV_RUN_DIR]
    # RUN_DIR: a run of tests/data/labelled; DEV_RUN_DIR: a run of bbc_news_dev() (see --make-dev-run)
    python benchmarks/top_level.py --base --run RUN_DIR --dev-run DEV_RUN_DIR [--multilingual-run RUN_DIR]
    # base clustering candidates (plain k-means vs k-means on neighbour means; 4 vs 20 restarts when grouping),
    # scored at the base and at the hierarchy's own top level; MULTILINGUAL: a run of names_heldout_data.py's set
    python benchmarks/top_level.py --grouping --dev-run DEV_RUN_DIR
    # which centroids to group: of the rows as given, or of their neighbour means (dev subsets only)

Writes ``results/top-level-methods.json`` (``--base``: ``results/base-clustering-candidates.json``; ``--grouping``:
``results/top-level-grouping.json``). The held-out BBC News 600 are measured only through ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _rules():  # noqa: ANN202
    """Each rule: (pick a size from {size: silhouette}, the candidate sizes for n base clusters)."""
    from clio_kit.hierarchy import TOP_LEVEL_RANGE, largest_near_best, top_level_range

    def best(scores):  # noqa: ANN001, ANN202
        return max(scores, key=lambda k: (round(scores[k], 12), -k))

    fixed = lambda n: TOP_LEVEL_RANGE  # noqa: E731
    return {"best silhouette in 4-15 (first rule)": (best, fixed),
            "largest near the best silhouette in 4-15 (previous)": (largest_near_best, fixed),
            "largest near the best silhouette in sqrt(n_base)-15 (chosen)": (largest_near_best, top_level_range)}


def _score(points, weights, base_labels, truth, rule):  # noqa: ANN001, ANN202
    from clio_kit.evaluation import reconstruction_accuracy
    from clio_kit.centroids import l2_normalise
    from clio_kit.hierarchy import choose_n_top_with_scores, weighted_kmeans_groups

    pick, candidates = rule
    unit = l2_normalise(points)
    _, scores = choose_n_top_with_scores(unit, weights, weighted_kmeans_groups, candidates(len(unit)))
    k = pick(scores)
    groups = weighted_kmeans_groups(unit, weights, k)
    return k, reconstruction_accuracy(groups[base_labels].tolist(), list(truth))


def bbc_news_dev() -> list:
    """BBC News articles NOT in ``bbc_news(n=600, seed=0)`` (the held-out set the README reports)."""
    from clio_kit.datasets import bbc_news

    held_out = {c.conversation_id for c in bbc_news(n=600, seed=0)}
    return [c for c in bbc_news(n=None) if c.conversation_id not in held_out]


def _dev_subsets(run: Path, n: int = 600, repeats: int = 12):  # noqa: ANN202
    """Re-clustered subsets of ``n`` conversations of a dev run, as the pipeline clusters them."""
    import pandas as pd

    from clio_kit.cluster import KMeansClusterer, LanguageCentering
    from clio_kit.labelled_eval import read_labels

    vectors = np.load(run / "embeddings.npy")
    facets = pd.read_parquet(run / "facets.parquet", columns=["conversation_id", "language"])
    truth = read_labels(run).set_index("conversation_id").loc[facets["conversation_id"], "category"].to_numpy()
    languages = facets["language"].astype(str).to_numpy()
    for seed in range(repeats):
        rows = np.random.default_rng(seed).choice(len(vectors), min(n, len(vectors)), replace=False)
        centred = LanguageCentering().fit(vectors[rows], languages[rows]).transform(vectors[rows], languages[rows])
        base = KMeansClusterer(random_state=0).fit(centred).labels_
        centroids = np.vstack([centred[base == c].mean(axis=0) for c in range(base.max() + 1)])
        yield seed, centroids, np.bincount(base).astype(float), base, truth[rows]


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


def _run_inputs(run: Path) -> dict:
    """Raw embeddings, detected languages, true topics and categories of a labelled run."""
    import pandas as pd

    from clio_kit.labelled_eval import read_labels

    facets = pd.read_parquet(run / "facets.parquet", columns=["conversation_id", "language"])
    labels = read_labels(run).set_index("conversation_id").loc[facets["conversation_id"]]
    return {"X": np.load(run / "embeddings.npy"), "language": facets["language"].astype(str).to_numpy(),
            "topic": labels["topic"].astype(str).to_numpy(),
            "category": labels["category"].fillna(labels["topic"]).astype(str).to_numpy()}


def _base_candidate(data: dict, n_neighbors: int, restarts: int) -> dict:
    """The pipeline's cluster and hierarchy stages with these settings: accuracy at the base and the own top level."""
    from clio_kit import hierarchy
    from clio_kit.cluster import KMeansClusterer, LanguageCentering
    from clio_kit.evaluation import language_dominated_share, reconstruction_accuracy

    saved, hierarchy.GROUPING_RESTARTS = hierarchy.GROUPING_RESTARTS, restarts
    try:
        centred = LanguageCentering().fit_transform(data["X"], data["language"])
        base = KMeansClusterer(n_neighbors=n_neighbors).fit(centred).labels_
        centroids = np.vstack([centred[base == c].mean(axis=0) for c in range(base.max() + 1)])
        tree = hierarchy.CentroidHierarchy(n_levels=3).fit(centroids, np.bincount(base))
    finally:
        hierarchy.GROUPING_RESTARTS = saved
    top = tree.ancestors(len(tree.centroids_) - 1)[base]
    return {"base_clusters": int(base.max() + 1), "top_clusters": int(top.max() + 1),
            "base_topic_accuracy": reconstruction_accuracy(base.tolist(), data["topic"].tolist()),
            "top_category_accuracy": reconstruction_accuracy(top.tolist(), data["category"].tolist()),
            "language_dominated_base_clusters": language_dominated_share(base.tolist(), data["language"].tolist())}


BASE_CANDIDATES = {"k-means, 4 restarts grouping (previous)": (0, 4),
                   "k-means on neighbour means, 4 restarts grouping": (10, 4),
                   "k-means, 20 restarts grouping": (0, 20),
                   "k-means on neighbour means, 20 restarts grouping (chosen)": (10, 20)}


def base_candidates(run: Path | None, dev_run: Path | None, multilingual_run: Path | None) -> dict:
    """Each candidate on the dev data: 4 BBC News dev subsets of 600, all 1,505 dev articles, the bundled set
    (in-sample) and the synthetic multilingual set of ``names_heldout_data.py``."""
    sets: dict[str, list[dict]] = {}
    if dev_run:
        dev = _run_inputs(dev_run)
        sets["BBC News dev, 4 subsets of 600"] = [
            {key: value[rows] for key, value in dev.items()}
            for rows in (np.random.default_rng(seed).choice(len(dev["X"]), 600, replace=False) for seed in range(4))]
        sets["BBC News dev, all 1,505"] = [dev]
    if run:
        sets["bundled labelled set (in-sample)"] = [_run_inputs(run)]
    if multilingual_run:
        name = "synthetic multilingual set (names_heldout_data.py, 8 topics, 6 languages)"
        sets[name] = [_run_inputs(multilingual_run)]
    summary: dict[str, dict[str, dict]] = {}
    for name, subsets in sets.items():
        for method, (n_neighbors, restarts) in BASE_CANDIDATES.items():
            scores = [_base_candidate(data, n_neighbors, restarts) for data in subsets]
            summary.setdefault(name, {})[method] = {
                key: round(float(np.mean([s[key] for s in scores])), 4) for key in scores[0]} | {
                "top_clusters_each": [s["top_clusters"] for s in scores]}
    out = {"case": "base-clustering-candidates", "date": time.strftime("%Y-%m-%d"), "summary": summary}
    (HERE / "results" / "base-clustering-candidates.json").write_text(json.dumps(out, indent=2) + "\n")
    return out


def grouping_candidates(dev_run: Path, repeats: int = 12) -> dict:
    """Which base centroids to group into the top level, on BBC News dev subsets of 600: the means of the
    language-centred rows (the pipeline's ``centroids.npy``) or the means of their neighbour means (the rows k-means
    saw), both sized by ``choose_n_top`` and grouped by weighted k-means. Not used by the pipeline (yet)."""
    from clio_kit.centroids import l2_normalise
    from clio_kit.cluster import KMeansClusterer, LanguageCentering, neighbour_means
    from clio_kit.evaluation import reconstruction_accuracy
    from clio_kit.hierarchy import choose_n_top_with_scores, weighted_kmeans_groups

    dev = _run_inputs(dev_run)
    scores: dict[str, list[tuple[int, float]]] = {}
    for seed in range(repeats):
        rows = np.random.default_rng(seed).choice(len(dev["X"]), 600, replace=False)
        centred = LanguageCentering().fit_transform(dev["X"][rows], dev["language"][rows])
        base = KMeansClusterer(random_state=0).fit(centred).labels_
        k = int(base.max()) + 1
        smooth = neighbour_means(centred, min(10, len(base) // (2 * k)))
        weights = np.bincount(base).astype(float)
        for name, vectors in (("centroids of the rows (pipeline)", centred),
                              ("centroids of the neighbour means", smooth)):
            unit = l2_normalise(np.vstack([vectors[base == c].mean(axis=0) for c in range(k)]))
            n_top, _ = choose_n_top_with_scores(unit, weights, weighted_kmeans_groups)
            top = weighted_kmeans_groups(unit, weights, n_top)[base]
            scores.setdefault(name, []).append(
                (n_top, reconstruction_accuracy(top.tolist(), dev["category"][rows].tolist())))
    summary = {name: {"runs": len(v), "mean_category_accuracy": round(float(np.mean([a for _, a in v])), 4),
                      "min_category_accuracy": round(float(min(a for _, a in v)), 4),
                      "mean_chosen_k": round(float(np.mean([k for k, _ in v])), 2)} for name, v in scores.items()}
    out = {"case": "top-level-grouping", "date": time.strftime("%Y-%m-%d"),
           "data": f"BBC News dev split, {repeats} subsets of 600 (disjoint from the held-out 600)", "summary": summary}
    (HERE / "results" / "top-level-grouping.json").write_text(json.dumps(out, indent=2) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="a run directory of the bundled labelled set")
    parser.add_argument("--dev-run", help="a run directory of bbc_news_dev()")
    parser.add_argument("--make-dev-run", help="run the offline pipeline on bbc_news_dev() into this directory")
    parser.add_argument("--base", action="store_true", help="compare base clustering candidates instead")
    parser.add_argument("--multilingual-run", help="a run of names_heldout_data.py's synthetic multilingual set")
    parser.add_argument("--grouping", action="store_true", help="compare the centroids grouped into the top level")
    args = parser.parse_args()
    if args.grouping:
        print(json.dumps(grouping_candidates(Path(args.dev_run))["summary"], indent=2))
        return
    if args.base:
        paths = [Path(p) if p else None for p in (args.run, args.dev_run, args.multilingual_run)]
        print(json.dumps(base_candidates(*paths)["summary"], indent=2))
        return
    if args.make_dev_run:
        from clio_kit.labelled_eval import evaluate_labelled

        evaluate_labelled(bbc_news_dev(), Path(args.make_dev_run))
        return
    rules = _rules()
    rows = []
    for n_categories in (5, 8, 11):
        for spread, noise in [(0.8, 1.5), (1.0, 2.5)]:
            for seed in range(4):
                centroids, weights, base, truth = synthetic(seed, n_categories, topic_spread=spread, noise=noise)
                for name, rule in rules.items():
                    k, accuracy = _score(centroids, weights, base, truth, rule)
                    rows.append({"data": f"synthetic, {n_categories} categories, spread={spread} noise={noise}",
                                 "seed": seed, "method": name, "chosen_k": k, "category_accuracy": accuracy})
    if args.run:
        import pandas as pd

        run = Path(args.run)
        base = np.load(run / "base_labels.npy")
        meta = pd.read_parquet(run / "conversations.parquet", columns=["metadata"])["metadata"]
        truth = [(json.loads(m) if isinstance(m, str) else m)["labels"]["category"] for m in meta]
        for name, rule in rules.items():
            k, accuracy = _score(np.load(run / "centroids.npy"), np.bincount(base).astype(float), base, truth, rule)
            rows.append({"data": "bundled labelled set, 6 categories (in-sample)", "seed": 0, "method": name,
                         "chosen_k": k, "category_accuracy": accuracy})
    if args.dev_run:
        for seed, centroids, weights, base, truth in _dev_subsets(Path(args.dev_run)):
            for name, rule in rules.items():
                k, accuracy = _score(centroids, weights, base, truth, rule)
                rows.append({"data": "BBC News dev split (600 of the 1,505 articles not reported), 5 categories",
                             "seed": seed, "method": name, "chosen_k": k, "category_accuracy": accuracy})
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for row in rows:
        cell = summary.setdefault(row["data"], {}).setdefault(row["method"], {"runs": 0, "accuracy": 0.0, "k": 0})
        cell["runs"] += 1
        cell["accuracy"] += row["category_accuracy"]
        cell["k"] += row["chosen_k"]
    for methods in summary.values():
        for cell in methods.values():
            cell["mean_category_accuracy"] = round(cell.pop("accuracy") / cell["runs"], 4)
            cell["mean_chosen_k"] = round(cell.pop("k") / cell["runs"], 2)
    out = {"case": "top-level-methods", "date": time.strftime("%Y-%m-%d"), "summary": summary, "rows": rows}
    (HERE / "results" / "top-level-methods.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
