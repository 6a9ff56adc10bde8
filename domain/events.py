"""What happened in a trajectory, as a kind and its facts; the Dutch line people read is made here.

Both programmes' histories (``domain.trajectory``, ``domain.hao.trajectory``) record an ``Entry``:
its ``Event`` and the facts that kind names (a meeting's number, the date it was set for, the
plan's version), or a free text (``detail``). Code reads the kind (when did the phase begin,
which texts are a person's own, has retention run); ``label`` makes the line the board, the
digest and the export show, from the kind's template in ``LINES``. Entries stored before there
were kinds hold only that line, and entries stored before acts had kinds hold ``act`` and the
line: ``from_label`` reads their kind and facts back from it, by the same template.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum, StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer, model_validator

from domain.templated import names, pattern


class Event(StrEnum):
    """The kind of an entry; the value is what the stored document holds."""

    # the course of a trajectory, both programmes
    PHASE = "phase"  # the trajectory entered a phase; detail: why
    WITHDRAWAL = "withdrawal"  # a participant ended the trajectory; detail: their reason, in their words
    NOTE = "note"  # the facilitator's note from her form; detail: her text
    RETENTION = "retention"  # personal data removed after the retention period
    ACT = "act"  # an act stored as a line whose kind cannot be read back; detail: the line
    # programme A
    APPLIED = "applied"
    KENNISMAKING_ON = "kennismaking_on"  # one of the pair wants to go on; the other has not answered yet
    REVIEW_ASKED = "review_asked"  # the mentee asks the facilitator's comment on this plan version
    PLAN_SUBMITTED = "plan_submitted"
    PLAN_CHANGED = "plan_changed"
    PLAN_REVIEWED = "plan_reviewed"
    SIGNED = "signed"  # one of the pair signed this plan version
    CHANGE_SIGNED = "change_signed"  # both signed a plan changed after the start
    MEETING_PLANNED = "meeting_planned"
    MEETING_MOVED = "meeting_moved"
    MEETING_CANCELLED = "meeting_cancelled"  # detail: the reason, in the words of whoever called it off
    TOPICS_SENT = "topics_sent"
    MEETING_HELD = "meeting_held"
    EVALUATION_FORM = "evaluation_form"
    # programme B
    CONSULTATION_ASKED = "consultation_asked"
    GUIDANCE_ASKED = "guidance_asked"
    PROGRESS_OPENED = "progress_opened"
    CONVERSATION_PLANNED = "conversation_planned"
    CONVERSATION_HELD = "conversation_held"
    REPORT_WRITTEN = "report_written"  # a progress conversation's report, signed by its mentor
    REPORT_SIGNED = "report_signed"
    MINIMUM_MET = "minimum_met"  # ``number`` reports signed by both: the requirement is met
    FINISHING = "finishing"  # the mentor said no further conversation follows
    SHORT_OF_REPORTS = "short_of_reports"  # fewer than ``number`` signed reports by the due date
    REPORT_DISCUSSED = "report_discussed"  # the trainer signed that the results report was discussed

    @property
    def enters_phase(self) -> bool:
        return self in (Event.PHASE, Event.WITHDRAWAL)

    @property
    def authored(self) -> bool:
        """Whether the detail is the free text of the one the entry is ``by`` (erased with that person)."""
        return self in (Event.WITHDRAWAL, Event.NOTE, Event.MEETING_CANCELLED)


RETENTION_LABEL = "persoonsgegevens verwijderd na de bewaartermijn"
# The line of each kind: ``{detail}`` is the free text, other fields the entry's facts. Read back
# in this order, so a kind whose line begins like another's comes first (``ACT`` reads any line).
LINES: dict[Event, str] = {
    Event.APPLIED: "aanmelding ontvangen",
    Event.KENNISMAKING_ON: "kennismaking: wil verder",
    Event.REVIEW_ASKED: "commentaar van de facilitator gevraagd (plan versie {version})",
    Event.PLAN_SUBMITTED: "mentorschapsplan ingediend",
    Event.PLAN_CHANGED: "plan gewijzigd (versie {version}); eerdere handtekeningen vervallen",
    Event.PLAN_REVIEWED: "facilitator gaf commentaar op het plan (versie {version})",
    Event.SIGNED: "intentieverklaring ondertekend (plan versie {version})",
    Event.CHANGE_SIGNED: "gewijzigd plan (versie {version}) door beiden ondertekend",
    Event.MEETING_PLANNED: "bijeenkomst {number} gepland op {on}",
    Event.MEETING_MOVED: "bijeenkomst {number} verzet naar {on}",
    Event.MEETING_CANCELLED: "bijeenkomst {number} afgezegd",  # and ": {detail}" when a reason was given
    Event.TOPICS_SENT: "onderwerpen voor bijeenkomst {number} doorgegeven",
    Event.MEETING_HELD: "bijeenkomst {number} heeft plaatsgevonden",
    Event.EVALUATION_FORM: "evaluatieformulier ({evaluation}) ingevuld",
    Event.CONSULTATION_ASKED: "consultatie aangevraagd",
    Event.GUIDANCE_ASKED: "gerichte begeleiding aangevraagd",
    Event.PROGRESS_OPENED: "startende opleider aangemeld voor voortgangsgesprekken",
    Event.CONVERSATION_PLANNED: "gesprek {number} gepland op {on}",
    Event.CONVERSATION_HELD: "gesprek {number} heeft plaatsgevonden",
    Event.REPORT_WRITTEN: "verslag van gesprek {number} geschreven en getekend door de mentor",
    Event.REPORT_SIGNED: "verslag van gesprek {number} getekend",
    Event.MINIMUM_MET: "minimaal {number} verslagen door beiden getekend: voldaan; verdere gesprekken mogen "
                       "en hun verslagen gaan ook in het hao-dossier",
    Event.FINISHING: "de mentor rondt de voortgangsgesprekken af",
    Event.SHORT_OF_REPORTS: "minder dan {number} getekende verslagen op de uiterste datum",
    Event.REPORT_DISCUSSED: "opleider tekende dat het verslag besproken is",
    Event.RETENTION: RETENTION_LABEL,
    Event.WITHDRAWAL: "fase: traject beëindigd: {detail}",
    Event.PHASE: "fase: {detail}",
    Event.NOTE: "toelichting: {detail}",
    Event.ACT: "{detail}",
}
REASON = ": "  # a cancellation's reason follows its line after this
DAY = "%d-%m-%Y"
# How a fact that is no number is read from a line: its pattern and its value.
READ: dict[str, tuple[str, Callable[[str], Any]]] = {
    "detail": (r"[\s\S]*", str), "on": ("[0-9]{2}-[0-9]{2}-[0-9]{4}", lambda s: datetime.strptime(s, DAY).date()),
    "evaluation": ("interim|final", str)}
FACTS = ("number", "version", "on", "evaluation")  # stored only when the kind names them


def _shown(value: Any) -> str:
    if isinstance(value, date):
        return f"{value:{DAY}}"
    return str(value.value if isinstance(value, Enum) else value)


def label(kind: Event, detail: str = "", **facts: Any) -> str:
    """The Dutch line for an entry, as the board, the digest and the export show it."""
    line = LINES[kind].format(**{name: _shown(value) for name, value in facts.items()}, detail=detail)
    return line + REASON + detail if kind is Event.MEETING_CANCELLED and detail else line


@cache
def _reader(kind: Event) -> re.Pattern[str]:
    found = pattern(LINES[kind], tuple((name, p) for name, (p, _) in READ.items())).pattern
    if kind is Event.MEETING_CANCELLED:
        found += f"(?:{re.escape(REASON)}(?P<detail>{READ['detail'][0]}))?"
    return re.compile(found)


def parse_line(line: str) -> dict[str, Any]:
    """The kind, the detail and the facts of a line written before acts had a kind."""
    for kind in LINES:
        found = _reader(kind).fullmatch(line)
        if found is not None:
            read = {name: READ.get(name, ("", int))[1](value) for name, value in found.groupdict().items()
                    if value is not None}
            return {"kind": kind, "detail": read.pop("detail", "")} | read
    raise AssertionError("ACT reads any line")  # pragma: no cover


def from_label(data: Any) -> Any:
    """A pydantic before-validator: a stored entry with only its line (``what``), or an act stored with
    its line as detail (``act``), gets its kind and facts."""
    if not isinstance(data, dict):
        return data
    if "kind" not in data and "what" in data:
        line = data["what"]
    elif data.get("kind") == Event.ACT and data.get("detail"):
        line = data["detail"]
    else:
        return data
    return {k: v for k, v in data.items() if k not in ("what", "kind", "detail")} | parse_line(line)


class Entry(BaseModel):
    """What happened (``kind`` and its facts) and when; ``what`` is the line people read. Each programme's
    history entry adds who did it (and programme A the phase, the plan's version and the evaluation)."""

    at: datetime
    kind: Event
    detail: str = ""  # free text: why a phase began, a note, a reason; the author's own when ``kind.authored``
    number: int | None = None  # a meeting's or a conversation's number, or a count of reports
    on: date | None = None  # the day a meeting or a conversation was set for

    _stored_before_kinds = model_validator(mode="before")(from_label)

    @model_validator(mode="after")
    def _facts_of_its_kind(self) -> Entry:
        given = {name for name in FACTS if getattr(self, name, None) is not None}
        wanted = names(LINES[self.kind]) - {"detail"}
        if given != wanted:
            raise ValueError(f"{self.kind.name} takes {sorted(wanted)}, not {sorted(given)}")
        return self

    @model_serializer(mode="wrap")
    def _without_absent_facts(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if not (k in FACTS and v is None)}

    @property
    def what(self) -> str:
        return label(self.kind, self.detail, **{name: getattr(self, name) for name in names(LINES[self.kind])
                                               if name != "detail"})
