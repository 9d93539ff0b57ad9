"""`negotiation-log serve`, and the demo it can load."""

from __future__ import annotations

import resource
from importlib import resources
from typing import Annotated

import typer

from domain.errors import DomainError
from domain.workspaces import checked_keys

from api.cli.memory import tune_for_serving
from api.cli.opening import DEFAULT_DB, Db, err, fail, open_services
from api.cli.transfer import import_events
from api.metrics import serve_metrics
from api.services import Services
from api.settings import Settings


def serve(
    db: Db = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    public_read: Annotated[bool, typer.Option("--public-read", envvar="NEGOTIATION_LOG_PUBLIC_READ",
                                              help="anonymous users may use the GET endpoints but /audit*")] = False,
    public_workspace: Annotated[list[str] | None, typer.Option(
        "--public-workspace", help="with --public-read or --demo: anonymous users see only this workspace "
                                   "(repeatable; default: all of them)")] = None,
    access_log: Annotated[bool, typer.Option("--access-log", help="log every request (costs ~10% throughput)")] = False,
    demo: Annotated[bool, typer.Option("--demo", help="load the Istanbul 2025 demo into an empty database, "
                                                      "open reads to the public, print a recorder token")] = False,
    proxy_headers: Annotated[bool, typer.Option(
        "--proxy-headers/--no-proxy-headers", envvar="NEGOTIATION_LOG_PROXY_HEADERS",
        help="take the client's address and scheme from X-Forwarded-For/-Proto sent by a trusted proxy")] = True,
    forwarded_allow_ips: Annotated[str, typer.Option(
        "--forwarded-allow-ips", envvar="NEGOTIATION_LOG_FORWARDED_ALLOW_IPS",
        help="comma-separated addresses (or networks, or *) of the proxies whose X-Forwarded-* are trusted")]
        = "127.0.0.1,::1",
    metrics_port: Annotated[int | None, typer.Option(
        "--metrics-port", envvar="NEGOTIATION_LOG_METRICS_PORT",
        help="also serve GET /metrics on this port, on the same host, with no token")] = None,
    jwks: Annotated[str | None, typer.Option(
        "--jwks", envvar="NEGOTIATION_LOG_JWKS",
        help="accept JWT access tokens from an identity provider, verified with this JWKS "
             "(a file path or an https:// URL)")] = None,
    jwt_issuer: Annotated[str | None, typer.Option(
        "--jwt-issuer", envvar="NEGOTIATION_LOG_JWT_ISSUER", help="a JWT's iss must be this")] = None,
    jwt_audience: Annotated[str | None, typer.Option(
        "--jwt-audience", envvar="NEGOTIATION_LOG_JWT_AUDIENCE", help="a JWT's aud must name this")] = None,
) -> None:
    """Run the HTTP service."""
    import uvicorn

    from api.app import create_app
    from api.http_limits import HttpLimits, bounded_protocol, connection_cap

    try:
        checked_keys("--public-workspace", public_workspace or None)
    except DomainError as e:
        raise fail(e.detail) from None
    given = {"jwks": jwks, "jwt_issuer": jwt_issuer, "jwt_audience": jwt_audience}
    settings = Settings(db=db, public_read=public_read or demo, public_workspaces=public_workspace or None,
                        **{k: v for k, v in given.items() if v is not None})
    services = open_services(settings, signing=True)
    # Closed at the app's shutdown: uvicorn raises a SIGTERM again once it has shut down, which
    # ends the process before the `finally` below runs, and connections left open leave the
    # WAL beside the database (a copy of the file alone missed the last appends).
    app_ = create_app(settings, services, close_services=True)
    url = f"http://{host}:{port}"
    if demo:
        loaded = load_demo(services)
        revoked = revoke_demo_tokens(services)
        _, token = services.principals.create(DEMO_RECORDER, "recorder")
        print(f"Demo: {loaded} events of the 2025 Istanbul talks loaded into {db}." if loaded
              else f"Demo: {db} already holds events; nothing loaded.")
        if revoked:
            print(f"Demo: revoked the demo recorder token of an earlier start ({revoked}); use the new one below.")
        print(f"Open {url}/ in a browser, or the API at {url}/negotiations (no token needed); docs at {url}/docs")
        print(f"Recorder token (send as 'Authorization: Bearer <token>'):\n{token}", flush=True)
    if metrics_port is not None:
        serve_metrics(services.metrics, host, metrics_port)
    connections = connection_cap(settings.max_connections)
    if connections < settings.max_connections:
        err.print(f"At most {connections} connections (not {settings.max_connections}): the open-file limit is "
                  f"{resource.getrlimit(resource.RLIMIT_NOFILE)[0]}; raise it with ulimit -n.", highlight=False)
    limits = HttpLimits(settings.max_header_bytes, settings.header_timeout, connections)
    tune_for_serving()
    try:
        uvicorn.run(app_, host=host, port=port, log_level="info", access_log=access_log,
                    proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips,
                    http=bounded_protocol(limits), timeout_keep_alive=settings.keep_alive_seconds)  # type: ignore[arg-type]
    finally:
        services.close()  # also when the app never started (a port in use); closing twice is harmless


DEMO_RECORDER = "demo-recorder"


def revoke_demo_tokens(services: Services) -> int:
    """Each --demo start prints a new recorder token (only digests are stored, so an old one
    cannot be shown again): the ones printed before are revoked, so they do not pile up."""
    live = [t for t in services.principals.list() if t["name"] == DEMO_RECORDER and t["revoked_at"] is None]
    for token in live:
        services.principals.revoke(token["token_id"])
    return len(live)


def load_demo(services: Services) -> int:
    """Imports the bundled demo data set, unless the database already holds events."""
    if services.log.event_log.head()["position"]:
        return 0
    text = resources.files("api.demo").joinpath("istanbul-2025.jsonl").read_text(encoding="utf-8")
    return import_events(services.log, text.splitlines(), principal="demo")
