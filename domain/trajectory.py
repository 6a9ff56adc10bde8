"""The trajectory aggregate: one mentee's way from application to final evaluation.

It changes only through its methods, each of which takes ``now``, checks the rules,
and records what happened in ``history``. A trajectory holds one ``Match`` per
mentor tried; a failed kennismaking or a mentor who drops out ends that match and
sends the trajectory back to matching.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from domain.clock import add_months, local_date
from domain.errors import DomainError
from domain.events import Entry, Event
from domain.people import Role
from domain.phases import Phase
from domain.rules import (
    MAX_MONTHS,
    MEETING_MINUTES,
    check_meeting_minutes,
    check_meeting_start,
    interim_due,
)
from domain.text import one_of

PARTICIPANTS = (Role.MENTEE, Role.MENTOR)


MAX_NOTE = 2000  # characters in a note of the facilitator's

class MatchOutcome(StrEnum):
    PENDING = "pending"  # kennismaking under way
    AGREED = "agreed"  # both want to continue
    DECLINED = "declined"  # one of them did not
    ENDED = "ended"  # the mentor dropped out later


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


STATUS_LABELS = {MeetingStatus.PLANNED: "gepland", MeetingStatus.HELD: "gehouden",
                 MeetingStatus.CANCELLED: "afgezegd"}


class EvaluationKind(StrEnum):
    INTERIM = "interim"
    FINAL = "final"


class HistoryEntry(Entry):
    """What happened (``kind`` and its facts), in which phase, by whom; ``what`` is the line people read."""

    phase: Phase
    by: Role | None = None
    version: int | None = None  # the plan's
    evaluation: EvaluationKind | None = None


class Answer(BaseModel):
    agree: bool
    reason: str = ""
    at: datetime


class Plan(BaseModel):
    version: int
    goals: list[str]
    text: str
    submitted_at: datetime
    facilitator_comment: str = ""
    review_wanted: bool = False  # the mentee asked for the facilitator's comment before signing ("eventueel")
    commented_at: datetime | None = None

    @property
    def awaiting_review(self) -> bool:
        """Signing waits for the facilitator's comment, only when the mentee asked for it."""
        return self.review_wanted and self.commented_at is None

    @property
    def digest(self) -> str:
        """What a signature is bound to: this exact version of goals and text."""
        body = "\n".join([str(self.version), *self.goals, "", self.text])
        return hashlib.sha256(body.encode()).hexdigest()


class Signature(BaseModel):
    role: Role
    person_id: int
    plan_version: int
    plan_digest: str
    signed_at: datetime


class Meeting(BaseModel):
    number: int
    starts_at: datetime
    minutes: int = MEETING_MINUTES
    status: MeetingStatus = MeetingStatus.PLANNED
    sequence: int = 0  # raised on every change, for the calendar invitation
    topics: str = ""
    confirmed_at: datetime | None = None
    changed_by: Role | None = None  # who moved or cancelled it last: the other is told
    cancel_reason: str = ""
    cancelled_at: datetime | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


Contact = Literal["phone", "mail", "meeting"]
CONTACTS: tuple[Contact, ...] = ("phone", "mail", "meeting")


class Evaluation(BaseModel):
    kind: EvaluationKind
    contact: Contact | None = None
    outcome: str = ""
    recorded_at: datetime | None = None
    forms: dict[Role, str] = Field(default_factory=dict)


