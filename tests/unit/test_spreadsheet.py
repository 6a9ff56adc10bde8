"""Reading CSV files as Dutch spreadsheets save them: encodings, separators, Dutch headers; never a traceback."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.spreadsheet import decode, read_table, separator

COLUMNS = {"name": ("naam",), "email": ("e-mailadres", "e-mail")}


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Zoë;Jörg".encode(), "Zoë;Jörg"),
        (codecs.BOM_UTF8 + "Zoë".encode(), "Zoë"),
        ("Zoë;€ 5".encode("cp1252"), "Zoë;€ 5"),
        ("Zoë\tJörg".encode("utf-16"), "Zoë\tJörg"),
        ("Zoë".encode("utf-16-be").join([codecs.BOM_UTF16_BE, b""]), "Zoë"),
    ],
)
def test_the_encodings_dutch_excel_writes_are_read(data: bytes, text: str) -> None:
    assert decode(data) == text


@pytest.mark.parametrize("data", [b"\x00\x01\x02PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"a\x81b\x8d"])
def test_a_binary_file_is_not_text(data: bytes) -> None:
    assert decode(data) is None


def test_the_separator_comes_from_the_header_alone() -> None:
    assert separator("naam;e-mailadres;taal") == ";"
    assert separator("name,email") == ","
    assert separator("naam\te-mail") == "\t"
    assert separator("naam") == ","


def test_dutch_labels_in_any_case_and_spacing_are_the_field_names() -> None:
    table = read_table("Naam ; E-Mailadres\r\nJosé;jose@example.org\r\n\r\n".encode("cp1252"), COLUMNS, ("name",))
    assert table.errors == [] and table.rows == [{"name": "José", "email": "jose@example.org"}]
    assert table.numbers == [2]


def test_a_column_named_twice_is_refused() -> None:
    table = read_table(b"naam,name\nA,B\n", COLUMNS, ("name",))
    assert [str(e) for e in table.errors] == ["rij 1, veld name: kolom name staat twee keer in de kop"]


@settings(max_examples=300)
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=200).map(str.encode),
                      st.text(max_size=200).map(lambda t: t.encode("utf-16"))))
def test_any_file_gives_rows_or_one_line_per_problem_never_an_exception(data: bytes) -> None:
    table = read_table(data, COLUMNS, ("name", "email"))
    assert table.rows or table.errors
    assert all(str(e).startswith(f"rij {e.row}") and "\n" not in str(e) for e in table.errors)
    assert len(table.rows) == len(table.numbers)
