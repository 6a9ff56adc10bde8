"""The association's members, from the CSV file the facilitator provides (name, email[, language])."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import EmailStr, TypeAdapter, ValidationError


def read_members(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The members, or every problem as 'rij N, veld F: reden' (the header is row 1)."""
    data = path.read_text(encoding="utf-8-sig")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(data[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(data), dialect=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("name", "email") if c not in header]
    if missing:
        return [], [f"rij 1, veld {c}: deze kolom ontbreekt" for c in missing]
    email_type = TypeAdapter(EmailStr)
    rows: list[dict[str, str]] = []
    errors: list[str] = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str | None)}
        if not row.get("name"):
            errors.append(f"rij {number}, veld name: vul een naam in")
        try:
            email_type.validate_python(row.get("email", ""))
        except ValidationError:
            errors.append(f"rij {number}, veld email: geen geldig e-mailadres")
        language = row.get("language") or "nl"
        if language not in ("nl", "en"):
            errors.append(f"rij {number}, veld language: kies nl of en")
        rows.append({"name": row.get("name", ""), "email": row.get("email", "").lower(), "language": language})
    return (rows if not errors else []), errors
