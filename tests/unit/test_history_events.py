"""What happened in a trajectory is a kind and its facts; old entries (a line only, or an ``act`` with its
line) load with their kind, and show the same line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from domain.board import board_row
from domain.events import FACTS, LINES, RETENTION_LABEL, Event, label, parse_line
from domain.hao.people import HaoRole
from domain.hao.trajectory import Claim, Consultation, HaoTrajectory, Progress
from domain.hao.trajectory import HistoryEntry as HaoEntry
from domain.people import Role
from domain.phases import Phase
from domain.privacy import ERASED, ended_at, forget_authors, retention_done
from domain.trajectory import EvaluationKind, HistoryEntry, Trajectory

NOW = datetime(2021, 2, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)

# Lines as stored before entries had a kind, each with the kind and detail it is read as.
OLD_LINES = [
    ("aanmelding ontvangen", Event.APPLIED, ""),
    ("fase: aanmelding bevestigd", Event.PHASE, "aanmelding bevestigd"),
    ("fase: kennismaking: beiden willen verder", Event.PHASE, "kennismaking: beiden willen verder"),
    ("toelichting: Sanne belde: de avond past niet", Event.NOTE, "Sanne belde: de avond past niet"),
    ("fase: traject beëindigd: verhuisd naar Groningen", Event.WITHDRAWAL, "verhuisd naar Groningen"),
    ("fase: traject beëindigd: [verwijderd]", Event.WITHDRAWAL, ERASED),
    ("toelichting: [verwijderd]", Event.NOTE, ERASED),
    (RETENTION_LABEL, Event.RETENTION, ""),
    ("bijeenkomst 2 afgezegd: [verwijderd]", Event.MEETING_CANCELLED, ERASED),
    ("bijeenkomst 2 verschoven", Event.ACT, "bijeenkomst 2 verschoven"),  # no kind's line: a generic act
    ("bijeenkomst 02 heeft plaatsgevonden", Event.ACT, "bijeenkomst 02 heeft plaatsgevonden"),  # not as we wrote it
]


@pytest.mark.parametrize(("line", "kind", "detail"), OLD_LINES)
def test_an_old_line_is_read_as_its_kind_and_shows_as_before(line: str, kind: Event, detail: str) -> None:
    read = parse_line(line)
    assert (read["kind"], read["detail"]) == (kind, detail)
    assert label(**read) == line
    entry = HistoryEntry.model_validate({"at": "2021-02-01T09:00:00Z", "phase": "plan", "what": line, "by": "mentee"})
    assert (entry.kind, entry.detail, entry.what) == (kind, detail, line)
    hao = HaoEntry.model_validate({"at": "2021-02-01T09:00:00Z", "what": line})
    assert (hao.kind, hao.detail, hao.what) == (kind, detail, line)


def new_trajectory() -> Trajectory:
    t = Trajectory.apply("2021-02", 1, NOW)
    t.id = 7
    t.confirm_application(NOW + H)
    t.choose_mentor(2, NOW + 2 * H)
    t.add_note("Sanne belde: de avond past niet", Role.FACILITATOR, NOW + 3 * H)
    t.withdraw(Role.MENTEE, "verhuisd naar Groningen", NOW + 4 * H)
    return t


def stored_before_kinds(t: Trajectory | HaoTrajectory) -> dict:
    """``t`` as the store held it before entries had a kind: each entry's line in ``what``."""
    document = t.model_dump(mode="json")
    for entry, shown in zip(document["history"], t.history, strict=True):
        for name in ("kind", "detail", *FACTS):
            entry.pop(name, None)
        entry["what"] = shown.what
    return document


def stored_before_acts_had_kinds(t: Trajectory | HaoTrajectory) -> dict:
    """``t`` as the store held it once entries had a kind but acts had not: an ``act`` with its line."""
    document = t.model_dump(mode="json")
    for entry, shown in zip(document["history"], t.history, strict=True):
        if shown.kind not in (Event.PHASE, Event.WITHDRAWAL, Event.NOTE, Event.RETENTION):
            for name in FACTS:
                entry.pop(name, None)
            entry |= {"kind": "act", "detail": shown.what}
    return document


