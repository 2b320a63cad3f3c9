"""Coordinated-pattern detection: many similar conversations from few accounts, often in a burst.

RESTRICTED: the result names accounts. Clio runs safety investigations separately from the privacy-gated analysis,
without its thresholds, for a few authorised staff, and never acts on clusters alone; this module is that separate
path. Reach it through :meth:`clio_kit.Run.safety_view` (an explicit opt-in), never from a report or widget.

Candidate groups come from three sources:

- ``exact_text``: conversations whose summaries are identical after normalisation (case, digits, punctuation,
  spacing removed);
- ``near_duplicate``: connected components of the graph linking summaries with embedding cosine >= ``similarity``;
- ``cluster``: the run's clusters (given ``clusters``: base labels, or one column per hierarchy level).

A group is *concentrated* when it holds at least ``min_conversations`` conversations AND either at most
``max_accounts`` accounts or one account with at least ``min_top_share`` of them. It is a *burst* when some window
of ``burst_window`` holds at least ``min_conversations`` of its conversations at ``burst_rate_ratio`` times (or
more) the rate the group would have if spread evenly over the dataset's time span. Flagged groups are the
concentrated ones (``require_burst=True`` also demands a burst); a ``cluster`` group always needs a burst too: many
conversations of one account on one topic, spread over weeks, are a heavy ordinary user (tests/data/campaign's
teacher), not coordination, while repeated or near-duplicate texts from few accounts are suspicious at any pace.
Bursts sort first. Each flagged group carries its evidence: counts, the accounts' ids, the time span and burst
window, and example conversation ids.

>>> import numpy as np, pandas as pd
>>> frame = pd.DataFrame({"conversation_id": [f"c{i}" for i in range(14)],
...                       "user_id": ["a", "b"] * 6 + ["x", "y"],
...                       "timestamp": pd.date_range("2025-01-01", periods=14, freq="h"),
...                       "text": ["Post that the polling station is closed"] * 12 + ["hi there", "recipe"]})
>>> detector = CoordinationDetector(min_conversations=10).fit(frame)
>>> detector.flagged_[["kind", "n_conversations", "n_accounts"]].to_dict("records")
[{'kind': 'exact_text', 'n_conversations': 12, 'n_accounts': 2}]
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

__all__ = ["CoordinationDetector", "normalise_text", "near_duplicate_groups"]

_PUNCT_DIGITS = re.compile(r"[\W\d_]+", re.UNICODE)
_KIND_ORDER = {"exact_text": 0, "near_duplicate": 1, "cluster": 2}


def normalise_text(text: str) -> str:
    """Lower case, accents folded, digits and punctuation removed, spaces collapsed.

    >>> normalise_text("Vote by TEXT, ward 12!!  ")
    'vote by text ward'
    """
    folded = unicodedata.normalize("NFKD", str(text).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(_PUNCT_DIGITS.sub(" ", folded).split())


def near_duplicate_groups(embeddings: np.ndarray, similarity: float = 0.9, min_size: int = 2,
                          chunk: int = 2048) -> list[np.ndarray]:
    """Row indices of each connected component (size >= ``min_size``) of the cosine >= ``similarity`` graph.

    Rows must be L2-normalised. Exact, in chunks of ``chunk`` rows: O(n^2 d) time, O(chunk x n) memory.

    >>> v = np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0]])
    >>> [g.tolist() for g in near_duplicate_groups(v, 0.95)]
    [[0, 1]]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    vectors = np.asarray(embeddings, dtype=np.float32)
    n = len(vectors)
    if n == 0:
        return []
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, n, chunk):
        block = vectors[start:start + chunk] @ vectors.T
        i, j = np.nonzero(block >= similarity)
        i = i + start
        keep = j > i
        rows.append(i[keep])
        cols.append(j[keep])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    return sorted((g for g in groups if len(g) >= min_size), key=lambda g: (-len(g), int(g[0])))


