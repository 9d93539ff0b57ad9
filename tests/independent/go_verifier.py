"""The independent verifier: Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
golang-golang-x-mod-dev), driven through the small program in `verifier/main.go`.

`go_verifier` is a session fixture: it builds the program once into a temporary directory and
skips, saying what to install, when Go or the sumdb sources are missing (as the browser tests
do without chromium; CI installs both and fails on any skip). Import it into a conftest to use
it (`from tests.independent.go_verifier import go_verifier`). Every call runs one Go process
over a batch of JSON lines, so thousands of checks cost one process start."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GOPATH = "/usr/share/gocode"
SUMDB = Path(GOPATH) / "src/golang.org/x/mod/sumdb"
SOURCE = Path(__file__).parent / "verifier"
INSTALL = "apt-get install golang-go golang-golang-x-mod-dev"


class GoUnavailable(RuntimeError):
    pass


class GoRefusal(AssertionError):
    """Go refused what it was asked to check; the message is Go's."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def build(into: Path) -> Path:
    go = shutil.which("go")
    if go is None or not (SUMDB / "note").is_dir() or not (SUMDB / "tlog").is_dir():
        raise GoUnavailable(
            "the independent verifier needs Go and golang.org/x/mod/sumdb under "
            f"{SUMDB}: {INSTALL}"
        )
    binary = into / "negotiation-log-go-verifier"
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": GOPATH, "GOFLAGS": ""}
    if not os.access(os.environ.get("HOME", "/nonexistent"), os.W_OK):
        env["GOCACHE"] = str(into / "go-cache")
    done = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=SOURCE, env=env, capture_output=True, text=True, timeout=300,
    )
    if done.returncode != 0:
        raise GoUnavailable(f"building {SOURCE} failed ({INSTALL}?):\n{done.stderr}")
    return binary


@dataclass(frozen=True)
class GoTree:
    leaf_hashes: list[bytes]
    roots: list[bytes]
    inclusion: list[list[bytes]]
    consistency: list[list[bytes]]


@dataclass(frozen=True)
class TilesTree:
    root: bytes
    leaf_hashes: list[bytes]
    inclusion: list[list[bytes]]
    first_roots: list[bytes]
    consistency: list[list[bytes]]
    fetched: list[str]


def _hash_lists(lists: list[list[str]] | None) -> list[list[bytes]]:
    return [[unb64(h) for h in hashes or []] for hashes in lists or []]


@dataclass(frozen=True)
class GoVerifier:
    binary: Path

    def run(self, requests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One answer per request, in order, from one Go process."""
        stdin = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in requests)
        done = subprocess.run(
            [str(self.binary)], input=stdin, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"the Go verifier failed: {done.stderr}")
        answers = [json.loads(line) for line in done.stdout.splitlines()]
        assert len(answers) == len(requests), done.stderr
        return answers

    def _one(self, request: dict[str, Any]) -> dict[str, Any]:
        answer = self.run([request])[0]
        if not answer["ok"]:
            raise GoRefusal(answer["error"])
        return answer

    def verify_note(self, vkey: str, note: str) -> str:
        """The note's text, once Go's note.Open verifies it with the verifier key."""
        return str(self._one({"op": "note", "vkey": vkey, "note": note})["text"])

    @staticmethod
    def inclusion_request(
        index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
    ) -> dict[str, Any]:
        return {
            "op": "inclusion", "index": index, "size": size, "leaf_hash": b64(leaf_hash),
            "root": b64(root), "proof": [b64(h) for h in proof],
        }

    @staticmethod
    def consistency_request(
        first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
    ) -> dict[str, Any]:
        return {
            "op": "consistency", "first": first, "second": second,
            "first_root": b64(first_root), "second_root": b64(second_root),
            "proof": [b64(h) for h in proof],
        }

    def check_inclusion(
        self, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
    ) -> None:
        """tlog.CheckRecord; GoRefusal when it fails."""
        self._one(self.inclusion_request(index, size, leaf_hash, proof, root))

    def check_consistency(
        self, first: int, second: int, first_root: bytes, second_root: bytes,
        proof: Sequence[bytes],
    ) -> None:
        """tlog.CheckTree; GoRefusal when it fails."""
        self._one(self.consistency_request(first, second, first_root, second_root, proof))

    def refusals(self, requests: Iterable[dict[str, Any]]) -> list[str | None]:
        """For a batch of checks, Go's error for each (None where it passed)."""
        return [None if a["ok"] else a["error"] for a in self.run(list(requests))]

    def tree(
        self, leaves: Sequence[bytes], sizes: Iterable[int] = (),
        inclusions: Iterable[tuple[int, int]] = (), consistencies: Iterable[tuple[int, int]] = (),
    ) -> GoTree:
        """Go's own tree over the leaves: leaf hashes, roots of `sizes`, and its proofs of
        (index, size) inclusions and (first, second) consistencies."""
        answer = self._one({
            "op": "tree", "leaves": [b64(leaf) for leaf in leaves], "sizes": list(sizes),
            "inclusions": [list(p) for p in inclusions],
            "consistencies": [list(p) for p in consistencies],
        })
        return GoTree(
            [unb64(h) for h in answer["leaf_hashes"]], [unb64(h) for h in answer["roots"] or []],
            _hash_lists(answer["inclusion"]), _hash_lists(answer["consistency"]),
        )

    def tree_from_tiles(
        self, base_url: str, size: int, indexes: Iterable[int] = (), firsts: Iterable[int] = ()
    ) -> TilesTree:
        """The tree of `size` leaves as Go reads it from C2SP tiles at `base_url`/tile/...:
        its root, and for `indexes` the leaf hash and inclusion proof, for `firsts` the old
        root and consistency proof, all authenticated by tlog.TileHashReader."""
        answer = self._one({
            "op": "tiles", "base_url": base_url, "size": size,
            "indexes": list(indexes), "firsts": list(firsts),
        })
        return TilesTree(
            unb64(answer["root"]), [unb64(h) for h in answer["leaf_hashes"] or []],
            _hash_lists(answer["inclusion"]), [unb64(h) for h in answer["first_roots"] or []],
            _hash_lists(answer["consistency"]), list(answer["fetched"] or []),
        )


@pytest.fixture(scope="session")
def go_verifier(tmp_path_factory: pytest.TempPathFactory) -> GoVerifier:
    try:
        return GoVerifier(build(tmp_path_factory.mktemp("go-verifier")))
    except GoUnavailable as e:
        pytest.skip(str(e))
