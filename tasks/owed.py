"""Sending what acts owe and a lagging run will no longer send (``adapters.owed``).

A run derives its phase's messages when it gets there; one that crashed, or whose worker
was down, while the trajectory went on (the pair answered through a reminder's link, a plan
signed, a meeting proposed) finds the later phase when it looks again, and until it looks
nobody gets the request. So the sweep does not wait for the run: it sends every owed message
that is not in the outbox and is still wanted (``domain.owed.settled``). The run and the
sweep go through the outbox by the same key, so whoever comes second sends nothing.
"""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE

from domain.owed import owed_now, settled
from domain.phases import Phase
from tasks.mail import post
from tasks.messages import Message
from wiring.bootstrap import Services

log = logging.getLogger(__name__)


@task(name="send owed mail", cache_policy=NO_CACHE)
def send_owed(svc: Services) -> int:
    """Send the owed messages a lagging run skipped; how many were sent."""
    now = svc.clock.now()
    sent = 0
    for tid, owed in svc.owed.open(now).items():
        t, _ = svc.repo.trajectory(tid)
        if t.phase is Phase.WITHDRAWN:  # nobody is to act on a withdrawn trajectory any more
            svc.owed.settle([o.key for o in owed], now)
            continue
        current = {o.key for o in owed_now(t)}  # what the state calls for now is wanted, whatever the run does
        unwanted = [o.key for o in owed if o.key not in current and settled(o, t)]
        svc.owed.settle(unwanted, now)
        for o in owed:
            if o.key in unwanted:
                continue
            try:
                post(svc, Message.of(o), now)
                sent += 1
            except Exception as exc:  # the next sweep tries again
                log.warning("owed %s: %s", o.key, type(exc).__name__)
    return sent
