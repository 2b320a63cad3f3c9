"""The privacy gate on a labelled set with planted canaries, a one-user private matter and a two-account campaign."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig, PrivacyConfig, load
from clio_kit.privacy.attacks import attack_view
from clio_kit.privacy.view import OTHER_LABEL, SUPPRESSED_LABEL

from .canaries import canary_conversations, find_canaries
from .conftest import HashingEmbedder

THRESHOLDS = dict(min_users=5, min_conversations=10, min_phrase_users=5)


@pytest.fixture(scope="module")
def gated_run(tmp_path_factory: pytest.TempPathFactory, labelled_path: Path):  # noqa: ANN201
    conversations = load(labelled_path, progress=False).conversations + canary_conversations()
    out = tmp_path_factory.mktemp("gated") / "run"
    return Pipeline(embedder=HashingEmbedder(), config=PipelineConfig(**THRESHOLDS), progress=False).run(
        conversations, out)


def _all_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=True)


def test_thresholds_hold_in_every_table_the_view_shows(gated_run) -> None:  # noqa: ANN001
    view = gated_run.view()
    tables = view.tables()
    assert {"clusters", "distribution:language"} <= set(tables)
    for name, table in tables.items():
        users = table.get("n_users")
        convs = table.get("n_conversations")
        if users is None or convs is None:
            continue
        shown = users.notna() & convs.notna()
        assert (users[shown] >= 5).all(), name
        assert (convs[shown] >= 10).all(), name
    crosstab = view.crosstab("language", level=0)
    values = crosstab.to_numpy(dtype=float)
    assert np.all(np.isnan(values) | (values >= 10))


def test_no_canary_reaches_any_gated_table(gated_run) -> None:  # noqa: ANN001
    view = gated_run.view()
    for name, table in view.tables().items():
        assert find_canaries(_all_text(table)) == [], name
    assert find_canaries(str(view.tree())) == []
    assert find_canaries(view._repr_html_()) == []
    assert find_canaries(gated_run._repr_html_()) == []


def test_private_matter_and_campaign_are_not_visible_clusters(gated_run) -> None:  # noqa: ANN001
    assignments = pd.read_parquet(gated_run.path / "assignments.parquet")
    clusters = pd.read_parquet(gated_run.path / "clusters.parquet").set_index("cluster_id")
    checked = 0
    for prefix in ("private-", "campaign-"):
        planted = assignments["conversation_id"].str.startswith(prefix)
        for column in ("cluster_id", "cluster_id_l1", "cluster_id_l2"):  # every level: parents can show it too
            for cid in assignments.loc[planted, column].unique():
                if planted[assignments[column] == cid].mean() > 0.5:  # dominated by the planted group: hidden
                    assert not clusters.loc[cid, "visible"], (prefix, column, cid)
                    checked += 1
    assert checked >= 2  # each planted group fills at least one cluster


def test_hidden_conversations_roll_up_and_are_reported(gated_run) -> None:  # noqa: ANN001
    view = gated_run.view()
    summary = view.privacy_summary()
    assert summary["thresholds"]["min_users"] == 5
    assert summary["n_clusters"] > summary["n_visible"] > 0
    tree = view.tree()
    assert sum(node["n_conversations"] for node in tree) == view.n_conversations
    names = [child["name"] for node in tree for child in node["children"]]
    assert OTHER_LABEL in names or any(node["name"] == OTHER_LABEL for node in tree)


def test_view_refuses_looser_thresholds_but_allows_stricter(gated_run) -> None:  # noqa: ANN001
    with pytest.raises(ValueError):
        gated_run.view(PrivacyConfig(min_users=2, min_conversations=2))
    strict = gated_run.view(PrivacyConfig(min_users=20, min_conversations=40))
    assert (strict.clusters()["n_users"] >= 20).all()
    assert len(strict.clusters()) <= len(gated_run.view().clusters())


def test_base_rates_suppress_small_cells(gated_run) -> None:  # noqa: ANN001
    rates = gated_run.view().base_rates("language", level=0)
    shown = rates[~rates["suppressed"]]
    assert (shown["n_users"] >= 5).all() and (shown["n_conversations"] >= 10).all()
    assert rates.loc[rates["suppressed"], "lift"].isna().all()
    assert {"lift_low", "lift_high", "q_value"} <= set(rates.columns)


def test_attacks_on_the_pipeline_run_find_nothing(gated_run) -> None:  # noqa: ANN001
    """Every table of the view, its tree and a window comparison per level: no rare value named, no shown count
    below the thresholds, no hidden cell or small group recoverable by subtraction (clio_kit.privacy.attacks)."""
    report = attack_view(gated_run.view())
    assert len(report.tables) > 20
    assert report.counts() == {"named_rare_values": 0, "small_counts": 0, "recovered_cells": 0}, (
        report.named_rare_values[:3], report.small_counts[:3], report.recovered_cells[:3])


def test_rare_values_are_pooled_and_other_nodes_pass(gated_run) -> None:  # noqa: ANN001
    view = gated_run.view()
    distribution = view.facet_distribution("language")
    assert (distribution["n_conversations"] >= 10).all() and (distribution["n_users"] >= 5).all()
    if SUPPRESSED_LABEL in set(distribution["value"]):
        assert SUPPRESSED_LABEL in set(view.crosstab("language", 0).columns)

    def walk(nodes: list) -> int:
        found = 0
        for node in nodes:
            if node["name"] == OTHER_LABEL:
                assert node["n_conversations"] >= 10 and node["n_users"] >= 5, node
                found += 1
            found += walk(node["children"])
        return found

    assert walk(view.tree()) > 0


def _tree(rows: list[tuple[int, int, int | None, int, int, int]], top_users_share: float = 0.1) -> pd.DataFrame:
    """(cluster_id, level, parent_id, n_users, n_conversations, audit_score) rows as a cluster table, each
    cluster's largest users holding ``top_users_share`` of it."""
    table = pd.DataFrame(rows, columns=["cluster_id", "level", "parent_id", "n_users", "n_conversations",
                                        "audit_score"])
    table["parent_id"] = table["parent_id"].astype("Int64")
    table.insert(len(table.columns) - 1, "top_users_share", top_users_share)
    return table


