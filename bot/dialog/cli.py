"""`python -m bot dialogs check [DIR] [--config DIR]`: one line per problem, exit 1 if any."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.checker_messages import explain, use_config_dir
from bot.dialog import check_dialogs
from bot.dialog.script import read_script


def run_check(args: argparse.Namespace) -> int:
    dialogs_dir: Path = args.dir or Path(os.environ.get("DIALOGS_DIR") or "dialogs")
    config_dir: Path = args.config or Path(os.environ.get("BOT_CONFIG_DIR") or "config")
    use_config_dir(config_dir)  # the checker's own words: config_dir/checker_messages.yaml
    problems = check_dialogs(dialogs_dir, config_dir)
    for problem in problems:
        print(problem)
    if problems:
        print(explain("cli.problems_found", count=len(problems)), file=sys.stderr)
        return 1
    script, _ = read_script(dialogs_dir)
    print(
        explain(
            "cli.ok",
            files=len(script.files),
            steps=len(script.steps),
            intents=len(script.intents),
            dialogs=dialogs_dir,
            config=config_dir,
        )
    )
    return 0
