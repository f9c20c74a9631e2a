"""YAML loading that remembers where every value came from, for checkers that explain mistakes.

Admins edit `dialogs/` and `config/` by hand; every problem found in them is reported as a
`Problem` naming the file, the line (when known) and what is wrong, in words a non-programmer
can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.checker_messages import explain


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in an admin-edited file."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """Raised when admin-edited files cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def load_file(path: Path) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; return its data (with line info) and any syntax problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(str(path), None, explain("yaml.not_utf8"))]
    except OSError as exc:
        return None, [Problem(str(path), None, explain("yaml.unreadable", reason=exc.strerror))]
    try:
        return _yaml().load(text), []
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(str(path), line, _syntax_message(exc))]
    except YAMLError as exc:
        return None, [Problem(str(path), None, explain("yaml.other", detail=str(exc)))]
    except ValueError as exc:  # a value Python refuses (a number of more than 4,300 digits)
        return None, [Problem(str(path), None, explain("yaml.other", detail=str(exc)))]


_DUPLICATE_KEY = re.compile(r'found duplicate key "(.*?)"')
_BAD_CHARACTER = re.compile(
    r"found character '(.*?)' that cannot start|found undefined alias '(.*?)'"
)


def _syntax_message(exc: MarkedYAMLError) -> str:
    """The usual YAML mistakes, recognised by the parser's own words, explained with what to
    write instead; anything else with the parser's words as the detail."""
    said = f"{exc.problem or ''} {exc.context or ''}"
    if "found duplicate key" in said:
        key = _DUPLICATE_KEY.search(said)
        return explain("yaml.duplicate_key", key=key.group(1) if key else "")
    if "'\\t' that cannot start any token" in said:
        return explain("yaml.tab")
    character = _BAD_CHARACTER.search(said)
    if character:
        first = character.group(1) or "*" + character.group(2)
        return explain("yaml.bad_first_character", character=first)
    if "mapping values are not allowed here" in said:
        return explain("yaml.colon_in_value")
    if "while scanning a quoted scalar" in said:
        return explain("yaml.unclosed_quote")
    if "while parsing a flow sequence" in said:
        return explain("yaml.unclosed_bracket")
    if "while parsing a flow mapping" in said:
        return explain("yaml.unclosed_brace")
    if "could not find expected ':'" in said:
        return explain("yaml.missing_colon")
    if "expected <block end>" in said or "while parsing a block" in said:
        return explain("yaml.indentation")
    return explain("yaml.other", detail=(exc.problem or exc.context or "").strip())


def line_of(node: Any, key: str | int | None = None) -> int | None:
    """1-based line of a mapping key / sequence item (or of the node itself), when known."""
    try:
        if key is not None and isinstance(node, CommentedMap) and key in node:
            return int(node.lc.key(key)[0]) + 1
        if key is not None and isinstance(node, CommentedSeq) and isinstance(key, int):
            return int(node.lc.item(key)[0]) + 1
        if isinstance(node, (CommentedMap, CommentedSeq)):
            return int(node.lc.line) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    return None


def plain(node: Any) -> Any:
    """Convert ruamel's commented containers into plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def yaml_files(directory: Path) -> Iterator[Path]:
    """The YAML files of a directory, sorted, ignoring editor backups and hidden files."""
    for path in sorted(directory.glob("*.y*ml")):
        if path.suffix in (".yaml", ".yml") and not path.name.startswith("."):
            yield path
