"""Personal data over its life: what erasing a person or an expired trajectory leaves of a record.

Pure rules, no storage. An erased person's rows keep their ids (the other party's record
still points at them) and show as ``NAMELESS``; a free text is blanked to ``ERASED`` when
its author is erased, and every other text has the person's name and address replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from domain.events import Event
from domain.people import Role
from domain.trajectory import HistoryEntry, Trajectory

if TYPE_CHECKING:  # programme B's rules are in ``domain.hao.privacy``; programme A's runs never load its models
    from domain.hao.trajectory import HistoryEntry as HaoEntry

NAMELESS = "verwijderde deelnemer"
ERASED = "[verwijderd]"
PARTICIPANTS = frozenset({Role.MENTEE, Role.MENTOR, Role.FACILITATOR})


def erased_address(person_id: int, kind: str = "p") -> str:
    """A unique address that cannot receive mail (RFC 2606), for an erased person's row."""
    return f"verwijderd-{kind}{person_id}@invalid.example"


def needles(*texts: str | None) -> list[str]:
    """The strings to look for: each non-trivial text once, longest first (so a name goes before its parts)."""
    found = {t.strip() for t in texts if t and len(t.strip()) >= 3 and t.strip() not in (ERASED, NAMELESS)}
    return sorted(found, key=len, reverse=True)


def scrub(value: Any, words: Iterable[str], replacement: str = NAMELESS) -> Any:
    """``value`` (JSON: dicts, lists, strings) with every occurrence of ``words`` replaced, case-insensitively."""
    words = [w for w in words if w]
    if not words:
        return value
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return pattern.sub(replacement, v)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return v

    return walk(value)


def mentions(text: str, words: Iterable[str]) -> bool:
    low = text.lower()
    return any(w.lower() in low for w in words if w)


class Blank:
    """Blanks texts and remembers what it blanked."""

    def __init__(self) -> None:
        self.gone: list[str] = []

    def __call__(self, text: str) -> str:
        if text and text != ERASED:
            self.gone.append(text)
            return ERASED
        return text


def forget_authors(t: Trajectory, authors: frozenset[Role], mentor_id: int | None = None) -> list[str]:
    """Blank the free texts of ``t`` written by ``authors`` (only in the matches of ``mentor_id``, when
    given); returns the texts blanked, to be looked for elsewhere (mail, Prefect)."""
    blank = Blank()

    for match in t.matches:
        if mentor_id is not None and match.mentor_id != mentor_id:
            continue
        for role, answer in match.answers.items():
            if role in authors:
                answer.reason = blank(answer.reason)
        match.ended_reason = blank(match.ended_reason)  # about the pair: whoever ended it
        if match.plan is not None:
            if Role.MENTEE in authors:
                match.plan.goals = [blank(g) for g in match.plan.goals]
                match.plan.text = blank(match.plan.text)
            if Role.FACILITATOR in authors:
                match.plan.facilitator_comment = blank(match.plan.facilitator_comment)
        for meeting in match.meetings:
            if Role.MENTEE in authors:
                meeting.topics = blank(meeting.topics)
            if meeting.changed_by in authors:  # who called it off last gave its reason
                meeting.cancel_reason = blank(meeting.cancel_reason)
        for evaluation in match.evaluations.values():
            if Role.FACILITATOR in authors:
                evaluation.outcome = blank(evaluation.outcome)
            evaluation.forms = {role: blank(text) if role in authors else text
                                for role, text in evaluation.forms.items()}
    if mentor_id is None and t.withdrawal is not None and t.withdrawal.by in authors:
        t.withdrawal.reason = blank(t.withdrawal.reason)
    for entry in t.history:
        if entry.kind.authored and entry.by in authors and mentor_id in (None, _mentor_at(t, entry.at)):
            entry.detail = blank(entry.detail)
    return blank.gone


def _mentor_at(t: Trajectory, at: datetime) -> int | None:
    """The mentor of the match in force at ``at``: whose words a mentor's entry then holds."""
    mentors = [m.mentor_id for m in t.matches if m.proposed_at <= at]
    return mentors[-1] if mentors else None


def ended_at(t: Trajectory) -> datetime | None:
    """When a trajectory of programme A ended (closed or withdrawn); None while it runs."""
    return t.phase_since() if t.phase.ended else None


def expired(ended: datetime | None, now: datetime, keep_days: int) -> bool:
    """Whether something that ended at ``ended`` is past the retention period."""
    return ended is not None and now - ended > timedelta(days=keep_days)


def retention_done(history: Iterable[HistoryEntry | HaoEntry]) -> bool:
    """Whether a trajectory's history says retention anonymised it already."""
    return any(entry.kind is Event.RETENTION for entry in history)
