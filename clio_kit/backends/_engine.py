"""The abstract base of the model-backed backends: settings, provider hooks and the request machinery.

:class:`LLMEngine` sends requests and nothing more: bounded concurrency on a private event loop (see
:mod:`clio_kit.backends._transport`), retries with backoff, the on-disk response cache
(:mod:`clio_kit.backends.llm_cache`), the ``max_cost`` guard and per-stage accounting
(:mod:`clio_kit.backends.llm_cost`), validation of each answer with bounded re-asks, and the per-model downgrades
a provider's rejections teach it (a model that rejects a forced tool choice, or a sampling parameter, is asked
again without it, and every later request to that model is sent that way). A provider implements the four
abstract hooks (``_namespace``, ``_body``, ``_send``, ``_reply``); Clio's tasks live in
:class:`clio_kit.backends.llm_backend.LLMBackend`, cost estimates in :mod:`clio_kit.backends._estimates`.

>>> sorted(LLMEngine.__abstractmethods__)
['_body', '_namespace', '_reply', '_send']
"""

from __future__ import annotations

import abc
import asyncio
import inspect
import random
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar

from ..errors import BackendError, ConfigError
from ._transport import LoopThread, Reply, RequestFailed, TransportError, all_or_nothing, backoff_delay
from .llm_cache import ResponseCache, default_llm_cache_dir, request_key
from .llm_cost import BudgetGuard, ModelPrice, StageUsage, body_tokens, merge_prices, price_for, usage_summary
from .llm_parse import OutputError, repair_json
from .llm_prompts import Prompt

__all__ = ["LLMEngine", "Outcome"]

T = TypeVar("T")


@dataclass
class Outcome:
    """One item's result: ``value`` when it succeeded, else ``error`` (a short reason)."""

    value: Any = None
    error: str | None = None
    cut: bool = False


class LLMEngine(abc.ABC):
    """Settings and request machinery of every model-backed backend (see the module docstring).

    A provider implements ``_namespace``, ``_body``, ``_send`` (async) and ``_reply``, and optionally ``_aclose``,
    ``_exact_counts`` (a token-counting endpoint) and ``_batched``. For the shared downgrades it declares how its
    API spells them: ``REJECTION_STATUS`` (the HTTP statuses of a request the API refuses to accept),
    ``TOOL_CHOICE_WORDS`` (words of the error message that blame the tool choice), ``AUTO_TOOL_CHOICE`` (the
    unforced choice sent instead) and ``_may_relax_tool_choice`` (whether this body's choice may be relaxed).
    """

    VERSION = 1  # part of the fingerprint: bump when a change alters the answers
    REJECTION_STATUS: ClassVar[frozenset[int]] = frozenset({400})
    TOOL_CHOICE_WORDS: ClassVar[tuple[str, ...]] = ("tool_choice",)
    AUTO_TOOL_CHOICE: ClassVar[Any] = "auto"

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
        self._loop = LoopThread()
        weakref.finalize(self, self._loop.close)  # stop the private loop thread with the backend
        self._semaphore: asyncio.Semaphore | None = None
        self._auto_tool_models: set[str] = set()  # models that rejected a forced tool choice
        self._no_sampling_models: set[str] = set()  # models that rejected a sampling parameter (temperature)
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
    @abc.abstractmethod
    def _namespace(self) -> str:
        """The provider and endpoint, part of every cache key (answers of different servers never mix)."""

    @abc.abstractmethod
    def _body(self, prompt: Prompt, model: str, max_tokens: int) -> dict[str, Any]:
        """The provider's request body for ``prompt``: exactly what is hashed for the cache and sent."""

    @abc.abstractmethod
    async def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send one body and return the raw response; HTTP failures raise :class:`TransportError`."""

    @abc.abstractmethod
    def _reply(self, raw: Mapping[str, Any], tool_name: str) -> Reply:
        """Normalise a raw response: the ``tool_name`` call's input, any text, stop reason and token usage."""

    def request_body(self, prompt: Prompt, model: str, max_tokens: int) -> dict[str, Any]:
        """The exact request body ``prompt`` is cached under and sent as (before any learned downgrade)."""
        return self._body(prompt, model, max_tokens)

    def _usage_of(self, raw: Mapping[str, Any]) -> dict[str, int]:
        """Token counts of a raw response, with Anthropic's field names."""
        return self._reply(raw, "").usage

    async def _aclose(self) -> None:
        return None

    def _exact_counts(self, bodies: Sequence[Mapping[str, Any]]) -> list[int] | None:
        """The provider's exact input-token counts of ``bodies``, or ``None`` where it cannot count (offline)."""
        return None

    def _batched(self, stage: str) -> bool:
        """Whether ``stage``'s requests go through a batch API (priced at the batch discount)."""
        return False

    def _may_relax_tool_choice(self, body: Mapping[str, Any]) -> bool:
        """Whether ``body``'s forced tool choice may be replaced by ``AUTO_TOOL_CHOICE`` when the model rejects it."""
        return body.get("tool_choice") != self.AUTO_TOOL_CHOICE

    # -- per-model downgrades -----------------------------------------------------------------------------------
    def _adjust(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body actually sent (after downgrades learned from rejections); the cache key ignores them."""
        model = body["model"]
        relax, plain = model in self._auto_tool_models, model in self._no_sampling_models
        if not (relax or plain):
            return body
        sent = dict(body)
        if relax:
            auto = self.AUTO_TOOL_CHOICE
            sent["tool_choice"] = dict(auto) if isinstance(auto, Mapping) else auto
        if plain:
            sent.pop("temperature", None)
        return sent

    def _learn(self, body: dict[str, Any], error: TransportError) -> bool:
        """Learn a downgrade from a rejected request (forced tool choice or a sampling parameter unsupported by
        the model); True to resend at once."""
        if error.status not in self.REJECTION_STATUS:
            return False
        model, message = body["model"], error.message.lower()
        if any(word in message for word in self.TOOL_CHOICE_WORDS) and model not in self._auto_tool_models \
                and self._may_relax_tool_choice(body):
            self._auto_tool_models.add(model)  # e.g. Claude Sonnet 5.5 rejects forced tool use
            return True
        if "temperature" in message and "temperature" in body and model not in self._no_sampling_models:
            self._no_sampling_models.add(model)  # newer models reject non-default sampling parameters
            return True
        return False

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
            await all_or_nothing([worker() for _ in range(min(self.max_concurrency, max(count, 1)))])
        finally:
            if bar is not None:
                bar.close()
        return [r if r is not None else Outcome(error="not run") for r in results]

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run(coro)


def _bar(total: int, stage: str, enabled: bool) -> Any:
    from ..progress import progress_enabled

    if not progress_enabled(enabled) or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"LLM {stage}", unit="req", leave=False)

