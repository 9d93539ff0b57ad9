"""Re-checks the hash chain from storage (CONTRACT §6): the stored events and the stored
links are read independently and walked together in position order, so an edited, deleted,
inserted or reordered row of either shows up at its position."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from domain.chain import GENESIS_HASH, link_hash
from domain.storage.log import PAGE_SIZE, EventLog


def _paged(fetch: Any, page: int) -> Iterator[Mapping[str, Any]]:
    after = 0
    while True:
        rows = fetch(after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1]["position"]


def _link_matches(row: Mapping[str, Any] | None, link: Mapping[str, Any] | None, running: str) -> bool:
    if row is None or link is None or link["prev_hash"] != running:
        return False
    try:
        event = EventLog.decode(row)
    except (ValueError, KeyError, TypeError):
        return False
    return (event.get("event_id") == link["event_id"] and event["negotiation_id"] == link["negotiation_id"]
            and event["version"] == link["version"] and link_hash(running, event) == link["hash"])


def verify_chain(log: EventLog, page: int = PAGE_SIZE) -> dict[str, Any]:
    rows, links = _paged(log.raw_rows, page), _paged(log.chain_rows, page)
    row, link = next(rows, None), next(links, None)
    running, checked, head = GENESIS_HASH, 0, {"position": 0, "hash": None}
    while row is not None or link is not None:
        position = min(r["position"] for r in (row, link) if r is not None)
        here_row = row if row is not None and row["position"] == position else None
        here_link = link if link is not None and link["position"] == position else None
        if not _link_matches(here_row, here_link, running):
            return {"ok": False, "checked": checked, "head": head, "first_bad_position": position}
        running = here_link["hash"]  # type: ignore[index]
        checked += 1
        head = {"position": position, "hash": running}
        row = next(rows, None) if here_row is not None else row
        link = next(links, None) if here_link is not None else link
    return {"ok": True, "checked": checked, "head": head, "first_bad_position": None}
