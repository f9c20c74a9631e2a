"""Honest waiting, end to end (LINE and Slack stand-ins): a place in line and a wait only while
a counselor is on duty and can see the case; otherwise when counselors are back, the hotlines,
and an offer to be told when the hours begin. Reminders are capped and spaced."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_service_config
from bot.screening.types import RiskLevel
from tests.escalation.live import Counselors, LinePerson, config_copy, line_and_slack, until
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SUPERVISORS, Desk
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp

PROMISES = ("番目", "分くらい", "おつなぎできそう", "声をかけています", "すぐに知らせました")


@pytest.fixture
async def night(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn, tmp_path: Path
) -> AsyncIterator[RunningApp]:
    """Slack is set up, but no counselor is on duty now (back in about two hours)."""
    config = config_copy(tmp_path, closed_now=True)
    async with line_and_slack(redis_url, key_prefix, line, slack, config_dir=config) as app:
        yield app


async def test_no_false_promise_at_night_and_reminders_wait_for_the_hours(
    night: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person = LinePerson(night, line, "night-imminent")
    counselors = Counselors(night, slack)
    await person.started()
    answer = "\n".join(await person.say("今夜、薬を全部飲みます"))
    assert "0120-279-338" in answer and "119" in answer and "110" in answer
    assert "相談員がこのチャットに入れません" in answer
    assert "相談員が入れるのは" in answer and "からです" in answer  # when they are back
    for promise in PROMISES:
        assert promise not in answer, promise
    # The counselors still get the card, and the supervisor the alert (contracts).
    case = await counselors.case_of(person)
    assert case.risk is RiskLevel.IMMINENT
    await until(lambda: slack.posts(SUPERVISORS))
    # Safe: then the offer to be told when the hours begin, with the person's consent.
    after = "\n".join(await person.tap("安全な場所にいる"))
    assert "お知らせしましょうか" in after
    told = "\n".join(await person.tap("知らせてほしい"))
    assert "になったら、ここでお知らせします" in told
    assert (await counselors.reload(case.case_id)).notify_when_open
    # The whole night passes with a short re-announce timer: no reminder, no place in line.
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    for minute in range(5, 60, 5):  # counselors come back in 65 minutes or more
        await night.services.escalation.timers.fire_timers(now_ms + minute * 60_000)
    await counselors.drained()
    for text in person.texts():
        for promise in PROMISES:
            assert promise not in text, (promise, text)
    assert not [m for m in slack.thread(COUNSELORS, case.card_ts) if m.broadcast]
    # The hours begin: the person hears it once, with their place in line.
    opens = load_service_config(Path(night.services.settings.bot_config_dir)).staffed_hours
    start = opens.next_open(datetime.now(UTC))
    assert start is not None
    at_ms = int(start.timestamp() * 1000) + 2_000
    while await night.services.escalation.timers.fire_timers(at_ms):
        pass
    await counselors.drained()
    opened = await person.wait_for("相談員の時間になりました")
    assert "1番目" in opened
    assert sum("相談員の時間になりました" in t for t in person.texts()) == 1


async def test_asking_for_a_counselor_off_hours_says_when_they_are_back(
    night: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person = LinePerson(night, line, "night-request")
    await person.started()
    answer = "\n".join(await person.say("相談員と話したい"))
    assert "相談員が入れるのは" in answer
    assert "0120-279-338" in answer
    assert "番目" not in answer
    assert "時間になったら知らせて" in person.buttons()
    assert await Counselors(night, slack).book.open_case_id(person.conversation) is None
    await person.tap("時間になったら知らせて")
    case = await Counselors(night, slack).case_of(person)
    assert case.notify_when_open and case.consent


async def test_line_without_a_counselor_side_warns_at_start_and_never_promises_one(
    redis_url: str, key_prefix: str, line: LineStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    async with line_and_slack(redis_url, key_prefix, line, None) as app:
        logged = capsys.readouterr()
        assert "escalation.no_counselor_side" in logged.err + logged.out
        person = LinePerson(app, line, "no-counselors")
        first = "\n".join(await person.follow())
        assert "相談員（人）につなぐことはできません" in first
        await person.tap("はじめる")
        asked = "\n".join(await person.say("相談員と話したい"))
        assert "つなぐことができません" in asked
        assert "0120-279-338" in asked
        crisis = "\n".join(await person.say("もう死にたい"))
        assert "0120-279-338" in crisis  # the crisis contract holds all the same
        assert "つなぐことができません" in crisis
        for promise in PROMISES:
            assert promise not in "\n".join(person.texts()), promise


async def test_hotlines_are_listed_by_whether_they_answer_now() -> None:
    service = load_service_config(Path(__file__).resolve().parents[2] / "config")
    tokyo = timedelta(hours=9)
    at_3am = datetime(2026, 12, 2, 3, 0, tzinfo=UTC) - tokyo  # a Wednesday, 3:00 in Tokyo
    at_6pm = datetime(2026, 12, 2, 18, 0, tzinfo=UTC) - tokyo
    night = service.placeholders(at_3am)["hotlines"].splitlines()
    evening = service.placeholders(at_6pm)["hotlines"].splitlines()
    # Only 24-hour lines are called 24-hour; they come first.
    assert night[0].startswith("・よりそいホットライン 0120-279-338（24時間）")
    assert all("24時間" not in line for line in night if "いのちの電話" in line)
    inochi_night = next(line for line in night if "0120-783-556" in line)
    assert "いまは時間外" in inochi_night
    assert night.index(inochi_night) == len(night) - 1  # closed now: last
    inochi_evening = next(line for line in evening if "0120-783-556" in line)
    assert "いま受付中" in inochi_evening
    assert evening.index(inochi_evening) < evening.index(
        next(line for line in evening if "#いのちSOS" in line)
    )
    # Readable: one pair of brackets per line at most.
    for line in night + evening:
        assert line.count("（") <= 1, line


async def test_the_wait_estimate_only_shrinks_unless_someone_more_urgent_comes_ahead(
    desk: Desk,
) -> None:
    t0 = datetime.now(UTC)
    first = await desk.open(await desk.person("Uwait1"), "話したい", RiskLevel.NONE, now=t0)
    conv = await desk.person("Uwait2")
    mine = await desk.open(conv, "話したい", RiskLevel.NONE, reason="request", now=t0)
    assert (mine.position, mine.wait_minutes) == (2, 15)  # 5 + 10 per case ahead
    later = await desk.runtime.desk.case_status(conv, t0 + timedelta(minutes=6))
    assert later is not None and (later.position, later.wait_minutes) == (2, 9)
    # The case ahead is claimed: first in line, and never more than what was said.
    from escalation.model import Counselor

    await desk.book.claim(first.case_id, Counselor("slack", "UALICE"))
    moved = await desk.runtime.desk.case_status(conv, t0 + timedelta(minutes=7))
    assert moved is not None and (moved.position, moved.wait_minutes) == (1, 5)
    # Someone in crisis comes ahead: the person is second again, and the wait grows for it.
    await desk.open(await desk.person("Uwait3"), "死にたい", RiskLevel.HIGH, now=t0)
    behind = await desk.runtime.desk.case_status(conv, t0 + timedelta(minutes=8))
    assert behind is not None and (behind.position, behind.wait_minutes) == (2, 15)
    # Past the estimate: no number any more, only the place in line.
    overdue = await desk.runtime.desk.case_status(conv, t0 + timedelta(minutes=30))
    assert overdue is not None and overdue.position == 2 and overdue.wait_minutes is None


async def test_the_queued_notice_comes_once_with_the_place_in_line(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn
) -> None:
    async with line_and_slack(redis_url, key_prefix, line, slack) as app:
        person = LinePerson(app, line, "queued-once")
        await person.started()
        asked = "\n".join(await person.say("相談員と話したい"))
        assert "声をかけます" in asked
        await person.wait_for("1番目")
        await person.say("まだかな")
        await person.say("相談員と話したい")  # asking again joins the case, no second notice
        await Counselors(app, slack).drained()
        assert sum("順番に並びました" in t for t in person.texts()) == 1


WAIT = re.compile(r"いま(\d+)番目で、あと(\d+)分くらい")


async def test_on_line_the_wait_only_shrinks_and_reminders_are_capped_and_spaced(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    """What a waiting person reads on LINE: the place and the wait when queued, then at most
    three reminders, 15 minutes apart or more, whose wait never grows unless someone more
    urgent came ahead (config: first 5 + 10 per case ahead; reminders 3, 15 minutes)."""
    counselors = Counselors(app, slack)
    ahead = LinePerson(app, line, "waits-ahead")
    person = LinePerson(app, line, "waits")
    for someone in (ahead, person):
        await someone.started()
        await someone.say("相談員と話したい")
    first = await counselors.case_of(ahead)
    mine = await counselors.case_of(person)
    told = WAIT.search(await person.wait_for("順番に並びました"))
    assert told is not None and (told[1], told[2]) == ("2", "15")
    # Ten minutes pass (timers fired at that time), and the case ahead is taken.
    t0 = mine.opened_ms
    timers = app.services.escalation.timers
    heard: list[tuple[int, str]] = []

    async def at(minutes: int) -> None:
        before = len(person.texts())
        while await timers.fire_timers(t0 + minutes * 60_000):
            pass
        await counselors.drained()
        heard.extend((minutes, t) for t in person.texts()[before:] if "お待たせして" in t)

    for minute in (5, 10):
        await at(minute)
    assert heard == []  # not before 15 minutes
    await counselors.press("case_claim", first, "UALICE")
    await ahead.wait_for("相談員につながりました")
    await at(15)
    assert len(heard) == 1
    moved = WAIT.search(heard[-1][1])
    assert moved is not None and moved[1] == "1" and int(moved[2]) <= 5  # first now, sooner
    # Someone in crisis comes ahead: second again, and only then the wait grows.
    urgent = LinePerson(app, line, "waits-urgent")
    await urgent.started()
    await urgent.say("もう死にたい")
    await counselors.case_of(urgent)
    for minute in range(20, 125, 5):
        await at(minute)
    assert [m for m, _ in heard] == [15, 30, 45]  # capped at 3, 15 minutes apart
    behind = WAIT.search(heard[1][1])
    assert behind is not None and behind[1] == "2" and int(behind[2]) <= 15
    last = WAIT.search(heard[2][1])
    assert last is None or int(last[2]) <= int(behind[2])
    assert (await counselors.reload(mine.case_id)).reminders == 3


async def test_the_hotlines_a_person_on_line_gets_are_listed_by_whether_they_answer_now(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn, tmp_path: Path
) -> None:
    """An admin's hours in config/hotlines.yaml: いのちの電話 answers now, #いのちSOS does not;
    the crisis answer says so, open lines first, 24時間 only for 24-hour lines."""
    config = config_copy(tmp_path)
    now = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo"))

    def hours(start: datetime, length: int) -> str:
        """Whole hours from `start`'s hour, split at midnight (a YAML list of ranges)."""
        first, end = start.hour, start.hour + length
        ranges = [f"{first:02d}:00-{min(end, 24):02d}:00"]
        if end > 24:
            ranges.append(f"00:00-{end - 24:02d}:00")
        return "[" + ", ".join(f'"{r}"' for r in ranges) + "]"

    path = config / "hotlines.yaml"
    text = path.read_text(encoding="utf-8")
    inochi = (
        '      daily: ["16:00-21:00"]\n      monthly:\n        10: ["08:00-24:00"]\n'
        '        11: ["00:00-08:00"]\n'
    )
    sos = "    hours: 曜日によって時間がちがいます\n    always_open: false\n"
    assert inochi in text and sos in text
    # Open from this hour for two (so never just ending), closed now and for three hours.
    text = text.replace(inochi, f"      daily: {hours(now, 2)}\n")
    later = hours(now + timedelta(hours=3), 1)
    text = text.replace(sos, f"{sos}    open:\n      daily: {later}\n")
    path.write_text(text, encoding="utf-8")
    async with line_and_slack(redis_url, key_prefix, line, slack, config_dir=config) as app:
        person = LinePerson(app, line, "hotlines-now")
        await person.started()
        answer = (await person.say("もう死にたい"))[0]
    lines = [line for line in answer.splitlines() if line.startswith("・")]
    assert lines[0].startswith("・よりそいホットライン 0120-279-338（24時間）")
    assert "0120-783-556" in lines[1] and "いま受付中" in lines[1]  # open now: next
    assert "0120-061-338" in lines[-1] and "いまは時間外" in lines[-1]  # closed now: last
    assert "24時間" not in lines[1] + lines[-1]  # only 24-hour lines are called 24時間
    for listed in lines:
        assert listed.count("（") <= 1, listed
