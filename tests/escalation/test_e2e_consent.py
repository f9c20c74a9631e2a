"""Consent that can be refused, end to end (LINE and Slack stand-ins): a clear decline at first
contact with a defined meaning, recorded with the version of the terms; moderate risk is asked
before a hand-off; high and imminent go to the queue at once, the person is told and may say
no, and then the counselor sees it on the card."""

from __future__ import annotations

import json

from bot.config import load_service_config
from bot.screening.types import RiskLevel
from tests.escalation.live import Counselors, LinePerson, until
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import ROOT, SUPERVISORS
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp

TERMS = load_service_config(ROOT / "config").terms_version


async def transcript(app: RunningApp, person: LinePerson) -> list[dict[str, str]]:
    raw = await app.services.redis.lrange(
        app.services.keys.conv_transcript(person.conversation), 0, -1
    )
    return [json.loads(r) for r in raw]


async def test_declining_at_first_contact_keeps_nothing_and_can_be_undone(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person = LinePerson(app, line, "declines")
    await person.follow()
    assert "同意しない" in person.buttons()
    said = "\n".join(await person.tap("同意しない"))
    # What it means: the bot still answers; nothing written is kept; a counselor only in danger.
    assert "このチャットは使えます" in said
    assert "保存しません" in said
    assert "命にかかわる" in said
    assert "「同意する」" in said  # how to change one's mind
    profile = await app.services.conversations.profile(person.conversation)
    assert profile["consent"] == "no"
    assert profile["consent_terms"] == TERMS  # the version of the terms shown
    assert profile["consent_at"]
    await person.say("借金があって眠れない")
    await person.say("記録されますか")
    assert "保存していません" in person.texts()[-1]
    assert [e for e in await transcript(app, person) if e["role"] in ("person", "bot")] == []
    screening = await app.services.redis.get(app.services.keys.conv_screening(person.conversation))
    assert "借金" not in str(screening)  # not even the matched words
    # In danger, a counselor is told all the same, with the words that raised it.
    await person.say("もう死にたい")
    case = await Counselors(app, slack).case_of(person)
    assert "もう死にたい" in Counselors(app, slack).card_text(case)
    assert [e for e in await transcript(app, person) if e["role"] in ("person", "bot")] == []
    # Changing one's mind.
    await person.say("同意する")
    assert (await app.services.conversations.profile(person.conversation))["consent"] == "yes"
    await person.say("話を聞いてほしい")
    assert any(e["text"] == "話を聞いてほしい" for e in await transcript(app, person))


async def test_typed_refusal_is_a_refusal_and_a_greeting_starts_like_hajimeru(
    app: RunningApp, line: LineStandIn
) -> None:
    refuser = LinePerson(app, line, "types-no")
    await refuser.follow()
    await refuser.say("同意しないです")
    assert (await app.services.conversations.profile(refuser.conversation))["consent"] == "no"
    greeter = LinePerson(app, line, "says-hello")
    await greeter.follow()
    await greeter.say("こんにちは")
    assert "どんなことでも大丈夫です" in greeter.texts()[-1]
    assert "仕事" in greeter.buttons() and "お金・借金" in greeter.buttons()
    assert (await app.services.conversations.profile(greeter.conversation))["consent"] == "yes"


async def test_a_declined_person_is_asked_before_a_counselor_reads_them(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person = LinePerson(app, line, "declines-then-asks")
    await person.follow()
    await person.tap("同意しない")
    asked = "\n".join(await person.say("相談員と話したい"))
    assert "同意" in asked
    assert await Counselors(app, slack).book.open_case_id(person.conversation) is None
    await person.tap("同意してつなぐ")
    assert (await Counselors(app, slack).case_of(person)).consent


async def test_moderate_risk_is_asked_before_a_hand_off(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person = LinePerson(app, line, "moderate")
    await person.started()
    offer = "\n".join(await person.say("借金があって眠れない"))  # moderate: two linked factors
    assert "相談員（人）とも話してみませんか" in offer
    assert await Counselors(app, slack).book.open_case_id(person.conversation) is None
    assert not slack.posts()
    await person.tap("話してみたい")
    case = await Counselors(app, slack).case_of(person)
    assert case.consent


async def test_high_risk_is_queued_at_once_told_and_may_say_no(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "high-says-no")
    await person.started()
    answer = "\n".join(await person.say("もう死にたい"))
    assert "0120-279-338" in answer
    assert "声をかけています" in answer and "「相談員はいい」" in answer
    case = await counselors.case_of(person)  # the card is there at once (contract)
    assert await counselors.book.queue() == [case.case_id]
    await person.tap("相談員はいい")
    await counselors.drained()
    case = await counselors.reload(case.case_id)
    assert case.declined and case.is_open
    assert "本人は相談員を希望していません" in counselors.card_text(case)
    assert await counselors.book.queue() == []  # off the active queue ...
    await until(lambda: any(case.case_id in m.text for m in slack.posts(SUPERVISORS)))
    # ... visible to supervisors, and a counselor who is not one cannot claim it.
    await counselors.press("case_claim", case, "UALICE")
    await until(lambda: counselors.ephemeral_to("UALICE"))
    assert "スーパーバイザー" in counselors.ephemeral_to("UALICE")[-1]
    assert (await counselors.reload(case.case_id)).state == "queued"
    # Changing one's mind puts the person back in line.
    await person.say("相談員と話したい")
    await counselors.drained()
    assert not (await counselors.reload(case.case_id)).declined
    assert await counselors.book.queue() == [case.case_id]


async def test_an_imminent_case_stays_with_the_supervisor_when_the_person_says_no(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "imminent-says-no")
    await person.started()
    await person.say("今夜、薬を全部飲みます")
    case = await counselors.case_of(person)
    assert case.risk is RiskLevel.IMMINENT
    said = "\n".join(await person.tap("相談員はいい"))
    assert "責任者には知らせたまま" in said
    await counselors.drained()
    case = await counselors.reload(case.case_id)
    assert case.declined
    assert "本人は相談員を希望していません" in counselors.card_text(case)
    assert await counselors.book.queue() == [case.case_id]  # stays at the top, for the supervisor


async def test_writing_here_i_want_to_talk_declines_a_counselor_like_the_button(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    """「ここで話したい」 typed as the whole message, after the safety question was answered
    (no button of it on screen), is a decline."""
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "types-here")
    await person.started()
    await person.say("もう死にたい")
    case = await counselors.case_of(person)
    await person.tap("安全な場所にいる")
    assert "相談員はいい" not in person.buttons()
    said = "\n".join(await person.say("ここで話したい"))
    assert "希望していないことを伝えます" in said
    await counselors.drained()
    case = await counselors.reload(case.case_id)
    assert case.declined and case.is_open
    assert "本人は相談員を希望していません" in counselors.card_text(case)
    assert await counselors.book.queue() == []
    # Words that only contain it are not a decline: 「ここで話したいけど、相談員とも」.
    other = LinePerson(app, line, "types-here-and-more")
    await other.started()
    await other.say("もう死にたい")
    kept = await counselors.case_of(other)
    await other.tap("安全な場所にいる")
    await other.say("ここで話したいけど、相談員さんとも話したい")
    await counselors.drained()
    assert not (await counselors.reload(kept.case_id)).declined
