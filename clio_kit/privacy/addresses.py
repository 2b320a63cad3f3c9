"""Street addresses and postcodes: English, Spanish, French, German, Japanese and Chinese conventions.

Rules of thumb, not a geocoder: a house number next to a street word ("742 Evergreen Terrace", "Calle Mayor 12",
"12 rue de la Paix", "Hauptstraße 5"), a postcode in a recognisable shape (UK "SW1A 1AA", US "CA 94105",
Japanese "〒100-0005", a 5-digit code before a town after a comma), Japanese 丁目/番地 blocks and Chinese 路/街 + 号.

>>> [f.kind for f in find_addresses("I live at 742 Evergreen Terrace, Springfield")]
['ADDRESS']
>>> find_addresses("Spring 5 and Python 3.11 in 2023")
[]
"""

from __future__ import annotations

import re

from .findings import Finding

_UP = "A-ZÀ-ÖØ-ÞŁŚŻŹĆŃŠŽČŘ"
_CAP = rf"[{_UP}][^\W\d_]*(?:['’.-][^\W\d_]+)*"  # a capitalised word ("Evergreen", "O'Connell", "Champs-Élysées")
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KANA_NUM = "0-9０-９一二三四五六七八九十百"

_EN_STREET = (r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|"
              r"Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Circle|Cir)")
_EN = re.compile(
    rf"\d(?<![\w.,]\d)\d{{0,4}}[A-Za-z]?,?\s+(?:[NSEW]\.?\s+)?(?:{_CAP}\s+){{1,4}}{_EN_STREET}\b\.?"
    rf"(?:,?\s+(?:Apt|Apartment|Suite|Unit|Flat|#)\.?\s*#?\w+)?"
    rf"(?:,\s*{_CAP}(?:\s+{_CAP})?(?:,?\s*[A-Z]{{2}}\s+\d{{5}}(?:-\d{{4}})?)?)?")
_ES_PREP = r"(?:de|del|la|las|los|el|y)"
_ES = re.compile(
    rf"\b(?:[Cc]alle|C/|[Aa]venida|[Aa]vda\.?|[Aa]v\.|[Pp]aseo|[Pp]laza|[Pp]za\.|[Cc]amino|[Cc]arrera|[Rr]onda|"
    rf"[Tt]ravesía|[Gg]lorieta|[Cc]arretera)\s*(?:{_ES_PREP}\s+)*{_CAP}(?:\s+(?:{_ES_PREP}\s+)*{_CAP}){{0,3}}"
    rf",?\s*(?:(?:n[º°o]\.?|número|num\.|#)\s*)?\d{{1,4}}[A-Za-z]?\b(?:,?\s*\d{{1,2}}\s?[º°ªo]\s?[A-Z]?\b)?")
_FR_PREP = r"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’]|la\s+|le\s+|les\s+)"
_FR = re.compile(
    rf"\d(?<![\w.,]\d)\d{{0,3}}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|chemin|allée|impasse|place|quai|"
    rf"route|cours|passage|square)\s+{_FR_PREP}?{_CAP}(?:[\s-]+{_FR_PREP}?{_CAP}){{0,3}}", re.IGNORECASE)
_DE = re.compile(
    rf"\b[{_UP}][^\W\d_]*(?:straße|strasse|str\.|weg|gasse|allee|platz|damm|ufer|chaussee)\s+\d{{1,4}}\s?[a-z]?\b"
    rf"|\b{_CAP}\s+(?:Straße|Strasse|Str\.|Weg|Gasse|Allee|Platz)\s+\d{{1,4}}\s?[a-z]?\b")
_UK_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d(?!TB|GB|MB|KB|PB)[A-Z]{2}\b")
_US_STATE_CODES = ("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
                   "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC")
