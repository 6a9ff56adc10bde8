"""Support for the hao-mentors: the yearly intervision, the yearly information mail, the institute's digest.

Each is a scheduled deployment; every mail has a key per year (or day) and person,
so a second run of the same year sends nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

from prefect import flow

from domain.clock import local_date
from domain.hao.people import HaoRole
from domain.hao.support import INTERVISION_MINUTES, intervision_start, next_intervision
from tasks.hao_messages import HaoMessage
from tasks.mail import send_all
from wiring.bootstrap import run_services


@flow(name="hao-intervision", log_prints=True)
def hao_intervision(year: int | None = None, location: str = "Huisartsopleiding, zaal 2") -> int:
    """Invite every available hao-mentor and both contact persons to the yearly intervision meeting."""
    with run_services() as svc:
        starts = intervision_start(year) if year else next_intervision(svc.clock.now())
        people = [p for p in svc.hao.repo.people() if p.role in (HaoRole.MENTOR, HaoRole.STAFF) and p.available]
        year = starts.year
        ends = starts + timedelta(minutes=INTERVISION_MINUTES)
        messages = [HaoMessage(occasion=f"intervision-{year}", template="hao_intervision", to=p.role, person_id=p.id,
                           calendar="REQUEST", extra={"starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
                                                      "location": location, "year": year})
                    for p in people]
        send_all(svc, messages)
        return len(messages)


@flow(name="hao-information", log_prints=True)
def hao_information(year: int | None = None) -> int:
    """The yearly mail to every trainer: what a hao-mentor offers, the directory, a personal request link."""
    with run_services() as svc:
        year = year or local_date(svc.clock.now()).year
        messages = [HaoMessage(occasion=f"information-{year}", template="hao_information",
                               to=HaoRole.TRAINER, person_id=p.id, link="hao_request", link_ref=f"request-{year}",
                               extra={"year": year})
                    for p in svc.hao.repo.people(HaoRole.TRAINER)]
        send_all(svc, messages)
        return len(messages)


@flow(name="hao-institute-digest", log_prints=True)
def hao_institute_digest() -> int:
    """The institute's contact persons get what they may see (``export --audience institute``): never a consultation."""
    with run_services() as svc:
        day = local_date(svc.clock.now()).isoformat()
        messages = [HaoMessage(occasion=f"digest-{day}", template="hao_institute_digest", to=HaoRole.STAFF,
                               person_id=p.id) for p in svc.hao.repo.people(HaoRole.STAFF)]
        send_all(svc, messages)
        return len(messages)
