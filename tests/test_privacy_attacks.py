"""Attacks on every table the gated view returns (and its tree, and a window comparison per level).

Random small runs (hypothesis) are attacked (a real pipeline run is attacked in test_privacy_gate.py) three ways (see
:mod:`clio_kit.privacy.attacks`): (a) a facet value below the thresholds overall named anywhere, (b) a shown
count below the thresholds, (c) a hidden cell or small group worked out by subtraction from shown totals, margins
and shares. Every attack must find nothing.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import clio_kit
from clio_kit.privacy.attacks import attack_view, solve_linked, solve_table
from clio_kit.privacy.suppression import suppress_table


def write_run(path: Path, seed: int, n: int, n_base: int, n_top: int, n_users: int, min_users: int,
              min_conversations: int, audit_fail: float) -> Path:
    """A finished run directory in the run format (clusters, assignments, privacy.json, manifest.json): random
    sizes, users shared across clusters, a skewed language with rare values, a flag, turn counts, four weeks of
    timestamps; the gate's rule (thresholds AND audit AND a visible parent) decides visibility."""
    rng = np.random.default_rng(seed)
    n_top = min(n_top, n_base)
    path.mkdir(parents=True, exist_ok=True)
    weights = rng.dirichlet(np.full(n_base, 0.6))
    base = rng.choice(n_base, size=n, p=weights)
    top_of_base = rng.integers(0, n_top, size=n_base)
    top_of_base[:n_top] = np.arange(n_top)
    users = np.char.add("u", rng.zipf(1.6, size=n).clip(max=n_users).astype(str))
    languages = np.array(["en", "es", "de", "fr", "ru", "sw"])
    lang_p = rng.dirichlet([8, 3, 2, 1, 0.3, 0.2])
    frame = pd.DataFrame({"conversation_id": [f"c{i}" for i in range(n)], "user_id": users,
                          "cluster_id": base, "cluster_id_l1": n_base + top_of_base[base]})
    frame["language"] = rng.choice(languages, size=n, p=lang_p)
    frame["has_code"] = rng.random(n) < rng.uniform(0.1, 0.6)
    frame["n_turns"] = 1 + rng.geometric(0.5, size=n)
    frame["timestamp"] = pd.Timestamp("2025-03-03", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 28 * 86400, size=n), unit="s")

    rows: list[dict[str, Any]] = []
    for t in range(n_top):
        rows.append({"cluster_id": n_base + t, "level": 1, "parent_id": None, "name": f"Theme {t}"})
    for b in range(n_base):
        rows.append({"cluster_id": b, "level": 0, "parent_id": n_base + int(top_of_base[b]), "name": f"Topic {b}"})
    clusters = pd.DataFrame(rows)
    clusters["parent_id"] = clusters["parent_id"].astype("Int64")
    clusters["description"] = "Synthetic " + clusters["name"]
    clusters["keywords"] = [[name.lower()] for name in clusters["name"]]
    counts = pd.concat([frame.groupby(column).agg(n_conversations=("user_id", "size"),
                                                  n_users=("user_id", "nunique"))
                        for column in ("cluster_id", "cluster_id_l1")])
    clusters = clusters.join(counts, on="cluster_id")
    clusters[["n_conversations", "n_users"]] = clusters[["n_conversations", "n_users"]].fillna(0).astype(int)
    clusters["share"] = clusters["n_conversations"] / n
    clusters["audit_score"] = np.where(rng.random(len(clusters)) < audit_fail, 2, 4)
    ok = ((clusters["n_users"] >= min_users) & (clusters["n_conversations"] >= min_conversations)
          & (clusters["audit_score"] >= 3))
    visible = dict(zip(clusters["cluster_id"], ok))
    for row in clusters.sort_values("level", ascending=False).itertuples():
        if not pd.isna(row.parent_id) and not visible[int(row.parent_id)]:
            visible[row.cluster_id] = False
    clusters["visible"] = clusters["cluster_id"].map(visible).astype(bool)
    clusters["hidden_reason"] = np.where(clusters["visible"], None, "synthetic")
    clusters.to_parquet(path / "clusters.parquet", index=False)
    frame.to_parquet(path / "assignments.parquet", index=False)
    privacy = {"min_users": min_users, "min_conversations": min_conversations, "min_audit_score": 3,
               "min_phrase_users": min_users}
    levels = []
    for level, column in enumerate(("cluster_id", "cluster_id_l1")):
        group = clusters[clusters["level"] == level]
        hidden = ~frame[column].isin(clusters.loc[clusters["visible"], "cluster_id"])
        levels.append({"level": level, "n_clusters": len(group), "n_visible": int(group["visible"].sum()),
                       "hidden_conversations": int(hidden.sum()), "hidden_conversation_share": float(hidden.mean())})
    summary = {"thresholds": privacy, "n_conversations": n, "n_clusters": len(clusters),
               "n_visible": int(clusters["visible"].sum()), "levels": levels,
               "hidden_conversation_share": levels[0]["hidden_conversation_share"], "hidden_reasons": {},
               "audit_scores": {}}
    (path / "privacy.json").write_text(json.dumps(summary))
    manifest = {"config": {"privacy": privacy, "n_levels": 2}, "backend": {"name": "test", "uses_llm": False},
                "stages": {"privacy": {"status": "done"}}}
    (path / "manifest.json").write_text(json.dumps(manifest))
    return path