class Match(BaseModel):
    number: int
    mentor_id: int
    proposed_at: datetime
    outcome: MatchOutcome = MatchOutcome.PENDING
    answers: dict[Role, Answer] = Field(default_factory=dict)
    plan: Plan | None = None
    signatures: list[Signature] = Field(default_factory=list)
    signed_at: datetime | None = None
    meetings: list[Meeting] = Field(default_factory=list)
    evaluations: dict[EvaluationKind, Evaluation] = Field(default_factory=dict)
    finished: bool = False  # the pair said the last meeting was held
    ended_reason: str = ""

    @property
    def ends_by(self) -> datetime | None:
        """The relationship lasts at most nine calendar months from the signing."""
        return add_months(self.signed_at, MAX_MONTHS) if self.signed_at else None

    @property
    def plan_unsigned(self) -> bool:
        """A plan version that both have not signed yet: before the start, or a change made since."""
        return self.plan is not None and len(self.current_signatures()) < len(PARTICIPANTS)

    def current_signatures(self) -> dict[Role, Signature]:
        if self.plan is None:
            return {}
        return {
            s.role: s
            for s in self.signatures
            if s.plan_version == self.plan.version and s.plan_digest == self.plan.digest
        }

    def active_meetings(self) -> list[Meeting]:
        return sorted(
            (m for m in self.meetings if m.status is not MeetingStatus.CANCELLED),
            key=lambda m: m.starts_at,
        )

    def held_meetings(self) -> list[Meeting]:
        return [m for m in self.active_meetings() if m.status is MeetingStatus.HELD]

    def planned_meeting(self) -> Meeting | None:
        planned = [m for m in self.active_meetings() if m.status is MeetingStatus.PLANNED]
        return planned[0] if planned else None

    def meeting(self, number: int) -> Meeting:
        for m in self.meetings:
            if m.number == number:
                return m
        raise DomainError("meeting", f"bijeenkomst {number} bestaat niet")

    def interim_due(self) -> datetime | None:
        held = self.held_meetings()
        return interim_due(held[0].starts_at) if held else None


class Withdrawal(BaseModel):
    by: Role
    reason: str
    at: datetime


