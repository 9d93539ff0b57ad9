"""Real server processes and wrk runs for bench/perf.py: nothing here measures by itself."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
CLI = shutil.which("negotiation-log") or str(Path(sys.executable).parent / "negotiation-log")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    """A server on a free port, started and stopped by the benchmark."""

    argv: list[str]
    ready_path: str
    port: int = field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Process:
        self.popen = subprocess.Popen([*self.argv, "--port", str(self.port)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, cwd=BENCH)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + self.ready_path, timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.argv} did not start")

    def rss_mb(self) -> tuple[float, float]:
        """(resident now, peak resident) in MB, from /proc."""
        assert self.popen is not None
        status = Path(f"/proc/{self.popen.pid}/status").read_text()
        kb = {k: int(v.split()[0]) for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(.*)$", status, re.M)}
        return kb["VmRSS"] / 1024, kb["VmHWM"] / 1024

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def echo_server() -> Process:
    """bench/echo_app.py under uvicorn with the same loop and HTTP parser as `serve`."""
    return Process([sys.executable, "-m", "uvicorn", "echo_app:app", "--loop", "uvloop", "--http", "httptools",
                    "--no-access-log", "--log-level", "warning"], "/docs")


def real_server(db: str) -> Process:
    return Process([CLI, "serve", "--db", db], "/health")


def cli(*args: str) -> str:
    done = subprocess.run([CLI, *args], capture_output=True, text=True)
    if done.returncode != 0:  # what the command said is the only clue to why
        raise RuntimeError(f"negotiation-log {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


# Each request's body is the template with every "@@" replaced by a prefix no other request of
# the run uses (thread and request number), so batches that create entities never collide.
UNIQUE_BODIES = """
local threads = 0
setup = function(thread) thread:set("me", threads); threads = threads + 1 end
local sent = 0
request = function()
  sent = sent + 1
  local body = string.gsub(template, "@@", "t" .. me .. "r" .. sent)
  return wrk.format(nil, nil, nil, body)
end
"""


def wrk(url: str, *, seconds: float, connections: int, threads: int = 2, method: str = "GET",
        body: str | None = None, headers: dict[str, str] | None = None, template: str | None = None) -> float:
    """Requests per second; raises if any answer was not 2xx or a socket failed. With
    `template`, every request sends its own body made from it (see UNIQUE_BODIES)."""
    lines = [f"wrk.method = {method!r}"]
    if body is not None:
        lines.append(f"wrk.body = [==[{body}]==]")
    lines += [f"wrk.headers[{k!r}] = {v!r}" for k, v in (headers or {}).items()]
    if template is not None:
        lines += [f"template = [==[{template}]==]", UNIQUE_BODIES]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "-s", script.name, url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or errors:
        raise RuntimeError(f"wrk saw failures against {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
