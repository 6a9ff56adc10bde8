"""The mail a hao trajectory's state owes, as values (programme B's ``domain.owed``).

A hao run derives a phase's mail when it gets there; a run that lags behind the database
(crashed, its worker down) would skip the mail of the phases that passed meanwhile: the
mentor's request to answer, the news that a consultation was accepted, the trainer's
request to sign a report. So each step's mail is derived here once, from the state alone:
the flows send it (``flows.hao``), and every write of a hao trajectory records it in its own
transaction (``adapters.hao_store``), for the hao sweep to send what a lagging run has not
(``tasks.hao_owed``). Both use the same outbox key, so whoever comes second sends nothing.

Everything here is ids: a consultation leaves nothing but ids and template names in the record.
The contact persons and the COMO chairs are passed in (``staff``, ``chairs``): each gets her own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from domain.hao.occasion_keys import HaoOccasion, HaoStep, addressee, conversation, hao_outbox_key, whole
from domain.hao.people import HaoRole
from domain.hao.trajectory import (
    MIN_PROGRESS_REPORTS,
    Consultation,
    Guidance,
    HaoPhase,
    HaoTrajectory,
    Progress,
)

BOTH = (HaoRole.TRAINER, HaoRole.MENTOR)
# Mail that asks someone to act: no longer wanted once the state no longer asks for it. Every other
# hao mail is news (or a conversation's calendar record) and stays wanted.
REQUESTS = frozenset({"hao_consultation_request", "hao_plan_request", "hao_guidance_goals", "hao_report_request",
                      "hao_discuss_request", "hao_coupling_needed", "hao_report_sign"})


@dataclass(frozen=True)
class HaoOwed:
    """One hao message to one person about one occasion (the fields of ``tasks.hao_messages.HaoMessage``)."""

    trajectory_id: int
    occasion: HaoOccasion
    template: str
    to: HaoRole
    person_id: int | None = None
    link: str | None = None
    link_ref: str = ""
    link_extra: dict[str, Any] = field(default_factory=dict)
    conversation: int | None = None
    calendar: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The outbox key (``HaoMessage.key``): ``h<trajectory>:<occasion>:<role>[-p<person>]``."""
        return hao_outbox_key(self.trajectory_id, self.occasion.key, addressee(self.to.value, self.person_id))

    def message_fields(self) -> dict[str, Any]:
        """What a ``HaoMessage`` is made of (the occasion as its text)."""
        return asdict(self) | {"occasion": self.occasion.key}


def _to_each(t: HaoTrajectory, people: Sequence[int], role: HaoRole, occasion: HaoOccasion, template: str,
             **fields: Any) -> list[HaoOwed]:
    return [HaoOwed(t.require_id(), occasion, template, role, person_id=pid, **fields) for pid in people]


# --- what the three kinds share ---------------------------------------------------------------

def conversations_owed(t: HaoTrajectory, ask_next: bool = True) -> list[HaoOwed]:
    """The invitations to each conversation, and the request to plan one while nothing is planned."""
    tid = t.require_id()
    owed: list[HaoOwed] = []
    for c in t.conversations:
        for role in BOTH:
            link: dict[str, Any] = {}
            if role is HaoRole.MENTOR:
                link = {"link": "hao_held", "link_ref": conversation(HaoStep.HELD, c.number).key,
                        "link_extra": {"conversation": c.number}}
            elif isinstance(t, Consultation):
                link = {"link": "hao_close", "link_ref": conversation(HaoStep.CLOSE, c.number).key}
            owed.append(HaoOwed(tid, conversation(HaoStep.INVITE, c.number), "hao_invitation", role,
                                conversation=c.number, calendar="REQUEST", **link))
    if ask_next and t.phase is HaoPhase.CONVERSATIONS and t.planned() is None:
        n = len(t.conversations) + 1
        owed.append(HaoOwed(tid, conversation(HaoStep.PLAN_REQUEST, n), "hao_plan_request", HaoRole.MENTOR,
                            link="hao_plan", link_ref=conversation(HaoStep.PLAN, n).key, extra={"number": n}))
    return owed


