"""The local counselor console: ``GET /dev/console`` and its JSON API.

The page is self-contained (no external assets) and polls ``/dev/console/api/state``. Its
actions call the same `CaseBook` transitions as the Slack buttons, and its cards are the same
`CaseCard` the Slack board renders, so the flow on one machine is the flow in production.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from escalation.board import CONSOLE
from escalation.cases import NOTICES, CaseBook
from escalation.model import Actor, Case, Counselor

_STATIC = {"console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8"}
CASE_ID = r"^C-\d{4,}$"


class Act(BaseModel):
    counselor: str = Field(min_length=1, max_length=40)
    # Until the console has sign-in, acting as a supervisor is declared here and recorded
    # with the name; Slack takes it from SLACK_SUPERVISOR_USERS.
    supervisor: bool = False

    def actor(self) -> Actor:
        return Actor(Counselor("console", self.counselor.strip()), supervisor=self.supervisor)


class Reply(Act):
    text: str = Field(min_length=1, max_length=4000)
    client_id: str = Field(min_length=6, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class Close(Act):
    outcome: str = Field(min_length=1, max_length=64)
    summary: str = Field(default="", max_length=1000)
    why: str = Field(default="", max_length=1000)


class HandBack(Act):
    why: str = Field(default="", max_length=1000)


def _static(name: str) -> str:
    return (resources.files("escalation") / "static" / name).read_text(encoding="utf-8")


def console_router(book: CaseBook) -> APIRouter:
    router = APIRouter(prefix="/dev/console")

    @router.get("", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(_static("console.html"), headers={"Cache-Control": "no-store"})

    @router.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in _STATIC:
            raise HTTPException(404)
        return Response(_static(name), media_type=_STATIC[name])

    async def card_json(case: Case, now_ms: int) -> dict[str, Any]:
        entries = await book.case_log(case.case_id, 200)
        delivered = await book.delivered(case.case_id)
        card = book.card(case, entries, now_ms).to_json()
        card["log"] = [
            {
                "id": e.id,
                "role": e.role,
                "text": e.text,
                "at": e.at_ms,
                "who": _who(e.who),
                "delivered": e.id in delivered,
            }
            for e in entries
        ]
        return card

    @router.get("/api/state")
    async def state() -> JSONResponse:
        now_ms = int(time.time() * 1000)
        queued = await book.queue()
        open_ids = await book.open_cases()
        closed = await book.recently_closed(10)
        cases = {c.case_id: c for c in await book.load_many([*open_ids, *closed])}
        claimed = [c for c in open_ids if c in cases and cases[c].state == "claimed"]
        # Open, off the counselors' queue: high-risk cases whose person declined a counselor.
        declined = [
            c for c in open_ids if c in cases and cases[c].state == "queued" and c not in queued
        ]
        cfg = book.config()
        raw_alerts = await book.redis.lrange(book.keys.console_alerts, 0, 19)
        alerts = [
            a for a in (json.loads(r) for r in raw_alerts) if now_ms - a["at"] < book.keep_words_ms
        ]
        body = {
            "queue": [await card_json(cases[c], now_ms) for c in queued if c in cases],
            "claimed": [await card_json(cases[c], now_ms) for c in claimed],
            "declined": [await card_json(cases[c], now_ms) for c in declined],
            "closed": [await card_json(cases[c], now_ms) for c in closed if c in cases],
            "alerts": alerts,
            "outcomes": [{"id": o.id, "label": o.label} for o in cfg.outcomes],
            "buttons": dict(cfg.labels.get("buttons", {})),
            "board": book.board.kind,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    def answer(result: str, case: Case | None, ok: set[str]) -> JSONResponse:
        cfg = book.config()
        if result in ok:
            message = cfg.text(NOTICES[result]) if result in NOTICES else ""
            return JSONResponse({"ok": True, "result": result, "message": message})
        if result == "taken" and case is not None and case.holder is not None:
            message = cfg.text("notice_already_claimed", who=case.holder.plain())
        elif result == "not_holder" and case is not None and case.holder is not None:
            message = cfg.text("notice_not_holder", who=case.holder.plain())
        elif result == "closed" and case is not None and case.state == "deleted":
            message = cfg.text("notice_deleted")
        elif result in NOTICES:
            message = cfg.text(NOTICES[result])
        else:
            message = result
        refused = {"holder_only", "supervisors_only", "declined_claim", "other_team"}
        status = 404 if result == "missing" else 403 if result in refused else 409
        if result in ("why_required", "bad_outcome"):
            status = 422
        return JSONResponse({"ok": False, "result": result, "message": message}, status_code=status)

    @router.post("/api/cases/{case_id}/claim")
    async def claim(case_id: str, act: Act) -> JSONResponse:
        outcome = await book.claim(_case_id(case_id), act.actor())
        return answer(outcome.result, outcome.case, {"claimed"})

    @router.post("/api/cases/{case_id}/take-over")
    async def take_over(case_id: str, act: Act) -> JSONResponse:
        outcome = await book.take_over(_case_id(case_id), act.actor())
        return answer(outcome.result, outcome.case, {"done"})

    @router.post("/api/cases/{case_id}/approve")
    async def approve(case_id: str, act: Act) -> JSONResponse:
        outcome = await book.approve(_case_id(case_id), act.actor())
        return answer(outcome.result, outcome.case, {"done"})

    @router.post("/api/cases/{case_id}/reply")
    async def reply(case_id: str, body: Reply) -> JSONResponse:
        outcome = await book.counselor_wrote(
            _case_id(case_id), body.actor(), body.text, channel=CONSOLE, ts=body.client_id
        )
        return answer(outcome.result, outcome.case, {"relayed", "note", "duplicate"})

    @router.post("/api/cases/{case_id}/close")
    async def close(case_id: str, body: Close) -> JSONResponse:
        if body.outcome not in {o.id for o in book.config().outcomes}:
            raise HTTPException(422, "unknown outcome")
        outcome = await book.close(
            _case_id(case_id),
            body.actor(),
            outcome=body.outcome,
            summary=body.summary,
            why=body.why,
        )
        return answer(outcome.result, outcome.case, {"done", "signoff_requested"})

    @router.post("/api/cases/{case_id}/hand-back")
    async def hand_back(case_id: str, body: HandBack) -> JSONResponse:
        outcome = await book.close(_case_id(case_id), body.actor(), hand_back=True, why=body.why)
        return answer(outcome.result, outcome.case, {"done", "signoff_requested"})

    @router.post("/api/cases/{case_id}/supervisor")
    async def supervisor(case_id: str, act: Act) -> JSONResponse:
        outcome = await book.call_supervisor(_case_id(case_id), act.actor())
        return answer(outcome.result, outcome.case, {"done"})

    return router


def _who(ref: str) -> str:
    counselor = Counselor.parse(ref) if ref else None
    return counselor.plain() if counselor else ""


def _case_id(value: str) -> str:
    import re

    if not re.fullmatch(CASE_ID, value):
        raise HTTPException(404, "no such case")
    return value