def test_a_stored_old_document_loads_with_kinds_and_its_readers_read_them() -> None:
    document = stored_before_kinds(new_trajectory())
    assert [e["what"] for e in document["history"]] == [
        "aanmelding ontvangen", "fase: aanmelding bevestigd", "fase: mentor 2 voorgesteld",
        "toelichting: Sanne belde: de avond past niet", "fase: traject beëindigd: verhuisd naar Groningen"]
    assert all("kind" not in e for e in document["history"])

    t = Trajectory.model_validate(document)
    assert [e.kind for e in t.history] == [Event.APPLIED, Event.PHASE, Event.PHASE, Event.NOTE, Event.WITHDRAWAL]
    assert t == new_trajectory()  # the same as one written now
    assert t.phase_since() == ended_at(t) == NOW + 4 * H  # the withdrawal began the phase, the note did not
    assert board_row(t, "Sanne", "Marloes", NOW + 5 * H)["laatste actie"].endswith(
        "fase: traject beëindigd: verhuisd naar Groningen")
    assert not retention_done(t.history)

    gone = forget_authors(t, frozenset({Role.MENTEE}))
    assert "verhuisd naar Groningen" in gone and "Sanne belde: de avond past niet" not in gone  # not hers
    assert t.history[-1].what == "fase: traject beëindigd: [verwijderd]"
    assert t.history[-2].what == "toelichting: Sanne belde: de avond past niet"
    forget_authors(t, frozenset({Role.FACILITATOR}))
    assert t.history[-2].what == "toelichting: [verwijderd]" and t.history[-2].kind is Event.NOTE


def test_new_entries_are_stored_with_their_kind_and_detail_only() -> None:
    stored = new_trajectory().model_dump(mode="json")["history"]
    assert stored[-1] == {"at": "2021-02-01T13:00:00Z", "phase": "withdrawn", "kind": "withdrawal",
                          "detail": "verhuisd naar Groningen", "by": "mentee"}
    assert all(set(e) == {"at", "phase", "kind", "detail", "by"} for e in stored)


def test_the_phase_began_at_the_last_change_of_phase_not_at_a_later_act() -> None:
    t = new_trajectory()
    t.history.append(HistoryEntry(at=NOW + 9 * H, phase=Phase.WITHDRAWN, kind=Event.ACT, detail="iets"))
    assert t.phase_since() == NOW + 4 * H


def test_retention_is_done_once_its_entry_is_there_in_either_format() -> None:
    t = new_trajectory()
    t.history.append(HistoryEntry(at=NOW, phase=t.phase, kind=Event.RETENTION))
    assert retention_done(t.history) and t.history[-1].what == RETENTION_LABEL
    old = HaoEntry.model_validate({"at": "2021-02-01T09:00:00Z", "what": RETENTION_LABEL})
    assert retention_done([old]) and not retention_done([HaoEntry(at=NOW, kind=Event.ACT, detail=RETENTION_LABEL[:-1])])


# --- every act's kind, its facts and its line --------------------------------

D = timedelta(days=1)
MENTOR = 2


def every_act() -> Trajectory:
    """A trajectory in which each kind of act of programme A happens, in the order of ``A_LINES``."""
    t = Trajectory.apply("2021-02", 1, NOW)
    t.confirm_application(NOW)
    t.choose_mentor(MENTOR, NOW)
    t.answer_kennismaking(Role.MENTEE, True, "", NOW)
    t.answer_kennismaking(Role.MENTOR, True, "", NOW)
    t.submit_plan(["luisteren"], "plan", NOW)
    t.submit_plan(["luisteren"], "plan", NOW, review=True)
    t.comment_plan("goed zo", NOW)
    t.submit_plan(["luisteren", "grenzen"], "plan", NOW)
    t.sign(Role.MENTEE, 1, 2, NOW)
    t.sign(Role.MENTOR, MENTOR, 2, NOW)
    m = t.propose_meeting(NOW + 10 * D, NOW)
    t.reschedule_meeting(m.number, NOW + 12 * D, NOW, Role.MENTOR)
    t.cancel_meeting(m.number, NOW + D, Role.MENTOR, "ziek: koorts, Marloes")
    m = t.propose_meeting(NOW + 14 * D, NOW + D)
    t.record_topics(m.number, "de apotheek", NOW + 2 * D)
    t.confirm_meeting(m.number, NOW + 15 * D)
    t.submit_plan(["luisteren", "rust"], "plan", NOW + 16 * D)
    t.sign(Role.MENTEE, 1, 3, NOW + 16 * D)
    t.sign(Role.MENTOR, MENTOR, 3, NOW + 16 * D)
    m = t.propose_meeting(NOW + 60 * D, NOW + 17 * D)
    t.cancel_meeting(m.number, NOW + 18 * D, Role.MENTEE, "ik ben verhuisd")
    t.start_evaluation(EvaluationKind.INTERIM, NOW + 20 * D)
    t.add_evaluation_form(EvaluationKind.INTERIM, Role.MENTOR, "het gaat goed", NOW + 20 * D)
    return t


