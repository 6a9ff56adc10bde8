"""One line that says where a trajectory stands: for run names, boards and digests."""

from __future__ import annotations

from datetime import datetime

from domain.clock import local_date
from domain.people import Role
from domain.phases import Phase
from domain.timing import ActStep
from domain.trajectory import Trajectory

MONTHS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
ROLE_NL = {Role.MENTEE: "mentee", Role.MENTOR: "mentor", Role.FACILITATOR: "facilitator"}


STEP_LABELS = {
    "nl": {
        ActStep.MATCH: "een mentor kiezen voor deze mentee",
        ActStep.KENNISMAKING: "laten weten of u na de kennismaking verder wilt",
        ActStep.PLAN: "het mentorschapsplan (leerdoelen, één A4) opstellen",
        ActStep.SIGN: "de intentieverklaring ondertekenen",
        ActStep.REVIEW: "commentaar geven op het mentorschapsplan (de mentee vroeg erom)",
        ActStep.PROPOSE: "een datum voor de volgende bijeenkomst voorstellen",
        ActStep.CONFIRM: "bevestigen dat de bijeenkomst heeft plaatsgevonden",
        ActStep.TOPICS: "de onderwerpen voor de bijeenkomst doorgeven",
        ActStep.EVALUATION: "de uitkomst van het evaluatiecontact vastleggen",
    },
    "en": {
        ActStep.MATCH: "choose a mentor for this mentee",
        ActStep.KENNISMAKING: "let us know whether you want to continue after the introductory meeting",
        ActStep.PLAN: "write the mentorship plan (learning goals, one page)",
        ActStep.SIGN: "sign the declaration of intent",
        ActStep.REVIEW: "comment on the mentorship plan (the mentee asked for it)",
        ActStep.PROPOSE: "propose a date for the next meeting",
        ActStep.CONFIRM: "confirm that the meeting took place",
        ActStep.TOPICS: "send the topics for the meeting",
        ActStep.EVALUATION: "record the outcome of the evaluation contact",
    },
}


def step_label(step: ActStep, language: str) -> str:
    """What someone still has to do, in their language (Dutch when unknown)."""
    return STEP_LABELS.get(language, STEP_LABELS["nl"])[step]


def short_date(t_instant: datetime) -> str:
    d = local_date(t_instant)
    return f"{d.day} {MONTHS_NL[d.month - 1]} {d.year}"


def describe(t: Trajectory) -> str:
    """What the trajectory waits for now, in a few Dutch words."""
    match = t.match
    if t.phase is Phase.MATCHING:
        return "wacht op matching" if not t.matches else f"wacht op nieuwe match (poging {len(t.matches) + 1})"
    if t.phase is Phase.KENNISMAKING and match:
        missing = [ROLE_NL[r] for r in (Role.MENTEE, Role.MENTOR) if r not in match.answers]
        return "kennismaking: wacht op " + " en ".join(missing)
    if t.phase is Phase.PLAN and match:
        if match.plan is None:
            return "wacht op mentorschapsplan"
        if match.plan.awaiting_review:
            return f"wacht op commentaar facilitator (plan v{match.plan.version})"
        missing = [ROLE_NL[r] for r in (Role.MENTEE, Role.MENTOR) if r not in match.current_signatures()]
        return f"wacht op handtekening {' en '.join(missing)} (plan v{match.plan.version})"
    if t.phase.meets and match:
        planned = match.planned_meeting()
        prefix = "tussenevaluatie; " if t.phase is Phase.INTERIM_EVALUATION else ""
        if match.plan is not None and match.plan_unsigned:  # a plan changed after the start
            missing = [ROLE_NL[r] for r in (Role.MENTEE, Role.MENTOR) if r not in match.current_signatures()]
            prefix += f"gewijzigd plan v{match.plan.version}: wacht op handtekening {' en '.join(missing)}; "
        if planned:
            return f"{prefix}bijeenkomst {planned.number} op {short_date(planned.starts_at)}"
        return f"{prefix}wacht op datum bijeenkomst {len(match.held_meetings()) + 1}"
    if t.phase is Phase.FINAL_EVALUATION:
        return "eindevaluatie"
    return t.phase.label
