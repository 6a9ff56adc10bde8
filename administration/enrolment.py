"""Applying to a cohort: the window, the cohort's mentor list, eligibility, the letters, CSV import,
and the applications that waited for their address to be added as a member (``admit``).

Used by the portal (one application at a time) and by ``mentorschap import-applications``
(a whole file: every invalid value is reported with its row, field and reason, and a
file with any invalid row imports nothing).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.cohorts import Applied, cents
from adapters.spreadsheet import RowError, read_table
from administration.forms import application_values, parse_application
from administration.membership import is_member, tell
from domain.availability import DAYS, PARTS
from domain.clock import local_date
from domain.cohort import CohortPlan
from domain.errors import DomainError
from domain.people import MAX_PREFERRED_MENTORS, Application, Role, mentor_ineligibility
from domain.topics import TOPICS, topic_label
from tasks.letters import Letter
from tasks.mail import post

if TYPE_CHECKING:
    from wiring.bootstrap import Services

# CSV columns: the form's field names, or their Dutch labels; list cells separated by ';'.
# Mentees name mentors by e-mail address (ids are not known to whoever fills in a spreadsheet).
COLUMNS: dict[str, tuple[str, ...]] = {
    "role": ("rol",), "name": ("naam",), "email": ("e-mailadres", "e-mail", "mail"),
    "phone": ("telefoonnummer", "telefoon", "tel"), "practice_name": ("praktijknaam", "naam praktijk", "praktijk"),
    "street": ("straat en huisnummer", "straat", "adres"), "postcode": ("postcode",),
    "city": ("plaats", "woonplaats", "vestigingsplaats"), "big_number": ("big-nummer", "big", "big-registratie"),
    "years_experience": ("jaren ervaring", "ervaring", "jaren ervaring als huisarts"),
    "stopped_on": ("gestopt per", "gestopt op", "gestopt"), "learning_goals": ("leerdoelen",),
    "topics": ("onderwerpen",), "topic_ids": ("onderwerpcodes", "onderwerp-ids"),
    "availability": ("beschikbaarheid", "dagdelen"), "preferred_mentors": ("voorkeursmentoren", "voorkeur"),
    "conflicts_with": ("conflict met", "conflicten met"), "conflicts": ("conflicten", "belangen"),
    "capacity": ("capaciteit", "aantal mentees"), "language": ("taal",),
    "consent": ("toestemming", "instemming", "akkoord privacyverklaring"),
}
CSV_COLUMNS = tuple(COLUMNS)
REQUIRED_COLUMNS = ("role", "name", "email")
LANGUAGES = {"nl": "nl", "nederlands": "nl", "dutch": "nl", "en": "en", "engels": "en", "english": "en"}


def _plan(svc: Services, cohort: str) -> CohortPlan | None:
    """The cohort's plan; None when the cohort was never opened (no window: a programme without cohorts)."""
    store = getattr(svc, "cohorts", None)
    return store.plan(cohort) if store is not None else None


def offered_cohort(svc: Services) -> str:
    """The cohort whose application window is open (``Services.open_cohort``); a bare set of services
    (programme B's portal tests) has one fixed cohort."""
    pick = getattr(svc, "open_cohort", None)
    return pick() if pick is not None else svc.cohort


def form_view(svc: Services, cohort: str, role: Role, now: datetime) -> dict:
    """What the application form shows of the cohort."""
    plan = _plan(svc, cohort)
    mentors = []
    if role is Role.MENTEE and plan is not None and plan.mentors_known(now):
        for person in svc.repo.mentor_pool(cohort):
            app = svc.repo.application(person.id)
            labels = ", ".join(topic_label(t) for t in app.topic_ids) or app.topics
            mentors.append({"id": person.id, "name": person.name,
                            "where": f"{person.practice_name}, {app.practice_address.city}", "topics": labels})
    return {
        "cohort_name": plan.name if plan else "",
        "closed": plan.refusal(role, now) if plan else "",
        "deadline": plan.closes_at(role) if plan else None,
        "contribution": plan.contribution_text() if plan and plan.contribution_eur else "",
        "topic_choices": [(t.id, t.label, t.hint) for t in TOPICS],
        "days": DAYS, "parts": PARTS,
        "mentors": mentors,
        "max_preferences": MAX_PREFERRED_MENTORS,
    }


