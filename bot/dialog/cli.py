"""`python -m bot dialogs check [DIR] [--config DIR]`: one line per problem, exit 1 if any."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.dialog import check_dialogs
from bot.dialog.script import read_script


def run_check(args: argparse.Namespace) -> int:
    dialogs_dir: Path = args.dir or Path(os.environ.get("DIALOGS_DIR") or "dialogs")
    config_dir: Path = args.config or Path(os.environ.get("BOT_CONFIG_DIR") or "config")
    problems = check_dialogs(dialogs_dir, config_dir)
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found; "
            "the running service keeps its current version until they are fixed",
            file=sys.stderr,
        )
        return 1
    script, _ = read_script(dialogs_dir)
    print(
        f"OK: {len(script.files)} files, {len(script.steps)} steps, "
        f"{len(script.intents)} intents in {dialogs_dir} (config {config_dir}) are valid"
    )
    return 0
