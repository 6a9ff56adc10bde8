"""The trajectory aggregate: from application to final evaluation, and the ways out."""

from datetime import date, datetime, timedelta

import pytest

from domain.clock import AMSTERDAM, FakeClock, local_date
from domain.errors import DomainError
from domain.people import Role
from domain.phases import Phase
from domain.trajectory import EvaluationKind, MatchOutcome, MeetingStatus, Trajectory

MENTEE, MENTOR, OTHER_MENTOR = 11, 21, 22


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=AMSTERDAM)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at(2021, 1, 4, 9))


def step(clock: FakeClock, **delta: float) -> datetime:
    return clock.advance(**delta)


def in_kennismaking(clock: FakeClock) -> Trajectory:
    t = Trajectory.apply("2021-02", MENTEE, clock.now())
    t.confirm_application(step(clock, hours=1))
    t.choose_mentor(MENTOR, step(clock, days=1))
    return t


def in_plan(clock: FakeClock) -> Trajectory:
    t = in_kennismaking(clock)
    t.answer_kennismaking(Role.MENTEE, True, "", step(clock, days=3))
    t.answer_kennismaking(Role.MENTOR, True, "", step(clock, days=1))
    return t


def signed(clock: FakeClock) -> Trajectory:
    t = in_plan(clock)
    plan = t.submit_plan(["leren delegeren", "grenzen stellen"], "Mijn plan op één A4.", step(clock, days=2))
    t.sign(Role.MENTEE, MENTEE, plan.version, step(clock, days=1))
    assert t.sign(Role.MENTOR, MENTOR, plan.version, step(clock, days=1))
    return t


def hold(t: Trajectory, clock: FakeClock, starts_at: datetime, last: bool = False) -> None:
    meeting = t.propose_meeting(starts_at, clock.now())
    clock.set(starts_at + timedelta(hours=2))
    t.confirm_meeting(meeting.number, clock.now(), last=last)


# --- application, matching, kennismaking ------------------------------------


def test_apply_confirm_choose(clock):
    t = Trajectory.apply("2021-02", MENTEE, clock.now())
    assert t.phase is Phase.APPLICATION
    assert t.applied_at == clock.now()
    with pytest.raises(DomainError) as exc:
        t.choose_mentor(MENTOR, clock.now())
    assert exc.value.field == "mentor_id"
    t.confirm_application(step(clock, hours=1))
    assert t.phase is Phase.MATCHING
    t.confirm_application(step(clock, hours=1))  # repeated: nothing changes
    assert t.phase is Phase.MATCHING
    assert sum(e.kind.enters_phase for e in t.history) == 1
    match = t.choose_mentor(MENTOR, step(clock, days=1))
    assert t.phase is Phase.KENNISMAKING
    assert match.number == 1 and match.outcome is MatchOutcome.PENDING
    assert t.mentor_id == MENTOR


def test_both_say_yes_to_the_plan(clock):
    t = in_kennismaking(clock)
    t.answer_kennismaking(Role.MENTEE, True, "", step(clock, days=1))
    assert t.phase is Phase.KENNISMAKING
    t.answer_kennismaking(Role.MENTOR, True, "", step(clock, days=1))
    assert t.phase is Phase.PLAN
    assert t.match.outcome is MatchOutcome.AGREED


def test_a_no_needs_a_reason(clock):
    t = in_kennismaking(clock)
    with pytest.raises(DomainError) as exc:
        t.answer_kennismaking(Role.MENTOR, False, "  ", clock.now())
    assert exc.value.field == "reason"
    assert t.phase is Phase.KENNISMAKING


def test_only_participants_answer_the_kennismaking(clock):
    t = in_kennismaking(clock)
    with pytest.raises(DomainError) as exc:
        t.answer_kennismaking(Role.FACILITATOR, True, "", clock.now())
    assert exc.value.field == "role"


def test_the_first_answer_stands(clock):
    t = in_kennismaking(clock)
    t.answer_kennismaking(Role.MENTEE, True, "", step(clock, days=1))
    t.answer_kennismaking(Role.MENTEE, False, "toch niet", step(clock, days=1))
    assert t.match.answers[Role.MENTEE].agree is True
    assert t.phase is Phase.KENNISMAKING


