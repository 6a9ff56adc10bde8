"""The association's members, from the CSV file the facilitator provides (name, email[, language]).

A member's name and address go into the invitation's ``To:`` header, so they follow the same
rules as an application's (``domain.text``, ``domain.people``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import EmailStr, TypeAdapter, ValidationError

from adapters.spreadsheet import read_table
from domain.errors import dutch_reason
from domain.people import INVALID_EMAIL
from domain.text import Line, text_refusal

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("naam",), "email": ("e-mailadres", "e-mail", "mail"), "language": ("taal",),
}
LANGUAGES = {"": "nl", "nl": "nl", "nederlands": "nl", "en": "en", "engels": "en", "english": "en"}
_NAME = TypeAdapter(Line)
_EMAIL = TypeAdapter(EmailStr)


def read_members(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The members, or every problem as 'rij N, veld F: reden' (the header is row 1)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], [f"rij 1: het bestand is niet te lezen: {exc.strerror or exc}"]
    table = read_table(data, COLUMNS, ("name", "email"))
    errors = [str(e) for e in table.errors]
    rows: list[dict[str, str]] = []
    for number, row in zip(table.numbers, table.rows, strict=True):
        name, email = row.get("name", ""), row.get("email", "")
        try:
            _NAME.validate_python(name)
        except ValidationError as exc:
            errors.append(f"rij {number}, veld name: {dutch_reason(exc.errors()[0])}")
        if reason := text_refusal(email, one_line=True):
            errors.append(f"rij {number}, veld email: {reason}")
        else:
            try:
                _EMAIL.validate_python(email)
            except ValidationError:
                errors.append(f"rij {number}, veld email: {INVALID_EMAIL}")
        language = LANGUAGES.get(row.get("language", "").lower())
        if language is None:
            errors.append(f"rij {number}, veld language: kies nl of en")
        rows.append({"name": name, "email": email.lower(), "language": language or "nl"})
    if not rows and not errors:
        errors.append("rij 2: het bestand bevat geen leden")
    return (rows if not errors else []), errors
