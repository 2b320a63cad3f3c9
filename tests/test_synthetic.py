"""The synthetic-data generator against the fake Anthropic API: request shape, the topic and language instructions,
the labelled JSONL it writes (read back by ``clio_kit.load`` and accepted by ``clio-kit eval accuracy``), the
response cache, failures, and the ``synth`` command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import clio_kit
from clio_kit import synthetic
from clio_kit.backends.llm_prompts import split_template, synthetic_tool
from clio_kit.cli import main
from clio_kit.errors import ConfigError, InputError
from clio_kit.synthetic import START, generate_synthetic, load_taxonomy
from tests.fake_llm import FakeAnthropic, anthropic_factory

TAXONOMY = {"Cooking": ["Baking bread", "Vegetable soup"], "Programming": ["Python errors", "SQL joins"]}
CANNED = {  # (topic, language) -> (user, assistant): what a coherent model would write
    ("Baking bread", "English"): ("My sourdough loaf comes out dense and flat. How long should the dough rise?",
                                  "Let the dough rise until it has doubled, then shape it and bake it hot."),
    ("Baking bread", "Spanish"): ("Mi pan de masa madre sale denso y plano. ¿Cuánto tiempo debe levar la masa?",
                                  "Deja que la masa doble su tamaño, luego dale forma y hornéala bien caliente."),
    ("Vegetable soup", "English"): ("What vegetables make a hearty soup, and how long do carrots and potatoes simmer?",
                                    "Onions, carrots, celery and potatoes; simmer them about twenty minutes."),
    ("Vegetable soup", "Spanish"): ("¿Qué verduras van bien en una sopa y cuánto tiempo hierven zanahorias y papas?",
                                    "Cebolla, zanahoria, apio y papa; déjalas hervir unos veinte minutos."),
    ("Python errors", "English"): ("My Python script raises ImportError: No module named requests. How do I fix it?",
                                   "Install the package with pip install requests in the same environment."),
    ("Python errors", "Spanish"): ("Mi script de Python lanza ImportError: No module named requests. ¿Cómo lo arreglo?",
                                   "Instala el paquete con pip install requests en el mismo entorno."),
    ("SQL joins", "English"): ("How do I write a SQL LEFT JOIN between orders and customers tables?",
                               "SELECT * FROM orders LEFT JOIN customers ON orders.customer_id = customers.id;"),
    ("SQL joins", "Spanish"): ("¿Cómo escribo un LEFT JOIN en SQL entre las tablas pedidos y clientes?",
                               "SELECT * FROM pedidos LEFT JOIN clientes ON pedidos.cliente_id = clientes.id;"),
}


def coherent(body: dict) -> dict:
    """A tool input that a model following the prompt would give: the canned exchange for the asked topic and
    language, varied by the persona and the conversation's number."""
    user = body["messages"][0]["content"]
    topic = re.search(r"^Topic: (.+)$", user, re.MULTILINE).group(1)
    language = re.search(r"conversation in (\w+)\.", user).group(1)
    persona = re.search(r"^The user: (.+?),", user, re.MULTILINE).group(1)
    number = re.search(r"This is conversation (\d+)", user).group(1)
    question, answer = CANNED[(topic, language)]
    return {"turns": [{"user": f"{question} ({persona}, {number})", "assistant": answer}]}


@pytest.fixture
def fake() -> FakeAnthropic:
    return FakeAnthropic()


@pytest.fixture
def make(fake: FakeAnthropic, tmp_path: Path):
    return anthropic_factory(fake, tmp_path / "llm-cache")


