"""The files in docker/ held to what the service needs, read as a new user's Docker would read
them (there is no Docker engine in CI): the compose file comes up in the right order with a
password that must be given, the image lets the app write its data and key, and the balancer
agrees with the replicas on limits, errors and forwarded headers."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from api.settings import Settings
from domain.storage.backend import eventsourcing_env

DOCKER = Path(__file__).parents[2] / "docker"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def nginx() -> str:
    return (DOCKER / "nginx.conf.template").read_text(encoding="utf-8")


def replicas(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if name.startswith("api-")}


def test_the_password_must_be_given_and_never_has_a_default(compose: dict[str, Any]) -> None:
    required = re.compile(r"^\$\{POSTGRES_PASSWORD:\?[^}]+\}$")
    assert required.match(compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"])
    for service in replicas(compose).values():
        env = service["environment"]
        assert required.match(env["NEGOTIATION_LOG_DB_PASSWORD"])
        assert urlsplit(env["NEGOTIATION_LOG_DB"]).password is None  # so it is never URL-escaped


@pytest.mark.parametrize("password", ["p@ss:w/rd%20?#", "plain"])
def test_a_password_given_apart_reaches_the_database_as_it_is(password: str) -> None:
    url = "postgresql://negotiation_log@postgres:5432/negotiation_log"
    assert eventsourcing_env(url, password=password)["POSTGRES_PASSWORD"] == password
    assert eventsourcing_env(url.replace("log@", "log:in%40url@"), password=password)["POSTGRES_PASSWORD"] == "in@url"


def test_the_password_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEGOTIATION_LOG_DB_PASSWORD", "p@ss:w/rd")
    assert Settings().db_password == "p@ss:w/rd"


def test_replicas_start_after_the_database_and_traffic_after_the_replicas(compose: dict[str, Any]) -> None:
    api = replicas(compose)
    assert len(api) == 2
    for service in api.values():
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert compose["services"]["postgres"]["healthcheck"]["test"]
    balancer = compose["services"]["balancer"]["depends_on"]
    assert {name: balancer[name]["condition"] for name in api} == {name: "service_healthy" for name in api}
    assert "HEALTHCHECK" in (DOCKER / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_lets_the_app_user_write_its_data_and_key(compose: dict[str, Any]) -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    runtime = dockerfile.split("\nFROM ")[-1]
    assert re.search(r"useradd [^\n]*--uid 10001 app", runtime)
    assert re.search(r"mkdir /data /keys && chown app:app /data /keys", runtime)
    assert runtime.index("chown app:app /data /keys") < runtime.index("USER app")
    for service in replicas(compose).values():
        key = service["environment"]["NEGOTIATION_LOG_SIGNING_KEY"]
        assert "keys:/keys" in service["volumes"] and key.startswith("/keys/")
    assert "keys" in compose["volumes"]


def test_the_balancer_and_the_replicas_share_one_body_limit(compose: dict[str, Any], nginx: str) -> None:
    limit = "${NEGOTIATION_LOG_MAX_BODY_BYTES:-1048576}"
    assert compose["services"]["balancer"]["environment"]["NEGOTIATION_LOG_MAX_BODY_BYTES"] == limit
    for service in replicas(compose).values():
        assert service["environment"]["NEGOTIATION_LOG_MAX_BODY_BYTES"] == limit
    assert Settings.model_fields["max_body_bytes"].default == 1048576
    assert "client_max_body_size ${NEGOTIATION_LOG_MAX_BODY_BYTES};" in nginx
    assert compose["services"]["balancer"]["environment"]["NGINX_ENVSUBST_FILTER"] == "NEGOTIATION_LOG_"
    assert any(v.endswith("/etc/nginx/templates/default.conf.template:ro")
               for v in compose["services"]["balancer"]["volumes"])


def test_nginx_answers_its_own_errors_as_problem_json(nginx: str) -> None:
    rendered = Template(nginx).safe_substitute(NEGOTIATION_LOG_MAX_BODY_BYTES="1048576")
    for status in (413, 502, 504):
        [location] = re.findall(rf"error_page [0-9 ]*\b{status}\b[0-9 ]* (@\w+);", rendered)
        block = rendered.split(f"location {location} {{", 1)[1].split("}\n", 1)[0]
        assert "default_type application/problem+json;" in block
        body = re.search(rf"return {status} '(.*)';", block)
        assert body is not None
        problem = yaml.safe_load(body.group(1))  # JSON is YAML
        assert problem["status"] == status and problem["type"].startswith("urn:negotiation-log:problem:")
        assert problem["detail"] and problem["rule"]
        if status != 413:
            assert "add_header Retry-After 1 always;" in block


def test_nginx_forwards_the_client_and_keeps_connections_to_the_replicas(compose: dict[str, Any], nginx: str) -> None:
    upstream = nginx.split("upstream negotiation_log {", 1)[1].split("}", 1)[0]
    assert sorted(re.findall(r"server ([\w-]+):8000;", upstream)) == sorted(replicas(compose))
    assert re.search(r"keepalive \d+;", upstream)
    # Closed before uvicorn's own idle timeout (5 s) closes them.
    assert int(re.search(r"keepalive_timeout (\d+)s;", upstream).group(1)) < 5  # type: ignore[union-attr]
    assert 'proxy_set_header Connection "";' in nginx and "proxy_http_version 1.1;" in nginx
    for header in ("X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in nginx
    for service in replicas(compose).values():
        assert service["environment"]["NEGOTIATION_LOG_PROXY_HEADERS"] == "true"
        assert service["environment"]["NEGOTIATION_LOG_FORWARDED_ALLOW_IPS"]
        assert "ports" not in service  # only the balancer reaches them, so trusting it is safe
    stream = nginx.split("location = /events/stream {", 1)[1].split("}", 1)[0]
    assert "proxy_buffering off;" in stream
