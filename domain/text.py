"""What a typed value may contain, for every value a person gives (portal form, CSV file, CLI).

A name, an e-mail address, a practice or a town reaches mail headers (``To:``, ``Subject:``)
and calendar files. Python's e-mail package has let a line break, or an RFC 2047 encoded word
that decodes to one, through as an extra header (``Bcc:``) before 3.11.10/3.12.5, so these
values are refused here, whatever the interpreter's patch level. Free text may span lines
but holds no other control character either: such characters hide text, reorder it (a
right-to-left override) or are what is left of a file in the wrong encoding (U+FFFD).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator, StringConstraints
from typing_extensions import TypeIs

T = TypeVar("T")

# Overrides, embeddings and isolates reorder what is shown; the marks are invisible too.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Characters that show nothing: zero-width space and joiners, word joiner, byte order mark,
# and letters that are blank (Hangul fillers, the blank braille pattern).
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u115f\u1160\u3164\uffa0\u2800\u180e")
_LINE_SEPARATORS = frozenset("\u2028\u2029\x85")
_ENCODED_WORD = re.compile(r"=\?.*\?=", re.S)

# The reasons, in Dutch (what the facilitator and most participants read).
REPLACEMENT = "bevat tekens die geen geldige tekst zijn (sla het bestand op als UTF-8 of typ de tekst opnieuw)"
CONTROL = "bevat een onzichtbaar stuurteken; typ de tekst opnieuw"
LINE_BREAK = "mag geen regelovergang bevatten"
BIDI = "bevat een teken dat de leesrichting omdraait; typ de tekst opnieuw"
INVISIBLE_ONLY = "bevat geen zichtbare tekens"
ENCODED_WORD = "mag geen codering als '=?...?=' bevatten"
NOT_A_NUMBER = "vul een getal in, bijvoorbeeld 7 of 2,5"
NOT_A_DATE = "geen geldige datum; schrijf dd-mm-jjjj, bijvoorbeeld 31-12-2019"


def text_refusal(value: str, *, one_line: bool) -> str | None:
    """Why ``value`` is refused (None: accepted). ``one_line`` for values that may reach a header."""
    if "\ufffd" in value:
        return REPLACEMENT
    visible = False
    hidden = False
    for char in value:
        if char in "\r\n" or char in _LINE_SEPARATORS:
            if one_line:
                return LINE_BREAK
            continue
        if char in _BIDI:
            return BIDI
        category = unicodedata.category(char)
        if (category in ("Cc", "Cs") and char != "\t") or char in ("\ufffe", "\uffff") or (
            one_line and char == "\t"
        ):
            return CONTROL
        if one_line and char in _INVISIBLE and char not in "\u200c\u200d":
            hidden = True  # a name with hidden characters looks like someone else's
        if not visible and char not in _INVISIBLE and category not in ("Cf", "Zs", "Zl", "Zp", "Cc", "Mn"):
            visible = True
    if value and not visible:
        return INVISIBLE_ONLY
    if hidden:
        return CONTROL
    if one_line and _ENCODED_WORD.search(value):
        return ENCODED_WORD
    return None


def _line(value: str) -> str:
    if reason := text_refusal(value, one_line=True):
        raise ValueError(reason)
    return value


def _text(value: str) -> str:
    if reason := text_refusal(value, one_line=False):
        raise ValueError(reason)
    return value


# One line that may reach a header or a calendar file (names, practice, street, town, addresses).
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_line)]
OptionalLine = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_line)]
# Free text of several lines (learning goals, topics); empty is allowed, the caller says when not.
FreeText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), AfterValidator(_text)]
Remark = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(_text)]

_NUMBER = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{1,2})?")


def plain_number(value: object) -> object:
    """A number as a person types it ('7', '2,5', '2.5'); anything else ('1_0', '1e1', '٣') is refused.

    Python's float() reads '1_0' as 10 and '1e1' as 10.0; a form should not.
    """
    if isinstance(value, bool):
        raise ValueError(NOT_A_NUMBER)
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER.fullmatch(text):
            raise ValueError(NOT_A_NUMBER)
        return float(text.replace(",", "."))
    return value


_DUTCH_DATE = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def dutch_date(value: object) -> object:
    """A date as Dutch spreadsheets and people write it (31-12-2019, 31/12/2019) or ISO (2019-12-31)."""
    if not isinstance(value, str) or isinstance(value, datetime):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        if _ISO_DATE.fullmatch(text):
            parsed = date.fromisoformat(text)
        elif found := _DUTCH_DATE.fullmatch(text):
            day, month, year = (int(part) for part in found.groups())
            parsed = date(year, month, day)
        else:
            raise ValueError(NOT_A_DATE)
    except ValueError:
        raise ValueError(NOT_A_DATE) from None
    if not 1900 <= parsed.year <= 2100:
        raise ValueError(NOT_A_DATE)
    return parsed


def one_of(value: object, choices: Collection[T]) -> TypeIs[T]:
    """Whether ``value`` is one of ``choices``; to the type checker it then has their (literal) type."""
    return value in choices
