"""The kring's report: what is counted, how stops are grouped, the pairs' timeline, the money, the charts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.charts import funnel_chart, timeline_chart
from domain.people import Role
from domain.report import Applicant, build_report, euros, reason_group
from domain.trajectory import EvaluationKind, Trajectory

START = datetime(2021, 2, 1, 9, 0, tzinfo=UTC)
SECRET_TOPIC = "mijn burn-out en de praktijkhouder"
SECRET_OUTCOME = "Sanne twijfelt of ze in de praktijk blijft"


def signed(t: Trajectory, mentor: int, at: datetime) -> Trajectory:
    """Matched, kennismaking agreed, plan written and signed by both at ``at``."""
    t.confirm_application(at)
    t.choose_mentor(mentor, at)
    t.answer_kennismaking(Role.MENTEE, True, "", at)
    t.answer_kennismaking(Role.MENTOR, True, "", at)
    t.submit_plan(["grenzen stellen"], "plan", at)
    t.sign(Role.MENTEE, t.mentee_id, 1, at)
    t.sign(Role.MENTOR, mentor, 1, at)
    return t


def meet(t: Trajectory, starts: datetime, topics: str = SECRET_TOPIC) -> None:
    """A meeting proposed a day before, its topics sent, held and confirmed the day after."""
    meeting = t.propose_meeting(starts, starts - timedelta(days=1))
    t.record_topics(meeting.number, topics, starts - timedelta(hours=2))
    t.confirm_meeting(meeting.number, starts + timedelta(days=1))


def evaluate(t: Trajectory, kind: EvaluationKind, at: datetime, contact: str = "phone") -> None:
    t.start_evaluation(kind, at)
    t.add_evaluation_form(kind, Role.MENTEE, SECRET_OUTCOME, at)
    t.record_evaluation(kind, contact, SECRET_OUTCOME, at + timedelta(days=1))


def finished(t: Trajectory, first: datetime) -> Trajectory:
    """Three meetings, the interim evaluation, two more meetings, the final evaluation."""
    for i in range(3):
        meet(t, first + timedelta(days=45 * i))
    evaluate(t, EvaluationKind.INTERIM, first + timedelta(days=122))
    for i in range(3, 5):
        meet(t, first + timedelta(days=45 * i))
    evaluate(t, EvaluationKind.FINAL, first + timedelta(days=45 * 5), contact="meeting")
    return t


def cohort() -> tuple[list[Applicant], list[Trajectory]]:
    """Four mentor applications (one too inexperienced), four mentees: one pair done, one meeting,
    one mentee who stopped while writing the plan, one kennismaking that led nowhere and a new match."""
    applicants = [
        Applicant(Role.MENTOR, True, attended=True, points=3, travel_cents=2350),
        Applicant(Role.MENTOR, True, attended=True, points=3),
        Applicant(Role.MENTOR, True, attended=False),
        Applicant(Role.MENTOR, False, "een mentor heeft minimaal 5 jaar ervaring als huisarts (opgegeven: 3)"),
        *(Applicant(Role.MENTEE, True, contribution_cents=15000, paid_cents=paid) for paid in (15000, 15000, 5000, 0)),
    ]
    done = finished(signed(Trajectory.apply("c", 11, START), 1, START), START + timedelta(days=10))
    done.id = 1
    meeting = signed(Trajectory.apply("c", 12, START), 2, START + timedelta(days=3))
    meeting.id = 2
    meet(meeting, START + timedelta(days=20))
    meeting.propose_meeting(START + timedelta(days=70), START + timedelta(days=22))
    stopped = Trajectory.apply("c", 13, START)
    stopped.id = 3
    stopped.confirm_application(START)
    stopped.choose_mentor(2, START)
    stopped.answer_kennismaking(Role.MENTEE, True, "", START)
    stopped.answer_kennismaking(Role.MENTOR, True, "", START)
    stopped.withdraw(Role.MENTEE, "persoonlijke omstandigheden van Pieter", START + timedelta(days=5))
    rematched = Trajectory.apply("c", 14, START)
    rematched.id = 4
    rematched.confirm_application(START)
    rematched.choose_mentor(1, START)
    rematched.answer_kennismaking(Role.MENTOR, False, "geen klik met deze mentee", START)
    rematched.choose_mentor(2, START + timedelta(days=2))
    return applicants, [done, meeting, stopped, rematched]


def test_the_funnel_counts_each_step_once_per_mentee():
    report = build_report("c", "Cohort C", *cohort())
    assert [(s.label, s.count) for s in report.funnel] == [
        ("mentoren aangemeld", 4), ("mentoren geschikt", 3), ("mentoren getraind", 2),
        ("mentees aangemeld", 4), ("mentees gematcht", 4), ("plan ondertekend", 2),
        ("tussenevaluatie", 1), ("eindevaluatie", 1),
    ]
    assert report.applied == {"mentoren": 4, "mentees": 4}


def test_stops_and_refusals_are_grouped_without_what_anyone_wrote():
    report = build_report("c", "Cohort C", *cohort())
    assert report.stopped == {
        "kennismaking: geen vervolg (nieuwe match)": 1,
        "traject beëindigd door mentee in fase mentorschapsplan": 1,
    }
    assert report.ineligible == {"een mentor heeft minimaal 5 jaar ervaring als huisarts": 1}
    assert reason_group("") == "geen reden vastgelegd"
    text = repr(report)
    assert "Pieter" not in text and "klik" not in text
    assert SECRET_TOPIC not in text and SECRET_OUTCOME not in text


def test_pairs_are_numbered_in_the_order_they_signed_with_their_meetings_in_order_on_one_line():
    report = build_report("c", "Cohort C", *cohort())
    first, second = report.pairs
    assert (first.pseudonym, first.held, first.state) == ("paar 1", 5, "afgesloten")
    assert (second.pseudonym, second.held, second.state) == ("paar 2", 1, "bijeenkomsten")
    assert [m.kind for m in first.marks] == ["signed", "held", "held", "held", "interim", "held", "held", "final"]
    assert [m.kind for m in second.marks] == ["signed", "held", "planned"]
    assert first.ends_by == date(2021, 11, 1)
    assert report.span == (date(2021, 2, 1), date(2021, 11, 4))


def test_evaluations_are_summarised_by_contact_forms_and_meetings_held():
    interim, final = build_report("c", "Cohort C", *cohort()).evaluations
    assert (interim.recorded, interim.due_or_open, interim.by_contact) == (1, 0, {"telefoon": 1})
    assert interim.forms == {"mentee": 1, "mentor": 0}
    assert interim.meetings_held == (3, 3, 3.0)
    assert (final.by_contact, final.meetings_held) == ({"gesprek": 1}, (5, 5, 5.0))


def test_money_contributions_travel_and_points():
    money = build_report("c", "Cohort C", *cohort()).money
    assert (money.contribution_due_cents, money.contribution_paid_cents, money.outstanding_cents) == (
        60000, 35000, 25000)
    assert (money.mentees_paid_in_full, money.mentees_owing) == (2, 2)
    assert (money.travel_cents, money.travel_claims, money.points, money.mentors_with_points) == (2350, 1, 6, 2)
    assert euros(123450) == "€ 1.234,50" and euros(5) == "€ 0,05"


def test_an_empty_cohort_reports_zeros_and_draws_nothing():
    report = build_report("c", "Cohort C", [], [])
    assert all(s.count == 0 for s in report.funnel) and report.pairs == () and report.span is None
    assert funnel_chart(report.funnel).bars[0].width == 0
    assert timeline_chart(report.pairs, report.span).rows == ()


def test_the_charts_scale_to_the_widest_step_and_the_cohort_s_months():
    report = build_report("c", "Cohort C", *cohort())
    funnel = funnel_chart(report.funnel, width=600, label_width=170)
    widths = {b.label: b.width for b in funnel.bars}
    assert widths["mentoren aangemeld"] == 600 - 170 - 80
    assert widths["plan ondertekend"] == widths["mentoren aangemeld"] / 2
    assert {b.label: b.share for b in funnel.bars}["eindevaluatie"] == "25%"  # of the mentees who applied
    timeline = timeline_chart(report.pairs, report.span, width=720, left=80)
    assert [t.label for t in timeline.ticks][:2] == ["feb 21", "mrt 21"] and len(timeline.ticks) == 10
    one, two = timeline.rows
    assert one.x_start == 80 and two.x_end == 680  # the first to sign starts it, the last to end ends it
    assert one.x_start < two.x_start < one.x_end < two.x_end
    assert all(80 <= d.x <= 680 for row in timeline.rows for d in row.dots)
