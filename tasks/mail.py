"""The one way a mail goes out, for every programme and every kind: compose once, outbox, deliver.

A mail is asked for by a small request (``tasks.messages.Message`` or ``Letter`` for programme A,
``tasks.hao_messages.HaoMessage`` for programme B, ``tasks.messages.Direct`` for the sweep's own
mail) that names its outbox key and template. Its programme's composer turns it into an
``adapters.mail.Envelope`` only while the key is new; the outbox stores the envelope's bytes once
(the key gives the Message-ID) and every delivery, first or re-send, sends those bytes. A replayed
run, a task retry or a second process asking for the same key never makes a second message; one
that crashed between the SMTP hand-off and the record re-sends the stored one, same Message-ID.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import Coroutine, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError

from adapters.mail import Envelope, TemporaryMailError
from adapters.outbox import Claim
from tasks.messages import Direct, Letter, Message, compose_peer
from wiring.bootstrap import Services

if TYPE_CHECKING:  # programme B's requests; its composer is imported by ``compose`` on use
    from tasks.hao_messages import HaoMessage

Mail: TypeAlias = "Message | Letter | HaoMessage | Direct"


def compose(svc: Services, mail: Mail, now: datetime) -> Envelope:
    """The envelope of ``mail``, made by its programme's composer from the database's current state."""
    if isinstance(mail, Message | Letter | Direct):
        return compose_peer(svc, mail, now)
    from tasks.hao_messages import compose_hao  # imported here: a programme A run never loads B's composer

    return compose_hao(svc, mail, now)


def post(svc: Services, mail: Mail, now: datetime, deliver: bool = True) -> bool:
    """Put ``mail`` in the outbox (composed once, only while its key is new) and try to deliver it;
    True if it was new. A delivery that fails is left to the timer sweep, which sends what is pending."""
    fresh, claimed = False, None
    if not svc.outbox.known([mail.key]):
        envelope = compose(svc, mail, now)
        if deliver:  # stored and claimed in one transaction: the next step hands it to SMTP
            claimed = svc.outbox.enqueue_claimed(envelope, now)
            fresh = claimed is not None
        else:
            fresh = svc.outbox.enqueue(envelope, now)
        if fresh:
            logger().info("bericht %s klaargezet", mail.template)
    if deliver:
        try:
            deliver_now(svc, mail.key, mail.template, now, claimed)
        except Exception as exc:  # stored: the sweep delivers it; ids only, a refusal may quote the address
            logger().warning("bezorging van %s mislukt (de timer-sweep probeert het opnieuw): %s", mail.template,
                             type(exc).__name__)
    return fresh


class SendError(RuntimeError):
    """A mail could not be composed or stored; the task retries. Carries no address or text: Prefect
    keeps the template and the kind of error only (a consultation must leave nothing else there)."""


@task(name="send mail", cache_policy=NO_CACHE, persist_result=False, retries=4, retry_delay_seconds=[2, 10, 30, 120])
def send(svc: Services, mail: Mail) -> str:
    """Compose and record the mail (once), then deliver it; returns the outbox key."""
    try:
        post(svc, mail, svc.clock.now())
    except Exception as exc:
        raise SendError(f"{mail.template}: {type(exc).__name__}") from None
    return mail.key


def unsent(svc: Services, mails: Sequence[Mail]) -> list[Mail]:
    """The mails whose key the outbox does not know yet (saves a task run per known one)."""
    known = svc.outbox.known([m.key for m in mails]) if mails else set()
    return [m for m in mails if m.key not in known]


def send_all(svc: Services, mails: Sequence[Mail]) -> None:
    """A task run for each mail whose key is new; known keys cost nothing."""
    for mail in unsent(svc, mails):
        send(svc, mail)


def post_all(svc: Services, mails: Iterable[Mail]) -> int:
    """Every mail whose key is new, without a task run each (a whole mailing); how many were new."""
    mails = list(mails)
    return sum(post(svc, mail, svc.clock.now()) for mail in unsent(svc, mails))


def deliver_now(svc: Services, key: str, template: str, now: datetime, claimed: Claim | None = None) -> str:
    """Hand the stored message to SMTP (``claimed``: the row is ours already); the row's status afterwards.

    A server that cannot take it now (down, slow, 4xx) leaves it pending in the outbox, due again
    after its backoff, and the timer sweep sends it: no run fails or waits on a mail outage. The
    log names the template and the SMTP code, never the key (a letter's key holds the address).
    """
    try:
        return run(svc.outbox.deliver(key, svc.mailer, now, claimed=claimed))
    except TemporaryMailError as exc:
        logger().warning("bericht %s wacht op de mailserver (%s); de timer-sweep verstuurt het", template, exc.code)
        return "pending"


def logger() -> logging.Logger | logging.LoggerAdapter:
    """The run's logger inside Prefect, a plain one when called without a run (sweep_now)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


R = TypeVar("R")
_loops = threading.local()


def run(coro: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine to completion from sync code, whether or not a loop is running here.

    Without a running loop, each thread keeps one of its own for the process's life: a new loop
    per mail (``asyncio.run``) costs about as much as handing the mail to a local server."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _own_loop().run_until_complete(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _own_loop() -> asyncio.AbstractEventLoop:
    """This thread's loop; a new one in a forked child (its parent's loop is not the child's to use)."""
    pid, loop = getattr(_loops, "owned", (None, None))
    if pid != os.getpid() or loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _loops.owned = (os.getpid(), loop)
    return loop