def test_request_shape_and_the_conversation_it_becomes(fake, make):
    backend = make()
    [conv] = generate_synthetic(backend, {"Food": ["Baking bread"]}, n_per_topic=1, languages=["ja"], seed=3)
    [body] = fake.message_bodies
    system, _ = split_template("synthetic_conversation", category="x", topic="x", language="x", persona="x",
                               tone="x", turns="1", number="1", count="1")
    assert body["model"] == "claude-sonnet-4-6" and body["max_tokens"] == 2048
    assert body["system"] == [{"type": "text", "text": system}]  # below the model's cacheable minimum: no marker
    assert body["tools"] == [{"name": "record_conversation", "description": synthetic_tool().description,
                              "input_schema": synthetic_tool().schema}]
    assert body["tool_choice"] == {"type": "tool", "name": "record_conversation"}
    user = body["messages"][0]["content"]
    assert user.startswith("<topic>\nCategory: Food\nTopic: Baking bread\n</topic>\n")
    assert "Language: write the whole conversation in Japanese." in user
    assert "This is conversation 1 of 1" in user and re.search(r"The user: a [\w -]+, writing in a \w+ tone", user)
    assert [m.role for m in conv.messages] == ["user", "assistant"] * (len(conv.messages) // 2)
    assert conv.metadata == {"labels": {"topic": "Baking bread", "category": "Food", "language": "ja"}}
    assert conv.conversation_id == "synth-00000" and re.fullmatch(r"u_[0-9a-f]{8}", conv.user_id)
    assert START <= conv.timestamp and conv.timestamp.tzinfo is not None
    assert backend.usage["synthetic"]["requests"] == 1 and backend.usage["synthetic"]["model"] == "claude-sonnet-4-6"


def test_every_topic_and_language_once_per_number_and_a_rerun_is_free(fake, make):
    convs = generate_synthetic(make(), TAXONOMY, n_per_topic=2, languages=["en", "es"])
    bodies = fake.message_bodies
    assert len(convs) == len(bodies) == 4 * 2 * 2
    asked = [(re.search(r"^Topic: (.+)$", b["messages"][0]["content"], re.MULTILINE).group(1),
              re.search(r"conversation in (\w+)\.", b["messages"][0]["content"]).group(1)) for b in bodies]
    assert sorted(set(asked)) == sorted(CANNED) and all(asked.count(pair) == 2 for pair in set(asked))
    assert len({b["messages"][0]["content"] for b in bodies}) == len(bodies)  # every request distinct
    labels = [(c.metadata["labels"]["topic"], c.metadata["labels"]["language"]) for c in convs]
    names = {"en": "English", "es": "Spanish"}
    assert [(topic, names[code]) for topic, code in labels] == asked  # each label matches its own request
    assert len({c.user_id for c in convs}) < len(convs)  # some fake users write more than one conversation

    again = make()
    assert generate_synthetic(again, TAXONOMY, n_per_topic=2, languages=["en", "es"]) == convs
    assert len(fake.message_bodies) == len(bodies) and again.usage["synthetic"]["cache_hits"] == len(convs)
    other_seed = generate_synthetic(make(cache_dir=False), TAXONOMY, n_per_topic=2, languages=["en", "es"], seed=1)
    assert [c.user_id for c in other_seed] != [c.user_id for c in convs]


def test_the_writing_model_can_be_chosen(fake, make):
    generate_synthetic(make(), {"Food": ["Soup"]}, n_per_topic=1, model="claude-haiku-4-5")
    assert fake.message_bodies[0]["model"] == "claude-haiku-4-5"


def test_failed_conversations_are_left_out_counted_and_warned(fake, make):
    backend = make(max_output_retries=1)
    fake.enqueue_tool_input({"turns": []})
    fake.enqueue_tool_input({"turns": [{"user": "hi"}]})
    with pytest.warns(UserWarning, match="1 of 3 synthetic conversations failed"):
        convs = generate_synthetic(backend, {"Food": ["Soup"]}, n_per_topic=3)
    assert [c.conversation_id for c in convs] == ["synth-00001", "synth-00002"]
    assert backend.usage["synthetic"]["malformed"] == 2 and backend.usage["synthetic"]["errors"] == 1


def test_taxonomy_files_and_bad_input(tmp_path):
    toml = tmp_path / "t.toml"
    toml.write_text('Cooking = ["Baking bread", "Vegetable soup"]\n"Money and law" = ["Taxes"]\n', encoding="utf-8")
    data = tmp_path / "t.json"
    data.write_text(json.dumps({"taxonomy": TAXONOMY}), encoding="utf-8")
    assert load_taxonomy(toml) == {"Cooking": ["Baking bread", "Vegetable soup"], "Money and law": ["Taxes"]}
    assert load_taxonomy(data) == TAXONOMY
    for bad, needle in [({}, "non-empty mapping"), ({"Food": "Soup"}, "'Food' must list its topics"),
                        ({"Food": ["Soup", ""]}, "not non-empty text"), ({"Food": []}, "must list its topics")]:
        with pytest.raises(InputError, match=needle):
            load_taxonomy(bad)
    (tmp_path / "broken.toml").write_text("Food = [", encoding="utf-8")
    with pytest.raises(InputError, match="broken.toml: not valid TOML"):
        load_taxonomy(tmp_path / "broken.toml")
    with pytest.raises(InputError, match="not found"):
        load_taxonomy(tmp_path / "missing.json")
    with pytest.raises(ConfigError, match="unknown language code 'klingon'"):
        synthetic.plan_synthetic(TAXONOMY, 1, ["en", "klingon"])
    with pytest.raises(ConfigError, match="needs a model backend|need a model backend"):
        generate_synthetic(clio_kit.OfflineBackend(), TAXONOMY)


def test_synth_command_needs_a_model(tmp_path, capsys):
    toml = tmp_path / "t.toml"
    toml.write_text('Food = ["Soup"]\n', encoding="utf-8")
    assert main(["synth", "--taxonomy", str(toml), "--out", str(tmp_path / "x.jsonl")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "model backend" in err and "tests/data/labelled/build.py" in err
    assert main(["synth", "--taxonomy", str(toml), "--out", str(tmp_path / "x.jsonl"), "--backend", "openai"]) == 2
    assert "needs --base-url" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()


def test_synth_output_round_trips_and_eval_accepts_it(fake, make, tmp_path, monkeypatch, capsys):
    fake.answer_with = coherent
    toml = tmp_path / "taxonomy.toml"
    toml.write_text("".join(f'{cat} = {json.dumps(topics)}\n' for cat, topics in TAXONOMY.items()), encoding="utf-8")
    backend = make()
    monkeypatch.setattr(synthetic, "synthetic_backend", lambda *args, **kwargs: backend)
    out = tmp_path / "synthetic.jsonl"
    assert main(["-q", "synth", "--taxonomy", str(toml), "--per-topic", "4", "--languages", "en,es",
                 "--backend", "anthropic", "--out", str(out)]) == 0
    assert "32 labelled synthetic conversations written" in capsys.readouterr().err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    labelled = json.loads((Path(__file__).parent / "data" / "labelled" / "conversations.jsonl")
                          .read_text(encoding="utf-8").splitlines()[0])
    assert all(set(r) == set(labelled) for r in records)  # the labelled set's exact record shape
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["timestamp"]) for r in records)

    loaded = clio_kit.load(out, progress=False)
    assert not loaded.rejects and loaded.n_duplicates == 0
    assert loaded.conversations == generate_synthetic(make(), TAXONOMY, n_per_topic=4, languages=["en", "es"])

    scores = tmp_path / "eval.json"
    assert main(["-q", "eval", "accuracy", "--data", str(out), "--out", str(tmp_path / "run"),
                 "--json", str(scores)]) == 0
    result = json.loads(scores.read_text())["scores"]
    assert result["n_conversations"] == 32 and result["base"]["n_true"] == 4 and result["top"]["n_true"] == 2
    assert result["language_accuracy"] > 0.9  # the language labels agree with the text the model wrote


def test_max_cost_stops_before_any_request(fake, make):
    from clio_kit.backends.llm_cost import BudgetExceeded

    with pytest.raises(BudgetExceeded, match="synthetic conversations"):
        generate_synthetic(make(max_cost=0.001), TAXONOMY, n_per_topic=5, languages=["en", "ja"])
    assert fake.message_bodies == []  # only the free token-counting endpoint was asked
