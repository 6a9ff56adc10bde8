"""What is due when: open acts, reminders and escalations, timed requests, evaluations, next moment."""

from datetime import datetime, timedelta

import pytest

from domain.clock import AMSTERDAM
from domain.occasion_keys import read
from domain.people import Role
from domain.phases import Phase
from domain.timing import ActStep, OpenAct, due_evaluation, due_notices, evaluation_due_since, next_due, open_acts
from domain.trajectory import EvaluationKind, Trajectory

MENTEE, MENTOR, OTHER_MENTOR = 11, 21, 22
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=AMSTERDAM)


APPLIED = at(2021, 1, 4, 9)
CONFIRMED = at(2021, 1, 4, 10)
PROPOSED = at(2021, 1, 5)
AGREED = at(2021, 1, 10)
SUBMITTED = at(2021, 1, 20)
SIGNED = at(2021, 2, 1)  # ends by 1 Nov 2021 10:00
ENDS = at(2021, 11, 1)


def matching() -> Trajectory:
    t = Trajectory.apply("2021-02", MENTEE, APPLIED)
    t.confirm_application(CONFIRMED)
    return t


def kennismaking() -> Trajectory:
    t = matching()
    t.choose_mentor(MENTOR, PROPOSED)
    return t


def plan_phase() -> Trajectory:
    t = kennismaking()
    t.answer_kennismaking(Role.MENTEE, True, "", AGREED - DAY)
    t.answer_kennismaking(Role.MENTOR, True, "", AGREED)
    return t


def signed() -> Trajectory:
    t = plan_phase()
    t.submit_plan(["doel"], "tekst", SUBMITTED)
    t.sign(Role.MENTEE, MENTEE, 1, SIGNED - DAY)
    t.sign(Role.MENTOR, MENTOR, 1, SIGNED)
    return t


def hold(t: Trajectory, starts_at: datetime, now: datetime, last: bool = False) -> datetime:
    """Plan a meeting at ``now``, confirm it two hours after it starts; returns that moment."""
    meeting = t.propose_meeting(starts_at, now)
    confirmed = starts_at + timedelta(hours=2)
    t.confirm_meeting(meeting.number, confirmed, last=last)
    return confirmed


def three_held() -> Trajectory:
    t = signed()
    now = SIGNED
    for day in (at(2021, 3, 1, 14), at(2021, 4, 12, 14), at(2021, 5, 24, 14)):
        now = hold(t, day, now)
    return t


def further_meetings() -> Trajectory:
    t = three_held()
    t.start_evaluation(EvaluationKind.INTERIM, at(2021, 7, 1, 14))
    t.record_evaluation(EvaluationKind.INTERIM, "phone", "goed", at(2021, 7, 2))
    return t


def keys(notices) -> set[str]:
    return {n.key for n in notices}


# --- open acts ---------------------------------------------------------------


def test_nobody_waits_in_application():
    assert open_acts(Trajectory.apply("2021-02", MENTEE, APPLIED)) == []


def test_matching_waits_for_the_facilitator():
    assert open_acts(matching()) == [OpenAct(read("k0-match"), ActStep.MATCH, Role.FACILITATOR, CONFIRMED)]


def test_a_second_matching_is_a_new_occasion():
    t = kennismaking()
    t.answer_kennismaking(Role.MENTEE, False, "past niet", at(2021, 1, 8))
    assert open_acts(t) == [OpenAct(read("k1-match"), ActStep.MATCH, Role.FACILITATOR, at(2021, 1, 8))]


def test_kennismaking_waits_for_whoever_has_not_answered():
    t = kennismaking()
    assert open_acts(t) == [
        OpenAct(read("k1-kennismaking"), ActStep.KENNISMAKING, Role.MENTEE, PROPOSED),
        OpenAct(read("k1-kennismaking"), ActStep.KENNISMAKING, Role.MENTOR, PROPOSED),
    ]
    t.answer_kennismaking(Role.MENTEE, True, "", at(2021, 1, 7))
    assert open_acts(t) == [OpenAct(read("k1-kennismaking"), ActStep.KENNISMAKING, Role.MENTOR, PROPOSED)]


