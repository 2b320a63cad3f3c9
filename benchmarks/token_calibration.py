"""Fit and check the per-script token rates of ``clio_kit/backends/token_count.py`` against a real tokenizer.

Reference: the legacy Claude tokenizer Anthropic shipped in its Python SDK up to 0.38 (byte-level BPE, 65,000
entries; ``tests/data/reference_tokenizer``). Current Claude models' tokenizers are not public; with an API key the
Claude backend counts with the API instead. So the rates are right for that tokenizer and only approximately for
today's models (README: dependency and token notes).

Data (two disjoint samples, one to fit, one to check; 200 conversations each, six scripts):
- Latin: half ShareGPT conversations (real, mostly English, with code), drawn at random, half synthetic
  conversations from Faker's English, German, Spanish and French word lists;
- CJK (Han and kana) and Hangul: ShareGPT conversations with at least 50 such characters (real; they mix in English
  and code), topped up with Faker's zh_CN / ja_JP / ko_KR text;
- Cyrillic (ru_RU, uk_UA), Arabic (ar_AA, fa_IR) and Devanagari (Hindi stopwords, CLDR names and Faker hi_IN names
  and places): synthetic conversations from real word lists, with an English sentence or a code line mixed in as
  real chats do. Word salad tokenizes like real text of the same words; it is still not real prose: see the error
  on the real ShareGPT scripts for comparison.

Run: ``python benchmarks/token_calibration.py`` (about a minute). Writes ``clio_kit/backends/token_rates.json``
(rates, reserve factor, error) and ``benchmarks/results/token-calibration.json`` (every sample's class counts,
reference and estimated tokens: the calibration data).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clio_kit.backends import token_count  # noqa: E402
from clio_kit.backends.token_count import char_counts  # noqa: E402

TOKENIZER = ROOT / "tests/data/reference_tokenizer/claude-legacy-tokenizer.json.gz"
RATES_OUT = ROOT / "clio_kit/backends/token_rates.json"
RESULT_OUT = ROOT / "benchmarks/results/token-calibration.json"
SCRIPTS = ("latin", "cjk", "hangul", "cyrillic", "arabic", "devanagari")
PER_SCRIPT = 34  # x 6 = 204 conversations per sample (the 200)
FEATURES = ("latin", "latin_accented", "latin_words", "latin_rare_words", "latin_long_letters", "digit", "space",
            "punct", "han", "kana", "hangul", "cyrillic", "greek",
            "arabic", "hebrew", "devanagari", "indic", "thai", "other")
MIN_CHARS = 2000
PRIOR = {"other": 1.5, "latin_long_letters": 0.5}  # long runs (hashes, base64, identifiers): rare in the samples
CODE_LINES = ["for i in range(len(items)): print(items[i])", "SELECT name, count(*) FROM users GROUP BY name;",
              "const x = await fetch(url).then(r => r.json());", "df = pd.read_csv('data.csv', sep=';')"]
ENGLISH = ["Can you help me with this?", "Please explain step by step.", "Thanks, that works now.",
           "What is the difference between these two options?", "Here is the error message I get:"]


def reference_tokenizer():
    from tokenizers import Tokenizer

    with gzip.open(TOKENIZER, "rt", encoding="utf-8") as handle:
        return Tokenizer.from_str(handle.read())


def _sharegpt_by_script() -> dict[str, list[str]]:
    from clio_kit.datasets import sharegpt

    out: dict[str, list[str]] = {"latin": [], "cjk": [], "hangul": []}
    for conv in sharegpt():
        text = "\n\n".join(f"{m.role}: {m.content}" for m in conv.messages)[:40_000]
        counts = char_counts(text)
        if counts["hangul"] >= 50:
            out["hangul"].append(text)
        elif counts["han"] + counts["kana"] >= 50:
            out["cjk"].append(text)
        elif counts["latin"] + counts["latin_accented"] > 0.9 * sum(
                counts[k] for k in FEATURES if k not in ("latin_words", "space", "digit", "punct")):
            out["latin"].append(text)
    return out


def _words(script: str, rng: random.Random) -> list[str]:
    from faker import Faker

    if script == "devanagari":
        from babel import Locale
        from stopwordsiso import stopwords

        locale = Locale("hi")
        words = sorted(stopwords("hi")) + [w for v in (locale.territories, locale.languages) for n in v.values()
                                           for w in n.split()]
        fake = Faker("hi_IN")
        fake.seed_instance(rng.randrange(10**6))
        words += [w for _ in range(200) for w in (fake.name() + " " + fake.city()).split()]
        return [w for w in words if re.search("[\u0900-\u097f]", w)]
    locales = {"cyrillic": ["ru_RU", "uk_UA"], "arabic": ["ar_AA", "fa_IR"], "cjk": ["zh_CN", "ja_JP"],
               "hangul": ["ko_KR"], "latin": ["en_US", "de_DE", "es_ES", "fr_FR"]}[script]
    fake = Faker(rng.choice(locales))
    fake.seed_instance(rng.randrange(10**6))
    if script == "hangul":
        return [w for _ in range(100) for w in (fake.address() + " " + fake.job() + " " + fake.company()).split()]
    return fake.text(max_nb_chars=2000).split()


def synthetic_conversation(script: str, rng: random.Random) -> str:
    """One synthetic conversation in ``script`` (2-6 turns of real words, sometimes with English or code)."""
    words = _words(script, rng)
    turns = []
    for turn in range(rng.choice([2, 2, 4, 6])):
        n = rng.randint(8, 120) if turn % 2 == 0 else rng.randint(30, 400)
        sentence = " ".join(rng.choice(words) for _ in range(n))
        if script == "cjk" and rng.random() < 0.7:
            sentence = sentence.replace(" ", "")
        if rng.random() < 0.3:
            sentence += " " + rng.choice(ENGLISH + CODE_LINES)
        turns.append(f"{'user' if turn % 2 == 0 else 'assistant'}: {sentence}")
    return "\n\n".join(turns)


def samples(seed: int, shared: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """``(script, source, text)`` x PER_SCRIPT per script; ShareGPT halves split by ``seed`` parity."""
    rng = random.Random(seed)
    out = []
    for script in SCRIPTS:
        real = shared.get(script, [])[seed % 2::2]
        chosen = rng.sample(real, min(len(real), PER_SCRIPT // 2))  # Latin: half English ShareGPT, half de/es/fr
        out += [(script, "sharegpt", text) for text in chosen]
        out += [(script, "synthetic", synthetic_conversation(script, rng)) for _ in range(PER_SCRIPT - len(chosen))]
    return out


def fit(rows: list[dict]) -> dict[str, float]:
    """Non-negative least squares on relative error (each row weighted by 1 / its reference count).

    Classes with under ``MIN_CHARS`` characters in the sample (e.g. Greek, Thai, emoji) are not fitted: they keep
    the conservative ``PRIOR`` rate (one token a character; 1.5 for ``other``, mostly 3-4 byte symbols; 0.5 for
    letters past the tenth of a Latin word)."""
    from scipy.optimize import nnls

    x = np.array([[r["counts"][f] for f in FEATURES] for r in rows], dtype=float)
    y = np.array([r["reference"] for r in rows], dtype=float)
    seen = [i for i, f in enumerate(FEATURES) if f not in PRIOR and (f in ("latin_words", "latin_rare_words")
                                                                     or x[:, i].sum() >= MIN_CHARS)]
    fixed = [i for i in range(len(FEATURES)) if i not in seen]
    prior = np.array([PRIOR.get(FEATURES[i], 1.0) for i in fixed])
    residual = y - x[:, fixed] @ prior
    w = 1.0 / np.maximum(y, 1.0)
    coef, _ = nnls(x[:, seen] * w[:, None], residual * w)
    rates = {FEATURES[i]: round(float(c), 4) for i, c in zip(seen, coef)}
    rates.update({FEATURES[i]: float(p) for i, p in zip(fixed, prior)})
    return {f: rates[f] for f in FEATURES}


def measure(rows: list[dict]) -> dict:
    errors = np.array([(r["estimate"] - r["reference"]) / r["reference"] for r in rows])
    by = {}
    for script in SCRIPTS:
        sel = np.array([r["script"] == script for r in rows])
        if sel.any():
            by[script] = {"n": int(sel.sum()), "median_abs_error": round(float(np.median(np.abs(errors[sel]))), 4),
                          "p90_abs_error": round(float(np.quantile(np.abs(errors[sel]), 0.9)), 4)}
    real = np.array([r["source"] == "sharegpt" for r in rows])
    return {"n": len(rows), "median_abs_error": round(float(np.median(np.abs(errors))), 4),
            "p90_abs_error": round(float(np.quantile(np.abs(errors), 0.9)), 4),
            "max_under_estimate": round(float(-errors.min()), 4),
            "real_sharegpt_median_abs_error": round(float(np.median(np.abs(errors[real]))), 4) if real.any() else None,
            "chars_div_4_median_abs_error": round(float(np.median(np.abs(
                [(len(r["text"]) / 4 - r["reference"]) / r["reference"] for r in rows]))), 4),
            "by_script": by}


def main() -> None:
    tokenizer = reference_tokenizer()
    shared = _sharegpt_by_script()

    def rows_for(seed: int) -> list[dict]:
        return [{"script": s, "source": src, "text": t, "counts": char_counts(t),
                 "reference": len(tokenizer.encode(t).ids)} for s, src, t in samples(seed, shared)]

    calibration, check = rows_for(0), rows_for(1)
    rates = fit(calibration)
    RATES_OUT.write_text(json.dumps({"rates": rates, "reserve_factor": 1.0}, indent=1) + "\n", encoding="utf-8")
    token_count.token_rates.cache_clear()
    for row in calibration + check:
        row["estimate"] = token_count.estimate_tokens(row["text"])
    under = max((r["reference"] - r["estimate"]) / r["estimate"] for r in calibration + check)
    reserve = round(1.0 + max(under, 0.0) + 0.05, 3)  # the worst under-estimate seen, plus 5 points of headroom
    record = {"reference": "legacy Claude tokenizer (anthropic SDK 0.34.2 tokenizer.json, byte-level BPE)",
              "rates": rates, "reserve_factor": reserve,
              "fit": measure(calibration), "check": measure(check),
              "note": "rates fitted on the 'fit' sample; 'check' is a disjoint sample (other ShareGPT half, "
                      "other synthetic seed)"}
    RATES_OUT.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    token_count.token_rates.cache_clear()
    data = [{k: v for k, v in r.items() if k != "text"} | {"sample": name, "chars": len(r["text"])}
            for name, rows in (("fit", calibration), ("check", check)) for r in rows]
    RESULT_OUT.write_text(json.dumps({"case": "token-calibration", **{k: record[k] for k in
                                                                       ("reference", "fit", "check")},
                                      "samples": data}, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: record[k] for k in ("rates", "reserve_factor", "fit", "check")}, indent=1))


if __name__ == "__main__":
    main()
