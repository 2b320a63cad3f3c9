"""Offline hierarchy: Clio's level-size rule, weighted k-means of centroids, parents named from children."""

from __future__ import annotations

import numpy as np
import pytest

from clio_kit.hierarchy import CentroidHierarchy, default_n_top, level_sizes, name_parents
from clio_kit.naming import GENERIC_NAME, ClusterLabel


@pytest.mark.parametrize(("args", "expected"), [
    ((1000, 10, 3), [1000, 100, 10]),
    ((1000, 10, 2), [1000, 10]),
    ((10000, 10, 4), [10000, 1000, 100, 10]),
    ((200, 8, 3), [200, 40, 8]),
    ((100, 10, 1), [100]),
    ((3, 2, 3), [3, 2]),  # collapses: rounding would repeat 2
    ((5, 5, 3), [5]),
])
def test_level_sizes_follow_the_ratio_rule(args: tuple[int, int, int], expected: list[int]) -> None:
    assert level_sizes(*args) == expected


def test_level_sizes_ratio_is_constant() -> None:
    sizes = level_sizes(4096, 16, 5)
    ratios = [b / a for a, b in zip(sizes, sizes[1:])]
    assert np.allclose(ratios, 0.25)


def test_level_sizes_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        level_sizes(10, 20, 3)
    with pytest.raises(ValueError):
        level_sizes(0, 1, 3)


def test_default_n_top() -> None:
    assert default_n_top(100) == 10
    assert default_n_top(10_000) == 30
    assert default_n_top(3) == 2
    assert default_n_top(1) == 1
    assert all(2 <= default_n_top(n) < n for n in range(3, 2000, 37))


def _groups(n_groups: int = 4, per_group: int = 25, dim: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_groups, dim)) * 5
    points = np.vstack([c + rng.normal(scale=0.3, size=(per_group, dim)) for c in centres])
    truth = np.repeat(np.arange(n_groups), per_group)
    return points, truth


def test_every_node_has_exactly_one_parent_and_no_parent_is_empty() -> None:
    points, _ = _groups(n_groups=5, per_group=40)
    sizes = np.random.default_rng(1).integers(1, 50, size=len(points))
    tree = CentroidHierarchy(n_levels=3, n_top=5).fit(points, sizes)
    assert tree.level_sizes_ == [200, 32, 5]
    for level, parent_of in enumerate(tree.parents_):
        assert parent_of.shape == (tree.level_sizes_[level],)  # one parent per node
        assert parent_of.min() == 0 and parent_of.max() == tree.level_sizes_[level + 1] - 1
        assert set(parent_of.tolist()) == set(range(tree.level_sizes_[level + 1]))  # no empty parent
    for level in range(1, 3):
        assert tree.sizes_[level].sum() == sizes.sum()
        assert len(tree.centroids_[level]) == len(tree.sizes_[level])


def test_well_separated_groups_are_recovered_at_the_top() -> None:
    points, truth = _groups(n_groups=4, per_group=30)
    tree = CentroidHierarchy(n_levels=3, n_top=4).fit(points, np.full(len(points), 10))
    top = tree.ancestors(2)
    assert len(set(top.tolist())) == 4
    for group in range(4):  # each true group maps to one top node, and different groups to different nodes
        assert len(set(top[truth == group].tolist())) == 1
    assert len({int(top[truth == g][0]) for g in range(4)}) == 4


def test_sizes_weight_the_grouping() -> None:
    # one huge cluster between two small ones pulls the top-level centre to itself
    points = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    tree = CentroidHierarchy(n_levels=2, n_top=2).fit(points, [1000, 1, 1, 1000])
    parent_of = tree.parents_[0]
    assert parent_of[0] == parent_of[1] and parent_of[2] == parent_of[3] and parent_of[0] != parent_of[2]
    heavy = tree.centroids_[1][parent_of[0]]
    assert heavy[0] > 0.95  # weighted towards [1, 0]


