"""Telling whoever steers programme B that a server refused one of its mails for good (issue 11.5).

A 5xx is parked in the outbox (``adapters.outbox``) and never retried by itself; programme A's
facilitator sees hers on the cohort board and in her weekly digest. Programme B's refusals are
listed, when a new one appears, in a notice to each of the institute's contact persons (guidance,
progress and the roster's mail) and to the programme's own address (every one, consultations
included: ``domain.hao.undelivered``), with the address to correct and the command that sends
the message again. Sent by the hao sweep; its outbox key makes each notice go once.
"""

from __future__ import annotations

from typing import Any

from domain.hao.people import HaoRole
from domain.hao.undelivered import NOTICE, Refusal, for_institute, for_programme, is_hao, undelivered_key
from tasks.hao_messages import PROGRAMME
from tasks.messages import PersonView
from tasks.notices import send_direct
from wiring.bootstrap import Services, services


def hao_refusals(svc: Services) -> tuple[list[Refusal], dict[int, Any]]:
    """Programme B's refused mail, each named by its trajectory's kind and pseudonym; and the kinds by id."""
    trajectories = {t.require_id(): t for t in svc.hao.repo.all()}
    found = []
    for row in svc.outbox.failed():
        if not is_hao(row["key"]):
            continue
        r = Refusal(row["id"], row["key"], row["template"], row["recipient_email"],
                    " ".join(row["last_error"].split())[:160])
        t = trajectories.get(r.trajectory_id) if r.trajectory_id is not None else None
        found.append(Refusal(r.number, r.key, r.template, r.address, r.answer,
                             f"{t.kind.label} {t.pseudonym}" if t is not None else ""))
    return found, {tid: t.kind for tid, t in trajectories.items()}


def send_hao_undelivered(svc: Services | None = None) -> int:
    """A notice for every new refusal to whom it may be shown; returns how many notices went out."""
    svc = svc or services()
    now = svc.clock.now()
    refusals, kinds = hao_refusals(svc)
    sent = 0
    if shown := for_institute(refusals, kinds):
        for p in svc.hao.repo.people(HaoRole.STAFF):
            key = undelivered_key(shown, f"staff-p{p.require_id()}")
            if not svc.outbox.known([key]):
                send_direct(svc, key, NOTICE, PersonView(p.id, p.name, p.email, language=p.language),
                            _context(svc, shown, p.language), now)
                sent += 1
    if shown := for_programme(refusals):
        key = undelivered_key(shown, "programme")
        if not svc.outbox.known([key]):
            own = PersonView(None, PROGRAMME["nl"], svc.settings.sender_address, language="nl")
            send_direct(svc, key, NOTICE, own, _context(svc, shown, "nl"), now)
            sent += 1
    return sent


def _context(svc: Services, shown: list[Refusal], language: str) -> dict[str, Any]:
    """What the notice shows besides the refusals: the programme's name and its contact persons (its signature)."""
    return {"undelivered": shown, "contacts": svc.hao.repo.people(HaoRole.STAFF),
            "programme_name": PROGRAMME.get(language, PROGRAMME["nl"])}