def test_one_no_sends_back_to_matching_and_excludes_that_mentor(clock):
    t = in_kennismaking(clock)
    t.answer_kennismaking(Role.MENTEE, True, "", step(clock, days=1))
    t.answer_kennismaking(Role.MENTOR, False, " andere leerdoelen ", step(clock, days=1))
    assert t.phase is Phase.MATCHING
    assert t.match is None
    assert t.matches[0].outcome is MatchOutcome.DECLINED
    assert t.matches[0].ended_reason == "mentor: andere leerdoelen"
    assert t.excluded_mentor_ids == [MENTOR]
    with pytest.raises(DomainError) as exc:
        t.choose_mentor(MENTOR, step(clock, days=1))
    assert exc.value.field == "mentor_id"
    assert t.phase is Phase.MATCHING
    match = t.choose_mentor(OTHER_MENTOR, clock.now())
    assert match.number == 2
    assert t.mentor_id == OTHER_MENTOR
    assert t.phase is Phase.KENNISMAKING


# --- plan and signatures -----------------------------------------------------


def test_plan_needs_a_goal_and_fits_on_one_page(clock):
    t = in_plan(clock)
    with pytest.raises(DomainError) as exc:
        t.submit_plan([" ", ""], "tekst", clock.now())
    assert exc.value.field == "goals"
    with pytest.raises(DomainError) as exc:
        t.submit_plan(["doel"], "x" * 4001, clock.now())
    assert exc.value.field == "text"
    assert t.match.plan is None


def test_plan_before_the_kennismaking_is_refused(clock):
    t = in_kennismaking(clock)
    with pytest.raises(DomainError) as exc:
        t.submit_plan(["doel"], "tekst", clock.now())
    assert exc.value.field == "plan"


def test_submitting_the_same_plan_again_keeps_its_version(clock):
    t = in_plan(clock)
    first = t.submit_plan(["doel"], "tekst", step(clock, days=1))
    again = t.submit_plan([" doel "], " tekst ", step(clock, days=1))
    assert again.version == first.version == 1
    assert again.submitted_at == first.submitted_at


def test_both_sign_and_the_meetings_begin_with_a_nine_month_end(clock):
    t = in_plan(clock)
    plan = t.submit_plan(["doel"], "tekst", step(clock, days=1))
    assert plan.version == 1
    assert t.sign(Role.MENTEE, MENTEE, 1, step(clock, days=1)) is False
    assert t.phase is Phase.PLAN
    signed_at = at(2021, 5, 31, 15)
    clock.set(signed_at)
    assert t.sign(Role.MENTOR, MENTOR, 1, signed_at) is True
    assert t.phase is Phase.MEETINGS
    assert t.match.signed_at == signed_at
    assert t.match.ends_by == at(2022, 2, 28, 15)
    assert set(t.match.current_signatures()) == {Role.MENTEE, Role.MENTOR}


def test_a_plan_change_after_one_signature_voids_it(clock):
    t = in_plan(clock)
    t.submit_plan(["doel"], "tekst", step(clock, days=1))
    t.sign(Role.MENTEE, MENTEE, 1, step(clock, days=1))
    assert set(t.match.current_signatures()) == {Role.MENTEE}
    v2 = t.submit_plan(["doel", "nog een doel"], "tekst", step(clock, days=1))
    assert v2.version == 2
    assert t.match.current_signatures() == {}
    assert len(t.match.signatures) == 1  # kept as history, not as a signature of v2
    with pytest.raises(DomainError) as exc:
        t.sign(Role.MENTOR, MENTOR, 1, step(clock, days=1))
    assert exc.value.field == "plan_version"
    assert "versie 2" in exc.value.reason
    assert t.phase is Phase.PLAN
    # The mentor signing v2 alone does not start the relationship: the mentee must sign again.
    assert t.sign(Role.MENTOR, MENTOR, 2, clock.now()) is False
    assert t.phase is Phase.PLAN
    assert t.sign(Role.MENTEE, MENTEE, 2, step(clock, hours=1)) is True
    assert t.phase is Phase.MEETINGS


@pytest.mark.parametrize(
    ("role", "person"),
    [(Role.MENTEE, MENTOR), (Role.MENTOR, MENTEE), (Role.MENTOR, 99), (Role.FACILITATOR, MENTOR)],
)
def test_a_signature_by_the_wrong_person_is_refused(clock, role, person):
    t = in_plan(clock)
    t.submit_plan(["doel"], "tekst", step(clock, days=1))
    with pytest.raises(DomainError) as exc:
        t.sign(role, person, 1, step(clock, days=1))
    assert exc.value.field == "signature"
    assert t.match.signatures == []


def test_signing_before_a_plan_is_refused(clock):
    t = in_plan(clock)
    with pytest.raises(DomainError) as exc:
        t.sign(Role.MENTEE, MENTEE, 1, clock.now())
    assert exc.value.field == "signature"


