"""Run configuration: every setting that changes a run's output, in one hashable object, and the environment.

Components (LLM backend, embedder, clusterer) are objects passed to :class:`clio_kit.Pipeline`; their parameters are
fingerprinted separately. Everything else lives here and can be read from a TOML or JSON file.

Environment variables are read here and nowhere else (one accessor each):

=========================  =====================================================================================
``CLIO_KIT_CACHE``         cache folder for embeddings and LLM responses (:func:`default_cache_dir`)
``CLIO_KIT_NO_PROGRESS``   any value turns progress bars off (:func:`progress_disabled`; ``--quiet`` sets it)
``CLIO_KIT_DEBUG``         any value makes the CLI show tracebacks (:func:`debug_errors`)
``ANTHROPIC_API_KEY``      the Claude backend's key, or ``ANTHROPIC_AUTH_TOKEN`` (:func:`anthropic_api_key`)
``OPENAI_BASE_URL``        with ``CLIO_KIT_NAMES_MODEL``: the server ``names="openai"`` uses (:func:`openai_names_server`)
``BROWSER_PATH``           the Chromium that figure export drives (:func:`browser_path`)
=========================  =====================================================================================

>>> cfg = PipelineConfig(min_users=3)
>>> cfg.privacy.min_users
3
>>> PipelineConfig.from_dict({"n_levels": 2}).n_levels
2
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["MAX_MISSING_USER_SHARE", "PipelineConfig", "PrivacyConfig", "USER_ID_POLICIES", "anthropic_api_key",
           "browser_path", "debug_errors", "default_cache_dir", "disable_progress", "keep_model_hubs_offline",
           "load_config", "openai_names_server", "progress_disabled", "python_path", "quiet_environment",
           "set_browser_path"]

#: what a conversation without a user id counts as (see :class:`PrivacyConfig`)
USER_ID_POLICIES = ("auto", "conversation", "require")
#: above this share of conversations without a user id, ``user_id_policy="auto"`` claims no user thresholds
MAX_MISSING_USER_SHARE = 0.05


@dataclass(frozen=True)
class PrivacyConfig:
    """Aggregation thresholds and audit settings applied to everything an analyst sees.

    A cell (a cluster, a cross-tab cell, a time bucket) is shown only if it holds at least ``min_users`` distinct
    users AND ``min_conversations`` conversations. A cluster is hidden, too, when its ``dominance_users``
    largest users together hold more than ``dominance_share`` of its conversations (the (n, k) dominance rule of
    statistical disclosure control: enough users in name, one or two people's matter in fact, such as one user's
    repeated private request or a two-account campaign; ``dominance_share=1`` turns it off). Cluster text must score
    at least ``min_audit_score`` (Clio's 1-5 rubric) and offline key phrases (and any 4-word sequence of an
    LLM-written name) must be used by at least ``min_phrase_users`` distinct users.

    ``user_id_policy`` says what a conversation without a user id counts as. ``"auto"``: its own user while at most
    :data:`MAX_MISSING_USER_SHARE` of conversations lack one; above that, user counts are not claimed (every output
    says "user counts unavailable: thresholds apply to conversations only"). ``"conversation"``: always its own
    user, and outputs say user counts are unavailable whenever any id is missing. ``"require"``: a run with any
    conversation lacking a user id stops with a one-line error.
    """

    min_users: int = 5
    min_conversations: int = 15
    min_audit_score: int = 3
    min_phrase_users: int = 5
    user_id_policy: str = "auto"
    dominance_users: int = 2
    dominance_share: float = 0.5


@dataclass(frozen=True)
class PipelineConfig:
    """Settings of one run (see the README's configuration table)."""

    facet: str = "request"  # the open-ended facet that is embedded and clustered
    sample: int | None = None  # analyse a deterministic sample of this many conversations
    seed: int = 0
    max_message_chars: int = 20_000  # longer messages are truncated for the model (with a note), never dropped
    n_clusters: int | None = None  # base clusters; None = default_n_clusters(n)
    n_levels: int = 3  # levels of the hierarchy, the base included
    n_top: int | None = None  # top-level clusters; None = from the data (4-15 by silhouette)
    center_languages: bool = True  # remove per-language offsets so topics cluster across languages
    screener: str | None = None  # a yes/no question (or a boolean facet's name): only "yes" conversations are clustered
    screener_about: str = ""  # offline: what a "yes" is about, e.g. "elections, voting" (default: from the question)
    names: str = "offline"  # who writes cluster names: offline key phrases, or "anthropic"/"openai" from evidence
    names_language: str = "English"  # the language model-written names are in (names="anthropic"/"openai")
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)

    def __init__(self, **kwargs: Any) -> None:  # accept flat privacy keys too: PipelineConfig(min_users=3)
        privacy_fields = {f.name for f in dataclasses.fields(PrivacyConfig)}
        privacy_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in privacy_fields}
        privacy = kwargs.pop("privacy", None) or PrivacyConfig()
        if isinstance(privacy, dict):
            privacy = PrivacyConfig(**privacy)
        if privacy_kwargs:
            privacy = dataclasses.replace(privacy, **privacy_kwargs)
        defaults = {f.name: f.default for f in dataclasses.fields(type(self)) if f.name != "privacy"}
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise ConfigError(f"unknown config setting(s): {', '.join(sorted(unknown))}")
        for name, default in defaults.items():
            object.__setattr__(self, name, kwargs.get(name, default))
        object.__setattr__(self, "privacy", privacy)
        self._validate()

    def _validate(self) -> None:
        if self.sample is not None and self.sample < 1:
            raise ConfigError(f"sample must be a positive number, got {self.sample}")
        if self.n_levels < 1:
            raise ConfigError(f"n_levels must be at least 1, got {self.n_levels}")
        if self.screener is not None and (not isinstance(self.screener, str) or not self.screener.strip()):
            raise ConfigError("screener must be a yes/no question or a boolean facet's name")
        if self.n_clusters is not None and self.n_clusters < 1:
            raise ConfigError(f"n_clusters must be at least 1, got {self.n_clusters}")
        if self.names not in ("offline", "anthropic", "openai"):
            raise ConfigError(f"names must be offline, anthropic or openai, got {self.names!r}")
        p = self.privacy
        if min(p.min_users, p.min_conversations, p.min_phrase_users) < 1:
            raise ConfigError("privacy thresholds must be at least 1")
        if not 1 <= p.min_audit_score <= 5:
            raise ConfigError(f"min_audit_score must be 1-5, got {p.min_audit_score}")
        if isinstance(p.dominance_share, bool) or not isinstance(p.dominance_share, (int, float)) \
                or not 0 < p.dominance_share <= 1:
            raise ConfigError(f"dominance_share must be above 0 and at most 1, got {p.dominance_share}")
        if isinstance(p.dominance_users, bool) or not isinstance(p.dominance_users, int) or p.dominance_users < 1:
            raise ConfigError(f"dominance_users must be a whole number of at least 1, got {p.dominance_users}")
        if p.user_id_policy not in USER_ID_POLICIES:
            raise ConfigError(f"user_id_policy must be one of {', '.join(USER_ID_POLICIES)}, got {p.user_id_policy!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PipelineConfig":
        return cls(**dict(data))

    def replace(self, **changes: Any) -> "PipelineConfig":
        merged = self.to_dict()
        privacy = dict(merged.pop("privacy"))
        merged.update(changes)
        if "privacy" not in changes:
            merged["privacy"] = privacy
        return PipelineConfig(**merged)


def load_config(path: str | os.PathLike[str]) -> PipelineConfig:
    """Read a TOML or JSON config file (flat keys, or a ``[privacy]`` table)."""
    file = Path(path)
    if not file.exists():
        raise ConfigError(f"config file not found: {file}")
    try:
        if file.suffix.lower() == ".json":
            data = json.loads(file.read_text(encoding="utf-8"))
        else:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {file.name}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {file.name}: expected a table of settings")
    return PipelineConfig.from_dict(data)


# -- the environment: every variable clio-kit reads or sets, in one place ------------------------------------------
def default_cache_dir() -> Path:
    """Where embeddings and LLM replies are cached across runs: ``$CLIO_KIT_CACHE`` or ``~/.cache/clio-kit``."""
    return Path(os.environ.get("CLIO_KIT_CACHE") or Path.home() / ".cache" / "clio-kit")


def progress_disabled() -> bool:
    """True when ``CLIO_KIT_NO_PROGRESS`` is set: no progress bars, here or in child processes."""
    return bool(os.environ.get("CLIO_KIT_NO_PROGRESS"))


def disable_progress() -> None:
    """Turn progress bars off for this process and the processes it starts (the CLI's ``--quiet``)."""
    os.environ.update(quiet_environment())


def quiet_environment() -> dict[str, str]:
    """The variables that keep a child process (a report's kernel) from drawing progress bars."""
    return {"CLIO_KIT_NO_PROGRESS": "1"}


def debug_errors() -> bool:
    """True when ``CLIO_KIT_DEBUG`` is set: the CLI re-raises errors with their traceback."""
    return bool(os.environ.get("CLIO_KIT_DEBUG"))


def anthropic_api_key(*, auth_token: bool = False) -> str | None:
    """``ANTHROPIC_API_KEY``, or with ``auth_token`` also ``ANTHROPIC_AUTH_TOKEN`` (the SDK reads either)."""
    return os.environ.get("ANTHROPIC_API_KEY") or (os.environ.get("ANTHROPIC_AUTH_TOKEN") if auth_token else None)


def openai_names_server() -> tuple[str | None, str | None]:
    """``(OPENAI_BASE_URL, CLIO_KIT_NAMES_MODEL)``: the server and model ``names="openai"`` builds a namer for."""
    return os.environ.get("OPENAI_BASE_URL") or None, os.environ.get("CLIO_KIT_NAMES_MODEL") or None


def browser_path() -> str | None:
    """``BROWSER_PATH``: the Chromium (or Chrome) that kaleido drives for figure export, if set."""
    return os.environ.get("BROWSER_PATH") or None


def set_browser_path(path: str) -> None:
    """Tell kaleido, which reads ``BROWSER_PATH`` itself, which Chromium to drive (unless already set)."""
    os.environ.setdefault("BROWSER_PATH", path)


def python_path() -> str:
    """``PYTHONPATH`` as set (``""`` if not): a report kernel must import the same clio_kit as this process."""
    return os.environ.get("PYTHONPATH", "")


def keep_model_hubs_offline() -> None:
    """Stop Hugging Face libraries from reaching the network (models are never downloaded), unless the user said
    otherwise (``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` already set)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
