"""Fake Anthropic and OpenAI-compatible HTTP APIs for tests: no network, exact request records.

Both fakes are ``MockTransport`` handlers that record every request (method, path, parsed JSON body, headers) and
answer like the real API: by default with a valid tool call synthesised from the request's own tool schema, or
with whatever was queued (an HTTP status, a specific tool input, a refusal, raw text). The Anthropic fake also
runs Message Batches (create, poll, JSONL results) and token counting (``/v1/messages/count_tokens``).

Token counts come from a real tokenizer, not from the estimate under test: the legacy Claude tokenizer in
``tests/data/reference_tokenizer`` (``request_tokens``). The Anthropic fake also simulates prompt caching: a request
whose system block carries ``cache_control`` and whose prefix (tools, the tool-use prompt, system) reaches the
model's minimum (``CACHE_MINIMUM``) writes the prefix on first sight and reads it afterwards.

    fake = FakeAnthropic()
    backend = AnthropicBackend(http_client=fake.client(), api_key="test", cache_dir=tmp_path, sleep=no_sleep)
    fake.enqueue_status(429)            # the next Messages request is rate limited
    fake.enqueue_tool_input_for("record_parent_choice", {"parent": "?"})  # the next request using that tool
    fake.answer_with = lambda body: {...}  # every other answer's tool input, computed from the request
    frame = backend.extract_facets(conversations, DEFAULT_FACETS)
    assert len(fake.message_bodies) == len(conversations) + 1
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "anthropic_factory",
    "TOOL_OVERHEAD_TOKENS",
    "FakeAnthropic",
    "FakeOpenAI",
    "Interrupted",
    "Recorded",
    "no_sleep",
    "CACHE_MINIMUM",
    "reference_tokens",
    "request_tokens",
    "sdk_httpx",
    "synthesize",
]


class Interrupted(Exception):
    """Raised by a test's sleep to simulate a run killed while it waits."""


async def no_sleep(seconds: float) -> None:
    """An injectable sleep that returns at once."""
    return


def sdk_httpx() -> Any:
    """The HTTP library module the installed Anthropic SDK uses (``httpx``, or ``httpx2`` in newer SDKs)."""
    import anthropic._base_client as base

    return getattr(base, "httpx2", None) or base.httpx


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    headers: dict[str, str]


TOOL_OVERHEAD_TOKENS = 313  # the tool-use system prompt the real API adds (and bills) when a tool is forced
# Minimum cacheable prefix per model, as the fake enforces it (Anthropic's prompt-caching notes).
CACHE_MINIMUM = {"claude-haiku-4-5": 4096, "claude-sonnet-4-6": 2048, "claude-opus-4-6": 4096}
_TOKENIZER = Path(__file__).parent / "data" / "reference_tokenizer" / "claude-legacy-tokenizer.json.gz"


@cache
def _tokenizer() -> Any:
    from tokenizers import Tokenizer

    with gzip.open(_TOKENIZER, "rt", encoding="utf-8") as handle:
        return Tokenizer.from_str(handle.read())


@cache
def reference_tokens(text: str) -> int:
    """Tokens of ``text`` by the reference tokenizer (a real byte-level BPE; see its README)."""
    return len(_tokenizer().encode(text, add_special_tokens=False).ids) if text else 0


