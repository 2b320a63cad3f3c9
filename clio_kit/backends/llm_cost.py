"""Token and dollar accounting for LLM backends: a price table, token estimates of request bodies, per-stage
usage, and a spending guard.

Prices are US dollars per million tokens for base input, output, 5-minute cache writes and cache reads, as
published on Anthropic's pricing page (checked for this release); the Message Batches API halves every rate.
Pass ``price_table`` to a backend to override or add models (e.g. a local model at zero cost).

>>> price = price_for("claude-haiku-4-5-20251001")
>>> price.input, price.output
(1.0, 5.0)
>>> usage = StageUsage()
>>> usage.add_tokens({"input_tokens": 1_000_000, "output_tokens": 100_000}, price)
1.5
>>> body = {"system": "Name the cluster.", "messages": [{"role": "user", "content": "summaries"}]}
>>> body_tokens(body) > TOOL_OVERHEAD_TOKENS
True
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import BudgetExceeded
from .token_count import estimate_tokens, reserve_tokens

__all__ = [
    "BATCH_DISCOUNT",
    "DEFAULT_PRICES",
    "NEIGHBOURHOOD_SIZE",
    "OUTPUT_ESTIMATE",
    "TOOL_OVERHEAD_TOKENS",
    "BudgetExceeded",
    "BudgetGuard",
    "ModelPrice",
    "StageUsage",
    "body_tokens",
    "filler_text",
    "has_cache_control",
    "merge_prices",
    "prefix_tokens",
    "price_for",
    "request_dollars",
    "usage_summary",
]

BATCH_DISCOUNT = 0.5
TOOL_OVERHEAD_TOKENS = 313  # system prompt the API adds when a tool is forced (Anthropic's documented figure)
#: typical output tokens per request, for estimates only (real counts come from the API's usage fields)
OUTPUT_ESTIMATE = {"open": 60, "categorical": 8, "language": 10, "numeric": 4, "base": 30,
                   "names": 150, "parents": 150, "audit": 60, "hierarchy_propose": 120,
                   "hierarchy_dedupe": 300, "hierarchy_assign": 15, "synthetic": 450}
NEIGHBOURHOOD_SIZE = 40  # Clio's average neighbourhood of clusters per parent-proposal request (estimates)


@dataclass(frozen=True)
class ModelPrice:
    """US dollars per million tokens."""

    input: float
    output: float
    cache_write: float
    cache_read: float


def _p(inp: float, out: float, write: float | None = None, read: float | None = None) -> ModelPrice:
    return ModelPrice(inp, out, inp * 1.25 if write is None else write, inp * 0.1 if read is None else read)


# Anthropic list prices (USD / MTok). Long-prompt tiers of some newer models are not modelled.
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "claude-haiku-4-5": _p(1.0, 5.0),
    "claude-sonnet-4-5": _p(3.0, 15.0),
    "claude-sonnet-4-6": _p(3.0, 15.0),
    "claude-opus-4-5": _p(5.0, 25.0),
    "claude-opus-4-6": _p(5.0, 25.0),
    "claude-haiku-5-5": _p(0.10, 0.50, 0.125, 0.01),
    "claude-sonnet-5": _p(2.0, 10.0, 2.50, 0.20),
    "claude-sonnet-5-5": _p(2.0, 10.0, 2.50, 0.20),
    "claude-opus-5": _p(5.0, 25.0),
    "claude-haiku-3-5": _p(0.80, 4.0),
    "claude-3-haiku": _p(0.25, 1.25, 0.30, 0.03),
}

_DATE_SUFFIX = re.compile(r"-\d{8}$")


def merge_prices(overrides: Mapping[str, Any] | None) -> dict[str, ModelPrice]:
    """The defaults updated with ``overrides`` (``ModelPrice``, a mapping of its fields, or a 2-4 tuple)."""
    table = dict(DEFAULT_PRICES)
    for model, value in (overrides or {}).items():
        if isinstance(value, ModelPrice):
            table[model] = value
        elif isinstance(value, Mapping):
            table[model] = _p(float(value["input"]), float(value["output"]),
                              value.get("cache_write"), value.get("cache_read"))
        else:
            table[model] = _p(*[float(v) for v in value])
    return table


def price_for(model: str, table: Mapping[str, ModelPrice] | None = None) -> ModelPrice | None:
    """The price of ``model`` (exact id, then without a date suffix, then the longest known prefix)."""
    table = DEFAULT_PRICES if table is None else table
    if model in table:
        return table[model]
    base = _DATE_SUFFIX.sub("", model)
    if base in table:
        return table[base]
    prefixes = [key for key in table if model.startswith(key + "-")]
    return table[max(prefixes, key=len)] if prefixes else None


def request_dollars(price: ModelPrice | None, usage: Mapping[str, Any], *, batch: bool = False) -> float:
    """Dollars for one response's ``usage`` (Anthropic field names); 0 when the model has no price."""
    if price is None:
        return 0.0
    total = (int(usage.get("input_tokens") or 0) * price.input
             + int(usage.get("output_tokens") or 0) * price.output
             + int(usage.get("cache_creation_input_tokens") or 0) * price.cache_write
             + int(usage.get("cache_read_input_tokens") or 0) * price.cache_read) / 1e6
    return total * (BATCH_DISCOUNT if batch else 1.0)


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


