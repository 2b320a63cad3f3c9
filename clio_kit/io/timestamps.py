"""Parse the timestamps found in conversation exports into timezone-aware UTC datetimes.

Accepted: ISO 8601 text (``Z`` or an offset; no offset means UTC), epoch numbers (seconds, milliseconds,
microseconds or nanoseconds, told apart by size), numeric text, ``datetime`` (naive = UTC) and numpy/pandas
datetimes. Empty values give ``None``.

>>> from clio_kit.io.timestamps import parse_timestamp
>>> parse_timestamp("2024-03-01T12:00:00Z").isoformat()
'2024-03-01T12:00:00+00:00'
>>> parse_timestamp(1709294400000).isoformat()
'2024-03-01T12:00:00+00:00'
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone
from typing import Any

from ..errors import InputError

__all__ = ["parse_timestamp"]

_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _from_epoch(value: float) -> datetime:
    magnitude = abs(value)
    if magnitude >= 1e17:
        value /= 1e9
    elif magnitude >= 1e14:
        value /= 1e6
    elif magnitude >= 1e11:
        value /= 1e3
    return datetime.fromtimestamp(value, tz=timezone.utc)


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "..."


def parse_timestamp(value: Any) -> datetime | None:
    """Return ``value`` as an aware UTC ``datetime`` (``None`` when empty); :class:`~clio_kit.errors.InputError`
    (a ``ValueError``) when unparseable."""
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, datetime):
            if value != value:  # pandas NaT
                return None
            return _as_utc(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
        if isinstance(value, (int, float)) or type(value).__module__ == "numpy":
            if type(value).__name__.startswith("datetime64"):
                import pandas as pd

                stamp = pd.Timestamp(value)
                return None if stamp is pd.NaT else _as_utc(stamp.to_pydatetime())
            number = float(value)
            if math.isnan(number):
                return None
            return _from_epoch(number)
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            if _NUMBER.fullmatch(text):
                return _from_epoch(float(text))
            return _as_utc(datetime.fromisoformat(_LONG_FRACTION.sub(r"\1", text)))
    except (ValueError, OverflowError, OSError, TypeError):
        pass
    raise InputError(f"unparseable timestamp {_shown(value)!r}")
