"""The verifiable log's and the audit's answers: proofs, receipts, audit pages, verify results."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.answers.enums import AuditOrder
from api.answers.records import ReceiptEvent, StoredEvent
from api.answers.shapes import Shape


# -- verifiable log --------------------------------------------------------------------------

_DISCLOSURES = "`[salt, name, value]` for every field the leaf commits to and that is not erased"


class InclusionProof(Shape):
    log_index: int
    tree_size: int
    leaf: str = Field(description="the leaf, base64 of its RFC 8785 canonical JSON")
    leaf_hash: str = Field(description="lowercase hex")
    inclusion: list[str] = Field(description="RFC 9162 inclusion proof, base64 hashes")
    disclosures: list[list[Any]] = Field(description=_DISCLOSURES)
    checkpoint: str | None = Field(None, description="the signed note proved against, when `tree_size` "
                                                     "was not given")


class ConsistencyProof(Shape):
    first: int
    second: int
    consistency: list[str] = Field(description="RFC 9162 consistency proof, base64 hashes")


class Receipt(Shape):
    event: ReceiptEvent
    disclosures: list[list[Any]] = Field(description=_DISCLOSURES)
    leaf: str = Field(description="base64 of the leaf's canonical JSON")
    proof: str = Field(description="a C2SP tlog-proof: `c2sp.org/tlog-proof@v1`, `index N`, the inclusion "
                                   "hashes, a blank line, the signed checkpoint")


# -- audit -----------------------------------------------------------------------------------


class AuditFilters(Shape):
    recorded_by: str | None
    negotiation_id: str | None
    type: list[str] | None
    since: str | None
    until: str | None


class AuditPage(Shape):
    items: list[StoredEvent]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")
    order: AuditOrder
    filters: AuditFilters = Field(description="the filters applied, as read")
    position: int = Field(description="the highest committed position when the page was read")


class VerifiedHead(Shape):
    position: int
    hash: str | None


class VerifiedCheckpoint(Shape):
    tree_size: int
    root: str = Field(description="base64")
    extends: bool = Field(description="the log still extends the last checkpoint signed")


class VerifyResult(Shape):
    ok: bool
    checked: int = Field(description="events checked")
    head: VerifiedHead
    first_bad_position: int | None
    tree_size: int
    root: str | None = Field(description="the tree's root hash, base64")
    checkpoint: VerifiedCheckpoint | None = Field(description="the last checkpoint signed, held to the log")
    problems: list[str]
