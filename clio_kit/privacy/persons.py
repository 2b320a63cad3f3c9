"""Person names: names introduced by cues in several languages, titles, honorifics, and "Firstname Lastname" pairs.

A name is flagged when something in the text says it is one:

- self-introductions: "my name is X", "me llamo X", "je m'appelle X", "ich heiße X", "私の名前はX", "我叫X";
  "I'm X" / "soy X" / "je suis X" / "ich bin X" only when X is a known first name ("I'm happy" is not a name);
- greetings and sign-offs: "Dear X", "Hi X,", "Regards, X" (not "Dear team", "Hi there", "Hello World");
- titles: Mr/Mrs/Ms/Dr/Prof/Herr/Frau/Mme/M./Sr./Sra. + capitalised word; honorifics: "田中さん", "山田様", "王先生";
- pairs "Firstname Lastname" where the first word is a known first name (Faker's lists) and the second is a known
  surname, or at least not an everyday or technical word ("Python Flask" and "Ruby Gems" are not names).

>>> {f.kind for f in find_persons("Hi, my name is Zelda Quackenbush")}
{'PERSON'}
>>> find_persons("I'm stuck with pandas. Dear team, Hi there, Python Flask")
[]
"""

from __future__ import annotations

import re

from .findings import Finding
from .name_lists import (
    ambiguous_first_names,
    chinese_surnames,
    common_words,
    first_names,
    is_common_word,
    japanese_surnames,
    korean_surnames,
    last_names,
)
from .vocabulary import builtin_allowlist, greeting_stopwords
from .. import scripts

_WORD = r"[^\W\d_][^\W\d_'’-]*"   # a word; capitalisation is checked in code
_NAME = rf"(?P<name>{_WORD}(?:[ \t]+{_WORD}){{0,2}})"  # up to three words on the same line
_HAN = scripts.HAN
_KATAKANA = "\u30a0-\u30ff"

_EXPLICIT = re.compile(
    r"\b(?:my\s+name\s+is|my\s+name['’]s|mi\s+nombre\s+es|me\s+llamo|je\s+m['’]appelle|mon\s+nom\s+est|"
    r"ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|il\s+mio\s+nome\s+è|mi\s+chiamo|meu\s+nome\s+é|me\s+chamo|"
    r"mijn\s+naam\s+is|ik\s+heet|call\s+me|llámame|appelle-moi|nenn\s+mich|меня\s+зовут|моё\s+имя|мое\s+имя)\s+"
    + _NAME, re.IGNORECASE)
# Scripts without capital letters: the next word(s) after the cue are the name.
_UNCASED_INTRO = re.compile(r"(?:اسمي|أنا اسمي|मेरा नाम|मेरा नाम है)\s+(?P<name>[^\s,.!?،\[\]]+)")
_KO_INTRO = re.compile(r"(?:제\s*이름은|저는|나는|내\s*이름은)\s*(?P<name>[가-힣]{2,4}?)(?:입니다|이에요|예요|이야|라고\s*합니다|이라고\s*합니다)")
_KO_HONORIFIC = re.compile(r"(?P<name>[가-힣]{2,4})(?:씨|님)(?![가-힣])")
_KNOWN_ONLY = re.compile(
    r"\b(?:i['’]m|i\s+am|im|this\s+is|it['’]s|soy|je\s+suis|c['’]est|ich\s+bin|hier\s+ist|sono|eu\s+sou|ik\s+ben)"
    r"\s+" + _NAME, re.IGNORECASE)
_GREETING = re.compile(
    r"\b(?:dear|hi|hello|hey|greetings|hola|querid[oa]|estimad[oa]|bonjour|bonsoir|salut|cher|chère|liebe|lieber|"
    r"hallo|servus|moin|ciao|car[oa]|gentile|olá|oi|beste|hoi)\s+" + _NAME, re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"\b(?:regards|sincerely|cheers|thanks|thank\s+you|best|yours|saludos|atentamente|un\s+abrazo|cordialement|"
    r"amicalement|bien\s+à\s+vous|grüße|gruß|grüßen|mfg|lg|saluti|cordiali\s+saluti|abraços|atenciosamente|"
    r"groeten)\s*[,!.]?[ \t]*(?:\r?\n[ \t]*|(?<=[,!])[ \t]*)" + _NAME, re.IGNORECASE)
