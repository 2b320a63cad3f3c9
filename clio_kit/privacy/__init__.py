"""Privacy layer: personal-data scrubber, rule-based auditor, privacy gate and gated view."""

from __future__ import annotations

from .audit import AuditResult, RuleBasedAuditor
from .findings import KINDS, Finding
from .scrub import Scrubber, scrub

__all__ = ["KINDS", "AuditResult", "Finding", "RuleBasedAuditor", "Scrubber", "scrub"]
