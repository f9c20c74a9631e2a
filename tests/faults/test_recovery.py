"""SIGKILL in the middle of a burst (short version; `make bench` runs the full one, 500 events):
after the restart a new person in crisis is answered at once while the dead process's backlog
is taken back in bulk and drains, every event answered exactly once."""

from __future__ import annotations

import collections

import pytest

from tests.fakes.line_api import LineStandIn
from tests.faults.recovery import post_all, restart_and_time
from tests.harness import ServeProcess, text_event
from tests.test_processes import serve_env

pytestmark = pytest.mark.slow

HOTLINE = "0120-279-338"


async def test_sigkill_mid_burst_a_new_crisis_is_answered_at_once_and_the_backlog_drains(
    redis_url: str, key_prefix: str
) -> None:
    async with LineStandIn() as line:
        line.reply_delay_s = 0.05  # LINE takes a little while: the kill finds work in flight
        env = serve_env(redis_url, key_prefix, line.url, BOT_LOG_LEVEL="warning")
        first = ServeProcess(env)
        await first.start()
        users = [f"U{'burst'}{i:027d}" for i in range(20)]
        burst = [text_event(u, f"きいてほしいことがある{n}") for n in range(5) for u in users]
        try:
            await post_all(first.url, burst)
        finally:
            first.kill()
        tokens = {str(e["replyToken"]) for e in burst}
        assert len(tokens & line.used_tokens) < len(tokens), "the kill came too late"

        run = await restart_and_time(
            env,
            line,
            tokens,
            "U" + "newperson".ljust(32, "0"),
            answer_timeout=10,
            drain_timeout=30,
        )
        crisis, answered_s, drained_s = run.crisis, run.answered_s, run.drained_s

    print(
        f"new crisis answered in {answered_s:.2f} s; backlog drained {drained_s:.1f} s after ready"
    )
    per_token = collections.Counter(s.reply_token for s in line.sent if s.kind == "reply")
    assert all(per_token[t] == 1 for t in tokens), "an event answered twice"
    assert [s for s in line.sent if s.kind == "push"] == []
    answer = next(s for s in line.sent if s.reply_token == crisis["replyToken"])
    assert HOTLINE in "\n".join(answer.texts)
    assert answered_s < 2.0, answered_s
    assert drained_s < 20.0, drained_s