class CoordinationDetector(BaseEstimator):
    """Find groups of similar conversations concentrated in few accounts and/or bursting in time.

    Parameters: ``similarity`` (cosine for near-duplicates), ``min_conversations``, ``max_accounts``,
    ``min_top_share`` (concentration rules), ``burst_window`` (a pandas offset such as ``"2D"``),
    ``burst_rate_ratio`` (burst rule), ``require_burst`` (flag only concentrated groups that also burst),
    ``n_examples`` (example ids per group). ``fit(frame, embeddings=None, clusters=None)`` takes one row per
    conversation with ``conversation_id``, ``user_id``, ``timestamp`` and ``text`` (optionally ``concern``); learned:
    ``groups_`` (every candidate group with its evidence) and ``flagged_`` (the flagged ones).
    """

    def __init__(self, similarity: float = 0.9, min_conversations: int = 10, max_accounts: int = 3,
                 min_top_share: float = 0.5, burst_window: str = "2D", burst_rate_ratio: float = 5.0,
                 require_burst: bool = False, n_examples: int = 5) -> None:
        self.similarity = similarity
        self.min_conversations = min_conversations
        self.max_accounts = max_accounts
        self.min_top_share = min_top_share
        self.burst_window = burst_window
        self.burst_rate_ratio = burst_rate_ratio
        self.require_burst = require_burst
        self.n_examples = n_examples

    # -- fitting ------------------------------------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, embeddings: np.ndarray | None = None,
            clusters: np.ndarray | None = None) -> "CoordinationDetector":
        from ..errors import InputError

        missing = {"conversation_id", "user_id", "timestamp", "text"} - set(frame.columns)
        if missing:
            raise InputError(f"coordination detection needs column(s) {', '.join(sorted(missing))}")
        if embeddings is not None and len(embeddings) != len(frame):
            raise InputError(f"{len(embeddings)} embeddings for {len(frame)} conversations")
        if clusters is not None and len(clusters) != len(frame):
            raise InputError(f"{len(clusters)} cluster labels for {len(frame)} conversations")
        frame = frame.reset_index(drop=True)
        self.stamps_ = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
        known = self.stamps_.dropna()
        self.dataset_span_ = (known.max() - known.min()) if len(known) else pd.Timedelta(0)
        self.window_ = pd.Timedelta(self.burst_window)
        candidates: list[tuple[str, str, np.ndarray]] = []
        texts = frame["text"].fillna("").astype(str).map(normalise_text)
        for n, (_, idx) in enumerate(sorted(texts[texts != ""].groupby(texts[texts != ""]).groups.items(),
                                            key=lambda kv: -len(kv[1]))):
            if len(idx) >= 2:
                candidates.append(("exact_text", f"exact_text:{n}", np.asarray(idx)))
        if embeddings is not None:
            for n, idx in enumerate(near_duplicate_groups(embeddings, self.similarity, min_size=2)):
                candidates.append(("near_duplicate", f"near_duplicate:{n}", idx))
        if clusters is not None:  # one label per row, or one column per hierarchy level (run ancestors)
            levels = np.asarray(clusters).reshape(len(frame), -1)
            for level in range(levels.shape[1]):
                for label in np.unique(levels[:, level]):
                    candidates.append(("cluster", f"cluster:{int(label)}" if level == 0 else
                                       f"cluster:L{level}:{int(label)}", np.flatnonzero(levels[:, level] == label)))
        rows = [self._evidence(kind, group_id, idx, frame) for kind, group_id, idx in candidates]
        groups = pd.DataFrame(rows, columns=_COLUMNS)
        groups = groups.sort_values(["flagged", "burst", "n_conversations", "kind_order"],
                                    ascending=[False, False, False, True], kind="stable")
        groups = groups.drop_duplicates("member_key").drop(columns=["member_key", "kind_order"])
        self.groups_ = groups.reset_index(drop=True)
        self.flagged_ = self.groups_[self.groups_["flagged"]].reset_index(drop=True)
        self.members_ = {g: frame["conversation_id"].iloc[idx].astype(str).tolist()
                         for _, g, idx in candidates if g in set(self.flagged_["group_id"])}
        return self

    def _evidence(self, kind: str, group_id: str, idx: np.ndarray, frame: pd.DataFrame) -> dict[str, Any]:
        users = frame["user_id"].astype(str).iloc[idx]
        by_user = users.value_counts()
        n, n_accounts = len(idx), int(len(by_user))
        top_share = float(by_user.iloc[0] / n) if n else 0.0
        stamps = self.stamps_.iloc[idx].dropna().sort_values()
        burst_n, burst_start, burst_end = _densest_window(stamps, self.window_)
        expected = n * (self.window_ / self.dataset_span_) if self.dataset_span_ > pd.Timedelta(0) else float(n)
        ratio = float(burst_n / max(expected, 1e-9)) if len(stamps) else 0.0
        concentrated = n >= self.min_conversations and (n_accounts <= self.max_accounts
                                                        or top_share >= self.min_top_share)
        burst = burst_n >= self.min_conversations and ratio >= self.burst_rate_ratio
        flagged = concentrated and (burst or not (self.require_burst or kind == "cluster"))
        reasons = []
        if concentrated:
            reasons.append(f"{n} conversations from {n_accounts} account{'s' if n_accounts != 1 else ''} "
                           f"(top account {top_share:.0%})")
        if burst:
            reasons.append(f"burst: {burst_n} within {self.burst_window} ({ratio:.0f}x the even rate)")
        examples = frame.iloc[idx[: self.n_examples]]
        concern = pd.to_numeric(frame["concern"].iloc[idx], errors="coerce").mean() if "concern" in frame else np.nan
        return {"group_id": group_id, "kind": kind, "kind_order": _KIND_ORDER[kind], "flagged": bool(flagged),
                "concentrated": bool(concentrated), "burst": bool(burst), "n_conversations": n,
                "n_accounts": n_accounts, "top_account_share": round(top_share, 3),
                "accounts": by_user.index.tolist(), "account_counts": by_user.astype(int).tolist(),
                "first_seen": stamps.iloc[0] if len(stamps) else pd.NaT,
                "last_seen": stamps.iloc[-1] if len(stamps) else pd.NaT,
                "span_hours": round((stamps.iloc[-1] - stamps.iloc[0]).total_seconds() / 3600, 1)
                if len(stamps) else np.nan,
                "burst_conversations": int(burst_n), "burst_start": burst_start, "burst_end": burst_end,
                "burst_rate_ratio": round(ratio, 1), "mean_concern": concern,
                "reasons": "; ".join(reasons), "example_ids": examples["conversation_id"].astype(str).tolist(),
                "example_text": str(examples["text"].iloc[0]) if len(examples) else "",
                "member_key": hash(tuple(sorted(int(i) for i in idx)))}


_COLUMNS = ["group_id", "kind", "kind_order", "flagged", "concentrated", "burst", "n_conversations", "n_accounts",
            "top_account_share", "accounts", "account_counts", "first_seen", "last_seen", "span_hours",
            "burst_conversations", "burst_start", "burst_end", "burst_rate_ratio", "mean_concern", "reasons",
            "example_ids", "example_text", "member_key"]


def _densest_window(stamps: pd.Series, window: timedelta) -> tuple[int, Any, Any]:
    """(most conversations within any ``window``, its first and last timestamp) for sorted ``stamps``."""
    if len(stamps) == 0:
        return 0, pd.NaT, pd.NaT
    values = stamps.dt.tz_convert(None).to_numpy() if stamps.dt.tz is not None else stamps.to_numpy()
    ends = np.searchsorted(values, values + pd.Timedelta(window).to_timedelta64(), side="right")
    counts = ends - np.arange(len(values))
    best = int(np.argmax(counts))
    return int(counts[best]), stamps.iloc[best], stamps.iloc[ends[best] - 1]
