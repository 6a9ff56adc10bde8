"""Whether the occasion a personal link was made for is still open (programme A).

A link names its occasion: its ``ref`` (``k2-plan``: match 2's plan, read once by
``domain.occasion_keys.parse``), and in its details the plan version, the meeting or the evaluation.
A link is good only for that
occasion and only while it is open, so the unused kennismaking link of a match that
failed cannot answer for the next match, and a confirm link cannot act on a meeting that
was already confirmed or never existed. The answer is a reason code (the portal's
``link_error`` page explains each) or ``None`` when the link may act.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.occasion_keys import Occasion, Step, parse
from domain.people import Role
from domain.phases import Phase
from domain.timing import ActStep, open_acts
from domain.trajectory import EvaluationKind, Match, Meeting, MeetingStatus, Trajectory


def refusal(t: Trajectory, role: Role, person_id: int, action: str, ref: str, extra: Mapping[str, Any]) -> str | None:
    """Why this link may not act on ``t`` now, or ``None``."""
    if t.phase.ended:
        return "ended"
    if action == "withdraw":
        return None if person_id == _holder(t, role) else "not_yours"
    occasion = parse(ref)
    if occasion is None:
        return "invalid"
    match = t.match
    if match is None or occasion.match != match.number:
        return "superseded"
    if person_id != _holder(t, role):
        return "not_yours"
    return _step_refusal(t, match, role, action, occasion, extra)


def _holder(t: Trajectory, role: Role) -> int | None:
    return t.mentee_id if role is Role.MENTEE else t.mentor_id


def _step_refusal(
    t: Trajectory, match: Match, role: Role, action: str, ref: Occasion, extra: Mapping[str, Any]
) -> str | None:
    if action == "kennismaking":
        return None if t.phase is Phase.KENNISMAKING and role not in match.answers else "closed"
    revisable = t.phase is Phase.PLAN or (match.signed_at is not None and t.phase.meets)  # a plan may change
    if action == "plan":
        # The first request's link, or a link to make one next version (an older one's version exists).
        current = match.plan.version if match.plan else 0
        if ref.step is not Step.PLAN_VERSION:
            return None if t.phase is Phase.PLAN else "closed"
        return None if revisable and ref.version == current + 1 else "closed"
    if action == "sign":
        # A sign link for an older plan version stays open: its page says the plan changed.
        return None if revisable and match.plan is not None else "closed"
    if action == "propose":
        return None if any(a.ref == ref and a.step is ActStep.PROPOSE for a in open_acts(t)) else "closed"
    if action in ("confirm", "topics"):
        meeting = _meeting(match, extra)
        if meeting is None:
            return "invalid"
        phases = t.phase.meets or (action == "confirm" and t.phase is Phase.FINAL_EVALUATION)
        return None if phases and meeting.status is MeetingStatus.PLANNED else "closed"
    if action == "meeting":  # move or call off a planned meeting, from its newest invitation
        meeting = _meeting(match, extra)
        if meeting is None:
            return "invalid"
        newest = extra.get("sequence") == meeting.sequence  # an earlier invitation's link is done with
        return None if t.phase.meets and meeting.status is MeetingStatus.PLANNED and newest else "closed"
    if action == "evaluation":
        try:
            evaluation = match.evaluations.get(EvaluationKind(extra.get("kind", "")))
        except ValueError:
            return "invalid"
        return None if evaluation is not None and evaluation.recorded_at is None else "closed"
    return "invalid"


def _meeting(match: Match, extra: Mapping[str, Any]) -> Meeting | None:
    number = extra.get("meeting")
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    return next((m for m in match.meetings if m.number == number), None)
