"""The record a detector returns: what kind of personal data sits where. It never stores the matched text.

>>> Finding("EMAIL", 3, 20).length
17
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("EMAIL", "PHONE", "URL", "IP", "CARD", "IBAN", "NATIONAL_ID", "ADDRESS", "PERSON")


@dataclass(frozen=True)
class Finding:
    """A span ``text[start:end]`` that holds personal data of ``kind`` (one of ``KINDS``)."""

    kind: str
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


# When two findings of equal length overlap, the more specific kind wins.
_PRIORITY = {kind: rank for rank, kind in enumerate(
    ("CARD", "IBAN", "NATIONAL_ID", "EMAIL", "URL", "IP", "PHONE", "ADDRESS", "PERSON"))}


def resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Keep the longest findings that do not overlap (ties: the more specific kind), sorted by position.

    >>> resolve_overlaps([Finding("PHONE", 0, 11), Finding("NATIONAL_ID", 0, 11), Finding("PERSON", 5, 9)])
    [Finding(kind='NATIONAL_ID', start=0, end=11)]
    """
    merged: list[Finding] = []  # first, overlapping findings of the same kind become one ("55 Oak Lane, … BS1 4DJ")
    for finding in sorted(findings, key=lambda f: (f.kind, f.start)):
        last = merged[-1] if merged else None
        if last is not None and last.kind == finding.kind and finding.start < last.end:
            merged[-1] = Finding(last.kind, last.start, max(last.end, finding.end))
        else:
            merged.append(finding)
    kept: list[Finding] = []
    for finding in sorted(merged, key=lambda f: (-f.length, _PRIORITY.get(f.kind, 99), f.start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)
