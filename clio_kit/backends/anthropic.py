"""The Claude backend: Clio's facets, names and audit through Anthropic's Messages API.

Each conversation costs one request: the stable instructions, questions and worked examples sit in a system block,
the fenced conversation in the user turn, and a forced ``record_facets`` tool returns every answer at once. The
system block is marked ``cache_control: {"type": "ephemeral"}`` only where the stable prefix (tools and system)
reaches the model's minimum cacheable length (``MIN_CACHEABLE_TOKENS``; 4,096 for Haiku 4.5): below it the API
caches nothing, so the marker is left off. With an API key, ``estimate_cost`` and ``max_cost`` plans count tokens
with the API's token-counting endpoint (``messages.count_tokens``; cached per request) instead of the offline
per-script estimate. With
``batch=True`` facet requests go through the Message Batches API at half price: the batch id is saved in
``cache_dir`` before polling, so an interrupted run resumes the same batch instead of paying twice.

Retries are done here (the SDK's own are switched off) so they are observable and testable: exponential backoff
with jitter on 429, 529, other 5xx and connection errors, honouring ``retry-after``.

>>> backend = AnthropicBackend(api_key="sk-test", cache_dir=False)
>>> backend.model_facets, backend.uses_llm
('claude-haiku-4-5', True)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any

from ..config import anthropic_api_key
from ..conversation import Conversation
from ..errors import BackendError, BudgetExceeded, ConfigError
from ..facets.definitions import Facet
from ._engine import Outcome
from ._transport import Reply, RequestFailed, TransportError, import_client, retry_after
from .llm_backend import LLMBackend
from .llm_cache import BatchState, request_key
from .llm_cost import StageUsage, prefix_tokens
from .llm_parse import OutputError, parse_facets
from .llm_prompts import Prompt

__all__ = ["DEFAULT_FACET_MODEL", "DEFAULT_NAMING_MODEL", "AnthropicBackend", "BudgetExceeded"]

DEFAULT_FACET_MODEL = "claude-haiku-4-5"
DEFAULT_NAMING_MODEL = "claude-sonnet-4-6"  # Sonnet 4.5 is deprecated (end of life 2026-11-30)
BATCH_MAX_REQUESTS = 100_000      # the Message Batches API's per-batch limits
BATCH_MAX_BYTES = 200 * 1024 * 1024  # (256 MB), with headroom for the envelope
# The shortest prefix each model caches (Anthropic's prompt-caching notes; below it nothing is cached and no error
# is raised). Unlisted models get the most common floor, 1,024.
MIN_CACHEABLE_TOKENS = {"claude-haiku-4-5": 4096, "claude-opus-4-5": 4096, "claude-opus-4-6": 4096,
                        "claude-sonnet-4-6": 2048, "claude-haiku-3-5": 2048, "claude-3-haiku": 2048,
                        "claude-sonnet-4-5": 1024, "claude-opus-4-1": 1024, "claude-sonnet-4": 1024}
_USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def _import_anthropic() -> Any:
    return import_client("anthropic", "the Claude backend needs the Anthropic SDK: pip install 'anthropic>=0.40'")


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value.model_dump(mode="json")


def _api_message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping) and inner.get("message"):
            return f"{inner.get('type', 'error')}: {inner['message']}"
    return str(getattr(error, "message", None) or error)


def min_cacheable_tokens(model: str) -> int:
    """The model's minimum cacheable prefix (exact id, then the longest known prefix of the id).

    >>> min_cacheable_tokens("claude-haiku-4-5-20251001"), min_cacheable_tokens("claude-unknown")
    (4096, 1024)
    """
    known = [key for key in MIN_CACHEABLE_TOKENS if model == key or model.startswith(key + "-")]
    return MIN_CACHEABLE_TOKENS[max(known, key=len)] if known else 1024


def custom_id_for(conversation_id: str) -> str:
    """The batch ``custom_id`` of a conversation: a sha256 prefix (ids may hold any characters).

    >>> custom_id_for("conv-1")
    'c36524fd8f6747fc2712506d01fee0e18'
    """
    return "c" + hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()[:32]


class _BatchGone(Exception):
    """A saved batch id the API no longer knows (expired or deleted)."""


class AnthropicBackend(LLMBackend):
    """Claude for facets (``model_facets``) and for names, parents and audit (``model_names``).

    Parameters beyond the common ones (see :class:`~clio_kit.backends.llm_backend.LLMBackend`): ``client`` (an
    ``anthropic.AsyncAnthropic``) or ``http_client`` (the SDK's async HTTP client, e.g. with a mock transport)
    and ``api_key`` (default: ``ANTHROPIC_API_KEY``); ``batch`` sends facet requests as a Message Batch polled
    every ``poll_interval`` seconds; ``force_tool`` (``None``: force, and fall back to ``auto`` for a model that
    rejects forced tool choice); ``max_cost`` in dollars stops before spending more (:class:`BudgetExceeded`);
    ``prompt_cache`` (mark the stable prefix for caching where it reaches the model's minimum; ``False``: never);
    ``count_tokens`` (``None``: use the token-counting endpoint when an API key is set; ``False``: offline only).
    """

    name = "anthropic"
    AUTO_TOOL_CHOICE = {"type": "auto"}
    TOOL_CHOICE_WORDS = ("tool_choice", "forced tool")

    def __init__(self, model_facets: str = DEFAULT_FACET_MODEL, model_names: str = DEFAULT_NAMING_MODEL,
                 max_concurrency: int = 8, max_retries: int = 5, cache_dir: Any = None,
                 price_table: Mapping[str, Any] | None = None, client: Any = None, http_client: Any = None,
                 api_key: str | None = None, *, batch: bool = False, poll_interval: float = 60.0,
                 base_url: str | None = None, timeout: float | None = 600.0, force_tool: bool | None = None,
                 prompt_cache: bool = True, count_tokens: bool | None = None, **options: Any) -> None:
        super().__init__(model_facets=model_facets, model_names=model_names, max_concurrency=max_concurrency,
                         max_retries=max_retries, cache_dir=cache_dir, price_table=price_table, **options)
        if batch and self.cache_dir is None:
            raise ConfigError("batch=True needs a cache_dir to remember the batch id (cache_dir=False disables it)")
        self.batch = batch
        self.poll_interval = poll_interval
        self.base_url = base_url
        self.timeout = timeout
        self.force_tool = force_tool
        self.prompt_cache = prompt_cache
        self.count_tokens = count_tokens
        self._given_client = client
        self._http_client = http_client
        self._api_key = api_key
        self._client: Any = None

    def fingerprint(self) -> dict[str, Any]:
        return {**super().fingerprint(), "force_tool": self.force_tool, "prompt_cache": self.prompt_cache}

    # -- the SDK ------------------------------------------------------------------------------------------------
    def _sdk(self) -> Any:
        if self._client is None:
            if self._given_client is not None:
                self._client = self._given_client.with_options(max_retries=0)
            else:
                if not (self._api_key or anthropic_api_key(auth_token=True)):
                    raise ConfigError("the Claude backend needs an API key: set ANTHROPIC_API_KEY or pass api_key=...")
                anthropic = _import_anthropic()
                kwargs: dict[str, Any] = {"max_retries": 0}
                for key, value in (("api_key", self._api_key), ("http_client", self._http_client),
                                   ("base_url", self.base_url), ("timeout", self.timeout)):
                    if value is not None:
                        kwargs[key] = value
                try:
                    self._client = anthropic.AsyncAnthropic(**kwargs)
                except anthropic.AnthropicError as error:
                    raise ConfigError("the Claude backend needs an API key: set ANTHROPIC_API_KEY or pass "
                                      f"api_key=... ({type(error).__name__})") from None
        return self._client

    async def _aclose(self) -> None:
        if self._client is not None and self._given_client is None and self._http_client is None:
            await self._client.close()
        self._client = None

    async def _sdk_call(self, method: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """Call an SDK coroutine, turning its HTTP errors into :class:`TransportError`."""
        anthropic = _import_anthropic()
        try:
            return await method(*args, **kwargs)
        except anthropic.APIStatusError as error:
            raise TransportError(_api_message(error), status=error.status_code,
                                 retry_after=retry_after(getattr(error.response, "headers", None))) from None
        except anthropic.APIConnectionError as error:
            raise TransportError(str(error) or "connection error") from None

    # -- provider hooks -----------------------------------------------------------------------------------------
    def _namespace(self) -> str:
        return "anthropic" if self.base_url is None else f"anthropic:{self.base_url}"

    def _body(self, prompt: Prompt, model: str, max_tokens: int) -> dict[str, Any]:
        tool = prompt.tool
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": max_tokens,
            "system": [{"type": "text", "text": prompt.system}],
            "messages": [{"role": "user", "content": prompt.user}],
            "tools": [{"name": tool.name, "description": tool.description, "input_schema": tool.schema}],
            "tool_choice": {"type": "auto"} if self.force_tool is False else {"type": "tool", "name": tool.name},
        }
        if self.prompt_cache and prefix_tokens(body) >= min_cacheable_tokens(model):
            body["system"][0]["cache_control"] = {"type": "ephemeral"}
        temperature = self.temperature if prompt.temperature is None else prompt.temperature
        if temperature is not None:
            body["temperature"] = temperature
        return body

    # -- token counting -----------------------------------------------------------------------------------------
    def _counting(self) -> bool:
        if self.count_tokens is not None:
            return self.count_tokens
        return bool(self._api_key or self._given_client is not None or anthropic_api_key())

    def _exact_counts(self, bodies: Sequence[Mapping[str, Any]]) -> list[int] | None:
        if not bodies or not self._counting():
            return None
        return self._run(self._count_all(bodies))

    async def _count_all(self, bodies: Sequence[Mapping[str, Any]]) -> list[int] | None:
        import asyncio

        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        usage = self._stage("count_tokens", bodies[0]["model"])
        counts = await asyncio.gather(*(self._count_one(usage, body) for body in bodies), return_exceptions=True)
        if any(isinstance(c, BaseException) for c in counts):
            return None  # the endpoint failed (e.g. no permission): fall back to the offline estimate
        return [int(c) for c in counts]  # type: ignore[arg-type]

    async def _count_one(self, usage: Any, body: Mapping[str, Any]) -> int:
        """Exact input tokens of one request (free endpoint; answers cached per request hash)."""
        params = {k: body[k] for k in ("model", "system", "messages", "tools", "tool_choice") if k in body}
        key = request_key("count_tokens:" + self._namespace(), params)
        cached = self._cache.get(key)
        if cached is not None:
            return int(cached["input_tokens"])
        assert self._semaphore is not None

        async def attempt() -> Any:
            async with self._semaphore:  # type: ignore[union-attr]
                return await self._sdk_call(self._sdk().messages.count_tokens, **params)

        answer = _as_dict(await self._retry(usage, attempt, counted=True))
        self._cache.put(key, {"input_tokens": int(answer["input_tokens"])})
        return int(answer["input_tokens"])

    def _may_relax_tool_choice(self, body: Mapping[str, Any]) -> bool:
        return self.force_tool is None and body.get("tool_choice", {}).get("type") == "tool"

    async def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        kwargs = dict(body)
        if "temperature" in kwargs:  # newer SDKs dropped sampling parameters from create(); the API still reads it
            kwargs["extra_body"] = {"temperature": kwargs.pop("temperature")}
        message = await self._sdk_call(self._sdk().messages.create, **kwargs)
        return _as_dict(message)

    def _reply(self, raw: Mapping[str, Any], tool_name: str) -> Reply:
        content = [b for b in raw.get("content") or [] if isinstance(b, Mapping)]
        uses = [b for b in content if b.get("type") == "tool_use" and (not tool_name or b.get("name") == tool_name)]
        text = "".join(str(b.get("text") or "") for b in content if b.get("type") == "text")
        stop = str(raw.get("stop_reason") or "")
        usage_raw = raw.get("usage") or {}
        usage = {k: int(usage_raw.get(k) or 0) for k in _USAGE_FIELDS}
        tool_input = uses[0].get("input") if uses else None
        problem = None
        if isinstance(tool_input, str):  # not expected from the API, but repairable
            text, tool_input, problem = tool_input, None, "tool input was text, not a JSON object"
        return Reply(tool_input, text, stop, usage, refused=stop == "refusal", problem=problem)

    def _batched(self, stage: str) -> bool:
        return self.batch and stage == "facets"

    # -- Message Batches ----------------------------------------------------------------------------------------
    async def _facet_outcomes(self, convs: Sequence[Conversation], make: Callable[[int], Prompt],
                              asked: Sequence[Facet], progress: bool) -> list[Outcome]:
        if not self.batch:
            return await super()._facet_outcomes(convs, make, asked, progress)
        model, usage = self.model_facets, self._stage("facets", self.model_facets)

        def parse(data: Any) -> Any:
            return parse_facets(data, asked)

        outcomes: list[Outcome | None] = [None] * len(convs)
        pending: dict[str, tuple[int, dict[str, Any], str, bool]] = {}  # custom_id -> (index, body, key, cut)
        tool_name = ""
        for index, conv in enumerate(convs):
            prompt = make(index)
            tool_name = prompt.tool.name
            body = self._body(prompt, model, self.facet_max_tokens)
            key = self._key(body)
            cached = self._cache.get(key)
            if cached is not None:
                try:
                    outcomes[index] = Outcome(self._check(self._reply(cached, tool_name), parse, None), cut=prompt.cut)
                    usage.bump("cache_hits")
                    continue
                except OutputError:
                    pass
            custom_id = custom_id_for(conv.conversation_id)
            if custom_id in pending:
                custom_id = custom_id_for(f"{conv.conversation_id}\0{index}")
            pending[custom_id] = (index, body, key, prompt.cut)
        redo: list[int] = []
        for chunk in _chunks(pending):
            results = await self._run_batch(usage, {cid: (pending[cid][1], pending[cid][2]) for cid in chunk})
            for custom_id in chunk:
                index, _, key, cut = pending[custom_id]
                raw = results.get(custom_id)
                if not isinstance(raw, Mapping):
                    redo.append(index)  # errored, expired or missing: ask again through the Messages API
                    continue
                try:
                    value = self._check(self._reply(raw, tool_name), parse, usage)
                except OutputError as error:
                    usage.bump("refusals" if error.refusal else "malformed")
                    redo.append(index)
                    continue
                self._cache.put(key, dict(raw))
                outcomes[index] = Outcome(value, cut=cut)
        if redo:
            again = await self._many("facets", len(redo), lambda j: make(redo[j]), model, self.facet_max_tokens,
                                     parse, progress)
            for index, outcome in zip(redo, again):
                outcomes[index] = outcome
        return [o if o is not None else Outcome(error="not run") for o in outcomes]

    async def _run_batch(self, usage: StageUsage, requests: Mapping[str, tuple[dict[str, Any], str]]
                         ) -> dict[str, Any]:
        """Submit (or resume) one batch, poll it to the end, and return ``{custom_id: message dict | reason}``."""
        state = BatchState(self.cache_dir, [key for _, key in requests.values()])
        for _ in range(2):
            saved = state.load()
            if saved is None:
                bodies = [body for body, _ in requests.values()]
                planned = sum(self._worst_case(b, b["model"]) for b in bodies) * 0.5
                self._budget.check_plan(planned, f"a Message Batch of {len(bodies)} requests (worst case)")
                payload = [{"custom_id": cid, "params": self._adjust(body)} for cid, (body, _) in requests.items()]
                try:
                    batch = await self._retry(usage, partial(self._sdk_call, self._sdk().messages.batches.create,
                                                              requests=payload), counted=False)
                except RequestFailed as failed:
                    raise BackendError(f"the Message Batch could not be created: {failed}") from None
                batch_id = _as_dict(batch)["id"]
                state.save(batch_id, {cid: key for cid, (_, key) in requests.items()})
                usage.bump("batch_requests", len(payload))
            else:
                batch_id = saved["batch_id"]
            try:
                await self._poll(usage, batch_id)
                results = await self._retry(usage, partial(self._collect, batch_id), counted=False)
            except _BatchGone:
                state.clear()  # the saved batch expired or was deleted: submit afresh
                continue
            except RequestFailed as failed:
                raise BackendError(f"Message Batch {batch_id}: {failed}; run again to resume it") from None
            price = self._price(self.model_facets)
            for raw in results.values():
                if isinstance(raw, Mapping):
                    dollars = usage.add_tokens(self._reply(raw, "").usage, price, batch=True)
                    self._budget.settle(0.0, dollars)
            state.clear()
            return results
        return {}

    async def _poll(self, usage: StageUsage, batch_id: str) -> None:
        while True:
            batch = _as_dict(await self._retry(usage, lambda: self._retrieve(batch_id), counted=False))
            if batch.get("processing_status") == "ended":
                return
            await self._sleep(self.poll_interval)

    async def _retrieve(self, batch_id: str) -> Any:
        try:
            return await self._sdk_call(self._sdk().messages.batches.retrieve, batch_id)
        except TransportError as error:
            if error.status == 404:
                raise _BatchGone(batch_id) from None
            raise

    async def _collect(self, batch_id: str) -> dict[str, Any]:
        anthropic = _import_anthropic()
        results: dict[str, Any] = {}
        try:
            decoder = await self._sdk().messages.batches.results(batch_id)
            async for item in decoder:
                entry = _as_dict(item)
                result = entry.get("result") or {}
                if result.get("type") == "succeeded":
                    results[entry["custom_id"]] = _as_dict(result["message"])
                else:
                    results[entry["custom_id"]] = f"batch request {result.get('type', 'failed')}"
        except anthropic.APIStatusError as error:
            raise TransportError(_api_message(error), status=error.status_code) from None
        except anthropic.APIConnectionError as error:
            raise TransportError(str(error) or "connection error") from None
        return results


def _chunks(pending: Mapping[str, tuple[int, dict[str, Any], str, bool]]) -> list[list[str]]:
    """Split custom ids into batches within the API's request-count and size limits."""
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for custom_id, (_, body, _, _) in pending.items():
        body_size = len(json.dumps(body, ensure_ascii=False).encode("utf-8")) + 100
        if current and (len(current) >= BATCH_MAX_REQUESTS or size + body_size > BATCH_MAX_BYTES):
            chunks.append(current)
            current, size = [], 0
        current.append(custom_id)
        size += body_size
    if current:
        chunks.append(current)
    return chunks

