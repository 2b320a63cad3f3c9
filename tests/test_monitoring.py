"""Monitoring over time (``PrivacyView.compare_windows``) on a run with a planted change.

The fixture is the labelled set, three times over (distinct conversation and user ids), with its topics as base
clusters and its categories as their parents, gated by the real privacy gate. Timestamps are re-assigned around a
split date (2025-03-31) so that:

- "Anime and manga" appears only after the split (a new cluster);
- "Cooking" has a quarter of its conversations before and three quarters after: the after window is larger (the
  new topics fill it), so its share of conversations about doubles;
- "Poetry" has 4 conversations before (below the thresholds there) and the rest after;
- "Elder care" fails the privacy audit (hidden everywhere; its conversations still count in the window totals);
  with ``small_hidden=True`` it keeps only 6 conversations instead (hidden for being small);
- "Tenant rights" has concern 1 before and 3 after (every other conversation: 1); other topics alternate.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import clio_kit
from clio_kit.config import PipelineConfig
from clio_kit.errors import ConfigError, InputError
from clio_kit.privacy.gate import apply_privacy_gate
from clio_kit.presentation.windows import window_figure, window_html, window_summary_html, window_table
from clio_kit.privacy.monitoring import BELOW_THRESHOLD, SUPPRESSED, WindowComparison

from .conftest import LABELLED

SPLIT = pd.Timestamp("2025-03-31", tz="UTC")
THRESHOLDS = {"min_users": 5, "min_conversations": 10, "min_phrase_users": 5}
NEW, DOUBLES, SMALL_BEFORE, HIDDEN, CONCERN = "Anime and manga", "Cooking", "Poetry", "Elder care", "Tenant rights"


class _Audit:
    def __init__(self, score: int) -> None:
        self.score, self.passed, self.reasons = score, score >= 3, ()


def _window_time(before: bool, i: int) -> pd.Timestamp:
    """A deterministic time inside the before (4 weeks before the split) or after (4 weeks from it) window."""
    offset = pd.Timedelta(minutes=(i * 7919) % (27 * 24 * 60))
    return (SPLIT - pd.Timedelta(days=28) if before else SPLIT) + offset


def planted_run(path: Path, *, concern: bool = True, copies: int = 3, small_hidden: bool = False) -> Path:
    """Write a finished run directory with the planted changes described in the module docstring."""
    records = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    topics = sorted({r["labels"]["topic"] for r in records})
    categories = sorted({r["labels"]["category"] for r in records})
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for copy in range(copies):
        for r in records:
            topic = r["labels"]["topic"]
            k = seen[topic] = seen.get(topic, -1) + 1  # this topic's k-th conversation over all copies
            if topic == HIDDEN and small_hidden and k >= 6:
                continue
            if topic == NEW:
                before = False
            elif topic == DOUBLES:
                before = k % 4 == 0
            elif topic == SMALL_BEFORE:
                before = k < 4
            else:
                before = k % 2 == 0
            score = (1.0 if before else 3.0) if topic == CONCERN else 1.0
            rows.append({"conversation_id": f"{r['conversation_id']}-{copy}", "user_id": f"{r['user_id']}-{copy}",
                         "timestamp": _window_time(before, len(rows)), "language": r["labels"]["language"],
                         "concern": score if concern else np.nan, "topic": topic,
                         "category": r["labels"]["category"]})
    facets = pd.DataFrame(rows)
    topic_id = {t: i for i, t in enumerate(topics)}
    category_id = {c: len(topics) + i for i, c in enumerate(categories)}
    parent_of = {t: category_id[next(r["labels"]["category"] for r in records if r["labels"]["topic"] == t)]
                 for t in topics}
    clusters = pd.DataFrame(
        [{"cluster_id": topic_id[t], "level": 0, "parent_id": parent_of[t], "name": t,
          "description": f"Requests about {t.lower()}.", "keywords": t.lower().split()} for t in topics]
        + [{"cluster_id": category_id[c], "level": 1, "parent_id": None, "name": c,
            "description": f"Conversations about {c.lower()}.", "keywords": c.lower().split()} for c in categories])
    clusters["parent_id"] = clusters["parent_id"].astype("Int64")
    ancestors = np.stack([facets["topic"].map(topic_id), facets["category"].map(category_id)], axis=1)
    config = PipelineConfig(**THRESHOLDS)
    gated, assignments, summary = apply_privacy_gate(
        clusters, ancestors.astype(np.int64), facets.drop(columns=["topic", "category"]), config.privacy,
        lambda texts: [_Audit(2 if name == HIDDEN else 5) for name, _ in texts])
    path.mkdir(parents=True, exist_ok=True)
    gated.to_parquet(path / "clusters.parquet", index=False)
    assignments.to_parquet(path / "assignments.parquet", index=False)
    (path / "privacy.json").write_text(json.dumps(summary), encoding="utf-8")
    manifest = {"config": config.to_dict(), "backend": {"name": "offline", "uses_llm": False},
                "stages": {"privacy": {"status": "done"}}}
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> clio_kit.PrivacyView:
    return clio_kit.open_run(planted_run(tmp_path_factory.mktemp("planted") / "run")).view()


@pytest.fixture(scope="module")
def comparison(view: clio_kit.PrivacyView) -> WindowComparison:
    return view.compare_windows(split="2025-03-31")


@pytest.fixture(scope="module")
def raw(view: clio_kit.PrivacyView) -> pd.DataFrame:
    """The test's own ground truth (a test may read the raw assignments; outputs may not)."""
    table = pd.read_parquet(view.path / "assignments.parquet")
    table["after"] = pd.to_datetime(table["timestamp"], utc=True) >= SPLIT
    return table


