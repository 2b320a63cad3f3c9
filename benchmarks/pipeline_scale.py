"""The whole offline pipeline at scale with supplied (bring-your-own) embeddings: generated conversations.

    python benchmarks/pipeline_scale.py --n 100000          # generate (cached in the bench scratch folder) and run
    python benchmarks/pipeline_scale.py --n 20000 --dask 2  # also on a 2-worker Dask LocalCluster

Called by ``benchmarks/run.py`` (case ``pipeline-N``, ``pipeline-dask-N``). Generates ``N`` JSONL conversations
with realistic shapes (first requests with ShareGPT's length spread: median ~110 characters, long tail; 1-4 turns;
answers of a few hundred to a few thousand characters; 8 languages; users with a heavy-tailed number of
conversations; timestamps over 90 days) on 200 topics, and for each an embedding near its topic's centre (what a
user's own model would have produced), written as a memory-mapped ``.npy`` with a sidecar ids file in shuffled
order. Then: ingest -> offline facets -> (supplied) embed -> cluster -> name -> hierarchy -> privacy gate ->
HTML report, per stage time and the process's peak RSS; clustering with ``MiniBatchKMeansClusterer`` (float32
throughout, the choice for millions of rows). Measurements only.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

N_TOPICS = 200
DIM = 384
#: language, share, request template (the topic's words fill {words}), filler sentence
LANGUAGES = [
    ("en", 0.62, "How do I {words} in my project? I tried a few things and it still does not work.",
     "Thanks, that helps, but I have one more question about it."),
    ("es", 0.08, "¿Cómo puedo {words} en mi proyecto? Ya probé varias cosas y todavía no funciona.",
     "Gracias, eso ayuda, pero tengo otra pregunta sobre esto."),
    ("fr", 0.06, "Comment puis-je {words} dans mon projet ? J'ai essayé plusieurs choses et ça ne marche pas.",
     "Merci, cela aide, mais j'ai encore une question à ce sujet."),
    ("de", 0.06, "Wie kann ich {words} in meinem Projekt machen? Ich habe einiges versucht und es geht nicht.",
     "Danke, das hilft, aber ich habe noch eine Frage dazu."),
    ("pt", 0.05, "Como posso {words} no meu projeto? Já tentei várias coisas e ainda não funciona.",
     "Obrigado, isso ajuda, mas tenho mais uma pergunta sobre isso."),
    ("ja", 0.05, "プロジェクトで{words}するにはどうすればいいですか？いくつか試しましたがまだうまくいきません。",
     "ありがとうございます。もう一つ質問があります。"),
    ("zh", 0.05, "我怎样才能在我的项目中{words}？我已经试了几种方法，还是不行。",
     "谢谢，这很有帮助，但我还有一个问题。"),
    ("ko", 0.03, "내 프로젝트에서 {words} 하려면 어떻게 해야 하나요? 몇 가지 시도했지만 아직 안 됩니다.",
     "감사합니다. 그런데 질문이 하나 더 있어요."),
]
_VOCAB = ("python pandas dataframe merge sql query index docker container kubernetes deploy react component "
          "state hook css layout grid email draft resume cover letter essay outline poem story character plot "
          "recipe bread oven budget spreadsheet formula invoice marketing campaign slogan brand logo travel "
          "itinerary visa hotel workout plan diet protein sleep habit meditation guitar chord piano scale "
          "chess opening strategy physics homework calculus integral matrix statistics regression probability "
          "rust borrow lifetime java spring bean golang goroutine channel linux bash script cron server nginx "
          "proxy ssl certificate database backup migration schema api endpoint authentication token password "
          "excel chart pivot table translation grammar vocabulary spanish japanese interview question salary "
          "negotiation startup pitch investor contract clause lease tenant garden tomato plant dog training "
          "cat food aquarium fish camera lens photo edit video subtitle podcast microphone game level unity "
          "shader blender model animation").split()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(children: bool = False) -> float:
    """User + system CPU seconds of this process (and, with ``children``, of its finished child processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    if children:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        total += kids.ru_utime + kids.ru_stime
    return total


class LoadSampler:
    """The machine's 1-minute load average every ``every`` seconds while a case runs (other jobs share it)."""

    def __init__(self, every: float = 10.0) -> None:
        import threading

        self.samples: list[float] = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> dict:
        self._stop.set()
        self.samples.append(os.getloadavg()[0])
        return {"mean": sum(self.samples) / len(self.samples), "max": max(self.samples), "n": len(self.samples)}


def generate(folder: Path, n: int, seed: int = 0, chunk: int = 50_000) -> dict:
    """``conversations.jsonl``, ``embeddings.npy`` (+ ``embeddings.ids.txt``, rows shuffled) and ``truth.npz``
    (topic and language of each conversation, in file order) in ``folder``; skipped when already there."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    done = folder / "done.json"
    if done.exists():
        return json.loads(done.read_text())
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    topic_words = [rng.choice(_VOCAB, size=4, replace=False).tolist() for _ in range(N_TOPICS)]
    centres = rng.normal(size=(N_TOPICS, DIM)).astype(np.float32)
    language_shift = rng.normal(scale=0.6, size=(len(LANGUAGES), DIM)).astype(np.float32)  # models' language bias
    shares = np.array([share for _, share, _, _ in LANGUAGES])
    topics = rng.integers(0, N_TOPICS, size=n)
    languages = rng.choice(len(LANGUAGES), size=n, p=shares / shares.sum())
    users = (rng.pareto(1.2, size=n) * 3).astype(np.int64) % max(n // 4, 1)  # heavy-tailed conversations per user
    start = np.datetime64("2025-01-01T00:00:00")
    seconds = rng.integers(0, 90 * 86400, size=n)
    turns = rng.choice([1, 2, 3, 4], size=n, p=[0.55, 0.25, 0.12, 0.08])
    # first request: median ~110 characters with a long tail (ShareGPT: median 110, 90th percentile ~1,800)
    request_chars = np.clip(rng.lognormal(np.log(110), 1.2, size=n), 12, 6000).astype(int)
    answer_chars = np.clip(rng.lognormal(np.log(900), 0.8, size=n), 40, 8000).astype(int)
    answer = ("Here is one way to approach it. First check the inputs, then change one thing at a time and "
              "test again. ")
    order = rng.permutation(n)  # embeddings rows in another order than the file: aligned by id
    ids_text = []
    vectors = np.lib.format.open_memmap(folder / "embeddings.npy", mode="w+", dtype=np.float32, shape=(n, DIM))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    with (folder / "conversations.jsonl").open("w", encoding="utf-8") as handle:
        for begin in range(0, n, chunk):
            end = min(n, begin + chunk)
            lines = []
            for i in range(begin, end):
                code, _, template, filler = LANGUAGES[languages[i]]
                words = " ".join(topic_words[topics[i]][:2 + i % 3])
                request = template.format(words=words) + " " + " ".join(topic_words[topics[i]]) + "."
                while len(request) < request_chars[i]:
                    request += " " + template.format(words=words)
                request = request[:max(request_chars[i], 12)]
                messages = [{"role": "user", "content": request},
                            {"role": "assistant", "content": (answer * (answer_chars[i] // len(answer) + 1))
                             [:answer_chars[i]]}]
                for _ in range(turns[i] - 1):
                    messages += [{"role": "user", "content": filler},
                                 {"role": "assistant", "content": answer * 2}]
                stamp = str(start + np.timedelta64(int(seconds[i]), "s")) + "Z"
                lines.append(json.dumps({"conversation_id": f"c{i:07d}", "user_id": f"u{users[i]:07d}",
                                         "timestamp": stamp, "messages": messages}, ensure_ascii=False))
            handle.write("\n".join(lines) + "\n")
            block = centres[topics[begin:end]] + language_shift[languages[begin:end]] + rng.normal(
                scale=1.2, size=(end - begin, DIM)).astype(np.float32)
            vectors[position[begin:end]] = block / np.linalg.norm(block, axis=1, keepdims=True)
    vectors.flush()
    del vectors
    ids = np.array([f"c{i:07d}" for i in range(n)])[order]
    (folder / "embeddings.ids.txt").write_text("\n".join(ids.tolist()) + "\n")
    np.savez(folder / "truth.npz", topics=topics, languages=languages)
    info = {"n": n, "seconds": time.perf_counter() - started,
            "jsonl_mb": round((folder / "conversations.jsonl").stat().st_size / 2**20, 1),
            "embeddings_mb": round((folder / "embeddings.npy").stat().st_size / 2**20, 1)}
    done.write_text(json.dumps(info))
    return info


def case_pipeline(folder: Path, n: int, dask_workers: int = 0) -> dict:
    """The offline pipeline + report on the generated data with its supplied embeddings (fresh run dir)."""
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    import clio_kit
    from clio_kit.cluster import MiniBatchKMeansClusterer
    from clio_kit.evaluation import reconstruction_accuracy
    from clio_kit.report import render_report
    from clio_kit.supplied import SuppliedEmbeddings

    data = generate(folder, n)
    stage_rss: dict[str, float] = {}
    stage_cpu: dict[str, float] = {}  # CPU seconds of this process per stage: unlike wall time, not inflated by load
    last_cpu = [cpu_seconds()]

    def on_stage(event) -> None:  # noqa: ANN001
        stage_rss[event.stage] = _peak_rss_mb()
        now = cpu_seconds()
        stage_cpu[event.stage], last_cpu[0] = now - last_cpu[0], now

    client = cluster = None
    load = LoadSampler()
    if dask_workers:
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=dask_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        # a fresh run directory beside the data, kept until the next run (a killed run's manifest shows its stages)
        import shutil

        work = folder / f"run-{'dask' if dask_workers else 'local'}"
        shutil.rmtree(work, ignore_errors=True)
        started = time.perf_counter()
        # MiniBatchKMeansClusterer: float32 throughout (the default KMeansClusterer copies to float64)
        pipeline = clio_kit.Pipeline(clusterer=MiniBatchKMeansClusterer(), progress=False, on_stage=on_stage,
                                     client=client)
        run = pipeline.run(folder / "conversations.jsonl", work / "run",
                           embeddings=SuppliedEmbeddings(folder / "embeddings.npy", name="generated-topic-384"))
        pipeline_seconds = time.perf_counter() - started
        t0 = time.perf_counter()
        render_report(run.path, work / "report.html", progress=False)
        report_seconds = time.perf_counter() - t0
        stage_cpu["report"] = cpu_seconds(children=True) - last_cpu[0]  # the notebook's kernel is a child
        manifest = run.manifest
        stages = {name: rec["seconds"] for name, rec in manifest["stages"].items()}
        labels = np.load(run.path / "base_labels.npy")
        ids = pd.read_parquet(run.path / "facets.parquet", columns=["conversation_id"])["conversation_id"]
        truth = np.load(folder / "truth.npz")
        rows = ids.str[1:].astype(int).to_numpy()
        sample = np.random.default_rng(0).choice(len(rows), size=min(len(rows), 200_000), replace=False)
        accuracy = reconstruction_accuracy(labels[sample].tolist(), truth["topics"][rows[sample]].tolist())
        privacy = json.loads((run.path / "privacy.json").read_text())
        digest = _result_digest(run.path)
    finally:
        if client is not None:
            client.close()
            cluster.close()
    total = pipeline_seconds + report_seconds
    return {"case": f"pipeline-{'dask-' if dask_workers else ''}{n}", "n_conversations": int(len(labels)),
            "data": data, "embeddings": "supplied (.npy + ids sidecar, shuffled rows)",
            "dask_workers": dask_workers, "stage_seconds": stages, "pipeline_seconds": pipeline_seconds,
            "report_seconds": report_seconds, "total_seconds": total,
            "seconds_per_million": {k: v * 1e6 / n for k, v in {**stages, "report": report_seconds}.items()},
            "rss_after_stage_mb": stage_rss, "cpu_seconds": stage_cpu,
            "cpu_seconds_per_million": {k: v * 1e6 / n for k, v in stage_cpu.items()},
            "cpu_seconds_total": sum(stage_cpu.values()), "load_average_1m_during": load.stop(), "levels": manifest["stages"]["hierarchy"]["counts"]["levels"],
            "n_visible_clusters": privacy["n_visible"], "hidden_conversation_share": privacy["hidden_conversation_share"],
            "base_accuracy_vs_topics": accuracy, "result_digest": digest}


def _result_digest(path: Path) -> str:
    """A hash of what the run decided (labels, hierarchy, gate), to compare a Dask run with a local one."""
    import hashlib

    import numpy as np
    import pandas as pd

    digest = hashlib.sha256(np.load(path / "base_labels.npy").tobytes())
    digest.update(np.load(path / "ancestors.npy").tobytes())
    clusters = pd.read_parquet(path / "clusters.parquet", columns=["cluster_id", "name", "visible", "n_users"])
    digest.update(clusters.to_csv(index=False).encode())
    facets = pd.read_parquet(path / "facets.parquet", columns=["conversation_id", "language", "request"])
    digest.update(pd.util.hash_pandas_object(facets, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dask", type=int, default=0, help="Dask LocalCluster workers (0: local)")
    parser.add_argument("--folder", help="where the generated data lives (default: the bench scratch folder)")
    args = parser.parse_args()
    scratch = Path(os.environ.get("CLIO_KIT_BENCH_TMP") or "/tmp/clio-kit-bench")
    folder = Path(args.folder) if args.folder else scratch / f"pipeline-{args.n}"
    result = case_pipeline(folder, args.n, args.dask)
    result["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(result, default=float))


if __name__ == "__main__":
    main()
