"""Deletion and stopping in every state, and retention the code enforces, end to end (LINE and
Slack stand-ins, and the local console)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from bot.screening.types import RiskLevel
from escalation.cases import EXPIRE, REDACT
from escalation.model import Actor, Counselor
from tests.escalation.live import Counselors, LinePerson, until
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SUPERVISOR, SUPERVISORS, Desk
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp

DAY = 86_400_000


async def test_deleting_while_a_counselor_holds_the_case_removes_it_everywhere(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "deletes-while-claimed")
    await person.started()
    await person.say("もう死にたい")
    case = await counselors.case_of(person)
    await counselors.press("case_claim", case, "UALICE")
    await person.wait_for("相談員につながりました")
    own = await counselors.write(case, "相談員の佐藤です", "UALICE")
    await person.wait_for("相談員の佐藤です")
    await person.say("借金のことも話したい")
    await counselors.drained()
    bot_posts = [m.ts for m in slack.thread(COUNSELORS, case.card_ts)]
    assert bot_posts
    # A parked event of the person (a turn that kept failing) carries their words too.
    redis, keys = app.services.redis, app.services.keys
    await redis.xadd(keys.events_dead, {"conv": person.conversation, "event": '{"text":"借金"}'})
    asked = "\n".join(await person.say("データを消して"))  # works while the counselor talks
    assert "消してもいいですか" in asked
    done = "\n".join(await person.tap("消す"))
    assert "記録を消しました" in done
    await counselors.drained()
    # Slack: the card is a neutral line, the bot's posts are gone, the counselor's own stay.
    card = counselors.card(case)
    assert "本人の希望で削除されました" in card.text
    assert "死にたい" not in json.dumps(card.blocks, ensure_ascii=False) + card.text
    assert not any(b["type"] == "actions" for b in card.blocks)
    deleted = {m.ts for m in slack.deleted}
    assert set(bot_posts) <= deleted
    assert own not in deleted
    assert any("記録は削除されました" in t for t in counselors.ephemeral_to("UALICE"))
    # Redis: nothing of the person left but the ordering counters (and this turn's own plan).
    left = {k async for k in redis.scan_iter(match=f"{keys.prefix}:conv:{person.conversation}:*")}
    assert {k for k in left if not k.endswith(":effects")} <= {
        keys.conv_order(person.conversation),
        keys.conv_lock(person.conversation),
    }
    for key in left:
        assert "死にたい" not in str(await redis.hgetall(key)) if key.endswith(":effects") else True
    assert await redis.xlen(keys.events_dead) == 0
    tombstone = await counselors.reload(case.case_id)
    assert tombstone.state == "deleted" and not tombstone.conversation
    # A late click on the old card's button is answered, not acted on.
    await counselors.press("case_close", case, "UALICE")
    await until(lambda: any("削除されました" in t for t in counselors.ephemeral_to("UALICE")[1:]))


async def test_stopping_while_waiting_or_held_ends_the_case_as_the_person_asked(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    waiting = LinePerson(app, line, "stops-waiting")
    await waiting.started()
    await waiting.say("相談員と話したい")
    queued = await counselors.case_of(waiting)
    said = "\n".join(await waiting.say("やめる"))
    assert "相談員にも、終わりにしたことを伝えます" in said
    await counselors.drained()
    ended = await counselors.reload(queued.case_id)
    assert ended.state == "closed" and ended.ended == "stopped"
    assert await counselors.book.queue() == []
    assert "本人が相談を終えました" in counselors.card_text(ended)

    held = LinePerson(app, line, "stops-held")
    await held.started()
    await held.say("相談員と話したい")
    case = await counselors.case_of(held)
    await counselors.press("case_claim", case, "UALICE")
    await held.wait_for("相談員につながりました")
    assert "終わりにしますね" in "\n".join(await held.say("やめる"))
    await counselors.drained()
    assert (await counselors.reload(case.case_id)).ended == "stopped"
    assert any("やめる" in t for t in counselors.thread(case))
    assert any("相談を終えました" in t for t in counselors.ephemeral_to("UALICE"))


async def test_answering_no_to_the_deletion_question_keeps_the_counselor_talking(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    person = LinePerson(app, line, "keeps")
    await person.started()
    await person.say("相談員と話したい")
    case = await counselors.case_of(person)
    await counselors.press("case_claim", case, "UALICE")
    await person.wait_for("相談員につながりました")
    await person.say("データを消して")
    kept = "\n".join(await person.tap("消さない"))
    assert "相談員との話を続けてください" in kept
    assert await person.say("ありがとう") == []  # the counselor answers, not the bot
    assert (await counselors.reload(case.case_id)).state == "claimed"


async def test_retention_closed_and_open_cases_lose_the_words_after_the_period(
    desk: Desk, slack: SlackStandIn
) -> None:
    now_ms = int(time.time() * 1000)
    conv = await desk.person("Uretain", ("person", "借金が返せない"))
    closed = await desk.open(conv, "もう死にたい", RiskLevel.HIGH, collected={"住まい": "実家"})
    await desk.card_of(closed.case_id)
    await desk.book.claim(closed.case_id, Counselor("slack", "UALICE"))
    await desk.book.close(
        closed.case_id, Counselor("slack", "UALICE"), outcome="referred", summary="法テラスを紹介"
    )
    await desk.drained()
    # An open case nobody wrote in for the whole period ends by itself.
    idle = await desk.open(await desk.person("Uidle"), "死にたい", RiskLevel.HIGH)
    await desk.card_of(idle.case_id)
    await desk.drained()
    later = now_ms + 30 * DAY + 60_000
    while await desk.runtime.timers.fire_timers(later):
        pass
    while await desk.runtime.timers.fire_timers(later + 1000):
        pass
    await desk.drained()
    for case_id in (closed.case_id, idle.case_id):
        stored = await desk.redis.hgetall(desk.keys.case(case_id))
        text = str(stored)
        assert "死にたい" not in text and "借金" not in text and "実家" not in text
        assert "Uretain" not in text and "Uidle" not in text  # no LINE address
        assert stored["redacted"] == "1"
        assert await desk.redis.ttl(desk.keys.case(case_id)) <= 365 * 86400
        assert await desk.book.case_log(case_id) == []
    kept = await desk.book.load(closed.case_id)
    assert kept is not None and kept.summary == "法テラスを紹介" and kept.outcome == "referred"
    expired = await desk.book.load(idle.case_id)
    assert expired is not None and expired.ended == "expired"
    for case_id in (closed.case_id, idle.case_id):
        case = await desk.book.load(case_id)
        assert case is not None
        card = slack.find(case.card_ts)
        assert "保存期間" in card.text and "死にたい" not in json.dumps(
            card.blocks, ensure_ascii=False
        )
    assert slack.deleted  # the bot's thread lines went with the words


async def test_retention_sweep_drops_old_console_alerts_and_dead_letters(desk: Desk) -> None:
    redis, keys = desk.redis, desk.keys
    old = int(time.time() * 1000) - 31 * DAY
    await redis.lpush(
        keys.console_alerts, json.dumps({"id": "a", "case_id": "C-0009", "text": "x", "at": old})
    )
    await redis.xadd(keys.events_dead, {"conv": "lx"}, id=f"{old}-0")
    await redis.xadd(keys.events_dead, {"conv": "ly"})
    # (The runtime sweeps on its own too, every RETENTION_SWEEP_S; this is the same sweep.)
    await desk.runtime.sweep(int(datetime.now(UTC).timestamp() * 1000))
    assert await redis.llen(keys.console_alerts) == 0
    assert await redis.xlen(keys.events_dead) == 1


async def test_the_profile_with_the_line_address_lives_only_as_long_as_the_transcript(
    app: RunningApp, line: LineStandIn
) -> None:
    person = LinePerson(app, line, "profile-ttl")
    await person.started()
    ttl = await app.services.redis.ttl(app.services.keys.conv_profile(person.conversation))
    assert 0 < ttl <= 30 * 86400


async def test_the_console_shows_a_deleted_case_as_deleted(redis_url: str, key_prefix: str) -> None:
    from tests.harness import LocalChat, make_settings, running_app

    async with running_app(make_settings(redis_url, key_prefix, BOT_DEV_CHAT=True)) as app:
        person = LocalChat(app)
        await person.start()
        await person.tap("はじめる")
        await person.say("もう死にたい")
        await person.say("データを消して")
        await person.tap("消す")
        await app.idle()
        state = (await app.http.get("/dev/console/api/state")).json()
        assert state["queue"] == []
        shown = state["closed"][0]
        assert shown["state_line"] == "本人の希望で削除されました"
        assert shown["triggers"] == [] and shown["log"] == []


async def _alive_at(desk: Desk, key: str, at_ms: int) -> bool:
    """Whether `key` is still in Redis at `at_ms`, by its real TTL (nothing faked)."""
    ttl = int(await desk.redis.pttl(key))
    return ttl == -1 or (ttl >= 0 and int(time.time() * 1000) + ttl > at_ms)


async def test_the_bots_slack_posts_are_still_known_when_retention_cleans_up(
    desk: Desk, slack: SlackStandIn
) -> None:
    """The clean-up at the end of the retention period deletes the bot's thread lines and
    supervisor alerts (they quote the person) from the list of those posts; that list must
    still be in Redis then, even when the service was down at the moment (here: an hour) or
    the case stayed open long after the bot last posted in it."""
    supervisor = Actor(Counselor("slack", SUPERVISOR), supervisor=True)
    down_ms = 3_600_000
    conv = await desk.person("Uposts", ("person", "駅のホームにいる"))
    closed = await desk.open(conv, "今から飛び込みます", RiskLevel.IMMINENT)
    await desk.card_of(closed.case_id)
    await desk.book.claim(closed.case_id, Counselor("slack", "UALICE"))
    await desk.book.close(
        closed.case_id, supervisor, outcome="referred", summary="救急へ", why="救急につないだ"
    )
    await desk.drained()
    # An open case whose counselor kept writing long after the bot's last post in it.
    held = await desk.open(await desk.person("Uheld"), "もう飛び込む", RiskLevel.IMMINENT)
    ts = await desk.card_of(held.case_id)
    await desk.book.claim(held.case_id, Counselor("slack", "UBOB"))
    await desk.drained()
    later_ms = int(time.time() * 1000) + 20 * DAY
    await desk.book.counselor_wrote(
        held.case_id,
        Counselor("slack", "UBOB"),
        "大丈夫ですか",
        channel=COUNSELORS,
        ts=f"{later_ms / 1000:.6f}",
        now_ms=later_ms,
    )
    await desk.drained()
    posts: dict[str, list[str]] = {}
    due: dict[str, int] = {}
    for case_id, kind in ((closed.case_id, REDACT), (held.case_id, EXPIRE)):
        posts[case_id] = [
            str(p).partition("|")[2]
            for p in await desk.redis.lrange(desk.keys.case_posts(case_id), 0, -1)
        ]
        assert posts[case_id]  # thread lines and the supervisor alert
        score = await desk.redis.zscore(desk.keys.timers, desk.book.timer_member(kind, case_id))
        assert score is not None
        due[case_id] = int(score)
        for key in (desk.keys.case(case_id), desk.keys.case_posts(case_id)):
            assert await _alive_at(desk, key, due[case_id] + down_ms), key
    assert any(p.channel == SUPERVISORS for p in slack.posts() if p.ts in posts[closed.case_id])
    # The clean-up runs when the service is back; every bot post of both cases goes.
    at = max(due.values()) + down_ms
    while await desk.runtime.timers.fire_timers(at):
        pass
    while await desk.runtime.timers.fire_timers(at + 1000):
        pass
    await desk.drained()
    deleted = {m.ts for m in slack.deleted}
    for case_id in posts:
        assert set(posts[case_id]) <= deleted, case_id
        assert await desk.redis.llen(desk.keys.case_posts(case_id)) == 0
    assert "死にたい" not in slack.find(ts).text and "飛び込む" not in slack.find(ts).text


async def test_the_supervisor_is_told_when_someone_in_an_imminent_case_stops_or_deletes(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    counselors = Counselors(app, slack)
    stops, deletes = LinePerson(app, line, "imminent-stops"), LinePerson(app, line, "imminent-del")
    cases = []
    for person in (stops, deletes):
        await person.started()
        await person.say("今夜、薬を全部飲みます")
        cases.append(await counselors.case_of(person))
    await counselors.press("case_claim", cases[1], "UALICE")
    await deletes.wait_for("相談員につながりました")
    await counselors.drained()
    before = {m.ts for m in slack.posts(SUPERVISORS)}
    await stops.say("やめる")
    await deletes.say("データを消して")
    await deletes.tap("消す")
    await counselors.drained()
    told = [m.text for m in slack.posts(SUPERVISORS) if m.ts not in before]
    assert any(cases[0].case_id in t and "本人が相談を終えました" in t for t in told), told
    assert any(cases[1].case_id in t and "記録が削除されました" in t for t in told), told
    for text in told:
        assert "薬を全部飲みます" not in text  # what the supervisor is told has no words
