"""What the checkers tell admins, in the words of `config/checker_messages.yaml`.

Every mistake found in an admin file (`dialogs/`, `config/`) is explained by `explain(id,
**values)`: the catalog maps each id to a plain, polite Japanese sentence with `{named}`
placeholders, so the wording lives in YAML and never in Python. The catalog is read from the
config directory in use (`use_config_dir`, default `$BOT_CONFIG_DIR` or `config/`), else from
the copy shipped beside the code (the repository's `config/`), and read again, when it changed,
each time a check or a reload starts.

The catalog can itself be missing or broken. Then `explain` still answers, with a short English
line that names the message id, its values and the catalog file, and `catalog_problems()` says
what is wrong with the catalog; nothing raises.
"""

from __future__ import annotations

import os
import re
import string
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.yamlio import Problem

CATALOG = "checker_messages.yaml"
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "config"  # the repository's config/
_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Catalog:
    """The messages of one catalog file, and what is wrong with the file (English: the catalog
    is what would have explained it)."""

    path: Path
    templates: Mapping[str, str] = field(default_factory=dict)
    separator: str = ", "
    problems: tuple[tuple[int | None, str], ...] = ()


def placeholders(template: str) -> frozenset[str] | None:
    """The `{named}` fields of a template; None when it is not a valid template (a lone brace,
    or a field that is not a plain name). `{{` and `}}` write a brace."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    names: set[str] = set()
    for _text, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _FIELD.match(name) or spec or conversion:
            return None
        names.add(name)
    return frozenset(names)


def _read(path: Path) -> Catalog:
    # Imported here: yamlio explains its own syntax errors through this module.
    from bot.yamlio import line_of, load_file

    if not path.is_file():
        return Catalog(path, problems=((None, "the checker's message catalog is missing"),))
    data, errors = load_file(path)
    if errors:
        return Catalog(
            path,
            problems=(
                (
                    errors[0].line,
                    "the checker's message catalog is not valid YAML; fix this file first",
                ),
            ),
        )
    if not isinstance(data, dict) or not isinstance(data.get("messages"), dict):
        return Catalog(
            path,
            problems=((1, "the checker's message catalog needs a `messages:` mapping (id: text)"),),
        )
    problems: list[tuple[int | None, str]] = []
    templates: dict[str, str] = {}
    for key, value in data["messages"].items():
        line = line_of(data["messages"], key)
        if not isinstance(value, str) or not value.strip():
            problems.append((line, f"message '{key}' of the catalog is empty or not text"))
            continue
        if placeholders(value) is None:
            problems.append(
                (line, f"message '{key}' of the catalog has a stray brace or a bad {{field}}")
            )
            continue
        templates[str(key)] = str(value).strip()
    separator = data.get("list_separator")
    if not isinstance(separator, str) or not separator:
        problems.append((line_of(data, "list_separator") or 1, "`list_separator:` is missing"))
        separator = ", "
    return Catalog(path, MappingProxyType(templates), separator, tuple(problems))


class _Catalogs:
    """The catalog in use. It is read at the first message, and again (when its file changed)
    each time a check starts (`catalog_problems`) or the config dir changes, so that a message
    costs no file access. Safe across threads (the live reload runs in one). A message asked
    for while a catalog is being read (its own YAML errors) gets the English fallback."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._loaded: dict[Path, tuple[tuple[int, int] | None, Catalog]] = {}
        self._loading = False
        self._current: Catalog | None = None
        self.config_dir: Path | None = None

    def use(self, directory: Path | None) -> None:
        with self._lock:
            self.config_dir = directory
            self._current = None

    def path(self) -> Path:
        configured = self.config_dir or Path(os.environ.get("BOT_CONFIG_DIR") or "config")
        for directory in (configured, SHIPPED_DIR):
            if (directory / CATALOG).is_file():
                return directory / CATALOG
        return configured / CATALOG

    def read(self, path: Path) -> Catalog:
        """The catalog of `path`, read again only when the file changed."""
        try:
            st = path.stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        with self._lock:
            known = self._loaded.get(path)
            if known is not None and known[0] == stamp:
                return known[1]
            if self._loading:
                return Catalog(path)
            self._loading = True
            try:
                catalog = _read(path)
            finally:
                self._loading = False
            self._loaded[path] = (stamp, catalog)
            return catalog

    def refresh(self) -> Catalog:
        with self._lock:
            catalog = self.read(self.path())
            if not self._loading:  # not the stand-in given while a catalog is being read
                self._current = catalog
            return catalog

    def current(self) -> Catalog:
        return self._current or self.refresh()


_catalogs = _Catalogs()


def use_config_dir(directory: Path | None) -> None:
    """Read the catalog from this config directory (the admin's `--config`, or the service's
    `BOT_CONFIG_DIR`) when it has one; None goes back to the default."""
    _catalogs.use(directory)


def catalog_path() -> Path:
    """The catalog file `explain` reads."""
    return _catalogs.path()


def explain(message_id: str, /, **values: Any) -> str:
    """The catalog's sentence for `message_id` with its `{placeholders}` filled in. Lists,
    tuples and sets are joined with the catalog's `list_separator`."""
    catalog = _catalogs.current()
    filled = {
        k: catalog.separator.join(map(str, v))
        if isinstance(v, list | tuple | set | frozenset)
        else v
        for k, v in values.items()
    }
    template = catalog.templates.get(message_id)
    if template is not None:
        try:
            return template.format_map(filled)
        except (KeyError, ValueError, IndexError, AttributeError):
            pass
    shown = ", ".join(f"{k}={v}" for k, v in filled.items())
    return (
        f"{message_id}{': ' + shown if shown else ''} "
        f"(no text for this message in {catalog.path}: check that file)"
    )


def catalog_problems() -> list[Problem]:
    """What is wrong with the catalog in use, one problem each, in English (the catalog is what
    would have explained them); [] when it is fine. A catalog other than the shipped one must
    have every message the shipped one has. Called when a check starts: the catalog is read
    again if it changed, and words the problems that follow."""
    from bot.yamlio import Problem

    catalog = _catalogs.refresh()  # a check starts: take up an edited catalog
    path = catalog.path
    out = [Problem(str(path), line, message) for line, message in catalog.problems]
    shipped = SHIPPED_DIR / CATALOG
    if not catalog.problems and path.resolve() != shipped.resolve() and shipped.is_file():
        missing = sorted(set(_catalogs.read(shipped).templates) - set(catalog.templates))
        if missing:
            out.append(
                Problem(
                    str(path),
                    None,
                    "the checker's message catalog lacks messages this version needs: "
                    + ", ".join(missing)
                    + f" (copy them from {shipped})",
                )
            )
    return out
