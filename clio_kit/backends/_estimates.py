"""What an analysis would cost before it is run: tokens and dollars per stage, and the plan checks of ``max_cost``.

:class:`CostEstimates` prices the real request bodies where it can (facets), and models the rest (names, the
hierarchy, the audit) from Clio's sizes; the token arithmetic lives in :mod:`clio_kit.backends.llm_cost`.

>>> from clio_kit.backends.openai_compat import OpenAICompatibleBackend
>>> from clio_kit.conversation import Conversation, Message
>>> from clio_kit.facets.definitions import DEFAULT_FACETS
>>> backend = OpenAICompatibleBackend("http://localhost:8000/v1", "local", cache_dir=False,
...                                   price_table={"local": (1.0, 5.0)})  # $ per million input, output tokens
>>> plan = backend.estimate_cost([Conversation("c1", [Message("user", "How do I sort a list?")])], DEFAULT_FACETS)
>>> plan["facets"]["requests"], 0 < plan["total_dollars"] < 0.1
(1, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..conversation import Conversation
from ..facets.definitions import Facet
from ._engine import LLMEngine
from .llm_cost import (
    NEIGHBOURHOOD_SIZE,
    OUTPUT_ESTIMATE,
    TOOL_OVERHEAD_TOKENS,
    body_tokens,
    filler_text,
    has_cache_control,
    prefix_tokens,
    request_dollars,
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
)

__all__ = ["CostEstimates"]


class CostEstimates(LLMEngine):
    """Cost estimates and ``max_cost`` plan checks of an :class:`~clio_kit.backends._engine.LLMEngine`."""

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
            cacheable.append(prefix_tokens(body) if has_cache_control(body) else 0)
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

    def facet_output_tokens(self, asked: Sequence[Facet]) -> int:
        """Typical output tokens of one facet request asking ``asked`` (for estimates; see ``OUTPUT_ESTIMATE``)."""
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
            self.model_facets, self.facet_max_tokens, self.facet_output_tokens(asked))
        if n_clusters is None:
            from ..cluster import default_n_clusters

            n_clusters = default_n_clusters(len(convs))
        per_cluster = max(1, math.ceil(len(convs) / max(n_clusters, 1)))
        filler = filler_text(summary_tokens)
        in_group = [filler] * min(self.n_in_cluster, per_cluster)
        contrastive = [filler] * min(self.n_contrastive, max(len(convs) - per_cluster, 0))
        naming = naming_prompt(in_group, contrastive, facet=self.naming_facet)
        out["names"] = self._model_only("names", naming, n_clusters, OUTPUT_ESTIMATE["names"])
        levels = self._hierarchy_estimate(out, n_clusters)
        n_parents = sum(levels[1:])  # every parent at every level above the base is renamed and audited
        per_parent = max(1, math.ceil(levels[0] / levels[1])) if len(levels) > 1 else 1
        children = [(filler_text(8), filler_text(35), 1)] * per_parent
        out["parents"] = self._model_only("parents", parent_prompt(children), n_parents, OUTPUT_ESTIMATE["parents"])
        out["audit"] = self._model_only("audit", audit_prompt(filler_text(8), filler_text(35)), n_clusters + n_parents,
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
        cluster = (filler_text(8), filler_text(35))
        counts = {"hierarchy_propose": 0, "hierarchy_dedupe": 0, "hierarchy_assign": 0}
        for lower, upper in zip(levels, levels[1:]):
            counts["hierarchy_propose"] += max(1, round(lower / NEIGHBOURHOOD_SIZE))
            counts["hierarchy_dedupe"] += 1
            counts["hierarchy_assign"] += lower
        first, second = levels[0], levels[1]
        hood = min(first, NEIGHBOURHOOD_SIZE)
        want = max(1, math.ceil(second * hood / first))
        prompts = {"hierarchy_propose": proposal_prompt([cluster] * hood, [cluster] * min(10, first - hood), want),
                   "hierarchy_dedupe": dedupe_prompt([filler_text(8)] * (2 * second), second),
                   "hierarchy_assign": assign_prompt(cluster, [filler_text(8)] * second)}
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

