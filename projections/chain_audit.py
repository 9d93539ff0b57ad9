"""Re-checks the hash chain from storage (CONTRACT §6): the stored events and the stored
links are read independently and walked together in position order, so an edited, deleted,
inserted or reordered row of either shows up at its position."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from domain.chain import GENESIS_HASH, link_hash
from domain.storage.log import PAGE_SIZE, EventLog

# Called with (position, hash) for every link found intact, in position order.
LinkObserver = Callable[[int, str], None]


def _paged(fetch: Any, page: int, after: int) -> Iterator[Mapping[str, Any]]:
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


def verify_chain(log: EventLog, page: int = PAGE_SIZE, *, start: tuple[int, str] = (0, GENESIS_HASH),
                 on_link: LinkObserver | None = None) -> dict[str, Any]:
    """Walks the chain after `start` = (position, hash), a point already known good (genesis
    by default): a caller that verified up to there earlier need not walk it again, and the
    hash it carries forward is its own, not whatever storage holds now."""
    after, running = start
    rows, links = _paged(log.raw_rows, page, after), _paged(log.chain_rows, page, after)
    row, link = next(rows, None), next(links, None)
    checked = 0
    head: dict[str, Any] = {"position": after, "hash": running if after else None}
    while row is not None or link is not None:
        position = min(r["position"] for r in (row, link) if r is not None)
        here_row = row if row is not None and row["position"] == position else None
        here_link = link if link is not None and link["position"] == position else None
        if not _link_matches(here_row, here_link, running):
            return {"ok": False, "checked": checked, "head": head, "first_bad_position": position}
        running = here_link["hash"]  # type: ignore[index]
        checked += 1
        head = {"position": position, "hash": running}
        if on_link is not None:
            on_link(position, running)
        row = next(rows, None) if here_row is not None else row
        link = next(links, None) if here_link is not None else link
    return {"ok": True, "checked": checked, "head": head, "first_bad_position": None}
