"""The privacy gate: decides which clusters an analyst may see.

A cluster is *visible* only if (1) it holds at least ``min_users`` distinct users AND ``min_conversations``
conversations, (2) its ``dominance_users`` largest users hold at most ``dominance_share`` of its conversations (the
(n, k) dominance rule: one person's repeated private matter, or a two-account campaign, is not a pattern of many
users, however many others share the cluster), (3) its scrubbed name and description pass the audit (Clio's 1-5
rubric, ``>= min_audit_score``), (4) its parent is visible, and (5) it is not its parent's only visible child (a
leaf that would show the same group twice collapses into its parent). Hidden clusters' conversations still count in
their parent (they roll up), and at the top they fall into an "other" bucket; the summary reports how much was
hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config import PrivacyConfig
from ..errors import ConfigError

__all__ = ["apply_privacy_gate", "OPEN_TEXT_KINDS", "cluster_counts", "cluster_visibility", "collapsed_children",
           "dominance_reason", "dominated", "gate_summary", "passes_thresholds"]

#: facet columns that hold per-conversation free text: never copied into the gated tables
OPEN_TEXT_KINDS = ("open",)
_ASSIGNMENT_COLUMNS = ("language", "language_name", "timestamp", "n_turns", "n_messages", "user_chars",
                       "total_chars", "has_code", "truncated_for_model")


def passes_thresholds(n_users: Any, n_conversations: Any, privacy: PrivacyConfig) -> Any:
    """Elementwise: does a cell hold enough users AND conversations to be shown?"""
    return (n_users >= privacy.min_users) & (n_conversations >= privacy.min_conversations)


def dominated(top_users_share: Any, privacy: PrivacyConfig) -> Any:
    """Elementwise: do a cluster's ``dominance_users`` largest users hold more than ``dominance_share`` of it?"""
    return top_users_share > privacy.dominance_share


def dominance_reason(privacy: PrivacyConfig) -> str:
    """The ``hidden_reason`` of a cluster that its largest users dominate."""
    who = "one user holds" if privacy.dominance_users == 1 else f"{privacy.dominance_users} users hold"
    return f"{who} more than {privacy.dominance_share:.0%} of its conversations"


def cluster_counts(cluster_ids: np.ndarray, users: Sequence[str], dominance_users: int = 2) -> pd.DataFrame:
    """Per cluster of one or more levels (``cluster_ids``: one column per level, or a 1-D array), indexed by
    ``cluster_id``: ``n_conversations``, ``n_users`` and ``top_users_share`` (the share of its conversations that
    its ``dominance_users`` largest users hold).

    >>> cluster_counts(np.array([0, 0, 0, 0, 1, 1]), ["a", "a", "b", "c", "d", "e"], 1).round(2).to_dict("list")
    {'n_conversations': [4, 2], 'n_users': [3, 2], 'top_users_share': [0.5, 0.5]}
    """
    ids = np.asarray(cluster_ids).reshape(len(users), -1)
    user_ids = pd.factorize(np.asarray(users, dtype=str))[0]  # integer codes: a faster groupby than strings
    counted = []
    for level in range(ids.shape[1]):
        per_user = pd.DataFrame({"cluster_id": ids[:, level], "user_id": user_ids}).groupby(
            ["cluster_id", "user_id"]).size().sort_values(ascending=False, kind="stable")
        by_cluster = per_user.groupby(level="cluster_id")
        total = by_cluster.sum()
        counted.append(pd.DataFrame({"n_conversations": total, "n_users": by_cluster.size(),
                                     "top_users_share": by_cluster.head(dominance_users).groupby(
                                         level="cluster_id").sum() / total}))
    return pd.concat(counted)


