"""Reading one stream back a page at a time.

eventsourcing's EventStore.get selects every event of a stream into one list before the first
is decoded: reloading a negotiation of a million events (after a restart, or after a failed
save dropped it from the cache) would hold all their stored forms at once, over a GB. Here
a stream is read in pages, each decoded and applied before the next is read, so reloading
needs memory for one page and the aggregate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eventsourcing.persistence import EventStore

PAGE = 1000


class PagedEventStore(EventStore[Any]):
    def get(self, originator_id: Any, *, gt: int | None = None, lte: int | None = None, desc: bool = False,
            limit: int | None = None) -> Iterator[Any]:
        if desc or limit is not None:
            return super().get(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        return self._pages(originator_id, gt, lte)

    def _pages(self, originator_id: Any, gt: int | None, lte: int | None) -> Iterator[Any]:
        while True:
            page = self.recorder.select_events(originator_id, gt=gt, lte=lte, limit=PAGE)
            yield from map(self.mapper.to_domain_event, page)
            if len(page) < PAGE:
                return
            gt = page[-1].originator_version
