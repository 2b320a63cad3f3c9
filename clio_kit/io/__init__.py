"""Reading and writing conversations: ``load`` (any supported format, with rejects), frames and JSONL.

>>> from clio_kit.io import load, FORMATS
>>> "sharegpt" in FORMATS
True
>>> load([{"messages": [{"role": "user", "content": "hi"}]}], progress=False).conversations[0].conversation_id[:2]
'h-'
"""

from __future__ import annotations

from .formats import FORMATS
from .frame import conversations_to_frame, frame_to_conversations, write_jsonl
from .loader import LoadBatch, LoadResult, Reject, iter_batches, load

__all__ = ["FORMATS", "load", "iter_batches", "LoadResult", "LoadBatch", "Reject", "conversations_to_frame",
           "frame_to_conversations", "write_jsonl"]
