"""Command line: ``python -m bot serve|screen|dialogs check|chat|forget``.

Each subcommand lives in the module of its concern and is imported only when used, so that
``screen`` does not pay for the web stack and ``serve`` does not start without its settings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Tsunagari (つながり) consultation bot"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the web service and its workers")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1 only)"
    )
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 8000")

    screen = sub.add_parser(
        "screen",
        help="screen conversations given as JSON Lines on stdin",
        description=(
            'Reads {"id": ..., "messages": [...]} per line on stdin and writes one JSON line per '
            "input with the risk level, factors, signals and pathway. With --eval, scores "
            "labelled files instead."
        ),
    )
    screen.add_argument("--config", type=Path, default=None, help="config dir (default config/)")
    screen.add_argument(
        "--eval",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="score a labelled JSONL file (repeatable) and print the metrics",
    )
    screen.add_argument("--explain", action="store_true", help="with --eval, list every miss")
    screen.add_argument(
        "--train-wording",
        action="store_true",
        help="retrain the wording model from the labelled sets (needs the dev dependencies)",
    )
    screen.add_argument(
        "--cross-validate",
        action="store_true",
        help="score each labelled set with a wording model trained without it",
    )
    screen.add_argument(
        "--sets",
        type=Path,
        default=None,
        metavar="DIR",
        help="the labelled sets (screening_*.jsonl) for --train-wording and --cross-validate "
        "(default tests/data/)",
    )

    dialogs = sub.add_parser("dialogs", help="dialog script tools")
    dialogs_sub = dialogs.add_subparsers(dest="dialogs_command", required=True, metavar="ACTION")
    check = dialogs_sub.add_parser("check", help="validate the dialog scripts")
    check.add_argument("dir", nargs="?", type=Path, default=None, help="default: dialogs/")
    check.add_argument("--config", type=Path, default=None, help="config dir (default config/)")

    sub.add_parser("chat", help="talk to the bot in this terminal (local channel)")

    forget = sub.add_parser("forget", help="delete everything stored about a person or a case")
    forget.add_argument("target", help="a case id (e.g. C-0001) or a conversation id")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from bot.server import run_serve

        return run_serve(args)
    if args.command == "screen":
        from bot.screening.cli import run_screen

        return run_screen(args)
    if args.command == "dialogs":
        from bot.dialog.cli import run_check

        return run_check(args)
    if args.command == "chat":
        from bot.channels.terminal import run_chat

        return run_chat(args)
    if args.command == "forget":
        from bot.privacy import run_forget

        return run_forget(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
