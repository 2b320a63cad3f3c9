"""Every docstring example in ``clio_kit`` and ``widgets`` runs and gives the output it shows (examples that need
a run directory or the network are marked ``# doctest: +SKIP``)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import clio_kit
import widgets

ALL_MODULES = sorted(info.name for package in (clio_kit, widgets)
                     for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."))


def _has_examples(name: str) -> bool:
    """Whether the module has a docstring example that runs (not only ``+SKIP`` ones)."""
    return any(not example.options.get(doctest.SKIP)
               for test in doctest.DocTestFinder().find(importlib.import_module(name)) for example in test.examples)


MODULES = [name for name in ALL_MODULES if _has_examples(name)]


def test_modules_with_examples_are_found() -> None:
    assert {"clio_kit.pipeline", "clio_kit.privacy.monitoring", "clio_kit.hierarchy",
            "clio_kit.presentation.html"} <= set(MODULES)
    assert len(MODULES) >= 40


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=False,
                             verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} failed " \
                               "(the captured output above shows which)"
