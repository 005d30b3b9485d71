"""Domain exceptions shared by every app's services, mapped to HTTP by views and the API."""

from __future__ import annotations


class ConflictError(Exception):
    """The action is not allowed from the object's current state (e.g. approving twice, or a
    stale edit). Pages show the message; the API answers 409."""

    def __init__(self, message: str, *, code: str = "conflict") -> None:
        self.message = message
        self.code = code
        super().__init__(message)