def apply_privacy_gate(clusters: pd.DataFrame, ancestors: np.ndarray, facets: pd.DataFrame,
                       privacy: PrivacyConfig,
                       auditor: Callable[[Sequence[tuple[str, str]]], list[Any]],
                       open_facets: Sequence[str] = ("request", "task"),
                       ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Count, scrub, audit and threshold every cluster; build the per-conversation assignments table.

    Returns ``(clusters, assignments, summary)``. ``clusters`` gains ``n_conversations``, ``n_users``,
    ``top_users_share``, ``share``, ``audit_score``, ``visible`` and ``hidden_reason``; its text columns are scrubbed.
    """
    from . import scrub

    clusters = clusters.copy()
    users = facets["user_id"].astype(str).to_numpy()
    n_levels = ancestors.shape[1]
    total = len(facets)

    clusters = clusters.join(cluster_counts(ancestors, users, privacy.dominance_users), on="cluster_id")
    clusters[["n_conversations", "n_users"]] = clusters[["n_conversations", "n_users"]].fillna(0).astype(int)
    clusters["top_users_share"] = clusters["top_users_share"].fillna(0.0)
    clusters["share"] = clusters["n_conversations"] / max(total, 1)

    clusters["name"] = [scrub(str(t)) for t in clusters["name"]]
    clusters["description"] = [scrub(str(t)) for t in clusters["description"]]
    clusters["keywords"] = [[scrub(str(k)) for k in kws] for kws in clusters["keywords"]]
    results = auditor(list(zip(clusters["name"], clusters["description"])))
    clusters["audit_score"] = [int(r.score) for r in results]
    audit_ok = np.array([bool(r.passed) for r in results])

    clusters = cluster_visibility(clusters, privacy, audit_ok)

    assignments = pd.DataFrame({"conversation_id": facets["conversation_id"].astype(str),
                                "user_id": users, "cluster_id": ancestors[:, 0]})
    for level in range(1, n_levels):
        assignments[f"cluster_id_l{level}"] = ancestors[:, level]
    skip = set(open_facets) | {"conversation_id", "user_id", "facet_error", "language_score"}
    for column in facets.columns:
        if column in skip or column in assignments:
            continue
        if column in _ASSIGNMENT_COLUMNS or _is_categorical_or_numeric(facets[column]):
            assignments[column] = facets[column].to_numpy()

    summary = gate_summary(clusters, ancestors, privacy, total)
    return clusters, assignments, summary


def cluster_visibility(clusters: pd.DataFrame, privacy: PrivacyConfig,
                       audit_passed: Sequence[bool] | None = None) -> pd.DataFrame:
    """The gate's visibility rule (the module docstring's five conditions), the one place it is written.

    ``clusters`` has ``cluster_id, level, parent_id, n_users, n_conversations, top_users_share, audit_score``
    (:func:`cluster_counts` gives the counts); ``audit_passed``
    (default: all) is the auditor's own verdict per row, on top of ``audit_score >= privacy.min_audit_score``.
    Returns a copy with ``visible`` and ``hidden_reason`` (None when visible).

    >>> table = pd.DataFrame({"cluster_id": [0, 1, 2, 3, 4], "level": [0, 0, 0, 0, 1],
    ...                       "parent_id": [4, 4, 4, 4, None], "n_users": [40, 2, 30, 6, 78],
    ...                       "n_conversations": [50, 2, 40, 20, 112], "top_users_share": [0.1, 0.5, 0.1, 0.75, 0.2],
    ...                       "audit_score": [5, 5, 2, 5, 5]})
    >>> out = cluster_visibility(table, PrivacyConfig(min_users=5, min_conversations=10))
    >>> out["visible"].tolist()
    [False, False, False, False, True]
    >>> out["hidden_reason"].tolist()[:4]  # doctest: +NORMALIZE_WHITESPACE
    ['collapsed into its parent (its only visible child)', 'fewer than 5 users', 'failed privacy audit',
     '2 users hold more than 50% of its conversations']
    """
    clusters = clusters.copy()
    audit_ok = (clusters["audit_score"] >= privacy.min_audit_score).to_numpy()
    if audit_passed is not None:
        audit_ok = audit_ok & np.asarray(audit_passed, dtype=bool)
    enough = np.asarray(passes_thresholds(clusters["n_users"], clusters["n_conversations"], privacy), dtype=bool)
    if "top_users_share" not in clusters:
        raise ConfigError("cluster_visibility needs each cluster's top_users_share (see cluster_counts)")
    dominant = np.asarray(dominated(clusters["top_users_share"], privacy), dtype=bool)
    reasons = np.where(clusters["n_users"] < privacy.min_users, f"fewer than {privacy.min_users} users",
                       np.where(clusters["n_conversations"] < privacy.min_conversations,
                                f"fewer than {privacy.min_conversations} conversations",
                                np.where(dominant, dominance_reason(privacy),
                                         np.where(~audit_ok, "failed privacy audit", ""))))
    visible = dict(zip(clusters["cluster_id"], enough & ~dominant & audit_ok))
    reason = dict(zip(clusters["cluster_id"], reasons))
    parent = dict(zip(clusters["cluster_id"], clusters["parent_id"]))
    # top-down: a cluster under a hidden parent is hidden too
    for cid in clusters.sort_values("level", ascending=False)["cluster_id"]:
        p = parent[cid]
        if p is not None and not pd.isna(p) and not visible[int(p)] and visible[cid]:
            visible[cid], reason[cid] = False, "parent hidden"
    collapsing = collapsed_children(visible, parent)
    while collapsing:  # a chain of only children collapses into its top
        for cid in collapsing:
            visible[cid], reason[cid] = False, "collapsed into its parent (its only visible child)"
        collapsing = collapsed_children(visible, parent)
    clusters["visible"] = clusters["cluster_id"].map(visible).astype(bool)
    clusters["hidden_reason"] = clusters["cluster_id"].map(reason).replace("", None)
    return clusters


def collapsed_children(visible: dict[Any, bool], parent: dict[Any, Any]) -> list[Any]:
    """Visible clusters that are their visible parent's only visible child and have no visible children of their
    own: showing them would show the parent's group twice, so they collapse into it. (An inner cluster stays:
    hiding it would hide its children.)

    >>> collapsed_children({1: True, 2: True, 3: True, 4: False}, {1: None, 2: 1, 3: None, 4: 3})
    [2]
    """
    def visible_parent(cid: Any) -> Any:
        p = parent.get(cid)
        return None if p is None or pd.isna(p) or not visible.get(int(p), False) else int(p)

    kids: dict[Any, list[Any]] = {}
    for cid, shown in visible.items():
        if shown and visible_parent(cid) is not None:
            kids.setdefault(visible_parent(cid), []).append(cid)
    return sorted(only[0] for only in kids.values() if len(only) == 1 and only[0] not in kids)


def _is_categorical_or_numeric(series: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return True
    values = series.dropna().astype(str)
    return len(values) == 0 or (values.str.len().max() <= 64 and values.nunique() <= max(50, len(values) // 20))


def gate_summary(clusters: pd.DataFrame, ancestors: np.ndarray, privacy: PrivacyConfig, total: int) -> dict[str, Any]:
    """What the gate hid, per level and why (``privacy.json``): ``clusters`` after :func:`cluster_visibility`,
    ``ancestors`` each conversation's cluster at every level, ``total`` the number of conversations."""
    visible_ids = set(clusters.loc[clusters["visible"], "cluster_id"].tolist())
    levels = []
    for level, group in clusters.groupby("level"):
        in_hidden = ~np.isin(ancestors[:, int(level)], list(visible_ids))
        levels.append({"level": int(level), "n_clusters": int(len(group)), "n_visible": int(group["visible"].sum()),
                       "hidden_conversations": int(in_hidden.sum()),
                       "hidden_conversation_share": float(in_hidden.mean()) if total else 0.0})
    reasons = clusters.loc[~clusters["visible"], "hidden_reason"].value_counts().to_dict()
    return {
        "thresholds": {"min_users": privacy.min_users, "min_conversations": privacy.min_conversations,
                       "min_audit_score": privacy.min_audit_score, "min_phrase_users": privacy.min_phrase_users,
                       "dominance_users": privacy.dominance_users, "dominance_share": privacy.dominance_share},
        "n_conversations": int(total),
        "n_clusters": int(len(clusters)), "n_visible": int(clusters["visible"].sum()),
        "hidden_conversation_share": levels[0]["hidden_conversation_share"] if levels else 0.0,
        "levels": levels,
        "hidden_reasons": {str(k): int(v) for k, v in reasons.items()},
        "audit_scores": {str(k): int(v) for k, v in clusters["audit_score"].value_counts().sort_index().items()},
    }