def test_visibility_rule_on_concrete_clusters() -> None:
    """The gate's one visibility rule (also what widgets.demo and hand-built test runs use), case by case."""
    from clio_kit.privacy.gate import cluster_visibility

    clusters = _tree([
        (10, 1, None, 50, 80, 5),  # top: visible
        (11, 1, None, 50, 80, 2),  # top: fails the audit
        (0, 0, 10, 20, 30, 5),     # fine
        (1, 0, 10, 4, 30, 5),      # 4 users < 5 (reported before the conversations)
        (2, 0, 10, 4, 9, 5),       # both too small: the users are named first
        (3, 0, 10, 20, 9, 5),      # 9 conversations < 10
        (4, 0, 10, 20, 30, 3),     # audit score at the minimum: passes
        (5, 0, 11, 20, 30, 5),     # passes itself, under a hidden parent
    ])
    out = cluster_visibility(clusters, PrivacyConfig(min_users=5, min_conversations=10, min_audit_score=3))
    got = {c: (v, None if pd.isna(r) else r)
           for c, v, r in zip(out["cluster_id"], out["visible"], out["hidden_reason"])}
    assert got == {10: (True, None), 11: (False, "failed privacy audit"), 0: (True, None),
                   1: (False, "fewer than 5 users"), 2: (False, "fewer than 5 users"),
                   3: (False, "fewer than 10 conversations"), 4: (True, None), 5: (False, "parent hidden")}
    # the auditor's own verdict hides a cluster whatever its score
    vetoed = cluster_visibility(clusters, PrivacyConfig(min_users=5, min_conversations=10),
                                audit_passed=[True] * 2 + [False] + [True] * 5)
    assert vetoed.set_index("cluster_id").loc[0, "hidden_reason"] == "failed privacy audit"
    assert clusters.columns.tolist()[-1] == "audit_score"  # the input is not changed


def test_only_visible_children_collapse_into_their_parent() -> None:
    """A leaf that is its visible parent's only visible child would show the same group twice: it collapses, and a
    chain of only children collapses into its top; an inner node with visible children stays."""
    from clio_kit.privacy.gate import cluster_visibility

    clusters = _tree([
        (20, 2, None, 90, 90, 5),
        (10, 1, 20, 60, 60, 5), (11, 1, 20, 30, 30, 5),  # two visible children of 20: both stay
        (0, 0, 10, 40, 40, 5), (1, 0, 10, 20, 20, 5),    # two visible children of 10: both stay
        (2, 0, 11, 28, 28, 5), (3, 0, 11, 2, 2, 5),      # 3 is too small, so 2 is 11's only visible child
        (21, 2, None, 40, 40, 5), (12, 1, 21, 40, 40, 5), (4, 0, 12, 40, 40, 5),  # a chain of only children
    ])
    out = cluster_visibility(clusters, PrivacyConfig(min_users=5, min_conversations=10)).set_index("cluster_id")
    assert out["visible"].to_dict() == {20: True, 10: True, 11: True, 0: True, 1: True, 2: False, 3: False,
                                        21: True, 12: False, 4: False}
    collapsed = "collapsed into its parent (its only visible child)"
    assert out.loc[2, "hidden_reason"] == out.loc[4, "hidden_reason"] == out.loc[12, "hidden_reason"] == collapsed


class _Passed:
    score, passed = 5, True


