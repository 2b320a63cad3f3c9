"""Bring your own embeddings: ``Pipeline.run(..., embeddings=...)`` and ``clio-kit run --embeddings``.

Vectors supplied in another order (with extra rows) give the same clusters as the pipeline's own embeddings; the
model's name reaches the manifest, the embed stage's key and the report; bad files are one-line errors naming the
conversation, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import clio_kit
from clio_kit.errors import ConfigError, InputError
from clio_kit.supplied import SuppliedEmbeddings

from .conftest import HashingEmbedder
from .test_cli import clio

CONFIG = clio_kit.PipelineConfig(min_users=5, min_conversations=10, min_phrase_users=5)


@pytest.fixture(scope="module")
def own_run(tmp_path_factory: pytest.TempPathFactory, labelled_path: Path) -> clio_kit.Run:
    """A run that embeds with the hashing embedder: its vectors become the 'supplied' ones below."""
    out = tmp_path_factory.mktemp("own") / "run"
    return clio_kit.Pipeline(embedder=HashingEmbedder(), config=CONFIG, progress=False).run(labelled_path, out)


@pytest.fixture(scope="module")
def vectors(own_run: clio_kit.Run) -> tuple[list[str], np.ndarray]:
    ids = pd.read_parquet(own_run.path / "facets.parquet", columns=["conversation_id"])["conversation_id"]
    return ids.astype(str).tolist(), np.load(own_run.path / "embeddings.npy")


def _shuffled_parquet(path: Path, ids: list[str], X: np.ndarray) -> Path:
    """The vectors in another order, scaled (normalised again on the way in), plus two rows for unknown ids."""
    order = np.random.default_rng(0).permutation(len(ids))
    rows = [list(map(float, 3.0 * X[i])) for i in order] + [[1.0] * X.shape[1]] * 2
    pd.DataFrame({"conversation_id": [ids[i] for i in order] + ["not-in-input-1", "not-in-input-2"],
                  "embedding": rows}).to_parquet(path, index=False)
    return path


def test_supplied_vectors_give_the_same_clusters(own_run: clio_kit.Run, vectors: tuple[list[str], np.ndarray],
                                                 labelled_path: Path, tmp_path: Path) -> None:
    ids, X = vectors
    source = _shuffled_parquet(tmp_path / "vectors.parquet", ids, X)
    # the same embedder given: it embeds facet choices and taxonomy topics in the supplied vectors' space
    run = clio_kit.Pipeline(embedder=HashingEmbedder(), config=CONFIG, progress=False).run(
        labelled_path, tmp_path / "run", embeddings=source, embedder_name="my-cluster/e5-large")
    assert np.allclose(np.load(run.path / "embeddings.npy"), X, atol=1e-6)
    assert np.array_equal(np.load(run.path / "base_labels.npy"), np.load(own_run.path / "base_labels.npy"))
    mine, theirs = (pd.read_parquet(r.path / "clusters.parquet") for r in (run, own_run))
    assert mine["name"].tolist() == theirs["name"].tolist()
    assert mine["visible"].tolist() == theirs["visible"].tolist()
    embedder = run.manifest["components"]["embedder"]
    assert embedder["name"] == "my-cluster/e5-large" and embedder["file"] == "vectors.parquet"
    assert embedder["n_vectors"] == len(ids) + 2 and embedder["dim"] == X.shape[1]
    assert run.manifest["stages"]["embed"]["counts"]["supplied"] == "my-cluster/e5-large"
    from clio_kit.report import run_metadata

    facts = run_metadata(run.manifest)["run"]
    assert "my-cluster/e5-large" in facts.astype(str).to_string()

    # the key follows the file's content: other vectors recompute embed and everything after it
    changed = clio_kit.Pipeline(embedder=HashingEmbedder(), config=CONFIG, progress=False)
    events: list[str] = []
    changed.on_stage = lambda e: events.append(f"{e.stage}:{e.status}")
    Y = X.copy()
    Y[:, [0, 1]] = Y[:, [1, 0]]
    changed.run(labelled_path, tmp_path / "run", embeddings=_shuffled_parquet(tmp_path / "vectors.parquet", ids, Y),
                embedder_name="my-cluster/e5-large")
    assert "facets:reused" in events and "embed:done" in events and "cluster:done" in events


def test_unknown_model_skips_what_needs_its_space(vectors: tuple[list[str], np.ndarray], labelled_path: Path,
                                                  tmp_path: Path) -> None:
    """No embedder of the supplied model: clustering and k-anonymous names work; approximate facets (concern) and
    taxonomy topics, which embed texts of their own, are skipped and the stage counts say so."""
    ids, X = vectors
    np.save(tmp_path / "v.npy", X[::-1])
    (tmp_path / "v.ids.txt").write_text("\n".join(reversed(ids)) + "\n")
    run = clio_kit.Pipeline(config=CONFIG, progress=False).run(labelled_path, tmp_path / "run",
                                                               embeddings=tmp_path / "v.npy", embedder_name="theirs")
    assert run.manifest["components"]["embedder"]["text_embedder"] is None
    assert "skipped" in run.manifest["stages"]["classify"]["counts"]
    assert "concern" not in pd.read_parquet(run.path / "classified.parquet").columns
    clusters = pd.read_parquet(run.path / "clusters.parquet")
    assert clusters["visible"].any() and (clusters["topic"].fillna("") == "").all()


def test_npy_without_ids_follows_input_order(vectors: tuple[list[str], np.ndarray], labelled_path: Path,
                                             tmp_path: Path) -> None:
    ids, X = vectors
    np.save(tmp_path / "v.npy", X)  # the labelled file has no duplicates or rejects: facets order = input order
    run = clio_kit.Pipeline(config=CONFIG, progress=False).run(labelled_path, tmp_path / "run",
                                                               embeddings=tmp_path / "v.npy")
    assert np.allclose(np.load(run.path / "embeddings.npy"), X, atol=1e-6)
    assert run.manifest["components"]["embedder"]["aligned_by"] == "input order"
    with pytest.raises(InputError, match=r"^embeddings: 385 rows but 386 conversations ingested"):
        clio_kit.Pipeline(config=CONFIG, progress=False).run(labelled_path, tmp_path / "run2", embeddings=X[:-1])


def test_dimension_must_match_the_given_embedder(vectors: tuple[list[str], np.ndarray], labelled_path: Path,
                                                 tmp_path: Path) -> None:
    ids, X = vectors
    with pytest.raises(ConfigError, match="have 255 dimensions but the embedder test-hashing-256 makes 256"):
        clio_kit.Pipeline(embedder=HashingEmbedder(), config=CONFIG, progress=False).run(
            labelled_path, tmp_path / "run", embeddings=SuppliedEmbeddings(X[:, :255], ids=ids))


def _cli_error(*args: str) -> str:
    done = clio("-q", "run", *args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("clio-kit: error:")]
    assert len(errors) == 1 and lines[-1] == errors[0]
    return errors[0]


def test_cli_good_file_and_each_bad_file_is_one_line(vectors: tuple[list[str], np.ndarray], labelled_path: Path,
                                                     tmp_path: Path) -> None:
    ids, X = vectors
    data = str(labelled_path)
    np.save(tmp_path / "good.npy", X)
    (tmp_path / "good.ids.txt").write_text("\n".join(ids) + "\n")
    done = clio("-q", "run", data, "--out", str(tmp_path / "run"), "--embeddings", str(tmp_path / "good.npy"),
                "--embedder-name", "team-e5-large")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["components"]["embedder"]["name"] == "team-e5-large"
    assert manifest["components"]["embedder"]["ids_sha256"]

    ragged = [list(map(float, x)) for x in X]
    ragged[7] = ragged[7][:-1]
    pd.DataFrame({"conversation_id": ids, "vector": ragged}).to_parquet(tmp_path / "ragged.parquet")
    error = _cli_error(data, "--out", str(tmp_path / "r1"), "--embeddings", str(tmp_path / "ragged.parquet"))
    assert f"'{ids[7]}' has 255 dimensions, the first has 256" in error

    pd.DataFrame({"conversation_id": ids[:-3], "vector": [list(map(float, x)) for x in X[:-3]]}).to_parquet(
        tmp_path / "missing.parquet")
    error = _cli_error(data, "--out", str(tmp_path / "r2"), "--embeddings", str(tmp_path / "missing.parquet"))
    assert "no vector for 3 conversations" in error and ids[-3] in error

    bad = X.copy()
    bad[[11, 40]] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    (tmp_path / "nan.ids.txt").write_text("\n".join(ids) + "\n")
    error = _cli_error(data, "--out", str(tmp_path / "r3"), "--embeddings", str(tmp_path / "nan.npy"))
    assert f"conversation '{ids[11]}' has NaN or infinite values (2 such rows" in error

    zero = X.copy()
    zero[5] = 0.0
    np.save(tmp_path / "zero.npy", zero)
    error = _cli_error(data, "--out", str(tmp_path / "r4"), "--embeddings", str(tmp_path / "zero.npy"),
                       "--embedding-ids", str(tmp_path / "good.ids.txt"))
    assert f"conversation '{ids[5]}' is all zeros" in error

    np.save(tmp_path / "plain.npy", X)  # no ids: input order, which a sample breaks
    error = _cli_error(data, "--out", str(tmp_path / "r5"), "--embeddings", str(tmp_path / "plain.npy"),
                       "--sample", "50")
    assert "--sample" in error and "ids" in error

    (tmp_path / "short.ids.txt").write_text("\n".join(ids[:-1]) + "\n")
    error = _cli_error(data, "--out", str(tmp_path / "r6"), "--embeddings", str(tmp_path / "plain.npy"),
                       "--embedding-ids", str(tmp_path / "short.ids.txt"))
    assert "386 vectors but 385 ids" in error
