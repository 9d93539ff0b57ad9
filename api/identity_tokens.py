"""JWT access tokens from an identity provider (docs/api.md §7), verified with PyJWT.

A token is accepted when its signature verifies against a key of the configured JWKS (a file,
or an https URL such as a Keycloak realm's `.../protocol/openid-connect/certs`), with one of
the asymmetric algorithms RS256, ES256 or EdDSA, and when `exp`/`nbf` hold and `iss`/`aud`
match the configured ones. The principal is read from claims: a name, a role and, optionally,
the workspaces it is limited to.

Nothing here knows about HTTP: `verify` answers a Principal or raises TokenRefused naming the
check that failed (never echoing the token), and may block (reading the file, fetching the
URL), so callers off the event loop run it in a thread. `remembered` answers without blocking
for a token seen within the last second."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from domain.errors import ValidationFailed
from domain.principals import NAME_PATTERN, ROLES, Principal
from domain.workspaces import checked_keys

log = logging.getLogger("negotiation_log")

# Asymmetric only: with a symmetric algorithm the verifying key is also the signing key, and
# the classic confusion is a public key (which anyone can fetch) used as an HMAC secret.
ALGORITHMS = ("RS256", "ES256", "EdDSA")
HMAC = ("HS256", "HS384", "HS512")
# Three base64url parts; the signature may be empty (alg none), refused further on.
JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\Z")
MIN_RSA_BITS = 2048
# An identity provider's key set is a few keys; anything much bigger is not one.
MAX_JWKS_BYTES = 1_048_576
# As long as nl_ tokens (domain.principals): a busy client costs no verification per request.
CACHE_SECONDS = 1.0
CACHE_SIZE = 10_000


def looks_like_jwt(token: str) -> bool:
    return JWT_SHAPE.match(token) is not None


class TokenRefused(Exception):
    """A JWT that is not accepted; `check` names the check (e.g. 'expired'), `detail` says it
    for a person. Neither holds anything taken from the token."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(detail)
        self.check, self.detail = check, detail


class KeySetUnavailable(Exception):
    """The key set could not be read or is not a JWKS."""


@dataclass(frozen=True)
class ClaimNames:
    name: str = "sub"
    role: str = "negotiation_log_role"
    workspaces: str = "negotiation_log_workspaces"


@dataclass(frozen=True)
class VerifyingKey:
    algorithm: str
    key: Any  # a cryptography public key


# -- the key set ------------------------------------------------------------------------------


