"""Refusals of the domain: each names the field it concerns and the reason."""

from __future__ import annotations

from typing import Any


class DomainError(ValueError):
    """An act the rules do not allow. ``field`` says which input, ``reason`` why (Dutch)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def dutch_reason(error: Any) -> str:
    """A pydantic error, as the one line a Dutch form or file shows at its field."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if kind in ("missing", "string_too_short", "string_type"):
        return "vul dit veld in"
    if kind == "string_too_long":
        return f"te lang (maximaal {ctx.get('max_length')} tekens)"
    if kind.startswith("date"):
        return "geen geldige datum"
    if kind == "int_parsing":
        return "vul een geheel getal in"
    if kind == "enum":
        return "kies een van de mogelijkheden"
    return "deze waarde klopt niet"
