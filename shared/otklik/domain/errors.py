"""Domain errors. Each has a stable code (mapped to HTTP once, at the edge) and a Russian
message, because officials read it on the page."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidTransition(DomainError):
    """The case is not in a state where this action makes sense (HTTP 409)."""

    code = "invalid_transition"


class Forbidden(DomainError):
    """The actor's role or department may not do this (HTTP 403)."""

    code = "forbidden"


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule of the regulation (HTTP 422)."""

    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class ConcurrentModification(DomainError):
    """Someone else changed the case first (optimistic locking, HTTP 409)."""

    code = "conflict"
