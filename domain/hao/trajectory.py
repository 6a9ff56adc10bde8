"""The hao trajectories: consultation, targeted guidance, progress conversations.

One aggregate per trajectory. It changes only through its methods, each of which
takes ``now``, checks the rules and records what happened. What the institute may
see is decided here too (``institute_view``): a consultation has none, a guidance
report only after the trainer signed that it was discussed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from domain.clock import add_months, local_date
from domain.errors import DomainError
from domain.events import Entry, Event
from domain.hao.people import HaoRole
from domain.text import one_of

CONVERSATION_MINUTES = 60
PROGRESS_MONTHS = 6  # a starting trainer's two conversations are due within six months
MIN_PROGRESS_REPORTS = 2
QUESTION_LIMIT = 2000  # characters of a consultation question

TASK_AREAS = {2: "didactisch handelen", 3: "samenwerken", 5: "professionaliteit"}


class Kind(StrEnum):
    CONSULTATION = "consultation"
    GUIDANCE = "guidance"
    PROGRESS = "progress"

    @property
    def label(self) -> str:
        return {"consultation": "consultatie", "guidance": "gerichte begeleiding",
                "progress": "voortgangsgesprekken"}[self]


class HaoPhase(StrEnum):
    ANSWER = "answer"  # consultation: the mentor accepts or declines the request
    COUPLING = "coupling"  # progress: the COMO chair couples a mentor
    GOALS = "goals"  # guidance: the trainer signs the goals
    CONVERSATIONS = "conversations"
    REPORT = "report"  # guidance: the mentor writes the results report
    DISCUSSION = "discussion"  # guidance: the trainer signs that the report was discussed
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"answer": "antwoord mentor", "coupling": "koppeling", "goals": "doelen", "conversations": "gesprekken",
                "report": "resultaatverslag", "discussion": "bespreking verslag", "closed": "afgesloten"}[self]

    @property
    def ended(self) -> bool:
        return self is HaoPhase.CLOSED


Form = Literal["phone", "visit", "observation", "meeting"]
FORMS: dict[Form, str] = {"phone": "telefoongesprek", "visit": "praktijkbezoek",
                          "observation": "observatie leergesprek", "meeting": "gesprek"}
CONSULTATION_FORMS: tuple[Form, ...] = ("phone", "visit", "observation")  # a consultation is never a "meeting"
Reason = Literal["tailoring", "short_term", "practice"]
REASONS: dict[Reason, str] = {"tailoring": "individueel maatwerk naast de structurele scholing",
                              "short_term": "begeleiding op korte termijn",
                              "practice": "begeleiding in de praktijksetting"}
Requester = Literal["institute", "colleague"]
REQUESTERS: tuple[Requester, ...] = ("institute", "colleague")


class Claim(BaseModel):
    """What the mentor declares for one conversation: travel and extra hours."""

    km: float = 0
    hours: float = 0
    leergang5: bool = False  # already covered by the trainers' course 'leergang 5': not reimbursed

    @property
    def reimbursable(self) -> bool:
        return not self.leergang5 and (self.km > 0 or self.hours > 0)


class Report(BaseModel):
    text: str
    written_at: datetime
    signed: dict[HaoRole, datetime] = Field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return HaoRole.TRAINER in self.signed and HaoRole.MENTOR in self.signed


class Conversation(BaseModel):
    number: int
    starts_at: datetime
    form: Form = "meeting"
    minutes: int = CONVERSATION_MINUTES
    held_at: datetime | None = None
    claim: Claim | None = None
    report: Report | None = None  # progress conversations only

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


class Goal(BaseModel):
    area: int
    text: str


class ResultsReport(BaseModel):
    text: str
    written_at: datetime
    discussed_at: datetime | None = None  # the trainer's signature: it was discussed with them
    dissent: str = ""


class HistoryEntry(Entry):
    """What happened (``kind`` and its facts) and by whom; ``what`` is the line people read."""

    by: HaoRole | None = None


class HaoTrajectory(BaseModel):
    """What the three kinds share: a trainer, a mentor, conversations, a history."""

    id: int | None = None
    kind: Kind
    pseudonym: str  # what the Prefect run shows instead of names
    trainer_id: int
    mentor_id: int | None = None
    phase: HaoPhase = HaoPhase.CONVERSATIONS
    opened_at: datetime
    phase_at: datetime | None = None  # when the current phase began (None: at the opening)
    closed_at: datetime | None = None
    closed_by: HaoRole | None = None
    conversations: list[Conversation] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)

    # --- reading -----------------------------------------------------------

    def require_id(self) -> int:
        """The id the store gave; a trajectory that was read from the store always has one."""
        if self.id is None:
            raise ValueError("the trajectory has not been stored yet")
        return self.id

    def phase_since(self) -> datetime:
        """When the current phase began: what the reminders of its open acts count from."""
        return self.phase_at or self.opened_at

    def planned(self) -> Conversation | None:
        return next((c for c in self.conversations if c.held_at is None), None)

    def held(self) -> list[Conversation]:
        return [c for c in self.conversations if c.held_at is not None]

    def conversation(self, number: int) -> Conversation:
        for c in self.conversations:
            if c.number == number:
                return c
        raise DomainError("conversation", f"gesprek {number} bestaat niet")

    # --- conversations -----------------------------------------------------

    def plan_conversation(self, starts_at: datetime, form: str, now: datetime) -> Conversation:
        self._require("starts_at", HaoPhase.CONVERSATIONS)
        if self.planned() is not None:
            raise DomainError("starts_at", "er staat al een gesprek gepland; leg dat eerst vast")
        if starts_at <= now:
            raise DomainError("starts_at", "kies een moment in de toekomst")
        if not one_of(form, FORMS):
            raise DomainError("form", "kies telefoongesprek, praktijkbezoek, observatie of gesprek")
        c = Conversation(number=len(self.conversations) + 1, starts_at=starts_at, form=form)
        self.conversations.append(c)
        self._note(now, Event.CONVERSATION_PLANNED, HaoRole.MENTOR, number=c.number, on=local_date(starts_at))
        return c

    def record_held(self, number: int, claim: Claim, now: datetime) -> Conversation:
        """The mentor says the conversation took place and declares travel and hours."""
        c = self.conversation(number)
        if c.held_at is not None:
            return c
        if now < c.starts_at:
            raise DomainError("conversation", f"gesprek {number} heeft nog niet plaatsgevonden")
        if claim.km < 0 or claim.hours < 0 or claim.km > 1000 or claim.hours > 24:
            raise DomainError("claim", "vul kilometers (0-1000) en extra uren (0-24) in")
        c.held_at = now
        c.claim = claim
        self._note(now, Event.CONVERSATION_HELD, HaoRole.MENTOR, number=number)
        return c

    # --- internals ---------------------------------------------------------

    def _require(self, field: str, *phases: HaoPhase) -> None:
        if self.phase not in phases:
            raise DomainError(field, f"dat kan nu niet: het traject is in de fase {self.phase.label}")

    def _enter(self, phase: HaoPhase, now: datetime, what: str, by: HaoRole | None = None) -> None:
        self.phase = phase
        self.phase_at = now
        self.history.append(HistoryEntry(at=now, kind=Event.PHASE, detail=what, by=by))

    def _note(self, now: datetime, kind: Event, by: HaoRole | None = None, *, number: int | None = None,
              on: date | None = None) -> None:
        """Record what happened: its kind and the facts that kind names."""
        self.history.append(HistoryEntry(at=now, kind=kind, by=by, number=number, on=on))

    def _close(self, now: datetime, what: str, by: HaoRole | None) -> None:
        self.closed_at = now
        self.closed_by = by
        self._enter(HaoPhase.CLOSED, now, what, by)


class Decline(BaseModel):
    """A mentor's no to a consultation request, with the colleague they propose instead."""

    mentor_id: int
    proposed_mentor_id: int | None = None  # None only when no other mentor is available
    at: datetime


