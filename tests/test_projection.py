"""The 2-D cluster map: projection (PCA fallback, t-SNE by default, one UMAP run), parents' coordinates, and the pipeline and
view plumbing (x/y for every cluster; the view shows visible clusters only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import clio_kit
from clio_kit.projection import MAP_MIN_CLUSTERS, fallback_projection, hierarchy_coordinates, project_clusters

from .conftest import HashingEmbedder


def _centroids(k: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(k, dim)).astype(np.float32)


def test_fallback_is_deterministic_and_shaped() -> None:
    centroids = _centroids(6)
    first = project_clusters(centroids, [3] * 6, random_state=0)
    assert first.shape == (6, 2) and np.isfinite(first).all()
    assert np.array_equal(first, project_clusters(centroids, [3] * 6, random_state=0))
    assert np.allclose(first, fallback_projection(centroids))  # k < 10 uses PCA
    assert project_clusters(centroids[:1], [1]).shape == (1, 2)
    assert project_clusters(centroids[:2], [1, 1]).shape == (2, 2)
    with pytest.raises(ValueError):
        project_clusters(centroids, [1, 2])


@pytest.mark.parametrize("method, layout", [("tsne", "_tsne_projection"), ("umap", "_umap_projection")])
def test_layout_failure_falls_back(monkeypatch: pytest.MonkeyPatch, method: str, layout: str) -> None:
    import clio_kit.projection as projection

    def broken(*args: object, **kwargs: object) -> np.ndarray:
        raise RuntimeError("numba exploded")

    monkeypatch.setattr(projection, layout, broken)
    centroids = _centroids(MAP_MIN_CLUSTERS + 2)
    assert np.allclose(project_clusters(centroids, [1] * len(centroids), method=method),
                       fallback_projection(centroids))


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_layout_on_thirty_centroids(method: str) -> None:
    """t-SNE (the default) and the one UMAP run (numba compiles on first use): deterministic, finite, not the PCA
    fallback, and three groups of centroids stay apart."""
    centers = _centroids(3, seed=1) * 5
    centroids = np.concatenate([centers[i] + 0.1 * _centroids(10, seed=10 + i) for i in range(3)])
    first = project_clusters(centroids, [4] * 30, random_state=0, method=method)
    assert first.shape == (30, 2) and np.isfinite(first).all()
    assert not np.allclose(first, fallback_projection(centroids))
    assert np.allclose(first, project_clusters(centroids, [4] * 30, random_state=0, method=method))
    # each point's nearest neighbour is in its own group
    distances = np.linalg.norm(first[:, None] - first[None], axis=-1) + np.eye(30) * 1e9
    assert (distances.argmin(axis=1) // 10 == np.arange(30) // 10).mean() > 0.9


def test_parents_sit_at_weighted_mean_of_children() -> None:
    table = pd.DataFrame({"cluster_id": [0, 1, 2, 3, 4], "level": [0, 0, 0, 1, 1],
                          "parent_id": pd.array([3, 3, 4, None, None], dtype="Int64")})
    xy = hierarchy_coordinates(table, np.array([[0.0, 0.0], [3.0, 6.0], [5.0, 5.0]]), [1, 2, 7])
    assert xy.loc[3].tolist() == pytest.approx([2.0, 4.0])
    assert xy.loc[4].tolist() == pytest.approx([5.0, 5.0])


@pytest.fixture(scope="module")
def mapped_run(tmp_path_factory: pytest.TempPathFactory, labelled_path: Path) -> clio_kit.Run:
    out = tmp_path_factory.mktemp("mapped") / "run"
    config = clio_kit.PipelineConfig(min_users=5, min_conversations=10, min_phrase_users=5)
    return clio_kit.Pipeline(embedder=HashingEmbedder(), config=config, progress=False).run(
        clio_kit.load(labelled_path, progress=False).conversations, out)


def test_pipeline_writes_coordinates_for_every_cluster(mapped_run: clio_kit.Run) -> None:
    clusters = pd.read_parquet(mapped_run.path / "clusters.parquet")
    assert {"x", "y"} <= set(clusters.columns)
    assert clusters[["x", "y"]].notna().all().all()
    assert clusters["level"].nunique() >= 2


def test_view_map_shows_visible_clusters_only(mapped_run: clio_kit.Run) -> None:
    clusters = pd.read_parquet(mapped_run.path / "clusters.parquet")
    view = mapped_run.view()
    shown = view.cluster_map()
    assert list(shown.columns) == ["cluster_id", "level", "parent_id", "name", "n_conversations", "n_users",
                                   "share", "x", "y"]
    hidden = set(clusters.loc[~clusters["visible"], "cluster_id"])
    assert hidden and not hidden & set(shown["cluster_id"])
    assert set(shown["cluster_id"]) == set(view.clusters()["cluster_id"])
    assert (shown["n_users"] >= 5).all() and (shown["n_conversations"] >= 10).all()
    assert set(view.cluster_map(0)["level"]) == {0}


def test_view_map_is_empty_for_old_runs(mapped_run: clio_kit.Run, tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(mapped_run.path, old)
    clusters = pd.read_parquet(old / "clusters.parquet").drop(columns=["x", "y"])
    clusters.to_parquet(old / "clusters.parquet", index=False)
    frame = clio_kit.open_run(old).view().cluster_map()
    assert frame.empty and {"x", "y", "cluster_id", "name"} <= set(frame.columns)
