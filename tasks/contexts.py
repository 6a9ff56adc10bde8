"""What each of programme A's e-mail templates is given: one small model per template, on one base.

A composer fills the model of the template it renders from what it read, and the model is
validated before anything is rendered: a missing fact, a wrong type or a key no template of that
name takes fails there, with the template's name, instead of rendering a blank or being ignored.
The renderer gets exactly the model's fields (``MailContext.variables``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.cohort import CohortPlan
from domain.trajectory import Meeting, Plan


class MailContext(BaseModel):
    """What every mail of every programme says around its body: to whom, in which language, from which
    programme, where the portal is and the recipient's personal link (if any).

    Every template's model builds its validator when it is first filled (``defer_build``): a run
    imports the models of all templates and sends one or two."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid", frozen=True, defer_build=True)

    person: object  # each programme's base says whose view of a person it is
    language: str
    programme_name: str
    portal_url: str
    action_url: str | None = None

    def variables(self) -> dict[str, Any]:
        """The template's variables: the fields as they are (objects stay objects)."""
        return {name: getattr(self, name) for name in type(self).model_fields}


class Facts:
    """What a composer can tell a template, each fact (a ``cached_property`` of a subclass) read only
    when the template's context has a field of its name; the request's own fields come first."""

    def __init__(self, extra: dict[str, Any]) -> None:
        self.extra = extra

    def fields(self, names: list[str]) -> dict[str, Any]:
        """The request's own fields, and of ``names`` the facts it does not give."""
        facts = {name: getattr(self, name) for name in names
                 if name not in self.extra and isinstance(getattr(type(self), name, None), cached_property)}
        return {**self.extra, **facts, **self.worded()}

    def worded(self) -> dict[str, Any]:
        """Fields said in the recipient's language, whatever the request carried."""
        return {}


@dataclass(frozen=True)
class PersonView:
    """A participant or the facilitator as a mail shows them."""

    id: int | None
    name: str
    email: str
    phone: str = ""
    practice_name: str = ""
    address: str = ""
    language: str = "nl"


class PeerContext(MailContext):
    """Programme A's base: the facilitator signs and is the help address; the footer names the
    trajectory and, to a participant of a running one, the personal link to stop."""

    person: PersonView
    facilitator: PersonView
    trajectory_id: int | None = None
    withdraw_url: str | None = None


class ApplicationConfirmation(PeerContext):
    role: str
    cohort: str
    contribution: str | None = None


class MentorIneligible(PeerContext):
    reasons: list[str]


class MentorIneligibleNotice(PeerContext):
    applicant: str
    applicant_email: str
    reasons: list[str]
    cohort: str


class NotMember(PeerContext):
    role: str
    applicant_email: str


class NotMemberNotice(NotMember):
    applicant: str
    cohort: str
    command: str


class MemberInvitation(PeerContext):
    plan: CohortPlan | None
    contribution: str


class TrainingInvitation(PeerContext):
    plan: CohortPlan | None


class MatchingProposal(PeerContext):
    cohort: str
    pairs: int
    unmatched: int


class MatchingNeeded(PeerContext):
    mentee: PersonView
    ui_hint: str


class KennismakingInvitation(PeerContext):
    mentee: PersonView
    mentor: PersonView | None
    other: PersonView | None


class KennismakingDeclined(PeerContext):
    mentee: PersonView
    mentor: PersonView | None
    reason: str
    by_role: str


class MentorLeft(PeerContext):
    reason: str


class PlanRequest(PeerContext):
    mentor: PersonView | None


class PlanForReview(PeerContext):
    plan: Plan | None
    mentee: PersonView
    mentor: PersonView | None


class PlanComment(PeerContext):
    comment: str
    version: int


class SignRequest(PeerContext):
    plan: Plan | None
    other: PersonView | None


class SignatureLine(BaseModel):
    """Who signed the plan, as the news of the signing lists them."""

    name: str
    role: str
    signed_at: datetime


class Signed(PeerContext):
    plan: Plan | None
    ends_by: date | None
    signatures: list[SignatureLine]


class SignedPlan(Signed):
    mentee: PersonView
    mentor: PersonView | None
    changed: bool = False


class MeetingProposeRequest(PeerContext):
    earliest: date | None
    ends_by: date | None


class MeetingContext(PeerContext):
    meeting: Meeting


class MeetingInvitation(MeetingContext):
    location: str
    other: PersonView | None


class MeetingChanged(MeetingInvitation):
    changed_by: str


class TopicsForMentor(MeetingContext):
    topics: str
    mentee: PersonView


class Reminder(PeerContext):
    step: str
    step_label: str
    n: int
    since: date


class Escalation(Reminder):
    about: PersonView | None
    about_role: str


class EvaluationRequest(PeerContext):
    kind: str


class EvaluationContact(EvaluationRequest):
    mentee: PersonView
    mentor: PersonView | None
    ui_hint: str


class Closed(PeerContext):
    meetings_held: int


class Withdrawn(PeerContext):
    by_role: str
    reason: str
    mentee: PersonView


class DueItem(BaseModel):
    """One reminder or escalation inside a combined mail."""

    trajectory_id: int
    pair: str
    step_label: str
    since: date | None
    escalation: bool
    about_role: str
    action_url: str | None


class RemindersCombined(PeerContext):
    items: list[DueItem]
    n_items: int


class FacilitatorDigest(PeerContext):
    cohort: str
    week: str
    overdue: list[dict[str, Any]]
    coming: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    active: int
    undelivered: list[dict[str, Any]]


CONTEXTS: dict[str, type[PeerContext]] = {
    "application_confirmation": ApplicationConfirmation,
    "mentor_ineligible": MentorIneligible,
    "mentor_ineligible_notice": MentorIneligibleNotice,
    "not_member": NotMember,
    "not_member_notice": NotMemberNotice,
    "member_invitation": MemberInvitation,
    "training_invitation": TrainingInvitation,
    "matching_proposal": MatchingProposal,
    "matching_needed": MatchingNeeded,
    "kennismaking_invitation": KennismakingInvitation,
    "kennismaking_declined": KennismakingDeclined,
    "mentor_left": MentorLeft,
    "plan_request": PlanRequest,
    "plan_for_review": PlanForReview,
    "plan_comment": PlanComment,
    "sign_request": SignRequest,
    "signed": Signed,
    "signed_plan": SignedPlan,
    "meeting_propose_request": MeetingProposeRequest,
    "meeting_invitation": MeetingInvitation,
    "meeting_updated": MeetingChanged,
    "meeting_cancelled": MeetingChanged,
    "meeting_confirm_request": MeetingContext,
    "topics_request": MeetingContext,
    "topics_for_mentor": TopicsForMentor,
    "reminder": Reminder,
    "escalation": Escalation,
    "evaluation_request": EvaluationRequest,
    "evaluation_contact": EvaluationContact,
    "closed": Closed,
    "withdrawn": Withdrawn,
    "reminders_combined": RemindersCombined,
    "facilitator_digest": FacilitatorDigest,
}


def context_for(template: str, fields: dict[str, Any]) -> PeerContext:
    """The validated context of ``template``; raises ``KeyError`` for a template without one and
    ``pydantic.ValidationError`` (naming the model) for a missing, extra or mistyped field."""
    return CONTEXTS[template].model_validate(fields)
