"""Refuses request targets with NUL characters before any route sees them: no id, key or
time contains one, and PostgreSQL cannot even compare text that does."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem_response


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"].lower()
                                        or b"\x00" in scope["query_string"]):
            response = problem_response(400, "the URL contains a NUL character", rule="url")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
