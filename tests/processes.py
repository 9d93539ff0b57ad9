"""Running the installed `negotiation-log` command as a user would: real processes, real ports."""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CLI = shutil.which("negotiation-log") or str(Path(sys.executable).parent / "negotiation-log")


def run_cli(*args: str, check: bool = True, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60, **kwargs)  # type: ignore[call-overload]
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}: {result.stderr}")
    return result


def new_log(db: str) -> None:
    """Creates an empty log as a user would, before commands that need an existing one."""
    run_cli("token", "create", "setup", "--role", "reader", "--db", db)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, *args: str, env: dict[str, str] | None = None, cwd: str | None = None,
                 open_files: int | None = None) -> None:
        """`cwd`: where a PostgreSQL database's default key (./negotiation-log.ed25519) goes;
        `open_files` lowers the process's limit on open file descriptors (RLIMIT_NOFILE)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

        def limit_files() -> None:
            if open_files is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        # A file rather than a pipe: a server that logs more than a pipe holds would block on it.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen([CLI, "serve", "--port", str(self.port), *args],
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, **(env or {})}, preexec_fn=limit_files, cwd=cwd)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"server did not start: {self.output()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing; what was committed must survive."""
        self.process.kill()
        self.process.wait(timeout=10)

    def output(self) -> str:
        self.stop()
        return self.output_so_far()

    def output_so_far(self) -> str:
        self.log.flush()
        with open(self.log.fileno(), closefd=False) as log:
            log.seek(0)
            return log.read()