class Consultation(HaoTrajectory):
    """Vrijblijvende consultatie: started by the trainer, confidential, never shown to the institute.

    The mentor first accepts or declines (declining proposes a colleague, whom the trainer
    may ask in turn: a new request, since the trainer chooses whom to confide in)."""

    kind: Literal[Kind.CONSULTATION] = Kind.CONSULTATION
    phase: HaoPhase = HaoPhase.ANSWER
    form: Form = "phone"
    question: str = ""
    accepted_at: datetime | None = None
    declined: Decline | None = None

    @classmethod
    def request(cls, trainer_id: int, mentor_id: int, form: str, question: str, pseudonym: str,
                now: datetime) -> Consultation:
        """A low-threshold request: the question is optional (the trainer may rather tell it on the phone)."""
        if not one_of(form, CONSULTATION_FORMS):
            raise DomainError("form", "kies telefoongesprek, praktijkbezoek of observatie van een leergesprek")
        if len(question) > QUESTION_LIMIT:
            raise DomainError("question", f"houd de vraag kort (maximaal {QUESTION_LIMIT} tekens)")
        c = cls(trainer_id=trainer_id, mentor_id=mentor_id, form=form, question=question.strip(),
                pseudonym=pseudonym, opened_at=now)
        c._note(now, Event.CONSULTATION_ASKED, HaoRole.TRAINER)
        return c

    def accept(self, now: datetime) -> None:
        if self.accepted_at is not None:
            return
        self._require("answer", HaoPhase.ANSWER)
        self.accepted_at = now
        self._enter(HaoPhase.CONVERSATIONS, now, "mentor nam de consultatie aan", HaoRole.MENTOR)

    def decline(self, proposed_mentor_id: int | None, now: datetime) -> None:
        """The mentor cannot take it; the trainer hears whom they propose. The request ends here."""
        self._require("answer", HaoPhase.ANSWER)
        assert self.mentor_id is not None
        if proposed_mentor_id == self.mentor_id:
            raise DomainError("proposed_mentor_id", "stel een andere mentor voor dan uzelf")
        self.declined = Decline(mentor_id=self.mentor_id, proposed_mentor_id=proposed_mentor_id, at=now)
        self._close(now, "mentor wees de consultatie af", HaoRole.MENTOR)

    def close(self, by: HaoRole, now: datetime) -> None:
        if self.phase.ended:
            return
        if by not in (HaoRole.TRAINER, HaoRole.MENTOR):
            raise DomainError("close", "alleen de opleider of de mentor sluit een consultatie af")
        if (p := self.planned()) is not None:
            self.conversations.remove(p)  # a planned one that will not take place
        self._close(now, "consultatie afgesloten", by)


