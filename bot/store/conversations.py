"""Per-conversation state in Redis: transcript, dialog state, screening state and profile.

Every write of one turn goes through `TurnWrite` so it lands in one atomic write together
with the turn's decided effects: a worker killed mid-turn leaves either all of it or none.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.screening.types import ScreeningState
from bot.store.keys import Keys
from bot.store.redis import AtomicWrites, RedisClient

Role = Literal["person", "bot", "counselor", "system"]
TRANSCRIPT_MAX = 500  # entries kept per conversation (the newest)


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    role: Role
    text: str
    ts_ms: int
    event: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {"role": self.role, "text": self.text, "ts": self.ts_ms, "event": self.event},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str) -> TranscriptEntry:
        data = json.loads(raw)
        return cls(
            role=data["role"], text=data["text"], ts_ms=int(data["ts"]), event=data.get("event", "")
        )


@dataclass(slots=True)
class ConversationSnapshot:
    """What a turn needs to know about a conversation, read in one round trip."""

    dialog_state: dict[str, Any]
    screening_state: ScreeningState | None
    profile: dict[str, str]


@dataclass(slots=True)
class TurnWrite:
    """The writes of one turn, applied atomically with the turn's effects."""

    transcript: list[TranscriptEntry] = field(default_factory=list)
    dialog_state: Mapping[str, Any] | None = None
    screening_state: ScreeningState | None = None
    profile: dict[str, str] = field(default_factory=dict)
    drop_transcript: bool = False  # the person declined: what was kept of their talk goes


class ConversationStore:
    """Narrow per-key reads and writes of conversation data; TTLs are parameters."""

    def __init__(self, redis: RedisClient, keys: Keys, *, retention_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.retention_s = retention_s

    async def snapshot(self, conv: str) -> ConversationSnapshot:
        """Read the conversation in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            read = self.stage_snapshot(pipe, conv)
            return read(await pipe.execute())

    def stage_snapshot(
        self, pipe: RedisClient, conv: str
    ) -> Callable[[Sequence[Any]], ConversationSnapshot]:
        """Queue the snapshot's reads on a pipeline that someone else executes (so they can
        share its round trip); the returned function turns the results into the snapshot."""
        k = self.keys
        pipe.get(k.conv_state(conv))
        pipe.get(k.conv_screening(conv))
        pipe.hgetall(k.conv_profile(conv))

        def read(results: Sequence[Any]) -> ConversationSnapshot:
            state_raw, screening_raw, profile = results[:3]
            return ConversationSnapshot(
                dialog_state=json.loads(state_raw) if state_raw else {},
                screening_state=ScreeningState.from_json(json.loads(screening_raw))
                if screening_raw
                else None,
                profile=dict(profile or {}),
            )

        return read

    def stage(self, pipe: AtomicWrites, conv: str, write: TurnWrite) -> None:
        """Queue a turn's writes (the caller applies them, with its own, all at once)."""
        k, ttl = self.keys, self.retention_s
        if write.drop_transcript:
            pipe.delete(k.conv_transcript(conv))
        if write.transcript:
            key = k.conv_transcript(conv)
            pipe.rpush(key, *(e.to_json() for e in write.transcript))
            pipe.ltrim(key, -TRANSCRIPT_MAX, -1)
            pipe.expire(key, ttl)
        if write.dialog_state is not None:
            pipe.set(k.conv_state(conv), json.dumps(write.dialog_state, ensure_ascii=False), ex=ttl)
        if write.screening_state is not None:
            pipe.set(
                k.conv_screening(conv),
                json.dumps(write.screening_state.to_json(), ensure_ascii=False),
                ex=ttl,
            )
        if write.profile:
            pipe.hset(k.conv_profile(conv), mapping=write.profile)
        # The profile holds the person's LINE address: it lives as long as the transcript,
        # counted from the person's last turn (README, "Retention").
        pipe.expire(k.conv_profile(conv), ttl)

    async def append_transcript(self, conv: str, entries: Sequence[TranscriptEntry]) -> None:
        writes = AtomicWrites()
        self.stage(writes, conv, TurnWrite(transcript=list(entries)))
        await writes.apply(self.redis)

    async def transcript(self, conv: str, limit: int = 50) -> list[TranscriptEntry]:
        raw = await self.redis.lrange(self.keys.conv_transcript(conv), -limit, -1)
        return [TranscriptEntry.from_json(r) for r in raw]

    async def profile(self, conv: str) -> dict[str, str]:
        return dict(await self.redis.hgetall(self.keys.conv_profile(conv)))

    async def set_profile(self, conv: str, fields: Mapping[str, str]) -> None:
        if fields:
            await self.redis.hset(self.keys.conv_profile(conv), mapping=dict(fields))

    async def forget(self, conv: str, keep: Sequence[str] = ()) -> int:
        """Delete everything stored about the person under this conversation id (transcript,
        state, profile, the plans of their turns) and their events on the dead-letter stream;
        returns the number of records deleted. The ordering counters and the lease stay: they
        hold no personal data, and deleting them would make the person's next event look
        already handled. `keep`: keys the caller still needs (the running turn's plan)."""
        kept = {self.keys.conv_order(conv), self.keys.conv_lock(conv), *keep}
        pattern = f"{self.keys.prefix}:conv:{conv}:*"
        deleted = 0
        async for key in self.redis.scan_iter(match=pattern, count=200):
            if key not in kept:
                deleted += int(await self.redis.delete(key))
        return deleted + await self.forget_dead_letters(conv)

    async def trim_dead_letters(self, now_ms: int) -> int:
        """Parked events older than the retention period go (they carry the person's words)."""
        oldest = max(0, now_ms - self.retention_s * 1000)
        return int(
            await self.redis.xtrim(self.keys.events_dead, minid=f"{oldest}-0", approximate=False)
        )

    async def forget_dead_letters(self, conv: str) -> int:
        """Remove the person's events from the dead-letter stream (they carry their words)."""
        stream, start, found = self.keys.events_dead, "-", []
        while True:
            entries = await self.redis.xrange(stream, min=start, count=500)
            found += [entry_id for entry_id, fields in entries if fields.get("conv") == conv]
            if len(entries) < 500:
                break
            start = "(" + entries[-1][0]
        if found:
            await self.redis.xdel(stream, *found)
        return len(found)


def now_ms() -> int:
    return int(time.time() * 1000)
