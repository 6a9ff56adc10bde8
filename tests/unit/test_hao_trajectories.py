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


def test_progress_closes_after_two_reports_signed_by_both() -> None:
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
    assert p.phase is HaoPhase.CLOSED and len(p.signed_reports()) == 2 and not p.wants_next()


def test_fewer_than_two_signed_reports_at_the_due_date_is_flagged_once() -> None:
    p = Progress.start(4, "v-1", NOW, due_by=NOW + 10 * DAY)
    assert not p.flag_due(NOW + 9 * DAY)
    assert p.flag(NOW + 10 * DAY)
    assert not p.flag(NOW + 11 * DAY)
    view = institute_view(p)
    assert view is not None and view["flagged_at"] is not None


def test_finance_shows_consultations_only_in_the_mentors_totals() -> None:
    c = consultation()
    c.plan_conversation(NOW + DAY, "visit", NOW)
    c.record_held(1, Claim(km=10, hours=1), NOW + DAY)
    g = guidance()
    g.sign_goals(NOW)
    g.plan_conversation(NOW + DAY, "visit", NOW)
    g.record_held(1, Claim(km=20, hours=2), NOW + DAY)
    g.plan_conversation(NOW + 2 * DAY, "visit", NOW + DAY)
    g.record_held(2, Claim(km=99, hours=9, leergang5=True), NOW + 2 * DAY)  # covered by leergang 5
    details, totals = finance_lines([c, g])
    assert [d["trajectory_id"] for d in details] == [8]
    assert totals[2] == {"km": 30, "hours": 3, "amount_eur": round(amount(10, 1) + amount(20, 2), 2)}


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
