"""Computed facets: the code detector's word-boundary hints (rewritten for speed) keep their meaning."""

from __future__ import annotations

import pytest

from clio_kit.facets.computed import looks_like_code


@pytest.mark.parametrize("text, expected", [
    ("def parse(x):\n    return x", True),                       # a def line and an indented line
    ("```\nanything\n```", True),
    ("import numpy\nx = {\n", True),                             # an import and a line ending in "{"
    ("SELECT name FROM users;", True),                           # SELECT ... FROM and a trailing ";"
    ("Please redefine(the plan) and undefine(it) by Friday.", False),  # "def" inside words is no hint
    ("Our classroom(s) and reimport rules; fine", False),         # "class", "import" inside words: one hint (";")
    ("How do I bake bread? I tried twice.", False),
    ("<div>hello</div> and a => arrow", True),
])
def test_code_hints(text: str, expected: bool) -> None:
    assert looks_like_code(text) is expected
