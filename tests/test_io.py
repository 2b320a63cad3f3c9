"""Loaders, validation, detection and frame round trips (clio_kit.io, clio_kit.conversation)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from clio_kit.conversation import Conversation, Message, normalize_role
from clio_kit.errors import InputError
from clio_kit.io import FORMATS, conversations_to_frame, frame_to_conversations, load, write_jsonl

DATA = Path(__file__).parent / "data" / "loaders"

EXPECTED = [  # fixture, detected format, conversations kept, rejects
    ("ours.jsonl", "jsonl", 3, 0),
    ("openai.jsonl", "openai", 3, 0),
    ("sharegpt.jsonl", "sharegpt", 2, 0),
    ("sharegpt_truncated.json", "sharegpt", 3, 1),
    ("wildchat.jsonl", "wildchat", 2, 0),
    ("claude_export/conversations.json", "claude_export", 2, 0),
    ("conversations.csv", "csv", 2, 0),
]


def _load(path, **kwargs):
    return load(path, progress=False, **kwargs)


def _lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _record(conversation_id=None, *messages, **fields) -> bytes:
    record = {"messages": [{"role": r, "content": c} for r, c in messages], **fields}
    if conversation_id is not None:
        record["conversation_id"] = conversation_id
    return json.dumps(record).encode()


# -- every format ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, fmt, n_kept, n_rejected", EXPECTED)
def test_each_format_loads_and_is_detected(name, fmt, n_kept, n_rejected):
    result = _load(DATA / name)
    assert result.format == fmt
    assert len(result.conversations) == n_kept
    assert len(result.rejects) == n_rejected
    assert result.n_records == n_kept + n_rejected + result.n_duplicates
    for conv in result.conversations:
        assert conv.first_user_message.strip()
        assert all(m.role in ("user", "assistant", "system", "tool") for m in conv.messages)
        assert conv.timestamp is None or conv.timestamp.utcoffset().total_seconds() == 0


def test_all_advertised_formats_have_a_fixture():
    assert {fmt for _, fmt, _, _ in EXPECTED} | {"parquet"} == set(FORMATS)


def test_ours_jsonl_fields():
    convs = {c.conversation_id: c for c in _load(DATA / "ours.jsonl").conversations}
    assert convs["c1"].timestamp == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert convs["c2"].timestamp == convs["c1"].timestamp  # epoch seconds for the same moment
    assert convs["c2"].n_turns == 2 and convs["c2"].messages[0].role == "system"
    assert convs["c3"].user_id is None
    assert convs["c3"].metadata == {"tags": ["poetry"], "channel": "web"}  # unknown top-level field kept


def test_openai_parts_tool_calls_and_developer_role():
    first, second, third = _load(DATA / "openai.jsonl").conversations
    assert (first.conversation_id, first.user_id) == ("chatcmpl-1", "user-a")
    assert first.messages[1].content == "What is in this picture?"
    assert first.metadata["model"] == "gpt-4o"
    assert first.metadata["message_fields"][1] == {"non_text_parts": 1}
    assert [m.role for m in second.messages] == ["user", "assistant", "tool", "assistant"]
    assert second.messages[1].content == ""
    assert second.metadata["message_fields"][1]["tool_calls"][0]["function"]["name"] == "weather"
    assert third.messages[0].role == "system"
    assert third.conversation_id.startswith("h-") and len(third.conversation_id) == 18


def test_wildchat_uses_hashed_ip_as_user_and_keeps_language_and_model():
    conv = _load(DATA / "wildchat.jsonl").conversations[1]
    assert conv.conversation_id == "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert conv.user_id == "77b0e6aa01cd"
    assert conv.timestamp == datetime(2023, 9, 2, 21, 40, tzinfo=timezone.utc)
    assert conv.metadata["language"] == "French" and conv.metadata["model"] == "gpt-4-0314"
    assert conv.messages[0].content == "Résume ce texte en une phrase."
    assert conv.metadata["message_fields"][0] == {"language": "French", "turn_identifier": 2001}


def test_claude_export_text_content_parts_and_directory_source():
    result = _load(DATA / "claude_export")  # an unpacked export directory
    first, second = result.conversations
    assert first.user_id == "acc-0001" and first.metadata["name"] == "Sourdough starter help"
    assert first.messages[1].content == "No, it is hungry."  # empty "text": taken from content parts
    assert first.timestamp == datetime(2024, 11, 2, 8, 15, 30, 123456, tzinfo=timezone.utc)
    assert second.messages[0].content == "Plan a 3-day trip to Lisbon."  # "text" with empty content


def test_csv_orders_by_turn_and_groups_rows():
    k1, k2 = _load(DATA / "conversations.csv").conversations
    assert [m.role for m in k1.messages] == ["user", "assistant"]
    assert k1.messages[0].content == "Give me a simple recipe for muffins,\nin three steps."
    assert k1.timestamp == datetime(2024, 2, 1, 10, tzinfo=timezone.utc)  # earliest row
    assert k1.user_id == "u9" and k1.metadata == {"channel": "web"}
    assert k2.user_id is None


# -- detection and override -----------------------------------------------------------------------------------

def test_detection_ignores_misleading_extension(tmp_path):
    source = tmp_path / "export.txt"
    shutil.copy(DATA / "wildchat.jsonl", source)
    assert _load(source).format == "wildchat"


def test_explicit_format_overrides_detection(tmp_path):
    source = tmp_path / "messages.txt"
    shutil.copy(DATA / "conversations.csv", source)
    assert _load(source, format="csv").format == "csv"
    forced = _load(DATA / "sharegpt.jsonl", format="wildchat")
    assert forced.format == "wildchat" and not forced.conversations
    assert [r.reason for r in forced.rejects] == ["no messages", "no messages"]


def test_undetectable_records_and_unknown_format_raise(tmp_path):
    with pytest.raises(InputError, match="cannot detect the format.*format="):
        _load(_lines(tmp_path / "x.jsonl", [b'{"foo": 1}']))
    with pytest.raises(InputError, match="unknown format 'xml'"):
        _load(DATA / "ours.jsonl", format="xml")


def test_stopping_errors_are_one_line(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"\n  \n")
    (tmp_path / "header_only.csv").write_text("conversation_id,role,content\n")
    for source, pattern in [(tmp_path / "missing.jsonl", "not found"), (tmp_path / "empty.jsonl", "empty"),
                            (tmp_path, "not a file"), (tmp_path / "header_only.csv", "no records")]:
        with pytest.raises(InputError, match=pattern) as caught:
            _load(source)
        assert "\n" not in str(caught.value)
    (tmp_path / "binary.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    (tmp_path / "data.jsonl.gz").write_bytes(b"\x1f\x8b")
    for source, pattern in [(tmp_path / "binary.jsonl", "no record could be parsed .*line 1: invalid UTF-8"),
                            (tmp_path / "data.jsonl.gz", "unpack data.jsonl.gz first")]:
        with pytest.raises(InputError, match=pattern):
            _load(source)
    (tmp_path / "bad.csv").write_text("conversation_id,text\nx,hi\n")
    with pytest.raises(InputError, match="lacks the CSV column.*role, content"):
        _load(tmp_path / "bad.csv")


# -- validation that loses nothing ----------------------------------------------------------------------------

def test_mixed_file_keeps_every_good_record_and_rejects_each_bad_one(tmp_path):
    long_text = "word " * 40_000
    good = _record("good", ("user", "How do I bake bread?"), ("assistant", "Knead, prove, bake."), user_id="u1")
    lines = [
        good,                                                                       # 1 kept
        b'{"conversation_id": "bad-json", "messages": [',                           # 2 invalid JSON
        b'{"conversation_id": "bad-utf8", "messages": [{"role": "user", "content": "caf\xe9"}]}',  # 3 bad bytes
        b"",                                                                        # 4 blank: skipped
        _record("empty"),                                                           # 5 no messages
        b'{"conversation_id": "notlist", "messages": "hello"}',                      # 6 messages not a list
        b'{"conversation_id": "notobj", "messages": ["hello"]}',                     # 7 message not an object
        _record("wizard", ("user", "hi"), ("wizard", "abracadabra")),               # 8 unknown role
        b'{"conversation_id": "num", "messages": [{"role": "user", "content": 42}]}',  # 9 non-string content
        _record("blank", ("user", "   "), ("assistant", "ok")),                     # 10 no non-empty user message
        _record("when", ("user", "hi"), timestamp="not a date"),                    # 11 unparseable timestamp
        _record("good", ("user", "Something else entirely"), user_id="u1"),         # 12 same id, other content
        good,                                                                       # 13 exact duplicate
        _record("good-copy", ("user", "How do I bake bread?"), ("assistant", "Knead, prove, bake."),
                user_id="u1"),                                                      # 14 duplicate content
        _record("long", ("user", long_text), channel="api"),                        # 15 kept: no user id, extra
        _record(None, ("human", "Which planet is largest?")),                       # 16 kept: id derived
        b"[1, 2]",                                                                  # 17 not an object
        b'{"conversation_id": "lone", "messages": [{"role": "user", "content": "\\udc80"}]}',  # 18 lone surrogate
    ]
    result = _load(_lines(tmp_path / "mixed.jsonl", lines))

    assert [c.conversation_id for c in result.conversations][:2] == ["good", "long"]
    assert result.conversations[2].conversation_id.startswith("h-")
    assert result.conversations[1].messages[0].content == long_text  # very long messages kept whole
    assert result.conversations[1].metadata == {"channel": "api"}
    assert result.n_duplicates == 2 and result.n_missing_user_id == 2
    got = [(r.line, r.record_id, r.reason) for r in result.rejects]
    expected = [
        (2, "bad-json", "invalid JSON"), (3, None, "invalid UTF-8"), (5, "empty", "no messages"),
        (6, "notlist", "'messages' is str, expected a list"), (7, "notobj", "message 1 is str, expected an object"),
        (8, "wizard", "message 2: unknown role 'wizard'"), (9, "num", "message 1: content is int, expected text"),
        (10, "blank", "no non-empty user message"), (11, "when", "unparseable timestamp 'not a date'"),
        (12, "good", "conversation_id already used by a different conversation (at 1)"),
        (17, None, "record is list, expected an object"), (18, "lone", "message 1: text is not valid Unicode"),
    ]
    assert len(got) == len(expected)
    for (line, record_id, reason), (want_line, want_id, want_reason) in zip(got, expected, strict=True):
        assert (line, record_id) == (want_line, want_id)
        assert reason.startswith(want_reason), reason
    assert result.n_records == len(result.conversations) + len(result.rejects) + result.n_duplicates == 17
    texts = ["caf", "hello", "abracadabra", "bake", "Something else"]
    assert not any(t in r.reason for r in result.rejects for t in texts)  # reasons never quote conversation text
    assert result.summary() == "3 conversations (format jsonl); 12 rejected; 2 duplicates dropped; 2 missing user id"

    out = tmp_path / "rejects.jsonl"
    result.write_rejects(out)
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert written[0] == {"source": str(tmp_path / "mixed.jsonl"), "line": 2, "record_id": "bad-json",
                          "reason": written[0]["reason"]}
    assert [w["line"] for w in written] == [e[0] for e in expected]


def test_truncated_array_keeps_whole_records_and_rejects_the_tail_once():
    result = _load(DATA / "sharegpt_truncated.json")
    assert [c.conversation_id for c in result.conversations] == ["abc123_0", "abc123_1", "xyz789_0"]
    (reject,) = result.rejects
    assert (reject.line, reject.record_id) == (4, "trunc01_0")
    assert reject.reason.startswith("truncated JSON at end of file (record starts at file line 23)")


def test_array_damaged_in_the_middle_resumes_at_the_next_record(tmp_path):
    text = (DATA / "sharegpt_truncated.json").read_text()
    records = json.loads(text[: text.rindex(",\n  {")] + "\n]")
    source = tmp_path / "damaged.json"
    for damaged, kept in [("For example", ["abc123_0", "xyz789_0"]), ("Explain", ["abc123_1", "xyz789_0"])]:
        source.write_text(json.dumps(records, indent=2).replace(f'"{damaged}', damaged, 1))
        result = _load(source)
        assert [c.conversation_id for c in result.conversations] == kept
        (reject,) = result.rejects
        assert reject.reason.startswith("invalid JSON (record starts at file line")
    # damage in the last record of a complete (closed) array is not called truncation
    source.write_text(json.dumps(records, indent=2).replace('"Give me', 'Give me', 1))
    result = _load(source)
    assert [(r.line, r.record_id) for r in result.rejects] == [(3, "xyz789_0")]
    assert result.rejects[0].reason.startswith("invalid JSON in the last record(s)")


def test_bad_utf8_inside_a_json_array_rejects_only_that_record(tmp_path):
    records = [{"id": f"r{i}", "conversations": [{"from": "human", "value": f"question {i}"}]} for i in range(3)]
    data = json.dumps(records, indent=1).encode().replace(b"question 1", b"question \xff1")
    (tmp_path / "bad.json").write_bytes(data)
    result = _load(tmp_path / "bad.json")
    assert [c.conversation_id for c in result.conversations] == ["r0", "r2"]
    assert [(r.line, r.record_id, r.reason) for r in result.rejects] == [(2, "r1", "invalid UTF-8 in record")]


def test_csv_bad_rows_reject_their_whole_conversation(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_bytes(
        b"conversation_id,role,content,user_id,turn\n"
        b"a,user,hello,u1,0\n"
        b"b,user,too,many,fields,0\n"       # row 2: extra field
        b"c,user,hi,u2,first\n"             # row 3: order value not a number
        b"d,user,hi,u3,0\n"
        b"d,assistant,yo,u4,1\n"            # row 5: user ids disagree
        b",user,orphan,u5,0\n"              # row 6: no conversation id
        b"e,user,caf\xe9,u6,0\n"            # row 7: bad UTF-8
        b"a,assistant,hi there,u1,1\n")
    result = _load(source)
    assert [(c.conversation_id, len(c.messages)) for c in result.conversations] == [("a", 2)]
    got = sorted((r.line, r.record_id, r.reason) for r in result.rejects)
    assert got == [(2, "b", "row 2: 6 fields, expected 5"), (3, "c", "row 3: turn is not a whole number"),
                   (4, "d", "rows disagree on user_id"), (6, None, "row has no conversation_id"),
                   (7, "e", "row 7: invalid UTF-8")]


def test_single_object_wrapping_records_is_unwrapped(tmp_path):
    export = json.loads((DATA / "claude_export" / "conversations.json").read_text())
    (tmp_path / "wrapped.json").write_text(json.dumps({"account": {"uuid": "acc-0001"}, "conversations": export},
                                                      indent=2))
    result = _load(tmp_path / "wrapped.json")
    assert result.format == "claude_export" and len(result.conversations) == 2
    one = {"id": "solo", "conversations": [{"from": "human", "value": "just one"}]}
    (tmp_path / "one.json").write_text(json.dumps(one, indent=2))
    assert [c.conversation_id for c in _load(tmp_path / "one.json").conversations] == ["solo"]


def test_max_records_and_in_memory_sources():
    assert _load(DATA / "ours.jsonl", max_records=2).n_records == 2
    records = [json.loads(line) for line in (DATA / "sharegpt.jsonl").read_text().splitlines()]
    from_list = _load(records)
    assert from_list.format == "sharegpt" and from_list.source == "<records>"
    assert [r.line for r in _load(records + ["oops"]).rejects] == [3]
    frame = conversations_to_frame(_load(DATA / "ours.jsonl").conversations)
    assert [c.conversation_id for c in _load(frame).conversations] == ["c1", "c2", "c3"]


def test_wildchat_parquet_is_detected_and_metadata_made_json_safe(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    records = [json.loads(line) for line in (DATA / "wildchat.jsonl").read_text().splitlines()]
    for record in records:
        record["timestamp"] = datetime.fromisoformat(record["timestamp"])
        record["openai_moderation"] = record.get("openai_moderation", [])
        record["detoxify_moderation"] = record.get("detoxify_moderation", [])
        record["header"] = record.get("header")
        for turn in record["conversation"]:
            turn["timestamp"] = None
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "wildchat.parquet")
    result = _load(tmp_path / "wildchat.parquet")
    assert result.format == "wildchat" and len(result.conversations) == 2
    assert result.conversations[0].timestamp == datetime(2023, 8, 14, 9, 12, 33, tzinfo=timezone.utc)
    json.dumps([c.metadata for c in result.conversations])  # JSON-safe metadata


# -- round trips ----------------------------------------------------------------------------------------------

def _all_fixture_conversations() -> list[Conversation]:
    return [c for name, *_ in EXPECTED for c in _load(DATA / name).conversations]


def test_frame_round_trip_is_exact_including_parquet(tmp_path):
    conversations = _all_fixture_conversations()
    frame = conversations_to_frame(conversations)
    assert list(frame.columns) == ["conversation_id", "user_id", "timestamp", "messages", "metadata", "n_turns"]
    assert frame["n_turns"].tolist() == [c.n_turns for c in conversations]
    assert frame_to_conversations(frame) == conversations

    frame.to_parquet(tmp_path / "convs.parquet")
    assert frame_to_conversations(pd.read_parquet(tmp_path / "convs.parquet")) == conversations
    loaded = _load(tmp_path / "convs.parquet")
    assert loaded.format == "parquet" and loaded.conversations == conversations and not loaded.rejects


def test_write_jsonl_round_trip(tmp_path):
    conversations = _all_fixture_conversations()
    write_jsonl(conversations, tmp_path / "out.jsonl")
    loaded = _load(tmp_path / "out.jsonl")
    assert loaded.format == "jsonl" and loaded.conversations == conversations


def test_frame_errors_name_the_row():
    frame = conversations_to_frame(_load(DATA / "ours.jsonl").conversations)
    frame.loc[1, "metadata"] = "{broken"
    with pytest.raises(InputError, match=r"frame row 2 \(conversation 'c2'\)"):
        frame_to_conversations(frame)
    with pytest.raises(InputError, match="lacks column"):
        frame_to_conversations(frame.drop(columns=["messages"]))


# -- data model -----------------------------------------------------------------------------------------------

def test_role_normalisation_and_message_validation():
    assert [normalize_role(r) for r in ("Human", "prompter", "GPT", "bot", "model", "claude", "function")] == \
        ["user", "user", "assistant", "assistant", "assistant", "assistant", "tool"]
    with pytest.raises(ValueError, match="unknown role 'narrator'"):
        normalize_role("narrator")
    with pytest.raises(ValueError, match="unknown role"):
        Message("human", "hi")


def test_conversation_helpers_and_hash():
    conv = Conversation("x", [Message("user", " "), Message("assistant", "?"), Message("user", "Real question")])
    assert conv.n_turns == 2 and conv.user_messages == [" ", "Real question"]
    assert conv.first_user_message == "Real question"
    other_user = Conversation("y", list(conv.messages), user_id="u2")
    assert conv.content_hash() != other_user.content_hash()
    assert conv.content_hash() == Conversation("z", list(conv.messages), metadata={"a": 1}).content_hash()
    split = Conversation("x", [Message("user", "ab"), Message("user", "c")])
    assert split.content_hash() != Conversation("x", [Message("user", "a"), Message("user", "bc")]).content_hash()


@pytest.mark.parametrize("name", [case[0] for case in EXPECTED])
def test_iter_batches_of_one_record_add_up_to_load(name):
    from clio_kit.io import iter_batches

    whole = _load(DATA / name)
    batches = list(iter_batches(DATA / name, batch_size=1, progress=False))
    assert all(b.n_records == 1 and len(b.conversations) + len(b.rejects) + b.n_duplicates == 1 for b in batches)
    assert [c for b in batches for c in b.conversations] == whole.conversations
    assert [r for b in batches for r in b.rejects] == whole.rejects
    assert sum(b.n_records for b in batches) == whole.n_records
    assert batches[-1].format == whole.format


def test_iter_batches_raises_stopping_errors_like_load(tmp_path):
    from clio_kit.io import iter_batches

    with pytest.raises(InputError, match="input not found"):
        iter_batches(tmp_path / "missing.jsonl")  # at once, not on first next()
    garbage = _lines(tmp_path / "garbage.jsonl", [b"not json", b"{also not"])
    batches = iter_batches(garbage, batch_size=1, progress=False)
    assert len(next(batches).rejects) == 1
    with pytest.raises(InputError, match="no record could be parsed"):
        list(batches)
    with pytest.raises(InputError, match="batch_size"):
        iter_batches(garbage, batch_size=True)