def test_signing_twice_is_idempotent(clock):
    t = in_plan(clock)
    t.submit_plan(["doel"], "tekst", step(clock, days=1))
    first = step(clock, days=1)
    assert t.sign(Role.MENTEE, MENTEE, 1, first) is False
    assert t.sign(Role.MENTEE, MENTEE, 1, step(clock, days=1)) is False
    assert len(t.match.signatures) == 1
    assert t.match.current_signatures()[Role.MENTEE].signed_at == first


# --- meetings and evaluations ------------------------------------------------


def test_confirm_before_the_meeting_starts_is_refused(clock):
    t = signed(clock)
    start = at(2021, 3, 1, 14)
    t.propose_meeting(start, clock.now())
    with pytest.raises(DomainError) as exc:
        t.confirm_meeting(1, start - timedelta(minutes=1))
    assert exc.value.field == "meeting"
    assert t.match.meeting(1).status is MeetingStatus.PLANNED
    held = t.confirm_meeting(1, start + timedelta(hours=2))
    assert held.status is MeetingStatus.HELD
    assert held.confirmed_at == start + timedelta(hours=2)
    assert t.confirm_meeting(1, start + timedelta(hours=3)).confirmed_at == start + timedelta(hours=2)


def test_a_cancelled_meeting_cannot_be_confirmed(clock):
    t = signed(clock)
    t.propose_meeting(at(2021, 3, 1, 14), clock.now())
    t.cancel_meeting(1, clock.now())
    with pytest.raises(DomainError):
        t.confirm_meeting(1, at(2021, 3, 1, 16))


def test_interim_then_final_evaluation(clock):
    t = signed(clock)
    hold(t, clock, at(2021, 3, 1, 14))
    hold(t, clock, at(2021, 4, 12, 14))
    hold(t, clock, at(2021, 5, 24, 14))
    clock.set(at(2021, 7, 1, 14))
    with pytest.raises(DomainError) as exc:
        t.record_evaluation(EvaluationKind.INTERIM, "phone", "loopt goed", clock.now())
    assert exc.value.field == "evaluation"
    t.start_evaluation(EvaluationKind.INTERIM, clock.now())
    assert t.phase is Phase.INTERIM_EVALUATION
    t.start_evaluation(EvaluationKind.INTERIM, step(clock, days=1))  # repeated: nothing changes
    assert t.phase_since() == at(2021, 7, 1, 14)
    # Meetings go on during the interim evaluation.
    t.propose_meeting(at(2021, 7, 12, 14), clock.now())
    with pytest.raises(DomainError) as exc:
        t.record_evaluation(EvaluationKind.INTERIM, "fax", "loopt goed", clock.now())
    assert exc.value.field == "contact"
    with pytest.raises(DomainError) as exc:
        t.record_evaluation(EvaluationKind.INTERIM, "phone", " ", clock.now())
    assert exc.value.field == "outcome"
    t.record_evaluation(EvaluationKind.INTERIM, "phone", "loopt goed", step(clock, days=1))
    assert t.phase is Phase.FURTHER_MEETINGS
    assert t.match.evaluations[EvaluationKind.INTERIM].contact == "phone"
    assert t.match.meeting(4).status is MeetingStatus.PLANNED

    t.start_evaluation(EvaluationKind.FINAL, step(clock, days=1))
    assert t.phase is Phase.FINAL_EVALUATION
    t.add_evaluation_form(EvaluationKind.FINAL, Role.MENTEE, "nuttig", clock.now())
    assert t.match.evaluations[EvaluationKind.FINAL].forms == {Role.MENTEE: "nuttig"}
    t.record_evaluation(EvaluationKind.FINAL, "mail", "afgerond", step(clock, days=1))
    assert t.phase is Phase.CLOSED
    assert t.match.meeting(4).status is MeetingStatus.CANCELLED
    assert [m.status for m in t.match.meetings[:3]] == [MeetingStatus.HELD] * 3