runs = st.fixed_dictionaries({
    "seed": st.integers(0, 2**31), "n": st.integers(20, 160), "n_base": st.integers(2, 9),
    "n_top": st.integers(1, 3), "n_users": st.integers(3, 80), "min_users": st.integers(1, 4),
    "min_conversations": st.integers(2, 8), "audit_fail": st.sampled_from([0.0, 0.2])})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs)
def test_attacks_on_random_runs_find_nothing(params: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        view = clio_kit.open_run(write_run(Path(tmp) / "run", **params)).view()
        report = attack_view(view)
        assert report.named_rare_values == []
        assert report.small_counts == []
        assert report.recovered_cells == []


def test_the_attacks_find_a_planted_leak() -> None:
    """The attack itself works: one hidden cell in a row with a public total is recovered; a line of unknowns
    whose rest is 0 makes them all 0."""
    cells = np.array([[20.0, np.nan, 30.0], [np.nan, np.nan, 25.0]])
    recovered, rests = solve_table(cells, np.array([53.0, 25.0]), np.array([np.nan, np.nan, np.nan]))
    assert (0, 1, 3.0) in recovered and (1, 0, 0.0) in recovered and (1, 1, 0.0) in recovered
    assert rests == []


def test_suppression_protects_a_lone_small_cell() -> None:
    """Rows a and b have public totals; a/y (3 conversations) is below the thresholds: a/x would give it away,
    and so would the column totals of x and y, so a rectangle of four cells is hidden."""
    records = pd.DataFrame({"row": ["a"] * 40 + ["b"] * 40 + ["c"] * 60,
                            "column": ["x"] * 37 + ["y"] * 3 + ["x", "y"] * 50,
                            "user": [f"u{i}" for i in range(140)]})
    table = suppress_table(records, ["a", "b", "c"], ["x", "y"], clio_kit.PrivacyConfig(5, 15))
    assert not table.shown.loc["a"].any() and not table.shown.loc["b"].any() and table.shown.loc["c"].all()
    counts = table.counts().to_numpy()
    recovered, rests = solve_table(counts, np.array([40.0, 40.0, 60.0]), np.array([87.0, 53.0]))
    assert recovered == [] and all(rest >= 15 for *_, rest in rests)


def test_the_linked_attack_finds_a_remainder_across_levels() -> None:
    """Parent 30 (shown) = child 20 (shown) + child ? + remainder ?; the remainder's row total is 2 and its other
    cell is shown as known 0 through a column: the child's hidden cell and the small remainder cell follow."""
    values = np.array([30.0, 20.0, np.nan, np.nan, 0.0])
    lines = [(0, [1, 2, 3]), (2.0, [3, 4])]
    recovered, rests = solve_linked(values, lines)
    assert (3, 2.0) in recovered and (2, 8.0) in recovered and rests == []


def test_linked_attack_on_tables_whose_child_cells_give_a_remainder_away() -> None:
    """Two levels where a parent's shown cross-tab cell minus its visible children's shown cells is a small hidden
    remainder: the linked attack must name it (the one-table attacks cannot see it)."""
    from clio_kit.privacy import attacks

    attack = attacks._Attack.__new__(attacks._Attack)
    attack.report, attack.min_users, attack.min_conversations, attack.total = attacks.AttackReport(), 1, 10, 100.0
    sizes = pd.Series({0: 50.0, 1: 44.0, 2: 50.0, 3: 50.0})
    parents = pd.Series({0: 2, 1: 3})
    grids = {0: pd.DataFrame({"x": [25.0, 22.0], "y": [25.0, 22.0]}, index=[0, 1]),
             1: pd.DataFrame({"x": [25.0, 25.0], "y": [25.0, 25.0]}, index=[2, 3])}
    attacks._attack_linked(attack, "t", grids, sizes, parents, pd.Series({"x": 50.0, "y": 50.0}))
    assert any("rest of 3, x] = 3" in cell for cell in attack.report.recovered_cells), attack.report.recovered_cells
