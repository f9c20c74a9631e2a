"""``python -m bot screen``: JSON Lines in, one JSON line out per input (ARCHITECTURE.md).

Every input line gets an output line with the same id; a line that cannot be screened gets
``{"id": ..., "error": ...}`` and the run carries on. With ``--eval FILE`` the labelled files
are scored instead and the metric table is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.screening.evaluation import (
    combine,
    evaluate,
    format_categories,
    format_confusion,
    format_table,
    read_cases,
)
from bot.screening.screener import Screener
from bot.yamlio import ConfigError

MAX_LINE_CHARS = 2_000_000


def _config_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "config", None):
        return Path(args.config)
    try:
        from bot.settings import Settings

        return Path(Settings().bot_config_dir)
    except Exception:  # a broken .env must not stop offline screening
        return Path("config")


def _emit(out: TextIO, data: dict[str, Any]) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")
    out.flush()


def screen_line(screener: Screener, line: str) -> dict[str, Any]:
    """Screen one input line; an error object (never an exception) when the line is bad."""
    if len(line) > MAX_LINE_CHARS:
        return {"id": None, "error": f"the line is longer than {MAX_LINE_CHARS} characters"}
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return {
            "id": None,
            "error": f"the line is not valid JSON ({exc.msg} at column {exc.colno})",
        }
    if not isinstance(data, dict):
        return {
            "id": None,
            "error": 'the line must be a JSON object like {"id": ..., "messages": [...]}',
        }
    raw_id = data.get("id")
    id_: str | None = None
    if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        id_ = str(raw_id)
    if id_ is None or not id_.strip():
        return {"id": None, "error": "'id' is missing or blank"}
    messages = data.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
        return {"id": id_, "error": "'messages' must be a list of strings"}
    prior = data.get("prior_factors", [])
    if not isinstance(prior, list) or not all(isinstance(f, str) for f in prior):
        return {"id": id_, "error": "'prior_factors' must be a list of factor ids"}
    try:
        result = screener.screen_conversation(messages, prior)
    except Exception as exc:  # one bad conversation must not stop the batch
        return {"id": id_, "error": f"screening failed ({type(exc).__name__})"}
    return result.to_json(id_)


def run_screen(args: argparse.Namespace) -> int:
    """Entry point of ``python -m bot screen``; returns the exit code."""
    try:
        screener = Screener.load(_config_dir(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    if args.eval:
        return _run_eval(screener, [Path(p) for p in args.eval], bool(args.explain))
    stdin = sys.stdin
    stdin.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    stdout = sys.stdout
    stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    for line in stdin:
        if not line.strip():
            continue
        _emit(stdout, screen_line(screener, line))
    return 0


def _run_eval(screener: Screener, paths: list[Path], explain: bool) -> int:
    parts = []
    for path in paths:
        try:
            cases = read_cases(path)
        except (OSError, ValueError) as exc:
            print(f"cannot read {path}: {exc}", file=sys.stderr)
            return 2
        parts.append(evaluate(screener, cases, path.name))
    table = [*parts, combine(parts)] if len(parts) > 1 else parts
    print(format_table(table))
    for part in parts:
        categories = format_categories(part)
        if categories:
            print("\n" + categories)
        print("\n" + format_confusion(part))
    if explain:
        for part in parts:
            print(f"\n# misses in {part.name} ({len(part.misses)})")
            for miss in part.misses:
                print(miss)
    return 0
