"""The restricted safety view: flagged coordinated groups of a run, with the accounts behind them.

It is the opposite of :class:`clio_kit.privacy.view.PrivacyView`: no thresholds, account ids shown. It is therefore
a different class in a different module, shares no cache or state with the privacy-gated view, is reached only
through ``run.safety_view(i_understand_this_identifies_accounts=True)``, and every table it returns
(:class:`RestrictedFrame`) carries :data:`RESTRICTED_WARNING` on its face in its text and HTML forms and in every
CSV, HTML, Markdown or string export. Nothing here feeds the report or the widgets.

>>> # safety = clio_kit.open_run("runs/demo").safety_view(i_understand_this_identifies_accounts=True)
>>> # safety.flagged()   # groups: n conversations, n accounts, account ids, time span
>>> RestrictedFrame({"user_id": ["u1"]}).to_csv().splitlines()[0]
'# RESTRICTED SAFETY VIEW: can identify accounts; not for publication'
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..store import RunStore
from ..errors import NotFoundError
from .coordination import CoordinationDetector

__all__ = ["RESTRICTED_WARNING", "RestrictedFrame", "SafetyView"]

RESTRICTED_WARNING = "RESTRICTED SAFETY VIEW: can identify accounts; not for publication"
_BANNER_HTML = (f"<div style='border:3px solid #c00;padding:4px;margin:4px 0'><b>"
                f"{html.escape(RESTRICTED_WARNING)}</b></div>")


class RestrictedFrame(pd.DataFrame):
    """A DataFrame whose every rendering and text export starts with :data:`RESTRICTED_WARNING`."""

    _metadata: list[str] = []

    @property
    def _constructor(self) -> type:
        return RestrictedFrame

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attrs["warning"] = RESTRICTED_WARNING

    def to_string(self, buf: Any = None, *args: Any, **kwargs: Any) -> str | None:  # type: ignore[override]
        text = f"{RESTRICTED_WARNING}\n{pd.DataFrame(self).to_string(None, *args, **kwargs)}"
        return _emit(text, buf)

    def _repr_html_(self) -> str | None:
        return _BANNER_HTML + (pd.DataFrame(self)._repr_html_() or "")

    def to_html(self, buf: Any = None, *args: Any, **kwargs: Any) -> str | None:  # type: ignore[override]
        return _emit(_BANNER_HTML + pd.DataFrame(self).to_html(None, *args, **kwargs), buf)

    def to_csv(self, path_or_buf: Any = None, *args: Any, **kwargs: Any) -> str | None:  # type: ignore[override]
        """CSV whose first line is ``# RESTRICTED SAFETY VIEW ...`` (read back with ``skiprows=1``)."""
        return _emit(f"# {RESTRICTED_WARNING}\n{pd.DataFrame(self).to_csv(None, *args, **kwargs)}", path_or_buf)

    def to_markdown(self, buf: Any = None, *args: Any, **kwargs: Any) -> str | None:  # type: ignore[override]
        return _emit(f"**{RESTRICTED_WARNING}**\n\n{pd.DataFrame(self).to_markdown(None, *args, **kwargs)}", buf)


def _emit(text: str, target: Any) -> str | None:
    if target is None:
        return text
    if isinstance(target, (str, os.PathLike)):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)
    return None


