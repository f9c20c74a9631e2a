"""The outbox's typed item kinds: each survives its stored form (the names earlier versions
wrote), and an item of a kind this version does not know is dropped, never sent half-read."""

from __future__ import annotations

import json

from bot.store.keys import Keys
from bot.store.redis import RedisClient
from escalation.outbox import (
    MarkDelivered,
    NotifyCounselor,
    Outbox,
    OutboxItem,
    PostCard,
    Stage,
    SupervisorAlert,
    ThreadLine,
    ToPerson,
    UpdateCard,
    Work,
)

EVERY_KIND: dict[str, Work] = {
    "card": PostCard(),
    "update": UpdateCard(),
    "thread": ThreadLine("*本人*: こんにちは", broadcast=True),
    "supervisor": SupervisorAlert("supervisor_imminent", {"words": "飛び降りる"}),
    "reaction": MarkDelivered("C0COUNSEL", "1700000000.000100"),
    "notice": NotifyCounselor("C0COUNSEL", "UALICE", "担当者がいます", "1700000000.000100"),
    "intake": ToPerson('{"event_id":"case:C-0001:claimed"}'),
}


def test_every_item_kind_survives_its_stored_form_under_its_old_name() -> None:
    for name, work in EVERY_KIND.items():
        item = OutboxItem(lane="c:C-0001", case_id="C-0001", work=work)
        stored = json.loads(item.to_json())
        assert stored["kind"] == name
        assert OutboxItem.from_json(item.to_json()) == item


async def test_an_item_of_an_unknown_kind_is_dropped_and_the_lane_goes_on(
    redis: RedisClient, keys: Keys
) -> None:
    outbox = Outbox(redis, keys)
    known = OutboxItem(lane="c:C-0009", case_id="C-0009", work=UpdateCard())
    unknown = json.dumps(
        {"id": "x1", "lane": "c:C-0009", "kind": "teleport", "case": "C-0009", "data": {}}
    )
    await redis.hset(keys.outbox_item("x1"), mapping={"body": unknown, "attempts": "0"})
    await redis.rpush(keys.outbox_lane("c:C-0009"), "x1")
    await outbox.put(known)
    sent: list[OutboxItem] = []

    async def send(item: OutboxItem, maybe_sent: bool) -> Stage | None:
        sent.append(item)
        return None

    await outbox.work_lane("c:C-0009", send)
    assert sent == [known]
    assert not await redis.exists(keys.outbox_item("x1"))
    assert await redis.llen(keys.outbox_lane("c:C-0009")) == 0
