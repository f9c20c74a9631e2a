"""The application factory: `create_app(settings)` composes the service from its parts.

Everything is built here, in one place, from explicit arguments: the store client, intake,
channel senders, the turn handler and its workers, follow-ups, live config and the counselor
desk. Nothing is created at import time. The lifespan starts what needs a running loop (the
embedded Redis server, the LINE client, the background loops) and drains work on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from bot.channels.base import Sender
from bot.channels.line import CHANNEL as LINE
from bot.channels.line import LineSender, line_router
from bot.channels.local import CHANNEL as LOCAL
from bot.channels.local import LocalSender, local_router
from bot.followups import Followups
from bot.intake import StreamIntake
from bot.logs import configure_logging
from bot.metrics import Metrics
from bot.pipeline import Bundle, TurnHandler
from bot.settings import Settings
from bot.store.conversations import ConversationStore
from bot.store.keys import Keys
from bot.store.redis import EmbeddedRedis, make_client
from bot.turn import Desk
from bot.web import EdgeGuard
from bot.worker import Worker, WorkerConfig, default_consumer_name

log = structlog.get_logger(__name__)


@dataclass
class Services:
    """The composed service; tests reach in here to observe it."""

    settings: Settings
    keys: Keys
    metrics: Metrics
    store_kind: str
    store_url: str
    embedded: EmbeddedRedis | None
    redis: Any
    conversations: ConversationStore
    intake: StreamIntake
    followups: Followups
    senders: dict[str, Sender]
    handler: TurnHandler
    worker: Worker
    bundle: Callable[[], Bundle]
    live: Any = None
    escalation: Any = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def create_app(
    settings: Settings | None = None,
    *,
    bundle: Callable[[], Bundle] | None = None,
    with_desk: bool = True,
) -> FastAPI:
    """Build the app. `bundle` replaces the live admin config (tests use it to drive the
    pipeline with a dialog of their own); `with_desk=False` runs without the counselor side."""
    settings = settings or Settings()
    configure_logging(settings)
    keys = Keys(settings.bot_key_prefix)
    metrics = Metrics()

    embedded: EmbeddedRedis | None = None
    if settings.redis_url:
        store_kind, store_url = "external", settings.redis_url
    else:
        embedded = EmbeddedRedis(settings.bot_data_dir)
        store_kind, store_url = "embedded", embedded.url
    redis = make_client(store_url)

    live = None
    if bundle is None:
        from bot.live import LiveConfig

        live = LiveConfig(settings)  # raises ConfigError when the admin files are broken
        bundle = lambda: live.bundle  # noqa: E731
    bundle_fn: Callable[[], Bundle] = bundle

    retention_s = bundle_fn().service.retention.transcript_days * 86400
    conversations = ConversationStore(redis, keys, retention_s=retention_s)
    intake = StreamIntake(redis, keys, dedupe_ttl_s=settings.bot_dedupe_ttl_s)
    followups = Followups(redis, keys)

    senders: dict[str, Sender] = {}
    line_sender: LineSender | None = None
    if settings.line_enabled:
        line_sender = LineSender(settings, metrics)
        senders[LINE] = line_sender
    local_sender = LocalSender(redis, keys, metrics)
    if settings.dev_pages_enabled:
        senders[LOCAL] = local_sender

    escalation = None
    if with_desk:
        from escalation import build_escalation

        escalation = build_escalation(
            settings, redis, keys, conversations, intake, lambda: bundle_fn().service
        )
    desk: Desk | None = escalation.desk if escalation is not None else None

    handler = TurnHandler(
        redis=redis,
        keys=keys,
        conversations=conversations,
        senders=senders,
        bundle=bundle_fn,
        desk=lambda: desk,
        followups=followups,
        metrics=metrics,
        intake=intake,
    )
    worker = Worker(
        redis,
        keys,
        handler,
        WorkerConfig(
            consumer=settings.bot_consumer_name or default_consumer_name(),
            concurrency=settings.bot_workers,
            reclaim_idle_ms=settings.bot_reclaim_idle_ms,
            shutdown_grace_s=settings.bot_shutdown_grace_s,
            delivery_window_s=settings.bot_delivery_window_s,
        ),
        metrics,
    )
    services = Services(
        settings=settings,
        keys=keys,
        metrics=metrics,
        store_kind=store_kind,
        store_url=store_url,
        embedded=embedded,
        redis=redis,
        conversations=conversations,
        intake=intake,
        followups=followups,
        senders=senders,
        handler=handler,
        worker=worker,
        bundle=bundle_fn,
        live=live,
        escalation=escalation,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if embedded is not None:
            embedded.start()
        if line_sender is not None:
            await line_sender.open()
        stop = asyncio.Event()

        def spawn(coro: Coroutine[Any, Any, None], name: str) -> None:
            services.tasks.append(asyncio.create_task(coro, name=name))

        spawn(worker.run(stop), "worker")
        spawn(followups.run(intake, stop), "followups")
        spawn(_watch_pending(services, stop), "pending-gauge")
        spawn(handler.safety.keep_saving(redis, keys, stop), "safety-ledger")
        if live is not None and settings.bot_reload_interval_s > 0:
            spawn(live.watch(stop, settings.bot_reload_interval_s), "live-reload")
        if escalation is not None:
            spawn(escalation.run(stop), "escalation")
        # Everything loaded so far (dictionaries, scripts, lexicon) lives as long as the process:
        # move it out of the garbage collector's sight. Otherwise each full collection walks it
        # all, a pause of 60-150 ms in which no webhook is answered.
        gc.collect()
        gc.freeze()
        log.info(
            "service.started",
            store=store_kind,
            line=settings.line_enabled,
            slack=settings.slack_enabled,
            dev_pages=settings.dev_pages_enabled,
            consumer=worker.config.consumer,
        )
        try:
            yield
        finally:
            stop.set()
            done, pending = await asyncio.wait(
                services.tasks, timeout=settings.bot_shutdown_grace_s + 5
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.error(
                        "service.task_failed", task=task.get_name(), error=repr(task.exception())
                    )
            if escalation is not None:
                await escalation.aclose()
            if line_sender is not None:
                await line_sender.aclose()
            await redis.aclose()
            if embedded is not None:
                embedded.stop()
            log.info("service.stopped")

    app = FastAPI(
        title="Tsunagari", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.services = services

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(
        EdgeGuard, max_body_bytes=settings.bot_max_body_bytes, dev_hosts=settings.dev_hosts
    )

    @app.get("/readyz")
    async def readyz() -> Response:
        # The kind of store only: never its URL, which may carry a password (user:pass@ or
        # ?password=), nor the error's text, which may repeat it.
        body: dict[str, Any] = {"store": store_kind}
        try:
            await asyncio.wait_for(redis.ping(), timeout=2)
        except (RedisError, OSError, TimeoutError) as exc:
            body |= {"status": "unavailable", "error": type(exc).__name__}
            return JSONResponse(body, status_code=503)
        body["status"] = "ready"
        if live is not None:
            body["config"] = live.status().get("version")
        return JSONResponse(body)

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def safety_saved() -> int:
        return await handler.safety.save(redis, keys)

    app.include_router(
        line_router(settings, lambda: intake, metrics, handler_safety_net(handler), safety_saved)
    )
    if settings.dev_pages_enabled:
        app.include_router(local_router(lambda: intake, lambda: local_sender))
    if escalation is not None:
        app.include_router(escalation.router)
    if live is not None:
        from bot.admin import admin_router

        app.include_router(admin_router(live, settings))
    return app


def handler_safety_net(handler: TurnHandler) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """When the store is down the webhook cannot accept events (LINE will redeliver them), but
    a person in crisis still gets the hotline numbers straight away."""

    async def net(events: Any) -> None:
        for event in events:
            await handler.safety_net(event, where="intake")

    return net


async def _watch_pending(services: Services, stop: asyncio.Event) -> None:
    """Refresh the queue gauges of /metrics every few seconds."""
    m = services.metrics
    while not stop.is_set():
        with contextlib.suppress(RedisError, OSError):
            m.stream_pending.set(await services.worker.pending())
            if services.escalation is not None:
                stats = await services.escalation.stats()
                for name in ("imminent", "high", "moderate", "request"):
                    m.cases_queued.labels(name).set(stats.get(f"queued_{name}", 0))
                m.cases_open.set(stats["open"])
                m.oldest_waiting.set(stats["oldest_wait_s"])
                m.outbox_lanes.set(stats["outbox_lanes"])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5.0)