_TITLE = re.compile(  # no leading \b, so the engine can scan for the first letters; checked in code
    r"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Dña|Sig|Sig\.ra|Monsieur|Madame|Mademoiselle|"
    r"Señor|Señora|Señorita|Signor|Signora|Doktor|Dott|M(?=\.))\b\.?\s+" + _NAME)
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_CAPITALISED = re.compile(rf"[{_UPPER}](?<![\w'’-].)[^\W\d_'’-]*(?:-[^\W\d_]+)?")
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]")
_LATIN_UPPER = re.compile(rf"[{_UPPER}]")

_JA_INTRO = re.compile(rf"(?:私の名前は|僕の名前は|名前は)\s*(?P<name>[{_HAN}{_KATAKANA}ー・A-Za-z]{{1,12}})")
_JA_MOUSU = re.compile(rf"(?P<name>[{_HAN}{_KATAKANA}ー・]{{1,8}})(?:と申します|といいます|と言います|と申す)")
_JA_HONORIFIC = re.compile(rf"(?P<name>[{_HAN}{_KATAKANA}ー・]{{1,6}})(?:さん|様|さま|くん|君|ちゃん|氏|殿)(?![々名])")
_ZH_INTRO = re.compile(rf"(?:我叫|我的名字是|我的名字叫|我名叫|本人叫|我姓)\s*(?P<name>[{_HAN}]{{1,3}}|[A-Z][a-z]+)")
_ZH_TITLE = re.compile(rf"(?P<name>[{_HAN}]{{1,3}})(?:先生|女士|小姐|老师|教授)")

# Lower-case substrings that must occur before a cue pattern is worth running (a cheap pre-check).
_TRIGGERS = {
    "explicit": ("name", "nombre", "llamo", "appelle", "nom est", "hei", "chiamo", "chamo", "naam", "heet", "call me",
                 "llámame", "nenn mich", "зовут", "имя"),
    "known": ("i'm", "i’m", "i am", "im ", "this is", "it's", "it’s", "soy ", "suis", "c'est", "c’est", "bin ",
              "hier ist", "sono ", "sou ", "ben "),
    "greeting": ("dear", "hi ", "hi\n", "hello", "hey", "greetings", "hola", "querid", "estimad", "bonjour", "bonsoir",
                 "salut", "cher", "liebe", "hallo", "servus", "moin", "ciao", "cara ", "caro ", "gentile", "olá",
                 "oi ", "beste", "hoi "),
    "sign_off": ("regards", "sincerely", "cheers", "thank", "best", "yours", "saludos", "atentamente", "abrazo",
                 "cordialement", "amicalement", "à vous", "grüß", "gruß", "mfg", "lg,", "lg\n", "saluti", "abraços",
                 "atenciosamente", "groeten"),
}

# Words before さん/様 that make a common noun, not a name ("皆さん", "お客様", "仕様", "店員さん").
_JA_COMMON_NOUN_ENDINGS = ("皆 客 神 王 奥 父 母 兄 姉 弟 妹 爺 婆 嫁 婿 坊 仕 同 多 模 異 貴 左 有 今 各 殿 皇 人 屋 員 師 手 者 家 "
                           "様 方 子 赤 生 先 上 下 外 態 文 然 一 彼 嬢 娘 那 女 長 輩 工 当 主")
_JA_NOT_NAME_ENDINGS = tuple(_JA_COMMON_NOUN_ENDINGS.split())
_JA_NOT_NAMES = frozenset(
    ("お", "ご", "ユーザー", "ユーザ", "メンバー", "スタッフ", "ゲスト", "オーナー", "ファン", "クライアント", "カスタマー"))


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper() if len(word) > 1 else word.isupper()


