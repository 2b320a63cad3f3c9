"""What every LLM backend shares: the four Clio tasks, retries, caching, budgets and accounting.

A provider subclass only says how to turn a :class:`~clio_kit.backends.llm_prompts.Prompt` into a request body,
how to send it, and how to read the reply. This base class does the rest:

- one structured request per conversation answers every facet (``record_facets`` tool, forced);
- cluster names from up to 50 in-cluster and 50 nearest out-of-cluster summaries, sampled with a fixed seed;
- parents renamed from their children; cluster text audited on Clio's 1-5 privacy rubric (passes at >= 3);
- bounded concurrency (an ``asyncio.Semaphore``) on a private event loop in a worker thread, so the synchronous
  methods also work inside Jupyter, where an event loop is already running;
- retries with exponential backoff and jitter on 429 / 529 / 5xx / connection errors (``sleep`` is injectable);
- malformed or refused answers retried ``max_output_retries`` times, then recorded per item (``facet_error``)
  and counted, never dropped;
- an on-disk response cache keyed by the sha256 of the exact request body (a second run sends nothing);
- per-stage token and dollar accounting (``backend.usage``) and a ``max_cost`` guard (:class:`BudgetExceeded`);
- the requests of Clio's hierarchy algorithm (``propose_parents``, ``dedupe_parents``, ``assign_parents``, driven
  by :class:`clio_kit.llm_hierarchy.LLMHierarchy`) and of the synthetic-data generator
  (``generate_conversations``, driven by :mod:`clio_kit.synthetic`), through the same machinery.

>>> LLMBackend.uses_llm
True
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
import json
import math
import random
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self, TypeVar

import numpy as np
import pandas as pd

from ..config import PrivacyConfig
from ..contracts import Capability
from ..conversation import Conversation
from ..errors import ClioError, ConfigError
from ..facets.computed import computed_facets
from ..facets.definitions import Facet
from .llm_cache import ResponseCache, default_llm_cache_dir, request_key
from .llm_cost import (
    BudgetExceeded,
    BudgetGuard,
    ModelPrice,
    StageUsage,
    merge_prices,
    price_for,
    request_dollars,
    usage_summary,
)
from .llm_parse import (
    OutputError,
    parse_audit,
    parse_cluster_name,
    parse_facets,
    parse_parent_choice,
    parse_parent_names,
    parse_synthetic_turns,
    repair_json,
)
from .llm_prompts import (
    Prompt,
    assign_prompt,
    audit_prompt,
    dedupe_prompt,
    facet_prompt,
    llm_facets,
    naming_prompt,
    parent_prompt,
    proposal_prompt,
    synthetic_prompt,
)
from .llm_sampling import ContrastiveSampler, sample_cluster_texts
from .token_count import estimate_tokens, reserve_tokens

__all__ = [
    "STAGES",
    "BackendError",
    "BudgetExceeded",
    "ContrastiveSampler",
    "LLMBackend",
    "Outcome",
    "Reply",
    "RequestFailed",
    "TransportError",
    "backoff_delay",
    "sample_cluster_texts",
]

T = TypeVar("T")
STAGES = ("facets", "names", "hierarchy_propose", "hierarchy_dedupe", "hierarchy_assign", "parents", "audit",
          "synthetic")
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
FATAL_STATUS = frozenset({401, 403, 404})
TOOL_OVERHEAD_TOKENS = 313  # system prompt the API adds when a tool is forced (Anthropic's documented figure)
# Typical output tokens per request, for estimates only (real counts come from the API's usage fields).
OUTPUT_ESTIMATE = {"open": 60, "categorical": 8, "language": 10, "numeric": 4, "base": 30,
                    "names": 150, "parents": 150, "audit": 60, "hierarchy_propose": 120,
                    "hierarchy_dedupe": 300, "hierarchy_assign": 15, "synthetic": 450}
NEIGHBOURHOOD_SIZE = 40  # Clio's average neighbourhood of clusters per parent-proposal request (estimates)


class TransportError(Exception):
    """A request that did not return a usable HTTP 200: ``status`` is ``None`` for connection errors."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in RETRYABLE_STATUS or self.status >= 500

    @property
    def fatal(self) -> bool:
        return self.status in FATAL_STATUS

    def short(self) -> str:
        where = "connection error" if self.status is None else f"HTTP {self.status}"
        return f"{where}: {' '.join(self.message.split())[:160]}"


class BackendError(ClioError):
    """The provider refused every request (bad API key, no permission, unknown model): nothing can proceed."""


class RequestFailed(Exception):
    """One item's request failed for good (a 4xx, or retries exhausted); recorded against the item."""


@dataclass
class Reply:
    """A provider's answer, normalised: the tool input (or ``None``), any text, and the token usage."""

    tool_input: Any
    text: str
    stop_reason: str
    usage: dict[str, int]
    refused: bool = False
    problem: str | None = None  # why ``tool_input`` is missing, e.g. "invalid JSON in tool arguments"


@dataclass
class Outcome:
    """One item's result: ``value`` when it succeeded, else ``error`` (a short reason)."""

    value: Any = None
    error: str | None = None
    cut: bool = False


def backoff_delay(attempt: int, *, base: float = 1.0, cap: float = 60.0, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): exponential with "equal jitter", at least
    ``retry_after`` when the server sent one.

    >>> 2.0 <= backoff_delay(2, rng=random.Random(0)) <= 4.0
    True
    >>> backoff_delay(0, retry_after=7.0, rng=random.Random(0))
    7.0
    """
    rng = rng or random.Random()
    ceiling = min(cap, base * (2 ** attempt))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(retry_after, 600.0))
    return delay


class _LoopThread:
    """A private event loop in a daemon thread: sync methods submit coroutines to it, from any context."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def main() -> None:
                    asyncio.set_event_loop(loop)
                    ready.set()
                    loop.run_forever()

                thread = threading.Thread(target=main, name="clio-kit-llm", daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._thread is not None and threading.current_thread() is self._thread:
            raise RuntimeError("an LLM backend method was called from inside its own event loop")
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure())
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()


