"""Settings and environment variables are read in config.py only, and library errors come from one tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from clio_kit import config
from clio_kit.errors import ClioError, ConfigError, InputError, NotFoundError

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\[")
# Raised and caught inside the same module (control flow, never seen by a caller).
BUILTIN_RAISES_ALLOWED = {"clio_kit/io/frame.py": 1, "clio_kit/io/timestamps.py": 1, "clio_kit/projection.py": 2}


def _library_files() -> list[Path]:
    return sorted([*(ROOT / "clio_kit").rglob("*.py"), *(ROOT / "widgets").rglob("*.py")])


def test_environment_variables_are_read_in_config_only():
    readers = [f"{path.relative_to(ROOT)}:{number}" for path in _library_files() if path.name != "config.py"
               or path.parent.name != "clio_kit"
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if ENVIRONMENT.search(line)]
    assert readers == []


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    from clio_kit.backends.llm_cache import default_llm_cache_dir
    from clio_kit.pipeline import default_cache_dir

    monkeypatch.setenv("CLIO_KIT_CACHE", str(tmp_path))
    assert default_cache_dir() == config.default_cache_dir() == tmp_path
    assert default_llm_cache_dir() == tmp_path / "llm"


def test_environment_accessors(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "token")
    assert config.anthropic_api_key() is None and config.anthropic_api_key(auth_token=True) == "token"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:8000/v1")
    monkeypatch.delenv("CLIO_KIT_NAMES_MODEL", raising=False)
    assert config.openai_names_server() == ("http://localhost:8000/v1", None)
    monkeypatch.setenv("CLIO_KIT_NO_PROGRESS", "")  # empty counts as unset; teardown restores the variable
    assert not config.progress_disabled()
    config.disable_progress()
    assert config.progress_disabled()


def test_library_code_raises_from_the_error_tree():
    counts: dict[str, int] = {}
    for path in sorted((ROOT / "clio_kit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(raised, ast.Name) and raised.id in ("ValueError", "KeyError", "TypeError"):
                    name = str(path.relative_to(ROOT))
                    counts[name] = counts.get(name, 0) + 1
    assert counts == BUILTIN_RAISES_ALLOWED


@pytest.mark.parametrize(("call", "error", "builtin"), [
    (lambda: __import__("clio_kit.hierarchy").hierarchy.level_sizes(0, 1, 1), ConfigError, ValueError),
    (lambda: __import__("clio_kit.prompts").prompts.get_template("no-such-template"), NotFoundError, KeyError),
    (lambda: __import__("clio_kit.conversation").conversation.Message("robot", "hi"), InputError, ValueError),
    (lambda: __import__("clio_kit.io.timestamps").io.timestamps.parse_timestamp("yesterday"), InputError,
     ValueError),
])
def test_errors_are_clio_errors_and_keep_their_builtin_base(call, error, builtin):
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, ClioError) and isinstance(caught.value, builtin)
    assert "\n" not in str(caught.value) and not str(caught.value).startswith("'")  # one plain line