class Guidance(HaoTrajectory):
    """Gerichte begeleiding: goals on task areas 2, 3, 5, conversations, a results report for the institute."""

    kind: Literal[Kind.GUIDANCE] = Kind.GUIDANCE
    phase: HaoPhase = HaoPhase.GOALS
    requested_by: Requester = "institute"
    reason: Reason = "tailoring"
    goals: list[Goal] = Field(default_factory=list)
    goals_signed_at: datetime | None = None
    report: ResultsReport | None = None
    released_at: datetime | None = None

    @classmethod
    def request(cls, trainer_id: int, mentor_id: int, requested_by: str, reason: str, goals: list[Goal],
                pseudonym: str, now: datetime) -> Guidance:
        if not one_of(requested_by, REQUESTERS):
            raise DomainError("requested_by", "een gerichte vraag komt van het instituut of van een collega-hao")
        if not one_of(reason, REASONS):
            raise DomainError("reason", "kies maatwerk, korte termijn of praktijksetting")
        goals = [Goal(area=g.area, text=g.text.strip()) for g in goals if g.text.strip()]
        if not goals:
            raise DomainError("goals", "omschrijf minstens één doel")
        if any(g.area not in TASK_AREAS for g in goals):
            raise DomainError("goals", "doelen horen bij taakgebied 2, 3 of 5 van het competentieprofiel")
        g = cls(trainer_id=trainer_id, mentor_id=mentor_id, requested_by=requested_by, reason=reason,
                goals=goals, pseudonym=pseudonym, opened_at=now)
        g._note(now, Event.GUIDANCE_ASKED, HaoRole.STAFF)
        return g

    def sign_goals(self, now: datetime) -> None:
        """The trainer agrees with the described goals; the conversations may begin."""
        if self.goals_signed_at is not None:
            return
        self._require("goals", HaoPhase.GOALS)
        self.goals_signed_at = now
        self._enter(HaoPhase.CONVERSATIONS, now, "opleider tekende de doelen", HaoRole.TRAINER)

    def end_conversations(self, now: datetime) -> None:
        self._require("conversations", HaoPhase.CONVERSATIONS)
        if not self.held():
            raise DomainError("conversations", "er is nog geen gesprek gevoerd")
        if (p := self.planned()) is not None:
            self.conversations.remove(p)
        self._enter(HaoPhase.REPORT, now, "gesprekken afgerond; de mentor schrijft het resultaatverslag",
                    HaoRole.MENTOR)

    def write_report(self, text: str, now: datetime) -> None:
        self._require("text", HaoPhase.REPORT, HaoPhase.DISCUSSION)
        if not text.strip():
            raise DomainError("text", "beschrijf de resultaten per doel")
        self.report = ResultsReport(text=text.strip(), written_at=now)
        self._enter(HaoPhase.DISCUSSION, now, "resultaatverslag geschreven; eerst bespreken met de opleider",
                    HaoRole.MENTOR)

    def sign_discussed(self, dissent: str, now: datetime) -> None:
        """The trainer signs that the report was discussed with them; only then it is released."""
        self._require("discussed", HaoPhase.DISCUSSION)
        assert self.report is not None
        self.report.discussed_at = now
        self.report.dissent = dissent.strip()
        self.released_at = now
        self._note(now, Event.REPORT_DISCUSSED, HaoRole.TRAINER)
        self._close(now, "resultaatverslag vrijgegeven aan het instituut", HaoRole.TRAINER)

    @property
    def released(self) -> bool:
        return self.released_at is not None and self.report is not None and self.report.discussed_at is not None


