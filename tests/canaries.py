"""Test access to the library's canaries."""

from clio_kit.privacy.canaries import CANARIES, canary_conversations, find_canaries

__all__ = ["CANARIES", "canary_conversations", "find_canaries"]