def test_plan_waits_for_the_mentee_then_for_the_signatures():
    t = plan_phase()
    assert open_acts(t) == [OpenAct(read("k1-plan"), ActStep.PLAN, Role.MENTEE, AGREED)]
    t.submit_plan(["doel"], "tekst", SUBMITTED)
    assert open_acts(t) == [
        OpenAct(read("k1-sign-v1"), ActStep.SIGN, Role.MENTEE, SUBMITTED),
        OpenAct(read("k1-sign-v1"), ActStep.SIGN, Role.MENTOR, SUBMITTED),
    ]
    t.sign(Role.MENTEE, MENTEE, 1, SUBMITTED + DAY)
    assert open_acts(t) == [OpenAct(read("k1-sign-v1"), ActStep.SIGN, Role.MENTOR, SUBMITTED)]
    v2_at = SUBMITTED + 2 * DAY
    t.submit_plan(["doel", "ander doel"], "tekst", v2_at)
    assert open_acts(t) == [
        OpenAct(read("k1-sign-v2"), ActStep.SIGN, Role.MENTEE, v2_at),
        OpenAct(read("k1-sign-v2"), ActStep.SIGN, Role.MENTOR, v2_at),
    ]


def test_meetings_wait_for_a_proposal_then_a_confirmation():
    t = signed()
    assert open_acts(t) == [OpenAct(read("k1-propose-after-m0"), ActStep.PROPOSE, Role.MENTEE, SIGNED)]
    m1 = t.propose_meeting(at(2021, 3, 1, 14), SIGNED)
    assert open_acts(t) == [OpenAct(read("k1-m1-confirm"), ActStep.CONFIRM, Role.MENTEE, m1.ends_at, 1)]
    assert m1.ends_at == at(2021, 3, 1, 15, 30)
    t.confirm_meeting(1, at(2021, 3, 2, 8))
    assert open_acts(t) == [OpenAct(read("k1-propose-after-m1"), ActStep.PROPOSE, Role.MENTEE, at(2021, 3, 2, 8))]


def test_no_proposal_is_awaited_once_the_pair_is_finished():
    t = signed()
    hold(t, at(2021, 3, 1, 14), SIGNED, last=True)
    assert open_acts(t) == []


def test_no_proposal_is_awaited_when_no_further_meeting_fits():
    t = signed()
    now = SIGNED
    for day in (at(2021, 8, 1), at(2021, 9, 25)):  # 25 Sep + 42 days = 6 Nov, after 1 Nov
        now = hold(t, day, now)
    assert open_acts(t) == []


def test_an_evaluation_waits_for_the_facilitator_beside_the_meetings():
    t = three_held()
    t.start_evaluation(EvaluationKind.INTERIM, at(2021, 7, 1, 14))
    acts = open_acts(t)
    assert acts[0] == OpenAct(read("k1-interim-evaluation"), ActStep.EVALUATION, Role.FACILITATOR, at(2021, 7, 1, 14))
    assert [a.step for a in acts[1:]] == [ActStep.PROPOSE]


def test_nobody_waits_on_an_ended_trajectory():
    t = signed()
    t.withdraw(Role.MENTEE, "te druk", at(2021, 2, 2))
    assert open_acts(t) == []
    assert due_notices(t, at(2021, 6, 1)) == []
    assert next_due(t, at(2021, 2, 2)) is None


# --- reminders and escalations ------------------------------------------------


