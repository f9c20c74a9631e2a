"""The floor for the webhook benchmark: a bare FastAPI endpoint that only verifies the LINE
signature and sends one reply through the SDK's async client to the same stand-in server.

No store, no stream, no screening, no dialog: what any LINE bot must do at least. Run as
`uvicorn bench.floor_app:app` with LINE_CHANNEL_SECRET / LINE_API_BASE_URL set.

Its HTTP session is set up as Tsunagari's is (no `trust_env`, so aiohttp does not read ~/.netrc
in a thread per request): the floor must not be slowed by a setting we avoid ourselves.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator

import aiohttp
from fastapi import FastAPI, Request, Response
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhook import SignatureValidator

validator = SignatureValidator(os.environ["LINE_CHANNEL_SECRET"])
state: dict[str, AsyncMessagingApi] = {}


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    cfg = Configuration(host=os.environ["LINE_API_BASE_URL"], access_token="bench")
    async with AsyncApiClient(cfg) as client:
        rest = client.rest_client
        await rest.pool_manager.close()
        rest.pool_manager = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=cfg.connection_pool_maxsize), trust_env=False
        )
        state["api"] = AsyncMessagingApi(client)
        yield


app = FastAPI(lifespan=lifespan)


@app.post("/webhooks/line")
async def webhook(request: Request) -> Response:
    body = (await request.body()).decode()
    if not validator.validate(body, request.headers.get("x-line-signature", "")):
        return Response(status_code=400)
    for event in json.loads(body)["events"]:
        token = event.get("replyToken")
        if token:
            await state["api"].reply_message(
                ReplyMessageRequest(replyToken=token, messages=[TextMessage(text="ok")])
            )
    return Response("{}", media_type="application/json")
