"""Sending the mail hao acts owe and a lagging hao run has not sent (programme B's ``tasks.owed``).

Every write of a hao trajectory records the mail its new state owes (``adapters.hao_store``). A
hao run that crashed, or whose worker was down, while the trainer and the mentor went on through
their links (accepted, planned, signed) would skip the mail of the phases that passed; so the hao
sweep does not wait for it: it sends every owed message not in the outbox yet and still wanted
(``domain.hao.owed.still_wanted``), composed as the run composes it. Run and sweep use the same
outbox key, so whoever comes second sends nothing. Ids only in the log.
"""

from __future__ import annotations

import logging

from domain.hao.owed import still_wanted
from domain.hao.people import HaoRole
from tasks.hao_messages import HaoMessage
from tasks.mail import post
from wiring.bootstrap import Services

log = logging.getLogger(__name__)


def send_hao_owed(svc: Services) -> int:
    """Send the owed hao messages a lagging run skipped; how many were sent."""
    now = svc.clock.now()
    hao = svc.hao.repo
    staff = [p.id for p in hao.people(HaoRole.STAFF) if p.id is not None]
    chairs = [p.id for p in hao.people(HaoRole.CHAIR) if p.id is not None]
    sent = 0
    for tid, owed in svc.owed.open_hao(now).items():
        t, _ = hao.trajectory(tid)
        moot = [o.key for o in owed if not still_wanted(o, t, staff, chairs)]
        svc.owed.settle(moot, now)
        for o in owed:
            if o.key in moot:
                continue
            try:
                sent += post(svc, HaoMessage.model_validate(o.message_fields()), now)
            except Exception as exc:  # stored, or not: the next sweep tries again; the others go on
                log.warning("hao verschuldigd %s: %s", o.key, type(exc).__name__)
    return sent