def _scrubber() -> Callable[[str], str]:
    try:
        from ..privacy import scrub
    except ImportError:  # pragma: no cover - the privacy layer ships with the package
        return lambda text: text
    return scrub


def _label_class() -> Any:
    try:
        from ..naming import ClusterLabel
    except ImportError:  # pragma: no cover
        from collections import namedtuple
        return namedtuple("ClusterLabel", "name description keywords")
    return ClusterLabel


def _audit_result(score: int, reasons: tuple[str, ...], passed: bool) -> Any:
    try:
        from ..privacy.audit import AuditResult
    except ImportError:
        return _FallbackAuditResult(score, reasons, passed)
    return AuditResult(score=score, reasons=reasons, passed=passed)


@dataclass(frozen=True)
class _FallbackAuditResult:
    score: int
    reasons: tuple[str, ...]
    passed: bool


class LLMBackend:
    """Base class of the model-backed backends (see the module docstring); not used directly.

    Subclasses implement ``_namespace``, ``_body``, ``_send`` (async), ``_reply`` and optionally ``_adjust`` /
    ``_learn`` (adapting a request the model rejected, e.g. a forced tool choice) and ``_aclose``.
    """

    name = "llm"
    uses_llm = True
    capabilities = frozenset({Capability.MODEL_FACETS, Capability.MODEL_NAMES, Capability.MODEL_AUDIT,
                              Capability.PARENT_PROPOSALS, Capability.AVOID_WORDING, Capability.USAGE})
    VERSION = 1

    def __init__(self, *, model_facets: str, model_names: str, max_concurrency: int = 8, max_retries: int = 5,
                 max_output_retries: int = 2, cache_dir: Any = None, price_table: Mapping[str, Any] | None = None,
                 max_cost: float | None = None, max_conversation_tokens: int = 8000, facet_max_tokens: int = 1024,
                 name_max_tokens: int = 1024, temperature: float | None = None, seed: int = 0,
                 naming_facet: str = "request", n_in_cluster: int = 50, n_contrastive: int = 50,
                 min_audit_score: int | None = None, backoff_base: float = 1.0, backoff_max: float = 60.0,
                 sleep: Callable[[float], Any] | None = None, progress: bool = True,
                 token_count_sample: int = 100) -> None:
        if max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be at least 1, got {max_concurrency}")
        if max_retries < 0 or max_output_retries < 0:
            raise ConfigError("max_retries and max_output_retries must be >= 0")
        if min_audit_score is not None and not 1 <= min_audit_score <= 5:  # None: the run's setting
            raise ConfigError(f"min_audit_score must be 1-5, got {min_audit_score}")
        self.model_facets = model_facets
        self.model_names = model_names
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.max_output_retries = max_output_retries
        self.cache_dir = None if cache_dir is False else (cache_dir or default_llm_cache_dir())
        self.prices: dict[str, ModelPrice] = merge_prices(price_table)
        self.max_cost = max_cost
        self.max_conversation_tokens = max_conversation_tokens
        self.facet_max_tokens = facet_max_tokens
        self.name_max_tokens = name_max_tokens
        self.temperature = temperature
        self.seed = seed
        self.naming_facet = naming_facet
        self.n_in_cluster = n_in_cluster
        self.n_contrastive = n_contrastive
        self.min_audit_score = min_audit_score
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.progress = progress
        self.token_count_sample = token_count_sample
        self._sleep_fn = sleep or asyncio.sleep
        self._rng = random.Random(seed)
        self._cache = ResponseCache(self.cache_dir)
        self._budget = BudgetGuard(max_cost)
        self._usage: dict[str, StageUsage] = {}
        self._loop = _LoopThread()
        weakref.finalize(self, self._loop.close)  # stop the private loop thread with the backend
        self._semaphore: asyncio.Semaphore | None = None
        if max_cost is not None:
            for model in {model_facets, model_names}:
                if price_for(model, self.prices) is None:
                    raise ConfigError(f"max_cost needs a price for model {model!r}; pass price_table="
                                      "{model: {'input': ..., 'output': ...}} (USD per million tokens)")

    # -- identity -----------------------------------------------------------------------------------------------
    def fingerprint(self) -> dict[str, Any]:
        """Everything that changes the answers (never the API key, concurrency or cache location)."""
        return {"provider": self._namespace(), "model_facets": self.model_facets, "model_names": self.model_names,
                "max_conversation_tokens": self.max_conversation_tokens, "facet_max_tokens": self.facet_max_tokens,
                "name_max_tokens": self.name_max_tokens, "temperature": self.temperature, "seed": self.seed,
                "naming_facet": self.naming_facet, "n_in_cluster": self.n_in_cluster,
                "n_contrastive": self.n_contrastive, "min_audit_score": self.min_audit_score,
                "version": self.VERSION}

    def prompt_hashes(self) -> dict[str, str]:
        from ..prompts import template_hashes

        return template_hashes()

    @property
    def usage(self) -> dict[str, dict[str, Any]]:
        """Per-stage requests, tokens (input, output, cache creation, cache read), dollars and error counts."""
        return usage_summary(self._usage)

    def reset_usage(self) -> None:
        self._usage.clear()

    def note_usage(self, stage: str, counter: str, by: int = 1) -> None:
        """Add ``by`` to one usage counter of ``stage`` (e.g. ``fallbacks`` that a caller resolved locally)."""
        self._stage(stage, self.model_names).bump(counter, by)

    def close(self) -> None:
        """Close the HTTP client and stop the private event loop (a later call starts them again)."""
        try:
            self._loop.run(self._aclose())
        finally:
            self._loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- provider hooks -----------------------------------------------------------------------------------------
    def _namespace(self) -> str:
        raise NotImplementedError

    def _body(self, prompt: Prompt, model: str, max_tokens: int) -> dict[str, Any]:
        raise NotImplementedError

    async def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _reply(self, raw: Mapping[str, Any], tool_name: str) -> Reply:
        raise NotImplementedError

    def _usage_of(self, raw: Mapping[str, Any]) -> dict[str, int]:
        """Token counts of a raw response, with Anthropic's field names."""
        return self._reply(raw, "").usage

    def _adjust(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body actually sent (after adaptations learned from rejections); the cache key ignores them."""
        return body

    def _learn(self, body: dict[str, Any], error: TransportError) -> bool:
        """Adapt to a rejected request (e.g. forced tool choice unsupported); True to resend at once."""
        return False

    async def _aclose(self) -> None:
        return None

    # -- plumbing -----------------------------------------------------------------------------------------------
    def _stage(self, stage: str, model: str) -> StageUsage:
        usage = self._usage.get(stage)
        if usage is None:
            usage = self._usage[stage] = StageUsage(model=model)
        return usage

    def _price(self, model: str) -> ModelPrice | None:
        return price_for(model, self.prices)

    def _key(self, body: Mapping[str, Any]) -> str:
        return request_key(self._namespace(), body)

    async def _sleep(self, seconds: float) -> None:
        result = self._sleep_fn(seconds)
        if inspect.isawaitable(result):
            await result

    def _worst_case(self, body: Mapping[str, Any], model: str) -> float:
        price = self._price(model)
        if price is None:
            return 0.0
        tokens_in = body_tokens(body, bound=True)
        tokens_out = int(body.get("max_tokens") or body.get("max_completion_tokens") or 0)
        return (tokens_in * max(price.input, price.cache_write) + tokens_out * price.output) / 1e6

    async def _retry(self, usage: StageUsage, operation: Callable[[], Awaitable[T]],
                     body: dict[str, Any] | None = None, *, counted: bool = True) -> T:
        """Run ``operation`` with backoff on transient errors; fatal ones raise :class:`BackendError`.

        ``counted``: a failed attempt counts as a sent request (False for batch bookkeeping calls).
        """
        failures = 0
        while True:
            try:
                return await operation()
            except TransportError as error:
                if counted:
                    usage.bump("requests")
                if body is not None and self._learn(body, error):
                    continue
                if error.fatal:
                    raise BackendError(f"{type(self).__name__}: {error.short()}") from None
                if error.retryable and failures < self.max_retries:
                    usage.bump("retries")
                    await self._sleep(backoff_delay(failures, base=self.backoff_base, cap=self.backoff_max,
                                                    retry_after=error.retry_after, rng=self._rng))
                    failures += 1
                    continue
                suffix = f" (gave up after {failures} retries)" if error.retryable else ""
                raise RequestFailed(error.short() + suffix) from None

    async def _request(self, stage: str, body: dict[str, Any], model: str) -> dict[str, Any]:
        """Send one request (bounded concurrency, budget, retries); returns the raw response."""
        usage = self._stage(stage, model)
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        semaphore = self._semaphore

        async def attempt() -> dict[str, Any]:
            sent = self._adjust(body)
            ticket = self._budget.reserve(self._worst_case(sent, model))
            try:
                async with semaphore:
                    raw = await self._send(sent)
            except BaseException:
                self._budget.settle(ticket, 0.0)
                raise
            usage.bump("requests")
            dollars = usage.add_tokens(self._usage_of(raw), self._price(model))
            self._budget.settle(ticket, dollars)
            return raw

        return await self._retry(usage, attempt, body)

    def _check(self, reply: Reply, parse: Callable[[Any], T], usage: StageUsage | None) -> T:
        """Validate one reply (``usage`` None: a cache hit, not counted again)."""
        if reply.refused:
            raise OutputError("the model refused", refusal=True)
        data = reply.tool_input
        if data is None:
            data = repair_json(reply.text)
            if data is None:
                raise OutputError(reply.problem or "no tool call in the response", refusal=reply.problem is None)
            if usage is not None:
                usage.bump("repaired")
        try:
            return parse(data)
        except OutputError as error:
            if reply.stop_reason in ("max_tokens", "length"):
                raise OutputError(f"{error.reason} (the answer reached max_tokens)") from None
            raise

    async def _call(self, stage: str, prompt: Prompt, model: str, max_tokens: int,
                    parse: Callable[[Any], T]) -> Outcome:
        """One item: cache, then up to ``1 + max_output_retries`` validated attempts; errors become outcomes."""
        usage = self._stage(stage, model)
        body = self._body(prompt, model, max_tokens)
        key = self._key(body)
        cached = self._cache.get(key)
        if cached is not None:
            try:
                value = self._check(self._reply(cached, prompt.tool.name), parse, None)
                usage.bump("cache_hits")
                return Outcome(value, cut=prompt.cut)
            except OutputError:
                pass  # a stale entry (e.g. facets changed shape): ask again
        problem: OutputError | None = None
        attempts = self.max_output_retries + 1
        for _ in range(attempts):
            try:
                raw = await self._request(stage, body, model)
            except RequestFailed as failed:
                usage.bump("errors")
                return Outcome(error=f"request failed: {failed}", cut=prompt.cut)
            try:
                value = self._check(self._reply(raw, prompt.tool.name), parse, usage)
            except OutputError as error:
                problem = error
                usage.bump("refusals" if error.refusal else "malformed")
                continue
            self._cache.put(key, raw)
            return Outcome(value, cut=prompt.cut)
        usage.bump("errors")
        assert problem is not None
        kind = "refused" if problem.refusal else "malformed output"
        return Outcome(error=f"{kind} after {attempts} attempts: {problem.reason}", cut=prompt.cut)

    async def _many(self, stage: str, count: int, make: Callable[[int], Prompt], model: str,
                    max_tokens: int | Callable[[int], int], parse: Callable[[Any], Any], progress: bool, *,
                    parse_for: Callable[[int], Callable[[Any], Any]] | None = None) -> list[Outcome]:
        """Run ``count`` items through ``_call`` with ``max_concurrency`` workers, in input order.

        ``max_tokens`` may be a function of the item's index; ``parse_for(index)``, when given, replaces ``parse``
        for items whose answer is checked against item-specific data (e.g. the candidates shown)."""
        results: list[Outcome | None] = [None] * count
        positions = iter(range(count))
        bar = _bar(count, stage, progress and self.progress)

        async def worker() -> None:
            for index in positions:
                limit = max_tokens(index) if callable(max_tokens) else max_tokens
                check = parse_for(index) if parse_for is not None else parse
                results[index] = await self._call(stage, make(index), model, limit, check)
                if bar is not None:
                    bar.update(1)

        try:
            await _all_or_nothing([worker() for _ in range(min(self.max_concurrency, max(count, 1)))])
        finally:
            if bar is not None:
                bar.close()
        return [r if r is not None else Outcome(error="not run") for r in results]

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run(coro)

    # -- estimates ----------------------------------------------------------------------------------------------
    def _estimate(self, stage: str, prompts: Iterable[Prompt], model: str, max_tokens: int,
                  output_tokens: int) -> dict[str, Any]:
        """Requests, tokens and dollars for prompts not already in the response cache.

        Input tokens are the provider's exact counts where it has a counting endpoint and a key (``_exact_counts``,
        on a sample; the rest scaled by the sample's ratio), else the per-script offline estimate. A request whose
        stable prefix carries ``cache_control`` is priced as one cache write per concurrent worker and cache reads
        after that; ``dollars_without_cache`` is the same work with caching off."""
        cached = 0

        def fresh() -> Iterable[dict[str, Any]]:
            nonlocal cached
            for prompt in prompts:
                body = self._body(prompt, model, max_tokens)
                if self._key(body) in self._cache:
                    cached += 1
                    continue
                yield body

        totals = self._count_bodies(fresh())
        scale = totals["scale"]
        tokens_in = sum(totals["tokens"])
        requests = len(totals["tokens"])
        tokens_out = requests * output_tokens
        writers = min(requests, self.max_concurrency) if not self._batched(stage) else min(requests, 1)
        read = write = 0
        for index, prefix in enumerate(totals["cacheable"]):
            prefix = min(round(prefix * scale), totals["tokens"][index])
            if prefix:
                if index < writers:
                    write += prefix
                else:
                    read += prefix
        usage = {"input_tokens": tokens_in - read - write, "output_tokens": tokens_out,
                 "cache_creation_input_tokens": write, "cache_read_input_tokens": read}
        price = self._price(model)
        batch = self._batched(stage)
        return {"model": model, "requests": requests, "cached": cached, "input_tokens": tokens_in,
                "output_tokens": tokens_out, "cache_read_input_tokens": read, "cache_creation_input_tokens": write,
                "dollars": round(request_dollars(price, usage, batch=batch), 6),
                "dollars_without_cache": round(request_dollars(
                    price, {"input_tokens": tokens_in, "output_tokens": tokens_out}, batch=batch), 6),
                "token_counts": totals["source"], "priced": price is not None}

    def _count_bodies(self, bodies: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        """Input tokens of each body (``tokens``) and of its prefix where it is marked for caching (``cacheable``):
        exact from the provider for a sample when it can count (``_exact_counts``), the rest estimated offline and
        scaled by the sample's exact / estimated ratio. Streams: only the sample's bodies are kept."""
        estimates: list[int] = []
        cacheable: list[int] = []
        sample: list[Mapping[str, Any]] = []
        for body in bodies:
            estimates.append(body_tokens(body))
            cacheable.append(prefix_tokens(body) if _has_cache_control(body) else 0)
            if len(sample) < self.token_count_sample:
                sample.append(body)
        exact = self._exact_counts(sample) if sample else None
        if not exact:
            return {"tokens": estimates, "cacheable": cacheable, "scale": 1.0,
                    "source": "offline estimate (per-script rates)"}
        scale = sum(exact) / max(sum(estimates[: len(exact)]), 1)
        tokens = list(exact) + [round(e * scale) for e in estimates[len(exact):]]
        source = (f"exact (token-counting API) for {len(exact)}" +
                  (f", the other {len(tokens) - len(exact)} scaled from them" if len(tokens) > len(exact) else ""))
        return {"tokens": tokens, "cacheable": cacheable, "scale": scale, "source": source}

    def _exact_counts(self, bodies: Sequence[Mapping[str, Any]]) -> list[int] | None:
        """The provider's exact input-token counts of ``bodies``, or ``None`` where it cannot count (offline)."""
        return None

    def _batched(self, stage: str) -> bool:
        return False

    def _facet_output_tokens(self, asked: Sequence[Facet]) -> int:
        total = OUTPUT_ESTIMATE["base"]
        for facet in asked:
            kind = "language" if facet.name == "language" else facet.kind
            total += OUTPUT_ESTIMATE.get(kind, 10)
        return total

    def estimate_cost(self, conversations: Sequence[Conversation], facets: Sequence[Facet], *,
                      n_clusters: int | None = None, summary_tokens: int = 45) -> dict[str, Any]:
        """Tokens and dollars the analysis would spend (cached answers excluded).

        Facet requests are the real request bodies; naming, parents and audit are modelled: ``n_clusters`` base
        clusters (default: the pipeline's square-root rule), each named from up to 100 summaries of about
        ``summary_tokens`` tokens, a rename of every parent and an audit of every named cluster; the LLM
        hierarchy's ``hierarchy_propose`` / ``hierarchy_dedupe`` / ``hierarchy_assign`` requests are modelled on
        three levels sized by Clio's ratio rule (``assumptions["hierarchy_levels"]``).
        Prompt caching is priced where requests carry ``cache_control`` (the facet prefix reaches Haiku 4.5's 4,096
        token minimum); ``total_dollars_without_cache`` shows the saving.
        """
        convs = list(conversations)
        asked = llm_facets(facets)
        out: dict[str, Any] = {}
        out["facets"] = self._estimate(
            "facets", (facet_prompt(c, asked, max_tokens=self.max_conversation_tokens) for c in convs),
            self.model_facets, self.facet_max_tokens, self._facet_output_tokens(asked))
        if n_clusters is None:
            from ..cluster import default_n_clusters

            n_clusters = default_n_clusters(len(convs))
        per_cluster = max(1, math.ceil(len(convs) / max(n_clusters, 1)))
        filler = _filler(summary_tokens)
        in_group = [filler] * min(self.n_in_cluster, per_cluster)
        contrastive = [filler] * min(self.n_contrastive, max(len(convs) - per_cluster, 0))
        naming = naming_prompt(in_group, contrastive, facet=self.naming_facet)
        out["names"] = self._model_only("names", naming, n_clusters, OUTPUT_ESTIMATE["names"])
        levels = self._hierarchy_estimate(out, n_clusters)
        n_parents = sum(levels[1:])  # every parent at every level above the base is renamed and audited
        per_parent = max(1, math.ceil(levels[0] / levels[1])) if len(levels) > 1 else 1
        children = [(_filler(8), _filler(35), 1)] * per_parent
        out["parents"] = self._model_only("parents", parent_prompt(children), n_parents, OUTPUT_ESTIMATE["parents"])
        out["audit"] = self._model_only("audit", audit_prompt(_filler(8), _filler(35)), n_clusters + n_parents,
                                        OUTPUT_ESTIMATE["audit"])
        out["total_dollars"] = round(sum(v["dollars"] for v in out.values()), 6)
        out["total_dollars_without_cache"] = round(sum(v["dollars_without_cache"] for k, v in out.items()
                                                       if isinstance(v, dict)), 6)
        out["assumptions"] = {"token_counts": out["facets"]["token_counts"],
                              "tool_overhead_tokens": TOOL_OVERHEAD_TOKENS,
                              "n_clusters": n_clusters, "n_parents": n_parents, "batch": self._batched("facets"),
                              "hierarchy_levels": levels, "neighbourhood_size": NEIGHBOURHOOD_SIZE}
        return out

    def _hierarchy_estimate(self, out: dict[str, Any], n_clusters: int) -> list[int]:
        """Add the LLM hierarchy's propose / dedupe / assign requests to ``out``; returns the modelled level sizes
        (Clio's ratio rule, three levels, the default top size). Parent renames stay under ``parents``."""
        from ..hierarchy import default_n_top, level_sizes

        if n_clusters < 3:
            return [n_clusters]
        levels = level_sizes(n_clusters, default_n_top(n_clusters), 3)
        cluster = (_filler(8), _filler(35))
        counts = {"hierarchy_propose": 0, "hierarchy_dedupe": 0, "hierarchy_assign": 0}
        for lower, upper in zip(levels, levels[1:]):
            counts["hierarchy_propose"] += max(1, round(lower / NEIGHBOURHOOD_SIZE))
            counts["hierarchy_dedupe"] += 1
            counts["hierarchy_assign"] += lower
        first, second = levels[0], levels[1]
        hood = min(first, NEIGHBOURHOOD_SIZE)
        want = max(1, math.ceil(second * hood / first))
        prompts = {"hierarchy_propose": proposal_prompt([cluster] * hood, [cluster] * min(10, first - hood), want),
                   "hierarchy_dedupe": dedupe_prompt([_filler(8)] * (2 * second), second),
                   "hierarchy_assign": assign_prompt(cluster, [_filler(8)] * second)}
        for stage, prompt in prompts.items():
            out[stage] = self._model_only(stage, prompt, counts[stage], OUTPUT_ESTIMATE[stage])
        return levels

    def _model_only(self, stage: str, prompt: Prompt, count: int, output_tokens: int) -> dict[str, Any]:
        body = self._body(prompt, self.model_names, self.name_max_tokens)
        tokens_in = body_tokens(body) * count
        usage = {"input_tokens": tokens_in, "output_tokens": output_tokens * count}
        price = self._price(self.model_names)
        dollars = round(request_dollars(price, usage, batch=self._batched(stage)), 6)
        return {"model": self.model_names, "requests": count, "cached": 0, "input_tokens": tokens_in,
                "output_tokens": output_tokens * count, "cache_read_input_tokens": 0,
                "cache_creation_input_tokens": 0, "dollars": dollars, "dollars_without_cache": dollars,
                "token_counts": "offline estimate (modelled request)", "priced": price is not None}

    # -- facets -------------------------------------------------------------------------------------------------
    def extract_facets(self, conversations: Sequence[Conversation], facets: Sequence[Facet], *,
                       progress: bool = True) -> pd.DataFrame:
        """One request per conversation answering every facet; see the module docstring."""
        convs = list(conversations)
        asked = llm_facets(facets)

        def make(index: int) -> Prompt:
            return facet_prompt(convs[index], asked, max_tokens=self.max_conversation_tokens)

        if self.max_cost is not None:
            plan = self._estimate("facets", (make(i) for i in range(len(convs))), self.model_facets,
                                  self.facet_max_tokens, self._facet_output_tokens(asked))
            self._budget.check_plan(plan["dollars"], f"facet extraction ({plan['requests']} requests)")

        outcomes = self._run(self._facet_outcomes(convs, make, asked, progress))
        usage = self._stage("facets", self.model_facets)
        usage.bump("cut_for_budget", sum(o.cut for o in outcomes))
        return self._facet_frame(convs, asked, outcomes)

    async def _facet_outcomes(self, convs: Sequence[Conversation], make: Callable[[int], Prompt],
                              asked: Sequence[Facet], progress: bool) -> list[Outcome]:
        return await self._many("facets", len(convs), make, self.model_facets, self.facet_max_tokens,
                                lambda data: parse_facets(data, asked), progress)

    def _facet_frame(self, convs: Sequence[Conversation], asked: Sequence[Facet],
                     outcomes: Sequence[Outcome]) -> pd.DataFrame:
        scrub = _scrubber()
        rows: list[dict[str, Any]] = []
        for conv, outcome in zip(convs, outcomes):
            row: dict[str, Any] = {"conversation_id": conv.conversation_id, **computed_facets(conv)}
            for facet in asked:
                if facet.name != "language":
                    row[facet.name] = np.nan if facet.kind == "numeric" else None
            row.update({"language": "und", "language_name": "Unknown", "languages": ""})
            if outcome.value is not None:
                for name, value in outcome.value.items():
                    open_text = any(f.name == name and f.kind == "open" for f in asked)
                    row[name] = scrub(value) if open_text else value
            row["cut_for_budget"] = bool(outcome.cut)
            row["facet_error"] = outcome.error
            rows.append(row)
        frame = pd.DataFrame(rows)
        if frame.empty:
            frame = pd.DataFrame(columns=["conversation_id", "language", "language_name", "facet_error"])
        for facet in asked:
            if facet.kind == "numeric" and facet.name in frame:
                frame[facet.name] = frame[facet.name].astype(float)
        frame["facet_error"] = frame["facet_error"].astype(object).where(frame["facet_error"].notna(), None)
        return frame

    # -- names --------------------------------------------------------------------------------------------------
    def label_clusters(self, texts: Sequence[str], labels: np.ndarray, user_ids: Sequence[str],
                       languages: Sequence[str], embeddings: np.ndarray, *, embedder: Any = None,
                       avoid: Mapping[int, Sequence[str]] | None = None) -> dict[int, Any]:
        """Name every cluster from up to 50 in-cluster and 50 nearest out-of-cluster summaries.

        ``embedder`` is accepted for interface parity with the offline backend and not used: the model names
        clusters itself, from the run's existing ``embeddings``. ``avoid`` (``{cluster: word sequences}``) re-asks
        only those clusters, telling the model not to use those sequences (:mod:`clio_kit.privacy.wording`).
        """
        labels = np.asarray(labels)
        clusters = [int(c) for c in np.unique(labels) if avoid is None or int(c) in avoid]
        texts = [str(t) for t in texts]

        sampler = ContrastiveSampler(texts, labels, embeddings, n_in=self.n_in_cluster, n_out=self.n_contrastive,
                                     seed=self.seed)

        def make(index: int) -> Prompt:
            inside, outside = sampler.sample(clusters[index])
            return _avoiding(naming_prompt(inside, outside, facet=self.naming_facet), avoid, clusters[index])

        return self._names("names", clusters, make)

    def label_parents(self, child_labels: Mapping[int, Any], child_sizes: Mapping[int, int],
                      parent_of: Mapping[int, int], *, avoid: Mapping[int, Sequence[str]] | None = None,
                      **context: Any) -> dict[int, Any]:
        """Rename each parent from its children's names and descriptions (Clio's last hierarchy step).

        ``context`` (parent centroids, the embedder) is accepted for interface parity and not used. ``avoid``
        (``{parent: word sequences}``) re-asks only those parents, telling the model not to use the sequences."""
        children: dict[int, list[tuple[str, str, int]]] = {}
        for child, parent in parent_of.items():
            if avoid is not None and int(parent) not in avoid:
                continue
            label = child_labels.get(child)
            if label is not None:
                children.setdefault(int(parent), []).append(
                    (str(label.name), str(label.description), int(child_sizes.get(child, 0))))
        parents = sorted(children)
        return self._names("parents", parents,
                           lambda i: _avoiding(parent_prompt(children[parents[i]]), avoid, parents[i]))

    def _names(self, stage: str, keys: Sequence[int], make: Callable[[int], Prompt]) -> dict[int, Any]:
        if self.max_cost is not None:
            plan = self._estimate(stage, (make(i) for i in range(len(keys))), self.model_names,
                                  self.name_max_tokens, OUTPUT_ESTIMATE[stage])
            self._budget.check_plan(plan["dollars"], f"naming ({plan['requests']} requests)")
        outcomes = self._run(self._many(stage, len(keys), make, self.model_names, self.name_max_tokens,
                                        parse_cluster_name, self.progress))
        usage = self._stage(stage, self.model_names)
        label = _label_class()
        named: dict[int, Any] = {}
        for key, outcome in zip(keys, outcomes):
            if outcome.value is None:
                named[key] = label(f"Unnamed cluster {key}", f"Naming failed: {outcome.error}", ())
                continue
            name, description, shortened = outcome.value
            if shortened:
                usage.bump("repaired")
            named[key] = label(name, description, ())
        return named

    def name_requests(self, stage: str, prompts: Sequence[Prompt]) -> list[Outcome]:
        """One ``record_cluster_name`` request per prompt, through the budget guard, response cache and retries.

        Returns outcomes whose ``value`` is ``(name, description, shortened)``; the caller decides what a failed
        item falls back to (the hybrid namer, :mod:`clio_kit.backends.hybrid`, keeps the offline name)."""
        if not prompts:
            return []
        self._check_budget(stage, prompts, lambda i: self.name_max_tokens, self.model_names, "naming")
        return self._run(self._many(stage, len(prompts), lambda i: prompts[i], self.model_names,
                                    self.name_max_tokens, parse_cluster_name, self.progress))

    # -- hierarchy (Clio's algorithm; see clio_kit.llm_hierarchy) -------------------------------------------------
    def _list_max_tokens(self, n_names: int) -> int:
        """Room for about ``n_names`` names of up to ten words (never less than ``name_max_tokens``)."""
        return min(max(self.name_max_tokens, 32 * int(n_names) + 512), 16384)  # names plus the reasoning field

    def _check_budget(self, stage: str, prompts: Sequence[Prompt], max_tokens: Callable[[int], int], model: str,
                      what: str) -> None:
        if self.max_cost is None:
            return
        bodies = [self._body(p, model, max_tokens(i)) for i, p in enumerate(prompts)]
        bodies = [b for b in bodies if self._key(b) not in self._cache]
        tokens_in = sum(self._count_bodies(bodies)["tokens"])
        usage = {"input_tokens": tokens_in, "output_tokens": len(bodies) * OUTPUT_ESTIMATE[stage]}
        dollars = request_dollars(self._price(model), usage, batch=self._batched(stage))
        self._budget.check_plan(dollars, f"{what} ({len(bodies)} requests)")

    def _name_lists(self, stage: str, prompts: Sequence[Prompt], what: str) -> list[list[str] | None]:
        if not prompts:
            return []

        def limit(index: int) -> int:
            return self._list_max_tokens(prompts[index].meta.get("n_parents", 1))

        self._check_budget(stage, prompts, limit, self.model_names, what)
        outcomes = self._run(self._many(stage, len(prompts), lambda i: prompts[i], self.model_names, limit,
                                        parse_parent_names, self.progress))
        usage = self._stage(stage, self.model_names)
        lists: list[list[str] | None] = []
        for outcome in outcomes:
            if outcome.value is None:
                lists.append(None)
                continue
            names, shortened = outcome.value
            if shortened:
                usage.bump("repaired")
            lists.append(names)
        return lists

    def propose_parents(self, neighbourhoods: Sequence[tuple[Sequence[tuple[str, str]], Sequence[tuple[str, str]],
                                                             int]]) -> list[list[str] | None]:
        """One request per neighbourhood ``(clusters, nearby, n_parents)``: about ``n_parents`` parent names
        covering ``clusters`` (``(name, description)`` pairs), the ``nearby`` clusters outside the neighbourhood
        shown for contrast. ``None`` where no usable answer came back (counted in ``usage``)."""
        prompts = [proposal_prompt(clusters, nearby, n) for clusters, nearby, n in neighbourhoods]
        return self._name_lists("hierarchy_propose", prompts, "parent proposals")

    def dedupe_parents(self, proposals: Sequence[str], n_parents: int) -> list[str] | None:
        """Merge near-duplicate ``proposals`` into about ``n_parents`` distinct names (one request); ``None`` where
        no usable answer came back."""
        [names] = self._name_lists("hierarchy_dedupe", [dedupe_prompt(list(proposals), n_parents)],
                                   "parent deduplication")
        return names

    def assign_parents(self, children: Sequence[tuple[str, str]], candidates: Sequence[str],
                       orders: Sequence[Sequence[int]]) -> list[int | None]:
        """One request per child ``(name, description)``: which candidate parent fits it best.

        Child ``i`` is shown ``candidates`` in the order ``orders[i]`` (a permutation of their positions, shuffled
        by the caller so position bias favours no candidate). Returns the chosen position in ``candidates``, or
        ``None`` where no usable answer came back after the bounded retries (counted as an error in ``usage``).
        """
        children = [(str(n), str(d)) for n, d in children]
        shown = [[str(candidates[j]) for j in order] for order in orders]
        if len(shown) != len(children):
            raise ConfigError(f"assign_parents: {len(orders)} orders for {len(children)} children")
        if not children:
            return []

        def make(index: int) -> Prompt:
            return assign_prompt(children[index], shown[index])

        def parse_for(index: int) -> Callable[[Any], int]:
            return lambda data: int(orders[index][parse_parent_choice(data, shown[index])])

        self._check_budget("hierarchy_assign", [make(i) for i in range(len(children))],
                           lambda i: self.name_max_tokens, self.model_names, "parent assignment")
        outcomes = self._run(self._many("hierarchy_assign", len(children), make, self.model_names,
                                        self.name_max_tokens, parse_parent_names, self.progress,
                                        parse_for=parse_for))
        return [o.value if o.value is not None else None for o in outcomes]

    # -- synthetic data -----------------------------------------------------------------------------------------
    def generate_conversations(self, specs: Sequence[Mapping[str, Any]], *, model: str | None = None,
                               max_tokens: int = 2048) -> list[list[tuple[str, str]] | None]:
        """One request per spec (``category``, ``topic``, ``language`` as a name, ``persona``, ``tone``,
        ``turns``, optionally ``number`` of ``count``): a synthetic conversation as ``[(role, content), ...]``, or
        ``None`` where no usable answer came back (counted in ``usage["synthetic"]``). ``model`` defaults to
        ``model_names``."""
        model = model or self.model_names
        if self.max_cost is not None and self._price(model) is None:
            raise ConfigError(f"max_cost needs a price for model {model!r}; pass price_table="
                              "{model: {'input': ..., 'output': ...}} (USD per million tokens)")
        prompts = [synthetic_prompt(str(s["category"]), str(s["topic"]), str(s["language"]),
                                    persona=str(s["persona"]), tone=str(s["tone"]), turns=int(s["turns"]),
                                    number=int(s.get("number", 1)), count=int(s.get("count", 1)))
                   for s in specs]
        if not prompts:
            return []
        self._check_budget("synthetic", prompts, lambda i: max_tokens, model, "synthetic conversations")
        outcomes = self._run(self._many("synthetic", len(prompts), lambda i: prompts[i], model, max_tokens,
                                        parse_synthetic_turns, self.progress))
        return [o.value for o in outcomes]

    # -- audit --------------------------------------------------------------------------------------------------
    def audit(self, items: Sequence[tuple[str, str]]) -> list[Any]:
        """Rate each (name, description) 1-5 on Clio's rubric; a failed audit fails closed (score 1)."""
        items = [(str(n), str(d)) for n, d in items]

        def make(index: int) -> Prompt:
            return audit_prompt(*items[index])

        if self.max_cost is not None:
            plan = self._estimate("audit", (make(i) for i in range(len(items))), self.model_names,
                                  self.name_max_tokens, OUTPUT_ESTIMATE["audit"])
            self._budget.check_plan(plan["dollars"], f"privacy audit ({plan['requests']} requests)")
        outcomes = self._run(self._many("audit", len(items), make, self.model_names, self.name_max_tokens,
                                        parse_audit, self.progress))
        results = []
        for outcome in outcomes:
            if outcome.value is None:
                results.append(_audit_result(1, (f"audit failed: {outcome.error}",), False))
            else:
                score, reason = outcome.value
                results.append(_audit_result(score, (reason,) if reason else (), score >= (self.min_audit_score or PrivacyConfig().min_audit_score)))
        return results


def _avoiding(prompt: Prompt, avoid: Mapping[int, Sequence[str]] | None, key: int) -> Prompt:
    """``prompt`` asking the model not to use word sequences that too few users wrote (a re-ask; a new request)."""
    if not avoid or not avoid.get(key):
        return prompt
    listed = "; ".join(f'"{s}"' for s in avoid[key])
    return dataclasses.replace(prompt, user=f"{prompt.user}\n\nDo not use these word sequences in the name or "
                                            f"description (too few users wrote them): {listed}.")


def _texts(body: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """``(prefix, rest)``: the texts of the stable prefix (tool definitions as JSON, system) and of the messages."""
    prefix = [json.dumps(body.get("tools") or [], ensure_ascii=False)]
    system = body.get("system")
    for block in [system] if isinstance(system, str) else list(system or []):
        prefix.append(block if isinstance(block, str) else str(block.get("text") or ""))
    rest: list[str] = []
    for message in body.get("messages") or []:
        content = message.get("content")
        blocks = [content] if isinstance(content, str) else list(content or [])
        if message.get("role") == "system":  # chat-completions: the system message is the prefix
            prefix += [b if isinstance(b, str) else str(b.get("text") or "") for b in blocks]
            continue
        rest += [b if isinstance(b, str) else str(b.get("text") or "") for b in blocks]
    return prefix, rest


@functools.lru_cache(maxsize=256)
def _stable_tokens(text: str, bound: bool) -> int:
    """Tokens of a prefix text (tools, system): the same few texts recur in every request of a stage."""
    return reserve_tokens(text) if bound else estimate_tokens(text)


def body_tokens(body: Mapping[str, Any], *, bound: bool = False) -> int:
    """Input tokens of a request body (Messages or chat-completions): tool definitions as JSON, system and message
    text, plus the tool-use overhead the API adds; ``bound``: the upper bound the budget guard reserves."""
    count = reserve_tokens if bound else estimate_tokens
    prefix, rest = _texts(body)
    return sum(_stable_tokens(t, bound) for t in prefix) + sum(count(t) for t in rest) + TOOL_OVERHEAD_TOKENS


def prefix_tokens(body: Mapping[str, Any]) -> int:
    """Estimated tokens of the cacheable prefix: tool definitions, the API's tool-use prompt and the system text."""
    return sum(_stable_tokens(t, False) for t in _texts(body)[0]) + TOOL_OVERHEAD_TOKENS


def _has_cache_control(body: Mapping[str, Any]) -> bool:
    system = body.get("system")
    return isinstance(system, list) and any(isinstance(b, Mapping) and "cache_control" in b for b in system)


def _filler(tokens: int) -> str:
    """Text of about ``tokens`` tokens (English words), standing in for summaries and names in cost models."""
    return " ".join(["summary"] * max(1, round(tokens / estimate_tokens("summary "))))


async def _all_or_nothing(coros: Sequence[Awaitable[Any]]) -> None:
    """Await every coroutine; on the first exception cancel the rest and raise that exception."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    failures = [task.exception() for task in tasks if task.done() and not task.cancelled()]  # all retrieved
    for failure in failures:
        if failure is not None:
            raise failure


def _bar(total: int, stage: str, enabled: bool) -> Any:
    from ..progress import progress_enabled

    if not progress_enabled(enabled) or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"LLM {stage}", unit="req", leave=False)
