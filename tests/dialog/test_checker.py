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
    ("broken", "expected"),
    [
        ("syntax", "syntax.yaml:4: YAML syntax error"),
        (
            "unknown_kind",
            "unknown_kind.yaml:5: step 'chatter': unknown step kind ('tell' is not a step kind)",
        ),
        ("missing_step", "missing_step.yaml:4: step 'dangling' points at missing step 'nowhere'"),
        ("unreachable", "unreachable.yaml:2: step 'orphan' is never reached"),
        ("duplicate", "steps.yaml:4: step 'hello' is defined twice (first at duplicate.yaml:2)"),
        ("line_limits", "line_limits.yaml:4: step 'too_many_choices' has 14 choices"),
        ("line_limits", "line_limits.yaml:11: step 'long_label': choice label"),
        (
            "too_many_messages",
            "too_many_messages.yaml:4: step 'chatty_one' can send 7 messages in one turn "
            "(chatty_one → chatty_two → question)",
        ),
        ("placeholders", "placeholders.yaml:4: step 'numbers' names hotline 'nope'"),
        ("placeholders", "placeholders.yaml:4: step 'numbers' uses unknown placeholder {name}"),
        (
            "unknown_category",
            "unknown_category.yaml:4: step 'money_help' names referral category 'lottery'",
        ),
        (
            "loop",
            "loop.yaml:4: step 'spin_a' loops back to itself without waiting for the person: "
            "spin_a → spin_b → spin_a",
        ),
        ("conditions", "conditions.yaml:6: step 'mood_check', case 1: unknown condition 'mood'"),
        ("conditions", "conditions.yaml:8: step 'mood_check', case 2: unknown risk level"),
        ("conditions", "conditions.yaml:8: step 'mood_check' tests unknown factor 'sadness'"),
        (
            "conditions",
            "conditions.yaml:10: step 'mood_check' tests `collected: shoe_size`, but no "
            "collect step stores that name",
        ),
        ("missing_next", "missing_next.yaml:4: step 'trailing': `next:` is missing"),
        (
            "unknown_topic",
            "unknown_topic.yaml:7: step 'hobby_question' sets topic 'fishing', which is not",
        ),
    ],
)
def test_each_check_names_file_line_and_step(tmp_path: Path, broken: str, expected: str) -> None:
    found = lines(script_dir(tmp_path, broken))
    assert any(line.startswith(expected) for line in found), "\n".join(found)


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
        "entry 'case_reminder' is missing" in line and line.endswith("[missing-entry]")
        for line in found
    ), found
    assert any(line.startswith("entries.yaml:16: unknown entry 'case_reminde'") for line in found)


def test_crisis_answer_must_start_with_hotlines(tmp_path: Path) -> None:
    found = lines(script_dir(tmp_path, entries="crisis_without_hotline"))
    assert any(
        line.startswith("entries.yaml:40: step 'no_numbers' starts the 'crisis_high' answer")
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
        line.startswith("long.yaml:4: step 'speech': a message can reach 5001 characters")
        for line in found
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
        line.startswith("fields.yaml:7: step 'both': a step has one kind, this one has say and end")
        for line in found
    ), found
    assert any(
        line.startswith("fields.yaml:10: step 'typo': unknown field 'nxet'") for line in found
    ), found


def test_referral_directory_problems(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    shutil.copy(FIXTURES / "broken" / "referrals.yaml", config / "referrals.yaml")
    found = [str(p).replace(str(config) + "/", "") for p in check_referrals(config)]
    expected = [
        "referrals.yaml:9: category 'money': label 'お金のことならどんなことでもここで相談できます' has 23",
        "referrals.yaml:10: category 'money': unknown factor 'lottery'",
        "referrals.yaml:11: category 'money' names service 'nowhere', which is not in services",
        "referrals.yaml:16: service 'houterasu': 'call-me' does not look like a phone number",
        "referrals.yaml:17: service 'houterasu': last_verified must be the date",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in found), (start, found)


def test_broken_service_config_is_reported_too(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    text = (config / "hotlines.yaml").read_text(encoding="utf-8")
    (config / "hotlines.yaml").write_text(
        text.replace("crisis_hotlines: [yorisoi,", "crisis_hotlines: [nobody,"), encoding="utf-8"
    )
    found = [str(p) for p in check_dialogs(DIALOGS, config)]
    assert any("crisis_hotlines names 'nobody'" in line for line in found), found


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
    assert result.stdout.startswith("OK: 10 files")


def test_cli_fails_with_one_line_per_problem(tmp_path: Path) -> None:
    dialogs = script_dir(tmp_path, "missing_step", "unreachable")
    result = run_cli(str(dialogs), "--config", str(CONFIG))
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert f"{dialogs}/missing_step.yaml:4: step 'dangling' points at missing step 'nowhere'" in (
        " ".join(out)
    )
    assert len(out) == 2, out
    assert "2 problems found" in result.stderr
