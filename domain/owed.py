"""The messages a trajectory's state owes, as values: derived from the state alone, so the act
that reaches a state can record them (``adapters.owed``) in the same transaction.

A run derives a phase's messages when it gets to that phase; a run that lags behind the
database (crashed, its worker down) would otherwise skip those of the phases that passed
meanwhile. The plan's and the meeting phases' messages are derived here once, for the run
(``flows.plan``, ``flows.meetings``) and for the record of what is owed alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from domain.occasion_keys import Occasion, Step
from domain.people import Role
from domain.phases import Phase
from domain.timing import ActStep, open_acts
from domain.trajectory import MeetingStatus, Trajectory

BOTH = (Role.MENTEE, Role.MENTOR)
# Templates whose message carries a text someone wrote (the facilitator's comment, a mentee's
# topics): never recorded as owed (the record holds ids and names of templates only); the run
# sends them in the step that records the text.
WITH_TEXT = frozenset({"topics_for_mentor", "plan_comment"})
CANCELLED_ORDER = 1_000_000  # a cancellation replaces every invitation of its meeting


def outbox_key(trajectory_id: int, occasion: str, to: Role) -> str:
    """A programme-A message's outbox key (and so its Message-ID): one place for an owed row and a
    ``tasks.messages.Message``, so the sweep and the run name the same mail alike."""
    return f"t{trajectory_id}:{occasion}:{to.value}"


@dataclass(frozen=True)
class Owed:
    """One message to one role about one occasion (the fields of ``tasks.messages.Message``), and the
    series it belongs to: a later message of a series (higher ``order``) replaces an earlier one that
    was never sent (a meeting's next version, a plan's next version)."""

    trajectory_id: int
    occasion: Occasion
    template: str
    to: Role
    link: str | None = None
    link_ref: str = ""
    link_extra: dict[str, Any] = field(default_factory=dict)
    meeting: int | None = None
    calendar: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    series: Occasion | None = None
    order: int = 0

    @property
    def key(self) -> str:
        return outbox_key(self.trajectory_id, self.occasion.key, self.to)

    def message_fields(self) -> dict[str, Any]:
        """What a ``Message`` is made of (the series is ours)."""
        fields = asdict(self)
        del fields["series"], fields["order"]
        fields["occasion"] = self.occasion.key
        return fields


def kennismaking_owed(t: Trajectory) -> list[Owed]:
    """The invitation to meet, to both, with the link to say whether to go on."""
    tid, match = t.require_id(), t.require_match()
    ref = Occasion(match.number, Step.KENNISMAKING)
    return [Owed(tid, ref.request(), "kennismaking_invitation", role, link="kennismaking", link_ref=ref.key)
            for role in BOTH]


def plan_owed(t: Trajectory) -> list[Owed]:
    """The plan's requests: write it; the facilitator's review and her comment when the mentee asked
    for them; the signatures of the current version once no comment is awaited."""
    tid, match = t.require_id(), t.require_match()
    k = match.number
    owed = [Owed(tid, Occasion(k, Step.PLAN_REQUEST), "plan_request", Role.MENTEE, link="plan",
                 link_ref=Occasion(k, Step.PLAN).key)]
    plan = match.plan
    if plan is not None:
        v = plan.version
        if plan.review_wanted:
            owed.append(Owed(tid, Occasion(k, Step.PLAN_REVIEW, version=v), "plan_for_review", Role.FACILITATOR,
                             series=Occasion(k, Step.PLAN_REVIEWS), order=v))
        if plan.commented_at is not None:  # her comment, with a link to revise the plan into version v + 1
            owed.append(Owed(tid, Occasion(k, Step.PLAN_COMMENT, version=v), "plan_comment", Role.MENTEE, link="plan",
                             link_ref=Occasion(k, Step.PLAN_VERSION, version=v + 1).key,
                             extra={"comment": plan.facilitator_comment, "version": v}))
        owed += sign_owed(t)
    return owed


def sign_owed(t: Trajectory) -> list[Owed]:
    """A signing link for each who has not signed the current version (none while a comment is awaited)."""
    tid, match = t.require_id(), t.require_match()
    plan = match.plan
    if plan is None or plan.awaiting_review:
        return []
    v, k = plan.version, match.number
    return [
        Owed(tid, Occasion(k, Step.SIGN_REQUEST, version=v), "sign_request", role, link="sign",
             link_ref=Occasion(k, Step.SIGN, version=v).key, link_extra={"plan_version": v},
             series=Occasion(k, Step.SIGN_SERIES, role=role), order=v)
        for role in BOTH
        if role not in match.current_signatures()
    ]


def meeting_owed(t: Trajectory) -> list[Owed]:
    """Invitations (a new one for every change), cancellations and topics for the mentor."""
    match = t.matches[-1] if t.matches else None
    if match is None or match.signed_at is None:
        return []
    tid, k = t.require_id(), match.number
    owed: list[Owed] = []
    for m in match.meetings:
        series = Occasion(k, Step.MEETING, meeting=m.number)
        if m.status is MeetingStatus.CANCELLED:
            owed += [Owed(tid, Occasion(k, Step.MEETING_CANCEL, meeting=m.number), "meeting_cancelled", role,
                          meeting=m.number,
                          calendar="CANCEL", series=series, order=CANCELLED_ORDER) for role in BOTH]
            continue
        template = "meeting_invitation" if m.sequence == 0 else "meeting_updated"
        # Each invitation carries the recipient's link to move or call off this version of the meeting.
        owed += [Owed(tid, Occasion(k, Step.MEETING_INVITE, meeting=m.number, sequence=m.sequence), template, role,
                      meeting=m.number, calendar="REQUEST", link="meeting",
                      link_ref=Occasion(k, Step.MEETING_CHANGE, meeting=m.number, sequence=m.sequence).key,
                      link_extra={"meeting": m.number, "sequence": m.sequence}, series=series, order=m.sequence)
                 for role in BOTH]
        if m.topics:
            owed.append(Owed(tid, Occasion(k, Step.MEETING_TOPICS, meeting=m.number), "topics_for_mentor",
                             Role.MENTOR, meeting=m.number,
                             extra={"topics": m.topics}))
    return owed


def meetings_phase_owed(t: Trajectory) -> list[Owed]:
    """News of the signing, invitations, requests to plan, and a changed plan's signatures."""
    tid, match = t.require_id(), t.require_match()
    k = match.number
    owed = [Owed(tid, Occasion(k, Step.SIGNED), "signed", role) for role in BOTH]
    owed.append(Owed(tid, Occasion(k, Step.SIGNED), "signed_plan", Role.FACILITATOR))
    owed += meeting_owed(t)
    if match.signed_at is not None:
        owed += sign_owed(t)  # a plan the mentee changed after the start: both sign it again
    current = match.current_signatures()
    if (match.plan is not None and match.signed_at is not None and not match.plan_unsigned
            and max(sig.signed_at for sig in current.values()) > match.signed_at):  # signed again, after the start
        owed.append(Owed(tid, Occasion(k, Step.SIGNED_AGAIN, version=match.plan.version), "signed_plan",
                         Role.FACILITATOR,
                         extra={"changed": True}))
    owed += [Owed(tid, act.ref.request(), "meeting_propose_request", Role.MENTEE, link="propose",
                  link_ref=act.ref.key) for act in open_acts(t) if act.step is ActStep.PROPOSE]
    return owed