def test_mentor_withdraws_back_to_matching(clock):
    t = signed(clock)
    hold(t, clock, at(2021, 3, 1, 14))
    t.propose_meeting(at(2021, 4, 12, 14), clock.now())
    with pytest.raises(DomainError) as exc:
        t.withdraw(Role.MENTOR, " ", clock.now())
    assert exc.value.field == "reason"
    t.withdraw(Role.MENTOR, "ziek", step(clock, days=1))
    assert t.phase is Phase.MATCHING
    assert t.match is None
    assert t.matches[0].outcome is MatchOutcome.ENDED
    assert t.matches[0].meeting(2).status is MeetingStatus.CANCELLED
    assert t.matches[0].meeting(1).status is MeetingStatus.HELD
    assert t.excluded_mentor_ids == [MENTOR]
    assert t.withdrawal is None
    with pytest.raises(DomainError):
        t.choose_mentor(MENTOR, clock.now())
    assert t.choose_mentor(OTHER_MENTOR, clock.now()).number == 2


def test_mentor_withdraw_without_a_mentor_is_refused(clock):
    t = Trajectory.apply("2021-02", MENTEE, clock.now())
    t.confirm_application(clock.now())
    with pytest.raises(DomainError) as exc:
        t.withdraw(Role.MENTOR, "weg", clock.now())
    assert exc.value.field == "withdraw"
    assert t.phase is Phase.MATCHING


def test_mentee_withdraws(clock):
    t = signed(clock)
    t.propose_meeting(at(2021, 3, 1, 14), clock.now())
    t.withdraw(Role.MENTEE, "te druk", step(clock, days=1))
    assert t.phase is Phase.WITHDRAWN
    assert t.withdrawal.by is Role.MENTEE
    assert t.withdrawal.reason == "te druk"
    assert t.withdrawal.at == clock.now()
    assert t.match.meeting(1).status is MeetingStatus.CANCELLED


@pytest.mark.parametrize("ending", ["withdrawn", "closed"])
def test_withdraw_on_an_ended_trajectory_is_refused(clock, ending):
    t = signed(clock)
    if ending == "withdrawn":
        t.withdraw(Role.MENTEE, "te druk", clock.now())
    else:
        t.start_evaluation(EvaluationKind.INTERIM, clock.now())
        t.record_evaluation(EvaluationKind.INTERIM, "phone", "ok", clock.now())
        t.start_evaluation(EvaluationKind.FINAL, clock.now())
        t.record_evaluation(EvaluationKind.FINAL, "phone", "ok", clock.now())
    phase = t.phase
    for role in (Role.MENTEE, Role.MENTOR):
        with pytest.raises(DomainError) as exc:
            t.withdraw(role, "alsnog", step(clock, days=1))
        assert exc.value.field == "withdraw"
    assert t.phase is phase


# --- history and storage -----------------------------------------------------


def test_history_records_each_phase_change_with_its_time(clock):
    times = []
    t = Trajectory.apply("2021-02", MENTEE, clock.now())
    times.append(step(clock, hours=1))
    t.confirm_application(times[-1])
    times.append(step(clock, days=1))
    t.choose_mentor(MENTOR, times[-1])
    t.answer_kennismaking(Role.MENTEE, True, "", step(clock, days=1))
    times.append(step(clock, days=1))
    t.answer_kennismaking(Role.MENTOR, True, "", times[-1])
    t.submit_plan(["doel"], "tekst", step(clock, days=1))
    t.sign(Role.MENTEE, MENTEE, 1, step(clock, days=1))
    times.append(step(clock, days=1))
    t.sign(Role.MENTOR, MENTOR, 1, times[-1])
    changes = [e for e in t.history if e.kind.enters_phase]
    assert [e.phase for e in changes] == [Phase.MATCHING, Phase.KENNISMAKING, Phase.PLAN, Phase.MEETINGS]
    assert [e.at for e in changes] == times
    assert t.phase_since() == times[-1]
    assert t.history[0].what == "aanmelding ontvangen" and t.history[0].by is Role.MENTEE
    # Notes in between are recorded too, in order, under the phase they happened in.
    assert [e.at for e in t.history] == sorted(e.at for e in t.history)
    assert any(e.what.startswith("intentieverklaring ondertekend") and e.phase is Phase.PLAN for e in t.history)


def test_the_aggregate_round_trips_through_json_unchanged(clock):
    t = signed(clock)
    t.id = 7
    hold(t, clock, at(2021, 3, 1, 14))
    t.propose_meeting(at(2021, 4, 12, 14), clock.now())
    t.record_topics(2, "werkdruk", clock.now())
    t.comment_plan("helder", clock.now())
    t.start_evaluation(EvaluationKind.INTERIM, at(2021, 7, 1, 14))
    t.add_evaluation_form(EvaluationKind.INTERIM, Role.MENTOR, "goed", at(2021, 7, 1, 15))
    dumped = t.model_dump(mode="json")
    back = Trajectory.model_validate(dumped)
    assert back == t
    assert back.model_dump(mode="json") == dumped
    assert back.match.ends_by == t.match.ends_by
    assert back.match.interim_due() == t.match.interim_due()
    assert back.match.current_signatures() == t.match.current_signatures()
    assert local_date(back.match.meeting(2).starts_at) == date(2021, 4, 12)
    # and it keeps behaving the same: the same refusal on spacing.
    with pytest.raises(DomainError) as exc:
        back.reschedule_meeting(2, at(2021, 4, 11, 14), at(2021, 4, 1))
    assert "12-04-2021" in exc.value.reason


