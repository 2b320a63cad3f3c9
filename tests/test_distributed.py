"""The Dask path: facets and embeddings computed on a LocalCluster of worker processes give the local run's
results exactly, and the embedding cache stays consistent (clio_kit.distributed)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig
from clio_kit.contracts import Capability
from clio_kit.conversation import Conversation, Message
from clio_kit.embed import CachedEmbedder, _text_key
from clio_kit.errors import ConfigError
from tests.conftest import HashingEmbedder

distributed = pytest.importorskip("distributed")

from clio_kit.distributed import DaskExecutor, as_executor, extract_facets  # noqa: E402

# fewer than 10 base clusters: the map uses PCA, so no numba compilation slows the test down
CONFIG = PipelineConfig(n_clusters=9)


@pytest.fixture(scope="module")
def client():
    # separate worker processes: everything really is pickled and sent, as on a real cluster
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        yield client


def _run(path: Path, out: Path, cache: Path, **kwargs) -> Path:
    Pipeline(embedder=HashingEmbedder(), config=CONFIG, progress=False, cache_dir=cache, **kwargs).run(path, out)
    return out


def test_cluster_run_is_identical_to_local_run(tmp_path, labelled_path, client, monkeypatch):
    import clio_kit.pipeline

    monkeypatch.setattr(clio_kit.pipeline, "_EMBED_CHUNK_TEXTS", 100)  # local: embeddings.npy written in 4 chunks
    local = _run(labelled_path, tmp_path / "local", tmp_path / "cache-local")
    monkeypatch.undo()
    executor = DaskExecutor(client, partition_size=50, embed_partition_size=40)
    with distributed.get_task_stream(client) as tasks:
        remote = _run(labelled_path, tmp_path / "dask", tmp_path / "cache-dask", client=executor)

    ran = [t["key"] for t in tasks.data]
    assert sum("_facets_partition" in str(k) for k in ran) == 8  # 386 conversations in partitions of 50
    assert sum("_embed_partition" in str(k) for k in ran) >= 8
    workers = set(client.scheduler_info()["workers"])
    assert {t["worker"] for t in tasks.data} <= workers

    local_facets, remote_facets = (pd.read_parquet(d / "facets.parquet") for d in (local, remote))
    pd.testing.assert_frame_equal(local_facets, remote_facets)
    local_vectors, remote_vectors = (np.load(d / "embeddings.npy") for d in (local, remote))
    assert local_vectors.dtype == remote_vectors.dtype == np.float32
    assert np.array_equal(local_vectors, remote_vectors)
    assert np.array_equal(np.load(local / "base_labels.npy"), np.load(remote / "base_labels.npy"))
    pd.testing.assert_frame_equal(pd.read_parquet(local / "clusters.parquet"),
                                  pd.read_parquet(remote / "clusters.parquet"))

    # the vectors are those of one in-memory embedding call
    texts = local_facets[CONFIG.facet].fillna("").astype(str).tolist()
    assert np.array_equal(HashingEmbedder().embed(texts), local_vectors)
    # the driver wrote the workers' vectors to the cache: a local embedder finds every text there
    cached = CachedEmbedder(HashingEmbedder(), tmp_path / "cache-dask" / "embeddings")
    assert np.array_equal(cached.embed(texts), remote_vectors)
    # (CachedEmbedder reads keys back as numpy S32, which drops trailing NUL bytes: keys ending in 0x00 miss)
    assert cached.n_embedded_ <= sum(_text_key(text).endswith(b"\0") for text in set(texts))
    assert cached.n_cached_ + cached.n_embedded_ == len(set(texts))


def test_stage_keys_do_not_depend_on_where_stages_ran(tmp_path, labelled_path, client):
    out = tmp_path / "run"
    records = [line for line in labelled_path.read_text(encoding="utf-8").splitlines() if line.strip()][:60]
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    events = []
    Pipeline(embedder=HashingEmbedder(), config=CONFIG, progress=False, cache_dir=tmp_path / "c",
             client=client).run(path, out)
    Pipeline(embedder=HashingEmbedder(), config=CONFIG, progress=False, cache_dir=tmp_path / "c",
             on_stage=events.append).run(path, out)
    assert {e.status for e in events} == {"reused"}


def test_llm_backends_run_where_the_pipeline_runs(client):
    class Recording:  # an LLM backend holding an unpicklable lock: it must never be sent to a worker
        uses_llm = True
        capabilities = frozenset({Capability.MODEL_FACETS})

        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.calls = 0

        def extract_facets(self, conversations, facets, *, progress=True):  # noqa: ANN001
            self.calls += 1
            return pd.DataFrame({"conversation_id": [c.conversation_id for c in conversations]})

    backend = Recording()
    conversations = [Conversation(f"c{i}", [Message("user", "hi")]) for i in range(3)]
    frame = extract_facets(backend, conversations, [], client=client)
    assert backend.calls == 1 and frame["conversation_id"].tolist() == ["c0", "c1", "c2"]


def test_unsendable_components_and_clients_give_one_line_errors(client):
    class Unpicklable:
        uses_llm = False
        name = "unpicklable"

        def __init__(self) -> None:
            self.lock = threading.Lock()

    with pytest.raises(ConfigError, match="cannot be sent to Dask workers") as error:
        DaskExecutor(client).embed(Unpicklable(), ["a"])
    assert "\n" not in str(error.value)
    with pytest.raises(ConfigError, match="client must be"):
        as_executor(42)
    assert as_executor(None) is None
    executor = DaskExecutor(client)
    assert as_executor(executor) is executor and as_executor(client).client is client
    assert executor.n_workers() == 2


def test_missing_dask_gives_the_install_hint(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(ImportError, match=r"pip install 'clio-kit\[dask\]'"):
        DaskExecutor("tcp://scheduler:8786").n_workers()


def test_a_changed_component_is_sent_again(client):
    executor = DaskExecutor(client, embed_partition_size=2)
    embedder = HashingEmbedder(dim=8)
    first = executor.embed(embedder, ["a b", "c", "d e f"])
    assert first.shape == (3, 8) and executor.broadcast(embedder) is executor.broadcast(embedder)
    embedder.dim = 16  # same object, new settings: the workers must not keep using the old copy
    assert executor.embed(embedder, ["a b", "c", "d e f"]).shape == (3, 16)
