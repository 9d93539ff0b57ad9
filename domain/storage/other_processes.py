"""Whether any other process has a SQLite file open, asked the way SQLite itself asks when it
opens a WAL database: every connection holds a read lock on the "DMS" byte of the -shm file
(offset 128, see https://www.sqlite.org/walformat.html), and F_GETLK for a write lock there
reports a conflicting lock held by another process, never one of this process's own."""

from __future__ import annotations

import fcntl
import os
import struct
import sys

DMS_BYTE = 128
# struct flock on Linux: l_type, l_whence (short), l_start, l_len (off_t), l_pid (pid_t), padded.
_FLOCK = "hhqqi4x"
# Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
# own on the -shm file included: the descriptors opened to ask are therefore never closed
# (one per -shm file met, a new one only if the file was replaced).
_OPEN: dict[str, tuple[int, int]] = {}


def _descriptor(shm: str) -> int:
    inode = os.stat(shm).st_ino
    known = _OPEN.get(shm)
    if known is None or known[1] != inode:
        known = (os.open(shm, os.O_RDONLY | os.O_CLOEXEC), inode)
        _OPEN[shm] = known
    return known[0]


def others_have_it_open(db_file: str) -> bool:
    """True unless it is certain that no other process has `db_file` open: on any doubt (not
    Linux, no -shm file to ask, an error) the answer is True, so that callers err on the side
    of making room for others."""
    if not sys.platform.startswith("linux"):
        return True
    try:
        asked = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, DMS_BYTE, 1, 0)
        answer = fcntl.fcntl(_descriptor(db_file + "-shm"), fcntl.F_GETLK, asked)
    except OSError:
        return True
    return bool(struct.unpack(_FLOCK, answer)[0] != fcntl.F_UNLCK)
