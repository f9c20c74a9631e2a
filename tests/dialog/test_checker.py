"""The checker names the file, the line and the offending step for every kind of mistake."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.dialog import check_dialogs
from bot.dialog.referrals import check_referrals
from tests.dialog.support import CONFIG, DIALOGS, FIXTURES, ROOT


def script_dir(tmp_path: Path, *extra: str, entries: str | None = None) -> Path:
    """The valid fixture script plus broken files (by name under fixtures/broken)."""
    out = tmp_path / "dialogs"
    out.mkdir()
    shutil.copy(FIXTURES / "valid" / "steps.yaml", out / "steps.yaml")
    source = FIXTURES / "variants" / entries if entries else FIXTURES / "valid"
    shutil.copy(source / "entries.yaml", out / "entries.yaml")
    for name in extra:
        shutil.copy(FIXTURES / "broken" / f"{name}.yaml", out / f"{name}.yaml")
    return out


def lines(dialogs: Path) -> list[str]:
    return [str(p).replace(str(dialogs) + "/", "") for p in check_dialogs(dialogs, CONFIG)]


def test_shipped_scripts_and_config_are_valid() -> None:
    assert check_dialogs(DIALOGS, CONFIG) == []


def test_valid_fixture_is_valid(tmp_path: Path) -> None:
    assert lines(script_dir(tmp_path)) == []


@pytest.mark.parametrize(
    ("broken", "expected", "words"),
    [
        ("syntax", "syntax.yaml:4: YAML の書き方に誤りがあります", "「]」で閉じていない"),
        (
            "unknown_kind",
            "unknown_kind.yaml:5: ステップ「chatter」",
            "「tell」というステップの種類はありません",
        ),
        (
            "missing_step",
            "missing_step.yaml:4: ステップ「dangling」",
            "「nowhere」というステップがありません",
        ),
        ("unreachable", "unreachable.yaml:2: ステップ「orphan」", "どこからも進めません"),
        (
            "duplicate",
            "steps.yaml:4: ステップ「hello」",
            "2 回書かれています（最初は duplicate.yaml:2）",
        ),
        ("line_limits", "line_limits.yaml:4: ステップ「too_many_choices」", "選択肢は 14 個"),
        ("line_limits", "line_limits.yaml:11: ステップ「long_label」", "20 文字までです"),
        (
            "too_many_messages",
            "too_many_messages.yaml:4: ステップ「chatty_one」",
            "7 通のメッセージが送られることがあります（chatty_one → chatty_two → question）",
        ),
        ("placeholders", "placeholders.yaml:4: ステップ「numbers」", "「nope」という窓口は"),
        ("placeholders", "placeholders.yaml:4: ステップ「numbers」", "{name} は、埋める値のない"),
        (
            "unknown_category",
            "unknown_category.yaml:4: ステップ「money_help」",
            "分野「lottery」は config/referrals.yaml にありません",
        ),
        (
            "loop",
            "loop.yaml:4: ステップ「spin_a」",
            "答えを待たずに同じところへ戻ってしまいます（spin_a → spin_b → spin_a）",
        ),
        (
            "conditions",
            "conditions.yaml:6: ステップ「mood_check」の branch: の 1 番目",
            "「mood」という条件はありません",
        ),
        (
            "conditions",
            "conditions.yaml:8: ステップ「mood_check」の branch: の 2 番目",
            "「extreme」は危険度ではありません",
        ),
        (
            "conditions",
            "conditions.yaml:8: ステップ「mood_check」",
            "「sadness」という要因はありません",
        ),
        (
            "conditions",
            "conditions.yaml:10: ステップ「mood_check」",
            "collected: shoe_size を調べていますが、「shoe_size」を記録する collect のステップがありません",
        ),
        ("missing_next", "missing_next.yaml:4: ステップ「trailing」", "next: がありません"),
        ("unknown_topic", "unknown_topic.yaml:7: ステップ「hobby_question」", "「fishing」"),
    ],
)
def test_each_check_names_file_line_and_step(
    tmp_path: Path, broken: str, expected: str, words: str
) -> None:
    found = lines(script_dir(tmp_path, broken))
    assert any(line.startswith(expected) and words in line for line in found), "\n".join(found)


@pytest.mark.parametrize(
    ("broken", "rule"),
    [
        ("syntax", "[yaml-syntax]"),
        ("unknown_kind", "[unknown-kind]"),
        ("missing_step", "[missing-step]"),
        ("unreachable", "[unreachable-step]"),
        ("duplicate", "[duplicate-id]"),
        ("line_limits", "[line-too-many-choices]"),
        ("line_limits", "[line-label-too-long]"),
        ("too_many_messages", "[line-too-many-messages]"),
        ("placeholders", "[unknown-hotline]"),
        ("placeholders", "[unknown-placeholder]"),
        ("unknown_category", "[unknown-category]"),
        ("loop", "[loop-without-wait]"),
        ("conditions", "[unknown-condition]"),
        ("conditions", "[unknown-factor]"),
        ("conditions", "[unknown-collect]"),
        ("missing_next", "[missing-next]"),
        ("unknown_topic", "[unknown-topic]"),
    ],
)
def test_each_problem_names_its_rule(tmp_path: Path, broken: str, rule: str) -> None:
    assert any(line.endswith(rule) for line in lines(script_dir(tmp_path, broken)))


def test_missing_and_unknown_entries(tmp_path: Path) -> None:
    found = lines(script_dir(tmp_path, entries="missing_entry"))
    assert any(
        "入口「case_reminder」がありません" in line
        and "entries: の下に「case_reminder: ステップ名」を書き足して" in line
        and "本人がまだ相談員を待っているとき" in line  # what the entry is for
        and line.endswith("[missing-entry]")
        for line in found
    ), found
    assert any(
        line.startswith("entries.yaml:16: 「case_reminde」という入口は entries: に書けません")
        for line in found
    ), found


def test_crisis_answer_must_start_with_hotlines(tmp_path: Path) -> None:
    found = lines(script_dir(tmp_path, entries="crisis_without_hotline"))
    assert any(
        line.startswith("entries.yaml:40: ステップ「no_numbers」は「crisis_high」の最初の返事")
        and "24 時間の相談窓口がありません" in line
        and "{hotlines}" in line
        and line.endswith("[crisis-without-hotline]")
        for line in found
    ), found


def test_text_too_long_for_line(tmp_path: Path) -> None:
    dialogs = script_dir(tmp_path)
    (dialogs / "long.yaml").write_text(
        "intents:\n  long: {exact: [long], next: speech}\n"
        f"steps:\n  speech:\n    say: {'あ' * 5001}\n    next: question\n",
        encoding="utf-8",
    )
    found = lines(dialogs)
    assert any(
        line.startswith("long.yaml:4: ステップ「speech」") and "5001 文字" in line for line in found
    ), found


def test_wrong_step_field_and_two_kinds(tmp_path: Path) -> None:
    dialogs = script_dir(tmp_path)
    (dialogs / "fields.yaml").write_text(
        "intents:\n  f: {exact: [f], next: both}\n  g: {exact: [g], next: typo}\n"
        "steps:\n"
        "  both:\n    say: a\n    end: goodbye\n"
        "  typo:\n    say: a\n    nxet: question\n    next: question\n",
        encoding="utf-8",
    )
    found = lines(dialogs)
    assert any(
        line.startswith("fields.yaml:7: ステップ「both」") and "say、end があります" in line
        for line in found
    ), found
    assert any(
        line.startswith("fields.yaml:10: ステップ「typo」: 「nxet」という項目はありません")
        for line in found
    ), found


def test_referral_directory_problems(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    shutil.copy(FIXTURES / "broken" / "referrals.yaml", config / "referrals.yaml")
    found = [str(p).replace(str(config) + "/", "") for p in check_referrals(config)]
    expected = [
        ("referrals.yaml:9: categories: の「money」", "は 23 文字あります"),
        ("referrals.yaml:10: categories: の「money」", "「lottery」という要因はありません"),
        ("referrals.yaml:11: categories: の「money」", "窓口「nowhere」は services: にありません"),
        ("referrals.yaml:16: services: の「houterasu」", "「call-me」は電話番号の形ではありません"),
        ("referrals.yaml:17: services: の「houterasu」", "last_verified: には、最後に確かめた日を"),
    ]
    for start, words in expected:
        assert any(line.startswith(start) and words in line for line in found), (start, found)


def test_broken_service_config_is_reported_too(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    text = (config / "hotlines.yaml").read_text(encoding="utf-8")
    (config / "hotlines.yaml").write_text(
        text.replace("crisis_hotlines: [yorisoi,", "crisis_hotlines: [nobody,"), encoding="utf-8"
    )
    found = [str(p) for p in check_dialogs(DIALOGS, config)]
    assert any(
        "crisis_hotlines: の「nobody」は hotlines: にない窓口です" in line for line in found
    ), found


# --- the command line -------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "dialogs", "check", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_ok_on_shipped_scripts() -> None:
    result = run_cli()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: dialogs の 10 個のファイル")


def test_cli_fails_with_one_line_per_problem(tmp_path: Path) -> None:
    dialogs = script_dir(tmp_path, "missing_step", "unreachable")
    result = run_cli(str(dialogs), "--config", str(CONFIG))
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert any(
        line.startswith(f"{dialogs}/missing_step.yaml:4: ステップ「dangling」")
        and "「nowhere」というステップがありません" in line
        for line in out
    ), out
    assert len(out) == 2, out
    assert "2 件の問題が見つかりました" in result.stderr
