"""Random bytes for event ids and salts: the operating system's (os.urandom), read a few
kilobytes at a time rather than a few bytes per event.

Every os.urandom call releases the interpreter lock for its system call. The writer thread
made two per append (the ids, the salts), and under load each time waited to take the lock
back from the event loop's thread, which holds it up to the switch interval (5 ms): the
appends' own work was a fraction of that. The bytes are the operating system's as before,
handed out once each; a child process forked with bytes left starts from fresh ones."""

from __future__ import annotations

import os
import threading

READ = 4096  # bytes per read: 256 salts, or 512 event ids


class RandomPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bytes = b""
        self._at = 0

    def take(self, count: int) -> bytes:
        """`count` bytes no other caller gets."""
        if count > READ:
            return os.urandom(count)
        with self._lock:
            if self._at + count > len(self._bytes):
                self._bytes, self._at = os.urandom(READ), 0
            at = self._at
            self._at = at + count
            return self._bytes[at:at + count]

    def forget(self) -> None:
        """Drops the bytes held: they are the parent's, in a forked child."""
        self._lock = threading.Lock()  # another of the parent's threads may have held it at the fork
        self._bytes, self._at = b"", 0


POOL = RandomPool()
os.register_at_fork(after_in_child=POOL.forget)