class Progress(HaoTrajectory):
    """Voortgangsgesprekken with a starting trainer: at least two, each report signed by both.

    Two reports signed by both complete the requirement (``completed_at``); more conversations are
    allowed and their reports go to the dossier too. The trajectory closes once the requirement is
    met, nothing is planned or unsigned, and either the mentor said the last conversation was the
    last (``finish``) or the due date has passed (the hao sweep, ``close_at_due``).
    """

    kind: Literal[Kind.PROGRESS] = Kind.PROGRESS
    phase: HaoPhase = HaoPhase.COUPLING
    due_by: datetime
    coupled_by: int | None = None
    flagged_at: datetime | None = None
    completed_at: datetime | None = None  # the second report signed by both: the minimum is met
    finishing: bool = False  # the mentor said no further conversation follows

    @classmethod
    def start(cls, trainer_id: int, pseudonym: str, now: datetime, due_by: datetime | None = None) -> Progress:
        p = cls(trainer_id=trainer_id, pseudonym=pseudonym, opened_at=now,
                due_by=due_by or add_months(now, PROGRESS_MONTHS))
        p._note(now, Event.PROGRESS_OPENED, HaoRole.STAFF)
        return p

    def couple(self, mentor_id: int, chair_id: int, now: datetime) -> None:
        if self.mentor_id == mentor_id:
            return
        self._require("mentor_id", HaoPhase.COUPLING)
        self.mentor_id = mentor_id
        self.coupled_by = chair_id
        self._enter(HaoPhase.CONVERSATIONS, now, f"mentor {mentor_id} gekoppeld door de voorzitter van COMO",
                    HaoRole.CHAIR)

    def plan_conversation(self, starts_at: datetime, form: str, now: datetime) -> Conversation:
        c = super().plan_conversation(starts_at, form, now)
        self.finishing = False  # a new conversation after all: it is no longer the last
        return c

    def write_report(self, number: int, text: str, now: datetime) -> Report:
        c = self.conversation(number)
        if c.held_at is None:
            raise DomainError("text", "een verslag volgt op een gevoerd gesprek")
        if not text.strip():
            raise DomainError("text", "schrijf een kort verslag van het gesprek")
        if c.report is not None and c.report.signed:
            raise DomainError("text", "het verslag is al ondertekend")
        c.report = Report(text=text.strip(), written_at=now, signed={HaoRole.MENTOR: now})
        self._note(now, Event.REPORT_WRITTEN, HaoRole.MENTOR, number=number)
        return c.report

    def sign_report(self, number: int, role: HaoRole, now: datetime) -> bool:
        """One party signs the report; True when both have. The second complete report meets the minimum."""
        c = self.conversation(number)
        if c.report is None:
            raise DomainError("report", "er is nog geen verslag om te tekenen")
        if role not in (HaoRole.TRAINER, HaoRole.MENTOR):
            raise DomainError("report", "opleider en mentor tekenen het verslag")
        if role not in c.report.signed:
            c.report.signed[role] = now
            self._note(now, Event.REPORT_SIGNED, role, number=number)
        if self.completed_at is None and len(self.signed_reports()) >= MIN_PROGRESS_REPORTS:
            self.completed_at = now
            self._note(now, Event.MINIMUM_MET, number=MIN_PROGRESS_REPORTS)
        self._close_if_done(now)
        return c.report.complete

    def finish(self, now: datetime) -> None:
        """The mentor says the conversation just held was the last; it closes once every report is signed."""
        self._require("done", HaoPhase.CONVERSATIONS)
        if len(self.held()) < MIN_PROGRESS_REPORTS:
            raise DomainError("done", f"er horen minimaal {MIN_PROGRESS_REPORTS} voortgangsgesprekken te zijn; "
                                      f"dit is gesprek {len(self.held())}: plan het volgende gesprek")
        if self.planned() is not None:
            raise DomainError("done", "er staat nog een gesprek gepland")
        self.finishing = True
        self._note(now, Event.FINISHING, HaoRole.MENTOR)
        self._close_if_done(now)

    def idle(self) -> bool:
        """The minimum is met, nothing is planned and every report is signed by both."""
        return (self.completed_at is not None and self.planned() is None
                and all(c.report is not None and c.report.complete for c in self.held()))

    def close_due(self, now: datetime) -> bool:
        """Open, idle and past the due date: the hao sweep closes it."""
        return not self.phase.ended and now >= self.due_by and self.idle()

    def close_at_due(self, now: datetime) -> bool:
        if not self.close_due(now):
            return False
        self._close_if_done(now)
        return True

    def _close_if_done(self, now: datetime) -> None:
        if not self.phase.ended and self.idle() and (self.finishing or now >= self.due_by):
            self._close(now, f"{len(self.signed_reports())} verslagen door beiden getekend in het hao-dossier", None)

    def wants_next(self) -> bool:
        """Ask for the next conversation only once every report so far is signed by both, and two are not yet
        (after two, a next conversation is offered, not asked for: ``offers_next``)."""
        return (self.phase is HaoPhase.CONVERSATIONS and len(self.signed_reports()) < MIN_PROGRESS_REPORTS
                and all(c.report is not None and c.report.complete for c in self.held()))

    def offers_next(self) -> bool:
        return self.phase is HaoPhase.CONVERSATIONS and self.idle() and not self.finishing

    def signed_reports(self) -> list[Conversation]:
        return [c for c in self.conversations if c.report is not None and c.report.complete]

    def flag_due(self, now: datetime) -> bool:
        """Fewer than two signed reports by the due date, and not flagged yet."""
        return (self.flagged_at is None and not self.phase.ended and now >= self.due_by
                and len(self.signed_reports()) < MIN_PROGRESS_REPORTS)

    def flag(self, now: datetime) -> bool:
        if not self.flag_due(now):
            return False
        self.flagged_at = now
        self._note(now, Event.SHORT_OF_REPORTS, number=MIN_PROGRESS_REPORTS)
        return True