class SafetyView:
    """Coordinated-pattern findings of one run directory, with account ids (RESTRICTED).

    ``detector`` is a :class:`~clio_kit.safety.coordination.CoordinationDetector` (default settings if ``None``).
    Reads the run's per-conversation facets (ids, accounts, times, the clustered summary, concern), its embeddings
    and base clusters directly; it never goes through, or caches anything in, the privacy-gated view.
    """

    warning = RESTRICTED_WARNING

    def __init__(self, run_dir: str | os.PathLike[str], detector: CoordinationDetector | None = None) -> None:
        from ..errors import InputError

        self.path = Path(run_dir)
        self.detector = detector or CoordinationDetector()
        manifest = RunStore(self.path, create=False).read_json(RunStore.MANIFEST)
        if manifest.get("stages", {}).get("facets", {}).get("status") != "done":
            raise InputError(f"run {self.path} has no finished facets stage; run it first")
        self._facet = manifest.get("config", {}).get("facet", "request")
        self._fitted: CoordinationDetector | None = None

    def _frame(self) -> tuple[pd.DataFrame, np.ndarray | None, np.ndarray | None]:
        store = RunStore(self.path, create=False)
        facets = store.read_table(store.FACETS)
        frame = pd.DataFrame({"conversation_id": facets["conversation_id"].astype(str),
                              "user_id": facets["user_id"].astype(str), "timestamp": facets["timestamp"],
                              "text": facets[self._facet].fillna("").astype(str)})
        classified = store.file(store.CLASSIFIED)
        concern = facets["concern"] if "concern" in facets else None
        if classified.exists():
            extra = store.read_table(store.CLASSIFIED)
            if "concern" in extra and len(extra) == len(frame):
                concern = extra["concern"]
        if concern is not None:
            frame["concern"] = pd.to_numeric(concern, errors="coerce").to_numpy()
        embeddings = _optional_array(store.file(store.EMBEDDINGS), len(frame))
        clusters = _optional_array(store.file(store.ANCESTORS), len(frame))  # every level's cluster ids
        if clusters is None:
            clusters = _optional_array(store.file(store.BASE_LABELS), len(frame))
        return frame, embeddings, clusters

    def _fit(self) -> CoordinationDetector:
        if self._fitted is None:
            frame, embeddings, clusters = self._frame()
            self._conversations = frame
            self._fitted = self.detector.fit(frame, embeddings, clusters)
        return self._fitted

    # -- tables -------------------------------------------------------------------------------------------------
    def flagged(self) -> RestrictedFrame:
        """Flagged groups with their evidence (accounts' ids, counts, time span, burst, example ids)."""
        return RestrictedFrame(self._fit().flagged_)

    def groups(self) -> RestrictedFrame:
        """Every candidate group (flagged or not), with the same evidence columns."""
        return RestrictedFrame(self._fit().groups_)

    def members(self, group_id: str) -> RestrictedFrame:
        """The conversations of one flagged group: ids, accounts, times and summaries."""
        detector = self._fit()
        if group_id not in detector.members_:
            raise NotFoundError(f"{group_id!r} is not a flagged group; see flagged()['group_id']")
        ids = set(detector.members_[group_id])
        rows = self._conversations[self._conversations["conversation_id"].isin(ids)]
        return RestrictedFrame(rows.sort_values("timestamp").reset_index(drop=True))

    def accounts(self) -> RestrictedFrame:
        """Each account in a flagged group: its flagged groups, its conversations in the run, first and last seen."""
        flagged = self._fit().flagged_
        frame = self._conversations
        rows = []
        for account in sorted({a for accounts in flagged["accounts"] for a in accounts}):
            mine = frame[frame["user_id"] == account]
            stamps = pd.to_datetime(mine["timestamp"], utc=True, errors="coerce")
            groups = [g for g, accounts in zip(flagged["group_id"], flagged["accounts"]) if account in accounts]
            rows.append({"user_id": account, "n_flagged_groups": len(groups), "flagged_groups": groups,
                         "n_conversations": len(mine), "first_seen": stamps.min(), "last_seen": stamps.max()})
        return RestrictedFrame(rows, columns=["user_id", "n_flagged_groups", "flagged_groups", "n_conversations",
                                              "first_seen", "last_seen"])

    def export(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`flagged` to CSV, its first line the restricted banner."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.flagged().to_csv(out, index=False)
        return out

    # -- display ------------------------------------------------------------------------------------------------
    def summary(self) -> str:
        flagged = self._fit().flagged_
        accounts = {a for accounts in flagged["accounts"] for a in accounts}
        return (f"{RESTRICTED_WARNING}\n{len(flagged)} flagged group(s) "
                f"({int(flagged['burst'].sum()) if len(flagged) else 0} with a burst) involving {len(accounts)} "
                f"account(s) in {len(self._conversations):,} conversations")

    def __repr__(self) -> str:
        return f"SafetyView({str(self.path)!r})\n{self.summary()}"

    def _repr_html_(self) -> str:
        columns = ["group_id", "n_conversations", "n_accounts", "accounts", "first_seen", "last_seen", "reasons"]
        table = pd.DataFrame(self.flagged())[columns].to_html(index=False, escape=True)
        body = html.escape(self.summary().split("\n", 1)[1])
        return f"<div>{_BANNER_HTML}<p>{body}</p>{table}</div>"


def _optional_array(file: Path, n_rows: int) -> np.ndarray | None:
    if not file.exists():
        return None
    array = np.load(file, mmap_mode="r")
    return np.asarray(array) if len(array) == n_rows else None


