"""Only the holder speaks to the person; nothing of Slack reaches them; the person's words can
never ping or link anything in Slack; what cannot reach the person is never dropped silently.
End to end through the LINE and Slack stand-ins."""

from __future__ import annotations

import json

from tests.escalation.live import Counselors, LinePerson, until
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SUPERVISOR, SUPERVISORS
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp

HOSTILE = "<!channel> <!here> <@U0BOSS> <https://evil.example|ここを見て> https://evil.example evil.example"


async def claimed(app: RunningApp, line: LineStandIn, slack: SlackStandIn, name: str):  # type: ignore[no-untyped-def]
    person = LinePerson(app, line, name)
    counselors = Counselors(app, slack)
    await person.started()
    await person.say("相談員と話したい")
    case = await counselors.case_of(person)
    await counselors.press("case_claim", case, "UALICE")
    await person.wait_for("相談員につながりました")
    return person, counselors, await counselors.reload(case.case_id)


def unsafe(text: str) -> list[str]:
    """What in a Slack message could mention or link something."""
    found = [
        w for w in ("<!channel>", "<!here>", "<@U0BOSS>", "<https://", "|ここを見て>") if w in text
    ]
    found += [w for w in ("https://evil.example", "evil.example") if w in text]
    return found


async def test_only_the_holder_speaks_others_write_notes_and_a_supervisor_takes_over(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person, counselors, case = await claimed(app, line, slack, "holder-only")
    await counselors.write(case, "相談員の佐藤です。<@U0BOSS> さんにも相談しますね", "UALICE")
    relayed = await person.wait_for("相談員の佐藤です")
    assert relayed == "相談員の佐藤です。相談員 さんにも相談しますね"  # no Slack internals
    # A colleague's slip stays in Slack, as a note, and they are told.
    await counselors.write(case, "この人、前にも来てたよね", "UBOB")
    await until(lambda: counselors.ephemeral_to("UBOB"))
    assert "メモとして残りました" in counselors.ephemeral_to("UBOB")[-1]
    assert "<@UALICE>" in counselors.ephemeral_to("UBOB")[-1]
    # The holder's own note stays too.
    await counselors.write(case, "メモ: 家族の話は避ける", "UALICE")
    await counselors.drained()
    assert not any("前にも来てた" in t or "家族の話" in t for t in person.texts())
    notes = [e for e in await counselors.book.case_log(case.case_id) if e.role == "note"]
    assert {e.text for e in notes} == {"この人、前にも来てたよね", "メモ: 家族の話は避ける"}
    # A supervisor takes over: from then on only they reach the person.
    await counselors.press("case_take_over", case, SUPERVISOR)
    await counselors.drained()
    assert any("担当を引き継ぎました" in t for t in counselors.thread(case))
    await counselors.write(case, "責任者の田中です", SUPERVISOR)
    await person.wait_for("責任者の田中です")
    await counselors.write(case, "まだ私が担当のつもりで", "UALICE")
    await until(lambda: any("メモとして残りました" in t for t in counselors.ephemeral_to("UALICE")))
    assert not any("担当のつもり" in t for t in person.texts())


async def test_the_persons_words_can_never_ping_or_link_in_slack(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "hostile-words")
    await person.started()
    slack.reject_blocks = 1  # the card goes out as plain text: the fallback is escaped too
    await person.say("もう死にたい " + HOSTILE)
    case = await counselors.case_of(person)
    card = counselors.card(case)
    assert not card.blocks  # the plain-text fallback card
    assert unsafe(card.text) == [], card.text
    assert "もう死にたい" in card.text
    await person.say("続き " + HOSTILE)
    await counselors.drained()
    lines = [t for t in counselors.thread(case) if "続き" in t]
    assert lines and all(unsafe(t) == [] for t in lines), lines
    for post in slack.posts():
        assert unsafe(post.text + json.dumps(post.blocks, ensure_ascii=False)) == [], post.text


async def test_what_cannot_reach_the_person_is_never_dropped_silently(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person, counselors, case = await claimed(app, line, slack, "not-sent")
    ts = await counselors.write(case, "はじめまして", "UALICE")
    await person.wait_for("はじめまして")
    await until(lambda: any(c.args.get("timestamp") == ts for c in slack.calls_of("reactions.add")))
    # An edit of a message that went out, and a deletion: the counselor hears it did not follow.
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel": COUNSELORS,
        "message": {
            "type": "message",
            "user": "UALICE",
            "text": "はじめまして！",
            "ts": ts,
            "thread_ts": case.card_ts,
        },
        "previous_message": {
            "type": "message",
            "user": "UALICE",
            "text": "はじめまして",
            "ts": ts,
            "thread_ts": case.card_ts,
        },
        "ts": "9.1",
    }
    await counselors.requests.slack_event(edit)
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": COUNSELORS,
        "previous_message": {
            "type": "message",
            "user": "UALICE",
            "text": "はじめまして",
            "ts": ts,
            "thread_ts": case.card_ts,
        },
        "deleted_ts": ts,
        "ts": "9.2",
    }
    await counselors.requests.slack_event(deleted)
    # A file (with a caption): neither reaches the person, and it is not marked as delivered.
    file_ts = await counselors.write(
        case,
        "この資料を見てね",
        "UALICE",
        subtype="file_share",
        files=[{"id": "F1", "name": "a.pdf"}],
    )
    await until(lambda: len(counselors.ephemeral_to("UALICE")) >= 3)
    notices = counselors.ephemeral_to("UALICE")
    assert any("編集した内容は本人に届きません" in t for t in notices)
    assert any("削除しても、本人に届いたメッセージは消えません" in t for t in notices)
    assert any("ファイルや画像は本人に送れません" in t and "添えた文" in t for t in notices)
    await counselors.drained()
    assert not any("資料" in t for t in person.texts())
    assert not any(c.args.get("timestamp") == file_ts for c in slack.calls_of("reactions.add"))


