"""The web page at `/`: plain HTML, CSS and JavaScript shipped in the package (`api/web/`).

The page holds no data and needs no token; its script reads everything through the public
HTTP API, like any other client. Nothing is loaded from another origin: the Content-Security-
Policy below forbids it, which also keeps the page working on closed networks."""

from __future__ import annotations

import hashlib
from importlib import resources

from fastapi import APIRouter, Request, Response

from api.problems import Problem

router = APIRouter(include_in_schema=False)

# Every file the page may load, and its media type; nothing else under /web/ is served.
FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
# The script's ES modules (api/web/modules/), one per concern, imported by app.js.
MODULES = frozenset(entry.name for entry in resources.files("api").joinpath("web", "modules").iterdir()
                    if entry.name.endswith(".js"))

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidated on every load (cheap: a 304 by ETag), so an upgraded service is never
    # paired with a stale script.
    "Cache-Control": "no-cache",
}


def _file(*path: str) -> tuple[bytes, str]:
    content = resources.files("api").joinpath("web", *path).read_bytes()
    return content, '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _serve(request: Request, name: str, media_type: str | None = None, folder: str | None = None) -> Response:
    content, etag = _file(*(folder, name) if folder else (name,))
    headers = {**SECURITY_HEADERS, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media_type or FILES[name], headers=headers)


@router.get("/")
async def page(request: Request) -> Response:
    return _serve(request, "index.html")


@router.get("/web/{name}")
async def static_file(name: str, request: Request) -> Response:
    if name not in FILES or name == "index.html":
        raise Problem(404, f"no file {name!r} in the web page")
    return _serve(request, name)


@router.get("/web/modules/{name}")
async def script_module(name: str, request: Request) -> Response:
    if name not in MODULES:
        raise Problem(404, f"no module {name!r} in the web page")
    return _serve(request, name, FILES["app.js"], folder="modules")
