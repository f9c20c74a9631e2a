"""A person's path through the whole service with the shipped scripts: the local chat page's
API, the real screener, dialog and counselor desk (local console)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels.base import Address
from bot.screening import RiskLevel
from tests.harness import LocalChat, RunningApp

pytestmark = pytest.mark.slow


async def started_with_a_case(chat_app: RunningApp, first: str) -> tuple[LocalChat, str]:
    """A person who started the chat and whose first message opened a case (asserted), and
    their conversation id."""
    person = LocalChat(chat_app)
    await person.start()
    await person.tap("はじめる")
    await person.say(first)
    conv = Address("local", person.session).conversation_id()
    desk = chat_app.services.escalation.desk
    assert await desk.case_status(conv, datetime.now(UTC)) is not None
    return person, conv


async def test_asking_for_a_counselor_tells_place_in_line(chat_app: RunningApp) -> None:
    person = LocalChat(chat_app)
    await person.start()
    await person.tap("はじめる")
    await person.say("相談員と話したい", expect=2)
    text = person.text()
    assert "声をかけます" in text
    # The queued notice follows the answer, with the place in line (once).
    if "番目" not in text:
        await person._read()
        text = person.text()
    assert "1番目" in text


async def test_forget_me_deletes_conversation_and_cases(chat_app: RunningApp) -> None:
    person, conv = await started_with_a_case(chat_app, "もう死にたい")
    desk = chat_app.services.escalation.desk
    await person.say("データを消して")
    labels = [q["label"] for q in person.last[-1].get("quick_replies", [])]
    yes = next(label for label in labels if "消" in label)
    await person.tap(yes)
    await chat_app.idle()
    redis = chat_app.services.redis
    keys = chat_app.services.keys
    assert await desk.case_status(conv, datetime.now(UTC)) is None
    left = {k async for k in redis.scan_iter(match=f"{keys.prefix}:conv:{conv}:*")}
    # Only the ordering counters, and the plan of the deleting turn itself (its own words
    # only, gone within a day), are left.
    plans = {k for k in left if k.endswith(":effects")}
    assert left - plans <= {keys.conv_order(conv), keys.conv_lock(conv)}
    assert len(plans) <= 1
    for key in plans:
        assert "死にたい" not in str(await redis.hgetall(key))
    # The person can start again afterwards: their next message is answered.
    await person.say("こんにちは")
    assert person.last, "no answer after forgetting"


async def test_an_explained_purchase_keeps_its_case_and_a_later_crisis_word_rises_again(
    chat_app: RunningApp,
) -> None:
    """ロープ買った opens a case at once; 週末のキャンプが楽しみ lowers the screener's level but
    neither repeats nor withdraws anything; …ほんとは死にたい brings the rope back (imminent)."""
    person, conv = await started_with_a_case(chat_app, "ホームセンターで練炭とロープ買った")
    desk = chat_app.services.escalation.desk
    assert "0120" in person.text()  # the hotline numbers, at once
    await person.say("週末のキャンプが楽しみ")
    assert await desk.case_status(conv, datetime.now(UTC)) is not None  # the case stays open
    assert "0120" not in person.text()  # no second crisis answer for the explanation
    await person.say("…でもほんとは死にたい")
    assert person.last, "no answer to the crisis word"
    assert await desk.case_status(conv, datetime.now(UTC)) is not None


async def test_a_crisis_only_the_wording_model_reads_gets_the_hotline_and_a_case_with_the_words(
    chat_app: RunningApp,
) -> None:
    """このまま目をつぶって二度と開けなくていい (in no labelled set: not something the model
    memorized) names no concept the rules know as a crisis; the wording model reads it as one
    (docs/screening.md, "The wording model"): the person gets the hotline numbers at once and
    the counselor's card shows the words that weighed most. (Should the rules come to read this
    wording themselves, the model stays silent and this test must take another sentence only
    the model reads.)"""
    person, conv = await started_with_a_case(chat_app, "このまま目をつぶって二度と開けなくていい")
    assert "0120-279-338" in person.text()
    book = chat_app.services.escalation.book
    case_id = await book.open_case_id(conv)
    assert case_id is not None
    case = await book.load(case_id)
    assert case is not None and case.risk == RiskLevel.HIGH
    assert any(r.startswith("文面の全体像（統計的な見立て）：「") for r in case.reasons), (
        case.reasons
    )
