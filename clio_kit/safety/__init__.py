"""Safety work on a run: coordinated-pattern detection and the restricted safety view.

RESTRICTED: everything here can identify accounts. It is reached only through an explicit opt-in
(:meth:`clio_kit.Run.safety_view`), is kept apart from the privacy-gated view (which never imports it), and never
feeds a report or widget.
"""

from .coordination import CoordinationDetector, near_duplicate_groups, normalise_text
from .view import RESTRICTED_WARNING, RestrictedFrame, SafetyView

__all__ = ["CoordinationDetector", "RESTRICTED_WARNING", "RestrictedFrame", "SafetyView", "near_duplicate_groups",
           "normalise_text"]
