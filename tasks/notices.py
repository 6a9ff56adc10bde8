"""Timed notices from the sweep: quiet at night and in the weekend, combined per person, a weekly digest.

A reminder or escalation that falls due for a person who already has another one
due goes out inside one combined message; each part is recorded in the outbox as
merged into it, so none is sent again on its own.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime, timedelta

from prefect import task
from prefect.cache_policies import NO_CACHE

from domain.board import board_row, sort_rows
from domain.clock import local_date
from domain.people import Role
from domain.reminders import policy_for, week_key
from domain.status import step_label
from domain.timing import ActStep, Notice, due_notices
from tasks.contexts import PersonView
from tasks.mail import post
from tasks.messages import Direct, Message, parties, personal_link, undelivered
from tasks.store import Snapshot, cohort_will_propose
from wiring.bootstrap import Services

COMBINABLE = {"reminder", "escalation"}

# Which portal action a participant's open step links to.
LINK_FOR_STEP = {
    ActStep.KENNISMAKING: "kennismaking",
    ActStep.PLAN: "plan",
    ActStep.SIGN: "sign",
    ActStep.PROPOSE: "propose",
    ActStep.CONFIRM: "confirm",
    ActStep.TOPICS: "topics",
}

def notice_message(s: Snapshot, notice: Notice) -> Message:
    t = s.trajectory
    match = t.match
    link = LINK_FOR_STEP.get(notice.step) if notice.to is not Role.FACILITATOR else None
    extra: dict = {}
    if notice.step is ActStep.SIGN and match and match.plan:
        extra = {"plan_version": match.plan.version}
    elif notice.meeting is not None:
        extra = {"meeting": notice.meeting}
    since = local_date(notice.since) if notice.since else local_date(s.now)
    template_extra: dict = {}
    if notice.template in COMBINABLE:  # what a reminder says; a request to confirm or for topics says its own
        template_extra = {"step": notice.step.value, "step_label": step_label(notice.step, "nl"), "n": notice.number,
                          "since": since}
    if notice.template == "escalation":
        template_extra["about_role"] = notice.about.value if notice.about else ""
    return Message(
        trajectory_id=s.id, occasion=notice.key, template=notice.template, to=notice.to,
        link=link, link_ref=notice.ref.key, link_extra=extra, meeting=notice.meeting, extra=template_extra,
    )


@task(name="send due notices", cache_policy=NO_CACHE)
def send_notices(svc: Services) -> int:
    """Reminders, escalations and meeting requests due now, for every active trajectory."""
    now = svc.clock.now()
    sent = 0
    groups: dict[str, list[tuple[Message, PersonView, dict]]] = defaultdict(list)
    for trajectory_id in svc.repo.trajectory_ids(active_only=True):
        t, version = svc.repo.trajectory(trajectory_id)
        if not policy_for(t.programme).may_send(now):
            continue
        snapshot = Snapshot(trajectory=t, version=version, now=now)
        notices = due_notices(t, now)
        if not t.matches and t.programme == "peer" and cohort_will_propose(svc, t.cohort):
            notices = [n for n in notices if n.step is not ActStep.MATCH]  # the cohort's proposal comes first
        messages = [notice_message(snapshot, n) for n in notices]
        known = svc.outbox.known([m.key for m in messages])
        for message in (m for m in messages if m.key not in known):
            if message.template not in COMBINABLE:
                post(svc, message, now)
                sent += 1
                continue
            p = parties(svc, t, message)
            item = {
                "trajectory_id": t.id,
                "pair": f"{p.mentee.name} en {p.mentor.name}" if p.mentor else p.mentee.name,
                "step_label": step_label(ActStep(message.extra["step"]), p.recipient.language),
                "since": message.extra.get("since"),
                "escalation": message.template == "escalation",
                "about_role": message.extra.get("about_role", ""),
                "action_url": personal_link(svc, t, message, p.recipient),
            }
            groups[p.recipient.email].append((message, p.recipient, item))
    for items in groups.values():
        if len(items) == 1:
            post(svc, items[0][0], now)
        else:
            send_combined(svc, items, now)
        sent += len(items)
    return sent


def send_combined(svc: Services, items: list[tuple[Message, PersonView, dict]], now: datetime) -> str:
    """One message for several due items of one person; the parts are recorded as merged into it."""
    recipient = items[0][1]
    keys = sorted(m.key for m, _, _ in items)
    key = f"combined:{recipient.email}:{hashlib.sha256('|'.join(keys).encode()).hexdigest()[:16]}"
    fields = {"items": [i for _, _, i in sorted(items, key=lambda x: x[0].key)], "n_items": len(items)}
    post(svc, Direct(key, "reminders_combined", recipient, fields), now)
    svc.outbox.record_merged(keys, key, (recipient.name, recipient.email), now)
    return key


@task(name="send weekly digest", cache_policy=NO_CACHE)
def send_digest(svc: Services, cohort: str) -> bool:
    """Monday morning: what is overdue and what comes next, for the facilitator of the cohort."""
    now = svc.clock.now()
    key = f"digest:{cohort}:{week_key(now)}"
    if not policy_for("peer").digest_due(now) or svc.outbox.known([key]):
        return False
    rows = []
    for tid in svc.repo.trajectory_ids(cohort):
        t, _ = svc.repo.trajectory(tid)
        if t.programme != "peer":
            continue
        mentor = svc.repo.person(t.mentor_id).name if t.mentor_id else ""
        rows.append(board_row(t, svc.repo.person(t.mentee_id).name, mentor, now))
    if not rows:
        return False
    rows = sort_rows(rows)
    horizon = local_date(now + timedelta(days=14))
    coming = [r for r in rows if r["volgende"] and _day(r["volgende"]) <= horizon]
    s = svc.settings
    facilitator = PersonView(None, s.facilitator_name, s.facilitator_address, language=s.language)
    fields = {"cohort": cohort, "week": week_key(now), "overdue": [r for r in rows if r["achterstand"]],
               "coming": coming, "rows": rows, "active": sum(1 for r in rows if r["fase"] not in ("afgesloten",
                                                                                                  "gestopt")),
               "undelivered": undelivered(svc, cohort)}
    post(svc, Direct(key, "facilitator_digest", facilitator, fields), now)
    return True


def _day(text: str) -> date:
    return datetime.strptime(text, "%d-%m-%Y").date()
