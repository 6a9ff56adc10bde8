"""The kring's report on one cohort: counts and groups for its board and the pilot's evaluation.

Pure counting over the cohort's records. What may reach a board is decided here: no names,
no meeting topics, no evaluation texts, no free-text reasons (they can name a person or
a patient); pairs appear as 'paar 1', 'paar 2' in the order they signed, and every
stop or refusal is counted under a fixed group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from domain.clock import local_date
from domain.people import Role
from domain.phases import Phase
from domain.trajectory import EvaluationKind, Match, MatchOutcome, MeetingStatus, Trajectory

CONTACT_NL = {"phone": "telefoon", "mail": "mail", "meeting": "gesprek"}
WHO_NL = {Role.MENTEE: "mentee", Role.MENTOR: "mentor", Role.FACILITATOR: "procesfacilitator"}


@dataclass(frozen=True)
class Applicant:
    """One application of the cohort, with what the kring recorded about it (money in cents)."""

    role: Role
    eligible: bool
    ineligible_reason: str = ""
    attended: bool | None = None
    points: int = 0
    travel_cents: int | None = None
    contribution_cents: int = 0
    paid_cents: int = 0


@dataclass(frozen=True)
class Step:
    """One step of the funnel: how many reached it."""

    label: str
    count: int


@dataclass(frozen=True)
class Mark:
    """A dated event on a pair's line: a meeting (held, planned, cancelled) or a milestone."""

    day: date
    kind: str  # held, planned, cancelled, signed, interim, final, end
    label: str


@dataclass(frozen=True)
class PairLine:
    pseudonym: str
    signed: date
    ends_by: date
    marks: tuple[Mark, ...]
    held: int
    state: str


@dataclass(frozen=True)
class EvaluationSummary:
    label: str
    recorded: int
    due_or_open: int
    by_contact: dict[str, int]
    forms: dict[str, int]
    meetings_held: tuple[int, int, float] | None  # min, max, median at the time it was recorded


@dataclass(frozen=True)
class Money:
    contribution_due_cents: int
    contribution_paid_cents: int
    mentees_paid_in_full: int
    mentees_owing: int
    travel_cents: int
    travel_claims: int
    points: int
    mentors_with_points: int

    @property
    def outstanding_cents(self) -> int:
        return max(0, self.contribution_due_cents - self.contribution_paid_cents)


@dataclass(frozen=True)
class CohortReport:
    cohort: str
    name: str
    funnel: tuple[Step, ...]
    applied: dict[str, int]
    ineligible: dict[str, int]
    stopped: dict[str, int]
    phases: dict[str, int]
    pairs: tuple[PairLine, ...]
    evaluations: tuple[EvaluationSummary, ...]
    money: Money
    span: tuple[date, date] | None = field(default=None)


def build_report(cohort: str, name: str, applicants: list[Applicant], trajectories: list[Trajectory]) -> CohortReport:
    """Count, group and line up one cohort; ``trajectories`` are the cohort's mentee trajectories."""
    pairs = pair_lines(trajectories)
    marks = [m.day for p in pairs for m in p.marks] + [d for p in pairs for d in (p.signed, p.ends_by)]
    return CohortReport(
        cohort=cohort, name=name,
        funnel=funnel(applicants, trajectories),
        applied={"mentoren": sum(a.role is Role.MENTOR for a in applicants),
                 "mentees": sum(a.role is Role.MENTEE for a in applicants)},
        ineligible=dict(Counter(reason_group(a.ineligible_reason) for a in applicants if not a.eligible)),
        stopped=stops(trajectories),
        phases=dict(Counter(t.phase.label for t in sorted(trajectories, key=lambda t: list(Phase).index(t.phase)))),
        pairs=pairs,
        evaluations=tuple(evaluation_summary(trajectories, kind) for kind in EvaluationKind),
        money=money(applicants),
        span=(min(marks), max(marks)) if marks else None,
    )


def funnel(applicants: list[Applicant], trajectories: list[Trajectory]) -> tuple[Step, ...]:
    """From application to final evaluation; mentors up to the training, then per mentee trajectory."""
    mentors = [a for a in applicants if a.role is Role.MENTOR]
    mentees = [a for a in applicants if a.role is Role.MENTEE]
    matches = [t.matches for t in trajectories]

    def reached(test: Callable[[Match], bool]) -> int:
        return sum(any(test(m) for m in ms) for ms in matches)

    return (
        Step("mentoren aangemeld", len(mentors)),
        Step("mentoren geschikt", sum(a.eligible for a in mentors)),
        Step("mentoren getraind", sum(a.attended is True for a in mentors)),
        Step("mentees aangemeld", len(mentees)),
        Step("mentees gematcht", sum(bool(ms) for ms in matches)),
        Step("plan ondertekend", reached(lambda m: m.signed_at is not None)),
        Step("tussenevaluatie", reached(lambda m: _recorded(m, EvaluationKind.INTERIM))),
        Step("eindevaluatie", reached(lambda m: _recorded(m, EvaluationKind.FINAL))),
    )


def _recorded(match: Match, kind: EvaluationKind) -> bool:
    evaluation = match.evaluations.get(kind)
    return evaluation is not None and evaluation.recorded_at is not None


