"""Typed values that could reach a mail header, hide text or be misread are refused, by field, in Dutch.

Issue 9, points 1 and 5: the rules live in ``domain.text`` and hold for an application of
programme A (form and CSV) and for a person of programme B (CLI) alike.
"""

from __future__ import annotations

import string
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain import text
from domain.hao.people import HaoPerson, HaoRole
from domain.people import Application
from tests.unit.test_applications import form

INJECTED = "=?utf-8?q?Anna=0D=0ABcc:_outsider@evil.example?="


def refused(**changes: Any) -> dict[str, str]:
    """Every refused field with its reason (the whole model must be refused)."""
    with pytest.raises(ValidationError) as exc:
        Application(**form(**changes))
    return {".".join(str(p) for p in e["loc"]): e["msg"].removeprefix("Value error, ") for e in exc.value.errors()}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (INJECTED, text.ENCODED_WORD),
        ("Anna\r\nBcc: outsider@evil.example", text.LINE_BREAK),
        ("Anna\nde Vries", text.LINE_BREAK),
        ("Anna\u2028de Vries", text.LINE_BREAK),
        ("An\x00na", text.CONTROL),
        ("Anna\x1bde Vries", text.CONTROL),
        ("Anna\tde Vries", text.CONTROL),
        ("Anna \u202eseirV ed", text.BIDI),
        ("\u200b\u200b\u200b", text.INVISIBLE_ONLY),
        ("\u200b\u2060\ufeff", text.INVISIBLE_ONLY),
        ("\u3164", text.INVISIBLE_ONLY),
        ("An\u200bna", text.CONTROL),
        ("Anna de Vri\ufffds", text.REPLACEMENT),
    ],
)
def test_a_name_that_could_inject_or_hide_is_refused_at_the_name_field(value: str, reason: str) -> None:
    assert refused(name=value) == {"name": reason}


@pytest.mark.parametrize("field", ["practice_name"])
def test_the_practice_name_follows_the_same_rules(field: str) -> None:
    assert refused(**{field: INJECTED}) == {field: text.ENCODED_WORD}
    assert refused(**{field: "Praktijk\r\nBcc: x@evil.example"}) == {field: text.LINE_BREAK}


def test_street_and_town_follow_the_same_rules_inside_the_address() -> None:
    address = {"street": "Lindelaan 4\r\nX-Evil: 1", "postcode": "5611 AB", "city": "\u200b"}
    assert refused(practice_address=address) == {
        "practice_address.street": text.LINE_BREAK, "practice_address.city": text.INVISIBLE_ONLY,
    }


def test_an_email_address_with_encoded_word_syntax_is_refused() -> None:
    assert refused(email="=?utf-8?q?x?=@example.org") == {"email": text.ENCODED_WORD}


@pytest.mark.parametrize("value", ["Grenzen\x00 stellen", "Grenzen \u202estellen", "\ufffd"])
def test_free_text_may_span_lines_but_holds_no_control_characters(value: str) -> None:
    assert set(refused(role="mentee", learning_goals=value)) == {"learning_goals"}


def test_free_text_keeps_its_lines_and_tabs() -> None:
    app = Application(**form(role="mentee", learning_goals="Grenzen stellen\r\n\tPraktijkvoering"))
    assert app.learning_goals == "Grenzen stellen\r\n\tPraktijkvoering"


@pytest.mark.parametrize(
    "name", ["Anna de Vries", "Dr. Ž. Ñandú-Øster", "Zoë O'Brien (waarneming)", "Ahmed El\u200dHaddad", "李小龍",
             "Anna \"Ans\" de Vries, arts", "Anna =? Vries"],
)
def test_real_names_are_accepted_unchanged(name: str) -> None:
    assert Application(**form(name=name)).name == name


@pytest.mark.parametrize("value", ["1_0", "1e1", "٣", "0x10", "10.", ".5", "5,5,5", "1 0", "+5", "--5", "nan", "inf"])
def test_years_of_experience_is_a_plain_number(value: str) -> None:
    assert set(refused(years_experience=value)) == {"years_experience"}


@pytest.mark.parametrize(("value", "years"), [("10", 10.0), (" 2,5 ", 2.5), ("2.5", 2.5), ("0", 0.0), (7, 7.0)])
def test_years_as_people_type_them_are_read(value: Any, years: float) -> None:
    assert Application(**form(years_experience=value)).years_experience == years


