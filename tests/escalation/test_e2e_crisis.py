"""Crisis through the hand-off, end to end (LINE and Slack stand-ins): rising risk is acted on
at once, nothing is repeated, the counselor sees what the bot said, and after a case closes the
conversation leaves the crisis it was in."""

from __future__ import annotations

import json

from bot.screening.types import RiskLevel
from tests.escalation.live import Counselors, LinePerson, until
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SUPERVISOR, SUPERVISORS
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp

SAFETY = "安全な場所にいますか"  # the safety question, however it is worded


async def test_rising_words_while_waiting_rerank_alert_recheck_and_give_the_numbers(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    older = LinePerson(app, line, "older-high")
    await older.started()
    await older.say("もう死にたい")
    first = await counselors.case_of(older)
    person = LinePerson(app, line, "rises")
    await person.started()
    await person.say("もう死にたい")
    mine = await counselors.case_of(person)
    assert await counselors.book.queue() == [first.case_id, mine.case_id]
    rose = await person.say("今夜、薬を全部飲みます")  # a time and the means: imminent
    text = "\n".join(rose)
    assert "119" in rose[0] and "110" in rose[0] and "0120-279-338" in rose[0]
    assert "近くに危ないものがあれば" in text  # the re-check, at the new level
    await counselors.drained()
    case = await counselors.reload(mine.case_id)
    assert case.risk is RiskLevel.IMMINENT
    assert await counselors.book.queue() == [mine.case_id, first.case_id]
    assert "緊急" in counselors.card_text(case)
    assert any(mine.case_id in m.text for m in slack.posts(SUPERVISORS))
    assert any("リスクが「緊急" in t for t in counselors.thread(case))


async def test_a_person_who_says_they_are_in_danger_becomes_imminent(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    older = LinePerson(app, line, "older")
    await older.started()
    await older.say("もう死にたい")
    first = await counselors.case_of(older)
    person = LinePerson(app, line, "in-danger")
    await person.started()
    await person.say("もう死にたい")
    mine = await counselors.case_of(person)
    told = "\n".join(await person.tap("危ないかもしれない"))
    assert "119" in told
    await counselors.drained()
    case = await counselors.reload(mine.case_id)
    assert case.risk is RiskLevel.IMMINENT
    assert await counselors.book.queue() == [mine.case_id, first.case_id]
    assert any(mine.case_id in m.text for m in slack.posts(SUPERVISORS))


async def test_nothing_is_repeated_and_the_counselor_sees_what_the_bot_said(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "no-repeats")
    await person.started()
    await person.say("もう死にたい")
    case = await counselors.case_of(person)
    await person.say("やっぱり死にたい")  # more crisis words, same level
    await person.say("借金もあって")  # a new factor while the case waits
    await counselors.drained()
    assert sum(SAFETY in t for t in person.texts()) == 1  # one safety question
    card = counselors.card(case)
    blob = json.dumps(card.blocks, ensure_ascii=False)
    assert blob.count("もう死にたい") == 1  # the triggering words once on the card
    case = await counselors.reload(case.case_id)
    assert "debt" in case.factors
    assert "負債・多重債務" in blob  # the card follows new factors
    assert card.updates >= 1
    # Everything the bot said after the case opened is in the thread, for the counselor.
    bot_lines = [t for t in counselors.thread(case) if t.startswith("*ボット*")]
    assert any("0120-279-338" in t for t in bot_lines)
    assert any(t.startswith("*本人*: 借金もあって") for t in counselors.thread(case))
    log = await counselors.book.case_log(case.case_id)
    assert any(e.role == "bot" and "0120-279-338" in e.text for e in log)


async def test_after_an_imminent_case_closes_a_plain_request_is_not_a_crisis(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "after-close")
    await person.started()
    await person.say("今夜、薬を全部飲みます")
    case = await counselors.case_of(person)
    await counselors.press("case_claim", case, SUPERVISOR)
    await person.wait_for("相談員につながりました")
    await counselors.press("case_close", case, SUPERVISOR)
    await counselors.requests.submit_close(
        case.case_id, "emergency", "救急につないだ", user=SUPERVISOR, why="救急搬送を確認"
    )
    await person.wait_for("ここでいったん終わりです")
    alerts = len(slack.posts(SUPERVISORS))
    answer = "\n".join(await person.say("相談員と話したい"))
    assert "119" not in answer and "110" not in answer
    again = await counselors.case_of(person)
    assert again.case_id != case.case_id
    assert again.risk < RiskLevel.HIGH and again.reason == "request"
    await counselors.drained()
    assert len(slack.posts(SUPERVISORS)) == alerts  # no new supervisor alert
    # Screening goes on: a new crisis raises it again.
    crisis = await person.say("今夜、薬を全部飲みます")
    assert "119" in crisis[0]
    await until(lambda: len(slack.posts(SUPERVISORS)) > alerts)
    assert sum(1 for m in slack.posts(COUNSELORS, top_level=True)) == 2


async def test_decided_after_the_platform_gets_a_recheck_and_the_numbers_again(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    """The issue's own example: 「今から駅のホームから飛び込みます」, then 「もう決めたから」
    (nothing the screener finds on its own) is not listened past."""
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "decided")
    await person.started()
    first = await person.say("今から駅のホームから飛び込みます")
    assert "119" in first[0] and "110" in first[0] and "0120-279-338" in first[0]
    case = await counselors.case_of(person)
    assert case.risk is RiskLevel.IMMINENT
    again = await person.say("もう決めたから")
    said = "\n".join(again)
    assert "119" in again[0] and "110" in again[0] and "0120-279-338" in again[0]
    assert "ここで聞いています" not in said
    assert "安全なところにいますか" in said  # the re-check
    assert "危ないかもしれない" in person.buttons()
    await counselors.drained()
    thread = counselors.thread(case)
    assert "*本人*: もう決めたから" in thread
    assert any(t.startswith("*ボット*") and "0120-279-338" in t for t in thread[-3:])
    # Someone at high risk who declined a counselor and writes the same becomes imminent:
    # the supervisor is told, and the case stays with them, still declined.
    high = LinePerson(app, line, "decided-high")
    await high.started()
    await high.say("もう死にたい")
    raised = await counselors.case_of(high)
    assert raised.risk is RiskLevel.HIGH
    await high.tap("相談員はいい")
    assert "119" in (await high.say("もう決めたから"))[0]
    await counselors.drained()
    raised = await counselors.reload(raised.case_id)
    assert raised.risk is RiskLevel.IMMINENT and raised.declined
    assert await counselors.book.queue() == [case.case_id, raised.case_id]  # both imminent
    assert "本人は相談員を希望していません" in counselors.card_text(raised)
    assert any(raised.case_id in m.text and "緊急" in m.text for m in slack.posts(SUPERVISORS))


async def test_rising_words_while_a_counselor_holds_the_case_update_the_card_and_alert(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "rises-held")
    await person.started()
    await person.say("もう死にたい")
    case = await counselors.case_of(person)
    await counselors.press("case_claim", case, "UALICE")
    await person.wait_for("相談員につながりました")
    await counselors.drained()
    updates = counselors.card(case).updates
    assert not slack.posts(SUPERVISORS)
    rose = await person.say("今夜、薬を全部飲みます <!channel>")
    assert "119" in rose[0] and "0120-279-338" in rose[0]  # the contract, the counselor too
    await counselors.drained()
    held = await counselors.reload(case.case_id)
    assert held.risk is RiskLevel.IMMINENT and held.state == "claimed"
    assert counselors.card(held).updates > updates
    assert "緊急" in counselors.card_text(held)
    [alert] = slack.posts(SUPERVISORS)
    assert held.case_id in alert.text and "薬を全部飲みます" in alert.text
    assert "<!channel>" not in alert.text.replace("<!here>", "")  # the person's words escaped
    assert any("リスクが「緊急" in t for t in counselors.thread(held))