def test_reminders_at_7_and_14_days_and_an_escalation_at_21():
    t = kennismaking()
    assert due_notices(t, PROPOSED + 7 * DAY - SECOND) == []
    week = due_notices(t, PROPOSED + 7 * DAY)
    assert keys(week) == {"k1-kennismaking:reminder-1:mentee", "k1-kennismaking:reminder-1:mentor"}
    assert {(n.template, n.to) for n in week} == {("reminder", Role.MENTEE), ("reminder", Role.MENTOR)}
    assert keys(due_notices(t, PROPOSED + 21 * DAY - SECOND)) == {
        "k1-kennismaking:reminder-1:mentee", "k1-kennismaking:reminder-2:mentee",
        "k1-kennismaking:reminder-1:mentor", "k1-kennismaking:reminder-2:mentor",
    }
    notices = due_notices(t, PROPOSED + 21 * DAY)
    assert len(notices) == len(keys(notices)) == 6
    escalations = [n for n in notices if n.template == "escalation"]
    assert {(n.key, n.to, n.about) for n in escalations} == {
        ("k1-kennismaking:escalation:mentee", Role.FACILITATOR, Role.MENTEE),
        ("k1-kennismaking:escalation:mentor", Role.FACILITATOR, Role.MENTOR),
    }


def test_an_answer_stops_that_persons_reminders():
    t = kennismaking()
    t.answer_kennismaking(Role.MENTOR, True, "", PROPOSED + DAY)
    assert keys(due_notices(t, PROPOSED + 7 * DAY)) == {"k1-kennismaking:reminder-1:mentee"}


def test_the_facilitator_is_reminded_but_never_escalated_about():
    t = matching()
    notices = due_notices(t, CONFIRMED + 30 * DAY)
    assert keys(notices) == {"k0-match:reminder-1:facilitator", "k0-match:reminder-2:facilitator"}
    assert all(n.to is Role.FACILITATOR for n in notices)


def test_a_new_plan_version_gives_new_sign_keys():
    t = plan_phase()
    t.submit_plan(["doel"], "tekst", SUBMITTED)
    v1 = keys(due_notices(t, SUBMITTED + 8 * DAY))
    assert v1 == {"k1-sign-v1:reminder-1:mentee", "k1-sign-v1:reminder-1:mentor"}
    t.submit_plan(["doel", "ander"], "tekst", SUBMITTED + 9 * DAY)
    # The reminders of v2 count from its submission: none due yet.
    assert due_notices(t, SUBMITTED + 10 * DAY) == []
    v2 = keys(due_notices(t, SUBMITTED + 16 * DAY))
    assert v2 == {"k1-sign-v2:reminder-1:mentee", "k1-sign-v2:reminder-1:mentor"}
    assert not v1 & v2


# --- timed requests around a meeting -------------------------------------------


def test_topics_are_requested_from_five_days_before_until_the_meeting_starts():
    t = signed()
    start = at(2021, 3, 1, 14)
    t.propose_meeting(start, SIGNED)
    assert due_notices(t, start - 5 * DAY - SECOND) == []
    for now in (start - 5 * DAY, start - DAY, start - SECOND):
        notices = due_notices(t, now)
        assert [(n.key, n.template, n.to, n.meeting) for n in notices] == [
            ("k1-m1:topics:mentee", "topics_request", Role.MENTEE, 1)
        ]
    assert due_notices(t, start) == []


def test_confirmation_is_requested_once_the_meeting_has_ended():
    t = signed()
    start = at(2021, 3, 1, 14)
    meeting = t.propose_meeting(start, SIGNED)
    assert due_notices(t, meeting.ends_at - SECOND) == []
    notices = due_notices(t, meeting.ends_at)
    assert [(n.key, n.template, n.to, n.meeting) for n in notices] == [
        ("k1-m1-confirm:request:mentee", "meeting_confirm_request", Role.MENTEE, 1)
    ]
    later = keys(due_notices(t, meeting.ends_at + 21 * DAY))
    assert later == {
        "k1-m1-confirm:request:mentee", "k1-m1-confirm:reminder-1:mentee",
        "k1-m1-confirm:reminder-2:mentee", "k1-m1-confirm:escalation:mentee",
    }
    t.confirm_meeting(1, meeting.ends_at + DAY)
    assert not any("confirm" in k for k in keys(due_notices(t, meeting.ends_at + 2 * DAY)))