@pytest.mark.parametrize(
    ("value", "day"),
    [("31-12-2019", date(2019, 12, 31)), ("1-2-2020", date(2020, 2, 1)), ("31/12/2019", date(2019, 12, 31)),
     ("2019-12-31", date(2019, 12, 31)), ("", None)],
)
def test_a_stop_date_is_read_as_dutch_spreadsheets_write_it(value: str, day: date | None) -> None:
    assert Application(**form(stopped_on=value)).stopped_on == day


@pytest.mark.parametrize("value", ["31-02-2019", "12/31/2019", "2019-13-01", "gisteren", "31-12-19", "01-01-0001"])
def test_a_wrong_stop_date_says_which_format_is_expected(value: str) -> None:
    assert refused(stopped_on=value) == {"stopped_on": text.NOT_A_DATE}
    assert "dd-mm-jjjj" in text.NOT_A_DATE


def test_a_hao_person_follows_the_same_rules() -> None:
    with pytest.raises(ValidationError) as exc:
        HaoPerson(role=HaoRole.MENTOR, name=INJECTED, email="x@example.org\r\nBcc: y@evil.example",
                  practice="P\x00", expertise="\u202e")
    fields = {e["loc"][0]: e["msg"].removeprefix("Value error, ") for e in exc.value.errors()}
    assert fields == {"name": text.ENCODED_WORD, "email": text.LINE_BREAK, "practice": text.CONTROL,
                      "expertise": text.BIDI}


@pytest.mark.parametrize("email", ["Anna <a@example.org>", "a@example.org, b@example.org", "geen adres", ""])
def test_a_hao_person_has_one_plain_address(email: str) -> None:
    with pytest.raises(ValidationError):
        HaoPerson(role=HaoRole.TRAINER, name="Tineke", email=email)


# --- properties: nothing wrongly accepted ------------------------------------------------------

BAD_CHARS = st.sampled_from(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\x1c\x1d\x1e\x1f\x0b\x0c"]
    + ["\x7f", "\x85", "\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069", "\ufffd", "\ufffe"]
)
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(before=ANY_TEXT, bad=BAD_CHARS, after=ANY_TEXT)
def test_no_name_with_a_control_character_inside_is_accepted(before: str, bad: str, after: str) -> None:
    value = f"Anna{before}{bad}{after}Vries"
    assert text.text_refusal(value, one_line=True) is not None
    with pytest.raises(ValidationError):
        Application(**form(name=value))


@settings(max_examples=200)
@given(charset=st.text(string.ascii_letters + "-", min_size=1, max_size=10), kind=st.sampled_from("qQbB"),
       payload=st.text(string.printable.strip(), max_size=30), around=ANY_TEXT)
def test_no_encoded_word_is_accepted_in_a_name(charset: str, kind: str, payload: str, around: str) -> None:
    value = f"{around}=?{charset}?{kind}?{payload}?={around}"
    with pytest.raises(ValidationError):
        Application(**form(name=value))


@settings(max_examples=300)
@given(value=ANY_TEXT)
def test_every_accepted_name_is_one_visible_line_without_encoded_words(value: str) -> None:
    try:
        name = Application(**form(name=value)).name
    except ValidationError:
        return
    assert name and name == name.strip()
    assert not any(c in name for c in "\r\n\x00\u2028\u2029\ufffd\u202e")
    assert "=?" not in name or "?=" not in name.split("=?", 1)[1]


@settings(max_examples=300)
@given(value=st.one_of(ANY_TEXT, st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans()))
def test_every_accepted_number_of_years_is_between_0_and_60(value: object) -> None:
    try:
        years = Application(**form(years_experience=value)).years_experience
    except ValidationError:
        return
    assert 0 <= years <= 60
    if isinstance(value, str):
        assert value.strip().replace(",", "").replace(".", "").isascii()
        assert "_" not in value and "e" not in value.lower()


@settings(max_examples=200)
@given(value=st.one_of(ANY_TEXT, st.dates().map(lambda d: d.strftime("%d-%m-%Y")), st.dates().map(str)))
def test_every_accepted_stop_date_is_a_real_date_of_a_plausible_year(value: str) -> None:
    try:
        day = Application(**form(stopped_on=value)).stopped_on
    except ValidationError as exc:
        assert {e["loc"][0] for e in exc.errors()} == {"stopped_on"}
        return
    assert day is None or 1900 <= day.year <= 2100


@settings(max_examples=50)
@given(length=st.integers(4001, 100_000))
def test_free_text_longer_than_the_form_allows_is_refused(length: int) -> None:
    assert set(refused(role="mentee", learning_goals="x" * length)) == {"learning_goals"}
