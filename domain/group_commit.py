"""Group commit: appends that arrive while a transaction is being written wait, then go
together in the next one, so N concurrent requests cost one fsync instead of N.

Leader/follower: the first thread to find no commit running leads, takes everything queued
(up to `max_group`), commits it with `append_many` and answers each waiting thread. It keeps
leading while its own request is unanswered, then hands the lead to a waiting thread. Every
request is answered only after the transaction holding it committed (or failed)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from domain.appending import AppendRequest, AppendResult
from domain.errors import DomainError

Outcome = AppendResult | DomainError
AppendMany = Callable[[Sequence[AppendRequest]], list[Outcome]]


@dataclass
class _Slot:
    request: AppendRequest
    ready: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | BaseException | None = None
    lead: bool = False  # woken to become the leader, not because it was answered

    def answer(self) -> AppendResult:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert isinstance(self.outcome, AppendResult)
        return self.outcome


class GroupCommit:
    def __init__(self, append_many: AppendMany, max_group: int = 256) -> None:
        self._append_many = append_many
        self._max_group = max_group
        self._lock = threading.Lock()
        self._queue: list[_Slot] = []
        self._leading = False

    def append(self, request: AppendRequest) -> AppendResult:
        slot = _Slot(request)
        with self._lock:
            self._queue.append(slot)
            lead = not self._leading
            self._leading = True
        while not lead:
            slot.ready.wait()
            if slot.outcome is not None:
                return slot.answer()
            slot.ready.clear()
            lead = slot.lead
        self._lead_until_answered(slot)
        return slot.answer()

    def _lead_until_answered(self, own: _Slot) -> None:
        while True:
            with self._lock:
                if own.outcome is not None:
                    self._hand_over()
                    return
                group, self._queue = self._queue[: self._max_group], self._queue[self._max_group:]
            try:
                outcomes: Sequence[Outcome | BaseException] = self._append_many([s.request for s in group])
            except BaseException as e:  # noqa: BLE001 - each waiting request must learn of it
                outcomes = [e] * len(group)
            for slot, outcome in zip(group, outcomes, strict=True):
                slot.outcome = outcome
                if slot is not own:
                    slot.ready.set()

    def _hand_over(self) -> None:
        """Called with the lock held, after the leader's own request was answered."""
        if self._queue:
            successor = self._queue[0]
            successor.lead = True
            successor.ready.set()
        else:
            self._leading = False
