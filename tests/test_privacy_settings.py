"""Every privacy setting has one source of truth, and user thresholds are claimed only where user ids exist."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig, PrivacyConfig
from clio_kit.backends import OfflineBackend
from clio_kit.conversation import Conversation, Message
from clio_kit.errors import ConfigError
from clio_kit.privacy.user_ids import USER_COUNTS_UNAVAILABLE

from .conftest import HashingEmbedder

LOW = dict(min_users=2, min_conversations=3, min_phrase_users=2, dominance_share=1.0)  # 12 users: 3 per topic
TOPICS = ["sort a python list", "bake sourdough bread", "plan a trip to kyoto", "write a cover letter"]


def _conversations(n: int = 48, *, with_ids: int | None = None) -> list[Conversation]:
    """``n`` conversations on four topics; the first ``with_ids`` (default all) carry one of 12 user ids."""
    with_ids = n if with_ids is None else with_ids
    return [Conversation(f"c{i}", [Message("user", f"Please help me {TOPICS[i % 4]} step by step, case {i}."),
                                   Message("assistant", "Sure.")],
                         user_id=f"u{i % 12}" if i < with_ids else None) for i in range(n)]


def _run(tmp_path: Path, conversations: list[Conversation], name: str = "run", backend=None, **config):  # noqa: ANN001, ANN003, ANN202
    return Pipeline(backend=backend, embedder=HashingEmbedder(), config=PipelineConfig(**{**LOW, **config}),
                    progress=False).run(conversations, tmp_path / name)


# -- missing user ids -------------------------------------------------------------------------------------------
def test_missing_user_ids_are_recorded_and_user_counts_not_claimed(tmp_path: Path) -> None:
    run = _run(tmp_path, _conversations(with_ids=0))
    recorded = json.loads((run.path / "privacy.json").read_text())["user_ids"]
    assert recorded["n_missing_user_id"] == 48 and recorded["missing_share"] == 1.0
    assert recorded["policy"] == "auto" and not recorded["user_counts_available"]
    view = run.view()
    assert not view.user_counts_available
    assert view.privacy_summary()["user_ids"]["note"] == USER_COUNTS_UNAVAILABLE
    assert USER_COUNTS_UNAVAILABLE in run.summary()
    assert USER_COUNTS_UNAVAILABLE in view._repr_html_()
    from clio_kit.report import coverage_html

    assert USER_COUNTS_UNAVAILABLE in coverage_html(view.privacy_summary())


def test_few_missing_ids_keep_user_counts_under_auto_but_not_under_conversation(tmp_path: Path) -> None:
    conversations = _conversations(60, with_ids=58)  # 2 of 60 missing: 3.3%, under the 5% allowance
    auto = _run(tmp_path, conversations, "auto")
    assert auto.view().user_counts_available and USER_COUNTS_UNAVAILABLE not in auto.summary()
    stated = _run(tmp_path, conversations, "conversation", user_id_policy="conversation")
    assert not stated.view().user_counts_available
    assert stated.view().privacy_summary()["user_ids"]["policy"] == "conversation"
    complete = _run(tmp_path, _conversations(), "complete", user_id_policy="conversation")
    assert complete.view().user_counts_available


def test_require_policy_stops_with_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="have no user id and user_id_policy is 'require'") as info:
        _run(tmp_path, _conversations(with_ids=40), user_id_policy="require")
    assert "\n" not in str(info.value) and "8 of 48" in str(info.value)
    run = _run(tmp_path, _conversations(), "ok", user_id_policy="require")  # every id present: runs
    assert run.view().user_counts_available


def test_view_with_require_policy_refuses_a_run_with_missing_ids(tmp_path: Path) -> None:
    run = _run(tmp_path, _conversations(with_ids=0))
    with pytest.raises(ConfigError, match="require"):
        run.view(PrivacyConfig(**LOW, user_id_policy="require"))


def test_unknown_user_id_policy_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="user_id_policy"):
        PipelineConfig(user_id_policy="sometimes")


def test_widget_header_says_user_counts_unavailable(tmp_path: Path) -> None:
    from widgets.base import privacy_note
    from widgets.data import GatedData

    run = _run(tmp_path, _conversations(with_ids=0))
    note = privacy_note(GatedData.of(run))
    assert USER_COUNTS_UNAVAILABLE in note and "users and" not in note


# -- one source of truth ----------------------------------------------------------------------------------------
def test_backend_passed_in_takes_the_runs_privacy_settings(tmp_path: Path) -> None:
    backend = OfflineBackend()
    run = _run(tmp_path, _conversations(), backend=backend, min_phrase_users=3, min_audit_score=4)
    assert (backend.min_phrase_users, backend.min_audit_score) == (3, 4)
    assert run.manifest["backend"]["params"]["min_phrase_users"] == 3
    assert json.loads((run.path / "privacy.json").read_text())["thresholds"]["min_phrase_users"] == 3


def test_backend_with_a_different_privacy_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"backend's min_phrase_users=10 differs from the run's min_phrase_users=2") \
            as info:
        _run(tmp_path, _conversations(), backend=OfflineBackend(min_phrase_users=10))
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match="min_audit_score"):
        Pipeline(backend=OfflineBackend(min_audit_score=4), config=PipelineConfig(min_audit_score=3))
    same = Pipeline(backend=OfflineBackend(min_phrase_users=2), config=PipelineConfig(**LOW))  # agreeing: fine
    assert same.backend.min_phrase_users == 2


def test_a_backend_reused_for_another_run_takes_that_runs_settings() -> None:
    backend = OfflineBackend()
    Pipeline(backend=backend, config=PipelineConfig(min_phrase_users=3))
    Pipeline(backend=backend, config=PipelineConfig(min_phrase_users=4))
    assert backend.min_phrase_users == 4


def test_stricter_view_applies_a_stricter_audit_score(tmp_path: Path) -> None:
    run = _run(tmp_path, _conversations(96))
    view = run.view()
    scores = view._all_clusters.set_index("cluster_id")["audit_score"]
    shown = view.clusters()
    assert len(shown) and scores.loc[shown["cluster_id"]].min() < 5  # something a stricter view must drop
    strict = run.view(PrivacyConfig(**{**LOW, "min_audit_score": 5}))
    assert (scores.loc[strict.clusters()["cluster_id"]] >= 5).all()
    assert len(strict.clusters()) < len(shown)
    kept = set(strict.clusters()["cluster_id"])  # the gate's top-down rule holds in the stricter view too
    parents = view._all_clusters.set_index("cluster_id")["parent_id"]
    assert all(pd.isna(parents[c]) or int(parents[c]) in kept for c in kept)
    assert strict.privacy_summary()["view_thresholds"]["min_audit_score"] == 5
    with pytest.raises(ValueError, match="min_audit_score"):
        run.view(PrivacyConfig(**{**LOW, "min_audit_score": 2}))
    with pytest.raises(ValueError, match="min_phrase_users"):
        run.view(PrivacyConfig(**{**LOW, "min_phrase_users": 9}))