def _split(body: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """``(prefix, rest)`` texts of a Messages or chat-completions body."""
    prefix = [json.dumps(body.get("tools", []), ensure_ascii=False)]
    system = body.get("system")
    if isinstance(system, str):
        prefix.append(system)
    elif isinstance(system, list):
        prefix += [block.get("text", "") for block in system]
    rest: list[str] = []
    for message in body.get("messages", []):
        content = message.get("content")
        texts = [content] if isinstance(content, str) else [b.get("text", "") for b in content or []]
        (prefix if message.get("role") == "system" else rest).extend(texts)
    return prefix, rest


def request_tokens(body: Mapping[str, Any]) -> int:
    """Input tokens of a Messages or chat-completions body by the reference tokenizer: system text, message text
    and tool definitions, as the model would read them (without the API's tool-use overhead)."""
    prefix, rest = _split(body)
    return sum(reference_tokens(t) for t in prefix + rest)


def _words(text: str, n: int) -> str:
    return " ".join(re.findall(r"[^\W\d_]+", text.lower())[:n])


def synthesize(schema: Mapping[str, Any], user_text: str) -> dict[str, Any]:
    """A valid tool input for ``schema``: strings derived from the fenced data, enums' first value, minimums."""
    inner = re.search(r"<(conversation|in_group|children|cluster|clusters|proposals|topic)>\n(.*?)\n</\1>",
                      user_text, re.DOTALL)
    data = inner.group(2) if inner else user_text
    data = re.sub(r"^(</?(user|assistant|system|tool)>|- |Name: ?)", "", data, flags=re.MULTILINE)
    topic = _words(data, 8) or "something"
    out: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if "enum" in prop:
            out[name] = prop["enum"][0]
        elif kind == "array" and name == "names":  # one name per bullet of the fenced data (hierarchy)
            lines = [line for line in data.splitlines() if line.strip() and line.strip() != "(none)"]
            topics = [_words(re.sub(r"^[-\s]*(help with )*", "", line.lower()), 5) for line in lines]
            names = [f"Help with {t or 'requests'}" for t in topics]
            out[name] = list(dict.fromkeys(names)) or ["Help with requests"]
        elif kind == "array" and (prop.get("items") or {}).get("type") == "object":
            out[name] = [synthesize(prop["items"], user_text)]
        elif kind == "array":
            out[name] = ["English"]
        elif kind == "integer":
            out[name] = 5 if name == "score" else prop.get("minimum", 1)
        elif name == "name":
            out[name] = f"Help with {_words(data, 4) or 'requests'}"
        elif name == "description":
            out[name] = f"Users ask for help with {topic}. The requests share a common theme."
        elif name == "reason":
            out[name] = "The text is generic and identifies no one."
        elif name == "reasoning":
            out[name] = "The items share a few themes; I grouped them by theme."
        else:
            begin = re.search(r'beginning with "([^"]+)"', prop.get("description", ""))
            start = begin.group(1) if begin else "The user asked for"
            out[name] = f"{start} help with {topic}, and wants a clear answer."
    return out


class _Fake:
    """Shared recording and queueing."""

    def __init__(self, httpx_module: Any) -> None:
        self.httpx = httpx_module
        self.requests: list[Recorded] = []
        self.queue: deque[Callable[[dict[str, Any]], Any]] = deque()
        self.by_tool: dict[str, deque[Callable[[dict[str, Any]], Any]]] = {}  # tool name -> queued answers
        self.answer_with: Callable[[dict[str, Any]], Any] | None = None  # default tool input from the body
        self._ids = itertools.count(1)

    def _record(self, request: Any) -> Recorded:
        raw = request.content
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        recorded = Recorded(request.method, request.url.path, body, {k.lower(): v for k, v in request.headers.items()})
        self.requests.append(recorded)
        return recorded

    def _json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Any:
        return self.httpx.Response(status, json=payload, headers=dict(headers or {}))

    def _queued(self, body: Any, tool: str) -> Callable[[dict[str, Any]], Any] | None:
        """The next queued answer for this request: the general queue first, then the tool's own queue."""
        if self.queue:
            return self.queue.popleft()
        waiting = self.by_tool.get(tool)
        return waiting.popleft() if waiting else None

    def client(self) -> Any:
        """An async HTTP client whose transport is this fake."""
        return self.httpx.AsyncClient(transport=self.httpx.MockTransport(self.handler))

    def handler(self, request: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class FakeAnthropic(_Fake):
    """A fake ``api.anthropic.com``: Messages (``/v1/messages``) and Message Batches.

    ``batch_polls``: how many polls a batch stays ``in_progress`` before it ends.
    """

    def __init__(self, *, httpx_module: Any = None, batch_polls: int = 1) -> None:
        super().__init__(httpx_module or sdk_httpx())
        self.batch_polls = batch_polls
        self.cached_prefixes: set[str] = set()  # prompt-cache entries (hash of the cached prefix)
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_results: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}  # custom_id -> result

    # -- queueing -----------------------------------------------------------------------------------------------
    def enqueue_status(self, status: int, *, retry_after: float | None = None, message: str = "boom",
                       error_type: str = "api_error") -> None:
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        self.queue.append(lambda body: self._json(status, {"type": "error", "error": {"type": error_type,
                                                                                      "message": message}}, headers))

    def enqueue_tool_input(self, tool_input: Any) -> None:
        self.queue.append(lambda body: self._json(200, self.message(body, tool_input=tool_input)))

    def enqueue_message(self, content: list[dict[str, Any]], stop_reason: str = "end_turn") -> None:
        self.queue.append(lambda body: self._json(200, self.message(body, content=content, stop_reason=stop_reason)))

    def enqueue_tool_input_for(self, tool: str, tool_input: Any) -> None:
        """The next request that offers ``tool`` answers with ``tool_input`` (other requests are unaffected)."""
        self.by_tool.setdefault(tool, deque()).append(
            lambda body: self._json(200, self.message(body, tool_input=tool_input)))

    # -- views --------------------------------------------------------------------------------------------------
    @property
    def message_bodies(self) -> list[dict[str, Any]]:
        """Bodies of every ``POST /v1/messages`` request, in order."""
        return [r.body for r in self.requests if r.method == "POST" and r.path == "/v1/messages"]

    @property
    def batch_creates(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.method == "POST" and r.path == "/v1/messages/batches"]

    # -- responses ----------------------------------------------------------------------------------------------
    def message(self, body: Mapping[str, Any], *, tool_input: Any = None, content: list[dict[str, Any]] | None = None,
                stop_reason: str = "tool_use") -> dict[str, Any]:
        """A Messages API response to ``body`` (a synthesised tool call unless told otherwise)."""
        tool = body["tools"][0]
        user = body["messages"][0]["content"]
        if content is None:
            value = synthesize(tool["input_schema"], user) if tool_input is None else tool_input
            content = [{"type": "tool_use", "id": f"toolu_{next(self._ids):06d}", "name": tool["name"],
                        "input": value}]
        out_tokens = max(1, reference_tokens(json.dumps(content, ensure_ascii=False)))
        return {"id": f"msg_{next(self._ids):06d}", "type": "message", "role": "assistant", "model": body["model"],
                "content": content, "stop_reason": stop_reason, "stop_sequence": None,
                "usage": {**self.usage(body), "output_tokens": out_tokens}}

    def usage(self, body: Mapping[str, Any]) -> dict[str, int]:
        """Input-token usage of ``body``, prompt caching simulated (see the module docstring)."""
        prefix, rest = _split(body)
        prefix_tokens = sum(reference_tokens(t) for t in prefix) + TOOL_OVERHEAD_TOKENS
        total = prefix_tokens + sum(reference_tokens(t) for t in rest)
        marked = any("cache_control" in block for block in body.get("system") or [] if isinstance(block, dict))
        minimum = next((v for k, v in CACHE_MINIMUM.items() if str(body["model"]).startswith(k)), 1024)
        usage = {"input_tokens": total, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        if marked and prefix_tokens >= minimum:
            key = hashlib.sha256(json.dumps([body["model"], prefix]).encode()).hexdigest()
            field = "cache_read_input_tokens" if key in self.cached_prefixes else "cache_creation_input_tokens"
            self.cached_prefixes.add(key)
            usage[field] = prefix_tokens
            usage["input_tokens"] = total - prefix_tokens
        return usage

    def _batch_json(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        ended = batch["polls_left"] <= 0
        n = len(batch["requests"])
        return {"id": batch_id, "type": "message_batch", "processing_status": "ended" if ended else "in_progress",
                "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-02T00:00:00Z",
                "ended_at": "2026-01-01T01:00:00Z" if ended else None, "archived_at": None,
                "cancel_initiated_at": None,
                "request_counts": {"processing": 0 if ended else n, "succeeded": n if ended else 0, "errored": 0,
                                   "canceled": 0, "expired": 0},
                "results_url": f"https://api.anthropic.com/v1/messages/batches/{batch_id}/results" if ended else None}

    def handler(self, request: Any) -> Any:
        recorded = self._record(request)
        path, method = recorded.path, recorded.method
        if method == "POST" and path == "/v1/messages":
            queued = self._queued(recorded.body, recorded.body["tools"][0]["name"])
            if queued is not None:
                return queued(recorded.body)
            if self.answer_with is not None:
                return self._json(200, self.message(recorded.body, tool_input=self.answer_with(recorded.body)))
            return self._json(200, self.message(recorded.body))
        if method == "POST" and path == "/v1/messages/count_tokens":
            body = recorded.body
            tokens = request_tokens(body) + (TOOL_OVERHEAD_TOKENS if body.get("tools") else 0)
            return self._json(200, {"input_tokens": tokens})
        if method == "POST" and path == "/v1/messages/batches":
            batch_id = f"msgbatch_{next(self._ids):06d}"
            self.batches[batch_id] = {"requests": recorded.body["requests"], "polls_left": self.batch_polls}
            return self._json(200, self._batch_json(batch_id))
        match = re.fullmatch(r"/v1/messages/batches/([\w-]+)(/results)?", path)
        if method == "GET" and match and match.group(1) in self.batches:
            batch_id = match.group(1)
            if match.group(2):
                lines = [json.dumps(self._batch_result(r)) for r in self.batches[batch_id]["requests"]]
                return self.httpx.Response(200, content="\n".join(lines).encode(),
                                           headers={"content-type": "application/binary"})
            self.batches[batch_id]["polls_left"] -= 1
            return self._json(200, self._batch_json(batch_id))
        return self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": path}})

    def _batch_result(self, request: Mapping[str, Any]) -> dict[str, Any]:
        custom_id = request["custom_id"]
        make = self.batch_results.get(custom_id)
        if make is not None:
            return {"custom_id": custom_id, "result": make(request["params"])}
        return {"custom_id": custom_id, "result": {"type": "succeeded", "message": self.message(request["params"])}}


class FakeOpenAI(_Fake):
    """A fake OpenAI-compatible server (``POST {base}/chat/completions``), e.g. vLLM or Ollama."""

    def __init__(self, *, httpx_module: Any = None) -> None:
        import httpx

        super().__init__(httpx_module or httpx)

    def enqueue_status(self, status: int, *, message: str = "boom", retry_after: float | None = None) -> None:
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        self.queue.append(lambda body: self._json(status, {"error": {"message": message, "type": "server_error"}},
                                                  headers))

    def enqueue_arguments(self, arguments: str) -> None:
        """The next answer's function-call arguments, verbatim (e.g. damaged JSON)."""
        self.queue.append(lambda body: self._json(200, self.completion(body, arguments=arguments)))

    def enqueue_content(self, content: str) -> None:
        """The next answer is plain message text with no tool call."""
        self.queue.append(lambda body: self._json(200, self.completion(body, content=content, no_tool=True)))

    def enqueue_arguments_for(self, tool: str, arguments: str) -> None:
        """The next request that offers ``tool`` answers with these function-call arguments, verbatim."""
        self.by_tool.setdefault(tool, deque()).append(
            lambda body: self._json(200, self.completion(body, arguments=arguments)))

    @property
    def completion_bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.method == "POST" and r.path.endswith("/chat/completions")]

    def completion(self, body: Mapping[str, Any], *, arguments: str | None = None, content: str | None = None,
                   no_tool: bool = False) -> dict[str, Any]:
        function = body["tools"][0]["function"]
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if not no_tool:
            args = json.dumps(synthesize(function["parameters"], user)) if arguments is None else arguments
            message["tool_calls"] = [{"id": f"call_{next(self._ids)}", "type": "function",
                                      "function": {"name": function["name"], "arguments": args}}]
        prompt_tokens = request_tokens(body) + TOOL_OVERHEAD_TOKENS
        completion_tokens = max(1, reference_tokens(json.dumps(message, ensure_ascii=False)))
        return {"id": f"chatcmpl-{next(self._ids)}", "object": "chat.completion", "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": "stop" if no_tool else "tool_calls"}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                          "total_tokens": prompt_tokens + completion_tokens}}

    def handler(self, request: Any) -> Any:
        recorded = self._record(request)
        if recorded.method == "POST" and recorded.path.endswith("/chat/completions"):
            queued = self._queued(recorded.body, recorded.body["tools"][0]["function"]["name"])
            if queued is not None:
                return queued(recorded.body)
            if self.answer_with is not None:
                arguments = json.dumps(self.answer_with(recorded.body))
                return self._json(200, self.completion(recorded.body, arguments=arguments))
            return self._json(200, self.completion(recorded.body))
        return self._json(404, {"error": {"message": f"no route {recorded.path}"}})


def anthropic_factory(fake: "FakeAnthropic", cache_dir: Any) -> Callable[..., Any]:
    """``build(**options)``: an ``AnthropicBackend`` on ``fake`` (cache in ``cache_dir``, one request at a time,
    back-offs that do not wait unless ``options`` say otherwise)."""
    from clio_kit.backends.anthropic import AnthropicBackend

    def build(**options: Any) -> Any:
        options.setdefault("cache_dir", cache_dir)
        options.setdefault("max_concurrency", 1)
        options.setdefault("sleep", no_sleep)
        return AnthropicBackend(http_client=fake.client(), api_key="sk-test", progress=False, **options)

    return build
