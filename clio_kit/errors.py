"""Exceptions raised by clio-kit.

Every error carries a one-line message meant for the person running the analysis; none of them ever contains
conversation text beyond a short record identifier.

>>> from clio_kit.errors import InputError, ClioError
>>> issubclass(InputError, ClioError) and issubclass(InputError, ValueError)
True
"""

from __future__ import annotations

__all__ = ["ClioError", "InputError", "ConfigError"]


class ClioError(Exception):
    """Base class of every error clio-kit raises on purpose."""


class InputError(ClioError, ValueError):
    """The input cannot be used at all: missing file, unknown or undetectable format, empty file."""


class ConfigError(ClioError, ValueError):
    """A setting or argument is invalid."""
