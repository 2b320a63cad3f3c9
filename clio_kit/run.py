"""A finished (or partly finished) run, reopened from its directory.

>>> run = clio_kit.open_run("runs/demo")      # doctest: +SKIP
>>> run                                       # a summary table in a notebook   # doctest: +SKIP
>>> run.view().top_clusters()                 # privacy-gated aggregates        # doctest: +SKIP
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .config import PrivacyConfig
from .errors import InputError
from .store import RunStore

if TYPE_CHECKING:
    from .privacy.view import PrivacyView

__all__ = ["Run", "open_run", "RawAccess"]

RAW_WARNING = ("RAW DATA: this output shows individual conversations or per-conversation facet text, outside the "
               "privacy gate, because an analyst explicitly opted in.")


class Run:
    """One run directory: its manifest, its tables, and the privacy-gated view of them."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not (self.path / RunStore.MANIFEST).exists():
            raise InputError(f"not a clio-kit run directory (no {RunStore.MANIFEST}): {self.path}")

    @property
    def manifest(self) -> dict[str, Any]:
        return RunStore(self.path, create=False).read_json(RunStore.MANIFEST)

    @property
    def complete(self) -> bool:
        stages = self.manifest.get("stages", {})
        return stages.get("privacy", {}).get("status") == "done"

    def stage_table(self) -> pd.DataFrame:
        """Per-stage status, seconds and counts."""
        rows = [{"stage": name, "status": rec.get("status"), "seconds": rec.get("seconds"),
                 **{k: v for k, v in rec.get("counts", {}).items() if not isinstance(v, (dict, list))}}
                for name, rec in self.manifest.get("stages", {}).items()]
        return pd.DataFrame(rows)

    def view(self, privacy: PrivacyConfig | None = None) -> "PrivacyView":
        """The privacy-gated view: the only data widgets and reports read."""
        from .privacy.view import PrivacyView

        if not self.complete:
            raise InputError(f"run {self.path} has not finished its privacy stage; re-run it to resume")
        return PrivacyView(self.path, privacy)

    def raw(self, *, i_understand_this_shows_raw_data: bool = False) -> "RawAccess":
        """Explicit, labelled access to raw conversations and per-conversation facets (outside the gate)."""
        if not i_understand_this_shows_raw_data:
            raise PermissionError("raw conversation data is outside the privacy gate; pass "
                                  "i_understand_this_shows_raw_data=True to opt in explicitly")
        return RawAccess(self.path)

    def safety_view(self, *, i_understand_this_identifies_accounts: bool = False, detector: Any = None) -> Any:
        """RESTRICTED: coordinated-pattern findings with account ids (:class:`clio_kit.safety.SafetyView`).

        Outside the privacy gate and never used by reports or widgets; ``detector`` is an optional
        :class:`clio_kit.safety.CoordinationDetector`.
        """
        if not i_understand_this_identifies_accounts:
            raise PermissionError("the safety view identifies accounts and is outside the privacy gate; pass "
                                  "i_understand_this_identifies_accounts=True to opt in explicitly")
        from .safety.view import SafetyView

        return SafetyView(self.path, detector)

    def rejects(self) -> pd.DataFrame:
        """Records set aside at load time, with line numbers and reasons (no record text)."""
        file = self.path / RunStore.REJECTS
        if not file.exists() or file.stat().st_size == 0:
            return pd.DataFrame(columns=["source", "line", "record_id", "reason"])
        return pd.read_json(file, lines=True)

    def summary(self) -> str:
        m = self.manifest
        ingest = m.get("stages", {}).get("ingest", {}).get("counts", {})
        priv = m.get("stages", {}).get("privacy", {}).get("counts", {})
        levels = m.get("stages", {}).get("hierarchy", {}).get("counts", {}).get("levels", [])
        failed = m.get("stages", {}).get("facets", {}).get("counts", {}).get("n_not_analysed", 0)
        not_analysed = (f"{failed:,} not analysed (facet requests failed; asked again on the next run); "
                        if failed else "")
        from .privacy.user_ids import user_id_coverage

        coverage = user_id_coverage(int(ingest.get("n_conversations", 0)), int(ingest.get("n_missing_user_id", 0)),
                                    m.get("config", {}).get("privacy", {}).get("user_id_policy", "auto"))
        users = "" if coverage["user_counts_available"] else f"{coverage['note']}; "
        return (f"{users}{ingest.get('n_conversations', 0):,} conversations, {ingest.get('n_users', 0):,} users "
                f"({ingest.get('n_missing_user_id', 0):,} without a user id, each counted as its own user), "
                f"{ingest.get('n_rejects', 0):,} rejected, {ingest.get('n_duplicates', 0):,} duplicates removed; "
                f"{not_analysed}clusters per level {levels}; {priv.get('n_visible', 0)} of "
                f"{priv.get('n_clusters', 0)} clusters visible; backend {m.get('backend', {}).get('name')}")

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}): {self.summary()}"

    def _repr_html_(self) -> str:
        m = self.manifest
        stages = self.stage_table()
        rows = "".join(f"<tr><td>{html.escape(str(r.stage))}</td><td>{html.escape(str(r.status))}</td>"
                       f"<td>{'' if pd.isna(r.seconds) else f'{r.seconds:.1f} s'}</td></tr>"
                       for r in stages.itertuples())
        offline = not m.get("backend", {}).get("names_by_model", m.get("backend", {}).get("uses_llm", False))
        banner = "<p><b>Offline backend: names were generated from key phrases, not by an LLM.</b></p>" if offline else ""
        top = ""
        if self.complete:
            top = self.view()._repr_html_()
        return (f"<div><h3>clio-kit run <code>{html.escape(str(self.path))}</code></h3>{banner}"
                f"<p>{html.escape(self.summary())}</p><p>config hash <code>{m.get('config_hash')}</code>, "
                f"clio-kit {m.get('clio_kit_version')}</p>"
                f"<table><tr><th>Stage</th><th>Status</th><th>Time</th></tr>{rows}</table>{top}</div>")


class RawAccess:
    """Raw conversations and facet text. Everything it renders carries :data:`RAW_WARNING` on its face."""

    warning = RAW_WARNING

    def __init__(self, path: Path) -> None:
        self.path = path

    def conversations(self) -> pd.DataFrame:
        return RunStore(self.path, create=False).read_table(RunStore.CONVERSATIONS)

    def facets(self) -> pd.DataFrame:
        return RunStore(self.path, create=False).read_table(RunStore.FACETS)

    def _repr_html_(self) -> str:
        return f"<div style='border:3px solid #c00;padding:4px'><b>{html.escape(RAW_WARNING)}</b></div>"


def open_run(path: str | os.PathLike[str]) -> Run:
    """Reopen a run directory written by :class:`clio_kit.Pipeline`."""
    return Run(path)
