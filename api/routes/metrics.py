"""Prometheus metrics of this process, for admins (or open on `serve --metrics-port`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.auth import Admin, ServicesDep
from api.metrics import CONTENT_TYPE
from api.openapi_docs import problem_responses

router = APIRouter(tags=["admin"])


@router.get("/metrics", name="get_metrics", summary="Prometheus metrics of this process (text format)",
            response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Prometheus text exposition format 0.0.4"},
                       **problem_responses(401, 403)})
async def metrics(svc: ServicesDep, _: Admin) -> Response:
    # The gauges read storage: off the event loop.
    body = await run_in_threadpool(svc.metrics.render)
    return Response(body, media_type=CONTENT_TYPE)