_US_STATES = frozenset(_US_STATE_CODES.split())
_US_ZIP = re.compile(r"[A-Z]{2}\s+\d{5}(?:-\d{4})?(?![\w-])")  # the two letters are checked against _US_STATES
_EU_POSTCODE_TOWN = re.compile(  # "…, 10115 Berlin" or a postcode at the start of a line
    rf"\d(?:(?<=,\d)|(?<=\n\d)|(?<=, \d))\d{{4}}\s+{_CAP}(?:[ -]{_CAP})?|^\d{{5}}\s+{_CAP}(?:[ -]{_CAP})?",
    re.MULTILINE)
_JP_POSTCODE = re.compile(r"〒\s?[0-9０-９]{3}[-－ー−]?[0-9０-９]{4}")
_JP_BLOCK = re.compile(
    rf"[{_HAN}\u30a0-\u30ffのヶケ々]{{0,20}}[{_KANA_NUM}]+(?:丁目|番地)"
    rf"(?:[{_KANA_NUM}]+(?:番地?|号)?[-－ー−]?)*")
_JP_DASHED = re.compile(
    rf"[{_HAN}\u30a0-\u30ffのヶケ々]{{0,12}}[{_HAN}](?:都|道|府|県|市|区|町|村)[{_HAN}\u30a0-\u30ffのヶケ々]{{0,10}}"
    rf"[0-9０-９]{{1,4}}(?:[-－ー−][0-9０-９]{{1,4}}){{1,3}}")
_ZH = re.compile(
    rf"[{_HAN}]{{1,15}}(?:路|街|大道|道|巷|胡同|弄)[{_KANA_NUM}]+号(?:院|楼)?(?:[{_KANA_NUM}]+(?:室|楼|单元|层))*")
_DIGIT = re.compile(r"\d")
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]")
_ES_WORDS = ("calle", "c/", "avenida", "avda", "av.", "paseo", "plaza", "pza.", "camino", "carrera", "ronda",
             "travesía", "glorieta", "carretera")
_DE_WORDS = ("straße", "strasse", "str.", "weg", "gasse", "allee", "platz", "damm", "ufer", "chaussee")
_ZH_LEAD = re.compile(r"^.*?(?:住在|住址是|地址是|地址：|地址:|位于|在|是)")


def _findings(pattern: re.Pattern[str], text: str) -> list[Finding]:
    return [Finding("ADDRESS", m.start(), m.end()) for m in pattern.finditer(text)]


def _find_chinese(text: str) -> list[Finding]:
    findings = []
    for match in _ZH.finditer(text):
        lead = _ZH_LEAD.match(match.group())  # "我住在北京市…" -> drop "我住在"
        start = match.start() + (lead.end() if lead and lead.end() < len(match.group()) - 2 else 0)
        findings.append(Finding("ADDRESS", start, match.end()))
    return findings


def _find_us_zip(text: str) -> list[Finding]:
    return [Finding("ADDRESS", m.start(), m.end()) for m in _US_ZIP.finditer(text)
            if m.group()[:2] in _US_STATES and not text[m.start() - 1:m.start()].isalpha()]


def find_addresses(text: str) -> list[Finding]:
    """Street addresses, postcodes and East Asian block addresses.

    >>> [f.kind for f in find_addresses("Wohnt in der Hauptstraße 5, 10115 Berlin")]
    ['ADDRESS', 'ADDRESS']
    """
    findings: list[Finding] = []
    if _DIGIT.search(text):
        lowered = text.lower()
        patterns = [_EN, _FR, _UK_POSTCODE, _EU_POSTCODE_TOWN]
        if any(word in lowered for word in _ES_WORDS):
            patterns.append(_ES)
        if any(word in lowered for word in _DE_WORDS):
            patterns.append(_DE)
        for pattern in patterns:
            findings += _findings(pattern, text)
        findings += _find_us_zip(text)
    if _CJK.search(text):
        for pattern in (_JP_POSTCODE, _JP_BLOCK, _JP_DASHED):
            findings += _findings(pattern, text)
        findings += _find_chinese(text)
    return findings
