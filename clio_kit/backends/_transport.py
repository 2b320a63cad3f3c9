"""How LLM backends talk to a provider: transport errors, the retry policy, and an event loop in a thread.

Nothing here knows about prompts or Clio's tasks. A provider turns its HTTP failures into :class:`TransportError`;
the backend base retries the retryable ones after :func:`backoff_delay` and records an item as failed
(:class:`RequestFailed`) when retries run out. Requests run on :class:`LoopThread`, a private event loop in a
daemon thread, so the synchronous backend methods also work inside Jupyter, where a loop is already running.

>>> TransportError("overloaded", status=529).retryable, TransportError("no key", status=401).fatal
(True, True)
>>> loop = LoopThread()
>>> loop.run(asyncio.sleep(0, result="done"))
'done'
>>> loop.close()
"""

from __future__ import annotations

import asyncio
import importlib
import random
import threading
from collections.abc import Awaitable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["FATAL_STATUS", "RETRYABLE_STATUS", "LoopThread", "Reply", "RequestFailed", "TransportError",
           "all_or_nothing", "backoff_delay", "import_client", "retry_after"]

T = TypeVar("T")
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
FATAL_STATUS = frozenset({401, 403, 404})


class TransportError(Exception):
    """A request that did not return a usable HTTP 200: ``status`` is ``None`` for connection errors.

    Internal to the backends (never reaches the user): a fatal one becomes
    :class:`~clio_kit.errors.BackendError`, an exhausted one :class:`RequestFailed`.
    """

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


class RequestFailed(Exception):
    """One item's request failed for good (a 4xx, or retries exhausted); recorded against the item, never raised
    to the user."""


@dataclass
class Reply:
    """A provider's answer, normalised: the tool input (or ``None``), any text, and the token usage."""

    tool_input: Any
    text: str
    stop_reason: str
    usage: dict[str, int]
    refused: bool = False
    problem: str | None = None  # why ``tool_input`` is missing, e.g. "invalid JSON in tool arguments"


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


def import_client(module: str, install_hint: str) -> Any:
    """Import a provider's client library lazily (``ImportError`` with ``install_hint`` when it is missing).

    >>> import_client("json", "pip install json").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:  # pragma: no cover - declared dependencies
        raise ImportError(install_hint) from error


def retry_after(headers: Any) -> float | None:
    """Seconds the server asked to wait (``retry-after-ms``, else ``retry-after``), or ``None``.

    >>> retry_after({"retry-after": "2"}), retry_after({"retry-after-ms": "1500"}), retry_after(None)
    (2.0, 1.5, None)
    """
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return float(value) * scale
            except ValueError:
                continue
    return None


class LoopThread:
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


async def all_or_nothing(coros: Sequence[Awaitable[Any]]) -> None:
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
