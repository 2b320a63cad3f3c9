"""An OpenAI-compatible backend: the same prompts and JSON schemas through ``/chat/completions`` with tools.

Works with vLLM, Ollama, llama.cpp's server, LM Studio and hosted OpenAI-compatible APIs. It uses plain httpx
(no OpenAI SDK). Function-call arguments arrive as JSON text, so they are parsed and, when damaged (code fences,
trailing commas, a truncated object), repaired; a server that answers in the message text instead of a tool call
is accepted the same way. Local models cost nothing unless ``price_table`` gives their price.

>>> backend = OpenAICompatibleBackend("http://localhost:8000/v1", "qwen2.5-7b-instruct", cache_dir=False)
>>> backend.name, backend.model_facets == backend.model_names
('openai', True)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from ._transport import Reply, TransportError, import_client, retry_after
from .llm_backend import LLMBackend
from .llm_prompts import Prompt

__all__ = ["OpenAICompatibleBackend"]

_TOOL_CHOICES = ("function", "required", "auto", "none")


def _import_httpx() -> Any:
    return import_client("httpx", "the OpenAI-compatible backend needs httpx: pip install 'httpx>=0.27'")


class OpenAICompatibleBackend(LLMBackend):
    """Any server speaking OpenAI's chat-completions protocol with tool calls.

    ``base_url`` includes the version prefix (``http://localhost:8000/v1``); ``model`` answers facets and, unless
    ``model_names`` is given, names and audits too. ``tool_choice``: ``"function"`` forces the tool by name (the
    default), ``"required"`` forces some tool, ``"auto"`` lets the model choose (for servers that reject forcing;
    a rejected named choice also falls back to ``"auto"`` automatically). ``http_client``: an
    ``httpx.AsyncClient`` (e.g. with a mock transport); ``api_key`` is sent as a Bearer token.
    """

    name = "openai"
    REJECTION_STATUS = frozenset({400, 422})

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *, model_names: str | None = None,
                 http_client: Any = None, tool_choice: str = "function", timeout: float = 600.0,
                 headers: Mapping[str, str] | None = None, max_concurrency: int = 8, max_retries: int = 5,
                 cache_dir: Any = None, price_table: Mapping[str, Any] | None = None, **options: Any) -> None:
        if tool_choice not in _TOOL_CHOICES:
            raise ConfigError(f"tool_choice must be one of {', '.join(_TOOL_CHOICES)}, got {tool_choice!r}")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base_url must start with http:// or https://, got {base_url!r}")
        super().__init__(model_facets=model, model_names=model_names or model, max_concurrency=max_concurrency,
                         max_retries=max_retries, cache_dir=cache_dir, price_table=price_table, **options)
        self.base_url = base_url.rstrip("/")
        self.tool_choice = tool_choice
        self.timeout = timeout
        self._api_key = api_key
        self._headers = dict(headers or {})
        self._given_client = http_client
        self._client: Any = None

    def fingerprint(self) -> dict[str, Any]:
        return {**super().fingerprint(), "tool_choice": self.tool_choice}

    def _price(self, model: str) -> Any:
        return self.prices.get(model)  # exact ids only: an unknown local model is free, never a Claude price

    # -- provider hooks -----------------------------------------------------------------------------------------
    def _namespace(self) -> str:
        return f"openai:{self.base_url}"

    def _body(self, prompt: Prompt, model: str, max_tokens: int) -> dict[str, Any]:
        tool = prompt.tool
        body: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}],
            "tools": [{"type": "function", "function": {"name": tool.name, "description": tool.description,
                                                        "parameters": tool.schema}}],
            "max_tokens": max_tokens,
        }
        if self.tool_choice == "function":
            body["tool_choice"] = {"type": "function", "function": {"name": tool.name}}
        else:
            body["tool_choice"] = self.tool_choice
        temperature = self.temperature if prompt.temperature is None else prompt.temperature
        if temperature is not None:
            body["temperature"] = temperature
        return body

    def _http(self) -> Any:
        if self._client is None:
            httpx = _import_httpx()
            self._client = self._given_client or httpx.AsyncClient(timeout=self.timeout)
        return self._client

    async def _aclose(self) -> None:
        if self._client is not None and self._given_client is None:
            await self._client.aclose()
        self._client = None

    async def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        httpx = _import_httpx()
        headers = {"Content-Type": "application/json", **self._headers}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            response = await self._http().post(f"{self.base_url}/chat/completions",
                                               content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                               headers=headers)
        except httpx.HTTPError as error:
            raise TransportError(f"{type(error).__name__}: {error}") from None
        if response.status_code >= 400:
            raise TransportError(_error_text(response), status=response.status_code,
                                 retry_after=retry_after(response.headers))
        try:
            data = response.json()
        except ValueError:
            raise TransportError("the server answered with invalid JSON", status=502) from None
        if not isinstance(data, dict) or not data.get("choices"):
            raise TransportError("the server's answer has no choices", status=502)
        return data

    def _reply(self, raw: Mapping[str, Any], tool_name: str) -> Reply:
        usage_raw = raw.get("usage") or {}
        cached = int((usage_raw.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
        usage = {"input_tokens": max(int(usage_raw.get("prompt_tokens") or 0) - cached, 0),
                 "output_tokens": int(usage_raw.get("completion_tokens") or 0),
                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": cached}
        choices = raw.get("choices") or [{}]
        choice = choices[0] if isinstance(choices[0], Mapping) else {}
        message = choice.get("message") or {}
        finish = str(choice.get("finish_reason") or "")
        text = message.get("content") if isinstance(message.get("content"), str) else ""
        refused = bool(message.get("refusal")) or finish == "content_filter"
        calls = [c for c in message.get("tool_calls") or [] if isinstance(c, Mapping)]
        named = [c for c in calls if (c.get("function") or {}).get("name") == tool_name] or calls
        if not named:
            return Reply(None, text or "", finish, usage, refused=refused)
        arguments = (named[0].get("function") or {}).get("arguments")
        if isinstance(arguments, Mapping):  # some servers (Ollama) send an object, not JSON text
            return Reply(dict(arguments), text or "", finish, usage, refused=refused)
        try:
            parsed = json.loads(arguments or "")
        except (TypeError, ValueError):
            parsed = None
        if isinstance(parsed, dict):
            return Reply(parsed, text or "", finish, usage, refused=refused)
        # Damaged arguments: hand the text to the repair step, which records that it repaired it.
        return Reply(None, str(arguments or ""), finish, usage, refused=refused,
                     problem="invalid JSON in tool arguments")


def _error_text(response: Any) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    error = data.get("error") if isinstance(data, Mapping) else None
    if isinstance(error, Mapping):
        return str(error.get("message") or error)
    if isinstance(error, str):
        return error
    return str(data.get("detail") or data)[:200] if isinstance(data, Mapping) else str(data)[:200]
