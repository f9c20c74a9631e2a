"""A minimal stand-in LINE API for benchmarks, in its own process: counts replies and pushes.

`python -m bench.line_sink PORT` serves `/v2/bot/message/reply|push`, `/v2/bot/chat/loading/start`,
and `GET /count` (how many reply/push calls were accepted).
"""

from __future__ import annotations

import sys

from aiohttp import web

COUNT = {"reply": 0, "push": 0, "loading": 0}


async def reply(request: web.Request) -> web.Response:
    await request.read()
    COUNT["reply"] += 1
    return web.json_response({"sentMessages": [{"id": "1", "quoteToken": "q"}]})


async def push(request: web.Request) -> web.Response:
    await request.read()
    COUNT["push"] += 1
    return web.json_response({"sentMessages": [{"id": "2", "quoteToken": "q"}]})


async def loading(request: web.Request) -> web.Response:
    await request.read()
    COUNT["loading"] += 1
    return web.json_response({}, status=202)


async def count(request: web.Request) -> web.Response:
    return web.json_response(COUNT)


async def reset(request: web.Request) -> web.Response:
    for key in COUNT:
        COUNT[key] = 0
    return web.json_response(COUNT)


def main() -> None:
    app = web.Application()
    app.router.add_post("/v2/bot/message/reply", reply)
    app.router.add_post("/v2/bot/message/push", push)
    app.router.add_post("/v2/bot/chat/loading/start", loading)
    app.router.add_get("/count", count)
    app.router.add_post("/reset", reset)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
