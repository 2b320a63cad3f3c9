"""The contracts (clio_kit.contracts): a part written against a Protocol plugs into the pipeline, and every shipped
backend satisfies the Backend contract and declares what else it can do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig
from clio_kit.backends import OfflineBackend
from clio_kit.backends.anthropic import AnthropicBackend
from clio_kit.backends.hybrid import HybridBackend
from clio_kit.backends.openai_compat import OpenAICompatibleBackend
from clio_kit.contracts import (CAPABILITY_PROTOCOLS, Backend, Capability, Clusterer, Hierarchy, check_backend,
                                has)
from clio_kit.errors import ConfigError
from clio_kit.hierarchy import CentroidHierarchy
from clio_kit.llm_hierarchy import LLMHierarchy

from .conftest import HashingEmbedder

LOW = dict(min_users=2, min_conversations=3, min_phrase_users=2)


class FirstAxisClusterer:
    """Only what the Clusterer Protocol asks: ``fit`` setting ``labels_`` (here: 6 bins of the first coordinate,
    numbered with gaps, which the pipeline renumbers)."""

    def fit(self, X, y=None):  # noqa: ANN001, ANN201
        first = np.asarray(X)[:, 0]
        edges = np.quantile(first, np.linspace(0, 1, 7)[1:-1])
        self.labels_ = np.digitize(first, edges) * 10
        return self


class HalvesHierarchy:
    """Only what the Hierarchy Protocol asks: ``fit`` setting ``parents_`` (one level: first half, second half)."""

    def fit(self, centroids, sizes, labels=None, *, embedder=None, backend=None):  # noqa: ANN001, ANN201
        self.seen_labels = labels
        n = len(centroids)
        self.parents_ = [(np.arange(n) >= n // 2).astype(np.int64)]
        return self


def test_a_minimal_clusterer_and_hierarchy_plug_into_the_pipeline(tmp_path: Path, labelled_path: Path) -> None:
    clusterer, hierarchy = FirstAxisClusterer(), HalvesHierarchy()
    assert isinstance(clusterer, Clusterer) and isinstance(hierarchy, Hierarchy)
    run = Pipeline(embedder=HashingEmbedder(), clusterer=clusterer, hierarchy=hierarchy,
                   config=PipelineConfig(**LOW), progress=False).run(labelled_path, tmp_path / "run")
    tree = pd.read_parquet(run.path / "hierarchy.parquet")
    assert tree.groupby("level").size().tolist() == [6, 2]  # the custom clusterer's 6 groups, the custom 2 parents
    base = tree[tree["level"] == 0].sort_values("cluster_id")
    assert base["parent_id"].tolist() == [6, 6, 6, 7, 7, 7]
    assert tree.loc[tree["level"] == 1, "name"].str.len().gt(0).all()  # the backend named the custom parents
    assert len(hierarchy.seen_labels) == 6  # the pipeline passed the base names, as to every hierarchy
    manifest = run.manifest
    assert manifest["components"]["hierarchy"]["class"].endswith("HalvesHierarchy")
    assert manifest["stages"]["privacy"]["status"] == "done"


def _shipped_backends() -> list[Backend]:
    openai = OpenAICompatibleBackend("http://localhost:1/v1", "some-model", cache_dir=False)
    return [OfflineBackend(), AnthropicBackend(cache_dir=False), openai, HybridBackend(OfflineBackend(), openai)]


@pytest.mark.parametrize("backend", _shipped_backends(), ids=lambda b: type(b).__name__)
def test_every_shipped_backend_satisfies_the_contract_and_declares_capabilities(backend: Backend) -> None:
    assert isinstance(backend, Backend) and check_backend(backend) is backend
    assert isinstance(backend.capabilities, frozenset)
    assert all(isinstance(c, Capability) for c in backend.capabilities)
    for capability, protocol in CAPABILITY_PROTOCOLS.items():  # declared means implemented
        if has(backend, capability):
            assert isinstance(backend, protocol), capability
    # uses_llm (the report's banner) agrees with the declarations the pipeline branches on
    assert backend.uses_llm == has(backend, Capability.MODEL_FACETS)


def test_the_shipped_backends_declare_what_the_pipeline_relies_on() -> None:
    offline, anthropic, openai, hybrid = _shipped_backends()
    assert offline.capabilities == {Capability.BOOLEAN_SCREENING, Capability.APPROXIMATE_CONCERN}
    for llm in (anthropic, openai):
        assert {Capability.MODEL_FACETS, Capability.MODEL_NAMES, Capability.MODEL_AUDIT,
                Capability.PARENT_PROPOSALS, Capability.AVOID_WORDING} <= llm.capabilities
    assert has(hybrid, Capability.MODEL_NAMES) and has(hybrid, Capability.SEPARATE_FACETS)
    assert not has(hybrid, Capability.MODEL_FACETS) and hybrid.facet_backend is hybrid.offline
    # the pipeline picks the hierarchy from the declarations
    assert isinstance(Pipeline(backend=anthropic, progress=False)._hierarchy(), LLMHierarchy)
    assert isinstance(Pipeline(backend=offline, progress=False)._hierarchy(), CentroidHierarchy)


def test_a_backend_missing_its_contract_is_a_one_line_error() -> None:
    class NotABackend:
        name = "half"

        def extract_facets(self, conversations, facets, *, progress=True):  # noqa: ANN001, ANN201
            return None

    with pytest.raises(ConfigError, match="NotABackend is not a backend.*lacks uses_llm, capabilities") as error:
        Pipeline(backend=NotABackend())
    assert "\n" not in str(error.value)

    class Claims(OfflineBackend):  # declares a capability whose method it does not have
        capabilities = frozenset({Capability.PARENT_PROPOSALS})

    with pytest.raises(ConfigError, match="declares parent_proposals but does not implement .*ParentProposals"):
        Pipeline(backend=Claims())
    with pytest.raises(ConfigError, match="namer must be an LLM backend.*got OfflineBackend"):
        Pipeline(namer=OfflineBackend())


def test_both_hierarchies_share_one_fit_signature() -> None:
    import inspect

    expected = ["self", "centroids", "sizes", "labels", "embedder", "backend"]
    for cls in (CentroidHierarchy, LLMHierarchy):
        assert list(inspect.signature(cls.fit).parameters) == expected
    tree = CentroidHierarchy(n_levels=2, n_top=2).fit(np.eye(4), [1, 1, 1, 1], labels={}, embedder=None,
                                                       backend=None)
    assert isinstance(tree, Hierarchy) and len(tree.parents_) == 1


def test_the_docstring_diagram_is_the_stage_table() -> None:
    import textwrap

    from clio_kit import pipeline

    assert textwrap.indent(pipeline.stage_diagram(), "    ", lambda line: line.strip() != "") in pipeline.__doc__
    assert pipeline.STAGES == tuple(stage.name for stage in pipeline.STAGE_TABLE)


def test_the_stage_table_says_what_each_stage_reads_and_writes(tmp_path: Path, labelled_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from clio_kit.pipeline import STAGE_TABLE
    from clio_kit.store import RunStore

    current: list[str] = []
    reads: dict[str, set[str]] = {}
    started, read_table, read_array, file = (RunStore.mark_started, RunStore.read_table, RunStore.read_array,
                                             RunStore.file)

    def record(name: str) -> None:
        reads.setdefault(current[-1], set()).add(name)

    monkeypatch.setattr(RunStore, "mark_started", lambda self, name, key: (current.append(name),
                                                                           started(self, name, key))[1])
    monkeypatch.setattr(RunStore, "read_table", lambda self, name, *a, **k: (record(name),
                                                                             read_table(self, name, *a, **k))[1])
    monkeypatch.setattr(RunStore, "read_array", lambda self, name, *a, **k: (record(name),
                                                                             read_array(self, name, *a, **k))[1])
    monkeypatch.setattr(RunStore, "file", lambda self, name: (record(name), file(self, name))[1])
    run = Pipeline(embedder=HashingEmbedder(), config=PipelineConfig(**LOW), progress=False).run(
        labelled_path, tmp_path / "run")
    declared = {stage.name: set(stage.reads) for stage in STAGE_TABLE}
    writes = {stage.name: set(stage.writes) for stage in STAGE_TABLE}
    for stage, names in reads.items():  # reading back its own output (e.g. the embeddings' width) is no input
        assert names - writes[stage] <= declared[stage], (stage, names - writes[stage] - declared[stage])
    unread = {(stage, name) for stage in declared for name in declared[stage] - reads.get(stage, set())}
    assert unread == {("embed", RunStore.CONVERSATIONS)}  # read only to align supplied vectors without ids
    for stage in STAGE_TABLE:  # and every output it recorded is declared (the pipeline also refuses others)
        assert set(run.manifest["stages"][stage.name]["outputs"]) <= set(stage.writes)


def test_the_run_layout_is_spelled_only_on_the_run_store() -> None:
    from clio_kit.store import RunStore
    from .conftest import ROOT

    layout = {value for name, value in vars(RunStore).items() if name.isupper() and isinstance(value, str)}
    assert {"manifest.json", "clusters.parquet", "embeddings.npy", "rejects.jsonl"} <= layout
    spelled = [f"{path.relative_to(ROOT)}: {name}" for folder in ("clio_kit", "widgets")
               for path in sorted((ROOT / folder).rglob("*.py")) if path.name != "store.py"
               for name in layout if f'"{name}"' in path.read_text(encoding="utf-8")]
    assert spelled == []


@pytest.mark.parametrize("make", [OfflineBackend, lambda: CentroidHierarchy(n_top=4), LLMHierarchy],
                         ids=["OfflineBackend", "CentroidHierarchy", "LLMHierarchy"])
def test_every_init_parameter_of_a_component_is_in_its_stage_key(make) -> None:  # noqa: ANN001
    """Parameters come from scikit-learn's BaseEstimator (the __init__ signature), so none can be left out."""
    import inspect

    from sklearn.base import clone

    from clio_kit.hashing import component_fingerprint

    component = make()
    assert clone(component).get_params() == component.get_params()
    before = component_fingerprint(component)
    names = [n for n in inspect.signature(type(component).__init__).parameters if n not in ("self", "backend",
                                                                                              "embedder")]
    assert names and set(names) <= set(component.get_params())
    for name in names:
        value = component.get_params()[name]
        changed = clone(component).set_params(**{name: (not value) if isinstance(value, bool) else
                                                 7 if value is None else value * 2 + 1})
        assert component_fingerprint(changed) != before, name
