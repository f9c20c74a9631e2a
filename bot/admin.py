"""Admin endpoints: `POST /admin/reload` and `GET /admin/status`.

Off (404) unless `BOT_ADMIN_TOKEN` is set; then they require `Authorization: Bearer <token>`
(compared in constant time). A reload that finds problems keeps the running version and
answers 422 with the problems, one `file:line: message` each.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from bot.live import LiveConfig
from bot.settings import Settings


def admin_router(live: LiveConfig, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/admin", tags=["admin"])

    def authorize(request: Request) -> None:
        token = settings.bot_admin_token
        if token is None:
            raise HTTPException(status_code=404, detail="Not Found")
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise HTTPException(
                status_code=401,
                detail="admin token required",
                headers={"WWW-Authenticate": "Bearer"},
            )

    @router.post("/reload", dependencies=[Depends(authorize)])
    async def reload() -> JSONResponse:
        problems = await asyncio.to_thread(live.reload)
        body: dict[str, Any] = {
            "ok": not problems,
            "version": live.bundle.version,
            "problems": [str(p) for p in problems],
        }
        return JSONResponse(body, status_code=200 if not problems else 422)

    @router.get("/status", dependencies=[Depends(authorize)])
    async def status() -> dict[str, Any]:
        return live.status()

    return router