# --- consultation -----------------------------------------------------------------------------

def answer_owed(t: Consultation) -> list[HaoOwed]:
    """The request to the mentor, with the link to accept or decline."""
    return [HaoOwed(t.require_id(), whole(HaoStep.REQUEST), "hao_consultation_request", HaoRole.MENTOR,
                    link="hao_answer", link_ref=whole(HaoStep.ANSWER).key)]


def consultation_conversations_owed(t: Consultation) -> list[HaoOwed]:
    """The trainer hears the mentor accepted; then the conversations' mail."""
    accepted = [HaoOwed(t.require_id(), whole(HaoStep.ACCEPTED), "hao_consultation_accepted", HaoRole.TRAINER)
                ] if t.accepted_at is not None else []  # (not one asked before the mentor answered)
    return accepted + conversations_owed(t)


def consultation_closed_owed(t: Consultation) -> list[HaoOwed]:
    """A decline tells the trainer whom the mentor proposes; a close tells both."""
    tid = t.require_id()
    if t.declined is not None:
        return [HaoOwed(tid, whole(HaoStep.DECLINED), "hao_consultation_declined", HaoRole.TRAINER,
                        extra={"proposed_mentor_id": t.declined.proposed_mentor_id})]
    return [HaoOwed(tid, whole(HaoStep.CLOSED), "hao_consultation_closed", role) for role in BOTH]


# --- targeted guidance ------------------------------------------------------------------------

def goals_owed(t: Guidance, staff: Sequence[int]) -> list[HaoOwed]:
    """The contact persons hear it started; the trainer gets the goals to sign."""
    return [*_to_each(t, staff, HaoRole.STAFF, whole(HaoStep.STARTED), "hao_guidance_started"),
            HaoOwed(t.require_id(), whole(HaoStep.GOALS), "hao_guidance_goals", HaoRole.TRAINER, link="hao_goals",
                    link_ref=whole(HaoStep.GOALS).key)]


def report_owed(t: Guidance) -> list[HaoOwed]:
    return [HaoOwed(t.require_id(), whole(HaoStep.REPORT_REQUEST), "hao_report_request", HaoRole.MENTOR,
                    link="hao_report", link_ref=whole(HaoStep.REPORT).key)]


def discussion_owed(t: Guidance) -> list[HaoOwed]:
    return [HaoOwed(t.require_id(), whole(HaoStep.DISCUSS), "hao_discuss_request", HaoRole.TRAINER,
                    link="hao_discussed", link_ref=whole(HaoStep.DISCUSSED).key)]


def released_owed(t: Guidance, staff: Sequence[int]) -> list[HaoOwed]:
    """The report goes to the contact persons, a copy to the mentor: only after the trainer's signature."""
    if not t.released:
        return []
    return [*_to_each(t, staff, HaoRole.STAFF, whole(HaoStep.RELEASED), "hao_report_released"),
            HaoOwed(t.require_id(), whole(HaoStep.RELEASED), "hao_report_released", HaoRole.MENTOR)]


# --- progress conversations -------------------------------------------------------------------

def flag_owed(t: Progress, staff: Sequence[int]) -> list[HaoOwed]:
    """Fewer than two signed reports at the due date: the contact persons are told (once)."""
    if t.flagged_at is None:
        return []
    return _to_each(t, staff, HaoRole.STAFF, whole(HaoStep.FLAG), "hao_progress_flag")


def coupling_owed(t: Progress, chairs: Sequence[int], staff: Sequence[int]) -> list[HaoOwed]:
    """Each COMO chair gets the link to couple a mentor."""
    return [*_to_each(t, chairs, HaoRole.CHAIR, whole(HaoStep.COUPLING), "hao_coupling_needed", link="hao_couple",
                      link_ref=whole(HaoStep.COUPLE).key), *flag_owed(t, staff)]


