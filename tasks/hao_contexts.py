"""What each of programme B's (hao) e-mail templates is given: one small model per template family,
on the base every mail shares (``tasks.contexts.MailContext``). Validated before rendering, like
programme A's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.hao.people import HaoPerson
from domain.hao.trajectory import Conversation, HaoTrajectory
from domain.hao.undelivered import Refusal
from tasks.contexts import MailContext


class HaoContext(MailContext):
    """Programme B's base: the institute's contact persons sign and are the help address."""

    person: HaoPerson
    contacts: list[HaoPerson]


class AboutTrajectory(HaoContext):
    """A mail about one trajectory: it, its trainer and mentor and the conversation it is about."""

    t: HaoTrajectory | None = None
    trainer: HaoPerson | None = None
    mentor: HaoPerson | None = None
    conversation: Conversation | None = None
    kind_label: str = ""
    forms: dict[str, str]
    reasons: dict[str, str]
    areas: dict[int, str]


class ProgressMail(AboutTrajectory):
    due_by: date | None
    mentors: list[HaoPerson]


class PlanRequest(AboutTrajectory):
    number: int


class Declined(AboutTrajectory):
    mentors: list[HaoPerson]
    proposed_mentor_id: int | None


class HaoNotice(AboutTrajectory):
    """A reminder or an escalation: what is awaited (``step``), from whom, since when, the how-manieth."""

    step: str
    step_label: str
    n: int
    since: datetime
    about_role: str
    about_label: str
    about: HaoPerson | None


class RequestConfirm(HaoContext):
    mentors: list[HaoPerson]
    request_mentor_id: int


class Information(HaoContext):
    mentors: list[HaoPerson]
    year: int


class Intervision(HaoContext):
    year: int
    starts_at: datetime
    ends_at: datetime
    location: str


class InstituteDigest(HaoContext):
    institute: dict[str, Any]


class Undelivered(HaoContext):
    """Programme B's mail a server refused (``tasks.hao_undelivered``): the request names the refusals
    by number (``refused``), the composer reads them from the outbox."""

    refused: list[int]
    undelivered: list[Refusal]


_FAMILIES: dict[type[HaoContext], tuple[str, ...]] = {
    AboutTrajectory: ("consultation_request", "consultation_accepted", "consultation_closed", "invitation",
                      "guidance_goals", "guidance_started", "report_request", "discuss_request", "report_released",
                      "report_sign"),
    ProgressMail: ("coupling_needed", "coupled", "progress_flag", "progress_done"),
    PlanRequest: ("plan_request",),
    Declined: ("consultation_declined",),
    HaoNotice: ("reminder", "escalation", "answer_reminder", "answer_waiting"),
    RequestConfirm: ("request_confirm",),
    Information: ("information",),
    Intervision: ("intervision",),
    InstituteDigest: ("institute_digest",),
    Undelivered: ("undelivered",),
}
HAO_CONTEXTS: dict[str, type[HaoContext]] = {f"hao_{name}": model for model, names in _FAMILIES.items()
                                             for name in names}
