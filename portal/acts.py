"""The acts a personal link allows: what the page shows, and the domain call the form makes.

``view`` gathers what is at stake for the page; ``build`` turns the posted form into one
function on the trajectory, which the portal runs inside ``Repository.change`` together
with marking the link used, behind ``Links.guard``: the link must still belong to this
trajectory's current participant and its occasion must still be open (``domain.occasions``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from adapters.links import LinkClaim, LinkError
from adapters.repository import Repository
from administration.forms import checked, free_text, parse_local, text
from domain.clock import local_date
from domain.errors import DomainError
from domain.occasion_keys import Occasion, Step
from domain.people import Person, Role
from domain.phases import Phase
from domain.rules import MEETING_LENGTHS, MEETING_MINUTES, earliest_next_meeting
from domain.trajectory import EvaluationKind, Match, Trajectory

Act = Callable[[Trajectory], str]

# The most a participant may type in each free text (characters); more is refused at the field.
REASON_LIMIT, GOALS_LIMIT, TOPICS_LIMIT, EVALUATION_LIMIT = 2000, 2000, 2000, 4000


def meeting_number(claim: LinkClaim) -> int:
    try:
        return int(claim.extra["meeting"])
    except (KeyError, TypeError, ValueError):
        raise LinkError("invalid") from None


def evaluation_kind(claim: LinkClaim) -> EvaluationKind:
    try:
        return EvaluationKind(claim.extra.get("kind", ""))
    except ValueError:
        raise LinkError("invalid") from None


def plan_version(claim: LinkClaim) -> int:
    try:
        return int(claim.extra["plan_version"])
    except (KeyError, TypeError, ValueError):
        raise LinkError("invalid") from None


# --- what the page shows -----------------------------------------------------------


def view(repo: Repository, t: Trajectory, claim: LinkClaim, now: datetime) -> dict[str, Any]:
    """Everything the action's page needs besides the form values and errors."""
    match = t.match
    if match is None and claim.action != "withdraw":
        raise LinkError("closed")  # the match this link was about has ended
    ctx: dict[str, Any] = {"t": t, "match": match, "other": _other(repo, t, claim), "notice": ""}
    if claim.action == "kennismaking" and match is not None:
        ctx["answered"] = match.answers.get(claim.role)
    elif claim.action == "plan":
        ctx["plan"] = match.plan if match else None
    elif claim.action == "sign":
        version = plan_version(claim)
        plan = match.plan if match else None
        ctx.update(
            plan=plan,
            link_version=version,
            stale=plan is not None and plan.version != version,
            signed=match is not None and claim.role in match.current_signatures(),
            mentee=repo.person(t.mentee_id),
            mentor=repo.person(match.mentor_id) if match else None,
        )
    elif claim.action == "propose" and match is not None:
        ctx.update(_window(match, now, after=None), lengths=MEETING_LENGTHS)
        ctx["place"] = ctx["other"]
    elif claim.action == "confirm" and match is not None:
        meeting = match.meeting(meeting_number(claim))
        ctx.update(meeting=meeting, **_window(match, now, after=meeting.starts_at))
    elif claim.action == "meeting" and match is not None:
        meeting = match.meeting(meeting_number(claim))
        others = [m.starts_at for m in match.active_meetings() if m.number != meeting.number]
        ctx.update(meeting=meeting, **_window(match, now, after=max(others) if others else None))
    elif claim.action == "topics" and match is not None:
        ctx["meeting"] = match.meeting(meeting_number(claim))
    elif claim.action == "evaluation":
        ctx["kind"] = evaluation_kind(claim)
    return ctx


def _other(repo: Repository, t: Trajectory, claim: LinkClaim) -> Person | None:
    """The other participant, whose contact details each may see after matching."""
    if t.mentor_id is None:
        return None
    return repo.person(t.mentor_id if claim.role is Role.MENTEE else t.mentee_id)


