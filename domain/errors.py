"""Domain errors. Each carries what an HTTP problem+json needs, but knows nothing of HTTP:
the edge maps the class to a status code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FieldError:
    """One reason a value was refused; `field` is a dotted path into the submitted object
    (`participants.0.role`), or "" when the rule concerns the whole object."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DomainError(Exception):
    """Base class: `title` is short and fixed per kind, `detail` names the field or rule."""

    title = "Request refused"

    def __init__(self, detail: str, *, rule: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule
        self.index: int | None = None

    def at(self, index: int) -> DomainError:
        """This error attributed to event `index` of a batch, so the client knows which one."""
        self.detail = f"event {index}: {self.detail}"
        self.index = index
        return self


class ValidationFailed(DomainError):
    """The submitted object is malformed: a missing or unknown field, a bad value (422)."""

    title = "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        detail = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)
        super().__init__(detail, rule="validation")


class RuleViolation(DomainError):
    """The event is well formed but contradicts what the log already knows (409)."""

    title = "Contradicts the record"


class NotFound(DomainError):
    """An unknown negotiation, event or entity (404)."""

    title = "Not found"


class VersionConflict(DomainError):
    """`If-Match` did not equal the stream's current version (409)."""

    title = "Version conflict"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"If-Match expected version {expected} but the negotiation is at version {actual}",
            rule="if-match",
        )
        self.expected = expected
        self.actual = actual


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key was sent before with a different request (422)."""

    title = "Idempotency key reused"
