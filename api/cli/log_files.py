"""What the verifying commands are handed: a verifier key (the string from GET /log/key, or
@FILE holding it) and a saved checkpoint note."""

from __future__ import annotations

from pathlib import Path

from domain.signed_note import VerifierKey, parse_verifier_key


class BadInput(Exception):
    pass


def verifier(text: str) -> VerifierKey:
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as e:
            raise BadInput(f"cannot read {text[1:]}: {e.strerror}") from None
    try:
        return parse_verifier_key(text.strip())
    except ValueError as e:
        raise BadInput(f"not a verifier key (<name>+<key id>+<base64 key>, from GET /log/key): {e}") from None


def read_note(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not a checkpoint saved from GET /log/checkpoint (not UTF-8)") from None