# Each act's kind, its facts, and the line it showed before it had a kind (the same now).
A_LINES: list[tuple[Event, dict[str, Any], str]] = [
    (Event.APPLIED, {}, "aanmelding ontvangen"),
    (Event.PHASE, {}, "fase: aanmelding bevestigd"),
    (Event.PHASE, {}, "fase: mentor 2 voorgesteld"),
    (Event.KENNISMAKING_ON, {}, "kennismaking: wil verder"),
    (Event.PHASE, {}, "fase: kennismaking: beiden willen verder"),
    (Event.PLAN_SUBMITTED, {}, "mentorschapsplan ingediend"),
    (Event.REVIEW_ASKED, {"version": 1}, "commentaar van de facilitator gevraagd (plan versie 1)"),
    (Event.PLAN_REVIEWED, {"version": 1}, "facilitator gaf commentaar op het plan (versie 1)"),
    (Event.PLAN_CHANGED, {"version": 2}, "plan gewijzigd (versie 2); eerdere handtekeningen vervallen"),
    (Event.SIGNED, {"version": 2}, "intentieverklaring ondertekend (plan versie 2)"),
    (Event.SIGNED, {"version": 2}, "intentieverklaring ondertekend (plan versie 2)"),
    (Event.PHASE, {}, "fase: beiden tekenden: het mentorschap is begonnen"),
    (Event.MEETING_PLANNED, {"number": 1, "on": date(2021, 2, 11)}, "bijeenkomst 1 gepland op 11-02-2021"),
    (Event.MEETING_MOVED, {"number": 1, "on": date(2021, 2, 13)}, "bijeenkomst 1 verzet naar 13-02-2021"),
    (Event.MEETING_CANCELLED, {"number": 1}, "bijeenkomst 1 afgezegd: ziek: koorts, Marloes"),
    (Event.MEETING_PLANNED, {"number": 2, "on": date(2021, 2, 15)}, "bijeenkomst 2 gepland op 15-02-2021"),
    (Event.TOPICS_SENT, {"number": 2}, "onderwerpen voor bijeenkomst 2 doorgegeven"),
    (Event.MEETING_HELD, {"number": 2}, "bijeenkomst 2 heeft plaatsgevonden"),
    (Event.PLAN_CHANGED, {"version": 3}, "plan gewijzigd (versie 3); eerdere handtekeningen vervallen"),
    (Event.SIGNED, {"version": 3}, "intentieverklaring ondertekend (plan versie 3)"),
    (Event.SIGNED, {"version": 3}, "intentieverklaring ondertekend (plan versie 3)"),
    (Event.CHANGE_SIGNED, {"version": 3}, "gewijzigd plan (versie 3) door beiden ondertekend"),
    (Event.MEETING_PLANNED, {"number": 3, "on": date(2021, 4, 2)}, "bijeenkomst 3 gepland op 02-04-2021"),
    (Event.MEETING_CANCELLED, {"number": 3}, "bijeenkomst 3 afgezegd: ik ben verhuisd"),
    (Event.PHASE, {}, "fase: tussenevaluatie is aan de beurt"),
    (Event.EVALUATION_FORM, {"evaluation": EvaluationKind.INTERIM}, "evaluatieformulier (interim) ingevuld"),
]


def facts(entry: HistoryEntry | HaoEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in FACTS if getattr(entry, name, None) is not None}


def test_each_act_of_programme_a_is_recorded_as_its_kind_with_its_facts_and_shows_its_old_line() -> None:
    t = every_act()
    assert [(e.kind, facts(e), e.what) for e in t.history] == A_LINES
    assert t.history[14].detail == "ziek: koorts, Marloes" and t.history[14].by is Role.MENTOR