def test_a_rescheduled_meeting_moves_its_topics_window():
    t = signed()
    t.propose_meeting(at(2021, 3, 1, 14), SIGNED)
    t.reschedule_meeting(1, at(2021, 3, 15, 14), SIGNED + DAY)
    assert due_notices(t, at(2021, 2, 28)) == []
    assert keys(due_notices(t, at(2021, 3, 11))) == {"k1-m1:topics:mentee"}


# --- evaluations -------------------------------------------------------------


def test_no_evaluation_before_the_signing():
    assert due_evaluation(plan_phase(), at(2022, 1, 1)) is None


def test_interim_is_due_four_months_after_the_first_held_meeting_not_after_a_count():
    t = three_held()
    assert due_evaluation(t, at(2021, 6, 30)) is None  # three held, but not yet four months
    assert due_evaluation(t, at(2021, 7, 1, 14) - SECOND) is None
    assert due_evaluation(t, at(2021, 7, 1, 14)) is EvaluationKind.INTERIM


def test_interim_counts_from_the_held_meeting_not_a_cancelled_one():
    t = signed()
    t.propose_meeting(at(2021, 3, 1, 14), SIGNED)
    t.cancel_meeting(1, SIGNED + DAY)
    hold(t, at(2021, 3, 20, 14), SIGNED + DAY)
    assert due_evaluation(t, at(2021, 7, 2)) is None
    assert due_evaluation(t, at(2021, 7, 20, 14)) is EvaluationKind.INTERIM


def test_no_interim_without_a_held_meeting_until_the_end():
    t = signed()
    t.propose_meeting(at(2021, 3, 1, 14), SIGNED)
    assert due_evaluation(t, at(2021, 8, 1)) is None
    assert due_evaluation(t, ENDS) is EvaluationKind.INTERIM


def test_final_is_due_at_the_end_date():
    t = further_meetings()
    t.propose_meeting(at(2021, 7, 5, 14), at(2021, 7, 3))
    assert due_evaluation(t, at(2021, 7, 4)) is None
    assert due_evaluation(t, ENDS - SECOND) is None
    assert due_evaluation(t, ENDS) is EvaluationKind.FINAL


def test_an_evaluation_is_dated_from_when_the_rules_made_it_due():
    t = three_held()
    assert evaluation_due_since(t, EvaluationKind.INTERIM) == at(2021, 7, 1, 14)  # four months after meeting 1
    f = further_meetings()
    f.propose_meeting(at(2021, 7, 5, 14), at(2021, 7, 3))
    assert evaluation_due_since(f, EvaluationKind.FINAL) == ENDS  # the end date, a meeting before it
    assert evaluation_due_since(further_meetings(), EvaluationKind.FINAL) == ENDS  # more meetings fit: the end
    done = further_meetings()
    confirmed = hold(done, at(2021, 7, 10, 14), at(2021, 7, 3), last=True)  # the mentee says: the last one
    assert due_evaluation(done, confirmed) is EvaluationKind.FINAL
    assert evaluation_due_since(done, EvaluationKind.FINAL) == confirmed  # from that confirmation, not the end
    assert evaluation_due_since(plan_phase(), EvaluationKind.INTERIM) is None


def test_final_is_not_due_while_another_meeting_fits():
    t = further_meetings()
    assert due_evaluation(t, at(2021, 7, 3)) is None


def test_final_is_due_when_the_pair_is_finished():
    t = further_meetings()
    hold(t, at(2021, 7, 5, 14), at(2021, 7, 3), last=True)
    assert due_evaluation(t, at(2021, 7, 6)) is EvaluationKind.FINAL


