"""A real Prefect server and served deployments: suspend, sign-off in the portal, resume, restart.

Slow (a server and a runner start); the session's one stack (tests/conftest.py) serves it.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from domain.waits import Subject
from tests.stack import svc

pytestmark = pytest.mark.slow

LINK = re.compile(r"https?://[^\s\"'<>]+/a/[A-Za-z0-9_\-.]+")
MENTOR = {"name": "Dr. Anneke van Dijk", "email": "anneke@example.org", "phone": "040-2123456",
          "practice_name": "Praktijk Strijp", "street": "Hoogstraat 12", "postcode": "5615 PA", "city": "Eindhoven",
          "years_experience": "20", "topics": "praktijkvoering", "consent": "on"}
MENTEE = {"name": "Sanne de Vries", "email": "sanne@example.org", "phone": "040-2534567",
          "practice_name": "Huisartsen Veldhoven", "street": "Dorpstraat 21", "postcode": "5504 HB",
          "city": "Veldhoven", "years_experience": "2", "learning_goals": "grenzen stellen", "consent": "on"}


def wait_until(what: str, check, timeout: float = 180):
    """Poll ``check``; every 10 s run the timer sweep, as its schedule would in production.

    A portal act that lands while the run is still on its way to suspending cannot wake it;
    the sweep then sees the change made after the wait began and wakes it (that is its job).
    """
    from flows.sweep import sweep_now

    deadline = time.monotonic() + timeout
    last_sweep = time.monotonic()
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if time.monotonic() - last_sweep > 10:
            sweep_now()
            last_sweep = time.monotonic()
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def mails(maildir: Path) -> list[email.message.EmailMessage]:
    box = mailbox.Maildir(maildir, create=True)
    return [email.message_from_bytes(box.get_bytes(k), policy=email.policy.default) for k in box.iterkeys()]


def link_for(maildir: Path, to: str, action: str) -> str:
    """The newest personal link of ``action`` in mail to ``to``."""
    for msg in reversed(sorted(mails(maildir), key=lambda m: m["Date"].datetime)):
        if to not in str(msg["To"]):
            continue
        text = msg.get_body(preferencelist=("plain",)).get_content()
        for url in LINK.findall(text):
            if svc().links.read(url.rsplit("/", 1)[1]).action == action:
                return url
    return ""


def suspended_at(tid: int, label: str) -> bool:
    _, key = svc().runs.waiting_at(tid)
    return bool(key and key.label == label)


def test_trajectory_suspends_resumes_through_portal_and_survives_a_restart(stack):
    http = httpx.Client(timeout=30)
    assert http.post(f"{stack.portal}/apply?role=mentor", data=MENTOR).status_code == 200
    assert http.post(f"{stack.portal}/apply?role=mentee", data=MENTEE).status_code == 200
    tid = svc().repo.trajectory_ids()[-1]
    mentor_id = next(p.id for p in svc().repo.mentor_pool(svc().cohort) if p.email == MENTOR["email"])

    # The run confirms the application and suspends for the facilitator's choice: no process held.
    wait_until("matching wait", lambda: suspended_at(tid, "matching"))
    assert any("sanne@example.org" in str(m["To"]) for m in mails(stack.maildir))

    # The facilitator answers the run's input form through the Prefect API (as the UI does), while
    # the worker is down: the run gets to it later, and the choice counts from when it was given.
    stack.wait_idle("runner")
    stack.stop("runner")
    given = svc().clock.now()
    assert svc().runs.wake(tid, "facilitator", extra={"mentor_id": mentor_id})
    time.sleep(3)
    stack.start_runner()
    wait_until("kennismaking wait", lambda: suspended_at(tid, "kennismaking"))
    t, _ = svc().repo.trajectory(tid)
    assert t.mentor_id == mentor_id
    assert timedelta(0) <= t.match.proposed_at - given < timedelta(seconds=1.5)

    # Both say yes through their personal links; each POST records first, then resumes the run.
    for who in ("sanne@example.org", "anneke@example.org"):
        url = wait_until("kennismaking link", lambda who=who: link_for(stack.maildir, who, "kennismaking"))
        assert http.post(url, data={"agree": "yes"}).status_code == 200
    wait_until("plan wait", lambda: suspended_at(tid, "plan") and svc().repo.trajectory(tid)[0].phase == "plan")

    # Restart the Prefect server and the runner in the middle of the trajectory (no run in flight).
    stack.wait_idle("runner")
    stack.stop("runner")
    stack.stop("prefect-server")
    stack.start_prefect()
    stack.start_runner()
    # Waits at the plan again once the runner is back. Not at once: a resume Prefect's SQLite refused
    # ("database is locked", 503) is retried by Prefect's client seconds later, and may land on the wait
    # that came next; the run then wakes once more, finds nothing new and suspends at the same step.
    wait_until("plan wait after the restart", lambda: suspended_at(tid, "plan"))

    url = wait_until("plan link", lambda: link_for(stack.maildir, "sanne@example.org", "plan"))
    r = http.post(url, data={"goals": "Grenzen stellen\nEigen stijl", "text": "Eén A4 met mijn plan."})
    assert r.status_code == 200
    for who in ("sanne@example.org", "anneke@example.org"):
        url = wait_until("sign link", lambda who=who: link_for(stack.maildir, who, "sign"))
        page = http.get(url)
        assert "Eén A4 met mijn plan." in page.text
        assert http.post(url, data={}).status_code == 200
        # A replayed link changes nothing and says so.
        assert http.post(url, data={}).status_code in (400, 403, 409, 410)

    wait_until("meetings wait", lambda: suspended_at(tid, "meetings"), timeout=120)
    t, _ = svc().repo.trajectory(tid)
    assert t.phase == "meetings" and t.match.signed_at is not None
    subjects = [str(m["Subject"]) for m in mails(stack.maildir)]
    message_ids = [m["Message-ID"] for m in mails(stack.maildir)]
    assert len(message_ids) == len(set(message_ids)), "a message was sent twice"
    assert len(subjects) >= 9
    wakes = svc().run_store.wakes(Subject.trajectory(tid))
    assert wakes >= 3  # matching, kennismaking, plan: acts that land together may share a wake-up

    # Her forms on the pair's run, as the Prefect UI sends them (issue 12.3-12.5). The mentee plans
    # meeting 1; the facilitator then sends an empty form, half a move, and a move as the UI's date
    # picker gives it (in UTC): the first two are refused where she looks, the last is Amsterdam time.
    from domain.clock import AMSTERDAM
    from domain.people import Role
    from tasks.runs import REFUSED
    from tests.flows.forms import seen, submit

    first = seen(svc().runs, tid)
    planned_at = datetime(2021, 2, 10, 19, 30, tzinfo=AMSTERDAM)
    svc().repo.change(tid, lambda t: t.propose_meeting(planned_at, svc().clock.now()), svc().clock.now())
    svc().runs.wake(tid, "participant")
    planned = seen(svc().runs, tid, after=first.key, sweep=True)
    submit(planned.run_id, {})
    empty = seen(svc().runs, tid, after=planned.key)
    assert empty.description.startswith("NIET UITGEVOERD: het formulier was leeg") and empty.name.endswith(REFUSED)
    submit(empty.run_id, {"move_meeting": 1})
    half = seen(svc().runs, tid, after=empty.key)
    assert half.description.startswith("NIET UITGEVOERD: Bijeenkomst verzetten:"), half.description
    assert svc().repo.trajectory(tid)[0].match.meeting(1).starts_at == planned_at
    submit(half.run_id, {"note": "Sanne belde: de avond past niet", "move_meeting": 1,
                         "move_to": "2021-02-17T10:00:00.000Z"})  # she picked 17 February, 10:00
    moved = seen(svc().runs, tid, after=half.key)
    assert not moved.name.endswith(REFUSED) and "NIET UITGEVOERD" not in moved.description
    t, _ = svc().repo.trajectory(tid)
    assert t.match.meeting(1).starts_at == datetime(2021, 2, 17, 10, 0, tzinfo=AMSTERDAM)
    assert [(h.what, h.by) for h in t.history[-2:]] == [("toelichting: Sanne belde: de avond past niet",
                                                          Role.FACILITATOR),
                                                         ("bijeenkomst 1 verzet naar 17-02-2021", Role.FACILITATOR)]
