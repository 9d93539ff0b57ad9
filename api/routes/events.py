"""Stored events: one event as recorded (with the corrections that touched it), its inclusion
proof in the log's tree, and its receipt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.answers import EventWithCorrections, InclusionProof, Receipt
from api.auth import Reader, ServicesDep
from api.openapi_docs import problem_responses
from api.responses import JSONBody
from api.routes import log as log_routes

router = APIRouter()


@router.get("/events/{event_id}", tags=["reading"],
            summary="One stored event, as recorded, with its corrections",
            response_model=EventWithCorrections, responses=problem_responses(401, 404))
async def get_event(event_id: str, svc: ServicesDep, principal: Reader) -> JSONBody:
    return JSONBody(await run_in_threadpool(svc.reading.as_seen_by(principal).event_with_corrections, event_id))


@router.get("/events/{event_id}/proof", name="get_inclusion_proof",
            summary="The event's leaf, inclusion proof and disclosures",
            tags=["verifiable log"], response_model=InclusionProof,
            description="RFC 9162 §2.1.3 inclusion proof of the event's leaf in the tree of `tree_size` leaves "
                        "(default: the latest checkpoint's, then included as `checkpoint`), with the "
                        "disclosures `[salt, name, value]` that open the leaf's field digests.",
            responses=problem_responses(401, 404, 409, 422))
async def get_proof(event_id: str, svc: ServicesDep, principal: Reader,
                    tree_size: Annotated[str | None, Query(description="prove inclusion in the tree of this "
                                                                       "many leaves", examples=["12"])] = None
                    ) -> JSONBody:
    size = None if tree_size is None else log_routes.tree_size("tree_size", tree_size)
    return JSONBody(await run_in_threadpool(svc.reading.as_seen_by(principal).inclusion, event_id, size))


@router.get("/events/{event_id}/receipt", summary="A receipt anyone can check offline with the log's key",
            tags=["verifiable log"], response_model=Receipt,
            description="The event as stored, its disclosures, its leaf and a C2SP tlog-proof (index, inclusion "
                        "hashes, signed checkpoint): `negotiation-log receipt verify FILE --key VKEY` checks it "
                        "with no database and no network.",
            responses=problem_responses(401, 404, 409))
async def get_receipt(event_id: str, svc: ServicesDep, principal: Reader) -> JSONBody:
    return JSONBody(await run_in_threadpool(svc.reading.as_seen_by(principal).receipt, event_id))