def every_hao_act() -> list[HaoTrajectory]:
    c = Consultation.request(1, 2, "phone", "", "c-aaaaaa", NOW)
    c.accept(NOW)
    held = c.plan_conversation(NOW + D, "phone", NOW)
    c.record_held(held.number, Claim(), NOW + 2 * D)
    p = Progress.start(1, "p-aaaaaa", NOW)
    p.couple(2, 3, NOW)
    for n in range(2):
        held = p.plan_conversation(NOW + (10 * n + 1) * D, "meeting", NOW + 10 * n * D)
        p.record_held(held.number, Claim(), NOW + (10 * n + 2) * D)
        p.write_report(held.number, "verslag", NOW + (10 * n + 3) * D)
        p.sign_report(held.number, HaoRole.TRAINER, NOW + (10 * n + 4) * D)
    p.finish(NOW + 30 * D)
    late = Progress.start(1, "p-bbbbbb", NOW)
    late.flag(late.due_by)
    return [c, p, late]


HAO_LINES: list[tuple[Event, dict[str, Any], str]] = [
    (Event.CONSULTATION_ASKED, {}, "consultatie aangevraagd"),
    (Event.PHASE, {}, "fase: mentor nam de consultatie aan"),
    (Event.CONVERSATION_PLANNED, {"number": 1, "on": date(2021, 2, 2)}, "gesprek 1 gepland op 02-02-2021"),
    (Event.CONVERSATION_HELD, {"number": 1}, "gesprek 1 heeft plaatsgevonden"),
    (Event.PROGRESS_OPENED, {}, "startende opleider aangemeld voor voortgangsgesprekken"),
    (Event.PHASE, {}, "fase: mentor 2 gekoppeld door de voorzitter van COMO"),
    (Event.CONVERSATION_PLANNED, {"number": 1, "on": date(2021, 2, 2)}, "gesprek 1 gepland op 02-02-2021"),
    (Event.CONVERSATION_HELD, {"number": 1}, "gesprek 1 heeft plaatsgevonden"),
    (Event.REPORT_WRITTEN, {"number": 1}, "verslag van gesprek 1 geschreven en getekend door de mentor"),
    (Event.REPORT_SIGNED, {"number": 1}, "verslag van gesprek 1 getekend"),
    (Event.CONVERSATION_PLANNED, {"number": 2, "on": date(2021, 2, 12)}, "gesprek 2 gepland op 12-02-2021"),
    (Event.CONVERSATION_HELD, {"number": 2}, "gesprek 2 heeft plaatsgevonden"),
    (Event.REPORT_WRITTEN, {"number": 2}, "verslag van gesprek 2 geschreven en getekend door de mentor"),
    (Event.REPORT_SIGNED, {"number": 2}, "verslag van gesprek 2 getekend"),
    (Event.MINIMUM_MET, {"number": 2}, "minimaal 2 verslagen door beiden getekend: voldaan; verdere gesprekken "
                                       "mogen en hun verslagen gaan ook in het hao-dossier"),
    (Event.FINISHING, {}, "de mentor rondt de voortgangsgesprekken af"),
    (Event.PHASE, {}, "fase: 2 verslagen door beiden getekend in het hao-dossier"),
    (Event.PROGRESS_OPENED, {}, "startende opleider aangemeld voor voortgangsgesprekken"),
    (Event.SHORT_OF_REPORTS, {"number": 2}, "minder dan 2 getekende verslagen op de uiterste datum"),
]


def test_each_act_of_programme_b_is_recorded_as_its_kind_with_its_facts_and_shows_its_old_line() -> None:
    found = [(e.kind, facts(e), e.what) for t in every_hao_act() for e in t.history]
    assert found == HAO_LINES


SAMPLE = {"number": 3, "version": 2, "on": date(2021, 3, 3), "evaluation": EvaluationKind.FINAL}


@pytest.mark.parametrize("kind", [k for k in Event if k is not Event.ACT])
def test_every_kind_s_line_reads_back_as_that_kind_with_its_facts(kind: Event) -> None:
    named = {n: v for n, v in SAMPLE.items() if "{" + n + "}" in LINES[kind]}
    detail = "Sanne: (ziek)\nmorgen 1" if "{detail}" in LINES[kind] or kind is Event.MEETING_CANCELLED else ""
    assert parse_line(label(kind, detail, **named)) == {"kind": kind, "detail": detail, **named}


