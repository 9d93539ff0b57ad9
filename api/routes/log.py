"""The verifiable log (docs/api.md §9): signed checkpoints, the verifier key, consistency proofs
and C2SP hash tiles, so that a third party can check the log with standard tooling."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from domain.merkle import parse_tile_path

from api.answers import ConsistencyProof
from api.auth import Reader, ServicesDep
from api.log_filters import invalid, position
from api.openapi_docs import problem_responses
from api.problems import Problem
from api.responses import JSONBody

router = APIRouter(tags=["verifiable log"])

TEXT = "text/plain; charset=utf-8"
TreeSize = Annotated[str, Query(description="a tree size: a number of leaves", examples=["12"])]


@router.get("/log/checkpoint", name="get_checkpoint", summary="The log's latest signed checkpoint",
            response_class=PlainTextResponse,
            description="A C2SP tlog-checkpoint signed note (origin, tree size, base64 root hash, then the "
                        "Ed25519 signature line), covering every event committed before the request. 409 if "
                        "the log no longer extends the last checkpoint signed.",
            responses={200: {"description": "a C2SP signed note", "content": {TEXT: {
                "schema": {"type": "string"},
                "example": "negotiation-log/7a383bfaf3f4735e\n33\nGXEvhyD5RebjDyP3ElYiA9uVz8THlkbGSGePZNs0CTk=\n\n"
                           "\u2014 negotiation-log/7a383bfaf3f4735e 1kU2Yl0sr1Kd...\n"}}},
                       **problem_responses(401, 409)})
async def checkpoint(svc: ServicesDep, _: Reader) -> PlainTextResponse:
    signed = await run_in_threadpool(svc.signer.latest)
    return PlainTextResponse(signed.note, media_type=TEXT, headers={"Cache-Control": "no-cache"})


@router.get("/log/key", name="get_verifier_key", summary="The C2SP verifier key that checkpoints verify with",
            response_class=PlainTextResponse, description="`<origin>+<key id>+<base64 key>`.",
            responses={200: {"description": "the verifier key, one line", "content": {TEXT: {
                "schema": {"type": "string"},
                "example": "negotiation-log/7a383bfaf3f4735e+d4e5f6a7+AXcM...\n"}}},
                       **problem_responses(401)})
async def verifier_key(svc: ServicesDep, _: Reader) -> PlainTextResponse:
    return PlainTextResponse(svc.signer.verifier_key() + "\n", media_type=TEXT)


@router.get("/log/consistency", name="get_consistency_proof",
            summary="A consistency proof between two tree sizes",
            description="RFC 9162 §2.1.4: proves that the tree of `second` leaves extends the tree of `first`.",
            response_model=ConsistencyProof, responses=problem_responses(401, 422))
async def consistency(svc: ServicesDep, principal: Reader, first: TreeSize, second: TreeSize) -> JSONBody:
    return JSONBody(await run_in_threadpool(svc.reading.as_seen_by(principal).consistency, tree_size("first", first),
                                            tree_size("second", second)))


def tree_size(field: str, text: str) -> int:
    size = position(field, text, "a tree size")
    if size is None:
        raise invalid(field, "must be a tree size, a non-negative integer")
    return size


@router.get("/tile/{tile_path:path}", name="get_tile", summary="A C2SP tlog-tiles hash tile",
            description="`<L>/<N>[.p/<W>]`: the hashes of tree level 8·L, from node N·256, 256 of them (or W "
                        "for a partial tile), 32 bytes each.",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}},
                                                **problem_responses(401, 404, 422)})
async def tile(svc: ServicesDep, principal: Reader,
               tile_path: Annotated[str, Path(description="e.g. `0/x001/234` or `1/000.p/17`")]) -> Response:
    try:
        level, index, width = parse_tile_path(tile_path)
    except ValueError as e:
        raise Problem(422, f"tile path: {e}", rule="tile-path",
                      errors=[{"field": "tile_path", "message": str(e)}]) from None
    body = await run_in_threadpool(svc.reading.as_seen_by(principal).tile, level, index, width)
    # A tile never changes once it exists; a partial one is replaced by a wider path.
    return Response(body, media_type="application/octet-stream",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})