def has_cache_control(body: Mapping[str, Any]) -> bool:
    """Whether a Messages body marks its system prompt for prompt caching."""
    system = body.get("system")
    return isinstance(system, list) and any(isinstance(b, Mapping) and "cache_control" in b for b in system)


def filler_text(tokens: int) -> str:
    """Text of about ``tokens`` tokens (English words), standing in for summaries and names in cost models."""
    return " ".join(["summary"] * max(1, round(tokens / estimate_tokens("summary "))))


@dataclass
class StageUsage:
    """What one stage sent and received; ``to_dict`` is what the run manifest records."""

    model: str = ""
    requests: int = 0          # HTTP requests sent (retries included)
    retries: int = 0           # requests repeated after 429 / 529 / 5xx / connection errors
    cache_hits: int = 0        # answers taken from the on-disk response cache (no request)
    batch_requests: int = 0    # requests sent through the Message Batches API
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    dollars: float = 0.0
    malformed: int = 0         # answers rejected as malformed (then retried)
    refusals: int = 0          # refusals or answers without the tool call (then retried)
    repaired: int = 0          # answers fixed locally (JSON repair, over-long names shortened)
    errors: int = 0            # items that still failed after every retry (recorded, never dropped)
    fallbacks: int = 0         # failed items given a local answer instead (e.g. nearest parent by embedding)
    cut_for_budget: int = 0    # conversations cut at message boundaries to fit the token budget
    unpriced: bool = False     # True when the model had no price (dollars then undercount)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add_tokens(self, usage: Mapping[str, Any], price: ModelPrice | None, *, batch: bool = False) -> float:
        """Add one response's token counts; returns its dollars."""
        dollars = request_dollars(price, usage, batch=batch)
        with self._lock:
            self.input_tokens += int(usage.get("input_tokens") or 0)
            self.output_tokens += int(usage.get("output_tokens") or 0)
            self.cache_creation_input_tokens += int(usage.get("cache_creation_input_tokens") or 0)
            self.cache_read_input_tokens += int(usage.get("cache_read_input_tokens") or 0)
            self.dollars += dollars
            self.unpriced = self.unpriced or price is None
        return dollars

    def bump(self, counter: str, by: int = 1) -> None:
        with self._lock:
            setattr(self, counter, getattr(self, counter) + by)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
        out["dollars"] = round(self.dollars, 6)
        return out


class BudgetGuard:
    """Stops spending before it could exceed ``max_cost`` dollars (``None``: no limit).

    Each request reserves its worst case (estimated input plus ``max_tokens`` of output) before it is sent and
    settles at its real cost when it returns, so concurrent requests can never overshoot together.

    >>> guard = BudgetGuard(0.01)
    >>> ticket = guard.reserve(0.004); guard.settle(ticket, 0.003); guard.spent
    0.003
    >>> guard.reserve(0.02)
    Traceback (most recent call last):
    clio_kit.errors.BudgetExceeded: the next request could cost up to $0.0200, which would exceed max_cost $0.0100 (spent $0.0030 so far); raise max_cost or narrow the input (answers so far are cached)
    """

    def __init__(self, max_cost: float | None) -> None:
        self.max_cost = max_cost
        self.spent = 0.0
        self._reserved = 0.0
        self._lock = threading.Lock()

    def reserve(self, worst_case: float) -> float:
        with self._lock:
            if self.max_cost is not None and self.spent + self._reserved + worst_case > self.max_cost + 1e-12:
                raise BudgetExceeded(
                    f"the next request could cost up to ${worst_case:.4f}, which would exceed max_cost "
                    f"${self.max_cost:.4f} (spent ${self.spent:.4f} so far); raise max_cost or narrow the input "
                    "(answers so far are cached)")
            self._reserved += worst_case
            return worst_case

    def settle(self, ticket: float, actual: float) -> None:
        with self._lock:
            self._reserved -= ticket
            self.spent += actual

    def check_plan(self, planned: float, what: str) -> None:
        """Refuse up front when a stage's estimated cost alone would exceed what is left."""
        if self.max_cost is not None and self.spent + planned > self.max_cost + 1e-12:
            raise BudgetExceeded(f"{what} is estimated at ${planned:.4f}, which would exceed max_cost "
                                 f"${self.max_cost:.4f} (spent ${self.spent:.4f} so far); raise max_cost or "
                                 "narrow the input")


def usage_summary(stages: Mapping[str, StageUsage]) -> dict[str, dict[str, Any]]:
    """``{stage: usage dict}`` plus a ``total`` row."""
    out = {name: usage.to_dict() for name, usage in stages.items()}
    keys = [f.name for f in fields(StageUsage) if f.type in ("int", "float") and not f.name.startswith("_")]
    out["total"] = {k: (round(sum(u[k] for u in out.values()), 6) if k == "dollars"
                        else sum(u[k] for u in out.values())) for k in keys}
    return out