def test_a_cancellation_without_a_reason_shows_none() -> None:
    assert label(Event.MEETING_CANCELLED, number=2) == "bijeenkomst 2 afgezegd"
    assert parse_line("bijeenkomst 2 afgezegd") == {"kind": Event.MEETING_CANCELLED, "detail": "", "number": 2}


def test_an_entry_takes_exactly_the_facts_its_kind_names() -> None:
    with pytest.raises(ValidationError, match="MEETING_PLANNED takes"):
        HistoryEntry(at=NOW, phase=Phase.MEETINGS, kind=Event.MEETING_PLANNED, number=1)
    with pytest.raises(ValidationError, match="APPLIED takes"):
        HistoryEntry(at=NOW, phase=Phase.APPLICATION, kind=Event.APPLIED, version=1)


def test_an_act_is_stored_with_the_facts_of_its_kind_only() -> None:
    stored = every_act().model_dump(mode="json")["history"]
    assert stored[12] == {"at": "2021-02-01T09:00:00Z", "phase": "meetings", "kind": "meeting_planned",
                          "detail": "", "by": "mentee", "number": 1, "on": "2021-02-11"}
    assert stored[-1] == {"at": "2021-02-21T09:00:00Z", "phase": "interim_evaluation", "kind": "evaluation_form",
                          "detail": "", "by": "mentor", "evaluation": "interim"}
    assert stored[0] == {"at": "2021-02-01T09:00:00Z", "phase": "application", "kind": "applied", "detail": "",
                         "by": "mentee"}


@pytest.mark.parametrize("old", [stored_before_kinds, stored_before_acts_had_kinds])
def test_an_old_raw_document_of_either_programme_loads_as_one_written_now(old: Any) -> None:
    t = every_act()
    document = old(t)
    assert "bijeenkomst 1 afgezegd: ziek: koorts, Marloes" in str(document["history"])
    assert not any(k in e for e in document["history"] for k in FACTS)
    loaded = Trajectory.model_validate(document)
    assert loaded == t and [e.what for e in loaded.history] == [line for _, _, line in A_LINES]
    for h in every_hao_act():
        assert type(h).model_validate(old(h)) == h


def test_a_generic_act_stays_one_and_shows_its_line() -> None:
    entry = HistoryEntry.model_validate({"at": "2021-02-01T09:00:00Z", "phase": "plan", "kind": "act",
                                         "detail": "iets anders gedaan", "by": "mentee"})
    assert (entry.kind, entry.detail, entry.what) == (Event.ACT, "iets anders gedaan", "iets anders gedaan")
    assert entry.model_dump(mode="json")["kind"] == "act"


# --- erasure: a cancellation's reason is its author's text ---------------------


def test_a_mentor_s_cancel_reason_is_erased_with_that_mentor_only() -> None:
    t = every_act()
    forget_authors(t, frozenset({Role.MENTEE, Role.FACILITATOR}))  # the mentee's erasure keeps the mentor's words
    assert t.history[14].what == "bijeenkomst 1 afgezegd: ziek: koorts, Marloes"
    assert t.matches[0].meetings[0].cancel_reason == "ziek: koorts, Marloes"
    assert t.history[23].what == "bijeenkomst 3 afgezegd: [verwijderd]"  # hers
    assert t.matches[0].meetings[2].cancel_reason == ERASED
    assert forget_authors(t, frozenset({Role.MENTOR}), mentor_id=MENTOR + 1) == []  # another mentor's match

    gone = forget_authors(t, frozenset({Role.MENTOR}), mentor_id=MENTOR)
    assert gone.count("ziek: koorts, Marloes") == 2  # the meeting's reason and the history's
    assert t.history[14].kind is Event.MEETING_CANCELLED
    assert t.history[14].what == "bijeenkomst 1 afgezegd: [verwijderd]"
    assert t.matches[0].meetings[0].cancel_reason == ERASED


def test_a_cancel_reason_stored_as_a_line_is_erased_too() -> None:
    t = Trajectory.model_validate(stored_before_acts_had_kinds(every_act()))
    gone = forget_authors(t, frozenset({Role.MENTEE}))
    assert "ik ben verhuisd" in gone and t.history[23].what == "bijeenkomst 3 afgezegd: [verwijderd]"
    assert t.history[22].what == "bijeenkomst 3 gepland op 02-04-2021"  # not a text of hers: kept
