"""Who a hao trajectory waits for, since when, and who hears of it when nobody acts (programme B).

Every wait of the three kinds is an open act here, with the personal link that does it.
The reminders and the escalation come from the programme's one policy (``domain.reminders``:
5 and 10 days, then 14), as for programme A. Escalation goes to whoever can act: for a
consultation only the trainer (it is confidential: the institute never hears of it; when the
trainer is the one who did not act, nobody else is told); for guidance the institute's
contact persons; for progress conversations the chair of COMO, who coupled the mentor (or,
while no mentor is coupled, the contact persons).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from domain.hao.occasion_keys import HaoOccasion, HaoStep, conversation, whole
from domain.hao.people import HaoRole
from domain.hao.trajectory import Consultation, Guidance, HaoPhase, HaoTrajectory, Progress
from domain.reminders import ReminderPolicy

T, M, CHAIR, STAFF = HaoRole.TRAINER, HaoRole.MENTOR, HaoRole.CHAIR, HaoRole.STAFF


class HaoActStep(Enum):
    """What an open act of a hao trajectory asks for; the value is the word a reminder's template
    sees (``step`` in a message's extra)."""

    ANSWER = "answer"  # the mentor answers a consultation request
    COUPLE = "couple"  # a chair of COMO couples a mentor
    GOALS = "goals"  # the trainer signs the goals of a guidance
    REPORT = "report"  # the mentor writes the results report
    DISCUSSED = "discussed"  # the trainer signs that the report was discussed
    PLAN = "plan"  # the mentor plans the next conversation
    HELD = "held"  # the mentor says the conversation took place
    SIGN_REPORT = "sign_report"  # the trainer signs a progress conversation's report


# What is awaited, in the reader's language.
STEP_LABELS: dict[str, dict[HaoActStep, str]] = {  # neutral: read by whoever has to act and whoever hears of it
    "nl": {HaoActStep.ANSWER: "het antwoord op een verzoek om consultatie",
           HaoActStep.PLAN: "een datum voor het volgende gesprek",
           HaoActStep.HELD: "de bevestiging dat het gesprek heeft plaatsgevonden",
           HaoActStep.GOALS: "de handtekening onder de doelen van de begeleiding",
           HaoActStep.REPORT: "het resultaatverslag",
           HaoActStep.DISCUSSED: "de handtekening dat het resultaatverslag besproken is",
           HaoActStep.SIGN_REPORT: "de handtekening onder het verslag van het gesprek",
           HaoActStep.COUPLE: "de koppeling van een hao-mentor aan een startende opleider"},
    "en": {HaoActStep.ANSWER: "the answer to a consultation request",
           HaoActStep.PLAN: "a date for the next conversation",
           HaoActStep.HELD: "the confirmation that the conversation took place",
           HaoActStep.GOALS: "the signature on the goals of the guidance",
           HaoActStep.REPORT: "the results report",
           HaoActStep.DISCUSSED: "the signature that the results report was discussed",
           HaoActStep.SIGN_REPORT: "the signature on the report of the conversation",
           HaoActStep.COUPLE: "the coupling of a hao mentor to a starting trainer"},
}
ROLE_LABELS: dict[str, dict[HaoRole, str]] = {
    "nl": {T: "de opleider", M: "de mentor", CHAIR: "de voorzitter van COMO", STAFF: "het instituut"},
    "en": {T: "the trainer", M: "the mentor", CHAIR: "the chair of COMO", STAFF: "the institute"},
}


def step_label(step: HaoActStep, language: str) -> str:
    return STEP_LABELS.get(language, STEP_LABELS["nl"])[step]


def role_label(role: HaoRole, language: str) -> str:
    return ROLE_LABELS.get(language, ROLE_LABELS["nl"])[role]


@dataclass(frozen=True)
class HaoAct:
    """Someone has to do something; ``ref`` names this one occasion (the key of its notices)."""

    ref: HaoOccasion
    step: HaoActStep
    role: HaoRole
    since: datetime
    link: str  # the portal action of the personal link that does it
    conversation: int | None = None
    link_extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HaoNotice:
    """A reminder to whoever has to act, or the word to whoever can act instead."""

    act: HaoAct
    to: HaoRole
    number: int  # the n-th reminder; 0 for the escalation

    @property
    def escalation(self) -> bool:
        return self.number == 0

    @property
    def occasion(self) -> str:
        return f"{self.act.ref.key}:escalation" if self.escalation else f"{self.act.ref.key}:reminder-{self.number}"


def open_acts(t: HaoTrajectory) -> list[HaoAct]:
    """Everyone the trajectory waits for now, and since when."""
    if t.phase.ended:
        return []
    since = t.phase_since()
    if t.phase is HaoPhase.ANSWER:
        return [HaoAct(whole(HaoStep.ANSWER), HaoActStep.ANSWER, M, t.opened_at, "hao_answer")]
    if t.phase is HaoPhase.COUPLING:
        return [HaoAct(whole(HaoStep.COUPLE), HaoActStep.COUPLE, CHAIR, t.opened_at, "hao_couple")]
    if t.phase is HaoPhase.GOALS:
        return [HaoAct(whole(HaoStep.GOALS), HaoActStep.GOALS, T, since, "hao_goals")]
    if t.phase is HaoPhase.REPORT:
        return [HaoAct(whole(HaoStep.REPORT), HaoActStep.REPORT, M, since, "hao_report")]
    if t.phase is HaoPhase.DISCUSSION and isinstance(t, Guidance) and t.report is not None:
        return [HaoAct(whole(HaoStep.DISCUSSED), HaoActStep.DISCUSSED, T, t.report.written_at, "hao_discussed")]
    if t.phase is not HaoPhase.CONVERSATIONS:
        return []
    return _conversation_acts(t, since)


def _conversation_acts(t: HaoTrajectory, since: datetime) -> list[HaoAct]:
    acts: list[HaoAct] = []
    planned = t.planned()
    if planned is not None:  # open from the moment it ends: did it take place?
        acts.append(HaoAct(conversation(HaoStep.HELD, planned.number), HaoActStep.HELD, M, planned.ends_at, "hao_held",
                           planned.number, {"conversation": planned.number}))
    elif _asks_next(t):
        held = t.held()
        start = max(since, held[-1].held_at or held[-1].ends_at) if held else since
        if isinstance(t, Progress) and held:  # the next is asked once the last report is signed by both
            start = max([start, *(at for c in held if c.report for at in c.report.signed.values())])
        n = len(t.conversations) + 1
        acts.append(HaoAct(conversation(HaoStep.PLAN, n), HaoActStep.PLAN, M, start, "hao_plan"))
    if isinstance(t, Progress):
        for c in t.held():
            if c.report is not None and T not in c.report.signed:
                acts.append(HaoAct(conversation(HaoStep.SIGN, c.number), HaoActStep.SIGN_REPORT, T, c.report.written_at,
                                   "hao_sign_report", c.number, {"conversation": c.number}))
    return acts


def _asks_next(t: HaoTrajectory) -> bool:
    """Whether the mentor is asked to plan a conversation now that none is planned: a consultation
    only its first (after that, a next one is theirs to choose), guidance until the mentor says the
    conversations are done, progress conversations until the minimum is met (``Progress.wants_next``)."""
    if isinstance(t, Consultation):
        return not t.held()
    if isinstance(t, Progress):
        return t.wants_next()
    return True


def escalate_to(t: HaoTrajectory, act: HaoAct) -> HaoRole | None:
    """Who hears that nobody acted: never the institute for a consultation, never the one who did not act."""
    if isinstance(t, Consultation):
        return T if act.role is not T else None
    if isinstance(t, Progress) and t.mentor_id is not None and act.role is not CHAIR:
        return CHAIR
    return STAFF


def due_notices(t: HaoTrajectory, now: datetime, policy: ReminderPolicy) -> list[HaoNotice]:
    """The reminders and escalations due at ``now`` (sent or not: the outbox knows which were).

    Only the latest reminder of an act: after a quiet spell (a weekend, a sweep that did not run)
    nobody gets two at once. Nothing at night or in the weekend.
    """
    if not policy.may_send(now):
        return []
    notices: list[HaoNotice] = []
    for act in open_acts(t):
        notices.extend(HaoNotice(act, act.role, n) for n in policy.reminders_due(act.since, now)[-1:])
        if policy.escalation_due(act.since, now) and (to := escalate_to(t, act)) is not None:
            notices.append(HaoNotice(act, to, 0))
    return notices
