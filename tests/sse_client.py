"""Test helpers for the live feed: the app served by a real uvicorn on a free localhost port
(in a thread, sharing the test's Services), and a server-sent events reader."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from api.services import Services
from api.settings import Settings
from tests.processes import free_port


@contextmanager
def serving(settings: Settings, services: Services) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(create_app(settings, services), host="127.0.0.1", port=port, log_level="warning",
                            timeout_graceful_shutdown=1, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Message:
    id: str | None
    data: dict[str, Any]
    received_at: float


@dataclass
class EventStream:
    """Reads `GET /events/stream` in a thread; parsed messages and heartbeats land in queues."""

    url: str
    headers: dict[str, str]
    params: dict[str, Any] = field(default_factory=dict)
    messages: queue.Queue[Message] = field(default_factory=queue.Queue)
    comments: queue.Queue[str] = field(default_factory=queue.Queue)
    status: int | None = None
    problem: dict[str, Any] | None = None  # the body of a refusal
    ended: threading.Event = field(default_factory=threading.Event)  # the server closed the stream
    _stop: threading.Event = field(default_factory=threading.Event)
    _opened: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "the stream did not open"

    def _read(self) -> None:
        try:
            with httpx.stream("GET", f"{self.url}/events/stream", headers=self.headers, params=self.params,
                              timeout=httpx.Timeout(10, read=30)) as response:
                self.status = response.status_code
                if self.status != 200:
                    self.problem = json.loads(response.read())
                self._opened.set()
                event_id, data = None, []
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith(":"):
                        self.comments.put(line)
                    elif line.startswith("id:"):
                        event_id = line[3:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line == "" and data:
                        self.messages.put(Message(event_id, json.loads("\n".join(data)), time.monotonic()))
                        event_id, data = None, []
                self.ended.set()
        except httpx.HTTPError:
            pass
        finally:
            self._opened.set()

    def take(self, count: int, timeout: float = 5.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        return [self.messages.get(timeout=max(0.0, deadline - time.monotonic())) for _ in range(count)]

    def nothing_more(self, wait: float = 0.4) -> bool:
        try:
            self.messages.get(timeout=wait)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        """Stops after the next line (heartbeats make sure one comes)."""
        self._stop.set()
        self._thread.join(10)
