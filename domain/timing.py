"""What is due when: open acts, reminders, escalations, timed requests, phase changes.

The trajectory flow and the timer sweep call the same functions with the same
``now``: the sweep wakes a run only when something here is due and not yet done,
and the run then does it. Every notice has a key that is unique to its occasion,
so sending it twice is impossible (the outbox refuses a known key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from domain.occasion_keys import Notice as Timed
from domain.occasion_keys import NoticeKey, Occasion, Step, propose
from domain.people import Role
from domain.phases import Phase
from domain.reminders import ReminderPolicy, policy_for
from domain.rules import another_meeting_fits
from domain.trajectory import EvaluationKind, Match, MeetingStatus, Trajectory

REMINDER_DAYS = (7, 14)
ESCALATION_DAYS = 21
TOPICS_DAYS_BEFORE = 5


class ActStep(Enum):
    """What an open act of programme A asks for; the value is the word its reminder's template and the
    portal's link name (``step`` in a message's extra): stored and mailed, so it stays as it is."""

    MATCH = "match"  # the facilitator chooses a mentor
    KENNISMAKING = "kennismaking"  # mentee and mentor say whether to go on
    PLAN = "plan"  # the mentee writes the plan
    REVIEW = "review"  # the facilitator comments on the plan, when the mentee asked
    SIGN = "sign"  # both sign the declaration of intent (again, for a changed plan)
    PROPOSE = "propose"  # the mentee proposes the next meeting
    CONFIRM = "confirm"  # the mentee says whether a meeting took place
    TOPICS = "topics"  # the mentee sends the topics before a meeting
    EVALUATION = "evaluation"  # the facilitator records an evaluation's outcome


@dataclass(frozen=True)
class OpenAct:
    """Someone has to do something; ``ref`` names this one occasion of it."""

    ref: Occasion
    step: ActStep
    role: Role
    since: datetime
    meeting: int | None = None


@dataclass(frozen=True)
class Notice:
    """A timed message: a reminder, an escalation or a request before/after a meeting."""

    occasion: NoticeKey
    template: str
    to: Role
    ref: Occasion
    step: ActStep
    meeting: int | None = None
    about: Role | None = None  # for an escalation: who has not acted
    since: datetime | None = None  # when the act became open
    number: int = 1  # for a reminder: the first, the second, ...

    @property
    def key(self) -> str:
        """The occasion of its message (the outbox key's middle part)."""
        return self.occasion.key


def open_acts(t: Trajectory) -> list[OpenAct]:
    """Everyone the trajectory is waiting for, and since when."""
    since = t.phase_since()
    match = t.match
    if t.phase is Phase.MATCHING:
        return [OpenAct(Occasion(len(t.matches), Step.MATCH), ActStep.MATCH, Role.FACILITATOR, since)]
    if match is None:
        return []
    k = match.number
    if t.phase is Phase.KENNISMAKING:
        return [
            OpenAct(Occasion(k, Step.KENNISMAKING), ActStep.KENNISMAKING, role, match.proposed_at)
            for role in (Role.MENTEE, Role.MENTOR)
            if role not in match.answers
        ]
    if t.phase is Phase.PLAN:
        if match.plan is None:
            return [OpenAct(Occasion(k, Step.PLAN), ActStep.PLAN, Role.MENTEE, since)]
        if match.plan.awaiting_review:
            return [OpenAct(Occasion(k, Step.PLAN_REVIEW, version=match.plan.version), ActStep.REVIEW, Role.FACILITATOR,
                            match.plan.submitted_at)]
        signed = match.current_signatures()
        return [
            OpenAct(Occasion(k, Step.SIGN, version=match.plan.version), ActStep.SIGN, role, match.plan.submitted_at)
            for role in (Role.MENTEE, Role.MENTOR)
            if role not in signed
        ]
    acts: list[OpenAct] = []
    if t.phase in (Phase.INTERIM_EVALUATION, Phase.FINAL_EVALUATION):
        kind = EvaluationKind.INTERIM if t.phase is Phase.INTERIM_EVALUATION else EvaluationKind.FINAL
        acts.append(OpenAct(Occasion(k, Step.EVALUATION, kind=kind), ActStep.EVALUATION, Role.FACILITATOR, since))
    if t.phase.meets:
        acts.extend(_meeting_acts(match, since, k))
        if match.signed_at is not None and match.plan is not None and match.plan_unsigned:  # a changed plan
            signed = match.current_signatures()
            acts += [OpenAct(Occasion(k, Step.SIGN, version=match.plan.version), ActStep.SIGN, role,
                             match.plan.submitted_at) for role in (Role.MENTEE, Role.MENTOR) if role not in signed]
    elif t.phase is Phase.FINAL_EVALUATION and (planned := match.planned_meeting()) is not None:
        acts.append(_confirm(k, planned.number, planned.ends_at))
    return acts


def _confirm(match: int, meeting: int, ends_at: datetime) -> OpenAct:
    """The mentee says whether a meeting took place, from the moment it ends."""
    return OpenAct(Occasion(match, Step.MEETING_CONFIRM, meeting=meeting), ActStep.CONFIRM, Role.MENTEE, ends_at,
                   meeting)


def _meeting_acts(match: Match, since: datetime, k: int) -> list[OpenAct]:
    planned = match.planned_meeting()
    if planned is not None:
        # Open from the moment the meeting ends: did it take place?
        return [
            _confirm(k, planned.number, planned.ends_at)
        ]
    if match.finished:
        return []
    held = match.held_meetings()
    last = held[-1].starts_at if held else None
    if match.ends_by is not None and not another_meeting_fits(last, match.ends_by):
        return []
    after = held[-1].number if held else 0
    start = (held[-1].confirmed_at or held[-1].ends_at) if held else (match.signed_at or since)
    # A meeting called off asks for a new date with a new link (the first request's link was used).
    called_off = [m for m in match.meetings if m.status is MeetingStatus.CANCELLED and m.number > after]
    if called_off:
        return [OpenAct(propose(k, after, len(called_off)), ActStep.PROPOSE, Role.MENTEE,
                        called_off[-1].cancelled_at or start)]
    return [OpenAct(propose(k, after), ActStep.PROPOSE, Role.MENTEE, start)]


def due_notices(t: Trajectory, now: datetime, policy: ReminderPolicy | None = None) -> list[Notice]:
    """Every timed message due at ``now`` (sent or not: the outbox knows which were).

    Whether it may go out now (not at night, not in the weekend) is the sender's check.
    """
    policy = policy or policy_for(t.programme)
    if t.phase.ended:
        return []
    notices: list[Notice] = []
    for act in open_acts(t):
        if act.step is ActStep.CONFIRM and now < act.since:
            continue
        if act.step is ActStep.CONFIRM:
            notices.append(
                Notice(NoticeKey(act.ref, Timed.REQUEST, act.role), "meeting_confirm_request", act.role,
                       act.ref, act.step, act.meeting, since=act.since)
            )
        notices.extend(Notice(NoticeKey(act.ref, Timed.REMINDER, act.role, n), "reminder", act.role, act.ref,
                              act.step, act.meeting, since=act.since, number=n)
                       for n in policy.reminders_due(act.since, now))
        if act.role is not Role.FACILITATOR and policy.escalation_due(act.since, now):
            notices.append(
                Notice(NoticeKey(act.ref, Timed.ESCALATION, act.role), "escalation", Role.FACILITATOR, act.ref,
                       act.step, act.meeting, about=act.role, since=act.since)
            )
    match = t.match
    if match is not None and t.phase.meets:
        planned = match.planned_meeting()
        if planned is not None and planned.starts_at - timedelta(days=TOPICS_DAYS_BEFORE) <= now < planned.starts_at:
            series = Occasion(match.number, Step.MEETING, meeting=planned.number)
            notices.append(Notice(NoticeKey(series, Timed.TOPICS, Role.MENTEE), "topics_request",
                                  Role.MENTEE, series, ActStep.TOPICS, planned.number))
    return notices


def due_evaluation(t: Trajectory, now: datetime) -> EvaluationKind | None:
    """The evaluation whose moment has come and that has not started yet."""
    match = t.match
    if match is None or match.ends_by is None:
        return None
    if t.phase is Phase.MEETINGS:
        interim = match.interim_due()
        if interim is not None and now >= interim:
            return EvaluationKind.INTERIM
        if now >= match.ends_by:
            return EvaluationKind.INTERIM
    if t.phase is Phase.FURTHER_MEETINGS:
        planned = match.planned_meeting()
        held = match.held_meetings()
        last = held[-1].starts_at if held else None
        # A meeting on the end date itself is allowed: the final waits until it is over.
        if now >= match.ends_by and (planned is None or now >= planned.ends_at):
            return EvaluationKind.FINAL
        if planned is None and (match.finished or not another_meeting_fits(last, match.ends_by)):
            return EvaluationKind.FINAL
    return None


def evaluation_due_since(t: Trajectory, kind: EvaluationKind) -> datetime | None:
    """The moment ``kind`` became due by the rules of ``due_evaluation``: four months after the
    first meeting (or the end date) for the interim; for the final, the confirmation of the last
    meeting when no other fits or the mentee said it was the last, else the end date."""
    match = t.match
    if match is None or match.ends_by is None:
        return None
    if kind is EvaluationKind.INTERIM:
        return min(d for d in (match.interim_due(), match.ends_by) if d is not None)
    planned = match.planned_meeting()
    if planned is not None:
        return max(match.ends_by, planned.ends_at)
    held = match.held_meetings()
    last = held[-1] if held else None
    ended_early = match.finished or not another_meeting_fits(last.starts_at if last else None, match.ends_by)
    if ended_early and last is not None and last.confirmed_at is not None:
        return min(match.ends_by, last.confirmed_at)
    return match.ends_by


def next_due(t: Trajectory, now: datetime) -> datetime | None:
    """The earliest moment after ``now`` at which something becomes due (boards, timers)."""
    policy = policy_for(t.programme)
    candidates: list[datetime] = []
    for act in open_acts(t):
        if act.step is ActStep.CONFIRM:
            candidates.append(act.since)
        candidates.extend(act.since + timedelta(days=d) for d in policy.intervals)
        if act.role is not Role.FACILITATOR:
            candidates.append(act.since + timedelta(days=policy.escalate_after))
    match = t.match
    if match is not None and t.phase.meets:
        planned = match.planned_meeting()
        if planned is not None:
            candidates.append(planned.starts_at - timedelta(days=TOPICS_DAYS_BEFORE))
        interim = match.interim_due()
        if interim is not None and t.phase is Phase.MEETINGS:
            candidates.append(interim)
        if match.ends_by is not None:
            candidates.append(match.ends_by)
    future = [c for c in candidates if c > now]
    return min(future) if future else None


__all__ = [
    "ESCALATION_DAYS",
    "REMINDER_DAYS",
    "TOPICS_DAYS_BEFORE",
    "ActStep",
    "Notice",
    "OpenAct",
    "due_evaluation",
    "due_notices",
    "next_due",
    "open_acts",
]