def test_a_declined_trajectory_round_trips_too(clock):
    t = in_kennismaking(clock)
    t.answer_kennismaking(Role.MENTOR, False, "past niet", clock.now())
    back = Trajectory.model_validate(t.model_dump(mode="json"))
    assert back == t
    assert back.excluded_mentor_ids == [MENTOR]
    assert back.matches[0].answers[Role.MENTOR].reason == "past niet"


def test_signing_waits_for_the_facilitators_comment_only_when_the_mentee_asked_for_it(clock):
    from domain.status import describe
    from domain.timing import ActStep, open_acts

    t = in_plan(clock)
    plan = t.submit_plan(["doel"], "tekst", step(clock, days=1), review=True)
    assert plan.awaiting_review and describe(t) == "wacht op commentaar facilitator (plan v1)"
    assert [(a.step, a.role) for a in open_acts(t)] == [(ActStep.REVIEW, Role.FACILITATOR)]
    with pytest.raises(DomainError) as exc:
        t.sign(Role.MENTEE, MENTEE, 1, step(clock, hours=1))
    assert "commentaar van de procesfacilitator" in exc.value.reason
    t.comment_plan("Goed plan; maak het doel meetbaar.", step(clock, days=1))
    assert not plan.awaiting_review and {a.step for a in open_acts(t)} == {ActStep.SIGN}
    t.sign(Role.MENTEE, MENTEE, 1, step(clock, hours=1))
    # A revision without a wish for comment is signed straight away; the old signature is void.
    v2 = t.submit_plan(["doel", "meetbaar doel"], "tekst", step(clock, days=1))
    assert v2.version == 2 and not v2.awaiting_review and t.match.current_signatures() == {}
    assert t.sign(Role.MENTOR, MENTOR, 2, step(clock, hours=1)) is False


def test_the_same_plan_with_a_wish_for_comment_asks_for_it_without_a_new_version(clock):
    t = in_plan(clock)
    t.submit_plan(["doel"], "tekst", step(clock, days=1))
    again = t.submit_plan(["doel"], "tekst", step(clock, days=1), review=True)
    assert again.version == 1 and again.awaiting_review


def test_after_the_start_a_changed_plan_is_signed_again_by_both_while_the_meetings_go_on(clock):
    """Issue 10.1: 'and after, if both agree to change it: the signatures are then voided and asked again'."""
    from domain.status import describe
    from domain.timing import ActStep, open_acts

    t = signed(clock)
    started, ends_by = t.match.signed_at, t.match.ends_by
    v2 = t.submit_plan(["leren delegeren", "grenzen stellen", "een derde doel"], "Aangepast plan.",
                       step(clock, days=10), review=True)
    assert v2.version == 2 and not v2.review_wanted  # no review after the start
    assert t.phase is Phase.MEETINGS and t.match.plan_unsigned and t.match.current_signatures() == {}
    assert {(a.step, a.role) for a in open_acts(t)} >= {(ActStep.SIGN, Role.MENTEE), (ActStep.SIGN, Role.MENTOR)}
    assert describe(t).startswith("gewijzigd plan v2: wacht op handtekening mentee en mentor; ")
    t.propose_meeting(clock.now() + timedelta(days=20), clock.now())  # the meetings go on meanwhile
    assert t.sign(Role.MENTEE, MENTEE, 2, step(clock, hours=1)) is False
    assert t.sign(Role.MENTOR, MENTOR, 2, step(clock, hours=1)) is True
    assert not t.match.plan_unsigned and (t.match.signed_at, t.match.ends_by) == (started, ends_by)
    assert t.history[-1].what == "gewijzigd plan (versie 2) door beiden ondertekend"
    assert t.sign(Role.MENTOR, MENTOR, 2, step(clock, hours=1)) is True  # again: nothing new in the history
    assert t.history[-1].what == "gewijzigd plan (versie 2) door beiden ondertekend" and len(
        [h for h in t.history if h.what.startswith("gewijzigd plan")]) == 1
