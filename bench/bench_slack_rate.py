"""Slack at its real rate: 50 cases open at once against a stand-in Slack that takes one
`chat.postMessage` per second per channel (429 with `Retry-After` beyond). Measured: how soon
each card is posted after its case opened, by urgency, and that every card is posted exactly
once. Targets: every imminent card within 2 s; each card once.

At one post a second, two cards fit in two seconds: the mix is 2 imminent, 1 flagged (danger
to someone else), 12 high and 35 others (moderate distress, requests), opened in random order.
The real escalation runtime (outbox, Slack board, case book) on an own Redis; its pace is the
shipped one (BOT_SLACK_POST_INTERVAL_S).

    python -m bench.bench_slack_rate
"""

from __future__ import annotations

import asyncio
import collections
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.table import percentile

MIX = {"imminent": 2, "flagged": 1, "high": 12, "other": 35}
TARGET_IMMINENT_S = 2.0


async def _measure() -> list[dict[str, object]]:
    from bot.screening.types import RiskLevel
    from bot.settings import Settings
    from bot.store.keys import Keys
    from bot.store.redis import EmbeddedRedis, make_client
    from tests.escalation.slack_api import SlackStandIn
    from tests.escalation.support import COUNSELORS, running_desk, write_config
    from tests.faults.test_slack_rate import request as case_request

    shipped = Settings(_env_file=None).bot_slack_post_interval_s  # type: ignore[call-arg]
    levels = {
        "imminent": RiskLevel.IMMINENT,
        "flagged": RiskLevel.LOW,
        "high": RiskLevel.HIGH,
        "other": RiskLevel.MODERATE,
    }
    kinds = [k for k, n in MIX.items() for _ in range(n)]
    random.Random(7).shuffle(kinds)
    with tempfile.TemporaryDirectory(prefix="tsunagari-bench-slack-") as tmp:
        server = EmbeddedRedis(Path(tmp))
        server.start()
        redis = make_client(server.url)
        try:
            async with SlackStandIn() as slack:
                slack.post_interval_s = 1.0
                async with running_desk(
                    redis,
                    server.url,
                    Keys("bench"),
                    write_config(Path(tmp) / "config"),
                    slack,
                    BOT_SLACK_POST_INTERVAL_S=shipped,
                ) as desk:
                    convs = [await desk.person(f"Urate{i:04d}") for i in range(len(kinds))]
                    opened: dict[str, float] = {}
                    kind_of: dict[str, str] = {}

                    async def one(conv: str, kind: str) -> None:
                        request = case_request(conv, levels[kind], flagged=kind == "flagged")
                        status = await desk.runtime.desk.open_case(request, datetime.now(UTC))
                        opened[status.case_id] = time.time()
                        kind_of[status.case_id] = kind

                    started = time.time()
                    await asyncio.gather(*(one(c, k) for c, k in zip(convs, kinds, strict=True)))
                    for case_id in opened:
                        await desk.card_of(case_id, timeout=180)
                    await desk.drained(120)
                    total_s = time.time() - started
                    posts = [
                        (str(c.args["metadata"]["event_payload"]["case"]), c.at)
                        for c in slack.calls_of("chat.postMessage")
                        if c.args.get("channel") == COUNSELORS and not c.args.get("thread_ts")
                    ]
                    refused = slack.rate_limited
        finally:
            await redis.aclose()
            server.stop()
    per_case = collections.Counter(case_id for case_id, _ in posts)
    once = all(per_case[c] == 1 for c in opened) and len(per_case) == len(opened)
    first_post = {}
    for case_id, at in posts:
        first_post.setdefault(case_id, at)
    rows: list[dict[str, object]] = []
    for kind in MIX:
        latencies = [first_post[c] - opened[c] for c in opened if kind_of[c] == kind]
        row: dict[str, object] = {
            "case": f"{kind} cards ({len(latencies)} of {len(opened)} opened at once)",
            "p50_s": round(percentile(latencies, 50), 2),
            "max_s": round(max(latencies), 2),
            "mean_s": round(statistics.fmean(latencies), 2),
        }
        if kind == "imminent":
            row["target"] = f"every one < {TARGET_IMMINENT_S:g} s"
            row["met"] = max(latencies) < TARGET_IMMINENT_S
        rows.append(row)
    rows.append(
        {
            "case": "all cards",
            "cards_posted": len(posts),
            "each_exactly_once": once,
            "refused_429": refused,
            "last_card_s": round(total_s, 1),
            "pace_s": shipped,
        }
    )
    return rows


def run() -> list[dict[str, object]]:
    """Measure and return the table rows (``python -m bench`` calls this)."""
    return asyncio.run(_measure())


if __name__ == "__main__":
    from bench.table import print_table

    print_table(run())