def dossier_owed(t: Progress, staff: Sequence[int]) -> list[HaoOwed]:
    """Each signed report from the second on: the contact persons get the dossier as it now is, and
    while the trajectory is open both participants hear that the minimum is met; the mentor with a
    link to plan another conversation (allowed, not asked)."""
    n = len(t.signed_reports())
    if t.completed_at is None or n < MIN_PROGRESS_REPORTS:
        return []
    tid, dossier = t.require_id(), HaoOccasion(HaoStep.DOSSIER, number=n)
    owed = _to_each(t, staff, HaoRole.STAFF, dossier, "hao_progress_done")
    if t.phase is HaoPhase.CLOSED:
        return owed + [HaoOwed(tid, whole(HaoStep.CLOSED), "hao_progress_done", role) for role in BOTH]
    offer = t.offers_next()
    return [
        *owed,
        HaoOwed(tid, dossier, "hao_progress_done", HaoRole.TRAINER),
        HaoOwed(tid, dossier, "hao_progress_done", HaoRole.MENTOR, link="hao_plan" if offer else None,
                link_ref=conversation(HaoStep.PLAN, len(t.conversations) + 1).key if offer else ""),
    ]


def report_sign_owed(t: Progress) -> list[HaoOwed]:
    """The trainer's link to sign each report the mentor wrote and she has not signed."""
    return [HaoOwed(t.require_id(), conversation(HaoStep.REPORT_SIGN, c.number), "hao_report_sign", HaoRole.TRAINER,
                    link="hao_sign_report", link_ref=conversation(HaoStep.SIGN, c.number).key,
                    link_extra={"conversation": c.number}, conversation=c.number)
            for c in t.conversations if c.report is not None and HaoRole.TRAINER not in c.report.signed]


def progress_conversations_owed(t: Progress, staff: Sequence[int]) -> list[HaoOwed]:
    """Both hear of the coupling; the conversations (the next one asked for only until two reports are
    signed), the reports to sign, the flag and the dossier."""
    coupled = [HaoOwed(t.require_id(), whole(HaoStep.COUPLED), "hao_coupled", role) for role in BOTH]
    return (coupled + conversations_owed(t, ask_next=t.wants_next()) + report_sign_owed(t) + flag_owed(t, staff)
            + dossier_owed(t, staff))


# --- the state as a whole ---------------------------------------------------------------------

def hao_owed_now(t: HaoTrajectory, staff: Sequence[int] = (), chairs: Sequence[int] = ()) -> list[HaoOwed]:
    """What the trajectory's state calls for, as its run derives it in the phase it is in."""
    if t.id is None:
        return []
    if isinstance(t, Consultation):
        if t.phase is HaoPhase.ANSWER:
            return answer_owed(t)
        return consultation_closed_owed(t) if t.phase.ended else consultation_conversations_owed(t)
    if isinstance(t, Guidance):
        steps = {HaoPhase.GOALS: lambda: goals_owed(t, staff), HaoPhase.CONVERSATIONS: lambda: conversations_owed(t),
                 HaoPhase.REPORT: lambda: report_owed(t), HaoPhase.DISCUSSION: lambda: discussion_owed(t),
                 HaoPhase.CLOSED: lambda: released_owed(t, staff)}
        return steps[t.phase]()
    if isinstance(t, Progress):
        if t.phase is HaoPhase.COUPLING:
            return coupling_owed(t, chairs, staff)
        return dossier_owed(t, staff) if t.phase.ended else progress_conversations_owed(t, staff)
    return []


def still_wanted(o: HaoOwed, t: HaoTrajectory, staff: Sequence[int] = (), chairs: Sequence[int] = ()) -> bool:
    """Whether a message owed earlier and never sent should still go: a request only while the state
    still asks for it (answered, signed, planned or coupled meanwhile: moot); an invitation while its
    conversation exists (one held meanwhile is still the pair's calendar record; one dropped is not);
    news always."""
    if o.template in REQUESTS:
        return o.key in {c.key for c in hao_owed_now(t, staff, chairs)}
    if o.conversation is not None:
        return any(c.number == o.conversation for c in t.conversations)
    return True
