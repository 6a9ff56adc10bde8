"""Only members apply (seed 000: "Leden van de huisartsenkring ... kunnen zich opgeven als mentor of mentee").

When a members' list was imported for the cohort, an application from another address is not
refused silently and not lost: it waits (``CohortStore.hold``), the applicant is told whom to
contact (the page and a mail), and the facilitator gets a mail with the one command that admits
them. Admitting (``administration.enrolment.admit``) lets the waiting application go on as if it
had just been sent, so a GP who is a member under another address never fills in the form twice.
Without an imported list everyone may apply, as before there was one.
"""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import TYPE_CHECKING

from domain.people import Application
from tasks.letters import Letter
from tasks.mail import post

if TYPE_CHECKING:
    from wiring.bootstrap import Services


def is_member(svc: Services, cohort: str, email: str) -> bool:
    """On the cohort's members' list, or no list was imported (or the programme has no cohorts)."""
    store = getattr(svc, "cohorts", None)
    return store is None or store.is_member(cohort, email)


def admit_command(application: Application) -> str:
    return f"mentorschap members add {application.email.lower()} --name {shlex.quote(application.name)}"


def hold(svc: Services, cohort: str, application: Application, now: datetime) -> None:
    """Keep a non-member's application and tell both sides; a second one from the address is refused."""
    svc.cohorts.hold(cohort, application, now)
    tell(svc, cohort, application, now)


def tell(svc: Services, cohort: str, application: Application, now: datetime) -> None:
    """The applicant: whom to contact (the facilitator); the facilitator: who waits and how to admit them."""
    s = svc.settings
    role = application.role.value
    post(svc, Letter(cohort=cohort, occasion="not-member", template="not_member", name=application.name,
                     email=application.email, language=application.language.value,
                     extra={"role": role, "applicant_email": application.email.lower()}), now)
    post(svc, Letter(cohort=cohort, occasion=f"not-member-{application.email.lower()}",
                     template="not_member_notice", name=s.facilitator_name, email=s.facilitator_address,
                     language=s.language,
                     extra={"applicant": application.name, "applicant_email": application.email.lower(),
                            "role": role, "command": admit_command(application)}), now)