def _name_words(match: re.Match[str]) -> list[tuple[int, int, str]]:
    """The leading run of capitalised words in the ``name`` group, with positions."""
    start = match.start("name")
    words = []
    for word in re.finditer(r"[^\W\d_][^\W\d_'’-]*", match.group("name")):
        if not _is_capitalised(word.group()):
            break
        words.append((start + word.start(), start + word.end(), word.group().rstrip("'’-")))
    return words


def _not_a_name(word: str) -> bool:
    lowered = word.lower()
    return lowered in greeting_stopwords() or lowered in builtin_allowlist()


def _span(words: list[tuple[int, int, str]], count: int) -> Finding:
    return Finding("PERSON", words[0][0], words[count - 1][1])


def _surname_run(words: list[tuple[int, int, str]]) -> int:
    """How many words (1-3) belong to the name: the first, then following ones that look like surnames."""
    count = 1
    for _, _, word in words[1:3]:
        if word in last_names() or word in first_names() or word.lower() not in common_words() \
                and not _not_a_name(word):
            count += 1
        else:
            break
    return count


def _cued_names(text: str) -> list[Finding]:
    findings = []
    known = first_names()
    lowered = text.lower()
    triggered = {name for name, triggers in _TRIGGERS.items() if any(t in lowered for t in triggers)}
    for match in _EXPLICIT.finditer(text) if "explicit" in triggered else ():
        words = _name_words(match)
        if words and not _not_a_name(words[0][2]):
            findings.append(_span(words, _surname_run(words)))
    for match in _KNOWN_ONLY.finditer(text) if "known" in triggered else ():
        words = _name_words(match)
        if words and words[0][2] in known and words[0][2] not in ambiguous_first_names():
            findings.append(_span(words, _surname_run(words)))
    for pattern in [p for name, p in (("greeting", _GREETING), ("sign_off", _SIGN_OFF)) if name in triggered]:
        for match in pattern.finditer(text):
            words = _name_words(match)
            if not words or _not_a_name(words[0][2]):
                continue
            first = words[0][2]
            after = text[words[-1][1]:words[-1][1] + 2]  # after the whole capitalised run ("Ngozi Okafor")
            ends_clause = not after.strip() or after[:1] in ",!:;\n.—-" or after.startswith((" -", " —"))
            if first in known or first in last_names() or (ends_clause and first.lower() not in common_words()):
                findings.append(_span(words, _surname_run(words)))
    for match in _TITLE.finditer(text):
        before = text[match.start() - 1:match.start()]
        if before.isalnum() or before in (".", "'", "’", "-"):
            continue
        words = _name_words(match)
        if words and not _not_a_name(words[0][2]):
            findings.append(Finding("PERSON", match.start(), words[_surname_run(words) - 1][1]))
    return findings


def _starts_sentence(text: str, start: int) -> bool:
    position = start - 1
    while position >= 0 and text[position] in " \t":
        position -= 1
    return position < 0 or text[position] in ".!?:;\n•*#>|-–—(\"“«[{"


_PLACE_PREFIXES = ("San", "Santa", "Santo", "São", "St", "St.", "Saint", "Sainte", "Lake", "Mount", "Mt.", "Fort",
                   "Port", "Puerto", "Porto", "New", "Cape", "Isla", "Villa")


def _after_place_prefix(text: str, start: int) -> bool:
    """"San Juan", "Lake Louise", "Fort Myers": the first name is part of a place name."""
    return text[max(0, start - 10):start].rstrip().endswith(_PLACE_PREFIXES)