def test_too_few_base_clusters_collapse_gracefully() -> None:
    tree = CentroidHierarchy(n_levels=3).fit(np.eye(3), [4, 5, 6])
    assert tree.level_sizes_ == [3, 2]
    assert len(tree.parents_) == 1
    single = CentroidHierarchy(n_levels=3).fit(np.ones((1, 4)), [7])
    assert single.level_sizes_ == [1] and single.parents_ == []
    assert single.ancestors(0).tolist() == [0]


def test_duplicate_centroids_and_zero_sizes_are_handled() -> None:
    points = np.vstack([np.tile([1.0, 0.0], (6, 1)), np.tile([0.0, 1.0], (6, 1))])
    sizes = [0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0]
    tree = CentroidHierarchy(n_levels=3, n_top=2).fit(points, sizes)
    assert tree.level_sizes_[-1] == 2
    for parent_of, n_parents in zip(tree.parents_, tree.level_sizes_[1:]):
        assert set(parent_of.tolist()) == set(range(n_parents))


def test_fit_is_deterministic_and_validates() -> None:
    points, _ = _groups()
    a = CentroidHierarchy(n_top=4, random_state=3).fit(points, np.ones(len(points)))
    b = CentroidHierarchy(n_top=4, random_state=3).fit(points, np.ones(len(points)))
    assert all(np.array_equal(x, y) for x, y in zip(a.parents_, b.parents_))
    with pytest.raises(ValueError):
        CentroidHierarchy().fit(points, [1, 2])
    with pytest.raises(ValueError):
        CentroidHierarchy().fit(points, -np.ones(len(points)))


def test_parent_names_come_from_children_keywords() -> None:
    children = {
        0: ClusterLabel("Python, error", "", ("python", "error", "traceback")),
        1: ClusterLabel("Python, pandas", "", ("python", "pandas", "dataframe")),
        2: ClusterLabel("Cake, recipe", "", ("cake", "recipe")),
        3: ClusterLabel("Recipe, dinner", "", ("recipe", "dinner")),
        4: ClusterLabel(GENERIC_NAME, "", ()),
    }
    sizes = {0: 30, 1: 10, 2: 5, 3: 20, 4: 8}
    parents = name_parents(children, sizes, {0: 0, 1: 0, 2: 1, 3: 1, 4: 2})
    assert parents[0].name.startswith("Python")
    assert parents[1].keywords[0] == "recipe"
    child_words = {k for label in children.values() for k in label.keywords}
    for label in parents.values():
        assert set(label.keywords) <= child_words  # nothing new: the k rule still holds
        assert len(label.name.split()) <= 10
    assert "2 sub-clusters" in parents[0].description
    assert parents[2].name == GENERIC_NAME and parents[2].keywords == ()


def test_parent_keywords_are_weighted_by_child_size() -> None:
    children = {0: ClusterLabel("A", "", ("alpha",)), 1: ClusterLabel("B", "", ("beta",))}
    assert name_parents(children, {0: 1, 1: 100}, {0: 0, 1: 0})[0].keywords[0] == "beta"
    assert name_parents(children, {0: 100, 1: 1}, {0: 0, 1: 0})[0].keywords[0] == "alpha"


def test_hierarchy_and_naming_together() -> None:
    points, truth = _groups(n_groups=3, per_group=12)
    words = ["python", "recipe", "travel"]
    labels = {i: ClusterLabel(words[g].title(), "", (words[g], f"{words[g]} tips")) for i, g in enumerate(truth)}
    tree = CentroidHierarchy(n_levels=2, n_top=3).fit(points, np.full(len(points), 5))
    named = name_parents(labels, {i: 5 for i in labels}, dict(enumerate(tree.parents_[0].tolist())))
    assert sorted(label.keywords[0].split()[0] for label in named.values()) == sorted(words)


# -- the top level's size, chosen from the data (issue 14, item 4) ----------------------------------------------

