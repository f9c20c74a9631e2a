"""Cases and the queue: one open case per person, idempotent requests, order, continuity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.screening.types import RiskLevel
from escalation.model import Counselor
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SUPERVISORS, Desk, service_config


async def test_same_request_opens_one_case_and_second_request_joins(
    desk: Desk, slack: SlackStandIn
) -> None:
    conv = await desk.person("Ujoin")
    first = await desk.open(conv, "つらい", RiskLevel.MODERATE, key="ev1:2")
    again = await desk.open(conv, "つらい", RiskLevel.MODERATE, key="ev1:2")
    assert again.case_id == first.case_id
    joined = await desk.open(conv, "死にたい", RiskLevel.HIGH, key="ev2:2", words=["死にたい"])
    assert joined.case_id == first.case_id
    assert await desk.book.open_cases() == [first.case_id]
    case = await desk.book.load(first.case_id)
    assert case is not None
    assert case.risk == RiskLevel.HIGH
    assert [t.text for t in case.triggers] == ["つらい", "死にたい"]
    await desk.drained()
    assert len(slack.posts(COUNSELORS, top_level=True)) == 1
    ts = await desk.card_of(first.case_id)  # (the card may have been posted after the load)
    assert any("高リスク" in m.text and "死にたい" in m.text for m in slack.thread(COUNSELORS, ts))


async def test_risk_rising_to_imminent_reorders_queue_and_alerts(
    desk: Desk, slack: SlackStandIn
) -> None:
    early = await desk.open(await desk.person("Uearly"), "死にたい", RiskLevel.HIGH)
    conv = await desk.person("Urise")
    late = await desk.open(conv, "死にたい", RiskLevel.HIGH)
    assert await desk.book.queue() == [early.case_id, late.case_id]
    from tests.escalation.support import screening

    await desk.runtime.desk.person_said(
        conv, "薬を全部飲んだ", "ev9:0", screening(RiskLevel.IMMINENT, "薬を全部飲んだ")
    )
    assert await desk.book.queue() == [late.case_id, early.case_id]
    await slack.wait_for(lambda s: bool(s.posts(SUPERVISORS)))
    assert late.case_id in slack.posts(SUPERVISORS)[0].text
    status = await desk.runtime.desk.case_status(conv, datetime.now(UTC))
    assert status is not None
    assert status.position == 1
    assert status.risk == RiskLevel.IMMINENT


async def test_queue_orders_by_risk_then_waiting_time(desk: Desk) -> None:
    t0 = datetime.now(UTC)
    ids = {}
    for name, risk, minutes in [
        ("req_old", RiskLevel.NONE, 0),
        ("high_new", RiskLevel.HIGH, 3),
        ("mod", RiskLevel.MODERATE, 1),
        ("high_old", RiskLevel.HIGH, 2),
        ("imm", RiskLevel.IMMINENT, 4),
    ]:
        conv = await desk.person("U" + name)
        status = await desk.open(
            conv,
            "x",
            risk,
            reason="request" if risk == RiskLevel.NONE else "risk",
            now=t0 + timedelta(minutes=minutes),
        )
        ids[name] = status.case_id
    assert await desk.book.queue() == [
        ids[n] for n in ("imm", "high_old", "high_new", "mod", "req_old")
    ]
    status = await desk.runtime.desk.case_status(await desk.person("Umod"), t0)
    assert status is not None
    assert status.position == 4
    assert status.wait_minutes == 5 + 3 * 10
    await desk.book.claim(ids["imm"], Counselor("slack", "UALICE"))
    status = await desk.runtime.desk.case_status(await desk.person("Umod"), t0)
    assert status is not None
    assert status.position == 3


async def test_status_tells_when_nobody_is_on_duty(desk: Desk) -> None:
    conv = await desk.person("Unight")
    await desk.open(conv, "死にたい")
    service = service_config()
    # config/service.yaml is staffed around the clock; a closed day is an exception.
    from dataclasses import replace

    now = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    closed = replace(service.staffed_hours, exceptions={"2027-01-01": ()})
    desk.book.service = lambda: replace(service, staffed_hours=closed)
    status = await desk.runtime.desk.case_status(conv, now)  # 08:00 on 1 January in Tokyo
    assert status is not None
    assert status.staffed is False


async def test_returning_person_links_earlier_cases_without_transcripts(
    desk: Desk, slack: SlackStandIn
) -> None:
    conv = await desk.person("Ureturn", ("person", "昔の秘密の話"))
    first = await desk.open(conv, "仕事を失った、死にたい")
    await desk.book.claim(first.case_id, Counselor("slack", "UALICE"))
    await desk.book.close(
        first.case_id,
        Counselor("slack", "UALICE"),
        outcome="referred",
        summary="ハローワークと法テラスを紹介",
    )
    second = await desk.open(conv, "また眠れない", RiskLevel.MODERATE)
    assert second.case_id != first.case_id
    case = await desk.book.load(second.case_id)
    assert case is not None
    assert [p.case_id for p in case.previous] == [first.case_id]
    assert case.previous[0].outcome == "referred"
    assert "法テラス" in case.previous[0].summary
    ts = await desk.card_of(second.case_id)
    import json

    blob = json.dumps(slack.find(ts).blocks, ensure_ascii=False)
    assert first.case_id in blob
    assert "相談窓口・支援機関を紹介" in blob
    assert "ハローワーク" in blob


async def test_case_ids_are_short_and_counselors_never_see_line_ids(
    desk: Desk, slack: SlackStandIn
) -> None:
    conv = await desk.person("U1234567890abcdef1234567890abcdef")
    status = await desk.open(conv, "死にたい")
    assert status.case_id.startswith("C-")
    assert len(status.case_id) <= 8
    await desk.book.claim(status.case_id, Counselor("slack", "UALICE"))
    await desk.book.call_supervisor(status.case_id, Counselor("slack", "UALICE"))
    await desk.runtime.desk.person_said(conv, "はい", "k1", None)
    await desk.drained()
    for call in slack.calls:
        assert "U1234567890abcdef" not in str(call.args)
        assert conv not in str(call.args)


async def test_forget_removes_a_persons_cases(desk: Desk) -> None:
    conv = await desk.person("Uforget", ("person", "借金が返せない"))
    status = await desk.open(conv, "死にたい")
    assert await desk.runtime.desk.forget(conv) == 1
    # What stays is a tombstone without anything of the person, so the console and the old
    # card's buttons can say what happened.
    tombstone = await desk.book.load(status.case_id)
    assert tombstone is not None
    assert tombstone.state == "deleted"
    stored = await desk.redis.hgetall(desk.keys.case(status.case_id))
    assert "死にたい" not in str(stored)
    assert "Uforget" not in str(stored)
    assert conv not in str(stored)
    assert await desk.book.case_log(status.case_id) == []
    assert await desk.book.queue() == []
    assert await desk.runtime.desk.case_status(conv, datetime.now(UTC)) is None


async def test_stats_count_waiting_and_open_cases(desk: Desk) -> None:
    a = await desk.open(await desk.person("Ustat1"), "死にたい")
    await desk.open(await desk.person("Ustat2"), "死にたい")
    await desk.book.claim(a.case_id, Counselor("slack", "UALICE"))
    await desk.drained()
    stats = await desk.runtime.stats()
    assert {k: stats[k] for k in ("queued", "open", "outbox_lanes")} == {
        "queued": 1,
        "open": 2,
        "outbox_lanes": 0,
    }
    assert stats["queued_high"] == 1 and stats["queued_imminent"] == 0
    assert 0 <= stats["oldest_wait_s"] < 60
