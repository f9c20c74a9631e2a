"""Admin mistakes in config/ are reported with file, line and a sentence a person can act on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.screening import Screener, check_config
from bot.yamlio import ConfigError

from .conftest import CONFIG

FILES = ("lexicon.yaml", "idioms.yaml", "spellings.yaml", "factors.yaml", "pathways.yaml")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(CONFIG / name, tmp_path / name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> int:
    """Replace once; return the 1-based line where the new text starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    index = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:index].count("\n") + 1


def test_repository_config_is_valid() -> None:
    assert check_config(CONFIG) == []


def test_unknown_signal_class(config_dir: Path) -> None:
    line = edit(config_dir / "lexicon.yaml", "    class: plan\n", "    class: plann\n")
    problems = check_config(config_dir)
    assert any(
        p.file.endswith("lexicon.yaml")
        and p.line == line
        and "unknown signal class 'plann'" in p.message
        for p in problems
    ), problems


def test_unknown_factor_in_a_chain(config_dir: Path) -> None:
    line = edit(
        config_dir / "pathways.yaml",
        "steps: [unemployment, poverty, debt, depression]",
        "steps: [unemployment, povrety, debt, depression]",
    )
    problems = check_config(config_dir)
    assert any(
        p.file.endswith("pathways.yaml")
        and p.line == line
        and "unknown factor id 'povrety'" in p.message
        for p in problems
    ), problems


def test_duplicate_entry_id(config_dir: Path) -> None:
    line = edit(config_dir / "lexicon.yaml", "  - id: lets_die\n", "  - id: want_to_die\n")
    problems = check_config(config_dir)
    assert any(p.line == line and "duplicate entry id" in p.message for p in problems), problems


def test_bad_regex(config_dir: Path) -> None:
    line = edit(config_dir / "spellings.yaml", "match: 'じさつ|ジサツ'", "match: 'じさつ(|ジサツ'")
    problems = check_config(config_dir)
    assert any(
        p.file.endswith("spellings.yaml") and p.line == line and "is not valid" in p.message
        for p in problems
    ), problems


def test_empty_term(config_dir: Path) -> None:
    line = edit(config_dir / "lexicon.yaml", "terms: [遺書, ", "terms: ['', ")
    problems = check_config(config_dir)
    assert any(p.line == line and "empty" in p.message for p in problems), problems


def test_term_ending_in_a_particle(config_dir: Path) -> None:
    edit(config_dir / "lexicon.yaml", "terms: [遺書, ", "terms: [遺書を, ")
    problems = check_config(config_dir)
    assert any("particle 'を'" in p.message for p in problems), problems


def test_unknown_level_and_key(config_dir: Path) -> None:
    edit(config_dir / "lexicon.yaml", "role: plan, level: high}", "role: plan, level: urgent}")
    edit(config_dir / "lexicon.yaml", "  - id: lets_die\n", "  - id: lets_die\n    colour: red\n")
    messages = [p.message for p in check_config(config_dir)]
    assert any("unknown level 'urgent'" in m for m in messages), messages
    assert any("unknown key 'colour'" in m for m in messages), messages


def test_yaml_syntax_error(config_dir: Path) -> None:
    (config_dir / "idioms.yaml").write_text("idioms: [\n  - id: x\n", encoding="utf-8")
    problems = check_config(config_dir)
    assert any(
        p.file.endswith("idioms.yaml") and "YAML syntax error" in p.message for p in problems
    )


def test_missing_file(config_dir: Path) -> None:
    (config_dir / "factors.yaml").unlink()
    assert any("the file is missing" in p.message for p in check_config(config_dir))


def test_spelling_example_must_match(config_dir: Path) -> None:
    edit(
        config_dir / "spellings.yaml",
        "examples: [じさつしたい]",
        "examples: [じさつしたい, じそう]",
    )
    assert any("じそう" in p.message for p in check_config(config_dir))


def test_load_raises_config_error_with_every_problem(config_dir: Path) -> None:
    edit(config_dir / "lexicon.yaml", "    class: plan\n", "    class: plann\n")
    edit(config_dir / "pathways.yaml", "amplifiers: [isolation]", "amplifiers: [lonely]")
    with pytest.raises(ConfigError) as info:
        Screener.load(config_dir)
    assert len(info.value.problems) >= 2
    assert "lexicon.yaml:" in str(info.value)