def test_final_is_due_when_no_further_meeting_fits():
    t = further_meetings()
    now = at(2021, 7, 3)
    for day in (at(2021, 7, 5, 14), at(2021, 8, 16, 14)):
        now = hold(t, day, now)
    assert due_evaluation(t, now) is None  # 16 Aug + 42 days = 27 Sep still fits
    now = hold(t, at(2021, 9, 27, 14), now)  # + 42 days = 8 Nov, after 1 Nov
    assert due_evaluation(t, now) is EvaluationKind.FINAL


def test_no_evaluation_is_due_once_the_final_has_started():
    t = further_meetings()
    t.start_evaluation(EvaluationKind.FINAL, ENDS)
    assert t.phase is Phase.FINAL_EVALUATION
    assert due_evaluation(t, ENDS + DAY) is None


# --- the next moment ----------------------------------------------------------


def test_next_due_walks_the_reminders_of_the_facilitator():
    t = matching()
    assert next_due(t, CONFIRMED) == CONFIRMED + 7 * DAY
    assert next_due(t, CONFIRMED + 7 * DAY) == CONFIRMED + 14 * DAY
    assert next_due(t, CONFIRMED + 14 * DAY) is None  # no escalation about the facilitator


def test_next_due_includes_the_escalation_of_a_participant():
    t = kennismaking()
    assert next_due(t, PROPOSED + 14 * DAY) == PROPOSED + 21 * DAY
    assert next_due(t, PROPOSED + 21 * DAY) is None


def test_next_due_around_a_planned_meeting():
    t = signed()
    start = at(2021, 3, 1, 14)
    meeting = t.propose_meeting(start, SIGNED)
    assert next_due(t, SIGNED) == start - 5 * DAY  # the topics request
    assert next_due(t, start - 5 * DAY) == meeting.ends_at  # the confirmation request
    assert next_due(t, meeting.ends_at) == meeting.ends_at + 7 * DAY


def test_next_due_after_a_held_meeting_reaches_the_interim():
    t = signed()
    confirmed = hold(t, at(2021, 3, 1, 14), SIGNED)
    assert next_due(t, confirmed) == confirmed + 7 * DAY
    assert next_due(t, confirmed + 21 * DAY) == at(2021, 7, 1, 14)
    assert next_due(t, at(2021, 7, 1, 14)) == ENDS


def test_next_due_in_further_meetings_reaches_the_end():
    t = further_meetings()
    t.propose_meeting(at(2021, 10, 25, 14), at(2021, 7, 3))
    meeting = t.match.planned_meeting()
    assert next_due(t, meeting.ends_at) == ENDS  # before the first reminder (ends_at + 7 days)
    assert next_due(t, ENDS) == meeting.ends_at + 7 * DAY
    assert next_due(t, meeting.ends_at + 21 * DAY) is None


@pytest.mark.parametrize("phase_builder", [matching, kennismaking, plan_phase, signed, three_held])
def test_next_due_is_strictly_in_the_future_and_the_earliest(phase_builder):
    t = phase_builder()
    now = t.history[-1].at
    moment = next_due(t, now)
    assert moment is not None and moment > now
    # Nothing new is due in between, and something is due at that moment.
    assert keys(due_notices(t, moment - SECOND)) == keys(due_notices(t, now))
    assert keys(due_notices(t, moment)) != keys(due_notices(t, now))


def test_final_waits_for_a_meeting_on_the_end_date_itself():
    # Signed at 10:00, so the end is 1 Nov 10:00; a meeting at 14:00 that day is allowed.
    t = further_meetings()
    meeting = t.propose_meeting(at(2021, 11, 1, 14), at(2021, 10, 1))
    assert due_evaluation(t, at(2021, 11, 1, 10, 30)) is None
    assert due_evaluation(t, meeting.ends_at) is EvaluationKind.FINAL
