"""Reading a CSV file as Dutch spreadsheets save it, or saying per row what is wrong with it.

Dutch Excel saves "CSV (gescheiden door lijstscheidingsteken)" with ';' in cp1252, "CSV UTF-8"
with a byte order mark, and "Unicode-tekst" as tab-separated UTF-16. Column headers may be the
programme's field names or their Dutch labels. Every problem is one line naming row and
column; nothing here raises on a file's content.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

SEPARATORS = (";", ",", "\t")
SAVE_AS = "sla het bestand in Excel op als 'CSV UTF-8' of 'CSV (gescheiden door lijstscheidingsteken)'"


@dataclass(frozen=True)
class RowError:
    row: int  # the record in the file; the header is row 1
    field: str
    reason: str

    def __str__(self) -> str:
        if self.field:
            return f"rij {self.row}, veld {self.field}: {self.reason}"
        return f"rij {self.row}: {self.reason}"


@dataclass(frozen=True)
class Table:
    rows: list[dict[str, str]]  # keyed by field name (the header's Dutch labels translated)
    numbers: list[int]  # each row's number in the file
    errors: list[RowError]


def decode(data: bytes) -> str | None:
    """The text of the file: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252; None if binary."""
    candidates = ["utf-16"] if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ["utf-8-sig", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
            return None  # NUL and other control bytes: not a text file
        return text
    return None


def separator(header_line: str) -> str:
    """The separator the header uses most (',' when it has none): a short row cannot mislead it."""
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _key(label: str) -> str:
    return re.sub(r"[\s_\-]+", " ", label.strip().strip(":").lower()).strip()


def read_table(
    data: bytes, columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> Table:
    """The rows of ``data`` keyed by field name; ``columns`` maps each field to its Dutch labels.

    Refused: a binary file or unknown encoding, a missing or unknown column, a row with more
    or fewer cells than the header (usually a separator or quote in the wrong place).
    """
    text = decode(data)
    if text is None:
        return Table([], [], [RowError(1, "", f"dit is geen tekstbestand (CSV) dat te lezen is; {SAVE_AS}")])
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        return Table([], [], [RowError(1, "", "het bestand is leeg")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(first), strict=False)
    by_label = {_key(label): field for field, labels in columns.items() for label in (field, *labels)}
    errors: list[RowError] = []
    header: list[str | None] = []
    for cell in next(reader):
        field = by_label.get(_key(cell))
        shown = cell.strip() if cell.strip().isprintable() else ascii(cell.strip())  # one line on a terminal
        if cell.strip() and field is None:
            errors.append(RowError(1, shown, f"onbekende kolom; bekende kolommen: {_known(columns)}"))
        elif field is not None and field in header:
            errors.append(RowError(1, shown, f"kolom {field} staat twee keer in de kop"))
        header.append(field)
    for field in required:
        if field not in header:
            errors.append(RowError(1, field, f"deze kolom ontbreekt (kolomkop {_labels(field, columns)})"))
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # the empty lines spreadsheets leave at the end
            if len(cells) != len(header):
                errors.append(RowError(number, "", f"deze rij heeft {len(cells)} cellen en de kop {len(header)} "
                                                   "kolommen; controleer scheidingstekens en aanhalingstekens"))
                continue
            rows.append({field: cell.strip() for field, cell in zip(header, cells, strict=True) if field})
            numbers.append(number)
    except csv.Error as exc:  # e.g. a cell longer than the csv module's limit
        errors.append(RowError(number + 1, "", f"deze rij is niet te lezen ({exc}); {SAVE_AS}"))
    return Table(rows, numbers, errors)


def _labels(field: str, columns: Mapping[str, tuple[str, ...]]) -> str:
    return " of ".join(f"'{label}'" for label in (field, *columns[field][:1]))


def _known(columns: Mapping[str, tuple[str, ...]]) -> str:
    return ", ".join(f"{field} ({labels[0]})" if labels else field for field, labels in columns.items())
