"""The acts of the hao-mentor programme's personal links (``/h/<token>``).

As in ``portal.acts``: ``view`` gathers what the page shows, ``build`` turns the posted
form into one function on the aggregate, which the portal runs inside
``HaoRepository.change`` together with marking the link used, behind ``Links.guard``
(``domain.hao.occasions``: the link's holder and occasion).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from adapters.links import LinkClaim, LinkError
from administration.forms import checked, free_text, parse_local, text
from domain.errors import DomainError
from domain.hao.people import HaoRole
from domain.hao.trajectory import Claim, Consultation, Guidance, HaoTrajectory, Progress, as_progress

T, M = HaoRole.TRAINER, HaoRole.MENTOR

FORM_FIELDS: dict[str, set[str]] = {
    "hao_request": {"mentor_id", "form", "question"},
    "hao_confirm": {"mentor_id", "form", "question"},
    "hao_answer": {"answer", "proposed_mentor_id"},
    "hao_couple": {"mentor_id"},
    "hao_plan": {"starts_at", "form"},
    "hao_held": {"claim", "text", "next_starts_at", "done"},
    "hao_close": set(),
    "hao_goals": set(),
    "hao_report": {"text"},
    "hao_discussed": {"dissent"},
    "hao_sign_report": set(),
}

Act = Callable[[HaoTrajectory], str]
REPORT_LIMIT = 8000  # characters of a report or a dissent; more is refused at the field


def conversation_number(claim: LinkClaim) -> int:
    try:
        return int(claim.extra["conversation"])
    except (KeyError, TypeError, ValueError):
        raise LinkError("invalid") from None


def view(t: HaoTrajectory | None, claim: LinkClaim) -> dict[str, Any]:
    ctx: dict[str, Any] = {"t": t, "conversation": None}
    if t is not None and "conversation" in claim.extra:
        ctx["conversation"] = t.conversation(conversation_number(claim))
    return ctx


def _number(form: Mapping[str, Any], name: str) -> float:
    raw = text(form, name).replace(",", ".") or "0"
    try:
        return float(raw)
    except ValueError:
        raise DomainError("claim", "vul kilometers en uren in als getal (bijvoorbeeld 12,5)") from None


def _plan(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    starts_at = parse_local(text(form, "date"), text(form, "time"), "starts_at")
    kind = text(form, "form") or "meeting"

    def act(t: HaoTrajectory) -> str:
        t.plan_conversation(starts_at, kind, now)
        return "planned"

    return act


def _held(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    number = conversation_number(claim)
    c = Claim(km=_number(form, "km"), hours=_number(form, "hours"), leergang5=checked(form, "leergang5"))
    done = checked(form, "done")
    report = free_text(form, "text", REPORT_LIMIT)
    next_start = None
    if text(form, "next_date") or text(form, "next_time"):
        if done:
            raise DomainError("done", "na het laatste gesprek volgt geen nieuw; laat de datum leeg of vink dit uit")
        next_start = parse_local(text(form, "next_date"), text(form, "next_time"), "next_starts_at")
    next_form = text(form, "next_form") or "meeting"

    def act(t: HaoTrajectory) -> str:
        t.record_held(number, c, now)
        if isinstance(t, Progress):
            t.write_report(number, report, now)
        if done:
            if isinstance(t, Consultation):
                t.close(M, now)
                return "closed"
            if isinstance(t, Guidance):
                t.end_conversations(now)
                return "conversations_done"
            if isinstance(t, Progress):
                t.finish(now)
                return "progress_finishing"
        if next_start is not None:
            try:
                t.plan_conversation(next_start, next_form, now)
            except DomainError as exc:
                raise DomainError("next_starts_at" if exc.field == "starts_at" else exc.field, exc.reason) from None
        return "held"

    return act


def _close(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    def act(t: HaoTrajectory) -> str:
        if not isinstance(t, Consultation):
            raise LinkError("invalid")
        t.close(T, now)
        return "closed"

    return act


def _goals(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    def act(t: HaoTrajectory) -> str:
        if not isinstance(t, Guidance):
            raise LinkError("invalid")
        t.sign_goals(now)
        return "goals_signed"

    return act


def _report(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    body = free_text(form, "text", REPORT_LIMIT)

    def act(t: HaoTrajectory) -> str:
        if not isinstance(t, Guidance):
            raise LinkError("invalid")
        t.write_report(body, now)
        return "report_written"

    return act


def _discussed(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    if not checked(form, "discussed"):
        raise DomainError("discussed", "teken alleen als het verslag met u besproken is")
    dissent = free_text(form, "dissent", REPORT_LIMIT)

    def act(t: HaoTrajectory) -> str:
        if not isinstance(t, Guidance):
            raise LinkError("invalid")
        t.sign_discussed(dissent, now)
        return "released"

    return act


def _sign_report(claim: LinkClaim, form: Mapping[str, Any], now: datetime) -> Act:
    number = conversation_number(claim)

    def act(t: HaoTrajectory) -> str:
        if not isinstance(t, Progress):
            raise LinkError("invalid")
        t.sign_report(number, T, now)
        return "report_signed"

    return act


def _chosen(form: Mapping[str, Any], name: str, choosable: frozenset[int], reason: str) -> int:
    """A mentor id from a select of the page, one of ``choosable``; else the refusal at the field."""
    raw = text(form, name)
    if not raw.isdigit() or int(raw) not in choosable:
        raise DomainError(name, reason)
    return int(raw)


def _answer(claim: LinkClaim, form: Mapping[str, Any], now: datetime, choosable: frozenset[int]) -> Act:
    """Accept, or decline proposing a colleague (none only when no other mentor is available)."""
    answer = text(form, "answer")
    if answer not in ("accept", "decline"):
        raise DomainError("answer", "kies: aannemen of afwijzen")
    proposed = None
    if answer == "decline" and choosable:
        proposed = _chosen(form, "proposed_mentor_id", choosable, "stel een collega-mentor voor uit de lijst")

    def act(t: HaoTrajectory) -> str:
        if not isinstance(t, Consultation):
            raise LinkError("invalid")
        if answer == "accept":
            t.accept(now)
            return "accepted"
        t.decline(proposed, now)
        return "declined"

    return act


def _couple(claim: LinkClaim, form: Mapping[str, Any], now: datetime, choosable: frozenset[int]) -> Act:
    mentor_id = _chosen(form, "mentor_id", choosable, "kies een hao-mentor met een vrije plaats uit de lijst")

    def act(t: HaoTrajectory) -> str:
        as_progress(t).couple(mentor_id, claim.person_id, now)
        return "coupled"

    return act


# Acts that choose a mentor: the portal passes the ids that may be chosen now.
CHOOSING: dict[str, Callable[[LinkClaim, Mapping[str, Any], datetime, frozenset[int]], Act]] = {
    "hao_answer": _answer,
    "hao_couple": _couple,
}

BUILDERS: dict[str, Callable[[LinkClaim, Mapping[str, Any], datetime], Act]] = {
    "hao_plan": _plan,
    "hao_held": _held,
    "hao_close": _close,
    "hao_goals": _goals,
    "hao_report": _report,
    "hao_discussed": _discussed,
    "hao_sign_report": _sign_report,
}


def build(claim: LinkClaim, form: Mapping[str, Any], now: datetime, choosable: frozenset[int] = frozenset()) -> Act:
    if claim.action in CHOOSING:
        return CHOOSING[claim.action](claim, form, now, choosable)
    return BUILDERS[claim.action](claim, form, now)

# Every field any hao link form posts (for the OpenAPI description the fuzz tests read).
POSTED = ("mentor_id", "form", "question", "answer", "proposed_mentor_id",
          "date", "time", "km", "hours", "leergang5", "done", "text", "next_date",
          "next_time", "next_form", "discussed", "dissent")
