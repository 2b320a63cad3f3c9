"""Rule-based privacy auditor: the offline counterpart to Clio's LLM auditor, on Clio's 1-5 rubric.

1 identifies an individual, 2 a specific small group or organisation, 3 narrows to a few thousand people,
4 identifiable only with significant context, 5 not identifiable. A cluster passes at ``score >= min_score``.

Rules (the lowest score wins):

- any scrubber finding (email, phone, URL, IP, card, IBAN, ID, address, person), or a placeholder left by an
  earlier scrub such as ``[PERSON]`` -> 1;
- an exact number of 4 or more digits that is not a year (1900-2100), a version, a round number or a power of
  two -> 2;
- proper-noun-like words (capitalised mid-sentence, not everyday words, not in the built-in allowlist of
  technical/product/place/language terms, not in ``common_terms``; Japanese "・"-joined katakana names):
  two or more distinct -> 3, one -> 4;
- otherwise 5.

Reasons name the rule that fired and never echo the matched text.

>>> auditor = RuleBasedAuditor()
>>> auditor.audit("python, error, dataframe", "Offline summary from key phrases: python, error. Mostly English.")
AuditResult(score=5, reasons=(), passed=True)
>>> auditor.audit("Emails to zelda@example.org").score
1
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from ..errors import ConfigError
from .findings import KINDS
from .name_lists import common_words
from .scrub import Scrubber, default_scrubber
from .vocabulary import builtin_allowlist

_PLACEHOLDER = re.compile(r"[\[<{]{1,2}(?:" + "|".join(KINDS) + r"|PHONE_NUMBER|REDACTED|NAME)(?:_\d+)?[\]>}]{1,2}")
_NUMBER = re.compile(r"(?<![\w])v?\d[\d,]*(?:\.\d+)*(?![\w])", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_SENTENCE_BREAKS = ".!?;:\n•*#>|-–—(\"“«"
_WORD_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")  # "KeyError" -> Key, Error; "Node.js" -> Node, js
_KATAKANA_FULL_NAME = re.compile(r"[\u30a1-\u30fa\u30fc]{2,}[・･][\u30a1-\u30fa\u30fc]{2,}")
_POWERS_OF_TWO = frozenset(str(2 ** n) for n in range(10, 31))


@dataclass(frozen=True)
class AuditResult:
    """Clio rubric score (1-5), why it is not 5, and whether it reaches the auditor's ``min_score``."""

    score: int
    reasons: tuple[str, ...]
    passed: bool


def _is_harmless_number(token: str) -> bool:
    """Years, versions ("3.11.4", "v2"), round numbers ("10,000", "1500") and powers of two ("4096")."""
    if token[:1] in "vV" or "." in token:
        return True
    digits = token.replace(",", "")
    if len(digits) < 4:
        return True
    if len(digits) == 4 and 1900 <= int(digits) <= 2100:
        return True
    return len(digits.rstrip("0")) <= 2 or digits in _POWERS_OF_TWO


class RuleBasedAuditor:
    """Score cluster names and descriptions on Clio's privacy rubric with deterministic rules.

    ``common_terms`` are extra words (any case) that are never counted as proper nouns, e.g. your product names.

    >>> RuleBasedAuditor(common_terms={"Glorp"}).audit("Questions about Glorp pricing").score
    5
    >>> RuleBasedAuditor().audit("Order 48213 refund request").score
    2
    """

    def __init__(self, min_score: int = 3, scrubber: Scrubber | None = None,
                 common_terms: Collection[str] | None = None) -> None:
        if not 1 <= min_score <= 5:
            raise ConfigError(f"min_score must be between 1 and 5, got {min_score}")
        self.min_score = min_score
        self.scrubber = scrubber
        self.common_terms = frozenset(t.lower() for t in (common_terms or ()))

    def __repr__(self) -> str:
        return f"RuleBasedAuditor(min_score={self.min_score}, common_terms={len(self.common_terms)} terms)"

    def _is_known_word(self, word: str) -> bool:
        """Everyday, technical or allowlisted: "Letters" (plural), "KeyError" (CamelCase parts), "Node.js"."""
        allow, common = builtin_allowlist(), common_words()
        lowered = word.lower()
        forms = {lowered, lowered.removesuffix("s"),
                 lowered.removesuffix("es"),
                 lowered[:-3] + "y" if lowered.endswith("ies") else lowered}
        if any(f in allow or f in common or f in self.common_terms for f in forms):
            return True
        parts = [p for p in _WORD_PARTS.findall(word) if len(p) > 1]
        return len(parts) > 1 and all(self._is_known_word(part) for part in parts)

    def _proper_nouns(self, text: str) -> set[str]:
        found: set[str] = set()
        for match in _WORD.finditer(text):
            word = match.group().rstrip("'’.-")
            if not word[:1].isupper() or word.isupper():  # lower-case words and acronyms (API, SQL) are skipped
                continue
            position = match.start() - 1
            while position >= 0 and text[position] in " \t":
                position -= 1
            if position < 0 or text[position] in _SENTENCE_BREAKS:
                continue  # first word of a sentence, list item or heading
            if not self._is_known_word(word):
                found.add(word.lower())
        found.update(m.group() for m in _KATAKANA_FULL_NAME.finditer(text))
        return found

    def audit(self, name: str, description: str = "") -> AuditResult:
        """Score one cluster's ``name`` and ``description``."""
        text = f"{name}\n{description}" if description else name
        scores: list[tuple[int, str]] = []
        scrubber = self.scrubber or default_scrubber()
        kinds = sorted({f.kind for f in scrubber.find(text)})
        if kinds:
            scores.append((1, f"personal data detected by the scrubber: {', '.join(kinds)}"))
        if _PLACEHOLDER.search(text):
            scores.append((1, "placeholder for removed personal data"))
        exact_numbers = [t for t in _NUMBER.findall(text) if not _is_harmless_number(t)]
        if exact_numbers:
            scores.append((2, f"{len(exact_numbers)} exact number(s) of 4+ digits (order, account or case number?)"))
        proper_nouns = self._proper_nouns(text)
        if len(proper_nouns) >= 2:
            scores.append((3, f"{len(proper_nouns)} proper-noun-like terms not in the allowlist"))
        elif proper_nouns:
            scores.append((4, "1 proper-noun-like term not in the allowlist"))
        score = min((s for s, _ in scores), default=5)
        reasons = tuple(reason for _, reason in sorted(scores, key=lambda item: item[0]))
        return AuditResult(score=score, reasons=reasons, passed=score >= self.min_score)

    def audit_many(self, items: Iterable[tuple[str, str]]) -> list[AuditResult]:
        """``audit`` for each ``(name, description)`` pair."""
        return [self.audit(name, description) for name, description in items]