def owed_now(t: Trajectory) -> list[Owed]:
    """What the trajectory's state calls for, as its run derives it in the phase it is in; the
    messages carrying a text are left to the run (``WITH_TEXT``)."""
    if t.id is None or t.match is None:
        return []
    if t.phase is Phase.KENNISMAKING:
        found = kennismaking_owed(t)
    elif t.phase is Phase.PLAN:
        found = plan_owed(t)
    elif t.phase in (Phase.MEETINGS, Phase.FURTHER_MEETINGS):
        found = meetings_phase_owed(t)
    else:
        return []
    return [o for o in found if o.template not in WITH_TEXT]


def settled(o: Owed, t: Trajectory) -> bool:
    """Whether a message owed earlier and never sent is no longer wanted: a later one of its series
    goes instead (a meeting moved or called off, a plan revised), or what it asks for was done or
    can no longer be (signed, reviewed, proposed, another match). News is always wanted."""
    match = t.match
    if o.template in ("signed", "signed_plan"):
        return False
    if match is None or o.occasion.match != match.number:
        return True
    current = plan_owed(t) + meetings_phase_owed(t)
    if o.series and any(c.series == o.series and c.order > o.order for c in current):
        return True
    plan = match.plan
    if o.template == "plan_request":
        return plan is not None
    if o.template == "sign_request":
        return plan is None or plan.version != o.order or o.to in match.current_signatures()
    if o.template == "plan_for_review":
        return plan is None or plan.version != o.order or not plan.awaiting_review
    if o.template == "meeting_propose_request":
        return all(act.ref.request() != o.occasion for act in open_acts(t) if act.step is ActStep.PROPOSE)
    return False  # an invitation to a meeting held meanwhile still goes: it is the pair's calendar record