def parse_jwks(raw: bytes) -> dict[str, VerifyingKey]:
    """The usable signing keys of a JWKS document, by kid. Keys we would never accept
    (symmetric, encryption keys, other curves, short RSA, no kid) are left out, so that no
    token can name them."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise KeySetUnavailable(f"not JSON ({e})") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise KeySetUnavailable('not a JWKS: a JSON object with a "keys" list is expected')
    keys: dict[str, VerifyingKey] = {}
    for entry in document["keys"]:
        found = _usable_key(entry)
        if found is None:
            continue
        kid, key = found
        if kid in keys:
            log.warning("the JWKS names the key id %r twice; the first is used", kid)
            continue
        keys[kid] = key
    return keys


def _usable_key(entry: Any) -> tuple[str, VerifyingKey] | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str) or not entry["kid"]:
        return None
    if entry.get("use", "sig") != "sig":
        return None
    kty, crv, alg = entry.get("kty"), entry.get("crv"), entry.get("alg")
    if kty == "RSA":
        algorithm = "RS256"
    elif kty == "EC" and crv == "P-256":
        algorithm = "ES256"
    elif kty == "OKP" and crv == "Ed25519":
        algorithm = "EdDSA"
    else:
        return None
    if alg is not None and alg != algorithm:
        return None
    try:
        key = jwt.PyJWK(entry, algorithm).key
    except jwt.PyJWTError:
        return None
    if isinstance(key, RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        return None
    if algorithm == "ES256" and not isinstance(key, EllipticCurvePublicKey):
        return None
    return entry["kid"], VerifyingKey(algorithm, key)


class KeySet:
    """The JWKS, by kid, kept in memory.

    A file is re-read whenever it changed (one stat per lookup), so keys rotated into it are
    used without a restart and keys taken out of it stop being accepted. A URL is fetched
    when first needed, again when it is older than `max_age_seconds`, and again when a token
    names a kid it does not hold; but never more often than every `min_refresh_seconds`, so a
    flood of tokens naming made-up kids costs the identity provider one request at most per
    interval. When a fetch fails the keys already held are kept."""

    def __init__(self, source: str, *, allow_http: bool = False, min_refresh_seconds: float = 10.0,
                 max_age_seconds: float = 300.0, fetch_timeout: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.source = source
        self.is_url = "://" in source
        if self.is_url and not (source.startswith("https://") or (allow_http and source.startswith("http://"))):
            raise KeySetUnavailable(f"the JWKS must be an https:// URL or a file path, not {source}")
        self.min_refresh_seconds, self.max_age_seconds = min_refresh_seconds, max_age_seconds
        self.fetch_timeout, self.clock = fetch_timeout, clock
        self._keys: dict[str, VerifyingKey] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._file_version: tuple[int, int, int] | None = None
        self._unreadable = False
        self._lock = threading.Lock()

    def load(self) -> int:
        """Reads the key set now (blocking); returns how many usable keys it holds. Raises
        KeySetUnavailable when it cannot be read or is not a JWKS."""
        with self._lock:
            if self.is_url:
                self._attempted_at = self.clock()
                self._keys = parse_jwks(self._fetch())
            else:
                version = self._stat()
                self._keys, self._file_version = parse_jwks(self._read_file()), version
            self._loaded_at = self.clock()
            return len(self._keys)

    def key(self, kid: str) -> VerifyingKey | None:
        """The key named `kid`, or None; may block on the file or the URL."""
        if self.is_url:
            return self._url_key(kid)
        return self._file_key(kid)

    def _file_key(self, kid: str) -> VerifyingKey | None:
        try:
            version = self._stat()
        except KeySetUnavailable:
            if not self._unreadable:  # said once, not on every request
                log.warning("the JWKS file %s cannot be read; the keys read before are used", self.source)
            self._unreadable = True
            return self._keys.get(kid)
        self._unreadable = False
        if version != self._file_version:
            with self._lock:
                if version != self._file_version:
                    try:
                        self._keys = parse_jwks(self._read_file())
                        self._loaded_at = self.clock()
                    except KeySetUnavailable as e:  # e.g. caught half-written: the next look retries
                        log.warning("the JWKS file %s is not usable (%s); the keys read before are used",
                                    self.source, e)
                    else:
                        self._file_version = version
        return self._keys.get(kid)

    def _url_key(self, kid: str) -> VerifyingKey | None:
        found = self._keys.get(kid)
        stale = self._loaded_at is None or self.clock() - self._loaded_at >= self.max_age_seconds
        if found is not None and not stale:
            return found
        with self._lock:
            # Another thread may have refreshed while this one waited.
            found = self._keys.get(kid)
            stale = self._loaded_at is None or self.clock() - self._loaded_at >= self.max_age_seconds
            if found is not None and not stale:
                return found
            now = self.clock()
            if self._attempted_at is not None and now - self._attempted_at < self.min_refresh_seconds:
                return found
            self._attempted_at = now
            try:
                self._keys = parse_jwks(self._fetch())
                self._loaded_at = self.clock()
            except KeySetUnavailable as e:
                log.warning("the JWKS at %s could not be fetched (%s); the keys fetched before are used",
                            self.source, e)
            return self._keys.get(kid)

    def _stat(self) -> tuple[int, int, int]:
        try:
            st = os.stat(self.source)
        except OSError as e:
            raise KeySetUnavailable(f"cannot read {self.source}: {e.strerror}") from None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _read_file(self) -> bytes:
        try:
            with open(self.source, "rb") as f:
                raw = f.read(MAX_JWKS_BYTES + 1)
        except OSError as e:
            raise KeySetUnavailable(f"cannot read {self.source}: {e.strerror}") from None
        if len(raw) > MAX_JWKS_BYTES:
            raise KeySetUnavailable(f"larger than {MAX_JWKS_BYTES} bytes")
        return raw

    def _fetch(self) -> bytes:
        import httpx  # only a server given an https:// key set needs it (4.5 MB resident)

        try:
            with httpx.stream("GET", self.source, timeout=self.fetch_timeout, follow_redirects=False,
                              headers={"Accept": "application/json"}) as response:
                if response.status_code != 200:
                    raise KeySetUnavailable(f"answered {response.status_code}")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_JWKS_BYTES:
                        raise KeySetUnavailable(f"larger than {MAX_JWKS_BYTES} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as e:
            raise KeySetUnavailable(f"{type(e).__name__}: {e}") from None


# -- the verifier -------------------------------------------------------------------------------


class IdentityTokens:
    def __init__(self, keys: KeySet, *, issuer: str | None = None, audience: str | None = None,
                 claims: ClaimNames = ClaimNames(), leeway_seconds: float = 30.0) -> None:
        self.keys, self.issuer, self.audience = keys, issuer, audience
        self.claims, self.leeway = claims, leeway_seconds
        # digest: (the principal or the refusal, until when it stands, in time.time())
        self._seen: dict[str, tuple[Principal | TokenRefused, float]] = {}

    def remembered(self, token: str) -> tuple[bool, Principal | TokenRefused | None]:
        """(True, the answer) for a token verified (or refused) within the last second and
        still unexpired; else (False, None). Never blocks."""
        seen = self._seen.get(_digest(token))
        if seen is not None and seen[1] > time.time():
            return True, seen[0]
        return False, None

    def verify(self, token: str) -> Principal:
        """The token's principal, or TokenRefused; may block (see KeySet)."""
        try:
            principal = self._verified(token)
        except TokenRefused as refused:
            self._remember(token, refused, time.time() + CACHE_SECONDS)
            raise
        return principal

    @staticmethod
    def expiry(token: str) -> float:
        """The `exp` of a token that `verify` accepted (read again without verifying)."""
        return float(jwt.decode(token, options={"verify_signature": False})["exp"])

    def _verified(self, token: str) -> Principal:
        if not looks_like_jwt(token):
            raise TokenRefused("malformed", "malformed: not three base64url parts")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRefused("malformed", "malformed: the header is not base64url JSON") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg.lower() == "none":
            raise TokenRefused("alg-none", "an unsigned JWT (alg none) is refused")
        if alg in HMAC:
            raise TokenRefused("alg-hmac", "HMAC-signed JWTs (HS256, HS384, HS512) are refused: only "
                                           f"{', '.join(ALGORITHMS)}")
        if alg not in ALGORITHMS:
            raise TokenRefused("alg", f"the JWT's algorithm is not one of {', '.join(ALGORITHMS)}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRefused("kid", "the JWT's header names no key (kid)")
        key = self.keys.key(kid)
        if key is None:
            raise TokenRefused("unknown-kid", "the JWT's key id (kid) is not in the identity provider's key set")
        if key.algorithm != alg:
            raise TokenRefused("alg", f"the JWT's algorithm does not fit its key, which is for {key.algorithm}")
        payload = self._decoded(token, key)
        principal = self._principal(payload)
        exp = payload["exp"]
        self._remember(token, principal, min(time.time() + CACHE_SECONDS, float(exp)))
        return principal

    def _decoded(self, token: str, key: VerifyingKey) -> dict[str, Any]:
        required = ["exp"] + (["iss"] if self.issuer else []) + (["aud"] if self.audience else [])
        try:
            return jwt.decode(token, key.key, algorithms=[key.algorithm], issuer=self.issuer,
                              audience=self.audience, leeway=self.leeway,
                              options={"require": required, "verify_aud": self.audience is not None,
                                       "verify_sub": False, "verify_jti": False})
        except jwt.InvalidSignatureError:
            raise TokenRefused("signature", "the JWT's signature does not verify with its key") from None
        except jwt.ExpiredSignatureError:
            raise TokenRefused("expired", "the JWT has expired (exp)") from None
        except jwt.ImmatureSignatureError:
            raise TokenRefused("not-yet-valid", "the JWT is not valid yet (nbf or iat in the future)") from None
        except jwt.InvalidIssuerError:
            raise TokenRefused("issuer", "the JWT's issuer (iss) is not the one configured") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused("audience", "the JWT's audience (aud) does not name this service") from None
        except jwt.MissingRequiredClaimError as e:
            raise TokenRefused(f"missing-{e.claim}", f"the JWT has no {e.claim} claim") from None
        except jwt.PyJWTError:
            raise TokenRefused("malformed", "malformed: the payload or signature cannot be read") from None

    def _principal(self, payload: dict[str, Any]) -> Principal:
        names = self.claims
        name = payload.get(names.name)
        if name is None:
            raise TokenRefused("missing-sub", f"the JWT has no {names.name} claim (the principal's name)")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise TokenRefused("sub", f"the JWT's {names.name} claim is not a principal name: 1-64 characters, "
                                      "letters, digits, space, . _ @ -")
        role = payload.get(names.role)
        if role is None:
            raise TokenRefused("missing-role", f"the JWT has no {names.role} claim (the principal's role)")
        if role not in ROLES:
            raise TokenRefused("role", f"the JWT's {names.role} claim is not one of: {', '.join(ROLES)}")
        workspaces = None
        if names.workspaces in payload:  # present, even as null: a list is required
            try:
                workspaces = checked_keys(names.workspaces, payload[names.workspaces])
                if workspaces is None:
                    raise ValidationFailed([])
            except ValidationFailed:
                raise TokenRefused("workspaces", f"the JWT's {names.workspaces} claim is not a non-empty list "
                                                 "of workspace keys (^[a-z0-9][a-z0-9_-]{0,63}$)") from None
        return Principal(name, role, workspaces)

    def _remember(self, token: str, outcome: Principal | TokenRefused, until: float) -> None:
        if len(self._seen) >= CACHE_SIZE:
            self._seen.clear()
        self._seen[_digest(token)] = (outcome, until)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

