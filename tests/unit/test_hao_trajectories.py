"""The hao trajectories' rules, pure and in milliseconds: consultation, guidance, progress, support."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import DomainError
from domain.hao.people import HaoPerson, HaoRole, directory
from domain.hao.support import amount, finance_lines, intervision_start, next_intervision
from domain.hao.trajectory import (
    Claim,
    Consultation,
    Goal,
    Guidance,
    HaoDocument,
    HaoPhase,
    Progress,
    institute_view,
)

NOW = datetime(2021, 9, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def consultation() -> Consultation:
    c = Consultation.request(1, 2, "visit", "Hoe plan ik leergesprekken?", "c-abc123", NOW)
    c.id = 7
    c.accept(NOW)
    return c


def guidance() -> Guidance:
    g = Guidance.request(3, 2, "institute", "practice", [Goal(area=3, text="Samenwerken met de praktijk")],
                         "g-abc123", NOW)
    g.id = 8
    return g


def test_a_consultation_needs_a_form_and_at_most_a_short_question() -> None:
    with pytest.raises(DomainError) as exc:
        Consultation.request(1, 2, "email", "vraag", "c-1", NOW)
    assert exc.value.field == "form"
    with pytest.raises(DomainError) as exc:
        Consultation.request(1, 2, "phone", "x" * 2001, "c-1", NOW)
    assert exc.value.field == "question"
    assert Consultation.request(1, 2, "phone", "  ", "c-1", NOW).question == ""  # low threshold: optional


def test_the_mentor_answers_first_and_a_decline_proposes_a_colleague() -> None:
    c = Consultation.request(1, 2, "phone", "", "c-1", NOW)
    assert c.phase is HaoPhase.ANSWER
    with pytest.raises(DomainError):
        c.plan_conversation(NOW + DAY, "phone", NOW)
    with pytest.raises(DomainError) as exc:
        c.decline(2, NOW)
    assert exc.value.field == "proposed_mentor_id"
    c.decline(5, NOW)
    assert c.phase is HaoPhase.CLOSED and c.declined and c.declined.proposed_mentor_id == 5
    assert c.closed_by is HaoRole.MENTOR and institute_view(c) is None
    d = Consultation.request(1, 5, "visit", "", "c-2", NOW)
    d.accept(NOW)
    assert d.phase is HaoPhase.CONVERSATIONS and d.accepted_at == NOW


def test_a_consultation_series_closed_by_the_trainer_drops_the_planned_one() -> None:
    c = consultation()
    c.plan_conversation(NOW + DAY, "phone", NOW)
    with pytest.raises(DomainError):
        c.plan_conversation(NOW + 2 * DAY, "phone", NOW)  # one planned at a time
    with pytest.raises(DomainError):
        c.record_held(1, Claim(), NOW)  # not yet
    c.record_held(1, Claim(km=5), NOW + DAY)
    c.plan_conversation(NOW + 3 * DAY, "observation", NOW + DAY)
    c.close(HaoRole.TRAINER, NOW + 2 * DAY)
    assert c.phase is HaoPhase.CLOSED and c.closed_by is HaoRole.TRAINER and len(c.conversations) == 1
    with pytest.raises(DomainError):
        c.plan_conversation(NOW + 4 * DAY, "phone", NOW + 2 * DAY)


def test_the_institute_sees_nothing_of_a_consultation() -> None:
    assert institute_view(consultation()) is None


def test_guidance_goals_belong_to_task_areas_2_3_and_5() -> None:
    with pytest.raises(DomainError) as exc:
        Guidance.request(3, 2, "institute", "practice", [Goal(area=4, text="Toetsen")], "g-1", NOW)
    assert exc.value.field == "goals"
    with pytest.raises(DomainError):
        Guidance.request(3, 2, "institute", "practice", [], "g-1", NOW)
    with pytest.raises(DomainError):
        Guidance.request(3, 2, "the board", "practice", [Goal(area=2, text="x")], "g-1", NOW)


def test_the_guidance_report_is_released_only_after_the_trainer_signed_it_was_discussed() -> None:
    g = guidance()
    with pytest.raises(DomainError):
        g.plan_conversation(NOW + DAY, "visit", NOW)  # goals not signed yet
    g.sign_goals(NOW)
    g.plan_conversation(NOW + DAY, "visit", NOW)
    g.record_held(1, Claim(km=20, hours=1), NOW + DAY)
    g.end_conversations(NOW + DAY)
    g.write_report("Resultaat: goed samenwerken.", NOW + 2 * DAY)
    view = institute_view(g)
    assert view is not None and view["report"] is None and view["status"] == "begeleiding loopt"
    g.sign_discussed("Niet mee eens over punt 2.", NOW + 3 * DAY)
    view = institute_view(g)
    assert view is not None and view["report"]["text"] == "Resultaat: goed samenwerken."
    assert view["report"]["dissent"] == "Niet mee eens over punt 2." and g.phase is HaoPhase.CLOSED


def test_a_report_cannot_be_signed_as_discussed_before_it_exists() -> None:
    g = guidance()
    g.sign_goals(NOW)
    with pytest.raises(DomainError):
        g.sign_discussed("", NOW)
    with pytest.raises(DomainError):
        g.end_conversations(NOW)  # nothing held yet


def held_and_signed(p: Progress, n: int, at: datetime) -> None:
    p.plan_conversation(at, "meeting", at - DAY)
    p.record_held(n, Claim(), at + timedelta(hours=2))
    p.write_report(n, f"Verslag {n}", at + timedelta(hours=2))
    p.sign_report(n, HaoRole.TRAINER, at + DAY)


def test_two_reports_signed_by_both_meet_the_minimum_and_a_third_goes_to_the_dossier_too() -> None:
    """The seed: "minimaal twee voortgangsgesprekken" (issue 10.10: a third was refused)."""
    p = Progress.start(4, "v-1", NOW)
    assert p.due_by > NOW + 150 * DAY
    with pytest.raises(DomainError):
        p.plan_conversation(NOW + DAY, "meeting", NOW)  # no mentor coupled yet
    p.couple(2, 9, NOW)
    for n in (1, 2):
        at = NOW + 10 * n * DAY
        assert p.wants_next()
        p.plan_conversation(at, "meeting", at - DAY)
        p.record_held(n, Claim(), at + timedelta(hours=2))
        with pytest.raises(DomainError):
            p.write_report(n, "", at)
        p.write_report(n, f"Verslag {n}", at + timedelta(hours=2))
        assert p.phase is HaoPhase.CONVERSATIONS
        assert not p.wants_next()  # first the trainer's signature, then the next conversation
        assert p.sign_report(n, HaoRole.TRAINER, at + DAY)
    assert p.completed_at == NOW + 21 * DAY and p.phase is HaoPhase.CONVERSATIONS
    assert not p.wants_next() and p.offers_next()  # allowed, not asked for
    assert not p.flag_due(p.due_by) and not p.close_due(p.due_by - DAY)
    held_and_signed(p, 3, NOW + 60 * DAY)
    assert p.phase is HaoPhase.CONVERSATIONS and len(p.signed_reports()) == 3
    view = institute_view(p)
    assert view is not None and [r["text"] for r in view["reports"]] == ["Verslag 1", "Verslag 2", "Verslag 3"]
    assert p.close_due(p.due_by) and p.close_at_due(p.due_by)
    assert p.phase is HaoPhase.CLOSED and "3 verslagen door beiden getekend" in p.history[-1].what


def test_the_mentor_ends_after_the_second_conversation_at_the_earliest_and_it_closes_on_the_last_signature() -> None:
    p = Progress.start(4, "v-1", NOW)
    p.couple(2, 9, NOW)
    p.plan_conversation(NOW + DAY, "meeting", NOW)
    p.record_held(1, Claim(), NOW + 2 * DAY)
    with pytest.raises(DomainError, match="minimaal 2 voortgangsgesprekken"):
        p.finish(NOW + 2 * DAY)
    p.write_report(1, "Verslag 1", NOW + 2 * DAY)
    p.sign_report(1, HaoRole.TRAINER, NOW + 3 * DAY)
    p.plan_conversation(NOW + 10 * DAY, "meeting", NOW + 4 * DAY)
    p.record_held(2, Claim(), NOW + 11 * DAY)
    p.write_report(2, "Verslag 2", NOW + 11 * DAY)
    p.finish(NOW + 11 * DAY)
    assert p.phase is HaoPhase.CONVERSATIONS and not p.offers_next()  # the trainer has not signed yet
    p.sign_report(2, HaoRole.TRAINER, NOW + 12 * DAY)
    assert p.phase is HaoPhase.CLOSED and len(p.signed_reports()) == 2


def test_a_trajectory_that_met_the_minimum_stays_open_while_a_conversation_is_planned_or_unsigned() -> None:
    p = Progress.start(4, "v-1", NOW, due_by=NOW + 30 * DAY)
    p.couple(2, 9, NOW)
    held_and_signed(p, 1, NOW + DAY)
    held_and_signed(p, 2, NOW + 5 * DAY)
    p.plan_conversation(NOW + 40 * DAY, "meeting", NOW + 7 * DAY)
    assert not p.close_due(NOW + 31 * DAY)  # the third is planned past the due date: it goes on
    p.record_held(3, Claim(), NOW + 41 * DAY)
    p.write_report(3, "Verslag 3", NOW + 41 * DAY)
    assert not p.close_due(NOW + 41 * DAY)  # waiting for the trainer's signature
    p.sign_report(3, HaoRole.TRAINER, NOW + 42 * DAY)  # past the due date and idle: closed at once
    assert p.phase is HaoPhase.CLOSED and len(p.signed_reports()) == 3


def test_fewer_than_two_signed_reports_at_the_due_date_is_flagged_once() -> None:
    p = Progress.start(4, "v-1", NOW, due_by=NOW + 10 * DAY)
    assert not p.flag_due(NOW + 9 * DAY)
    assert p.flag(NOW + 10 * DAY)
    assert not p.flag(NOW + 11 * DAY)
    view = institute_view(p)
    assert view is not None and view["flagged_at"] is not None


def test_finance_sees_a_consultation_only_as_a_yearly_sum_once_the_year_ended() -> None:
    c = consultation()
    c.plan_conversation(NOW + DAY, "visit", NOW)
    c.record_held(1, Claim(km=10, hours=1), NOW + DAY)
    g = guidance()
    g.sign_goals(NOW)
    g.plan_conversation(NOW + DAY, "visit", NOW)
    g.record_held(1, Claim(km=20, hours=2), NOW + DAY)
    g.plan_conversation(NOW + 2 * DAY, "visit", NOW + DAY)
    g.record_held(2, Claim(km=99, hours=9, leergang5=True), NOW + 2 * DAY)  # covered by leergang 5
    details, totals, confidential = finance_lines([c, g], NOW + 3 * DAY)
    assert [d["reference"] for d in details] == [g.pseudonym] and "trajectory_id" not in details[0]
    assert totals[2] == {"km": 20, "hours": 2, "amount_eur": amount(20, 2)}  # the lines' sum: nothing hidden
    assert confidential == {}  # the year has not ended: no figure that would date the consultation
    year = (NOW + DAY).year
    _, later_totals, later = finance_lines([c, g], NOW.replace(year=year + 1))
    assert later == {(2, year): amount(10, 1)} and later_totals == totals


def test_documents_round_trip_by_kind() -> None:
    for t in (consultation(), guidance(), Progress.start(4, "v-1", NOW)):
        assert HaoDocument.model_validate(t.model_dump(mode="json")) == t


def test_the_intervision_is_on_the_second_thursday_of_march() -> None:
    start = intervision_start(2021)
    assert (start.year, start.month, start.day, start.hour, start.weekday()) == (2021, 3, 11, 17, 3)
    assert next_intervision(datetime(2021, 1, 15, 8, 0, tzinfo=UTC)) == start
    assert next_intervision(NOW).year == 2022  # in September the next one is next year's


def test_the_directory_lists_available_mentors_by_name() -> None:
    people = [HaoPerson(role=HaoRole.MENTOR, name="Zoë", email="z@x"), HaoPerson(role=HaoRole.TRAINER, name="A",
              email="a@x"), HaoPerson(role=HaoRole.MENTOR, name="Bas", email="b@x"),
              HaoPerson(role=HaoRole.MENTOR, name="Cas", email="c@x", available=False)]
    assert [p.name for p in directory(people)] == ["Bas", "Zoë"]
