"""A tiny C2SP tlog-tiles server over a dict of stored nodes, in a thread, for testing tile
readers (the Go verifier) without the service: it serves `/tile/<L>/<N>[.p/<W>]` for every
tile whose nodes are complete in the tree it was given, 404 otherwise."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

from domain.merkle import TILE_WIDTH, Hash, Node, parse_tile_path, tile_available, tile_nodes


@contextmanager
def serve_tiles(hashes: Mapping[Node, Hash], size: int) -> Iterator[str]:
    """The base URL of a server of the tiles of the tree of `size` leaves."""

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if not self.path.startswith("/tile/"):
                return self.send_error(404)
            try:
                level, index, width = parse_tile_path(self.path[len("/tile/") :])
            except ValueError as e:
                return self.send_error(400, str(e))
            width = width or TILE_WIDTH
            if not tile_available(level, index, width, size):
                return self.send_error(404)
            body = b"".join(hashes[node] for node in tile_nodes(level, index, width))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
