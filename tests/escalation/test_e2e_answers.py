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


# What would be untrue where no counselor side exists (LINE without Slack or the console).
COUNSELOR_CLAIMS = (
    "相談員に知らせ",
    "相談員が読み返せる",
    "相談員が読むのは",
    "相談員だけ",
    "相談員と、その責任者",
    "相談員の時間",
    "相談員にも",
    "相談員（人）とも話して",
    "相談員も前の話",
    "救急や警察に助けを頼む",
)


async def test_without_a_counselor_side_no_answer_says_a_counselor_reads_or_is_told(
    redis_url: str, key_prefix: str, line: LineStandIn
) -> None:
    async with line_and_slack(redis_url, key_prefix, line, None) as app:
        person = LinePerson(app, line, "solo-declines")
        await person.follow()
        more = "\n".join(await person.tap("もっとくわしく"))
        assert "相談員（人）につなぐことはできません" in more and "30日間で消えます" in more
        declined = "\n".join(await person.tap("同意しない"))
        assert "保存しません" in declined and "30日間記録に残します" in declined
        asked = "\n".join(await person.say("これって記録されますか"))
        assert "保存していません" in asked and "30日間記録に残します" in asked
        # What the answer says is kept is kept: the words of a crisis, in a case nobody sees.
        await person.say("もう死にたい")
        book = app.services.escalation.book
        case_id = await book.open_case_id(person.conversation)
        assert case_id is not None
        assert any("死にたい" in e.text for e in await book.case_log(case_id))
        agreed = "\n".join(await person.say("同意する"))
        assert "30日間保存し" in agreed
        answers = {
            "これって記録されますか": "30日間だけ保存",
            "この会話は誰かに見られますか": "相談員が読むしくみはありません",
            "通報されますか": "あなたから119や110に電話してください",
            "匿名でも大丈夫ですか": "匿名で大丈夫",
        }
        for question, answer in answers.items():
            assert answer in "\n".join(await person.say(question)), question
        assert "消してもいいですか" in "\n".join(await person.say("データを消して"))
        await person.tap("消さない")
        other = LinePerson(app, line, "solo-moderate")
        await other.started()
        offer = "\n".join(await other.say("借金があって眠れない"))  # moderate: an offer
        assert "0120-279-338" in offer and "話してみたい" not in other.buttons()
        assert "終わりにしますね" in "\n".join(await person.say("やめる"))
        for said in person.texts() + other.texts():
            for claim in COUNSELOR_CLAIMS:
                assert claim not in said, (claim, said)


async def test_listening_takes_up_a_family_problem_or_a_lost_job_with_the_matching_help(
    app: RunningApp, line: LineStandIn
) -> None:
    person = LinePerson(app, line, "family")
    await person.started()
    await person.tap("その他")
    got = await person.say("母親と毎日けんかになる")
    assert "家族" in got[0]
    assert "それから、どうなりましたか" not in "\n".join(got)
    assert "家族のことを相談できる窓口" in "\n".join(got)
    await person.tap("相談先を見る")
    assert "家族・離婚のこと" in person.buttons()
    worker = LinePerson(app, line, "lost-job")
    await worker.started()
    await worker.tap("その他")
    got = await worker.say("仕事をクビになった")
    assert "お仕事" in got[0]
    assert "仕事をなくしたときの生活" in "\n".join(got)
    await worker.tap("相談先を見る")
    assert any("仕事" in label for label in worker.buttons()), list(worker.buttons())
