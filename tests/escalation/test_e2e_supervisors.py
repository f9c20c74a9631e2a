"""Supervisors and imminent or flagged cases, end to end (LINE and Slack stand-ins): only a
supervisor closes or hands back such a case, or signs off its holder's request, recorded with
who, when and why; every action is checked against the card, the case, the actor and the
actor's organisation; close outcomes are checked on the server."""

from __future__ import annotations

import json
from pathlib import Path

from bot.screening import Screener
from bot.screening.types import RiskLevel, ScreeningResult, Signal
from bot.turn import CaseRequest
from escalation.model import Actor, Counselor
from tests.escalation.live import Counselors, LinePerson, until
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SUPERVISOR, SUPERVISORS, Desk
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp


async def imminent_case(app: RunningApp, line: LineStandIn, slack: SlackStandIn, name: str):  # type: ignore[no-untyped-def]
    person = LinePerson(app, line, name)
    counselors = Counselors(app, slack)
    await person.started()
    await person.say("今夜、薬を全部飲みます")
    case = await counselors.case_of(person)
    assert case.risk is RiskLevel.IMMINENT
    return person, counselors, case


async def test_holder_asks_and_a_supervisor_signs_off_closing_an_imminent_case(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person, counselors, case = await imminent_case(app, line, slack, "signoff")
    await counselors.press("case_claim", case, "UALICE")
    await person.wait_for("相談員につながりました")
    await counselors.press("case_close", case, "UALICE")
    view = slack.views[-1]["view"]
    why_block = next(b for b in view["blocks"] if b["block_id"] == "why")
    assert why_block["optional"] is False
    # Without a reason the dialog refuses; with one, a supervisor is asked to sign off.
    refused = await counselors.requests.submit_close(case.case_id, "listened", user="UALICE")
    assert refused.json()["response_action"] == "errors"
    assert "why" in refused.json()["errors"]
    await counselors.requests.submit_close(
        case.case_id, "emergency", "119に連絡した", user="UALICE", why="本人が救急車を呼んだ"
    )
    await counselors.drained()
    case = await counselors.reload(case.case_id)
    assert case.is_open and case.pending_close is not None
    assert any("スーパーバイザーに承認を求めました" in t for t in counselors.ephemeral_to("UALICE"))
    alert = next(m for m in slack.posts(SUPERVISORS) if "承認" in m.text)
    approve = next(e for b in alert.blocks if b["type"] == "actions" for e in b["elements"])
    assert "承認する" in approve["text"]["text"]
    # A counselor who is not a supervisor cannot sign off.
    await counselors.press("case_approve", case, "UBOB", channel=SUPERVISORS, message_ts=alert.ts)
    await until(lambda: counselors.ephemeral_to("UBOB"))
    assert (await counselors.reload(case.case_id)).is_open
    await counselors.press(
        "case_approve", case, SUPERVISOR, channel=SUPERVISORS, message_ts=alert.ts
    )
    await person.wait_for("相談員との相談は、ここでいったん終わりです")
    closed = await counselors.reload(case.case_id)
    assert closed.state == "closed" and closed.outcome == "emergency"
    assert closed.signoff is not None
    assert closed.signoff.by == f"slack:{SUPERVISOR}"
    assert closed.signoff.requested_by == "slack:UALICE"
    assert closed.signoff.why == "本人が救急車を呼んだ" and closed.signoff.at_ms > 0
    await counselors.drained()
    assert "本人が救急車を呼んだ" in counselors.card_text(closed)


async def test_only_the_holder_or_a_supervisor_closes_and_the_outcome_is_checked(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person, counselors, case = await imminent_case(app, line, slack, "who-may")
    # Unclaimed: nobody but a supervisor hands it back or closes it.
    await counselors.press("case_hand_back", case, "UALICE")
    await counselors.press("case_close", case, "UALICE")
    await until(lambda: len(counselors.ephemeral_to("UALICE")) >= 2)
    assert not slack.views
    await counselors.press("case_claim", case, "UALICE")
    await counselors.press("case_hand_back", case, "UBOB")
    await until(lambda: counselors.ephemeral_to("UBOB"))
    assert "担当の相談員かスーパーバイザー" in counselors.ephemeral_to("UBOB")[-1]
    # A crafted submission without an outcome, or with an unknown one, closes nothing.
    for outcome in (None, "nonsense"):
        crafted = await counselors.requests.submit_close(
            case.case_id, outcome, user=SUPERVISOR, why="理由"
        )
        assert crafted.json()["errors"]["outcome"]
    assert (await counselors.reload(case.case_id)).is_open
    # A supervisor hands it back with a reason: recorded, and the person is told.
    await counselors.press("case_hand_back", case, SUPERVISOR)
    assert slack.views[-1]["view"]["callback_id"] == "case_hand_back_modal"
    await counselors.requests.submit_hand_back(
        case.case_id, "落ち着いて、安全を確認できた", user=SUPERVISOR
    )
    await person.wait_for("またこのチャットがお話を聞きます")
    back = await counselors.reload(case.case_id)
    assert back.state == "handed_back"
    assert back.signoff is not None and back.signoff.by == f"slack:{SUPERVISOR}"


async def test_actions_are_checked_against_the_card_the_channel_and_the_organisation(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    first = LinePerson(app, line, "card-a")
    second = LinePerson(app, line, "card-b")
    for person in (first, second):
        await person.started()
        await person.say("相談員と話したい")
    a, b = await counselors.case_of(first), await counselors.case_of(second)
    # A's id on B's card, or from another channel: nothing happens.
    await counselors.press("case_claim", a, "UALICE", message_ts=b.card_ts)
    await counselors.press("case_claim", a, "UALICE", channel="C0ELSEWHERE")
    await until(lambda: len(counselors.ephemeral_to("UALICE")) >= 2)
    assert all(
        "このケースのカードのものではありません" in t for t in counselors.ephemeral_to("UALICE")
    )
    # Someone of another organisation in a shared channel: no claim, no words to the person.
    await counselors.press("case_claim", a, "UFOREIGN", team="TOTHER")
    await until(lambda: counselors.ephemeral_to("UFOREIGN"))
    assert "別の組織" in counselors.ephemeral_to("UFOREIGN")[-1]
    assert (await counselors.reload(a.case_id)).state == "queued"
    # A payload that names no team at all (Slack always does) is refused the same way.
    await counselors.press("case_claim", a, "UNOTEAM", team=None)
    await until(lambda: counselors.ephemeral_to("UNOTEAM"))
    assert "別の組織" in counselors.ephemeral_to("UNOTEAM")[-1]
    assert (await counselors.reload(a.case_id)).state == "queued"
    await counselors.press("case_claim", a, "UALICE")
    await first.wait_for("相談員につながりました")
    before = len(first.texts())
    await counselors.write(a, "こんにちは、別の会社の者です", "UFOREIGN", user_team="TOTHER")
    await until(lambda: len(counselors.ephemeral_to("UFOREIGN")) >= 2)
    await counselors.drained()
    assert len(first.texts()) == before
    assert (await counselors.reload(a.case_id)).holder == Counselor("slack", "UALICE")


async def test_a_flagged_case_goes_to_the_supervisor_whatever_the_writers_own_risk(
    desk: Desk, slack: SlackStandIn
) -> None:
    low = await desk.open(await desk.person("Uolder"), "死にたい", RiskLevel.HIGH)
    conv = await desk.person("Uflagged", ("person", "子どもを叩いてしまう"))
    flagged = ScreeningResult(
        risk=RiskLevel.LOW,
        message_risk=RiskLevel.LOW,
        signals=(Signal("child", "child_harm", "叩いてしまう", 4, 10),),
        reasons=("子どもへの危険",),
        flags=("child_in_danger",),
    )
    status = await desk.runtime.desk.open_case(
        CaseRequest(
            conv, "flag-1", "risk", flagged, {}, consent=False, trigger_text="子どもを叩いてしまう"
        ),
        __import__("datetime").datetime.now(__import__("datetime").UTC),
    )
    assert await desk.book.queue() == [status.case_id, low.case_id]  # top priority
    ts = await desk.card_of(status.case_id)
    await desk.drained()
    card = json.dumps(slack.find(ts).blocks, ensure_ascii=False)
    assert "子どもに危険がおよぶおそれ" in card  # the flag in plain Japanese, from config
    alerts = [m.text for m in slack.posts(SUPERVISORS)]
    assert any(status.case_id in t and "子どもに危険がおよぶおそれ" in t for t in alerts)
    # Only a supervisor closes it (the holder asks for a sign-off).
    await desk.book.claim(status.case_id, Counselor("slack", "UALICE"))
    asked = await desk.book.close(
        status.case_id, Counselor("slack", "UALICE"), outcome="referred", why="児相を紹介"
    )
    assert asked.result == "signoff_requested"
    supervisor = Actor(Counselor("slack", SUPERVISOR), supervisor=True)
    done = await desk.book.approve(status.case_id, supervisor)
    assert done.result == "done" and done.case is not None
    assert done.case.signoff is not None and done.case.signoff.why == "児相を紹介"
    # The console shows the flag the same way.
    state = (await desk.http.get("/dev/console/api/state")).json()
    shown = [c for c in state["closed"] if c["case_id"] == status.case_id]
    assert shown and shown[0]["flags"] == ["子どもに危険がおよぶおそれ"]


async def test_a_flag_found_later_raises_the_open_case_and_alerts_once(
    desk: Desk, slack: SlackStandIn
) -> None:
    conv = await desk.person("Ulaterflag")
    status = await desk.open(conv, "つらい", RiskLevel.MODERATE)
    ts = await desk.card_of(status.case_id)
    flagged = ScreeningResult(risk=RiskLevel.MODERATE, flags=("harm_to_others",))
    for key in ("m1", "m2"):
        await desk.runtime.desk.person_said(conv, "あいつを殴ってやる", key, flagged)
    await desk.drained()
    case = await desk.book.load(status.case_id)
    assert case is not None and case.flags == ("harm_to_others",) and case.needs_supervisor
    assert "他の人を傷つけるおそれ" in json.dumps(slack.find(ts).blocks, ensure_ascii=False)
    assert sum("他の人を傷つけるおそれ" in m.text for m in slack.posts(SUPERVISORS)) == 1
    assert any("他の人への危険" in m.text for m in slack.thread(COUNSELORS, ts))


async def test_a_flagged_message_on_line_reaches_the_supervisor_at_once(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    older = LinePerson(app, line, "older-crisis")
    await older.started()
    await older.say("もう死にたい")
    first = await counselors.case_of(older)
    person = LinePerson(app, line, "threatens")
    await person.started()
    await person.say("あいつを包丁で刺してやる")  # the screener flags harm to others
    case = await counselors.case_of(person)
    assert case.flags == ("harm_to_others",) and case.needs_supervisor
    assert await counselors.book.queue() == [case.case_id, first.case_id]
    await counselors.drained()
    assert "他の人を傷つけるおそれ" in counselors.card_text(case)
    assert any(
        case.case_id in m.text and "他の人を傷つけるおそれ" in m.text
        for m in slack.posts(SUPERVISORS)
    )


async def test_danger_to_someone_only_the_wording_model_reads_reaches_the_supervisor(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    """課長の車のブレーキ、細工してやろうかと本気で考えてる (in no labelled set) names nothing the
    rules read as harm to others; the wording model's flag head does (docs/screening.md, "The
    wording model"): a case at the top of the queue, the supervisor alerted, and the card shows
    the words that weighed most. (Should the rules come to flag this wording themselves, this
    test must take another sentence only the model flags.)"""
    message = "課長の車のブレーキ、細工してやろうかと本気で考えてる。工具はある"
    shipped = Screener.load(Path(__file__).resolve().parents[2] / "config")
    rules = Screener(shipped.config, shipped._tokenizer, None)
    assert rules.screen_conversation([message]).flags == ()  # not the rules
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "model-flag")
    await person.started()
    await person.say(message)
    case = await counselors.case_of(person)
    assert case.flags == ("harm_to_others",) and case.needs_supervisor
    await counselors.drained()
    card = counselors.card_text(case)
    assert "他の人を傷つけるおそれ" in card
    assert "他者への危害の恐れ（統計的な見立て）：「" in card
    assert any(
        case.case_id in m.text and "他の人を傷つけるおそれ" in m.text
        for m in slack.posts(SUPERVISORS)
    )


async def test_the_holder_hands_back_an_imminent_case_only_with_a_sign_off_and_the_crisis_ends(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person, counselors, case = await imminent_case(app, line, slack, "hand-back-signoff")
    await counselors.press("case_claim", case, "UALICE")
    await person.wait_for("相談員につながりました")
    await counselors.press("case_hand_back", case, "UALICE")
    assert slack.views[-1]["view"]["callback_id"] == "case_hand_back_modal"  # a reason first
    await counselors.requests.submit_hand_back(case.case_id, "落ち着いて話せた", user="UALICE")
    await counselors.drained()
    asked = await counselors.reload(case.case_id)
    assert asked.state == "claimed"  # not handed back: a supervisor must sign off
    assert asked.pending_close is not None and asked.pending_close.hand_back
    assert any("承認を求めました" in t for t in counselors.ephemeral_to("UALICE"))
    assert not any("またこのチャットがお話を聞きます" in t for t in person.texts())
    alert = next(m for m in slack.posts(SUPERVISORS) if "承認" in m.text)
    # A supervisor's approval pressed anywhere but the supervisor channel does nothing.
    await counselors.press("case_approve", case, SUPERVISOR)  # on the card, counselor channel
    await until(lambda: counselors.ephemeral_to(SUPERVISOR))
    assert "このケースのカードのものではありません" in counselors.ephemeral_to(SUPERVISOR)[-1]
    assert (await counselors.reload(case.case_id)).state == "claimed"
    await counselors.press(
        "case_approve", case, SUPERVISOR, channel=SUPERVISORS, message_ts=alert.ts
    )
    await person.wait_for("またこのチャットがお話を聞きます")
    back = await counselors.reload(case.case_id)
    assert back.state == "handed_back"
    assert back.signoff is not None and back.signoff.requested_by == "slack:UALICE"
    assert back.signoff.by == f"slack:{SUPERVISOR}" and back.signoff.why == "落ち着いて話せた"
    # Handed back, the conversation leaves the crisis: a plain request is a plain request.
    await counselors.drained()
    alerts = len(slack.posts(SUPERVISORS))
    answer = "\n".join(await person.say("相談員と話したい"))
    assert "119" not in answer and "110" not in answer
    again = await counselors.case_of(person)
    assert again.case_id != case.case_id
    assert again.reason == "request" and again.risk < RiskLevel.HIGH
    await counselors.drained()
    assert len(slack.posts(SUPERVISORS)) == alerts


async def test_another_organisation_can_neither_close_nor_hand_back_nor_approve(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person, counselors, case = await imminent_case(app, line, slack, "foreign-close")
    await counselors.press("case_claim", case, "UALICE")
    await person.wait_for("相談員につながりました")
    await counselors.requests.submit_close(
        case.case_id, "listened", user="UALICE", why="落ち着いた"
    )
    await counselors.drained()
    alert = next(m for m in slack.posts(SUPERVISORS) if "承認" in m.text)
    # Someone of another organisation in the shared channel, on the card and in the dialogs.
    foreign = {"team": "TOTHER"}
    await counselors.press("case_close", case, "UFOREIGN", **foreign)
    await counselors.press("case_hand_back", case, "UFOREIGN", **foreign)
    await counselors.press(
        "case_approve", case, "UFOREIGN", channel=SUPERVISORS, message_ts=alert.ts, **foreign
    )
    await counselors.requests.submit_close(
        case.case_id, "listened", user="UFOREIGN", why="x", team="TOTHER"
    )
    await counselors.requests.submit_hand_back(case.case_id, "x", user="UFOREIGN", team="TOTHER")
    await until(lambda: len(counselors.ephemeral_to("UFOREIGN")) >= 5)
    assert all("別の組織" in t for t in counselors.ephemeral_to("UFOREIGN"))
    assert not slack.views or all(
        v.get("trigger_id") is None or "UFOREIGN" not in json.dumps(v) for v in slack.views
    )
    await counselors.drained()
    still = await counselors.reload(case.case_id)
    assert still.state == "claimed" and still.holder == Counselor("slack", "UALICE")
    assert still.pending_close is not None and still.pending_close.by == "slack:UALICE"
    assert not any("ここでいったん終わりです" in t for t in person.texts())
