"""Whether a run's user counts mean users: conversations without a user id, and ``user_id_policy``.

A conversation without a user id counts as its own user (``conversation:<id>``), so where many ids are missing a
"5 users" threshold is really a "5 conversations" threshold. The run records how many ids are missing; outputs then
say so on their face instead of claiming user thresholds they cannot guarantee.

>>> coverage = user_id_coverage(n_conversations=200, n_missing=200, policy="auto")
>>> coverage["user_counts_available"], coverage["note"]
(False, 'user counts unavailable: thresholds apply to conversations only')
>>> user_id_coverage(n_conversations=200, n_missing=4, policy="auto")["user_counts_available"]
True
"""

from __future__ import annotations

from typing import Any

from ..config import MAX_MISSING_USER_SHARE
from ..errors import ConfigError

__all__ = ["USER_COUNTS_UNAVAILABLE", "check_user_ids", "user_id_coverage"]

USER_COUNTS_UNAVAILABLE = "user counts unavailable: thresholds apply to conversations only"


def user_id_coverage(n_conversations: int, n_missing: int, policy: str = "auto") -> dict[str, Any]:
    """What privacy.json records about user ids, and whether user thresholds can be claimed.

    ``"auto"`` claims them while at most :data:`~clio_kit.config.MAX_MISSING_USER_SHARE` of conversations lack an
    id; ``"conversation"`` claims them only when no id is missing; ``"require"`` refuses missing ids
    (:func:`check_user_ids`).
    """
    share = n_missing / n_conversations if n_conversations else 0.0
    available = n_missing == 0 or (policy == "auto" and share <= MAX_MISSING_USER_SHARE)
    if available and n_missing:
        note = (f"{n_missing:,} of {n_conversations:,} conversations have no user id; each counts as its own user")
    elif available:
        note = ""
    else:
        note = USER_COUNTS_UNAVAILABLE
    return {"policy": policy, "n_conversations": int(n_conversations), "n_missing_user_id": int(n_missing),
            "missing_share": round(share, 6), "user_counts_available": bool(available), "note": note}


def check_user_ids(n_conversations: int, n_missing: int, policy: str) -> None:
    """Stop (one-line :class:`~clio_kit.errors.ConfigError`) when ``policy`` is ``"require"`` and ids are missing.

    >>> check_user_ids(10, 0, "require")
    >>> check_user_ids(10, 3, "require")
    Traceback (most recent call last):
    ...
    clio_kit.errors.ConfigError: 3 of 10 conversations have no user id and user_id_policy is 'require': add user ids, or set user_id_policy to 'auto' or 'conversation'
    """
    if policy == "require" and n_missing:
        raise ConfigError(f"{n_missing:,} of {n_conversations:,} conversations have no user id and user_id_policy "
                          "is 'require': add user ids, or set user_id_policy to 'auto' or 'conversation'")
