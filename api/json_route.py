"""FastAPI's own body parsing (routes that take a pydantic model) routed through
api.body.parse_json, so that every JSON body meets the same limits and the same 400s."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from api.body import parse_json


class _ParsedRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_parsed"):
            self._parsed = parse_json(await self.body())
        return self._parsed


class JSONRoute(APIRoute):
    """Parses the body before FastAPI does: FastAPI turns any exception from parsing into a
    bare 400, where ours name what broke; it then reads the value parsed here."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def parsed_first(request: Request) -> Response:
            parsed = _ParsedRequest(request.scope, request.receive)
            await parsed.json()
            return await handler(parsed)

        return parsed_first
