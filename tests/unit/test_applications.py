"""The application form (aanmeldformulier): each field refused with its name and a Dutch reason."""

from typing import Any

import pytest
from pydantic import ValidationError

from domain.people import Application, Role


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "role": "mentor",
        "name": "Dr. A. de Vries",
        "email": "a.devries@praktijk.nl",
        "phone": "040-1234567",
        "practice_name": "Huisartsenpraktijk Strijp",
        "practice_address": {"street": "Kastanjelaan 1", "postcode": "5616 LZ", "city": "Eindhoven"},
        "big_number": "12345678901",
        "years_experience": 12,
        "stopped_on": None,
        "learning_goals": "",
        "topics": "praktijkvoering, grenzen stellen",
        "consent": True,
    }
    data.update(changes)
    return data


def refusal(**changes: Any) -> tuple[tuple[Any, ...], str]:
    with pytest.raises(ValidationError) as exc:
        Application(**form(**changes))
    errors = exc.value.errors()
    assert len(errors) == 1, errors
    return errors[0]["loc"], errors[0]["msg"]


def test_a_valid_form_is_accepted():
    app = Application(**form())
    assert app.role is Role.MENTOR
    assert app.big_number == "12345678901"
    assert app.completeness_errors() == {}


@pytest.mark.parametrize(
    ("field", "value", "dutch"),
    [
        ("email", "geen-adres", "e-mailadres"),
        ("email", "a@", "e-mailadres"),
        ("phone", "12345", "telefoonnummer"),
        ("phone", "06-1234567", "telefoonnummer"),  # nine digits
        ("phone", "+32 40 123 4567", "telefoonnummer"),  # Belgian
        ("phone", "0012345678", "telefoonnummer"),
        ("big_number", "1234567890", "11 cijfers"),
        ("big_number", "123456789012", "11 cijfers"),
        ("big_number", "1234567890a", "11 cijfers"),
        ("years_experience", 61, "jaren"),
        ("years_experience", -1, "jaren"),
        ("consent", False, "instemming"),
        ("role", "facilitator", "mentor of als mentee"),
    ],
)
def test_each_invalid_field_is_refused_by_name_with_a_dutch_reason(field, value, dutch):
    loc, msg = refusal(**{field: value})
    assert loc == (field,)
    assert dutch in msg


@pytest.mark.parametrize("postcode", ["0611 AB", "5611", "5611 A1", "56111 AB", "AB 5611"])
def test_an_invalid_postcode_is_refused_inside_the_address(postcode):
    address = {"street": "Kastanjelaan 1", "postcode": postcode, "city": "Eindhoven"}
    loc, msg = refusal(practice_address=address)
    assert loc == ("practice_address", "postcode")
    assert "postcode" in msg


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("5611ab", "5611 AB"),
        ("5611 ab", "5611 AB"),
        (" 5611AB ", "5611 AB"),
        ("5611 AB", "5611 AB"),
    ],
)
def test_postcode_is_normalised(given, stored):
    address = {"street": "Kastanjelaan 1", "postcode": given, "city": "Eindhoven"}
    app = Application(**form(practice_address=address))
    assert app.practice_address.postcode == stored
    assert app.practice_address.one_line() == f"Kastanjelaan 1, {stored} Eindhoven"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("040-1234567", "0401234567"),
        ("+31 40 123 4567", "+31401234567"),
        ("06-12345678", "0612345678"),
        ("(040) 123 45 67", "0401234567"),
        ("0031 6 1234 5678", "0031612345678"),
    ],
)
def test_valid_dutch_phone_forms_are_normalised(given, stored):
    assert Application(**form(phone=given)).phone == stored


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_big_number_is_optional(blank):
    assert Application(**form(big_number=blank)).big_number is None


def test_years_at_the_bounds_are_accepted():
    assert Application(**form(years_experience=0)).years_experience == 0
    assert Application(**form(years_experience=60)).years_experience == 60


def test_a_mentee_may_apply():
    app = Application(**form(role="mentee", years_experience=1, learning_goals="leren delegeren", topics=""))
    assert app.role is Role.MENTEE
    assert app.completeness_errors() == {}


def test_several_invalid_fields_are_all_named():
    with pytest.raises(ValidationError) as exc:
        Application(**form(email="x", phone="1", consent=False))
    assert {e["loc"] for e in exc.value.errors()} == {("email",), ("phone",), ("consent",)}


def test_a_mentee_without_learning_goals_is_incomplete():
    app = Application(**form(role="mentee", learning_goals="   ", topics=""))
    errors = app.completeness_errors()
    assert set(errors) == {"learning_goals"}
    assert "leerdoelen" in errors["learning_goals"]


def test_a_mentor_without_topics_is_incomplete():
    app = Application(**form(role="mentor", topics="", learning_goals=""))
    errors = app.completeness_errors()
    assert set(errors) == {"topics"}
    assert "onderwerpen" in errors["topics"]


def test_completeness_is_role_specific():
    # A mentor needs no learning goals; a mentee needs no topics.
    assert Application(**form(role="mentor", learning_goals="")).completeness_errors() == {}
    assert Application(**form(role="mentee", learning_goals="x", topics="")).completeness_errors() == {}
