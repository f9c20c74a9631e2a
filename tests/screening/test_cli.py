"""The `python -m bot screen` contract of ARCHITECTURE.md, driven as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import CONFIG, REPO


def run_screen(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "screen", "--config", str(CONFIG), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_good_and_bad_lines() -> None:
    lines = [
        {"id": "a", "messages": ["死にたい"]},
        "this is not json",
        {"id": "b", "messages": ["失業しました", "家賃が払えない", "カードローン", "眠れない"]},
        {"messages": ["こんにちは"]},
        {"id": "  ", "messages": ["x"]},
        {"id": "c", "messages": "死にたい"},
        {"id": "d", "messages": ["ok", 3]},
        [1, 2],
        "",
        {"id": "e", "messages": []},
        {"id": 7, "messages": ["死ぬほど笑った"]},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    proc = run_screen(stdin + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 10  # the blank line is skipped, every other line answered
    assert out[0]["id"] == "a"
    assert out[0]["risk"] == "high"
    assert out[0]["signals"][0]["class"] == "ideation"
    assert out[0]["signals"][0]["span"] == [0, 4]
    assert set(out[0]) >= {"id", "risk", "factors", "signals", "pathway"}
    assert out[1] == {"id": None, "error": out[1]["error"]}
    assert "JSON" in out[1]["error"]
    assert out[2]["risk"] == "high"
    assert out[2]["factors"] == ["unemployment", "poverty", "debt", "depression"]
    assert out[2]["pathway"]["chain"] == "jobless_job_loss"
    assert out[3]["id"] is None
    assert "id" in out[3]["error"]
    assert out[4]["id"] is None
    assert "error" in out[4]
    assert out[5] == {"id": "c", "error": "'messages' must be a list of strings"}
    assert out[6]["id"] == "d"
    assert "error" in out[6]
    assert out[7]["id"] is None
    assert "error" in out[7]
    assert out[8]["id"] == "e"
    assert out[8]["risk"] == "none"
    assert out[9]["id"] == "7"
    assert out[9]["risk"] == "none"
    assert "死にたい" in proc.stdout  # UTF-8, not \\u escapes


def test_eval_prints_the_table() -> None:
    proc = run_screen(
        "", "--eval", str(REPO / "tests" / "data" / "screening_dev.jsonl"), "--explain"
    )
    assert proc.returncode == 0, proc.stderr
    for metric in (
        "crisis_recall",
        "imminent_recall",
        "false_alarm_rate",
        "idiom_calm_rate",
        "factor_f1",
    ):
        assert metric in proc.stdout
    assert "# misses in screening_dev.jsonl" in proc.stdout


def test_broken_config_exits_nonzero(tmp_path: object) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "screen", "--config", "/nonexistent/config"],
        input="",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "concepts.yaml: ファイルがありません" in proc.stderr
