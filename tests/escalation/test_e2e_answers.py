"""What people ask, listening that follows them, and honest 既読, end to end (LINE stand-in,
and Slack where a counselor reads)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.escalation.live import Counselors, LinePerson, line_and_slack, until
from tests.escalation.slack_api import SlackStandIn
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp


@pytest.fixture
async def app(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn
) -> AsyncIterator[RunningApp]:
    async with line_and_slack(
        redis_url, key_prefix, line, slack, LINE_MARK_AS_READ=True
    ) as running:
        yield running


QUESTIONS = (
    ("家族にバレませんか", "家族や学校、職場に、こちらから連絡することはありません"),
    ("この会話は誰かに見られますか", "相談員と、その責任者だけ"),
    ("これって記録されますか", "30日間だけ保存"),
    ("匿名でも大丈夫ですか", "匿名で大丈夫"),
    ("相談は無料ですか", "相談は無料です"),
    ("何時までですか", "24時間お返事します"),
    ("通報されますか", "119（救急）や110（警察）"),
)


async def test_questions_people_ask_get_true_short_answers(
    app: RunningApp, line: LineStandIn
) -> None:
    for asked, answer in QUESTIONS:
        person = LinePerson(app, line, "asks-" + asked)
        await person.started()
        got = await person.say(asked)
        assert answer in got[0], got
        assert "うん、うん" not in got[0] and "それから、どうなりましたか" not in got[0]
        assert "仕事" in person.buttons()  # back at the question they were answering


async def test_listening_takes_up_a_debt_and_offers_the_matching_help(
    app: RunningApp, line: LineStandIn
) -> None:
    person = LinePerson(app, line, "debt")
    await person.started()
    await person.tap("その他")
    got = await person.say("借金もある")
    assert "お金" in got[0]
    assert "それから、どうなりましたか" not in "\n".join(got)
    assert "相談先を見る" in person.buttons()
    shown = "\n".join(await person.tap("相談先を見る"))
    assert "借金・お金のトラブル" in person.buttons() or "借金" in shown
    job = LinePerson(app, line, "job")
    await job.started()
    await job.tap("その他")
    assert "お仕事" in (await job.say("仕事をクビになった"))[0]


async def test_read_marks_only_when_a_counselor_has_read(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "kidoku")
    await person.started()
    await person.say("相談員と話したい")
    await person.say("まだですか")
    assert line.read_tokens == []  # the bot answered, but no human has read it
    case = await counselors.case_of(person)
    await counselors.press("case_claim", case, "UALICE")
    await person.wait_for("相談員につながりました")
    await until(lambda: line.read_tokens)
    assert line.read_tokens == [person.read_tokens[-1]]  # up to the last message, at once
    await person.say("よろしくお願いします")
    assert len(line.read_tokens) == 1
    await counselors.write(case, "こちらこそ", "UALICE")
    await person.wait_for("こちらこそ")
    await until(lambda: len(line.read_tokens) == 2)
    assert line.read_tokens[-1] == person.read_tokens[-1]


async def test_without_the_setting_nothing_is_marked_read(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn
) -> None:
    async with line_and_slack(redis_url, key_prefix, line, slack) as app:
        counselors = Counselors(app, slack)
        person = LinePerson(app, line, "no-kidoku")
        await person.started()
        await person.say("相談員と話したい")
        case = await counselors.case_of(person)
        await counselors.press("case_claim", case, "UALICE")
        await person.wait_for("相談員につながりました")
        await counselors.drained()
        assert line.read_tokens == []
