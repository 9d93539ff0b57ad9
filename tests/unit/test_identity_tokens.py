"""The JWT verifier on its own (api/identity_tokens.py): keys and a JWKS made here, every
reason a token is refused, key rotation in a file, and a JWKS URL that a flood of made-up key
ids cannot make us fetch more than once per interval."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec as ec_curves

from api.identity_tokens import ClaimNames, IdentityTokens, KeySet, KeySetUnavailable, TokenRefused, looks_like_jwt
from domain.principals import Principal
from tests.jwt_keys import (
    AUDIENCE, ISSUER, JwksServer, SigningKey, b64, claims, ec_key, ed25519_key, hmac_signed, jwks, rsa_key, unsigned,
    write_jwks,
)

# Made once: RSA key generation takes a noticeable moment.
RSA, EC, ED = rsa_key(), ec_key(), ed25519_key()
RSA_IMPOSTOR = rsa_key(RSA.kid)  # another key that claims RSA's kid


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    path = tmp_path / "jwks.json"
    write_jwks(path, RSA, EC, ED)
    return path


@pytest.fixture
def verifier(jwks_file: Path) -> IdentityTokens:
    keys = KeySet(str(jwks_file))
    keys.load()
    return IdentityTokens(keys, issuer=ISSUER, audience=AUDIENCE, leeway_seconds=0)


def refusal(verifier: IdentityTokens, token: str) -> TokenRefused:
    with pytest.raises(TokenRefused) as caught:
        verifier.verify(token)
    # The detail never carries the token, nor any of its parts.
    for part in token.split("."):
        if len(part) > 3:
            assert part not in caught.value.detail
    return caught.value


@pytest.mark.parametrize("key", [RSA, EC, ED], ids=["RS256", "ES256", "EdDSA"])
def test_a_token_signed_by_a_key_of_the_set_is_its_principal(verifier: IdentityTokens, key: SigningKey) -> None:
    token = key.sign(claims(sub="alice", negotiation_log_role="recorder"))
    assert looks_like_jwt(token)
    assert verifier.verify(token) == Principal("alice", "recorder", None)


def test_the_workspaces_claim_limits_the_principal(verifier: IdentityTokens) -> None:
    token = EC.sign(claims(negotiation_log_workspaces=["istanbul", "geneva-2"]))
    assert verifier.verify(token).workspaces == frozenset({"istanbul", "geneva-2"})


def test_claim_names_are_configurable(jwks_file: Path) -> None:
    keys = KeySet(str(jwks_file))
    verifier = IdentityTokens(keys, claims=ClaimNames("preferred_username", "nl_role", "nl_ws"))
    token = RSA.sign(claims(sub=None, preferred_username="bob@example.org", nl_role="auditor", nl_ws=["a"],
                            negotiation_log_role=None))
    assert verifier.verify(token) == Principal("bob@example.org", "auditor", frozenset({"a"}))


def test_without_issuer_and_audience_settings_they_are_not_checked(jwks_file: Path) -> None:
    verifier = IdentityTokens(KeySet(str(jwks_file)))
    token = ED.sign(claims(iss="https://elsewhere.example", aud="account"))
    assert verifier.verify(token).name == "alice"


HOUR = 3600
NOW = int(time.time())

REFUSED: dict[str, tuple[Callable[[], str], str]] = {
    "bad signature (another key claims the kid)": (lambda: RSA_IMPOSTOR.sign(claims()), "signature"),
    "payload changed after signing": (lambda: _swap_payload(EC.sign(claims()), claims(negotiation_log_role="admin")),
                                      "signature"),
    "unknown kid": (lambda: rsa_key("rsa-unknown").sign(claims()), "unknown-kid"),
    "no kid": (lambda: _without_kid(ED), "kid"),
    "alg none": (lambda: unsigned(claims(), RSA.kid), "alg-none"),
    "HS256 with the RSA public key as secret": (lambda: hmac_signed(claims(), RSA.public_pem(), RSA.kid),
                                                "alg-hmac"),
    "HS512 with the EC public key as secret": (lambda: hmac_signed(claims(), EC.public_pem(), EC.kid, "HS512"),
                                               "alg-hmac"),
    "RS512": (lambda: _jwt_encode(RSA, "RS512"), "alg"),
    "PS256": (lambda: _jwt_encode(RSA, "PS256"), "alg"),
    "ES256 naming an RSA key": (lambda: _jwt_encode(EC, "ES256", kid=RSA.kid), "alg"),
    "expired": (lambda: RSA.sign(claims(exp=NOW - HOUR, iat=NOW - 2 * HOUR, nbf=NOW - 2 * HOUR)), "expired"),
    "not yet valid (nbf)": (lambda: RSA.sign(claims(nbf=NOW + HOUR, exp=NOW + 2 * HOUR)), "not-yet-valid"),
    "issued in the future (iat)": (lambda: RSA.sign(claims(iat=NOW + HOUR, exp=NOW + 2 * HOUR)), "not-yet-valid"),
    "no exp": (lambda: RSA.sign(claims(exp=None)), "missing-exp"),
    "wrong issuer": (lambda: EC.sign(claims(iss="https://idp.example/realms/other")), "issuer"),
    "no issuer": (lambda: EC.sign(claims(iss=None)), "missing-iss"),
    "wrong audience": (lambda: ED.sign(claims(aud="account")), "audience"),
    "no audience": (lambda: ED.sign(claims(aud=None)), "missing-aud"),
    "role that does not exist": (lambda: RSA.sign(claims(negotiation_log_role="superuser")), "role"),
    "role as a list": (lambda: RSA.sign(claims(negotiation_log_role=["reader"])), "role"),
    "no role": (lambda: RSA.sign(claims(negotiation_log_role=None)), "missing-role"),
    "workspaces a string": (lambda: EC.sign(claims(negotiation_log_workspaces="istanbul")), "workspaces"),
    "workspaces empty": (lambda: EC.sign(claims(negotiation_log_workspaces=[])), "workspaces"),
    "workspaces null": (lambda: EC.sign(claims() | {"negotiation_log_workspaces": None}), "workspaces"),
    "workspace key invalid": (lambda: EC.sign(claims(negotiation_log_workspaces=["Istanbul 2025"])), "workspaces"),
    "workspace key not a string": (lambda: EC.sign(claims(negotiation_log_workspaces=[7])), "workspaces"),
    "no sub": (lambda: ED.sign(claims(sub=None)), "missing-sub"),
    "sub not a name": (lambda: ED.sign(claims(sub=12345)), "sub"),
    "malformed: not base64 JSON": (lambda: "abc.def.ghi", "malformed"),
    "malformed: payload not JSON (signed)": (lambda: jwt.PyJWS().encode(b"not json", RSA.private, algorithm="RS256",
                                                                        headers={"kid": RSA.kid}), "malformed"),
    "malformed: payload a JSON list (signed)": (lambda: jwt.PyJWS().encode(b"[1]", EC.private, algorithm="ES256",
                                                                           headers={"kid": EC.kid}), "malformed"),
    "malformed: exp not a number": (lambda: RSA.sign(claims(exp="tomorrow")), "malformed"),
    "malformed: two parts": (lambda: ".".join(RSA.sign(claims()).split(".")[:2]), "malformed"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_each_failed_check_is_named_without_echoing_the_token(verifier: IdentityTokens, case: str) -> None:
    make, check = REFUSED[case]
    assert refusal(verifier, make()).check == check


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_keys_that_could_never_be_accepted_are_left_out_of_the_set(tmp_path: Path) -> None:
    short, p384 = rsa_key("short", bits=1024), ec_key("p384")
    document = jwks(RSA, short)
    document["keys"] += [
        {"kty": "oct", "kid": "shared", "k": "c2VjcmV0"},  # a symmetric key
        {**EC.jwk(), "kid": "for-encryption", "use": "enc"},
        {**RSA.jwk(), "kid": "rsa-as-ps256", "alg": "PS256"},
    ]
    p384.private = ec_curves.generate_private_key(ec_curves.SECP384R1())
    document["keys"].append({**p384.jwk(), "alg": "ES384"})
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(document))
    keys = KeySet(str(path))
    assert keys.load() == 1
    verifier = IdentityTokens(keys)
    assert verifier.verify(RSA.sign(claims())).name == "alice"
    assert refusal(verifier, short.sign(claims())).check == "unknown-kid"
    assert refusal(verifier, hmac_signed(claims(), b"secret", "shared")).check == "alg-hmac"
    assert refusal(verifier, _jwt_encode(EC, "ES256", kid="for-encryption")).check == "unknown-kid"


def test_a_key_rotated_into_the_file_is_used_and_one_taken_out_is_refused(jwks_file: Path,
                                                                           verifier: IdentityTokens) -> None:
    new = ec_key("ec-2")
    assert refusal(verifier, new.sign(claims())).check == "unknown-kid"
    write_jwks(jwks_file, new, ED)
    assert verifier.verify(new.sign(claims(sub="carol"))).name == "carol"
    assert refusal(verifier, RSA.sign(claims(sub="dave"))).check == "unknown-kid"


def test_a_file_that_becomes_unusable_keeps_the_keys_read_before(jwks_file: Path, verifier: IdentityTokens) -> None:
    jwks_file.write_text('{"keys": [')  # caught half-written
    assert verifier.verify(RSA.sign(claims(sub="erin"))).name == "erin"
    jwks_file.unlink()
    assert verifier.verify(RSA.sign(claims(sub="frank"))).name == "frank"


def test_a_missing_or_invalid_file_is_refused_when_loaded(tmp_path: Path) -> None:
    with pytest.raises(KeySetUnavailable):
        KeySet(str(tmp_path / "absent.json")).load()
    (tmp_path / "bad.json").write_text('{"not": "a jwks"}')
    with pytest.raises(KeySetUnavailable):
        KeySet(str(tmp_path / "bad.json")).load()


def test_a_verified_token_is_remembered_briefly_and_a_refusal_too(verifier: IdentityTokens) -> None:
    token, forged = RSA.sign(claims()), unsigned(claims(), RSA.kid)
    assert verifier.remembered(token) == (False, None)
    principal = verifier.verify(token)
    assert verifier.remembered(token) == (True, principal)
    with pytest.raises(TokenRefused):
        verifier.verify(forged)
    settled, outcome = verifier.remembered(forged)
    assert settled and isinstance(outcome, TokenRefused) and outcome.check == "alg-none"


# -- a JWKS URL ----------------------------------------------------------------------------------


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer(jwks(RSA))
    yield server
    server.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_jwks_url_must_be_https() -> None:
    with pytest.raises(KeySetUnavailable):
        KeySet("http://idp.example/certs")
    with pytest.raises(KeySetUnavailable):
        KeySet("ftp://idp.example/certs")
    assert KeySet("https://idp.example/certs").is_url


def test_a_url_is_fetched_when_first_needed_and_again_for_a_new_kid_at_most_once_per_interval(
        jwks_server: JwksServer) -> None:
    clock = Clock()
    keys = KeySet(jwks_server.url, allow_http=True, min_refresh_seconds=10, max_age_seconds=300, clock=clock)
    verifier = IdentityTokens(keys)
    assert jwks_server.requests == 0  # nothing at start
    assert verifier.verify(RSA.sign(claims())).name == "alice"
    assert jwks_server.requests == 1
    # A flood of made-up kids within the interval costs no further request.
    token = RSA.sign(claims())
    for n in range(50):
        assert refusal(verifier, _swap_kid(token, f"made-up-{n}")).check == "unknown-kid"
    assert jwks_server.requests == 1
    # The IdP rotates a key in; once the interval has passed, its tokens are accepted.
    new = ec_key("ec-rotated")
    jwks_server.document = jwks(RSA, new)
    assert refusal(verifier, new.sign(claims(sub="gina"))).check == "unknown-kid"
    assert jwks_server.requests == 1
    clock.now += 10
    assert verifier.verify(new.sign(claims(sub="hal"))).name == "hal"
    assert jwks_server.requests == 2
    # Known kids cost nothing until the set is older than its max age; then it is fetched again.
    assert verifier.verify(RSA.sign(claims(sub="ian"))).name == "ian"
    assert jwks_server.requests == 2
    jwks_server.document = jwks(new)
    clock.now += 300
    assert refusal(verifier, RSA.sign(claims(sub="jo"))).check == "unknown-kid"
    assert jwks_server.requests == 3


def test_a_concurrent_flood_of_made_up_kids_costs_one_fetch(jwks_server: JwksServer) -> None:
    verifier = IdentityTokens(KeySet(jwks_server.url, allow_http=True, min_refresh_seconds=60))
    token = RSA.sign(claims())
    forged = [_swap_kid(token, f"flood-{n}") for n in range(64)]
    with ThreadPoolExecutor(8) as pool:
        checks = list(pool.map(lambda t: refusal(verifier, t).check, forged))
    assert set(checks) == {"unknown-kid"} and jwks_server.requests == 1
    assert verifier.verify(token).name == "alice" and jwks_server.requests == 1


def test_an_unreachable_url_keeps_the_keys_fetched_before(jwks_server: JwksServer) -> None:
    clock = Clock()
    keys = KeySet(jwks_server.url, allow_http=True, min_refresh_seconds=1, max_age_seconds=5, clock=clock)
    verifier = IdentityTokens(keys)
    assert verifier.verify(RSA.sign(claims())).name == "alice"
    jwks_server.close()
    clock.now += 10
    assert verifier.verify(RSA.sign(claims(sub="kim"))).name == "kim"
    never_fetched = KeySet(jwks_server.url, allow_http=True, fetch_timeout=1)
    assert refusal(IdentityTokens(never_fetched), RSA.sign(claims())).check == "unknown-kid"


# -- forging helpers -----------------------------------------------------------------------------


def _jwt_encode(key: SigningKey, algorithm: str, kid: str | None = None) -> str:
    return jwt.encode(claims(), key.private, algorithm=algorithm, headers={"kid": kid or key.kid})


def _without_kid(key: SigningKey) -> str:
    return jwt.encode(claims(), key.private, algorithm=key.algorithm)


def _swap_payload(token: str, payload: dict[str, Any]) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64(json.dumps(payload).encode())}.{signature}"


def _swap_kid(token: str, kid: str) -> str:
    header_part, payload, signature = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_part + "=" * (-len(header_part) % 4)))
    return f"{b64(json.dumps({**header, 'kid': kid}).encode())}.{payload}.{signature}"