def _window(match: Match, now: datetime, after: datetime | None) -> dict[str, date | None]:
    """The first and last date a (next) meeting may have: 42 days after any other, before the end."""
    starts = [m.starts_at for m in match.active_meetings()]
    if after is not None:
        starts.append(after)
    earliest = local_date(now) + timedelta(days=1)
    if starts:
        earliest = max(earliest, local_date(earliest_next_meeting(max(starts))))
    return {"earliest": earliest, "ends_by": local_date(match.ends_by) if match.ends_by else None}


# --- what the form does ------------------------------------------------------------


def build(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    """The act of the posted form; a ``DomainError`` for input that cannot even be read."""
    return _BUILDERS[claim.action](claim, form, now)


def _kennismaking(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    answer = text(form, "agree")
    if answer not in ("yes", "no"):
        raise DomainError("agree", "kies ja of nee")
    reason = free_text(form, "reason", REASON_LIMIT)

    def act(t: Trajectory) -> str:
        t.answer_kennismaking(claim.role, answer == "yes", reason, now)
        return "kennismaking_yes" if answer == "yes" else "kennismaking_no"

    return act


def _plan(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    goals = free_text(form, "goals", GOALS_LIMIT).splitlines()
    body = text(form, "text")  # the domain refuses more than one A4
    review = checked(form, "review")

    def act(t: Trajectory) -> str:
        plan = t.submit_plan(goals, body, now, review)
        if t.require_match().signed_at is not None:
            return "plan_changed"  # after the start: both sign the new version
        return "plan_review" if plan.awaiting_review else "plan"

    return act


def revise_ref(t: Trajectory, claim: LinkClaim) -> str | None:
    """The ref of the mentee's link to a next version of the plan, while she may still revise it."""
    match = t.match
    if claim.role is not Role.MENTEE or match is None or match.plan is None:
        return None
    if t.phase is Phase.PLAN or (match.signed_at is not None and t.phase.meets):  # after the start: both sign again
        return Occasion(match.number, Step.PLAN_VERSION, version=match.plan.version + 1).key
    return None


def _sign(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    version = plan_version(claim)

    def act(t: Trajectory) -> str:
        started = t.require_match().signed_at is not None
        both = t.sign(claim.role, claim.person_id, version, now)
        return ("resigned_both" if started else "signed_both") if both else "signed"

    return act


def _propose(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    starts_at = parse_local(text(form, "date"), text(form, "time"), "starts_at")
    minutes = _minutes(form)

    def act(t: Trajectory) -> str:
        t.propose_meeting(starts_at, now, minutes)
        return "proposed"

    return act


def _minutes(form: Mapping[str, Any]) -> int:
    """The meeting's length from the planning form (90 when not given, the seed's starting point)."""
    raw = text(form, "minutes")
    if not raw:
        return MEETING_MINUTES
    if not raw.isascii() or not raw.isdigit():
        raise DomainError("minutes", "kies een duur uit de lijst")
    return int(raw)


def _change_meeting(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    """Either participant, before the meeting: move it within the rules, or call it off with a reason."""
    number = meeting_number(claim)
    if text(form, "choice") == "cancel":
        reason = free_text(form, "reason", REASON_LIMIT)
        if not reason:
            raise DomainError("reason", "geef een reden op; de ander krijgt die te lezen")

        def cancel(t: Trajectory) -> str:
            _before(t, number, now)
            t.cancel_meeting(number, now, claim.role, reason)
            return "meeting_cancelled"

        return cancel
    new_start = parse_local(text(form, "new_date"), text(form, "new_time"), "new_starts_at")

    def move(t: Trajectory) -> str:
        _before(t, number, now)
        try:
            t.reschedule_meeting(number, new_start, now, by=claim.role)
        except DomainError as exc:
            raise DomainError("new_starts_at" if exc.field == "starts_at" else exc.field, exc.reason) from None
        return "rescheduled"

    return move


def _before(t: Trajectory, number: int, now: datetime) -> None:
    if now >= t.require_match().meeting(number).starts_at:
        raise DomainError("meeting", f"bijeenkomst {number} is al begonnen; na afloop vraagt een e-mail of hij "
                                     "heeft plaatsgevonden, en daar kunt u ook een nieuwe datum doorgeven")


def _confirm(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    number = meeting_number(claim)
    if text(form, "choice") == "reschedule":
        new_start = parse_local(text(form, "new_date"), text(form, "new_time"), "new_starts_at")

        def reschedule(t: Trajectory) -> str:
            try:
                t.reschedule_meeting(number, new_start, now)
            except DomainError as exc:
                raise DomainError("new_starts_at" if exc.field == "starts_at" else exc.field, exc.reason) from None
            return "rescheduled"

        return reschedule

    last = checked(form, "last")
    next_start = None
    if text(form, "next_date") or text(form, "next_time"):
        if last:
            raise DomainError("last", "na de laatste bijeenkomst volgt geen nieuwe; laat de datum leeg of vink dit uit")
        next_start = parse_local(text(form, "next_date"), text(form, "next_time"), "next_starts_at")

    def held(t: Trajectory) -> str:
        t.confirm_meeting(number, now, last=last)
        if next_start is None:
            return "held_last" if last else "held"
        try:
            t.propose_meeting(next_start, now)
        except DomainError as exc:
            raise DomainError("next_starts_at" if exc.field == "starts_at" else exc.field, exc.reason) from None
        return "held_next"

    return held


def _topics(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    number = meeting_number(claim)
    topics = free_text(form, "topics", TOPICS_LIMIT)
    if not topics:
        raise DomainError("topics", "noem minstens één onderwerp")

    def act(t: Trajectory) -> str:
        t.record_topics(number, topics, now)
        return "topics"

    return act


EVALUATION_PARTS = (
    ("went_well", "Wat ging goed"),
    ("could_be_better", "Wat kan beter"),
    ("remarks", "Verder"),
)


def _evaluation(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    kind = evaluation_kind(claim)
    parts = [(label, free_text(form, name, EVALUATION_LIMIT)) for name, label in EVALUATION_PARTS]
    answers = "\n\n".join(f"{label}:\n{value}" for label, value in parts if value)

    def act(t: Trajectory) -> str:
        t.add_evaluation_form(kind, claim.role, answers, now)
        return "evaluation"

    return act


def _withdraw(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    reason = free_text(form, "reason", REASON_LIMIT)

    def act(t: Trajectory) -> str:
        t.withdraw(claim.role, reason, now)
        return "withdrawn"

    return act


_BUILDERS: dict[str, Callable[[LinkClaim, Mapping[str, Any], datetime], Act]] = {
    "kennismaking": _kennismaking,
    "plan": _plan,
    "sign": _sign,
    "propose": _propose,
    "confirm": _confirm,
    "topics": _topics,
    "meeting": _change_meeting,
    "evaluation": _evaluation,
    "withdraw": _withdraw,
}

# The form fields of each action: a refusal about any other field is shown above the form.
FORM_FIELDS: dict[str, set[str]] = {
    "kennismaking": {"agree", "reason"},
    "plan": {"goals", "text", "review"},
    "sign": set(),
    "propose": {"starts_at", "minutes"},
    "confirm": {"new_starts_at", "next_starts_at", "last"},
    "topics": {"topics"},
    "meeting": {"new_starts_at", "reason"},
    "evaluation": {"went_well", "could_be_better", "remarks"},
    "withdraw": {"reason"},
}

# Every field any link form posts (for the OpenAPI description the fuzz tests read).
POSTED = ("agree", "reason", "goals", "text", "date", "time", "choice", "new_date", "new_time", "next_date",
          "next_time", "last", "topics", "went_well", "could_be_better", "remarks", "minutes", "review")
