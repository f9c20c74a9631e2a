"""Cases through Slack: card, claim, thread relay both ways, close, hand back."""

from __future__ import annotations

import asyncio

from bot.channels.base import EventKind
from bot.screening.types import RiskLevel
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SUPERVISORS, Desk


def _texts(blocks: list[dict]) -> str:
    import json

    return json.dumps(blocks, ensure_ascii=False)


async def test_card_carries_words_risk_reasons_and_claim_button(
    desk: Desk, slack: SlackStandIn
) -> None:
    conv = await desk.person(
        "Uperson1", ("person", "借金が返せない"), ("bot", "それはつらいですね")
    )
    status = await desk.open(conv, "もう死にたい", RiskLevel.HIGH, words=["死にたい"])
    assert status.state == "queued"
    assert status.position == 1
    assert status.wait_minutes == 5
    ts = await desk.card_of(status.case_id)
    card = slack.find(ts)
    assert card.channel == COUNSELORS
    blob = _texts(card.blocks)
    assert "もう死にたい" in blob  # the person's words
    assert "高リスク" in blob
    assert "high: 死にたい" in blob
    assert "借金が返せない" in blob  # the conversation so far
    assert "負債・多重債務" in blob  # factors, named for people
    buttons = [e for b in card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert any("担当する" in b["text"]["text"] and b["value"] == status.case_id for b in buttons)
    # Never the LINE id.
    assert "Uperson1" not in blob
    assert "Uperson1" not in card.text


async def test_claim_relay_and_close(desk: Desk, slack: SlackStandIn) -> None:
    conv = await desk.person("Uperson2")
    status = await desk.open(conv, "死にたい", RiskLevel.HIGH)
    case_id = status.case_id
    ts = await desk.card_of(case_id)

    response = await desk.action("case_claim", case_id, user="UALICE")
    assert response.status_code == 200
    await desk.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_claimed"))
    claimed = desk.intake.of(EventKind.SYSTEM, "case_claimed")[0]
    assert claimed.address.to == "Uperson2"
    assert claimed.meta["case_id"] == case_id
    assert (
        await desk.runtime.desk.case_status(
            conv, __import__("datetime").datetime.now(__import__("datetime").UTC)
        )
    ).state == "claimed"
    await desk.drained()
    card = slack.find(ts)
    assert card.updates >= 1
    assert "<@UALICE>" in _texts(card.blocks)
    assert "担当する" not in _texts(card.blocks)  # the claim button is gone once claimed

    # Counselor writes in the thread → COUNSELOR event for the person.
    response = await desk.thread_reply(
        ts,
        "こんばんは、相談員の佐藤です。<https://example.org|こちら>も見てね &amp; 大丈夫",
        user="UALICE",
        ts="1700000000.000100",
    )
    assert response.status_code == 200
    await desk.intake.wait(lambda i: i.of(EventKind.COUNSELOR))
    relayed = desk.intake.of(EventKind.COUNSELOR)[0]
    assert (
        relayed.text == "こんばんは、相談員の佐藤です。こちら https://example.org も見てね & 大丈夫"
    )
    assert relayed.event_id == f"slack:{COUNSELORS}:1700000000.000100"
    assert relayed.address.to == "Uperson2"
    # The pipeline delivered it: a reaction shows it went out.
    await desk.runtime.desk.relayed(relayed)
    await slack.wait_for(lambda s: bool(s.calls_of("reactions.add")))
    assert slack.calls_of("reactions.add")[0].args["timestamp"] == "1700000000.000100"

    # The person's reply goes into the thread.
    await desk.runtime.desk.person_said(conv, "ありがとうございます", "ev-1:0", None)
    await desk.runtime.desk.person_said(conv, "ありがとうございます", "ev-1:0", None)  # replay
    await desk.drained()
    lines = [m.text for m in slack.thread(COUNSELORS, ts)]
    assert lines.count("*本人*: ありがとうございます") == 1

    # Close with an outcome through the modal.
    response = await desk.action("case_close", case_id, user="UALICE")
    assert response.status_code == 200
    assert slack.views
    assert slack.views[-1]["view"]["private_metadata"] == case_id
    response = await desk.submit_close(
        case_id, "referred", "法テラスを紹介。来週また話したいとのこと", user="UALICE"
    )
    assert response.status_code == 200
    await desk.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_closed"))
    closed = desk.intake.of(EventKind.SYSTEM, "case_closed")[0]
    assert closed.meta["outcome"] == "referred"
    assert (
        await desk.runtime.desk.case_status(
            conv, __import__("datetime").datetime.now(__import__("datetime").UTC)
        )
        is None
    )
    await desk.drained()
    assert "相談窓口・支援機関を紹介" in _texts(slack.find(ts).blocks)
    # After closing, the person's messages no longer go to the thread.
    await desk.runtime.desk.person_said(conv, "また来ます", "ev-2:0", None)
    await asyncio.sleep(0.2)
    assert "*本人*: また来ます" not in [m.text for m in slack.thread(COUNSELORS, ts)]


async def test_bot_echo_edits_and_notes_are_not_relayed(desk: Desk, slack: SlackStandIn) -> None:
    conv = await desk.person("Uperson3")
    status = await desk.open(conv, "死にたい")
    ts = await desk.card_of(status.case_id)
    await desk.action("case_claim", status.case_id, user="UALICE")
    await desk.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_claimed"))

    # Our own bot's thread posts, another app's, edits, deletions, joins: none relayed.
    assert (
        await desk.thread_reply(ts, "*本人*: echo", user="UBOT", bot_id="BBOT")
    ).status_code == 200
    assert (
        await desk.thread_reply(ts, "other app", bot_id="BOTHER", subtype="bot_message")
    ).status_code == 200
    await desk.thread_reply(ts, "edited", subtype="message_changed")
    await desk.thread_reply(ts, "", subtype="message_deleted")
    await desk.thread_reply(ts, "joined", subtype="channel_join")
    # A note for colleagues (full-width colon too) stays in Slack.
    await desk.thread_reply(ts, "メモ：希死念慮が強い。次は医療につなぐ", user="UALICE")
    await desk.thread_reply(ts, "memo: check in later", user="UALICE")
    # A top-level message in the channel is not a thread reply.
    await desk.slack_event(
        {
            "type": "message",
            "channel": COUNSELORS,
            "user": "UALICE",
            "text": "全体連絡",
            "ts": "1700000001.000001",
        }
    )
    # A real reply of the holder is.
    await desk.thread_reply(ts, "お話を聞かせてください", user="UALICE")
    await desk.intake.wait(lambda i: i.of(EventKind.COUNSELOR))
    await asyncio.sleep(0.2)
    assert [e.text for e in desk.intake.of(EventKind.COUNSELOR)] == ["お話を聞かせてください"]
    notes = [e for e in await desk.book.case_log(status.case_id) if e.role == "note"]
    assert len(notes) == 2


async def test_reply_before_claim_or_after_close_is_not_sent_and_counselor_is_told(
    desk: Desk, slack: SlackStandIn
) -> None:
    conv = await desk.person("Uperson4")
    status = await desk.open(conv, "死にたい")
    ts = await desk.card_of(status.case_id)
    await desk.thread_reply(ts, "こんにちは", user="UBOB")
    await slack.wait_for(lambda s: bool(s.ephemeral))
    assert slack.ephemeral[0]["user"] == "UBOB"
    assert "担当する" in slack.ephemeral[0]["text"]
    assert not desk.intake.of(EventKind.COUNSELOR)


async def test_simultaneous_double_claim_exactly_one_wins(desk: Desk, slack: SlackStandIn) -> None:
    conv = await desk.person("Uperson5")
    status = await desk.open(conv, "死にたい")
    await desk.card_of(status.case_id)
    responses = await asyncio.gather(
        desk.action("case_claim", status.case_id, user="UALICE"),
        desk.action("case_claim", status.case_id, user="UBOB"),
    )
    assert [r.status_code for r in responses] == [200, 200]
    case = await desk.book.load(status.case_id)
    assert case is not None
    assert case.state == "claimed"
    winner = case.claimed_by.split(":")[1]
    loser = "UBOB" if winner == "UALICE" else "UALICE"
    await slack.wait_for(lambda s: bool(s.ephemeral))
    notice = slack.ephemeral[0]
    assert notice["user"] == loser
    assert f"<@{winner}>" in notice["text"]
    await desk.drained()
    assert len(desk.intake.of(EventKind.SYSTEM, "case_claimed")) == 1
    claimed_lines = [m for m in slack.thread(COUNSELORS, case.card_ts) if "担当しました" in m.text]
    assert len(claimed_lines) == 1


async def test_many_concurrent_claims_one_winner(desk: Desk) -> None:
    from escalation.model import Counselor

    conv = await desk.person("Uperson6")
    status = await desk.open(conv, "死にたい")
    results = await asyncio.gather(
        *(desk.book.claim(status.case_id, Counselor("slack", f"U{i}")) for i in range(12))
    )
    assert sorted(r.result for r in results).count("claimed") == 1
    assert {r.result for r in results} == {"claimed", "taken"}


async def test_hand_back_and_supervisor_button(desk: Desk, slack: SlackStandIn) -> None:
    conv = await desk.person("Uperson7")
    status = await desk.open(conv, "話を聞いてほしい", RiskLevel.NONE, reason="request")
    ts = await desk.card_of(status.case_id)
    await desk.action("case_supervisor", status.case_id, user="UALICE")
    await slack.wait_for(lambda s: bool(s.posts(SUPERVISORS)))
    alert = slack.posts(SUPERVISORS)[0]
    assert "<@UALICE>" in alert.text
    assert status.case_id in alert.text
    assert "archives" in alert.text
    # Only the holder (or a supervisor) hands a case back: UALICE takes it first.
    await desk.action("case_hand_back", status.case_id, user="UALICE")
    await slack.wait_for(lambda s: any("担当の相談員" in e["text"] for e in s.ephemeral))
    assert not desk.intake.of(EventKind.SYSTEM, "case_handed_back")
    await desk.action("case_claim", status.case_id, user="UALICE")
    await desk.action("case_hand_back", status.case_id, user="UALICE")
    await desk.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_handed_back"))
    case = await desk.book.load(status.case_id)
    assert case is not None
    assert case.state == "handed_back"
    await desk.drained()
    blob = _texts(slack.find(ts).blocks)
    assert "ボットに戻しました" in blob
    assert '"actions"' not in blob
    # Claiming a case that went back to the bot tells the counselor it is over.
    await desk.action("case_claim", status.case_id, user="UBOB")
    await slack.wait_for(lambda s: any(e["user"] == "UBOB" for e in s.ephemeral))
