"""The privacy evaluation: plant canaries, run the pipeline and the report, scan everything a person would see.

Mirrors the Clio paper's privacy evaluation: the share of texts that identify someone at each stage (raw
conversations, summaries, cluster names), plus the hard requirements that no planted canary reaches any rendered
output, that neither the one-user private matter nor the two-account campaign is a visible cluster, and that the
attacks of :mod:`clio_kit.privacy.attacks` on every table of the gated view (named rare values, shown counts below
the thresholds, cells recovered by subtraction) find nothing.

>>> result = evaluate_privacy(None, "runs/privacy-eval")   # doctest: +SKIP
>>> result.leaks                                             # must be []            # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store import RunStore
from .canaries import canary_conversations, find_canaries

__all__ = ["evaluate_privacy", "PrivacyEvaluation", "scan_artifacts"]

_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")


@dataclass
class PrivacyEvaluation:
    leaks: list[dict[str, str]]  # artefact, canary kind
    stage_identifying_share: dict[str, float]  # share of texts the auditor rates 1-2, per stage
    planted_groups_visible: dict[str, bool]
    artifacts: list[str]
    run_dir: Path
    attacks: dict[str, int] = field(default_factory=dict)  # what each attack on the gated tables found
    attack_findings: list[str] = field(default_factory=list)  # the first few findings, for a reader to check

    @property
    def passed(self) -> bool:
        return not self.leaks and not any(self.planted_groups_visible.values()) and not any(self.attacks.values())

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "leaks": self.leaks, "stage_identifying_share": self.stage_identifying_share,
                "planted_groups_visible": self.planted_groups_visible, "attacks": self.attacks,
                "attack_findings": self.attack_findings, "artifacts": self.artifacts,
                "run_dir": str(self.run_dir)}

    def summary(self) -> str:
        shares = ", ".join(f"{k} {v:.1%}" for k, v in self.stage_identifying_share.items())
        visible = [k for k, v in self.planted_groups_visible.items() if v]
        return (f"privacy evaluation {'PASSED' if self.passed else 'FAILED'}: {len(self.leaks)} canary leaks in "
                f"{len(self.artifacts)} artefacts; texts rated identifying (audit score 1-2) by stage: {shares}; "
                f"planted groups visible: {', '.join(visible) or 'none'}; attacks on the gated tables: "
                f"{self.attacks.get('named_rare_values', 0)} named rare values, "
                f"{self.attacks.get('small_counts', 0)} shown counts below the thresholds, "
                f"{self.attacks.get('recovered_cells', 0)} cells recovered by subtraction")


def _identifying_share(texts: list[str]) -> float:
    from .audit import RuleBasedAuditor

    if not texts:
        return 0.0
    auditor = RuleBasedAuditor()
    # a scrubber placeholder marks something already removed: it is not itself identifying
    results = auditor.audit_many((_PLACEHOLDER.sub(" ", t)[:2000], "") for t in texts)
    return sum(r.score <= 2 for r in results) / len(results)


def scan_artifacts(paths: list[Path]) -> list[dict[str, str]]:
    """Every canary found in any of these files (text read as UTF-8, errors replaced)."""
    leaks = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        leaks += [{"artifact": str(path), "canary": kind} for kind in find_canaries(text)]
    return leaks


def evaluate_privacy(data: str | os.PathLike[str] | None, out: str | os.PathLike[str], *, pipeline: Any = None,
                     render: bool = True, progress: bool = True) -> PrivacyEvaluation:
    """Plant canaries into ``data`` (default: the bundled ShareGPT sample of 600), run, render, scan."""
    from .. import datasets
    from ..io import load
    from ..pipeline import Pipeline

    out = Path(out)
    base = load(data, progress=False).conversations if data else datasets.sharegpt(n=600, seed=0)
    planted = canary_conversations()
    run = (pipeline or Pipeline(progress=progress)).run(base + planted, out / "run")
    view = run.view()
    exports = out / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    artifacts = []
    for name, table in view.tables().items():
        path = exports / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".csv")
        table.to_csv(path)
        artifacts.append(path)
    (exports / "tree.json").write_text(json.dumps(view.tree(), default=str))
    (exports / "view.html").write_text(view._repr_html_() + run._repr_html_())
    (exports / "privacy_summary.json").write_text(json.dumps(view.privacy_summary(), default=str))
    artifacts += [exports / "tree.json", exports / "view.html", exports / "privacy_summary.json"]
    if render:
        from ..report import render_report

        artifacts.append(Path(render_report(run.path, out / "report.html", title="privacy evaluation",
                                            progress=progress)))
    leaks = scan_artifacts(artifacts)

    raw = run.raw(i_understand_this_shows_raw_data=True)
    conversations = raw.conversations()
    user_texts = [" ".join(m["content"] for m in messages if m["role"] == "user")
                  for messages in conversations["messages"]]
    summaries = raw.facets()["request"].fillna("").astype(str).tolist()
    store = RunStore(run.path, create=False)
    clusters = store.read_table(store.CLUSTERS)
    visible = clusters[clusters["visible"]]
    shares = {"raw conversations": _identifying_share(user_texts),
              "summaries": _identifying_share(summaries),
              "visible clusters": _identifying_share([f"{n}. {d}" for n, d in zip(visible["name"],
                                                                                  visible["description"])])}
    assignments = store.read_table(store.ASSIGNMENTS)
    visible_ids = set(visible["cluster_id"])
    groups = {}
    levels = [c for c in assignments.columns if c == "cluster_id" or c.startswith("cluster_id_l")]
    for group, prefix in (("private matter", "private-"), ("campaign", "campaign-")):
        planted = assignments["conversation_id"].str.startswith(prefix)
        # at every level: a planted group that fills a base cluster can fill its parents too
        dominated = [cid for column in levels for cid in assignments.loc[planted, column].unique()
                     if planted[assignments[column] == cid].mean() > 0.5]
        groups[group] = any(cid in visible_ids for cid in dominated)
    from .attacks import attack_view

    attacked = attack_view(view)
    findings = attacked.named_rare_values + attacked.small_counts + attacked.recovered_cells
    result = PrivacyEvaluation(leaks, shares, groups, [str(a) for a in artifacts], run.path,
                               attacks=attacked.counts(), attack_findings=findings[:20])
    (out / "privacy_eval.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    return result
