"""Reconstruction accuracy on a labelled dataset: how well do unsupervised clusters recover known topics?

The Clio paper's metric: map each cluster to the majority ground-truth label of its conversations; accuracy is the
share of conversations whose label matches their cluster's. Reported at the base level (against topics) and the
top level (against broad categories), overall and per language, with ARI/NMI, how monolingual the clusters are,
language-identification accuracy, and whether planted language skews survive clustering (their lift).

Labels are read from each conversation's metadata (``labels: {topic, category, language}`` or flat fields).

>>> # result = evaluate_labelled("tests/data/labelled/conversations.jsonl", "runs/eval")   # doctest: +SKIP
>>> # result.scores["top"]["accuracy"]                                                      # doctest: +SKIP
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
from .evaluation import clustering_scores, language_lift, majority_mapping, per_language_accuracy

__all__ = ["evaluate_labelled", "LabelledEvaluation", "read_labels"]


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
    """Scores of one labelled evaluation (``to_dict()`` is what ``clio-kit eval`` writes as JSON)."""

    scores: dict[str, Any]
    per_language: pd.DataFrame
    planted_lifts: pd.DataFrame
    run_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"scores": self.scores, "per_language": self.per_language.reset_index().to_dict(orient="records"),
                "planted_lifts": self.planted_lifts.to_dict(orient="records"), "run_dir": str(self.run_dir)}

    def summary(self) -> str:
        s = self.scores
        lifts = ", ".join(f"{r.language} in {r.topic}: true {r.true_lift:.2f}, recovered {r.recovered_lift:.2f}"
                          for r in self.planted_lifts.itertuples())
        return (f"{s['n_conversations']} conversations; base level: accuracy {s['base']['accuracy']:.3f} with "
                f"{s['base']['n_clusters']} clusters for {s['base']['n_true']} topics; top level: accuracy "
                f"{s['top']['accuracy']:.3f} with {s['top']['n_clusters']} clusters for {s['top']['n_true']} "
                f"categories; language accuracy {s['language_accuracy']:.3f}; planted skews: {lifts or 'none'}")

    def _repr_html_(self) -> str:
        table = self.per_language.to_html(float_format=lambda v: f"{v:.3f}", escape=True)
        lifts = self.planted_lifts.to_html(index=False, float_format=lambda v: f"{v:.2f}", escape=True)
        return f"<div><p>{html.escape(self.summary())}</p>{table}{lifts}</div>"


def evaluate_labelled(source: Any, out: str | os.PathLike[str], *, pipeline: Any = None,
                      planted_min_lift: float = 2.0) -> LabelledEvaluation:
    """Run ``pipeline`` (offline default) on a labelled ``source`` into ``out`` and score the clusters.

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
        pipeline = Pipeline(config=PipelineConfig(n_top=len(categories) or None))
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
    # planted skews: true lift per (topic, language), and the lift recovered through the clusters
    true_lift = language_lift(data["topic"], true_language)
    mapping = majority_mapping(data["cluster_id"], data["topic"])
    mapped_topic = data["cluster_id"].map(mapping)
    rows = []
    for topic, row in true_lift.iterrows():
        for language, lift in row.items():
            if lift >= planted_min_lift:
                in_topic = mapped_topic == topic
                share_in = float((true_language[in_topic] == language).mean()) if in_topic.any() else 0.0
                share_all = float((true_language == language).mean())
                rows.append({"topic": topic, "language": language, "true_lift": float(lift),
                             "recovered_lift": share_in / share_all if share_all else float("nan"),
                             "clusters_mapped": int(np.unique(data.loc[in_topic, "cluster_id"]).size)})
    planted = pd.DataFrame(rows, columns=["topic", "language", "true_lift", "recovered_lift", "clusters_mapped"])
    result = LabelledEvaluation(scores, per_language, planted, run_dir)
    (run_dir / "eval.json").write_text(json.dumps(result.to_dict(), indent=2, default=float) + "\n")
    return result
