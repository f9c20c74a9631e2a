"""Recovery after a crash: SIGKILL `serve` in the middle of a 500-event burst, restart it at
once, and measure (a) how soon a new person writing 「もう死にたい」 just after the restart gets
the hotline, and (b) how soon the dead process's whole backlog is answered. Targets: (a) within
2 s of the restart, (b) within 30 s. Every event must be answered exactly once.

Real `python -m bot serve` processes with the shipped settings (BOT_RECLAIM_IDLE_MS as
shipped), the shipped scripts and screener, an own Redis (REDIS_URL, or a redis-server the
bench starts: the embedded store of a killed process would die with it), and the stand-in
LINE API answering each call after 200 ms (about a real round trip).

    python -m bench.bench_recovery
"""

from __future__ import annotations

import asyncio
import collections
import os
import tempfile
import time
import uuid
from pathlib import Path

BURST_PEOPLE = 50
BURST_EACH = 10  # 500 events
TARGET_CRISIS_S = 2.0
TARGET_DRAIN_S = 30.0


async def _measure(redis_url: str) -> list[dict[str, object]]:
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    from tests.fakes.line_api import LineStandIn
    from tests.faults.recovery import post_all, restart_and_time
    from tests.harness import ServeProcess, text_event
    from tests.test_processes import serve_env

    prefix = "bench-recovery-" + uuid.uuid4().hex[:6]
    async with LineStandIn() as line:
        line.reply_delay_s = 0.2  # about a real LINE round trip: the backlog outlives the kill
        env = serve_env(redis_url, prefix, line.url, BOT_LOG_LEVEL="warning")
        env.pop("BOT_RECLAIM_IDLE_MS")  # as shipped
        first = ServeProcess(env)
        await first.start()
        users = [f"U{'rec'}{i:029d}" for i in range(BURST_PEOPLE)]
        burst = [
            text_event(u, f"きいてほしいことがある{n}") for n in range(BURST_EACH) for u in users
        ]
        tokens = {str(e["replyToken"]) for e in burst}
        try:
            started = time.monotonic()
            await post_all(first.url, burst, parallel=16)
            accepted_s = time.monotonic() - started
        finally:
            first.kill()
        answered_before = len(tokens & line.used_tokens)
        killed = time.monotonic()
        run = await restart_and_time(
            env,
            line,
            tokens,
            "U" + "newcrisis".ljust(32, "0"),
            answer_timeout=60,
            drain_timeout=120,
        )
        ready, crisis_s, drained_s = run.ready, run.answered_s, run.drained_s
    per_token = collections.Counter(s.reply_token for s in line.sent if s.kind == "reply")
    twice = sum(1 for t in tokens if per_token[t] > 1)
    pushes = sum(1 for s in line.sent if s.kind == "push")
    return [
        {
            "case": f"SIGKILL mid-burst ({len(burst)} events, {BURST_PEOPLE} people)",
            "accepted_s": round(accepted_s, 2),
            "answered_before_kill": answered_before,
            "restart_s": round(ready - killed, 1),
            "new_crisis_answered_s": round(crisis_s, 2),
            "backlog_drained_s": round(drained_s, 1),
            "answered_twice": twice,
            "pushes": pushes,
            "target": f"crisis < {TARGET_CRISIS_S:g} s, drained < {TARGET_DRAIN_S:g} s, once each",
            "met": crisis_s < TARGET_CRISIS_S and drained_s < TARGET_DRAIN_S and twice == 0,
        }
    ]


def run() -> list[dict[str, object]]:
    """Measure and return the table rows (``python -m bench`` calls this)."""
    external = os.environ.get("REDIS_URL")
    if external:
        return asyncio.run(_measure(external))
    from tests.harness import RedisServer

    with tempfile.TemporaryDirectory(prefix="tsunagari-bench-recovery-") as tmp:
        server = RedisServer(Path(tmp) / "redis", "--appendonly", "yes").start()
        try:
            return asyncio.run(_measure(f"redis://127.0.0.1:{server.port}/0"))
        finally:
            server.stop()


if __name__ == "__main__":
    from bench.table import print_table

    print_table(run())
