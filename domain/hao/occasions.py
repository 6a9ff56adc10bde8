"""Whether the occasion a hao personal link was made for is still open (programme B).

As ``domain.occasions``: a link acts only on the conversation, report or goals it was
made for, while they wait for that act; the answer is a reason code or ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.hao.occasion_keys import HaoStep, parse
from domain.hao.people import HaoRole
from domain.hao.trajectory import Consultation, Conversation, Guidance, HaoPhase, HaoTrajectory, Progress

T, M, CHAIR = HaoRole.TRAINER, HaoRole.MENTOR, HaoRole.CHAIR

# Each act of a hao personal link and who may do it.
ACTIONS: dict[str, tuple[HaoRole, ...]] = {
    "hao_request": (T,),  # ask a mentor from the directory for a consultation
    "hao_confirm": (T,),  # confirm a request made on the mentor list (``domain.hao.requests``)
    "hao_answer": (M,),  # the mentor accepts or declines a consultation (proposing a colleague)
    "hao_couple": (CHAIR,),  # the COMO chair couples a mentor to a starting trainer
    "hao_plan": (M,),  # plan a conversation
    "hao_held": (M,),  # the conversation took place: claim, next date, or done
    "hao_close": (T,),  # the trainer closes a consultation
    "hao_goals": (T,),  # the trainer signs the goals of a targeted guidance
    "hao_report": (M,),  # the mentor writes the results report
    "hao_discussed": (T,),  # the trainer signs that the report was discussed (and may dissent)
    "hao_sign_report": (T,),  # the trainer signs the report of a progress conversation
}

def refusal(
    t: HaoTrajectory, role: HaoRole, person_id: int, action: str, ref: str, extra: Mapping[str, Any]
) -> str | None:
    """Why this link may not act on ``t`` now, or ``None``."""
    if t.phase.ended:
        return "ended"
    if action == "hao_couple":  # any chair of COMO; once coupled (here or in the Prefect UI) it is done
        if not isinstance(t, Progress):
            return "invalid"
        return None if t.phase is HaoPhase.COUPLING and t.mentor_id is None else "coupled"
    if person_id != (t.trainer_id if role is HaoRole.TRAINER else t.mentor_id):
        return "not_yours"
    if action == "hao_plan":
        occasion = parse(ref)
        if occasion is None or occasion.step is not HaoStep.PLAN:
            return "invalid"
        waiting = t.phase is HaoPhase.CONVERSATIONS and t.planned() is None
        return None if waiting and occasion.conversation == len(t.conversations) + 1 else "closed"
    if action == "hao_held":
        c = _conversation(t, extra)
        return None if c is not None and c.held_at is None else "closed"  # a conversation may be dropped
    if action == "hao_answer":
        if not isinstance(t, Consultation):
            return "invalid"
        return None if t.phase is HaoPhase.ANSWER else "closed"
    if action == "hao_close":
        return None if isinstance(t, Consultation) else "invalid"
    if action == "hao_sign_report":
        c = _conversation(t, extra)
        if c is None or not isinstance(t, Progress):
            return "invalid"
        return None if c.report is not None and HaoRole.TRAINER not in c.report.signed else "closed"
    phases = {"hao_goals": (HaoPhase.GOALS,), "hao_report": (HaoPhase.REPORT, HaoPhase.DISCUSSION),
              "hao_discussed": (HaoPhase.DISCUSSION,)}
    if action not in phases or not isinstance(t, Guidance):
        return "invalid"
    return None if t.phase in phases[action] else "closed"


def _conversation(t: HaoTrajectory, extra: Mapping[str, Any]) -> Conversation | None:
    number = extra.get("conversation")
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    return next((c for c in t.conversations if c.number == number), None)