def cohort_errors(
    svc: Services, cohort: str, role: Role, application: Application | None, now: datetime
) -> dict[str, str]:
    """What the cohort refuses: outside the window, a preferred or conflicting mentor not in its list."""
    plan = _plan(svc, cohort)
    errors: dict[str, str] = {}
    if plan is not None and (refusal := plan.refusal(role, now)):
        errors["form"] = refusal
    if application is not None and role is Role.MENTEE:
        pool = {p.id for p in svc.repo.mentor_pool(cohort)}
        if any(i not in pool for i in application.preferred_mentor_ids):
            errors["preferred_mentor_ids"] = "kies uw voorkeursmentoren uit de lijst van dit cohort"
        if any(i not in pool for i in application.conflict_mentor_ids):
            errors["conflict_mentor_ids"] = "kies mentoren uit de lijst van dit cohort"
    return errors


def ineligibility(application: Application, now: datetime) -> list[str]:
    if application.role is not Role.MENTOR:
        return []
    return mentor_ineligibility(application.years_experience, application.stopped_on, local_date(now))


def contribution_cents(svc: Services, cohort: str) -> int:
    plan = _plan(svc, cohort)
    return cents(plan.contribution_eur) if plan else 0


def after_portal_application(
    svc: Services, cohort: str, person_id: int, application: Application, reasons: list[str], now: datetime
) -> None:
    """A stored web application: the mentee's contribution due, a mentor's letters."""
    if getattr(svc, "cohorts", None) is None:
        return
    if application.role is Role.MENTEE and (due := contribution_cents(svc, cohort)):
        svc.cohorts.add_contribution(cohort, person_id, due)
    applied = Applied(person_id, application.role, application.email.lower(), not reasons, reasons, None)
    after_application(svc, cohort, applied, application, now)


def after_application(svc: Services, cohort: str, applied: Applied, application: Application, now: datetime) -> None:
    """The letters an application causes that no trajectory run sends: a mentor's confirmation,
    or the polite refusal with its reasons (the facilitator gets a copy, so she sees them too)."""
    if application.role is not Role.MENTOR:
        return
    if applied.eligible:
        post(svc, Letter(cohort=cohort, occasion="applied", template="application_confirmation",
                         name=application.name, email=application.email, language=application.language.value,
                         extra={"role": "mentor"}), now)
        return
    post(svc, Letter(cohort=cohort, occasion="ineligible", template="mentor_ineligible", name=application.name,
                     email=application.email, language=application.language.value,
                     extra={"reasons": applied.reasons}), now)
    s = svc.settings
    post(svc, Letter(cohort=cohort, occasion=f"ineligible-{applied.person_id}", template="mentor_ineligible_notice",
                     name=s.facilitator_name, email=s.facilitator_address, language=s.language,
                     extra={"applicant": application.name, "applicant_email": application.email,
                            "reasons": applied.reasons}), now)


# --- CSV import ------------------------------------------------------------------------------


def read_rows(data: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The numbered rows of a CSV file as a Dutch spreadsheet saves it, keyed by field name."""
    table = read_table(data, COLUMNS, REQUIRED_COLUMNS)
    return list(zip(table.numbers, table.rows, strict=True)), table.errors


def import_applications(
    svc: Services, cohort: str, path: Path, now: datetime, *, ignore_window: bool = False,
) -> tuple[list[Applied], list[RowError]]:
    """Validate every row, then store all of them in one transaction, or none if any row is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], [RowError(1, "", f"het bestand is niet te lezen: {exc.strerror or exc}")]
    rows, errors = read_rows(data)
    if errors:
        return [], errors
    if not rows:
        return [], [RowError(2, "", "het bestand bevat geen aanmeldingen")]
    known = svc.cohorts.emails(cohort)
    mentors = set(svc.cohorts.mentors_by_email(cohort))  # eligible; grows with the file's eligible mentors
    seen: dict[str, int] = {}
    parsed: list[tuple[Application, list[str], list[str], list[str]]] = []
    held: set[str] = set()  # not members: their rows wait (``administration.membership``)
    numbered = sorted(rows, key=lambda nr: nr[1].get("role", "").strip().lower() != "mentor")
    for number, row in numbered:
        outcome = _row_errors(svc, cohort, row, number, now, ignore_window, known, seen, mentors)
        if isinstance(outcome, list):
            errors += outcome
            continue
        parsed.append(outcome)
        application, reasons = outcome[0], outcome[1]
        if not is_member(svc, cohort, application.email):
            held.add(application.email.lower())
        elif application.role is Role.MENTOR and not reasons:
            mentors.add(application.email.lower())
    if errors:
        return [], sorted(errors, key=lambda e: e.row)
    try:
        stored = svc.cohorts.add_applications(cohort, parsed, now, contribution_cents(svc, cohort), held=held)
    except DomainError as exc:  # a second import raced this one
        return [], [RowError(0, exc.field, exc.reason)]
    by_email = {app.email.lower(): app for app, *_ in parsed}
    for applied in stored:
        after_application(svc, cohort, applied, by_email[applied.email], now)
    for email in sorted(held):
        tell(svc, cohort, by_email[email], now)
    return stored, []