def _row(comparison: WindowComparison, name: str) -> pd.Series:
    rows = comparison.table[comparison.table["name"] == name]
    assert len(rows) == 1, name
    return rows.iloc[0]


def test_finds_the_new_cluster_with_its_exact_after_count(comparison: WindowComparison, raw: pd.DataFrame) -> None:
    new = comparison.new_clusters()
    assert NEW in set(new["name"])
    row = _row(comparison, NEW)
    truth = raw[raw["cluster_id"] == row["cluster_id"]]
    assert not (~truth["after"]).any()  # planted: nothing before the split
    assert row["before_cell"] == BELOW_THRESHOLD and np.isnan(row["before_n"])
    assert row["after_cell"] == "shown" and row["after_n"] == len(truth) == 93  # nothing to hide: before is empty
    frame = window_table(comparison, "new")
    line = frame[frame["cluster"] == NEW].iloc[0]
    assert list(line)[2:4] == [BELOW_THRESHOLD, "93"]


def test_finds_the_doubling_cluster(comparison: WindowComparison, raw: pd.DataFrame) -> None:
    growing = comparison.growing()
    assert growing.iloc[0]["name"] == DOUBLES  # the fastest-growing cluster shown in both windows
    row = growing.iloc[0]
    truth = raw[raw["cluster_id"] == row["cluster_id"]]
    n_before, n_after = int((~truth["after"]).sum()), int(truth["after"].sum())
    assert (row["before_n"], row["after_n"]) == (n_before, n_after) == (24, 72)
    totals = (~raw["after"]).sum(), raw["after"].sum()
    assert (comparison.n_before, comparison.n_after) == totals
    expected = (n_after / totals[1]) / (n_before / totals[0])
    assert row["ratio"] == pytest.approx(expected) and 1.8 < row["ratio"] < 2.3
    assert row["ratio_low"] < row["ratio"] < row["ratio_high"]
    assert row["share_change_low"] < row["share_change"] < row["share_change_high"] and row["share_change_low"] > 0
    assert row["q_value"] < 0.05 and row["q_value"] >= row["p_value"]
    assert DOUBLES in set(comparison.growing(significant=True)["name"])
    # q-values are BH over the clusters shown in both windows, and only those
    tested = comparison.table["p_value"].notna()
    assert tested.sum() >= 5 and comparison.table.loc[~tested, "q_value"].isna().all()
    assert NEW not in set(growing["name"])  # no before number: listed as new, not as a ratio
    # the planted-flat topics lose share to the new ones (the after window holds more conversations)
    flat = comparison.shrinking()
    assert {"Math homework", "SQL queries"} <= set(flat["name"]) and (flat["ratio"] < 0.75).all()


def test_window_remainder_below_thresholds_suppresses_another_cell(tmp_path: Path) -> None:
    """With a small hidden cluster (6 conversations), its parent's conversations outside the visible children would
    be a small group readable from cluster sizes: its only visible sibling is hidden too. The before
    window's conversations outside shown cells (Poetry's 4 and the hidden clusters') then pass the thresholds, so
    no further cell of that window needs suppressing, and no window's rest is a nonzero group below them."""
    view = clio_kit.open_run(planted_run(tmp_path / "run", small_hidden=True)).view()
    # the small cluster's only visible sibling is hidden too (the gate collapses a single visible child into its
    # parent), so the parent's rest is not the small cluster's 6 conversations
    assert "Fitness training" not in set(view.clusters(0)["name"])
    assert "Health and family" in set(view.clusters(1)["name"])
    raw = pd.read_parquet(view.path / "assignments.parquet")
    stamps = pd.to_datetime(raw["timestamp"], utc=True)
    comparison = view.compare_windows(split=SPLIT)
    table = comparison.table
    for window, total in (("before", comparison.n_before), ("after", comparison.n_after)):
        rest = total - table[f"{window}_n"].sum()
        assert rest == 0 or rest >= 10, (window, rest)
    _assert_gated(comparison, view, raw, lambda f: stamps >= SPLIT, lambda f: stamps < SPLIT)