async def test_stickers_and_images_reach_the_counselor_and_the_bot_answers_kindly(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "media")
    await person.started()
    await person.say("相談員と話したい")
    case = await counselors.case_of(person)
    # Waiting, nobody holds the case: the bot answers; the counselor sees a placeholder.
    answer = "\n".join(await person.media("image", contentProvider={"type": "line"}))
    assert "送ってくれて" in answer or "言葉で" in answer
    await counselors.drained()
    assert any("（画像が送られました）" in t for t in counselors.thread(case))
    await counselors.press("case_claim", case, "UALICE")
    await person.wait_for("相談員につながりました")
    before = len(person.texts())
    quiet = await person.media(
        "sticker", packageId="1", stickerId="2", stickerResourceType="STATIC"
    )
    assert quiet == []  # the counselor is talking: the bot stays quiet
    await counselors.drained()
    assert any("（スタンプ）" in t for t in counselors.thread(case))
    assert len(person.texts()) == before
    # Crisis screening still runs on a sticker's words.
    danger = "\n".join(
        await person.media("sticker", packageId="1", stickerId="3", text="今夜、薬を全部飲みます")
    )
    assert "119" in danger
    await counselors.drained()
    assert (await counselors.reload(case.case_id)).risk.label == "imminent"


async def test_the_persons_words_cannot_ping_or_link_from_the_supervisor_alert(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    """An imminent alert quotes the person's own message when it was the message as a whole
    that raised the risk (here: resolve after crisis words)."""
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "hostile-imminent")
    await person.started()
    await person.say("もう死にたい")
    case = await counselors.case_of(person)
    await person.say("もう決めたから <!channel> <@U0BOSS> <https://evil.example|ここを見て>")
    await counselors.drained()
    [alert] = [m for m in slack.posts(SUPERVISORS) if case.case_id in m.text]
    assert alert.text.startswith("<!here> ")  # the alert's own mention, from the template
    words, _, link = alert.text.removeprefix("<!here> ").rpartition(" <https://tsunagari")
    assert "もう決めたから" in words and "ここを見て" in words
    assert unsafe(words) == [], words
    assert link.endswith(f"|{case.case_id}>")


async def test_video_audio_files_and_places_reach_the_counselor_as_placeholders(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    person, counselors, case = await claimed(app, line, slack, "more-media")
    sent = {
        "video": {"duration": 3000, "contentProvider": {"type": "line"}},
        "audio": {"duration": 3000, "contentProvider": {"type": "line"}},
        "file": {"fileName": "家計.pdf", "fileSize": 2048},
        "location": {
            "title": "自宅",
            "address": "東京都千代田区1-1",
            "latitude": 35.68,
            "longitude": 139.76,
        },
    }
    for kind, fields in sent.items():
        assert await person.media(kind, **fields) == []  # the counselor is talking
    await counselors.drained()
    thread = counselors.thread(case)
    for placeholder in (
        "（動画が送られました）",
        "（音声が送られました）",
        "（ファイルが送られました）",
        "（位置情報が送られました）",
    ):
        assert any(placeholder in t for t in thread), (placeholder, thread)
    assert not any("千代田区" in t or "家計.pdf" in t for t in thread)
