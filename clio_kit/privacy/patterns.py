"""Detectors for structured personal data: emails, URLs, IP addresses, card numbers, IBANs and national IDs.

Each detector is ``text -> list[Finding]``. Candidates are found by regular expressions and, where a checksum
exists, confirmed with python-stdnum (Luhn for cards, ISO 13616 for IBANs, national ID check digits).

>>> [f.kind for f in find_emails("write to ana.lopez@example.es today")]
['EMAIL']
>>> [f.kind for f in find_cards("card 4111 1111 1111 1111 expires")]
['CARD']
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from .findings import Finding

# ASCII boundaries: Python's \b treats CJK characters as word characters, so "是11010519491231002X" has no \b.
_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_LOCAL_PART = "A-Za-z0-9À-ÖØ-öø-ÿ._%+-"
_EMAIL = re.compile(rf"(?<![{_LOCAL_PART}])[{_LOCAL_PART}]+@"
                    r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:[a-z]{2,}|[A-Z]{2,})(?![\w-])")
_URL = re.compile(r"(?<![0-9A-Za-z])(?:(?:https?|ftp)://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_IPV4 = re.compile(r"\d(?<![0-9A-Za-z_.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![0-9A-Za-z_]|\.\d)")
_IPV6 = re.compile(
    r"(?<![0-9A-Za-z_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![0-9A-Za-z_:])")
# contiguous 13-19 digits, or the printed layouts 4-4-4-4(-1..3), 4-6-5 (Amex) and 4-6-4 (Diners)
_CARD = re.compile(r"[2-6](?<![\d.,-][2-6])"
                   r"(?:\d{12,18}|\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{3}([ -])\d{6}\2\d{4,5})"
                   r"(?![\d]|[.,-]\d)")
_IBAN = re.compile(_B + r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}" + _E)
_SSN = re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d]|-\d)")
_UK_NINO = re.compile(_B + r"[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]" + _E)
_ES_DNI = re.compile(_B + r"(?:\d{8}|[XYZ]-?\d{7})-?[A-Z]" + _E)
_FR_NIR = re.compile(_B + r"[12] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}" + _E)
_CN_RIC = re.compile(_B + r"\d{17}[\dXx]" + _E)
_IT_CF = re.compile(_B + r"[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]" + _E)
_MX_CURP = re.compile(_B + r"[A-Z]{4}\d{6}[HM][A-Z]{5}[A-Z0-9]\d" + _E)
_BR_CPF = re.compile(_B + r"\d{3}\.\d{3}\.\d{3}-\d{2}" + _E)
_KR_RRN = re.compile(_B + r"\d{6}-[1-4]\d{6}" + _E)
_LONG_DIGITS = re.compile(r"\d(?<![0-9A-Za-z_.,-]\d)\d{8,}(?![0-9A-Za-z_]|[.,-]\d)")
_GROUPED_DIGITS = re.compile(
    r"(?<![0-9A-Za-z_.,-])(?<!\d )(\d{3,6})([ -])\d{3,6}(?:\2\d{3,6}){0,2}(?![0-9A-Za-z_]|[.,-]\d| \d)")
_URL_TRAILING = ".,;:!?'\")]}>"
# Cheap gates: most texts have no run of 7 digits and no "AB12"-like code, and skip the ID patterns entirely.
_NUMBERISH = re.compile(r"\d(?:[ .-]?\d){6}")
_CODEISH = re.compile(r"[A-Z]{2} ?\d\d")
_IPV6_HINT = re.compile(r"::|[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:")


def find_emails(text: str) -> list[Finding]:
    """Email addresses.

    >>> find_emails("mail me: bob@example.com.")
    [Finding(kind='EMAIL', start=9, end=24)]
    """
    if "@" not in text:
        return []
    return [Finding("EMAIL", m.start(), m.end()) for m in _EMAIL.finditer(text)]


def find_urls(text: str) -> list[Finding]:
    """http(s)/ftp URLs and ``www.`` addresses, without trailing punctuation.

    >>> find_urls("see https://example.com/a?b=1).")
    [Finding(kind='URL', start=4, end=29)]
    """
    findings = []
    for match in _URL.finditer(text):
        url = match.group()
        while url and url[-1] in _URL_TRAILING and not (url[-1] == ")" and url.count("(") >= url.count(")")):
            url = url[:-1]
        if len(url) > 4:
            findings.append(Finding("URL", match.start(), match.start() + len(url)))
    return findings


def _is_reportable_ip(candidate: str) -> bool:
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return False
    if address.version == 4 and all(len(octet) == 1 for octet in candidate.split(".")):
        return False  # "1.2.3.4" is far more often an outline number or version than a host
    return not (address.is_loopback or address.is_unspecified)


def find_ips(text: str) -> list[Finding]:
    """IPv4 and IPv6 addresses (validated), except loopback and unspecified addresses.

    >>> [f.kind for f in find_ips("server 203.0.113.7 and 2001:db8::1; not 127.0.0.1 or std::vector")]
    ['IP', 'IP']
    """
    findings = []
    if "." in text:
        findings += [Finding("IP", m.start(), m.end()) for m in _IPV4.finditer(text) if _is_reportable_ip(m.group())]
    if _IPV6_HINT.search(text):
        for match in _IPV6.finditer(text):
            candidate = match.group()
            if candidate.count(":") >= 2 and any(c.isalnum() for c in candidate) and _is_reportable_ip(candidate):
                findings.append(Finding("IP", match.start(), match.end()))
    return findings


def find_cards(text: str) -> list[Finding]:
    """Payment card numbers: 13-19 digits, optionally spaced or dashed, that pass the Luhn check.

    >>> find_cards("4111-1111-1111-1111"), find_cards("4111 1111 1111 1112")
    ([Finding(kind='CARD', start=0, end=19)], [])
    """
    from stdnum import luhn

    if not _NUMBERISH.search(text):
        return []
    findings = []
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and digits[0] != "0" and luhn.is_valid(digits):
            findings.append(Finding("CARD", match.start(), match.end()))
    return findings


def find_ibans(text: str) -> list[Finding]:
    """IBANs (compact or in groups of four), confirmed with the ISO 13616 check digits.

    >>> find_ibans("pay to DE89 3704 0044 0532 0130 00 please")
    [Finding(kind='IBAN', start=7, end=34)]
    """
    from stdnum import iban

    if not _CODEISH.search(text):
        return []
    findings = []
    for match in _IBAN.finditer(text):
        candidate = match.group()
        while len(candidate.replace(" ", "")) >= 15:  # a greedy match may include a trailing code: shorten
            if iban.is_valid(candidate):
                findings.append(Finding("IBAN", match.start(), match.start() + len(candidate)))
                break
            candidate = candidate[:-1].rstrip()
    return findings


def _validated(pattern: re.Pattern[str],
               validator: Callable[[str], bool] | None = None) -> Callable[[str], list[Finding]]:
    def detect(text: str) -> list[Finding]:
        return [Finding("NATIONAL_ID", m.start(), m.end()) for m in pattern.finditer(text)
                if validator is None or validator(m.group())]
    return detect


def _stdnum_validator(module: str) -> Callable[[str], bool]:
    def validate(candidate: str) -> bool:
        from importlib import import_module

        return bool(import_module(f"stdnum.{module}").is_valid(candidate))
    return validate


def _is_year_list(candidate: str) -> bool:
    groups = re.split(r"[ -]", candidate)
    return all(len(g) == 4 and 1900 <= int(g) <= 2100 for g in groups)


def find_long_numbers(text: str) -> list[Finding]:
    """Runs of 9 or more digits, plain or grouped ("8834920175", "1234 5678 9012"), reported as NATIONAL_ID.

    The scrubber uses this as a fallback: it only keeps spans that no more specific detector (phone, card, ...)
    explains.

    >>> find_long_numbers("account 8834920175, 2021 2022 2023, 1 000 000, 350000000")
    [Finding(kind='NATIONAL_ID', start=8, end=18)]
    """
    if not _NUMBERISH.search(text):
        return []
    findings = [Finding("NATIONAL_ID", m.start(), m.end()) for m in _LONG_DIGITS.finditer(text)
                if not m.group().endswith("00000")]  # 350000000 is an amount, not an identifier
    for match in _GROUPED_DIGITS.finditer(text):
        candidate = match.group()
        groups = re.split(r"[ -]", candidate)
        # "1234 5678 9012" or "123 456 78", not "259 250099"
        same_size = all(len(g) == len(groups[0]) for g in groups[:-1]) and len(groups[-1]) <= len(groups[0])
        if sum(c.isdigit() for c in candidate) >= 9 and same_size and not _is_year_list(candidate):
            findings.append(Finding("NATIONAL_ID", match.start(), match.end()))
    return findings


_NUMERIC_ID_DETECTORS: tuple[Callable[[str], list[Finding]], ...] = (
    _validated(_SSN),                      # US SSN shape (fake example numbers like 123-45-6789 included)
    _validated(_ES_DNI, lambda s: _stdnum_validator("es.dni")(s) or _stdnum_validator("es.nie")(s)),
    _validated(_FR_NIR, _stdnum_validator("fr.nir")),
    _validated(_CN_RIC, _stdnum_validator("cn.ric")),
    _validated(_BR_CPF, _stdnum_validator("br.cpf")),
    _validated(_KR_RRN),
)
_CODE_ID_DETECTORS: tuple[Callable[[str], list[Finding]], ...] = (
    _validated(_UK_NINO),                  # UK National Insurance number shape (QQ123456C)
    _validated(_IT_CF, _stdnum_validator("it.codicefiscale")),
    _validated(_MX_CURP, _stdnum_validator("mx.curp")),
)


def find_national_ids(text: str) -> list[Finding]:
    """National ID numbers in known shapes: US SSN, UK NINO, ES DNI/NIE, FR NIR, CN RIC, IT codice fiscale,
    MX CURP, BR CPF, KR RRN (checksums confirmed with python-stdnum where the format has one). See also
    ``find_long_numbers`` for other long digit runs.

    >>> [f.kind for f in find_national_ids("SSN 123-45-6789, NI QQ123456C, 身份证号11010519491231002X")]
    ['NATIONAL_ID', 'NATIONAL_ID', 'NATIONAL_ID']
    >>> find_national_ids("Python 3.11 in 2023 with 10000 rows")
    []
    """
    findings: list[Finding] = []
    if _NUMBERISH.search(text):
        for detect in _NUMERIC_ID_DETECTORS:
            findings += detect(text)
    if _CODEISH.search(text):
        for detect in _CODE_ID_DETECTORS:
            findings += detect(text)
    return findings
