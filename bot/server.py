"""`python -m bot serve`: run the app under uvicorn."""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from bot.checker_messages import explain
from bot.settings import Settings
from bot.yamlio import ConfigError


def run_serve(args: argparse.Namespace) -> int:
    from bot.app import create_app

    settings = Settings()
    port = args.port if args.port is not None else int(os.environ.get("PORT", "8000"))
    try:
        app = create_app(settings)
    except ConfigError as exc:
        print(explain("cli.start_refused"), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    if settings.dev_pages_enabled:
        print(
            f"Tsunagari is starting on port {port}. Open http://127.0.0.1:{port}/dev/chat "
            f"to talk to the bot (and /dev/console for the counselor side).",
            file=sys.stderr,
        )
    uvicorn.run(
        app,
        host=args.host,
        port=port,
        log_level="warning",
        log_config=None,  # uvicorn's records go through our handler (bot.logs), not its own
        access_log=False,
        timeout_graceful_shutdown=25,
        proxy_headers=True,
    )
    return 0
