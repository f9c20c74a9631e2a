"""Admin mistakes in config/ are reported with file, line and a sentence a person can act on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.screening import Screener, check_config
from bot.screening.config import FILES
from bot.yamlio import ConfigError

from .conftest import CONFIG


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


def find(problems: list, file: str, line: int | None, words: str) -> bool:  # type: ignore[type-arg]
    return any(
        p.file.endswith(file) and (line is None or p.line == line) and words in p.message
        for p in problems
    )


def test_repository_config_is_valid() -> None:
    assert check_config(CONFIG) == []


def test_unknown_kind(config_dir: Path) -> None:
    line = edit(config_dir / "concepts.yaml", "    kind: death\n", "    kind: deth\n")
    problems = check_config(config_dir)
    assert find(problems, "concepts.yaml", line, "「deth」という種類はありません"), problems


def test_unknown_factor_in_a_chain(config_dir: Path) -> None:
    line = edit(
        config_dir / "pathways.yaml",
        "steps: [unemployment, poverty, debt, depression]",
        "steps: [unemployment, povrety, debt, depression]",
    )
    problems = check_config(config_dir)
    assert find(problems, "pathways.yaml", line, "「povrety」という要因の id はありません"), (
        problems
    )


def test_unknown_factor_in_the_factor_words(config_dir: Path) -> None:
    line = edit(config_dir / "factor_words.yaml", "    factor: debt\n", "    factor: dept\n")
    problems = check_config(config_dir)
    assert find(problems, "factor_words.yaml", line, "「dept」という要因の id はありません"), (
        problems
    )


def test_duplicate_concept_id_across_files(config_dir: Path) -> None:
    line = edit(config_dir / "factor_words.yaml", "  - id: f_debt\n", "  - id: vanish\n")
    problems = check_config(config_dir)
    assert find(problems, "factor_words.yaml", line, "同じ id の概念がほかにもあります"), problems


def test_bad_regex(config_dir: Path) -> None:
    line = edit(config_dir / "spellings.yaml", "match: 'じさつ|ジサツ'", "match: 'じさつ(|ジサツ'")
    problems = check_config(config_dir)
    assert find(
        problems, "spellings.yaml", line, "正規表現「じさつ(|ジサツ」の書き方が正しくありません"
    ), problems


def test_empty_term(config_dir: Path) -> None:
    line = edit(config_dir / "concepts.yaml", "terms: [遺書, ", "terms: ['', ")
    problems = check_config(config_dir)
    assert find(problems, "concepts.yaml", line, "空の項目"), problems


def test_term_ending_in_a_particle(config_dir: Path) -> None:
    edit(config_dir / "concepts.yaml", "terms: [遺書, ", "terms: [遺書を, ")
    problems = check_config(config_dir)
    assert any("「遺書を」は助詞「を」で" in p.message for p in problems), problems


def test_unknown_level_and_key(config_dir: Path) -> None:
    edit(
        config_dir / "screening.yaml",
        "{label: 意図・決意, level: imminent}",
        "{label: 意図・決意, level: urgent}",
    )
    edit(config_dir / "concepts.yaml", "  - id: vanish\n", "  - id: vanish\n    colour: red\n")
    messages = [p.message for p in check_config(config_dir)]
    assert any("「urgent」という危険度はありません" in m for m in messages), messages
    assert any("「colour」という項目はありません" in m for m in messages), messages


def test_missing_slot_is_named(config_dir: Path) -> None:
    edit(
        config_dir / "screening.yaml",
        "  farewell:        {label: 別れの言葉, level: moderate}\n",
        "",
    )
    assert find(
        check_config(config_dir), "screening.yaml", None, "スロット「farewell」がありません"
    )


def test_grammar_word_list_missing(config_dir: Path) -> None:
    edit(config_dir / "grammar.yaml", "  ought: [べし, べき]\n", "")
    assert find(check_config(config_dir), "grammar.yaml", None, "一覧「ought」がありません")


def test_dialect_example_that_does_not_change(config_dir: Path) -> None:
    line = edit(
        config_dir / "dialects.yaml", "      死にたか: 死にたい\n", "      死にたか: 死にたか\n"
    )
    problems = check_config(config_dir)
    assert find(problems, "dialects.yaml", line, "「死にたい」になり、「死にたか」になりません"), (
        problems
    )


def test_dialect_counter_example_that_changes(config_dir: Path) -> None:
    edit(
        config_dir / "dialects.yaml",
        "counter_examples: [食べたか？, もう寝たか,",
        "counter_examples: [死にたかばい, もう寝たか,",
    )
    problems = check_config(config_dir)
    assert find(problems, "dialects.yaml", None, "変わってはいけない例「死にたかばい」が"), problems


def test_dialect_rule_needs_counter_examples(config_dir: Path) -> None:
    edit(config_dir / "dialects.yaml", "    counter_examples: [しょうがない]\n", "")
    assert find(check_config(config_dir), "dialects.yaml", None, "counter_examples: を書き足して")


def test_emoji_needs_a_word(config_dir: Path) -> None:
    line = edit(config_dir / "spellings.yaml", "  💊: 薬\n", "  💊: ''\n")
    problems = check_config(config_dir)
    assert find(problems, "spellings.yaml", line, "その意味の言葉を書いてください"), problems


def test_yaml_syntax_error(config_dir: Path) -> None:
    (config_dir / "idioms.yaml").write_text("idioms: [\n  - id: x\n", encoding="utf-8")
    assert find(check_config(config_dir), "idioms.yaml", None, "YAML の書き方に誤りがあります")


def test_missing_file(config_dir: Path) -> None:
    (config_dir / "grammar.yaml").unlink()
    assert find(check_config(config_dir), "grammar.yaml", None, "ファイルがありません")


def test_spelling_example_must_match(config_dir: Path) -> None:
    edit(
        config_dir / "spellings.yaml",
        "examples: [じさつしたい]",
        "examples: [じさつしたい, じそう]",
    )
    assert any("じそう" in p.message for p in check_config(config_dir))


def test_load_raises_config_error_with_every_problem(config_dir: Path) -> None:
    edit(config_dir / "concepts.yaml", "    kind: death\n", "    kind: deth\n")
    edit(config_dir / "pathways.yaml", "amplifiers: [isolation]", "amplifiers: [lonely]")
    with pytest.raises(ConfigError) as info:
        Screener.load(config_dir)
    assert len(info.value.problems) >= 2
    assert "concepts.yaml:" in str(info.value)
    assert "pathways.yaml:" in str(info.value)