def reason_group(reason: str) -> str:
    """A refusal's fixed part, without the person's own figures: 'een mentor heeft minimaal 5 jaar ...'."""
    first = reason.split(";")[0].split("(")[0].strip()
    return first or "geen reden vastgelegd"


def stops(trajectories: list[Trajectory]) -> dict[str, int]:
    """Who stopped, and when, counted by group; the free-text reason stays with the facilitator."""
    groups: Counter[str] = Counter()
    for t in trajectories:
        for match in t.matches:
            if match.outcome is MatchOutcome.DECLINED:
                groups["kennismaking: geen vervolg (nieuwe match)"] += 1
            elif match.outcome is MatchOutcome.ENDED:
                stage = "na ondertekening" if match.signed_at else "voor ondertekening"
                groups[f"mentor gestopt {stage} (nieuwe match)"] += 1
        if t.withdrawal is not None:
            before = _phase_before_withdrawal(t)
            groups[f"traject beëindigd door {WHO_NL[t.withdrawal.by]} in fase {before.label}"] += 1
    return dict(sorted(groups.items()))


def _phase_before_withdrawal(t: Trajectory) -> Phase:
    phase = Phase.APPLICATION
    for entry in t.history:
        if entry.phase is Phase.WITHDRAWN:
            break
        phase = entry.phase
    return phase


def pair_lines(trajectories: list[Trajectory]) -> tuple[PairLine, ...]:
    """Every signed pair on one timeline, 'paar 1' the first to sign; dates only, no topics."""
    signed = sorted(
        ((t, m) for t in trajectories for m in t.matches if m.signed_at is not None and m.ends_by is not None),
        key=lambda tm: (tm[1].signed_at, tm[0].id or 0, tm[1].number),
    )
    lines = []
    for number, (t, match) in enumerate(signed, start=1):
        assert match.signed_at is not None and match.ends_by is not None
        marks = [Mark(local_date(match.signed_at), "signed", "ondertekend")]
        for meeting in sorted(match.meetings, key=lambda m: m.starts_at):
            status = "held" if meeting.status is MeetingStatus.HELD else (
                "cancelled" if meeting.status is MeetingStatus.CANCELLED else "planned")
            marks.append(Mark(local_date(meeting.starts_at), status, f"bijeenkomst {meeting.number}"))
        for kind, label in ((EvaluationKind.INTERIM, "tussenevaluatie"), (EvaluationKind.FINAL, "eindevaluatie")):
            evaluation = match.evaluations.get(kind)
            if evaluation is not None and evaluation.recorded_at is not None:
                marks.append(Mark(local_date(evaluation.recorded_at), kind.value, label))
        lines.append(PairLine(
            pseudonym=f"paar {number}", signed=local_date(match.signed_at), ends_by=local_date(match.ends_by),
            marks=tuple(sorted(marks, key=lambda m: m.day)), held=len(match.held_meetings()),
            state=_pair_state(t, match),
        ))
    return tuple(lines)


def _pair_state(t: Trajectory, match: Match) -> str:
    if match.outcome is MatchOutcome.ENDED:
        return "mentor gestopt"
    if t.matches[-1] is not match:
        return "opnieuw gematcht"
    return t.phase.label


def evaluation_summary(trajectories: list[Trajectory], kind: EvaluationKind) -> EvaluationSummary:
    """How many evaluations were recorded, by what contact, with how many forms; never what was said."""
    started = [m.evaluations[kind] for t in trajectories for m in t.matches if kind in m.evaluations]
    recorded = [(m, m.evaluations[kind]) for t in trajectories for m in t.matches if _recorded(m, kind)]
    held = [sum(1 for x in m.held_meetings() if e.recorded_at and x.starts_at <= e.recorded_at) for m, e in recorded]
    forms = Counter(WHO_NL[role] for e in started for role in e.forms)
    return EvaluationSummary(
        label="tussenevaluatie" if kind is EvaluationKind.INTERIM else "eindevaluatie",
        recorded=len(recorded), due_or_open=len(started) - len(recorded),
        by_contact=dict(Counter(CONTACT_NL.get(e.contact or "", e.contact or "") for _, e in recorded)),
        forms={who: forms.get(who, 0) for who in ("mentee", "mentor")},
        meetings_held=(min(held), max(held), float(median(held))) if held else None,
    )


def money(applicants: list[Applicant]) -> Money:
    """Contributions of mentees, the mentors' travel to the training, accreditation points."""
    mentees = [a for a in applicants if a.role is Role.MENTEE and a.contribution_cents]
    mentors = [a for a in applicants if a.role is Role.MENTOR]
    return Money(
        contribution_due_cents=sum(a.contribution_cents for a in mentees),
        contribution_paid_cents=sum(a.paid_cents for a in mentees),
        mentees_paid_in_full=sum(a.paid_cents >= a.contribution_cents for a in mentees),
        mentees_owing=sum(a.paid_cents < a.contribution_cents for a in mentees),
        travel_cents=sum(a.travel_cents or 0 for a in mentors),
        travel_claims=sum(a.travel_cents is not None for a in mentors),
        points=sum(a.points for a in mentors),
        mentors_with_points=sum(a.points > 0 for a in mentors),
    )


def euros(cents: int) -> str:
    """'€ 1.234,50' (Dutch notation)."""
    whole, rest = divmod(cents, 100)
    return f"€ {whole:,}".replace(",", ".") + f",{rest:02d}"
