"""Applying to a cohort: the window, the cohort's mentor list, eligibility, the letters, CSV import.

Used by the portal (one application at a time) and by ``mentorschap import-applications``
(a whole file: every invalid value is reported with its row, field and reason, and a
file with any invalid row imports nothing).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from adapters.cohorts import Applied, cents
from domain.availability import DAYS, PARTS
from domain.clock import local_date
from domain.cohort import CohortPlan
from domain.errors import DomainError
from domain.people import MAX_PREFERRED_MENTORS, Application, Role, mentor_ineligibility
from domain.topics import TOPICS, topic_label
from portal.forms import application_values, parse_application
from tasks.letters import Letter, post

# CSV columns: the form's field names; list cells separated by ';'. Mentees name mentors
# by e-mail address (ids are not known to whoever fills in a spreadsheet).
CSV_COLUMNS = (
    "role", "name", "email", "phone", "practice_name", "street", "postcode", "city", "big_number",
    "years_experience", "stopped_on", "learning_goals", "topics", "topic_ids", "availability",
    "preferred_mentors", "conflicts_with", "conflicts", "capacity", "language", "consent",
)
REQUIRED_COLUMNS = ("role", "name", "email")


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file; the header is line 1
    field: str
    reason: str

    def __str__(self) -> str:
        return f"rij {self.row}, veld {self.field}: {self.reason}"


def _plan(svc, cohort: str) -> CohortPlan | None:  # type: ignore[no-untyped-def]
    """The cohort's plan; None when the cohort was never opened (no window: a programme without cohorts)."""
    store = getattr(svc, "cohorts", None)
    return store.plan(cohort) if store is not None else None


def form_view(svc, cohort: str, role: Role, now: datetime) -> dict:  # type: ignore[no-untyped-def]
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
        "closed": plan.refusal(role, now) if plan else "",
        "deadline": plan.closes_at(role) if plan else None,
        "contribution": plan.contribution_text() if plan and plan.contribution_eur else "",
        "topic_choices": [(t.id, t.label, t.hint) for t in TOPICS],
        "days": DAYS, "parts": PARTS,
        "mentors": mentors,
        "max_preferences": MAX_PREFERRED_MENTORS,
    }


def cohort_errors(svc, cohort: str, role: Role, application: Application | None, now: datetime) -> dict[str, str]:  # type: ignore[no-untyped-def]
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


def contribution_cents(svc, cohort: str) -> int:  # type: ignore[no-untyped-def]
    plan = _plan(svc, cohort)
    return cents(plan.contribution_eur) if plan else 0


def after_portal_application(  # type: ignore[no-untyped-def]
    svc, cohort: str, person_id: int, application: Application, reasons: list[str], now: datetime
) -> None:
    """A stored web application: the mentee's contribution due, a mentor's letters."""
    if getattr(svc, "cohorts", None) is None:
        return
    if application.role is Role.MENTEE and (due := contribution_cents(svc, cohort)):
        svc.cohorts.add_contribution(cohort, person_id, due)
    applied = Applied(person_id, application.role, application.email.lower(), not reasons, reasons, None)
    after_application(svc, cohort, applied, application, now)


def after_application(svc, cohort: str, applied: Applied, application: Application, now: datetime) -> None:  # type: ignore[no-untyped-def]
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


def read_rows(data: str) -> tuple[list[dict[str, str]], list[RowError]]:
    """The rows of a CSV file (',' or ';' separated, as Excel writes it), keyed by column."""
    sample = data[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")), dialect=dialect)
    header = [h.strip() for h in reader.fieldnames or []]
    errors = [RowError(1, column, "deze kolom ontbreekt") for column in REQUIRED_COLUMNS if column not in header]
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    errors += [RowError(1, column, "onbekende kolom") for column in unknown]
    rows = []
    for row in reader:
        rows.append({(k or "").strip(): (v if isinstance(v, str) else "") for k, v in row.items()})
    return rows, errors


def import_applications(
    svc, cohort: str, path: Path, now: datetime, *, ignore_window: bool = False,  # type: ignore[no-untyped-def]
) -> tuple[list[Applied], list[RowError]]:
    """Validate every row, then store all of them in one transaction, or none if any row is wrong."""
    rows, errors = read_rows(path.read_text(encoding="utf-8-sig"))
    if errors:
        return [], errors
    if not rows:
        return [], [RowError(2, "form", "het bestand bevat geen aanmeldingen")]
    known = svc.cohorts.emails(cohort)
    mentors = set(svc.cohorts.mentors_by_email(cohort))  # eligible; grows with the file's eligible mentors
    seen: dict[str, int] = {}
    parsed: list[tuple[Application, list[str], list[str], list[str]]] = []
    numbered = sorted(enumerate(rows, start=2), key=lambda nr: nr[1].get("role", "").strip().lower() != "mentor")
    for number, row in numbered:
        outcome = _row_errors(svc, cohort, row, number, now, ignore_window, known, seen, mentors)
        if isinstance(outcome, list):
            errors += outcome
            continue
        parsed.append(outcome)
        application, reasons = outcome[0], outcome[1]
        if application.role is Role.MENTOR and not reasons:
            mentors.add(application.email.lower())
    if errors:
        return [], sorted(errors, key=lambda e: e.row)
    try:
        stored = svc.cohorts.add_applications(cohort, parsed, now, contribution_cents(svc, cohort))
    except DomainError as exc:  # a second import raced this one
        return [], [RowError(0, exc.field, exc.reason)]
    by_email = {app.email.lower(): app for app, *_ in parsed}
    for applied in stored:
        after_application(svc, cohort, applied, by_email[applied.email], now)
    return stored, []


def _row_errors(svc, cohort, row, number, now, ignore_window, known, seen, mentors):  # type: ignore[no-untyped-def]
    errors: list[RowError] = []
    role_text = row.get("role", "").strip().lower()
    if role_text not in (Role.MENTOR.value, Role.MENTEE.value):
        return [RowError(number, "role", "vul 'mentor' of 'mentee' in")]
    role = Role(role_text)
    form = {k: row.get(k, "") for k in CSV_COLUMNS}
    form["consent"] = form.get("consent") or ""
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
