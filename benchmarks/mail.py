"""How fast the project's send path delivers, beside bare aiosmtplib to the same SMTP server.

Project: the body of the ``send mail`` task (``tasks.mail.send.fn``), which is what
every mail of a wake goes through: read the trajectory and people from our database, render
the template, build the calendar invitation and the MIME message, store it in the outbox,
claim it, hand it to SMTP with ``SmtpMailer`` (a new connection each) and mark it sent. The
message is a meeting invitation with its .ics, on a trajectory set up through the domain.
Bare: the very bytes the outbox stored, sent with ``aiosmtplib.send`` in one event loop, a new
connection per message, to the same aiosmtpd (``demo.mailserver``, writing the Maildir).
No Prefect here: this is the cost of the path itself, not of task orchestration.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import aiosmtplib

from administration.forms import application_values, parse_application
from benchmarks._participants import mentee_form, mentor_form
from benchmarks._stack import VAR
from domain.clock import AMSTERDAM, local_date
from domain.people import Role
from domain.trajectory import Trajectory
from mentorschap.stack import Stack, free_port, stack_environment
from wiring.bootstrap import Services

MESSAGES, WARMUP = 200, 5

TARGETS = {"mail_ratio": (">=", 0.8)}


@contextmanager
def smtp_only(name: str) -> Iterator[tuple[int, Services]]:
    """Our database and the Maildir SMTP server, in ``var/bench/<name>``; yields the SMTP port and the services."""
    home = VAR / name
    shutil.rmtree(home, ignore_errors=True)
    port = free_port()
    env = {"MENTORSCHAP_DATABASE_URL": f"sqlite:///{home / 'mentorschap.db'}", "MENTORSCHAP_SMTP_PORT": str(port),
           "MENTORSCHAP_SIGNING_SECRET": f"bench-secret-for-{name}-{os.getpid()}"}
    stack = Stack.create(home, env)
    with stack_environment(env) as svc:
        try:
            stack.start_mailserver(home / "maildir", port)
            yield port, svc
        finally:
            stack.stop_all()


def signed_trajectory_with_meeting(svc: Services) -> int:
    """A trajectory past its signing with one meeting planned, set up through the domain's own acts."""
    now = svc.clock.now()
    ids = {}
    for role, form in ((Role.MENTEE, mentee_form(1)), (Role.MENTOR, mentor_form(1))):
        application, errors = parse_application(role, application_values(form))
        if application is None:
            raise RuntimeError(f"application refused: {errors}")
        ids[role] = svc.repo.add_person(svc.cohort, application, now)
    t = svc.repo.add_trajectory(Trajectory.apply(svc.cohort, ids[Role.MENTEE], now), now)
    day = local_date(now) + timedelta(weeks=4)
    while day.weekday() >= 5:
        day += timedelta(days=1)

    def sign_and_plan(t: Trajectory) -> None:
        t.confirm_application(now)
        t.choose_mentor(ids[Role.MENTOR], now)
        for role in (Role.MENTEE, Role.MENTOR):
            t.answer_kennismaking(role, True, "", now)
        plan = t.submit_plan(["Grenzen stellen"], "Eén A4 met mijn plan.", now)
        for role in (Role.MENTEE, Role.MENTOR):
            t.sign(role, ids[role], plan.version, now)
        t.propose_meeting(datetime.combine(day, datetime.min.time().replace(hour=14), tzinfo=AMSTERDAM), now)

    svc.repo.change(t.require_id(), sign_and_plan, now)
    return t.require_id()


def project_path(svc: Services, trajectory_id: int, first: int, count: int) -> tuple[float, list[str]]:
    """(seconds, outbox keys) for ``count`` invitations through the task's send path."""
    from tasks.mail import send
    from tasks.messages import Message

    keys = []
    started = time.perf_counter()
    for n in range(first, first + count):
        keys.append(send.fn(svc, Message(trajectory_id=trajectory_id, occasion=f"bench-{n}-invite",
                                    template="meeting_invitation", to=Role.MENTEE, meeting=1, calendar="REQUEST")))
    return time.perf_counter() - started, keys


def bare_path(port: int, messages: list[tuple[str, str, bytes]]) -> float:
    """Seconds to send the (sender, recipient, bytes) with bare aiosmtplib, a connection each."""
    async def send_all() -> None:
        for sender, recipient, data in messages:
            await aiosmtplib.send(data, sender=sender, recipients=[recipient], hostname="127.0.0.1", port=port)

    started = time.perf_counter()
    asyncio.run(send_all())
    return time.perf_counter() - started


def run() -> dict[str, float | int]:
    from adapters.outbox import serialize

    load = os.getloadavg()[0]  # the figures fall when others share the machine: say how busy it was
    with smtp_only("mail") as (port, svc):
        tid = signed_trajectory_with_meeting(svc)
        project_path(svc, tid, 0, WARMUP)
        seconds, keys = project_path(svc, tid, WARMUP, MESSAGES)
        stored = [svc.outbox.message(key) for key in keys]
        raw = [(m["From"].addresses[0].addr_spec, m["To"].addresses[0].addr_spec, serialize(m)) for m in stored]
        bare_path(port, raw[:WARMUP])
        bare_seconds = bare_path(port, raw)
        if len(os.listdir(VAR / "mail" / "maildir" / "new")) != 2 * (WARMUP + MESSAGES):
            raise RuntimeError("the Maildir does not hold every message sent")
    project_rate, bare_rate = MESSAGES / seconds, MESSAGES / bare_seconds
    return {
        "mail_messages": MESSAGES,
        "mail_bytes_per_message": round(sum(len(r[2]) for r in raw) / len(raw)),
        "mail_project_per_second": round(project_rate, 1),
        "mail_bare_per_second": round(bare_rate, 1),
        "mail_ratio": round(project_rate / bare_rate, 2),
        "mail_load_average": round(load, 2),
    }
