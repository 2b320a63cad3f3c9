"""Exceptions raised by clio-kit: one tree, rooted at :class:`ClioError`.

Every error carries a one-line message meant for the person running the analysis; none of them ever contains
conversation text beyond a short record identifier. ``except ClioError`` catches everything clio-kit raises on
purpose; the built-in base next to each class keeps older ``except ValueError`` / ``except KeyError`` code working
(as httpx's tree does)::

    ClioError
    ├── InputError (ValueError)      the input cannot be used: missing file, unknown format, a bad record
    ├── ConfigError (ValueError)     a setting or argument is invalid
    ├── NotFoundError (KeyError)     a cluster, facet, level or template that does not exist or is not visible
    ├── BackendError                 the model provider refused every request (bad key, unknown model)
    └── BudgetExceeded               the next request could take spending past ``max_cost``; nothing was sent

>>> from clio_kit.errors import InputError, ClioError
>>> issubclass(InputError, ClioError) and issubclass(InputError, ValueError)
True
>>> str(NotFoundError("cluster 7 is not visible"))
'cluster 7 is not visible'
"""

from __future__ import annotations

__all__ = ["BackendError", "BudgetExceeded", "ClioError", "ConfigError", "InputError", "NotFoundError"]


class ClioError(Exception):
    """Base class of every error clio-kit raises on purpose."""


class InputError(ClioError, ValueError):
    """The input cannot be used at all: missing file, unknown or undetectable format, empty file, a bad record."""


class ConfigError(ClioError, ValueError):
    """A setting or argument is invalid."""


class NotFoundError(ClioError, KeyError):
    """A named thing (cluster, facet, level, prompt template) does not exist or is not visible."""

    def __str__(self) -> str:  # KeyError quotes its message; this one is a sentence
        return str(self.args[0]) if self.args else ""


class BackendError(ClioError):
    """The provider refused every request (bad API key, no permission, unknown model): nothing can proceed."""


class BudgetExceeded(ClioError):
    """Sending the next request could take spending past ``max_cost``; nothing more was sent."""
