"""Refusals of the domain: each names the field it concerns and the reason."""

from __future__ import annotations


class DomainError(ValueError):
    """An act the rules do not allow. ``field`` says which input, ``reason`` why (Dutch)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