def test_small_window_cell_is_suppressed_and_cannot_be_subtracted(comparison: WindowComparison,
                                                                   view: clio_kit.PrivacyView,
                                                                   raw: pd.DataFrame) -> None:
    row = _row(comparison, SMALL_BEFORE)
    truth = raw[raw["cluster_id"] == row["cluster_id"]]
    assert int((~truth["after"]).sum()) == 4  # planted: 4 conversations before the split
    assert row["before_cell"] == BELOW_THRESHOLD and np.isnan(row["before_n"]) and np.isnan(row["before_share"])
    # the cluster's all-time size is public, so its after count would give the 4 away: suppressed too
    public = int(view.clusters(0).set_index("name").loc[SMALL_BEFORE, "n_conversations"])
    assert public == len(truth)
    assert row["after_cell"] == SUPPRESSED and np.isnan(row["after_n"]) and np.isnan(row["after_share"])
    assert row["status"] == "new" and np.isnan(row["p_value"]) and np.isnan(row["concern_after"])
    shown = window_table(comparison, "new")
    line = shown[shown["cluster"] == SMALL_BEFORE].iloc[0]
    assert list(line)[2:5] == [BELOW_THRESHOLD, SUPPRESSED, SUPPRESSED]
    page = window_html(comparison)
    assert f"<td>{len(truth) - 4}</td>" not in page and f"<td>{len(truth) - 4:,}</td>" not in page


def test_every_shown_number_passes_the_thresholds_per_window(comparison: WindowComparison, view: clio_kit.PrivacyView,
                                                             raw: pd.DataFrame) -> None:
    _assert_gated(comparison, view, raw, lambda frame: frame["after"], lambda frame: ~frame["after"])


def _assert_gated(comparison: WindowComparison, view: clio_kit.PrivacyView, raw: pd.DataFrame,
                  in_after: Any, in_before: Any) -> None:
    """Shown cells pass the thresholds; no cluster and no window has a small nonzero remainder outside them."""
    p = view.privacy
    column = "cluster_id" if comparison.level == 0 else f"cluster_id_l{comparison.level}"
    masks = {"after": in_after(raw).to_numpy(), "before": in_before(raw).to_numpy()}
    covered = np.zeros(len(raw), dtype=bool)
    visible = set(view.clusters(comparison.level)["cluster_id"])
    assert set(comparison.table["cluster_id"]) == visible  # visible clusters only
    for row in comparison.table.itertuples():
        in_cluster = (raw[column] == row.cluster_id).to_numpy()
        for window in ("before", "after"):
            cell = raw[in_cluster & masks[window]]
            if getattr(row, f"{window}_cell") == "shown":
                assert getattr(row, f"{window}_n") == len(cell)
                assert len(cell) >= p.min_conversations and cell["user_id"].nunique() >= p.min_users
                covered |= in_cluster & masks[window]
            else:
                assert np.isnan(getattr(row, f"{window}_n")) and np.isnan(getattr(row, f"{window}_share"))
        rest = raw[in_cluster & ~covered]
        assert len(rest) == 0 or (len(rest) >= p.min_conversations and rest["user_id"].nunique() >= p.min_users)
    for window in ("before", "after"):
        rest = raw[masks[window] & ~covered]
        assert len(rest) == 0 or (len(rest) >= p.min_conversations and rest["user_id"].nunique() >= p.min_users)


def test_hidden_clusters_never_appear(comparison: WindowComparison, view: clio_kit.PrivacyView) -> None:
    assert HIDDEN not in set(view.clusters()["name"])
    page = window_html(comparison) + "".join(window_table(comparison, k).to_csv() for k in
                                              ("new", "gone", "growing", "shrinking", "concern"))
    assert HIDDEN not in page and html.escape(HIDDEN) not in page
    assert NEW in page and DOUBLES in page