def _gate(users: list[str], base: list[int], **privacy: object) -> tuple[pd.DataFrame, dict]:
    """Base clusters 0 and 1 (``users``, ``base``) and 2 (20 single users) under one top cluster, gated with all
    names passing the audit."""
    from clio_kit.privacy.gate import apply_privacy_gate

    users, base = users + [f"w{i}" for i in range(20)], base + [2] * 20
    ancestors = np.stack([np.array(base), np.full(len(base), 3)], axis=1)
    facets = pd.DataFrame({"conversation_id": [f"c{i}" for i in range(len(users))], "user_id": users})
    clusters = pd.DataFrame({"cluster_id": [0, 1, 2, 3], "level": [0, 0, 0, 1], "parent_id": [3, 3, 3, None],
                             "name": ["a", "b", "c", "top"], "description": [""] * 4, "keywords": [[]] * 4})
    clusters["parent_id"] = clusters["parent_id"].astype("Int64")
    config = PipelineConfig(min_users=5, min_conversations=10, **privacy).privacy
    gated, _, summary = apply_privacy_gate(clusters, ancestors, facets, config,
                                           lambda texts: [_Passed() for _ in texts])
    return gated.set_index("cluster_id"), summary


def test_a_cluster_few_users_dominate_is_hidden_however_many_users_it_has() -> None:
    """The dominance rule. Cluster 0: 20 users with one conversation each and one user with 25 pass the user and
    conversation thresholds, but that user holds 56% of it: hidden, the reason and the setting recorded. Cluster
    1: two accounts with 12 conversations each among 16 single users (24 of 40, a campaign): hidden by the default
    two-user rule, visible under a one-user rule (12 of 40). Cluster 1 with 10 of 40 from one user: visible."""
    reason = "2 users hold more than 50% of its conversations"
    users = [f"u{i}" for i in range(20)] + ["heavy"] * 25 + [f"v{i}" for i in range(16)] + ["x", "y"] * 12
    base = [0] * 45 + [1] * 40
    gated, summary = _gate(users, base)
    assert gated.loc[0, "n_users"] == 21 and gated.loc[0, "top_users_share"] == pytest.approx(26 / 45)
    assert gated["visible"].tolist() == [False, False, False, True]  # 2 collapses: its parent's only visible child
    assert gated["hidden_reason"].tolist()[:2] == [reason] * 2
    assert summary["thresholds"]["dominance_users"] == 2 and summary["thresholds"]["dominance_share"] == 0.5
    assert summary["hidden_reasons"][reason] == 2

    one_user, _ = _gate(users, base, dominance_users=1)
    assert one_user["visible"].tolist() == [False, True, True, True]
    assert one_user.loc[0, "hidden_reason"] == "one user holds more than 50% of its conversations"
    off, _ = _gate(users, base, dominance_share=1.0)  # the rule, not something else, hid them
    assert off["visible"].tolist() == [True, True, True, True]
    spread = [f"u{i}" for i in range(20)] + ["heavy"] * 25 + [f"v{i}" for i in range(30)] + ["heavy"] * 10
    assert _gate(spread, base)[0]["visible"].tolist() == [False, True, True, True]
    for bad in ({"dominance_share": 0.0}, {"dominance_share": 1.5}, {"dominance_users": 0}):
        with pytest.raises(ValueError, match="dominance_"):
            PipelineConfig(**bad)


def test_a_view_may_tighten_the_dominance_rule_but_never_loosen_it(gated_run) -> None:  # noqa: ANN001
    for looser in ({"dominance_share": 0.9}, {"dominance_users": 1}):
        with pytest.raises(ValueError, match="dominance rule"):
            gated_run.view(PrivacyConfig(**THRESHOLDS, **looser))
    assignments = pd.read_parquet(gated_run.path / "assignments.parquet")
    strict = gated_run.view(PrivacyConfig(**THRESHOLDS, dominance_users=3, dominance_share=0.2))
    shown = strict.clusters()
    assert 0 < len(shown) < len(gated_run.view().clusters())
    for row in shown.itertuples():
        column = "cluster_id" if row.level == 0 else f"cluster_id_l{row.level}"
        members = assignments.loc[assignments[column] == row.cluster_id, "user_id"]
        assert members.value_counts(normalize=True).iloc[:3].sum() <= 0.2, row.cluster_id
    assert strict.privacy_summary()["view_thresholds"]["dominance_share"] == 0.2


def test_a_run_gated_before_the_dominance_rule_gets_it_in_the_view(gated_run, tmp_path: Path) -> None:  # noqa: ANN001
    """A run whose gate never applied the rule (no top_users_share column, dominated clusters marked visible): the
    view counts the largest users from the assignments and hides those clusters itself."""
    import shutil

    from clio_kit import open_run
    from clio_kit.privacy.gate import dominance_reason

    old = tmp_path / "old-run"
    shutil.copytree(gated_run.path, old)
    clusters = pd.read_parquet(old / "clusters.parquet")
    dominated = clusters["hidden_reason"] == dominance_reason(PrivacyConfig(**THRESHOLDS))
    assert dominated.any()
    clusters.loc[dominated, ["visible", "hidden_reason"]] = [True, None]
    clusters.drop(columns=["top_users_share"]).to_parquet(old / "clusters.parquet")
    shown = set(open_run(old).view().clusters()["cluster_id"])
    assert shown and not shown & set(clusters.loc[dominated, "cluster_id"])
