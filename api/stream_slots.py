"""How many live streams may be open: per principal and in all. Each stream holds a
connection, a task and a subscription for as long as it lives, so both are bounded (settings
`max_streams_per_principal`, `max_streams`); the excess is refused before the stream starts."""

from __future__ import annotations

from collections import Counter

from domain.principals import Principal

from api.problems import Problem


class StreamSlot:
    def __init__(self, slots: StreamSlots, key: str) -> None:
        self._slots, self._key, self._held = slots, key, True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots._release(self._key)


class StreamSlots:
    """Used from the event loop only, so it needs no lock."""

    def __init__(self, per_principal: int, in_all: int) -> None:
        self.per_principal, self.in_all = per_principal, in_all
        self._open: Counter[str] = Counter()

    @staticmethod
    def key(principal: Principal, client_host: str | None) -> str:
        # Anonymous readers (with public reads) are told apart by address, not pooled as one.
        return f"anonymous@{client_host}" if principal.name == "anonymous" else f"principal:{principal.name}"

    def take(self, key: str) -> StreamSlot:
        if self._open.total() >= self.in_all:
            raise Problem(503, f"{self.in_all} live streams are open, the most this service serves "
                               "(NEGOTIATION_LOG_MAX_STREAMS); retry later", rule="streams",
                          headers={"Retry-After": "5"})
        if self._open[key] >= self.per_principal:
            raise Problem(429, f"this principal already has {self.per_principal} live streams open "
                               "(NEGOTIATION_LOG_MAX_STREAMS_PER_PRINCIPAL); close one first",
                          rule="streams-per-principal", headers={"Retry-After": "5"})
        self._open[key] += 1
        return StreamSlot(self, key)

    def open(self) -> int:
        return self._open.total()

    def _release(self, key: str) -> None:
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]