def test_mean_concern_change(comparison: WindowComparison) -> None:
    assert comparison.has_concern
    row = _row(comparison, CONCERN)
    assert (row["concern_before"], row["concern_after"], row["concern_change"]) == (1.0, 3.0, 2.0)
    assert comparison.concern_changes().iloc[0]["name"] == CONCERN
    flat = _row(comparison, "Cooking")
    assert flat["concern_change"] == 0.0
    assert np.isnan(_row(comparison, SMALL_BEFORE)["concern_before"])  # its before cell is below the thresholds
    assert "Change in mean concern" in window_html(comparison)


def test_offline_run_without_concern_scores(tmp_path: Path) -> None:
    view = clio_kit.open_run(planted_run(tmp_path / "run", concern=False, copies=2)).view()
    comparison = view.compare_windows(split=SPLIT)
    assert not comparison.has_concern and comparison.table["concern_change"].isna().all()
    assert any("concern" in note for note in comparison.notes)
    assert window_table(comparison, "concern").empty and "Change in mean concern" not in window_html(comparison)
    assert NEW in set(comparison.new_clusters()["name"])


def test_two_explicit_windows_and_higher_level(view: clio_kit.PrivacyView, raw: pd.DataFrame) -> None:
    before = (SPLIT - pd.Timedelta(days=28), SPLIT - pd.Timedelta(days=14))
    after = ("2025-04-14", "2025-04-28")
    comparison = view.compare_windows(before=before, after=after, level=1)
    stamps = pd.to_datetime(raw["timestamp"], utc=True)
    start, end = pd.Timestamp("2025-04-14", tz="UTC"), pd.Timestamp("2025-04-28", tz="UTC")
    in_before = lambda f: (stamps >= before[0]) & (stamps < before[1])  # noqa: E731
    in_after = lambda f: (stamps >= start) & (stamps < end)  # noqa: E731
    assert comparison.n_before == in_before(raw).sum() and comparison.n_after == in_after(raw).sum()
    assert comparison.level == 1 and set(comparison.table["name"]) == set(view.clusters(1)["name"])
    _assert_gated(comparison, view, raw, in_after, in_before)
    assert "2025-04-14 to 2025-04-28 (exclusive)" in window_summary_html(comparison)


def test_figure_and_html(comparison: WindowComparison) -> None:
    fig = window_figure(comparison, 5)
    names = [str(y) for y in fig.data[0].y]
    assert DOUBLES in names and NEW not in names  # new clusters have no change to draw (no before number)
    change = dict(zip(names, fig.data[0].x))
    assert change[DOUBLES] == pytest.approx(100 * _row(comparison, DOUBLES)["share_change"])
    page = window_html(comparison)
    for title in ("New clusters", "Fastest growing", "Fastest shrinking"):
        assert title in page
    assert re.search(r"\d+ new, \d+ gone", page)


def test_bad_arguments_give_one_line_errors(view: clio_kit.PrivacyView, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="either split"):
        view.compare_windows(("2025-03-01", "2025-03-10"), ("2025-04-01", None), split="2025-03-31")
    with pytest.raises(ConfigError, match="needs split"):
        view.compare_windows(before=("2025-03-01", "2025-03-10"))
    with pytest.raises(ConfigError, match="overlap"):
        view.compare_windows(before=("2025-03-01", "2025-04-10"), after=("2025-04-01", None))
    with pytest.raises(ConfigError, match="start must come first"):
        view.compare_windows(before=("2025-03-10", "2025-03-01"), after=("2025-04-01", None))
    with pytest.raises(ConfigError, match="not a date"):
        view.compare_windows(split="next tuesday")
    with pytest.raises(ValueError, match="level 5 does not exist"):
        view.compare_windows(split="2025-03-31", level=5)
    from widgets.demo import make_demo_run

    no_time = clio_kit.open_run(make_demo_run(tmp_path / "nt", n_conversations=600, timestamps=False)).view()
    with pytest.raises(InputError, match="no timestamps"):
        no_time.compare_windows(split="2025-03-31")


def test_demo_run_is_gated_everywhere(tmp_path: Path) -> None:
    """A larger synthetic run with growing clusters, hidden clusters and many small cells."""
    from widgets.demo import make_demo_run

    view = clio_kit.open_run(make_demo_run(tmp_path / "demo", n_conversations=3000, seed=4)).view()
    raw = pd.read_parquet(view.path / "assignments.parquet")
    stamps = pd.to_datetime(raw["timestamp"], utc=True)
    split = pd.Timestamp("2025-02-24", tz="UTC")
    for level in view.levels:
        comparison = view.compare_windows(split=split, level=level)
        _assert_gated(comparison, view, raw, lambda f: stamps >= split, lambda f: stamps < split)
        assert (comparison.table["before_cell"] != "shown").any() or level > 0  # small cells exist at the base
