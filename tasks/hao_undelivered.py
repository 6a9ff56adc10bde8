"""Telling whoever steers programme B that a server refused one of its mails for good (issue 11.5).

A 5xx is parked in the outbox (``adapters.outbox``) and never retried by itself; programme A's
facilitator sees hers on the cohort board and in her weekly digest. Programme B's refusals are
listed, when a new one appears, in a notice to each of the institute's contact persons (guidance,
progress and the roster's mail) and to the programme's own address (every one, consultations
included: ``domain.hao.undelivered``), with the address to correct and the command that sends
the message again. Sent by the hao sweep through the one mail pipeline (``tasks.mail.post``): the
request names the refusals by number, the composer reads them; its outbox key makes each notice go once.
"""

from __future__ import annotations

from adapters.hao_views import hao_refusals
from domain.hao.people import HaoRole
from domain.hao.undelivered import NOTICE, Refusal, for_institute, for_programme, undelivered_occasion
from tasks.hao_messages import HaoMessage
from tasks.mail import post
from wiring.bootstrap import Services


def send_hao_undelivered(svc: Services) -> int:
    """A notice for every new refusal to whom it may be shown; returns how many notices went out."""
    now = svc.clock.now()
    refusals, kinds = hao_refusals(svc.outbox, svc.hao.repo)
    notices = []
    if shown := for_institute(refusals, kinds):
        notices += [notice(shown, person_id=p.require_id()) for p in svc.hao.repo.people(HaoRole.STAFF)]
    if shown := for_programme(refusals):
        notices.append(notice(shown, programme=True))
    return sum(post(svc, n, now) for n in notices if not svc.outbox.known([n.key]))


def notice(shown: list[Refusal], person_id: int | None = None, programme: bool = False) -> HaoMessage:
    """The notice listing ``shown`` to one contact person or to the programme's own address."""
    return HaoMessage(occasion=undelivered_occasion(shown), template=NOTICE, to=HaoRole.STAFF, person_id=person_id,
                      programme=programme, extra={"refused": [r.number for r in shown]})
