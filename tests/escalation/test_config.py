"""config/escalation.yaml: the shipped file is valid; mistakes are named with file and line."""

from __future__ import annotations

from pathlib import Path

from escalation.config import check_escalation_config, load_escalation_config
from tests.escalation.support import ROOT


def _edit(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "config" / "escalation.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "escalation.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def _line(tmp_path: Path, needle: str) -> int:
    for number, line in enumerate(
        (tmp_path / "escalation.yaml").read_text(encoding="utf-8").splitlines(), 1
    ):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_shipped_config_is_valid() -> None:
    assert check_escalation_config(ROOT / "config") == []
    cfg = load_escalation_config(ROOT / "config")
    assert "担当する" in cfg.label("buttons", "claim")
    assert cfg.is_note("メモ: 次回は医療機関へ")
    assert cfg.is_note("メモ：全角")
    assert not cfg.is_note("メモしておいてね")


def test_claim_button_must_say_tantou_suru(tmp_path: Path) -> None:
    d = _edit(tmp_path, "claim: 担当する", "claim: 引き受ける")
    problems = check_escalation_config(d)
    assert len(problems) == 1
    assert problems[0].line == _line(d, "claim: 引き受ける")
    assert "担当する" in problems[0].message


def test_unknown_placeholder_and_bad_timer_are_reported_with_lines(tmp_path: Path) -> None:
    d = _edit(tmp_path, 'thread_person: "*本人*: {text}"', 'thread_person: "*本人*: {name}"')
    (d / "escalation.yaml").write_text(
        (d / "escalation.yaml")
        .read_text(encoding="utf-8")
        .replace("reannounce_minutes: 5", "reannounce_minutes: -1"),
        encoding="utf-8",
    )
    problems = {str(p) for p in check_escalation_config(d)}
    assert any(
        f"escalation.yaml:{_line(d, 'thread_person:')}:" in p and "{name}" in p for p in problems
    )
    assert any(f"escalation.yaml:{_line(d, 'reannounce_minutes:')}:" in p for p in problems)


def test_missing_text_and_yaml_syntax_errors(tmp_path: Path) -> None:
    d = _edit(tmp_path, "  notice_closed: このケースはすでに終了しています。\n", "")
    assert any("texts.notice_closed がありません" in p.message for p in check_escalation_config(d))
    d2 = tmp_path / "bad"
    d2.mkdir()
    (d2 / "escalation.yaml").write_text("timers:\n  reannounce_minutes: [5\n", encoding="utf-8")
    problems = check_escalation_config(d2)
    assert problems
    assert problems[0].line is not None
    assert "YAML の書き方に誤りがあります" in problems[0].message
    assert "ファイルがありません" in check_escalation_config(tmp_path / "nowhere")[0].message
