"""Reading HTML forms into domain inputs, and pydantic's refusals into Dutch, per field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError

from domain import text as rules
from domain.clock import amsterdam_instant
from domain.errors import DomainError, dutch_reason
from domain.people import INVALID_EMAIL, Application, Role

APPLY_FIELDS = (
    "name", "email", "phone", "practice_name", "street", "postcode", "city", "big_number",
    "years_experience", "stopped_on", "learning_goals", "topics", "language", "conflicts", "capacity",
)
# Fields with several values: checkboxes on the form, ';'-separated in a CSV cell.
LIST_FIELDS = ("topic_ids", "availability", "preferred_mentor_ids", "conflict_mentor_ids")
TRUE = {"on", "yes", "ja", "1", "true"}


def openapi_form(*names: str) -> dict[str, Any]:
    """The OpenAPI description of a form posted with these fields (the routes read it themselves),
    so a fuzzer such as schemathesis sends them."""
    fields = {"type": "object", "properties": {name: {"type": "string"} for name in names}}
    return {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": fields}}}}


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def free_text(form: Mapping[str, Any], name: str, limit: int) -> str:
    """A typed text of at most ``limit`` characters; a longer one is refused at its field, not stored cut."""
    value = text(form, name)
    if len(value) > limit:
        raise DomainError(name, f"te lang: {len(value)} tekens, maximaal {limit}")
    return value


def checked(form: Mapping[str, Any], name: str) -> bool:
    return text(form, name).lower() in TRUE


def many(form: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a multi-valued field, blanks dropped (an HTML form or 'a; b' text)."""
    raw = form.getlist(name) if hasattr(form, "getlist") else form.get(name)
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else str(raw).replace(",", ";").split(";")
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def application_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed, to show the form again as it was filled in."""
    values: dict[str, Any] = {name: text(form, name) for name in APPLY_FIELDS}
    values["language"] = values["language"] if values["language"] in ("nl", "en") else "nl"
    values["consent"] = checked(form, "consent")
    for name in LIST_FIELDS:
        values[name] = many(form, name)
    return values


def parse_application(
    role: Role, values: dict[str, Any], reasons_in: str | None = None
) -> tuple[Application | None, dict[str, str]]:
    """The application, or the reason for every field that is wrong (form field names).

    The reasons are Dutch, with English second when ``reasons_in`` (default: the form's
    language) is 'en'; a CSV import passes 'nl'.
    """
    application, errors = _parse_application(role, values)
    if (reasons_in or values.get("language")) == "en":
        errors = {name: bilingual(reason) for name, reason in errors.items()}
    return application, errors


def bilingual(reason: str) -> str:
    """'Dutch / English' for the reasons the application form knows in English."""
    english = ENGLISH.get(reason)
    return f"{reason} / {english}" if english else reason


ENGLISH = {
    rules.REPLACEMENT: "contains characters that are not valid text; please type it again",
    rules.CONTROL: "contains an invisible control character; please type it again",
    rules.LINE_BREAK: "may not contain a line break",
    rules.BIDI: "contains a character that reverses the reading direction; please type it again",
    rules.INVISIBLE_ONLY: "contains no visible characters",
    rules.ENCODED_WORD: "may not contain an encoding such as '=?...?='",
    rules.NOT_A_DATE: "not a valid date; write dd-mm-yyyy, e.g. 31-12-2019",
    INVALID_EMAIL: "not a valid e-mail address (e.g. name@practice.nl)",
    "vul dit veld in": "please fill in this field",
    "geen geldige datum": "not a valid date",
    "vul een geheel getal in": "please enter a whole number",
    "kies een van de mogelijkheden": "please choose one of the options",
    "deze waarde klopt niet": "this value is not valid",
    "geen geldige Nederlandse postcode (bijvoorbeeld 5611 AB)": "not a valid Dutch postcode (e.g. 5611 AB)",
    "vul het aantal jaren ervaring als huisarts in (0 tot en met 60)":
        "enter your years of experience as a GP (0 to 60)",
    "geen geldig Nederlands telefoonnummer (10 cijfers, bv. 040-1234567)":
        "not a valid Dutch phone number (10 digits, e.g. 040-1234567)",
    "een BIG-nummer bestaat uit 11 cijfers": "a BIG number has 11 digits",
    "zonder instemming met de privacyverklaring kunnen wij u niet inschrijven":
        "we cannot register you without your consent to the privacy statement",
    "beschrijf kort uw leerdoelen": "describe your learning goals briefly",
    "noem de onderwerpen waarbij u kunt helpen": "name the topics you can help with",
    "een voorkeursmentor kan niet ook bij de conflicten staan": "a preferred mentor cannot also be a conflict",
}


def _parse_application(role: Role, values: dict[str, Any]) -> tuple[Application | None, dict[str, str]]:
    data = {
        "role": role,
        "name": values["name"],
        "email": values["email"],
        "phone": values["phone"],
        "practice_name": values["practice_name"],
        "practice_address": {"street": values["street"], "postcode": values["postcode"], "city": values["city"]},
        "big_number": values["big_number"] or None,
        "years_experience": values["years_experience"].replace(",", ".") or None,
        "stopped_on": (values["stopped_on"] or None) if role is Role.MENTOR else None,
        "learning_goals": values["learning_goals"] if role is Role.MENTEE else "",
        "topics": values["topics"] if role is Role.MENTOR else "",
        "consent": values["consent"],
        "language": values["language"],
        "topic_ids": values.get("topic_ids", []),
        "availability": values.get("availability", []),
        "conflicts": values.get("conflicts", ""),
    }
    if role is Role.MENTEE:
        data["preferred_mentor_ids"] = values.get("preferred_mentor_ids", [])
        data["conflict_mentor_ids"] = values.get("conflict_mentor_ids", [])
    elif values.get("capacity"):
        data["capacity"] = values["capacity"]
    errors: dict[str, str] = {}
    application: Application | None = None
    try:
        application = Application.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            errors.setdefault(field_of(error["loc"]), dutch_reason(error))
    rough = application or Application.model_construct(  # type: ignore[call-arg]  # partial on purpose
        role=role, learning_goals=data["learning_goals"], topics=data["topics"]
    )
    for name, reason in rough.completeness_errors().items():
        errors.setdefault(name, reason)
    return (None if errors else application), errors


def field_of(loc: tuple[int | str, ...]) -> str:
    """The form field of a pydantic error location (the address is three fields)."""
    if len(loc) > 1 and loc[0] == "practice_address":
        return str(loc[1])
    return str(loc[0]) if loc else "form"


def parse_local(day: str, clock_time: str, field: str) -> datetime:
    """A date and time typed in Amsterdam time, as an aware instant."""
    if not day or not clock_time:
        raise DomainError(field, "vul een datum en een tijd in")
    try:
        parsed_day = date.fromisoformat(day) if "-" in day and len(day.split("-")[0]) == 4 else (
            datetime.strptime(day, "%d-%m-%Y").date()
        )
        parsed_time = time.fromisoformat(clock_time)
    except ValueError:
        raise DomainError(field, "geen geldige datum of tijd (bijvoorbeeld 15-03-2021 en 13:30)") from None
    return amsterdam_instant(datetime.combine(parsed_day, parsed_time.replace(second=0, microsecond=0)), field)
