"""What every LLM backend shares: the four Clio tasks, retries, caching, budgets and accounting.

A provider subclass only says how to turn a :class:`~clio_kit.backends.llm_prompts.Prompt` into a request body,
how to send it, and how to read the reply (the abstract hooks of :class:`~clio_kit.backends._engine.LLMEngine`).
This base class, with the engine and :class:`~clio_kit.backends._estimates.CostEstimates`, does the rest:

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

>>> LLMBackend.uses_llm, sorted(LLMBackend.__abstractmethods__)
(True, ['_body', '_namespace', '_reply', '_send'])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config import PrivacyConfig
from ..contracts import Capability
from ..conversation import Conversation
from ..errors import ConfigError
from ..facets.computed import computed_facets
from ..facets.definitions import Facet
from ..naming import ClusterLabel
from ..prompts import template_hashes
from ._engine import Outcome
from ._estimates import CostEstimates
from .llm_cost import OUTPUT_ESTIMATE
from .llm_parse import (
    parse_audit,
    parse_cluster_name,
    parse_facets,
    parse_parent_choice,
    parse_parent_names,
    parse_synthetic_turns,
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
from .llm_sampling import ContrastiveSampler

__all__ = ["LLMBackend"]


class LLMBackend(CostEstimates):
    """Base class of the model-backed backends (see the module docstring); abstract: a provider subclasses it."""

    name = "llm"
    uses_llm = True
    capabilities = frozenset({Capability.MODEL_FACETS, Capability.MODEL_NAMES, Capability.MODEL_AUDIT,
                              Capability.PARENT_PROPOSALS, Capability.AVOID_WORDING, Capability.USAGE})

    def prompt_hashes(self) -> dict[str, str]:
        return template_hashes()

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
                                  self.facet_max_tokens, self.facet_output_tokens(asked))
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
        from ..privacy import scrub  # lazily: the privacy layer sits above the backends
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
        named: dict[int, Any] = {}
        for key, outcome in zip(keys, outcomes):
            if outcome.value is None:
                named[key] = ClusterLabel(f"Unnamed cluster {key}", f"Naming failed: {outcome.error}", ())
                continue
            name, description, shortened = outcome.value
            if shortened:
                usage.bump("repaired")
            named[key] = ClusterLabel(name, description, ())
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
        from ..privacy.audit import AuditResult  # lazily: the privacy layer sits above the backends

        passing = self.min_audit_score or PrivacyConfig().min_audit_score
        results = []
        for outcome in outcomes:
            if outcome.value is None:
                results.append(AuditResult(score=1, reasons=(f"audit failed: {outcome.error}",), passed=False))
            else:
                score, reason = outcome.value
                results.append(AuditResult(score=score, reasons=(reason,) if reason else (), passed=score >= passing))
        return results



def _avoiding(prompt: Prompt, avoid: Mapping[int, Sequence[str]] | None, key: int) -> Prompt:
    """``prompt`` asking the model not to use word sequences that too few users wrote (a re-ask; a new request)."""
    if not avoid or not avoid.get(key):
        return prompt
    listed = "; ".join(f'"{s}"' for s in avoid[key])
    return dataclasses.replace(prompt, user=f"{prompt.user}\n\nDo not use these word sequences in the name or "
                                            f"description (too few users wrote them): {listed}.")

