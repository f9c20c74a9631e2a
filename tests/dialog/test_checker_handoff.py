"""The checker explains, in plain Japanese with file and line, every mistake an admin can make
in what the hand-off reads: hotline hours and how hotlines are written, the terms version, the
reminder caps, the mention word, and the new step fields."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.dialog import check_dialogs
from tests.dialog.support import CONFIG, DIALOGS


def edited(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, Path]:
    """Copies of dialogs/ and config/ with one replacement made in `file` (config/… or dialogs/…)."""
    dialogs, config = tmp_path / "dialogs", tmp_path / "config"
    shutil.copytree(DIALOGS, dialogs)
    shutil.copytree(CONFIG, config)
    path = tmp_path / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return dialogs, config


def problems(dialogs: Path, config: Path) -> list[str]:
    return [str(p).replace(str(dialogs.parent) + "/", "") for p in check_dialogs(dialogs, config)]


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_hotline_hours_and_display_mistakes_name_file_and_line(tmp_path: Path) -> None:
    dialogs, config = edited(
        tmp_path,
        "config/hotlines.yaml",
        '      daily: ["16:00-21:00"]',
        '      daily: ["16時から"]',
    )
    found = problems(dialogs, config)
    where = line_of(config / "hotlines.yaml", "16時から")
    assert any(p.startswith(f"config/hotlines.yaml:{where}:") and "16時から" in p for p in found), (
        found
    )

    dialogs, config = edited(
        tmp_path / "b", "config/hotlines.yaml", "        10: [", "        40: ["
    )
    found = problems(dialogs, config)
    assert any("monthly の「40」は日にち（1〜31）ではありません" in p for p in found), found

    dialogs, config = edited(
        tmp_path / "c",
        "config/hotlines.yaml",
        "    name: いのちの電話\n",
        "    name: いのちの電話（フリーダイヤル）\n",
    )
    found = problems(dialogs, config)
    where = line_of(config / "hotlines.yaml", "いのちの電話（フリーダイヤル）")
    assert any(p.startswith(f"config/hotlines.yaml:{where}:") and "かっこ" in p for p in found), (
        found
    )

    dialogs, config = edited(
        tmp_path / "d",
        "config/hotlines.yaml",
        '  open_now: "{name} {number}（いま受付中・{hours}）"',
        '  open_now: "{name} {number}（いま受付中・{hours}・{url}）"',
    )
    found = problems(dialogs, config)
    assert any("{url} は使えません" in p and "config/hotlines.yaml:" in p for p in found), found


def test_terms_version_reminders_and_mention_word_are_required(tmp_path: Path) -> None:
    dialogs, config = edited(tmp_path, "config/service.yaml", 'terms_version: "2026-12-01"', "")
    assert any("terms_version がありません" in p for p in problems(dialogs, config))

    dialogs, config = edited(tmp_path / "b", "config/escalation.yaml", "  mention_as: 相談員\n", "")
    assert any("relay.mention_as がありません" in p for p in problems(dialogs, config))

    dialogs, config = edited(
        tmp_path / "c", "config/escalation.yaml", "  person_max: 3", "  person_max: たくさん"
    )
    found = problems(dialogs, config)
    where = line_of(config / "escalation.yaml", "person_max: たくさん")
    assert any(
        p.startswith(f"config/escalation.yaml:{where}:") and "0 以上の整数" in p for p in found
    ), found


def test_decline_and_escalate_fields_are_checked(tmp_path: Path) -> None:
    dialogs, config = edited(
        tmp_path,
        "dialogs/crisis.yaml",
        "    decline: counselor\n    next: crisis_decline_said",
        "    decline: yes\n    next: crisis_decline_said",
    )
    found = problems(dialogs, config)
    where = line_of(dialogs / "crisis.yaml", "decline: yes")
    assert any(
        p.startswith(f"dialogs/crisis.yaml:{where}:") and "decline: は counselor と書きます" in p
        for p in found
    ), found

    dialogs, config = edited(
        tmp_path / "b", "dialogs/crisis.yaml", "    risk: imminent\n", "    risk: とても高い\n"
    )
    found = problems(dialogs, config)
    assert any("「とても高い」は危険度ではありません" in p for p in found), found
