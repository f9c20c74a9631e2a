"""The checker's message catalog (config/checker_messages.yaml) and the code agree: every id the
code asks for is in the catalog with the same placeholders, no catalog entry is left unused, no
checker message is written in the code, and a missing or broken catalog is said so plainly
without a traceback."""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.checker_messages as checker_messages
from bot.__main__ import main
from bot.checker_messages import catalog_problems, explain, placeholders, use_config_dir
from bot.dialog import check_dialogs
from bot.dialog.script import ENTRIES
from bot.yamlio import load_file

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "config" / "checker_messages.yaml"
SOURCES = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "escalation").rglob("*.py")])
# Ids built from a name at run time: the prefix, and the names it is completed with.
FAMILIES = {"dialog.entry_meaning.": ENTRIES}
# The calls that turn a message into a Problem, and the position of the message argument.
PROBLEM_CALLS = {"Problem": 2, "problem": 3, "bad": 1}
LOADER_PROBLEM = 3  # _Loader.problem(file, node, key, message)


def _catalog() -> dict[str, str]:
    data, problems = load_file(CATALOG)
    assert problems == [], problems
    return {str(k): str(v) for k, v in data["messages"].items()}


def _explain_calls() -> Iterator[tuple[str, ast.Call]]:
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "explain"
            ):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def _ids_of(where: str, call: ast.Call) -> list[str]:
    """The message ids one explain() call can ask for: a literal, either side of a
    conditional, or a family prefix completed at run time."""
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return [first.value]
    if isinstance(first, ast.IfExp):
        sides = [first.body, first.orelse]
        if all(isinstance(s, ast.Constant) and isinstance(s.value, str) for s in sides):
            return [s.value for s in sides]  # type: ignore[attr-defined]
    if isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
        prefix = str(first.values[0].value)
        if prefix in FAMILIES:
            return [prefix + name for name in FAMILIES[prefix]]
    raise AssertionError(f"{where}: give explain() a literal message id so it can be checked")


def _used() -> dict[str, set[frozenset[str]]]:
    """Every id the code asks for, with the placeholder names each call fills in."""
    used: dict[str, set[frozenset[str]]] = {}
    for where, call in _explain_calls():
        assert not any(k.arg is None for k in call.keywords), f"{where}: name every value"
        names = frozenset(str(k.arg) for k in call.keywords)
        for message_id in _ids_of(where, call):
            used.setdefault(message_id, set()).add(names)
    return used


def test_every_message_the_code_uses_is_in_the_catalog_with_its_placeholders() -> None:
    catalog = _catalog()
    used = _used()
    assert len(used) > 250  # every checker of dialogs/ and config/
    missing = sorted(set(used) - set(catalog))
    assert missing == [], f"add these to {CATALOG.name}: {missing}"
    for message_id, calls in sorted(used.items()):
        wanted = placeholders(catalog[message_id])
        assert wanted is not None, f"{message_id}: not a valid template"
        for names in calls:
            assert names == wanted, (
                f"{message_id}: the code fills {sorted(names)}, the catalog has {sorted(wanted)}"
            )


def test_every_catalog_entry_is_used() -> None:
    unused = sorted(set(_catalog()) - set(_used()))
    assert unused == [], f"no code asks for these (remove them or use them): {unused}"


def test_every_catalog_entry_is_japanese_and_keeps_its_list_separator() -> None:
    data, _ = load_file(CATALOG)
    assert data["list_separator"] == "、"
    for message_id, text in _catalog().items():
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text), message_id
        assert placeholders(text) is not None, message_id
    assert _catalog()["cli.ok"].startswith("OK: ")  # `make check` and docs rely on it


def _is_written_in_code(node: ast.expr) -> bool:
    """A message written as a literal (or an f-string with words in it) instead of explain()."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"\w", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(v, ast.Constant) and re.search(r"\w", str(v.value)) for v in node.values
        )
    return False


def test_no_checker_message_is_written_in_the_code() -> None:
    """Problems are built from explain() (joined with punctuation at most): a sentence written
    in Python would reach admins untranslated."""
    found: list[str] = []
    for path in SOURCES:
        if path.name == "checker_messages.py":  # its English fallbacks are the exception
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            index = PROBLEM_CALLS.get(name)
            if name == "problem" and isinstance(func, ast.Attribute):
                index = LOADER_PROBLEM  # loader.problem / self.problem of the screener's loader
            if index is None or len(node.args) <= index:
                continue
            if _is_written_in_code(node.args[index]):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [], f"word these with explain() and config/checker_messages.yaml: {found}"


def test_explain_fills_values_joins_lists_and_writes_braces() -> None:
    text = explain("dialog.unknown_condition", name="mood", known=["reply", "risk"])
    assert "「mood」" in text
    assert "reply、risk" in text
    assert "{{" not in explain("dialog.crisis_without_emergency", step="s", entry="crisis_high")
    assert "{emergency}" in explain("dialog.crisis_without_emergency", step="s", entry="x")


# --- a missing or broken catalog --------------------------------------------------------------


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A copy of config/ whose catalog a test may break; the checker reads it while the test
    runs (tests/conftest.py goes back to the default after each test)."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    use_config_dir(config)
    return config


def test_a_broken_catalog_is_reported_and_messages_fall_back_to_their_id(
    catalog_dir: Path,
) -> None:
    (catalog_dir / "checker_messages.yaml").write_text(
        "list_separator: '、'\nmessages:\n  dialog.unreachable: [oops\n", encoding="utf-8"
    )
    problems = catalog_problems()
    assert len(problems) == 1
    assert problems[0].file.endswith("checker_messages.yaml")
    assert problems[0].line is not None
    assert "message catalog" in problems[0].message
    text = explain("dialog.unreachable", step="orphan")
    assert "dialog.unreachable" in text and "orphan" in text and "checker_messages.yaml" in text


def test_the_cli_says_the_catalog_is_missing_without_a_traceback(
    catalog_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (catalog_dir / "checker_messages.yaml").unlink()
    monkeypatch.setattr(checker_messages, "SHIPPED_DIR", tmp_path / "nowhere")
    dialogs = tmp_path / "dialogs"
    shutil.copytree(ROOT / "dialogs", dialogs)
    text = (dialogs / "opening.yaml").read_text(encoding="utf-8")
    (dialogs / "opening.yaml").write_text(text + "\nsteps:\n  x: {tell: a}\n", encoding="utf-8")
    code = main(["dialogs", "check", str(dialogs), "--config", str(catalog_dir)])
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{catalog_dir}/checker_messages.yaml: ")
    assert "message catalog is missing" in lines[0]
    assert any(line.startswith(f"{dialogs}/opening.yaml:") for line in lines[1:]), out
    assert "cli.problems_found" in err and "Traceback" not in out + err


def test_a_catalog_missing_messages_names_them(catalog_dir: Path) -> None:
    path = catalog_dir / "checker_messages.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  dialog.unreachable:", "  dialog.unreachabl:"),
        encoding="utf-8",
    )
    problems = catalog_problems()
    assert any("dialog.unreachable" in p.message for p in problems), problems
    assert check_dialogs(ROOT / "dialogs", catalog_dir)[: len(problems)] == problems