AnyHao = Annotated[Consultation | Guidance | Progress, Field(discriminator="kind")]


def as_progress(t: HaoTrajectory) -> Progress:
    """``t`` as progress conversations, for the acts only they have (coupling, flagging)."""
    if not isinstance(t, Progress):
        raise TypeError(f"hao trajectory {t.id} is a {t.kind.value}, not progress conversations")
    return t


class HaoDocument:
    """Reads any stored hao aggregate (the store's ``model``)."""

    _adapter: TypeAdapter = TypeAdapter(AnyHao)

    @classmethod
    def model_validate(cls, data: object) -> Consultation | Guidance | Progress:
        return cls._adapter.validate_python(data)


def institute_view(t: HaoTrajectory) -> dict | None:
    """What the institute may know of a trajectory (ids, not names); None for a consultation.

    It is referred to by its pseudonym, not its id: the ids are shared with consultations, so a
    gap in them would tell that one was asked for, and when.
    """
    if isinstance(t, Consultation):
        return None
    view: dict = {"reference": t.pseudonym, "kind": t.kind.value, "trainer_id": t.trainer_id, "mentor_id": t.mentor_id,
                  "phase": t.phase.value, "opened_at": t.opened_at.isoformat(),
                  "closed_at": t.closed_at.isoformat() if t.closed_at else None}
    if isinstance(t, Guidance):
        view.update(requested_by=t.requested_by, reason=t.reason,
                    goals=[{"area": g.area, "area_label": TASK_AREAS[g.area], "text": g.text} for g in t.goals],
                    goals_signed_at=t.goals_signed_at.isoformat() if t.goals_signed_at else None,
                    status="verslag vrijgegeven" if t.released else "begeleiding loopt",
                    conversations_held=len(t.held()), report=None)
        if t.released and t.report is not None:
            view["report"] = {"text": t.report.text, "written_at": t.report.written_at.isoformat(),
                              "discussed_at": t.report.discussed_at.isoformat() if t.report.discussed_at else None,
                              "dissent": t.report.dissent}
    elif isinstance(t, Progress):
        view.update(due_by=local_date(t.due_by).isoformat(), flagged_at=t.flagged_at.isoformat() if t.flagged_at
                    else None, completed_at=t.completed_at.isoformat() if t.completed_at else None, reports=[
                        {"conversation": c.number, "held_on": local_date(c.starts_at).isoformat(),
                         "text": c.report.text,
                         "signed": {r.value: at.isoformat() for r, at in c.report.signed.items()}}
                        for c in t.signed_reports() if c.report is not None])
    return view
