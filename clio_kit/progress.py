"""Progress bars: tqdm.auto (a widget in notebooks, text in terminals), off when asked or when output is not a TTY.

>>> list(progress_bar(range(3), enabled=False))
[0, 1, 2]
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from .config import progress_disabled

T = TypeVar("T")

__all__ = ["progress_bar", "progress_enabled"]


def progress_enabled(requested: bool = True) -> bool:
    if not requested or progress_disabled():
        return False
    try:
        from IPython import get_ipython

        if get_ipython() is not None:
            return True
    except ImportError:
        pass
    return sys.stderr.isatty()


def progress_bar(items: Iterable[T], *, desc: str = "", enabled: bool = True, total: int | None = None,
                 unit: str = "it") -> Iterator[T]:
    if not progress_enabled(enabled):
        yield from items
        return
    from tqdm.auto import tqdm

    yield from tqdm(items, desc=desc, total=total, unit=unit, leave=False)