class Trajectory(BaseModel):
    """One mentee's trajectory; ``id`` is given by the store."""

    id: int | None = None
    programme: str = "peer"
    cohort: str
    mentee_id: int
    phase: Phase = Phase.APPLICATION
    applied_at: datetime
    history: list[HistoryEntry] = Field(default_factory=list)
    matches: list[Match] = Field(default_factory=list)
    withdrawal: Withdrawal | None = None

    # --- reading -----------------------------------------------------------

    @property
    def match(self) -> Match | None:
        """The match in force (pending or agreed), if any."""
        if self.matches and self.matches[-1].outcome in (MatchOutcome.PENDING, MatchOutcome.AGREED):
            return self.matches[-1]
        return None

    @property
    def mentor_id(self) -> int | None:
        return self.match.mentor_id if self.match else None

    @property
    def excluded_mentor_ids(self) -> list[int]:
        return [m.mentor_id for m in self.matches if m.outcome in (MatchOutcome.DECLINED, MatchOutcome.ENDED)]

    def require_id(self) -> int:
        """The id the store gave; a trajectory that was read from the store always has one."""
        if self.id is None:
            raise ValueError("the trajectory has not been stored yet")
        return self.id

    def phase_since(self) -> datetime:
        for entry in reversed(self.history):
            if entry.kind.enters_phase:
                return entry.at
        return self.applied_at

    def require_match(self) -> Match:
        if self.match is None:
            raise DomainError("match", "er is nog geen mentor gekoppeld")
        return self.match

    # --- changing ----------------------------------------------------------

    @classmethod
    def apply(cls, cohort: str, mentee_id: int, now: datetime) -> Trajectory:
        t = cls(cohort=cohort, mentee_id=mentee_id, applied_at=now)
        t._note(now, Event.APPLIED, Role.MENTEE)
        return t

    def confirm_application(self, now: datetime) -> None:
        if self.phase is Phase.APPLICATION:
            self._enter(Phase.MATCHING, now, "aanmelding bevestigd")

    def choose_mentor(self, mentor_id: int, now: datetime) -> Match:
        self._require_phase("mentor_id", Phase.MATCHING)
        if mentor_id in self.excluded_mentor_ids:
            raise DomainError("mentor_id", "deze mentor paste eerder niet; kies een andere mentor")
        match = Match(number=len(self.matches) + 1, mentor_id=mentor_id, proposed_at=now)
        self.matches.append(match)
        self._enter(Phase.KENNISMAKING, now, f"mentor {mentor_id} voorgesteld", Role.FACILITATOR)
        return match

    def answer_kennismaking(self, role: Role, agree: bool, reason: str, now: datetime) -> None:
        self._require_phase("kennismaking", Phase.KENNISMAKING)
        match = self.require_match()
        if role not in PARTICIPANTS:
            raise DomainError("role", "alleen mentor en mentee beslissen na de kennismaking")
        if not agree and not reason.strip():
            raise DomainError("reason", "geef kort aan waarom u niet verder wilt")
        if role in match.answers:
            return  # the first answer stands; a repeated click changes nothing
        match.answers[role] = Answer(agree=agree, reason=reason.strip(), at=now)
        if not agree:
            match.outcome = MatchOutcome.DECLINED
            match.ended_reason = f"{role.label}: {reason.strip()}"
            self._enter(Phase.MATCHING, now, "kennismaking: geen vervolg; nieuwe match nodig", role)
        elif all(r in match.answers for r in PARTICIPANTS):
            match.outcome = MatchOutcome.AGREED
            self._enter(Phase.PLAN, now, "kennismaking: beiden willen verder", role)
        else:
            self._note(now, Event.KENNISMAKING_ON, role)

    def submit_plan(self, goals: list[str], text: str, now: datetime, review: bool = False) -> Plan:
        """A (new version of the) plan, until both have signed; ``review``: the mentee asks the
        facilitator's comment first, and signing waits for it. After the start a changed plan voids
        the signatures and asks both again; the meetings go on meanwhile (no review then)."""
        match = self.require_match()
        started = match.signed_at is not None
        if not (self.phase is Phase.PLAN or (started and self.phase.meets)):
            self._require_phase("plan", Phase.PLAN)
        review = review and not started
        goals = [g.strip() for g in goals if g.strip()]
        if not goals:
            raise DomainError("goals", "noem minstens één leerdoel")
        if len(text) > 4000:
            raise DomainError("text", "het plan past op één A4 (maximaal 4000 tekens)")
        if match.plan and match.plan.goals == goals and match.plan.text == text.strip():
            if review and not match.plan.review_wanted:
                match.plan.review_wanted = True
                self._note(now, Event.REVIEW_ASKED, Role.MENTEE, version=match.plan.version)
            return match.plan
        version = (match.plan.version + 1) if match.plan else 1
        match.plan = Plan(version=version, goals=goals, text=text.strip(), submitted_at=now, review_wanted=review)
        if version == 1:
            self._note(now, Event.PLAN_SUBMITTED, Role.MENTEE)
        else:
            self._note(now, Event.PLAN_CHANGED, Role.MENTEE, version=version)
        return match.plan

    def comment_plan(self, comment: str, now: datetime) -> None:
        match = self.require_match()
        if match.plan is None:
            raise DomainError("comment", "er is nog geen plan om op te reageren")
        if len(comment.strip()) > MAX_NOTE:
            raise DomainError("comment", f"te lang ({len(comment.strip())} tekens); maximaal {MAX_NOTE}")
        match.plan.facilitator_comment = comment.strip()
        match.plan.commented_at = now
        self._note(now, Event.PLAN_REVIEWED, Role.FACILITATOR, version=match.plan.version)

    def sign(self, role: Role, person_id: int, plan_version: int, now: datetime) -> bool:
        """Sign the declaration of intent for one plan version; True when both have signed. After the
        start, both sign a changed plan again; the mentorship's start and end stay as they were."""
        match = self.require_match()
        if not (self.phase is Phase.PLAN or (match.signed_at is not None and self.phase.meets)):
            self._require_phase("signature", Phase.PLAN)
        if match.plan is None:
            raise DomainError("signature", "er is nog geen plan om te ondertekenen")
        if plan_version != match.plan.version:
            raise DomainError(
                "plan_version",
                f"het plan is gewijzigd (nu versie {match.plan.version}); lees en teken de nieuwe versie",
            )
        if match.plan.awaiting_review:
            raise DomainError("signature", "de mentee vroeg eerst commentaar van de procesfacilitator; "
                                           "tekenen kan zodra dat er is (u krijgt dan bericht)")
        expected = self.mentee_id if role is Role.MENTEE else match.mentor_id
        if role not in PARTICIPANTS or person_id != expected:
            raise DomainError("signature", "deze handtekening hoort niet bij dit mentorschap")
        added = role not in match.current_signatures()
        if added:
            match.signatures.append(
                Signature(role=role, person_id=person_id, plan_version=plan_version,
                          plan_digest=match.plan.digest, signed_at=now)
            )
            self._note(now, Event.SIGNED, role, version=plan_version)
        if all(r in match.current_signatures() for r in PARTICIPANTS):
            if match.signed_at is None:
                match.signed_at = now
                self._enter(Phase.MEETINGS, now, "beiden tekenden: het mentorschap is begonnen")
            elif added:
                self._note(now, Event.CHANGE_SIGNED, version=plan_version)
            return True
        return False

    def propose_meeting(self, starts_at: datetime, now: datetime, minutes: int = MEETING_MINUTES) -> Meeting:
        match = self._require_meeting_phase()
        if match.planned_meeting() is not None:
            raise DomainError(
                "starts_at", "er staat al een bijeenkomst gepland; verzet die of bevestig hem eerst"
            )
        check_meeting_start(starts_at, now, match.signed_at, match.ends_by, match.active_meetings())
        check_meeting_minutes(minutes)
        meeting = Meeting(number=len(match.meetings) + 1, starts_at=starts_at, minutes=minutes)
        match.meetings.append(meeting)
        self._note(now, Event.MEETING_PLANNED, Role.MENTEE, number=meeting.number, on=local_date(starts_at))
        return meeting

    def reschedule_meeting(self, number: int, starts_at: datetime, now: datetime, by: Role = Role.MENTEE) -> Meeting:
        match = self._require_meeting_phase()
        meeting = match.meeting(number)
        if meeting.status is not MeetingStatus.PLANNED:
            raise DomainError("meeting", f"bijeenkomst {number} is al {STATUS_LABELS[meeting.status]}")
        others = [m for m in match.active_meetings() if m.number != number]
        check_meeting_start(starts_at, now, match.signed_at, match.ends_by, others)
        meeting.starts_at = starts_at
        meeting.sequence += 1
        meeting.changed_by = by
        self._note(now, Event.MEETING_MOVED, by, number=number, on=local_date(starts_at))
        return meeting

    def cancel_meeting(self, number: int, now: datetime, by: Role = Role.MENTEE, reason: str = "") -> Meeting:
        """Call a planned meeting off (a participant beforehand, or the trajectory's end); a held one stays."""
        match = self.require_match()
        meeting = match.meeting(number)
        if meeting.status is MeetingStatus.PLANNED:
            meeting.status = MeetingStatus.CANCELLED
            meeting.sequence += 1
            meeting.changed_by = by
            meeting.cancel_reason = reason.strip()
            meeting.cancelled_at = now
            self._note(now, Event.MEETING_CANCELLED, by, number=number, detail=meeting.cancel_reason)
        return meeting

    def record_topics(self, number: int, topics: str, now: datetime) -> None:
        meeting = self.require_match().meeting(number)
        meeting.topics = topics.strip()
        self._note(now, Event.TOPICS_SENT, Role.MENTEE, number=number)

    def forget_topics(self, numbers: set[int]) -> None:
        """The topics of these meetings went to the mentor: they are not kept (the privacy statement)."""
        for match in self.matches:
            for meeting in match.meetings:
                if meeting.number in numbers and match is self.matches[-1]:
                    meeting.topics = ""

    def confirm_meeting(self, number: int, now: datetime, last: bool = False) -> Meeting:
        """The mentee confirms a meeting took place; ``last`` says the pair is done.

        Also during the final evaluation: a meeting on the last day is confirmed afterwards.
        """
        match = self.require_match() if self.phase is Phase.FINAL_EVALUATION else self._require_meeting_phase()
        meeting = match.meeting(number)
        if meeting.status is MeetingStatus.HELD:
            return meeting
        if meeting.status is not MeetingStatus.PLANNED:
            raise DomainError("meeting", f"bijeenkomst {number} is afgezegd")
        if now < meeting.starts_at:
            raise DomainError("meeting", f"bijeenkomst {number} heeft nog niet plaatsgevonden")
        meeting.status = MeetingStatus.HELD
        meeting.confirmed_at = now
        match.finished = match.finished or last
        self._note(now, Event.MEETING_HELD, Role.MENTEE, number=number)
        return meeting

    def start_evaluation(self, kind: EvaluationKind, now: datetime) -> None:
        match = self.require_match()
        if kind in match.evaluations:
            return
        match.evaluations[kind] = Evaluation(kind=kind)
        target = Phase.INTERIM_EVALUATION if kind is EvaluationKind.INTERIM else Phase.FINAL_EVALUATION
        self._enter(target, now, f"{target.label} is aan de beurt")

    def add_evaluation_form(self, kind: EvaluationKind, role: Role, answers: str, now: datetime) -> None:
        match = self.require_match()
        evaluation = match.evaluations.get(kind)
        if evaluation is None:
            raise DomainError("evaluation", "deze evaluatie is nog niet begonnen")
        if not answers.strip():
            raise DomainError("answers", "het formulier is leeg")
        evaluation.forms[role] = answers.strip()
        self._note(now, Event.EVALUATION_FORM, role, evaluation=kind)

    def record_evaluation(self, kind: EvaluationKind, contact: str, outcome: str, now: datetime) -> None:
        """The facilitator records the outcome of the evaluation contact."""
        match = self.require_match()
        evaluation = match.evaluations.get(kind)
        if evaluation is None:
            raise DomainError("evaluation", "deze evaluatie is nog niet begonnen")
        if not one_of(contact, CONTACTS):
            raise DomainError("contact", "kies telefoon, mail of gesprek")
        if not outcome.strip():
            raise DomainError("outcome", "vat de uitkomst van het contact kort samen")
        if evaluation.recorded_at is not None:
            return
        evaluation.contact = contact
        evaluation.outcome = outcome.strip()
        evaluation.recorded_at = now
        if kind is EvaluationKind.INTERIM:
            self._enter(Phase.FURTHER_MEETINGS, now, "tussenevaluatie vastgelegd", Role.FACILITATOR)
        else:
            for meeting in match.meetings:
                if meeting.status is MeetingStatus.PLANNED:
                    self.cancel_meeting(meeting.number, now, Role.FACILITATOR)
            self._enter(Phase.CLOSED, now, "eindevaluatie vastgelegd; mentorschap afgesloten", Role.FACILITATOR)

    def withdraw(self, role: Role, reason: str, now: datetime) -> None:
        """A participant stops. A mentor's leaving sends the mentee back to matching."""
        if self.phase.ended:
            raise DomainError("withdraw", "dit traject is al beëindigd")
        if not reason.strip():
            raise DomainError("reason", "geef een reden op")
        match = self.match
        if match is not None:
            for meeting in match.meetings:
                if meeting.status is MeetingStatus.PLANNED:
                    self.cancel_meeting(meeting.number, now, role)
        if role is Role.MENTOR:
            if match is None:
                raise DomainError("withdraw", "er is geen mentor gekoppeld")
            match.outcome = MatchOutcome.ENDED
            match.ended_reason = f"mentor gestopt: {reason.strip()}"
            self._enter(Phase.MATCHING, now, "mentor gestopt; nieuwe match nodig", role)
            return
        self.withdrawal = Withdrawal(by=role, reason=reason.strip(), at=now)
        self._enter(Phase.WITHDRAWN, now, reason.strip(), role, Event.WITHDRAWAL)

    # --- internals ---------------------------------------------------------

    def _require_phase(self, field: str, *phases: Phase) -> None:
        if self.phase not in phases:
            raise DomainError(field, f"dat kan nu niet: het traject is in de fase {self.phase.label}")

    def _require_meeting_phase(self) -> Match:
        if not self.phase.meets:
            raise DomainError("meeting", f"bijeenkomsten horen niet bij de fase {self.phase.label}")
        return self.require_match()

    def _enter(self, phase: Phase, now: datetime, why: str, by: Role | None = None, kind: Event = Event.PHASE) -> None:
        self.phase = phase
        self.history.append(HistoryEntry(at=now, phase=phase, kind=kind, detail=why, by=by))

    def add_note(self, text: str, by: Role, now: datetime) -> None:
        """A note for the trajectory's history (the facilitator's, from her form)."""
        text = text.strip()
        if len(text) > MAX_NOTE:
            raise DomainError("note", f"te lang ({len(text)} tekens); maximaal {MAX_NOTE}")
        self._note(now, Event.NOTE, by, detail=text)

    def _note(self, now: datetime, kind: Event, by: Role | None = None, *, detail: str = "", number: int | None = None,
              on: date | None = None, version: int | None = None, evaluation: EvaluationKind | None = None) -> None:
        """Record what happened in the current phase: its kind and the facts that kind names."""
        self.history.append(HistoryEntry(at=now, phase=self.phase, kind=kind, by=by, detail=detail, number=number,
                                         on=on, version=version, evaluation=evaluation))
