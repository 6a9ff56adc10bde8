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


def check_member(name: str, email: str, language: str = "") -> tuple[dict[str, str], list[str]]:
    """One member as stored (name, email in lower case, language), and every problem as 'veld F: reden'."""
    errors: list[str] = []
    try:
        _NAME.validate_python(name)
    except ValidationError as exc:
        errors.append(f"veld name: {dutch_reason(exc.errors()[0])}")
    if reason := text_refusal(email, one_line=True):
        errors.append(f"veld email: {reason}")
    else:
        try:
            _EMAIL.validate_python(email)
        except ValidationError:
            errors.append(f"veld email: {INVALID_EMAIL}")
    code = LANGUAGES.get(language.strip().lower())
    if code is None:
        errors.append("veld language: kies nl of en")
    return {"name": name, "email": email.strip().lower(), "language": code or "nl"}, errors


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
        member, problems = check_member(row.get("name", ""), row.get("email", ""), row.get("language", ""))
        errors += [f"rij {number}, {problem}" for problem in problems]
        rows.append(member)
    if not rows and not errors:
        errors.append("rij 2: het bestand bevat geen leden")
    return (rows if not errors else []), errors