def admit(svc: Services, cohort: str, rows: list[dict[str, str]], now: datetime) -> tuple[int, list[Applied]]:
    """Add members (name, email, language); every application that waited for one of them goes on now,
    as if just sent (eligibility judged today, the letters of an application). Returns (added, stored)."""
    added = svc.cohorts.add_members(cohort, rows)
    waiting = [Application.model_validate(row["application"]) for row in svc.cohorts.pending(cohort)
               if svc.cohorts.is_member(cohort, row["email"])]
    if not waiting:
        return added, []
    items: list[tuple[Application, list[str], list[str], list[str]]] = [
        (app, ineligibility(app, now), [], []) for app in waiting]
    stored = svc.cohorts.add_applications(cohort, items, now, contribution_cents(svc, cohort))
    by_email = {app.email.lower(): app for app in waiting}
    for applied in stored:
        after_application(svc, cohort, applied, by_email[applied.email], now)
    return added, stored


def _row_errors(
    svc: Services, cohort: str, row: dict[str, str], number: int, now: datetime, ignore_window: bool,
    known: set[str], seen: dict[str, int], mentors: set[str],
) -> list[RowError] | tuple[Application, list[str], list[str], list[str]]:
    errors: list[RowError] = []
    role_text = row.get("role", "").strip().lower()
    if role_text not in (Role.MENTOR.value, Role.MENTEE.value):
        return [RowError(number, "role", "vul 'mentor' of 'mentee' in")]
    role = Role(role_text)
    form = {k: row.get(k, "") for k in CSV_COLUMNS}
    language = form["language"].strip().lower()
    if language and language not in LANGUAGES:
        errors.append(RowError(number, "language", "vul nl of en in"))
    form["language"] = LANGUAGES.get(language, "nl")
    values = application_values(form)
    values["preferred_mentor_ids"], values["conflict_mentor_ids"] = [], []
    application, field_errors = parse_application(role, values, reasons_in="nl")
    errors += [RowError(number, field, reason) for field, reason in field_errors.items()]
    email = row.get("email", "").strip().lower()
    if email and email in known:
        errors.append(RowError(number, "email", f"er is al een aanmelding met {email} voor dit cohort"))
    elif email and email in seen:
        errors.append(RowError(number, "email", f"{email} staat ook in rij {seen[email]} van dit bestand"))
    seen.setdefault(email, number)
    if not ignore_window:
        plan = svc.cohorts.plan(cohort)
        if plan is not None and (refusal := plan.refusal(role, now)):
            errors.append(RowError(number, "role", refusal))
    preferred = [e.lower() for e in _emails(row.get("preferred_mentors", ""))]
    conflicting = [e.lower() for e in _emails(row.get("conflicts_with", ""))]
    if role is Role.MENTEE:
        for field, listed in (("preferred_mentors", preferred), ("conflicts_with", conflicting)):
            missing = [e for e in listed if e not in mentors]
            if missing:
                errors.append(RowError(number, field, f"geen mentor van dit cohort: {', '.join(missing)}"))
        if len(preferred) > 3:
            errors.append(RowError(number, "preferred_mentors", "noem hooguit 3 voorkeursmentoren"))
        elif len(set(preferred)) != len(preferred):
            errors.append(RowError(number, "preferred_mentors", "een mentor staat meer dan eens bij de voorkeuren"))
        if set(preferred) & set(conflicting):
            errors.append(RowError(number, "conflicts_with", "een voorkeursmentor staat ook bij de conflicten"))
    if errors or application is None:
        return errors
    if role is Role.MENTOR and (preferred or conflicting):
        return [RowError(number, "preferred_mentors", "alleen mentees noemen voorkeursmentoren")]
    return application, ineligibility(application, now), preferred, conflicting


def _emails(cell: str) -> list[str]:
    return [part.strip() for part in cell.replace(",", ";").split(";") if part.strip()]
