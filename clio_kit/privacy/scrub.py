"""Replace personal data in text with placeholders such as ``[EMAIL]`` or ``[PERSON]``.

Applied to every text the pipeline generates or extracts (summaries, cluster names, descriptions, key phrases).
Detectors live in their own modules (patterns, phones, addresses, persons); the scrubber runs the ones for the
requested kinds, keeps the longest non-overlapping findings and substitutes placeholders. Nothing is logged and
findings carry positions only, never the matched text.

>>> print(scrub("Mail zelda.q@example.org or call +44 20 7946 0958, I'm Sarah."))
Mail [EMAIL] or call [PHONE], I'm [PERSON].
>>> Scrubber(kinds=["EMAIL"], placeholder="<{kind}>").scrub("a@b.io and 4111 1111 1111 1111")
'<EMAIL> and 4111 1111 1111 1111'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..errors import ConfigError
from .addresses import find_addresses
from .findings import KINDS, Finding, resolve_overlaps
from .patterns import find_cards, find_emails, find_ibans, find_ips, find_long_numbers, find_national_ids, find_urls
from .persons import find_persons
from .phones import find_phones

__all__ = ["KINDS", "Finding", "Scrubber", "scrub"]

_DETECTORS: dict[str, Callable[[str], list[Finding]]] = {
    "EMAIL": find_emails,
    "PHONE": find_phones,
    "URL": find_urls,
    "IP": find_ips,
    "CARD": find_cards,
    "IBAN": find_ibans,
    "NATIONAL_ID": find_national_ids,
    "ADDRESS": find_addresses,
    "PERSON": find_persons,
}
# Detectors of last resort: their findings count only where no detector above found anything.
_FALLBACKS: dict[str, Callable[[str], list[Finding]]] = {
    "NATIONAL_ID": find_long_numbers,
}


class Scrubber:
    """Find and replace personal data of the given ``kinds`` (default: all of ``KINDS``).

    ``placeholder`` is a format string with ``{kind}``; the default gives ``[EMAIL]``, ``[PHONE]``, ...

    >>> s = Scrubber()
    >>> [f.kind for f in s.find("Dr. Müller, Hauptstraße 5, DE89 3704 0044 0532 0130 00")]
    ['PERSON', 'ADDRESS', 'IBAN']
    >>> s.scrub_many(["I'm stuck with pandas", "me llamo Lucía Fernández"])
    ["I'm stuck with pandas", 'me llamo [PERSON]']
    """

    def __init__(self, kinds: Iterable[str] | None = None, placeholder: str = "[{kind}]") -> None:
        chosen = tuple(KINDS if kinds is None else kinds)
        unknown = sorted(set(chosen) - set(KINDS))
        if unknown:
            raise ConfigError(f"unknown personal-data kinds {unknown}; choose from {list(KINDS)}")
        try:
            placeholder.format(kind="EMAIL")
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError("placeholder must be a format string using only {kind}, e.g. '[{kind}]'") from exc
        self.kinds = chosen
        self.placeholder = placeholder

    def __repr__(self) -> str:
        return f"Scrubber(kinds={list(self.kinds)!r}, placeholder={self.placeholder!r})"

    def find(self, text: str) -> list[Finding]:
        """Non-overlapping findings in ``text``, in order of position."""
        if not text:
            return []
        findings: list[Finding] = []
        for kind in self.kinds:
            findings += _DETECTORS[kind](text)
        kept = resolve_overlaps(findings)
        fallbacks = [f for kind in self.kinds if kind in _FALLBACKS for f in _FALLBACKS[kind](text)
                     if all(f.end <= k.start or f.start >= k.end for k in kept)]
        return resolve_overlaps(kept + fallbacks) if fallbacks else kept

    def scrub(self, text: str) -> str:
        """``text`` with every finding replaced by its placeholder."""
        findings = self.find(text)
        if not findings:
            return text
        parts, position = [], 0
        for finding in findings:
            parts.append(text[position:finding.start])
            parts.append(self.placeholder.format(kind=finding.kind))
            position = finding.end
        parts.append(text[position:])
        return "".join(parts)

    def scrub_many(self, texts: Iterable[str]) -> list[str]:
        """``scrub`` applied to each text."""
        return [self.scrub(text) for text in texts]


_default: Scrubber | None = None


def default_scrubber() -> Scrubber:
    """The shared all-kinds scrubber (built on first use)."""
    global _default
    if _default is None:
        _default = Scrubber()
    return _default


def scrub(text: str) -> str:
    """Scrub ``text`` with the default scrubber (all kinds, ``[KIND]`` placeholders).

    >>> scrub("SSN 123-45-6789")
    'SSN [NATIONAL_ID]'
    """
    return default_scrubber().scrub(text)
