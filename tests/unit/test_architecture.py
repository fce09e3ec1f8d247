"""The dependency rule of DESIGN.md, checked by import-linter (contracts in pyproject.toml)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_handlers_import_no_framework_channels_no_storage_and_a_process_one_telegram_library() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 kept, 0 broken" in result.stdout


def test_no_handlers_module_names_a_framework_even_lazily() -> None:
    """import-linter sees imports; this also catches an import inside a function or a string."""
    offenders = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in (ROOT / "handlers").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(("import ", "from "))
        and any(name in line for name in ("aiogram", "telegram", "sqlalchemy", "aiohttp", "storage", "bot."))
    ]
    assert offenders == []


# Telegram's limits as numbers: callback data (64 bytes), a text (4096) or a caption (1024) in characters,
# a file (50 MB, as 50_000_000 or 50 * 1024 * 1024), in code; a cache's size (maxsize) is ours, not a channel's.
TELEGRAM_NUMBERS = frozenset({64, 1024, 4096, 50_000_000, 52_428_800})
TELEGRAM_WORDS = re.compile(r"telegram|t\.me/|\b50 ?MB\b", re.IGNORECASE)


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings: words that explain, allowed to name Telegram."""
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, owners)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def _cache_sizes(tree: ast.AST) -> set[int]:
    return {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg == "maxsize"}


def telegram_facts(source: str) -> list[str]:
    """What in this code (comments and docstrings aside) is a fact of Telegram: a name, a link, a limit."""
    tree = ast.parse(source)
    allowed = _docstrings(tree) | _cache_sizes(tree)
    facts = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and TELEGRAM_WORDS.search(node.value):
            facts.append(f"line {node.lineno}: {node.value[:60]!r}")
        elif isinstance(node, ast.Constant) and type(node.value) is int and node.value in TELEGRAM_NUMBERS:
            facts.append(f"line {node.lineno}: {node.value}")
        elif isinstance(node, ast.Name | ast.Attribute | ast.alias | ast.FunctionDef | ast.AsyncFunctionDef):
            name = getattr(node, "id", None) or getattr(node, "attr", None) or getattr(node, "name", "")
            if "telegram" in name.lower():
                facts.append(f"line {node.lineno}: {name}")
    return sorted(facts, key=lambda fact: int(fact.split(":")[0].removeprefix("line ")))


def test_handlers_hold_no_telegram_fact_but_in_words_that_explain() -> None:
    """Deep links, limits and screens are a channel's Capabilities, read from the flow's context."""
    offenders = [
        f"{path.relative_to(ROOT)} {fact}"
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        for fact in telegram_facts(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_sees_a_telegram_link_a_limit_and_a_name_but_not_a_comment_or_a_docstring() -> None:
    code = '''
"""A flow. Telegram takes 4096 characters (a docstring that explains)."""
LIMIT = 4096  # Telegram's (a comment)
LINK = f"https://t.me/{name}?start=r1"
SIZE = 50_000_000
TELEGRAM_NAME = "x"
text = "Telegram takes files of up to 50 MB"
@lru_cache(maxsize=64)
def cached(): ...
'''
    assert telegram_facts(code) == [
        "line 3: 4096",
        "line 4: 'https://t.me/'",
        "line 5: 50000000",
        "line 6: TELEGRAM_NAME",
        "line 7: 'Telegram takes files of up to 50 MB'",
    ]


def _calls(tree: ast.AST, name: str) -> list[int]:
    """The lines where a function called `name` (bare or as an attribute) is called."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and name in (getattr(node.func, "id", None), getattr(node.func, "attr", None))
    ]


def test_no_flow_lays_out_its_own_messages_the_pipeline_does_it_once() -> None:
    """A flow says who reads a message (Outgoing.language, or the person who acted); the pipeline lays
    every message out for its reader's direction, so a new flow cannot forget it or do it twice."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        for line in _calls(ast.parse(path.read_text(encoding="utf-8")), "lay_out")
    ]
    assert offenders == []
    for module in ("pipeline.py", "runtime.py"):  # the person's replies, and messages to others
        assert _calls(ast.parse((ROOT / "bot" / module).read_text(encoding="utf-8")), "lay_out"), module


def test_every_flow_answers_with_one_outcome_not_a_pair_of_lists() -> None:
    """Replies, messages to others and a toast travel together as handlers.core.events.Outcome."""
    pair = re.compile(r"tuple\[\s*list\[Reply\],\s*list\[Outgoing\]\s*\]")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pair.search(line)
    ]
    assert offenders == []


def test_the_runtime_reaches_the_database_only_through_its_unit_of_work() -> None:
    """bot/ asks a UnitOfWork (repositories, savepoint, rollback, commit), never its session: one place
    decides how a transaction begins, nests and ends."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}"
        for path in (ROOT / "bot").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and (node.attr == "begin_nested" or (node.attr == "session" and ast.unparse(node.value) == "uow"))
    ]
    assert offenders == []
