"""Every prompt the LLM backends send, in one place, versioned and hashed.

Templates are plain text files beside this module (``<name>.txt``) using ``string.Template`` placeholders
(``$conversation``). The hash of each template is recorded in every run's manifest, so a changed prompt is
visible and invalidates cached stages. Conversation text is always fenced as data inside XML tags.

>>> tpl = get_template("facets")
>>> tpl.version >= 1 and len(tpl.sha256) == 16
True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

from ..errors import ConfigError, NotFoundError

__all__ = ["PromptTemplate", "get_template", "template_hashes", "TEMPLATE_NAMES"]

TEMPLATE_NAMES = ("facets", "cluster_names", "parent_proposals", "parent_dedupe", "parent_assign", "parent_rename",
                  "audit", "synthetic_conversation", "cluster_names_evidence")


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: int
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.name}:{self.version}:{self.text}".encode()).hexdigest()[:16]

    def render(self, **values: str) -> str:
        return Template(self.text).substitute(**values)


@cache
def get_template(name: str) -> PromptTemplate:
    """Load a template by name; the first line of its file is ``version: N``."""
    if name not in TEMPLATE_NAMES:
        raise NotFoundError(f"unknown prompt template {name!r}; known: {', '.join(TEMPLATE_NAMES)}")
    raw = resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    header, _, body = raw.partition("\n")
    if not header.startswith("version:"):
        raise ConfigError(f"prompt template {name}.txt must start with 'version: N'")
    return PromptTemplate(name, int(header.split(":", 1)[1]), body.strip() + "\n")


def template_hashes(names: tuple[str, ...] = TEMPLATE_NAMES) -> dict[str, str]:
    """``{name: "v<version>-<hash>"}`` for the given templates."""
    return {n: f"v{get_template(n).version}-{get_template(n).sha256}" for n in names}
