"""A synthetic, already-gated run directory for demos, tests and timing the widgets at scale.

It writes exactly the files the privacy stage leaves behind (``clusters.parquet``, ``assignments.parquet``,
``privacy.json``, ``manifest.json`` with ``stages.privacy.status == "done"``) from random numbers: there are no
conversations in it, and ``manifest.json`` says ``"synthetic": true``. Use a real :class:`clio_kit.Pipeline` run for
anything but demos and tests.

>>> import tempfile, clio_kit
>>> path = make_demo_run(tempfile.mkdtemp() + "/run", n_conversations=600, seed=1)
>>> view = clio_kit.open_run(path).view()
>>> view.n_conversations
600
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clio_kit.store import SCHEMA_VERSION, RunStore
from clio_kit.config import PrivacyConfig
from clio_kit.privacy.gate import cluster_counts, cluster_visibility, gate_summary

__all__ = ["THEMES", "make_demo_run"]

THEMES = ("Software development", "Writing and editing", "Education and tutoring", "Business and marketing",
          "Data analysis", "Creative fiction", "Language and translation", "Health and wellbeing")
_SUBTOPICS = ("debugging", "web pages", "databases", "cover letters", "essays", "homework help", "slogans",
              "spreadsheets", "short stories", "poems", "grammar checks", "meal plans", "interview prep", "APIs",
              "emails", "statistics", "travel plans", "game design", "legal questions", "recipes")
_LANGUAGES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "ja": "Japanese", "zh": "Chinese",
              "ko": "Korean", "pt": "Portuguese"}
_TASKS = ("coding", "writing", "learning", "advice", "other")


def make_demo_run(path: str | os.PathLike[str], n_conversations: int = 3000, *, seed: int = 0,
                  n_base: int | None = None, min_users: int = 5, min_conversations: int = 15,
                  hidden_names: Sequence[str] = (), timestamps: bool = True, coordinates: bool = False) -> Path:
    """Write a synthetic gated run of ``n_conversations`` into ``path`` and return the path.

    Three levels (base, middle, top). Some base clusters fall below the thresholds, one belongs to a single user
    and one fails the audit: all of these are hidden (``visible=False``). ``hidden_names`` (e.g. planted canaries)
    become the names and descriptions of hidden clusters, so tests can check they never reach any output.
    ``coordinates=True`` adds map positions (``x``, ``y``) as the pipeline's map stage does: base clusters scattered
    around their theme, parents at their children's size-weighted mean.
    """
    rng = np.random.default_rng(seed)
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    n = int(n_conversations)
    n_base = n_base or int(min(1000, max(24, n // 60)))
    n_top = min(len(THEMES), max(3, n_base // 8))
    n_mid = max(n_top, min(n_base // 3, n_top * 4))

    # hierarchy: base -> middle -> top, contiguous global ids (level 0 first, as the pipeline writes them)
    mid_of_base = np.sort(np.arange(n_base) % n_mid)
    top_of_mid = np.sort(np.arange(n_mid) % n_top)

    # sizes: a long tail, with a few deliberately tiny clusters that the thresholds must hide
    weights = rng.lognormal(0.0, 1.0, n_base)
    tiny = rng.choice(n_base, size=max(2, n_base // 10), replace=False)
    weights[tiny] = 0.02
    labels = rng.choice(n_base, size=n, p=weights / weights.sum())
    labels[: n_base] = np.arange(n_base)  # every base cluster holds at least one conversation

    users = rng.integers(0, max(10, n // 3), size=n).astype(str)
    single_user = int(np.argsort(-weights)[n_base // 2])  # a mid-sized cluster owned by one account
    users[labels == single_user] = "one-account"
    users = np.char.add("user-", users)

    langs = list(_LANGUAGES)
    base_p = np.array([0.70, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02, 0.02])
    cluster_p = rng.dirichlet(base_p * 40, size=n_base)
    for special in rng.choice(n_base, size=max(2, n_base // 12), replace=False):  # language-heavy clusters
        cluster_p[special] = np.roll(base_p, rng.integers(1, len(langs)))
    language = _vectorised_choice(rng, cluster_p, labels, np.array(langs))
    code_p = rng.beta(1.0, 3.0, n_base)
    has_code = rng.random(n) < code_p[labels]
    task = np.array(_TASKS)[(labels + rng.integers(0, 2, n)) % len(_TASKS)]
    n_turns = 1 + rng.geometric(0.45, n)

    frame = pd.DataFrame({"conversation_id": [f"conv-{i}" for i in range(n)], "user_id": users,
                          "cluster_id": labels, "cluster_id_l1": n_base + mid_of_base[labels],
                          "cluster_id_l2": n_base + n_mid + top_of_mid[mid_of_base[labels]]})
    frame["language"] = language
    frame["language_name"] = [_LANGUAGES[code] for code in language]
    if timestamps:
        growth = rng.random(n_base) < 0.2  # some clusters grow over the 16 weeks
        offsets = np.where(growth[labels], np.sqrt(rng.random(n)), rng.random(n)) * 16 * 7 * 86400
        frame["timestamp"] = pd.Timestamp("2025-01-06", tz="UTC") + pd.to_timedelta(offsets.astype(int), unit="s")
    else:  # the pipeline always writes the column, NaT where a conversation had no time
        frame["timestamp"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    frame["n_turns"] = n_turns
    frame["has_code"] = has_code
    frame["task"] = task

    clusters = _cluster_table(frame, n_base, n_mid, n_top, mid_of_base, top_of_mid, rng)
    if coordinates:
        clusters = _add_coordinates(clusters, n_base, n_mid, mid_of_base, top_of_mid, rng)
    audit_fail = int(np.argsort(-weights)[n_base // 3])
    clusters.loc[clusters["cluster_id"] == audit_fail, "audit_score"] = 2
    privacy = PrivacyConfig(min_users=min_users, min_conversations=min_conversations, min_phrase_users=min_users)
    clusters = cluster_visibility(clusters, privacy)
    hidden = clusters.index[~clusters["visible"]].tolist()
    for name, row in zip(hidden_names, hidden):
        clusters.loc[row, ["name", "description"]] = [name, f"Requests about {name}"]
        clusters.at[row, "keywords"] = [name]

    store = RunStore(out)  # the run layout the pipeline writes, through the same store
    store.write_table(store.CLUSTERS, clusters)
    store.write_table(store.ASSIGNMENTS, frame)
    ancestors = frame[["cluster_id", "cluster_id_l1", "cluster_id_l2"]].to_numpy()
    summary = gate_summary(clusters, ancestors, privacy, len(frame))
    store.write_json(store.PRIVACY, summary)
    levels = [n_base, n_mid, n_top]
    manifest: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "synthetic": True, "clio_kit_version": "demo",
        "config": {"privacy": summary["thresholds"], "n_levels": 3},
        "backend": {"name": "synthetic-demo", "uses_llm": False},
        "stages": {"ingest": {"status": "done", "counts": {"n_conversations": n, "n_users": len(set(users))}},
                   "hierarchy": {"status": "done", "counts": {"levels": levels}},
                   "privacy": {"status": "done", "counts": {"n_clusters": len(clusters),
                                                            "n_visible": int(clusters["visible"].sum())}}},
    }
    store.write_json(store.MANIFEST, manifest)
    return out


def _vectorised_choice(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray, values: np.ndarray
                       ) -> np.ndarray:
    cumulative = np.cumsum(probs, axis=1)[rows]
    picks = (rng.random(len(rows))[:, None] > cumulative).sum(axis=1)
    return values[np.minimum(picks, len(values) - 1)]


def _cluster_table(frame: pd.DataFrame, n_base: int, n_mid: int, n_top: int, mid_of_base: np.ndarray,
                   top_of_mid: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for t in range(n_top):
        theme = THEMES[t % len(THEMES)]
        rows.append({"cluster_id": n_base + n_mid + t, "level": 2, "parent_id": None, "name": theme,
                     "description": f"Conversations about {theme.lower()}."})
    for m in range(n_mid):
        theme = THEMES[int(top_of_mid[m]) % len(THEMES)]
        name = f"{theme}: {_SUBTOPICS[m % len(_SUBTOPICS)]}"
        rows.append({"cluster_id": n_base + m, "level": 1, "parent_id": n_base + n_mid + int(top_of_mid[m]),
                     "name": name, "description": f"Help with {_SUBTOPICS[m % len(_SUBTOPICS)]} ({theme.lower()})."})
    for b in range(n_base):
        m = int(mid_of_base[b])
        sub = _SUBTOPICS[(m + b) % len(_SUBTOPICS)]
        rows.append({"cluster_id": b, "level": 0, "parent_id": n_base + m,
                     "name": f"{sub.capitalize()} requests, group {b}",
                     "description": f"Users ask the assistant for {sub}; synthetic group {b}."})
    clusters = pd.DataFrame(rows)
    clusters["parent_id"] = clusters["parent_id"].astype("Int64")
    clusters["keywords"] = [name.lower().split()[:3] for name in clusters["name"]]
    ids = frame[["cluster_id", "cluster_id_l1", "cluster_id_l2"]].to_numpy()
    clusters = clusters.join(cluster_counts(ids, frame["user_id"].tolist()), on="cluster_id")
    clusters[["n_conversations", "n_users"]] = clusters[["n_conversations", "n_users"]].fillna(0).astype(int)
    clusters["share"] = clusters["n_conversations"] / len(frame)
    clusters["audit_score"] = rng.choice([4, 5], size=len(clusters))
    return clusters


def _add_coordinates(clusters: pd.DataFrame, n_base: int, n_mid: int, mid_of_base: np.ndarray,
                     top_of_mid: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    clusters = clusters.copy()
    angle = 2 * np.pi * top_of_mid[mid_of_base] / max(int(top_of_mid.max()) + 1, 1)
    x = 6 * np.cos(angle) + rng.normal(0, 1.2, n_base)
    y = 6 * np.sin(angle) + rng.normal(0, 1.2, n_base)
    base = clusters.set_index("cluster_id").loc[range(n_base)]
    weights = np.maximum(base["n_conversations"].to_numpy(dtype=float), 1e-9)
    position = {b: (x[b], y[b]) for b in range(n_base)}
    for parent_of in (n_base + mid_of_base, None):
        if parent_of is None:  # top level: weighted mean of the middle clusters
            members = {m: [n_base + n_mid + int(top_of_mid[m - n_base])] for m in range(n_base, n_base + n_mid)}
            sizes = clusters.set_index("cluster_id")["n_conversations"].astype(float).clip(lower=1e-9)
        else:
            members = {b: [int(parent_of[b])] for b in range(n_base)}
            sizes = pd.Series(weights, index=range(n_base))
        groups: dict[int, list[int]] = {}
        for child, (parent,) in members.items():
            groups.setdefault(parent, []).append(child)
        for parent, children in groups.items():
            w = np.array([sizes[c] for c in children])
            xy = np.array([position[c] for c in children])
            position[parent] = tuple((xy * w[:, None]).sum(axis=0) / w.sum())
    clusters["x"] = clusters["cluster_id"].map(lambda c: float(position[c][0]))
    clusters["y"] = clusters["cluster_id"].map(lambda c: float(position[c][1]))
    return clusters
