"""First names, surnames and common words, taken offline from Faker's locale data (MIT licensed, no network).

Faker ships curated first-name and surname lists for dozens of locales; we read the ones for the languages
clio-kit cares about once, lazily, and keep them as frozensets (about 7,500 Latin-script first names and 9,700
surnames; loading takes well under a second).

>>> "Sarah" in first_names(), "Happy" in first_names()
(True, False)
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module

# Locales whose person lists we read: Latin-script languages plus Japanese and Chinese.
LATIN_LOCALES = ("en_US", "en_GB", "en_IE", "en_IN", "en_NG", "es_ES", "es_MX", "es_AR", "fr_FR", "fr_CA",
                 "de_DE", "de_AT", "it_IT", "pt_BR", "pt_PT", "nl_NL", "pl_PL", "sv_SE", "tr_TR", "id_ID")
CJK_LOCALES = ("ja_JP", "zh_CN")

# First names that are also everyday or technical words: they count as a name only next to a known surname.
_AMBIGUOUS = """
may june april august will bill mark rose grace hope faith joy art chase dawn frank jack ray sandy summer autumn
winter iris lily holly ivy amber ruby crystal pearl jade sky river max angel christian page case ward rich
sterling hunter carter mason cash gene penny sunny star stone rocky dusty forest heather daisy violet olive
ginger honey misty destiny harmony melody serenity trinity justice liberty precious royal king prince duke earl
major miles price young long wolf fox hawk robin wren jay drew lane dale glen cliff brook ford bay court
julia ada pascal dart jasmine karma alexa siri claude gemini sage aurora apollo athena hermes ember electron
kali alma cassandra django elixir maven spring swift wolfram maple cookie candy candid sunshine china india
asia africa paris london sydney florence georgia virginia carolina dakota austin dallas houston phoenix denver
victoria jordan israel chelsea brooklyn madison camden kent lincoln cleveland bristol york orlando savannah
abril luna sol paz luz mar amor mia uno una us my per till else job lot ben dan guy sean don del che chi li lo
adam albert bert ernie elmo roberta marian gemma phi falcon vicuna alpaca jarvis travis hugo jekyll gatsby jasper
chai sinon luigi dash stan edward theano marvin rasa stanza blaze jenkins watson kafka sinatra grover ollama darwin
tesla newton nash markov euler gauss ray arrow polars celery dask bokeh homer morgan chase wells fargo barclays
junior senior major general colonel sergeant bishop pope saint baby
sofia lima adelaide santiago valencia medina salem marion orlando lourdes alexandria love roman jan rico katy baba
queen nova fang
"""

_EXTRA_COMMON_WORDS = """
code error data file files function class method list table query model help issue problem question answer
project app application web website server client database script program software hardware system network
user users team support guide tutorial example examples test tests testing debug build deploy update install
setup config configuration framework library package module tool tools api apis service services cloud
machine learning deep neural training dataset analysis report summary review essay letter story poem email
recipe cooking travel health fitness business marketing sales finance budget plan strategy design style
content writing translation language languages grammar math science history physics chemistry biology
offline online mostly other unknown general overview request task summary phrases key keywords cluster
product products studio suite pro plus premium edition version release beta alpha notebook lab labs hub
engine platform center centre institute university college school academy hospital clinic bank store shop
market street road avenue lane drive park garden station airport bridge tower hall house home office
north south east west new old big small great little high low first last next top best free open
"""


def _person_provider(locale: str):
    try:
        return import_module(f"faker.providers.person.{locale}").Provider
    except ImportError as exc:  # pragma: no cover - faker is a declared dependency
        raise ImportError("clio-kit's name lists need Faker: pip install 'faker>=25'") from exc


def _collect(locales: tuple[str, ...], attributes: tuple[str, ...]) -> set[str]:
    names: set[str] = set()
    for locale in locales:
        provider = _person_provider(locale)
        for attribute in attributes:
            values = getattr(provider, attribute, None) or ()
            names.update(str(v) for v in values)
    return names


_FIRST = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
_LAST = ("last_names", "last_names_male", "last_names_female")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Title-case single-word Latin-script first names ("Sarah", "José", "Jürgen").

    >>> "José" in first_names()
    True
    """
    names = _collect(LATIN_LOCALES, _FIRST) | _collect(CJK_LOCALES, ("first_romanized_names",))
    return frozenset(n for n in names if " " not in n and n[:1].isupper() and n[1:2].islower() and len(n) > 2)


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """Title-case single-word Latin-script surnames ("Smith", "García", "Müller").

    >>> "Müller" in last_names()
    True
    """
    names = _collect(LATIN_LOCALES, _LAST) | _collect(CJK_LOCALES, ("last_romanized_names",))
    return frozenset(n for n in names if " " not in n and n[:1].isupper() and n[1:2].islower() and len(n) > 2)


@lru_cache(maxsize=1)
def chinese_surnames() -> frozenset[str]:
    """Chinese surnames in Han characters, single and compound ("王", "李", "欧阳").

    >>> "王" in chinese_surnames()
    True
    """
    names = _collect(("zh_CN", "zh_TW"), _LAST)
    return frozenset(n for n in names if n and all("\u4e00" <= ch <= "\u9fff" for ch in n))


@lru_cache(maxsize=1)
def japanese_surnames() -> frozenset[str]:
    """The 50 most common Japanese surnames in kanji ("佐藤", "鈴木", "田中").

    >>> "田中" in japanese_surnames()
    True
    """
    return frozenset(_collect(("ja_JP",), _LAST))


@lru_cache(maxsize=1)
def korean_surnames() -> frozenset[str]:
    """Common Korean surnames in Hangul ("김", "이", "박").

    >>> "김" in korean_surnames()
    True
    """
    return frozenset(_collect(("ko_KR",), _LAST))


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """About 1,300 lower-case everyday English words (Faker's English word list plus technical words).

    >>> "garden" in common_words()
    True
    """
    try:
        from faker.providers.lorem.en_US import Provider as Lorem
    except ImportError as exc:  # pragma: no cover - faker is a declared dependency
        raise ImportError("clio-kit's word lists need Faker: pip install 'faker>=25'") from exc
    return frozenset(w.lower() for w in Lorem.word_list) | frozenset(_EXTRA_COMMON_WORDS.split())


def is_common_word(word: str) -> bool:
    """True for everyday words in any case, plurals included ("Stars", "Libraries", "garden").

    >>> is_common_word("Stars"), is_common_word("Libraries"), is_common_word("Quackenbush")
    (True, True, False)
    """
    lowered, common = word.lower(), common_words()
    return lowered in common or (lowered.endswith("s") and lowered[:-1] in common) or (
        lowered.endswith("es") and lowered[:-2] in common) or (lowered.endswith("ies") and lowered[:-3] + "y" in common)


@lru_cache(maxsize=1)
def ambiguous_first_names() -> frozenset[str]:
    """First names that are also common or technical words ("Will", "Ruby", "Julia", "Georgia").

    >>> "Ruby" in ambiguous_first_names(), "Sarah" in ambiguous_first_names()
    (True, False)
    """
    from .vocabulary import builtin_allowlist

    curated = {w.capitalize() for w in _AMBIGUOUS.split()}
    blocked = common_words() | builtin_allowlist()
    return frozenset(curated | {n for n in first_names() if n.lower() in blocked})