def _name_pairs(text: str) -> list[Finding]:
    """"Firstname Lastname" pairs, and lone first names in mid-sentence ("ask Sarah about it")."""
    known, surnames, ambiguous = first_names(), last_names(), ambiguous_first_names()
    common, allow = common_words(), builtin_allowlist()
    tokens = [(m.start(), m.end(), m.group()) for m in _CAPITALISED.finditer(text)]
    findings = []
    for index, (start, end, first) in enumerate(tokens):
        if first not in known:
            continue
        start2, end2, second = tokens[index + 1] if index + 1 < len(tokens) else (end, end, "")
        adjacent = bool(second) and _is_capitalised(second) and text[end:start2].strip(" \t") == ""
        if adjacent and second in surnames and second.lower() not in allow:
            findings.append(Finding("PERSON", start, end2))
        elif first in ambiguous or first.lower() in allow or first.lower() in common:
            continue
        elif adjacent and not is_common_word(second) and second.lower() not in allow and len(second) > 1:
            findings.append(Finding("PERSON", start, end2))
        elif not _starts_sentence(text, start) and len(first) > 2 and not _after_place_prefix(text, start):
            findings.append(Finding("PERSON", start, end))  # a lone first name mid-sentence
    return findings


def _cjk_names(text: str) -> list[Finding]:
    findings = []
    for pattern in (_JA_INTRO, _JA_MOUSU, _ZH_INTRO):
        findings += [Finding("PERSON", m.start("name"), m.end("name")) for m in pattern.finditer(text)]
    for match in _JA_HONORIFIC.finditer(text):
        name = match.group("name")
        if not name.endswith(_JA_NOT_NAME_ENDINGS) and name not in _JA_NOT_NAMES:
            findings.append(Finding("PERSON", match.start("name"), match.end("name")))
    surnames = chinese_surnames()
    for match in _ZH_TITLE.finditer(text):
        name = match.group("name")
        for offset in range(len(name)):  # the name starts at the first surname character ("请联系张伟先生")
            if name[offset] in surnames or name[offset:offset + 2] in surnames:
                findings.append(Finding("PERSON", match.start("name") + offset, match.end("name")))
                break
    return findings


_HANGUL = re.compile(f"[{scripts.HANGUL}]")
_JA_FULL_NAME = re.compile(rf"(?P<surname>[{_HAN}]{{2,3}})(?P<given>[{_HAN}]{{1,3}})(?=[\u3040-\u309f、。・\s]|$)")
_KO_NOT_NAMES = frozenset(("고객", "선생", "사장", "부장", "과장", "회장", "교수", "박사", "기사", "작가", "여러분",
                           "사용자", "회원", "손님", "이것", "이번", "이런", "이제"))


def _other_script_names(text: str) -> list[Finding]:
    findings = [Finding("PERSON", m.start("name"), m.end("name")) for m in _UNCASED_INTRO.finditer(text)]
    if _HANGUL.search(text):
        surnames = korean_surnames()
        for pattern in (_KO_INTRO, _KO_HONORIFIC):
            for match in pattern.finditer(text):
                name = match.group("name")
                min_length = 3 if pattern is _KO_INTRO else 2  # "저는 김민수입니다" needs a full name
                if name[0] in surnames and name not in _KO_NOT_NAMES and len(name) >= min_length:
                    findings.append(Finding("PERSON", match.start("name"), match.end("name")))
    return findings


def _japanese_full_names(text: str) -> list[Finding]:
    """A top-50 Japanese surname followed by one to three kanji and then kana or punctuation ("佐藤健一の")."""
    surnames = japanese_surnames()
    findings = []
    for match in _JA_FULL_NAME.finditer(text):
        run = match.group()
        for offset in range(len(run) - 2):
            if run[offset:offset + 2] in surnames:
                findings.append(Finding("PERSON", match.start() + offset, match.end()))
                break
    return findings


def find_persons(text: str) -> list[Finding]:
    """Person names (see the module docstring for the rules).

    >>> text = "Dear Sarah, thanks. 田中さんと王伟先生"
    >>> sorted({text[f.start:f.end] for f in find_persons(text)})
    ['Sarah', '王伟', '田中']
    """
    findings: list[Finding] = []
    if text != text.lower():  # every rule for cased scripts needs a capitalised name
        findings += _cued_names(text)
        findings += _name_pairs(text)
    if _CJK.search(text):
        findings += _cjk_names(text)
        findings += _japanese_full_names(text)
    if not text.isascii():
        findings += _other_script_names(text)
    return findings