def _sphere_groups(n_groups: int, per_group: int, dim: int = 48, spread: float = 0.15,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base centroids around ``n_groups`` random unit directions, with unequal sizes; returns points, sizes, group."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_groups, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    group = np.repeat(np.arange(n_groups), per_group)
    points = centres[group] + rng.normal(scale=spread / np.sqrt(dim), size=(len(group), dim))
    sizes = rng.integers(5, 200, size=len(group))
    return points, sizes, group


@pytest.mark.parametrize("n_groups", [5, 6, 9, 12])
def test_top_level_size_recovers_well_separated_groups(n_groups: int) -> None:
    points, sizes, group = _sphere_groups(n_groups, per_group=5, seed=n_groups)
    for n_levels in (2, 3):
        tree = CentroidHierarchy(n_levels=n_levels).fit(points, sizes)
        assert tree.level_sizes_[-1] == n_groups
        top = tree.ancestors(len(tree.parents_))
        assert all(len(set(top[group == g])) == 1 for g in range(n_groups))  # each group is one top cluster
        assert tree.top_scores_ and max(tree.top_scores_, key=tree.top_scores_.get) == n_groups


def test_chosen_top_size_stays_within_sqrt_n_base_to_15() -> None:
    # 2 groups (fewer than a reader's 4), 30 groups (more than 15) and structureless noise; 40 and 60 base clusters
    from clio_kit.hierarchy import top_level_range

    cases = [_sphere_groups(2, per_group=20)[:2], _sphere_groups(30, per_group=2, seed=1)[:2],
             (np.random.default_rng(2).normal(size=(60, 16)), np.ones(60))]
    for (points, sizes), low in zip(cases, (6, 8, 8)):
        tree = CentroidHierarchy(n_levels=3).fit(points, sizes)
        assert top_level_range(len(points)) == (low, 15)
        assert low <= tree.level_sizes_[-1] <= 15
        assert set(tree.top_scores_) == set(range(low, 16))


def test_the_top_level_of_many_base_clusters_is_not_merged_below_sqrt_n_base() -> None:
    """48 base clusters in 3 well-separated groups: the silhouette peaks at 3 (and the old 4-15 rule took 4), but so
    few top clusters for a few thousand conversations merge what a reader needs apart: at least
    round(sqrt(48)) = 7 groups, each inside one of the 3 (split, never merged)."""
    points, sizes, group = _sphere_groups(3, per_group=16, seed=3)
    tree = CentroidHierarchy(n_levels=2).fit(points, sizes)
    assert 7 <= tree.level_sizes_[-1] <= 15 and min(tree.top_scores_) == 7
    top = tree.ancestors(1)
    assert all(len(set(group[top == t])) == 1 for t in set(top.tolist()))


def test_few_base_clusters_shrink_the_range_and_a_given_n_top_wins() -> None:
    from clio_kit.hierarchy import choose_n_top

    assert choose_n_top(np.eye(5), [1] * 5) == 4  # at most n - 1 groups: the top level still groups
    assert choose_n_top(np.eye(3), [1] * 3) == 2
    assert choose_n_top(np.eye(2), [1, 1]) == 2 and choose_n_top(np.eye(1), [1]) == 1
    points, sizes, _ = _sphere_groups(6, per_group=5)
    tree = CentroidHierarchy(n_levels=2, n_top=9).fit(points, sizes)
    assert tree.level_sizes_ == [30, 9] and tree.top_scores_ == {}


@pytest.mark.parametrize("seed", [0, 1])
def test_near_tied_silhouettes_pick_the_finer_top_level(seed: int) -> None:
    # 4 broad themes of 2 close sub-themes each: silhouettes for 4..8 groups lie within 0.02 (the best is 4 or 6);
    # the finer 8 is chosen (splitting a category costs a reader less than merging two), sub-themes kept whole
    rng = np.random.default_rng(seed)
    dim = 32
    fine = np.repeat(np.eye(dim)[:4], 2, axis=0) + 0.3 * rng.normal(size=(8, dim)) / np.sqrt(dim)
    sub_theme = np.repeat(np.arange(8), 5)
    points = fine[sub_theme] + 0.08 * rng.normal(size=(40, dim)) / np.sqrt(dim)
    tree = CentroidHierarchy(n_levels=2).fit(points, np.full(40, 10))
    scores = tree.top_scores_
    assert max(scores, key=scores.get) < 8 and max(scores.values()) - scores[8] < 0.05
    assert tree.level_sizes_ == [40, 8]
    top = tree.ancestors(1)
    assert all(len(set(top[sub_theme == s])) == 1 for s in range(8))
