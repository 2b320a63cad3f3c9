"""Phone numbers in international and national formats, found with ``phonenumbers`` (Google's libphonenumber).

International numbers (``+44 20 7946 0958``) parse in any region; national ones (``020 7946 0958``,
``06 12 34 56 78``, ``(415) 555-0132``) need the right region, so each candidate is tried against a set of regions
and kept if it is a *valid* number in any of them. A cheap pre-check skips texts without a digit run long enough
to be a phone number, so most texts never reach the parser.

>>> [f.kind for f in find_phones("call +81 3-1234-5678 or (415) 555-0132")]
['PHONE', 'PHONE']
>>> find_phones("Python 3.11 and Windows 10 in 2023")
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .findings import Finding

DEFAULT_REGIONS = ("US", "GB", "FR", "DE", "ES", "IT", "JP", "CN", "IN", "BR", "MX", "AU", "NL", "KR")

# A stretch that could hold a phone number: digits with the usual separators, optionally after + or (.
_CANDIDATE = re.compile(r"[+(（＋]?\d[\d \-.()/\u00a0（）－]{4,22}\d")  # E.164 numbers have at most 15 digits
_MIN_DIGITS = 6
_DIGIT_GROUPS = re.compile(r"\d+")
_GATE = re.compile(r"\d[\d \-.()/\u00a0（）－]{4,}\d")  # digit-first, so the regex engine scans for it quickly
# Shapes that parse as phone numbers but are data: dotted quads and decimals, ISO dates, ranges and negative
# numbers in lists, large round numbers.
_NOT_A_PHONE = re.compile(r"\d\.\d+\.\d+\.\d|\d{4}-\d{2}-\d{2}| -|- |00000$|^\d+\.\d+$")


def _matcher():
    try:
        from phonenumbers import Leniency, PhoneNumberMatcher
    except ImportError as exc:  # pragma: no cover - phonenumbers is a declared dependency
        raise ImportError("phone detection needs phonenumbers: pip install 'phonenumbers>=8.13'") from exc
    return PhoneNumberMatcher, Leniency


def _looks_like_data(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 2):start], text[end:end + 2]
    if before[-1:] in (".", ",") or before.endswith(("-", "/")) and before[:1].isdigit():
        return True  # the tail of a decimal ("0.024094") or of a longer number
    if after[:1] in (".", ",", ":", "/") and after[1:2].isdigit():
        return True  # followed by decimals, a time ("20:51") or a CIDR suffix
    return bool(_NOT_A_PHONE.search(text[start:end]))


@lru_cache(maxsize=4096)
def _spans_in(window: str, regions: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Phone spans in ``window``; regions are tried in order until every digit of the window is explained."""
    matcher, leniency = _matcher()
    if window.lstrip("( ").startswith(("+", "＋")):
        regions = regions[:1]  # an international number parses the same in every region
    total_digits = sum(c.isdigit() for c in window)
    spans: set[tuple[int, int]] = set()
    for region in regions:
        spans.update((m.start, m.end) for m in matcher(window, region, leniency=leniency.VALID))
        covered = sum(c.isdigit() for start, end in spans for c in window[start:end])
        if covered >= total_digits:
            break
    return tuple(sorted(spans))


def find_phones(text: str, regions: Iterable[str] = DEFAULT_REGIONS) -> list[Finding]:
    """Phone numbers valid in at least one of ``regions`` (international ``+CC`` numbers in any region).

    >>> find_phones("ring 020 7946 0958 today")
    [Finding(kind='PHONE', start=5, end=18)]
    """
    if not _GATE.search(text):
        return []
    regions = tuple(regions)
    findings: set[Finding] = set()
    for candidate in _CANDIDATE.finditer(text):
        groups = _DIGIT_GROUPS.findall(candidate.group())
        if sum(map(len, groups)) < _MIN_DIGITS or sum(len(g) == 1 for g in groups) > 2 \
                or _looks_like_data(text, candidate.start(), candidate.end()):
            continue  # too short, a list of single digits ("1 2 3 4 5 6"), or data
        # a little context, so that the matcher sees what surrounds the number
        lo, hi = max(0, candidate.start() - 2), min(len(text), candidate.end() + 2)
        for start, end in _spans_in(text[lo:hi], regions):
            if not _looks_like_data(text, lo + start, lo + end):
                findings.add(Finding("PHONE", lo + start, lo + end))
    return sorted(findings, key=lambda f: (f.start, f.end))
