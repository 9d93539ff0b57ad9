"""Configuration, from the command line or NEGOTIATION_LOG_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEGOTIATION_LOG_", extra="ignore")

    db: str = Field("./negotiation-log.db", description="SQLite file path or postgresql:// URL")
    public_read: bool = Field(False, description="let anonymous users use the GET endpoints other than /audit*")
    public_workspaces: list[str] | None = Field(None, description="with public reads: the workspaces anonymous "
                                                                  "users see (default: all of them)")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="larger request bodies are refused with 413")
    body_timeout: float = Field(30.0, gt=0, description="seconds a request body may stall before 408")
    db_password: str | None = Field(None, description="the PostgreSQL password, when the --db URL carries none "
                                                     "(as given: no URL escaping)")
    max_batch_events: int = Field(1000, ge=1, description="more events in one batch are refused with 413")
    max_header_bytes: int = Field(16_384, ge=1024, description="a larger request head (request line and "
                                                               "headers) is refused with 431")
    header_timeout: float = Field(10.0, gt=0, description="seconds a client has to send a request head "
                                                          "(from connecting, or from its first byte) before 408")
    keep_alive_seconds: float = Field(5.0, gt=0, description="an idle kept-alive connection is closed after this")
    max_connections: int = Field(1000, ge=1, description="connections held at once (fewer if the open-file "
                                                         "limit is low); beyond, the longest idle one is "
                                                         "closed, or the new one refused with 503")
    max_expensive_reads: int = Field(4, ge=1, description="timeline, changes and exports computed at once; "
                                                          "the excess waits briefly, then 503")
    pool_size: int = Field(5, ge=1, description="PostgreSQL connection pool size")
    lock_timeout: int = Field(5, ge=0, description="seconds to wait for a database write lock")
    connect_timeout: int = Field(5, ge=1, description="seconds to wait for a PostgreSQL connection")
    signing_key: Path | None = Field(None, description="Ed25519 key file for signed checkpoints, created on first "
                                     "start (default: <db>.ed25519 beside a SQLite file, "
                                     "./negotiation-log.ed25519 for PostgreSQL)")
    origin: str | None = Field(None, description="the log's name in its checkpoints and verifier key, fixed when "
                               "the database is made (default: a name made then)")
    heartbeat_seconds: float = Field(15.0, gt=0, description="idle /events/stream connections get a comment "
                                                             "line this often")
    feed_poll_seconds: float = Field(0.25, gt=0, description="how often the live feed looks for events "
                                                             "written by other processes while it cannot listen "
                                                             "for their notices (SQLite, or PostgreSQL's "
                                                             "listening connection down)")
    stream_max_seconds: float = Field(3600.0, gt=0, description="a live stream is closed after this long "
                                                                "(the client resumes with Last-Event-ID)")
    max_streams_per_principal: int = Field(16, ge=1, description="more live streams of one principal are "
                                                                 "refused with 429")
    max_streams: int = Field(256, ge=1, description="more live streams in all are refused with 503")
    jwks: str | None = Field(None, description="JWT access tokens from an identity provider are accepted, "
                                               "verified with this JWKS: a file path (re-read when it "
                                               "changes) or an https:// URL (fetched when first needed, "
                                               "again on an unknown key id)")
    jwt_issuer: str | None = Field(None, description="a JWT's iss must be this (checked when set)")
    jwt_audience: str | None = Field(None, description="a JWT's aud must name this (checked when set)")
    jwt_name_claim: str = Field("sub", min_length=1, description="the JWT claim naming the principal")
    jwt_role_claim: str = Field("negotiation_log_role", min_length=1, description="the JWT claim holding the "
                                                                                  "principal's role")
    jwt_workspaces_claim: str = Field("negotiation_log_workspaces", min_length=1,
                                      description="the JWT claim listing the workspaces the principal is "
                                                  "limited to (absent: all)")
    jwt_leeway_seconds: float = Field(30.0, ge=0, description="clock skew allowed when checking a JWT's "
                                                              "exp, nbf and iat")
    jwks_refresh_seconds: float = Field(10.0, gt=0, description="a JWKS URL is fetched again for an unknown "
                                                                "key id at most this often")
    jwks_max_age_seconds: float = Field(300.0, gt=0, description="a JWKS URL is fetched again when its keys "
                                                                 "are older than this")
