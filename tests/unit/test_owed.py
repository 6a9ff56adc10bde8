"""What a trajectory's state owes in mail (``domain.owed``): pure, so an act can record it with itself."""

from datetime import timedelta

from domain.owed import WITH_TEXT, owed_now, settled
from domain.people import Role
from domain.phases import Phase
from tests.unit.test_trajectory import (
    MENTEE,
    MENTOR,
    at,
    clock,  # noqa: F401  (the fixture)
    in_plan,
    step,
)


def keyed(t):
    return {o.key: o for o in owed_now(t)}


def test_the_plan_phase_owes_its_requests_and_no_text_is_ever_owed(clock):  # noqa: F811
    t = in_plan(clock)
    t.id = 7
    assert set(keyed(t)) == {"t7:k1-plan-request:mentee"}
    t.submit_plan(["grenzen stellen"], "Plan.", step(clock, days=1), review=True)
    assert set(keyed(t)) == {"t7:k1-plan-request:mentee", "t7:k1-plan-v1-review:facilitator"}
    t.comment_plan("Maak het meetbaar.", step(clock, days=1))
    owed = keyed(t)
    assert {"t7:k1-sign-v1-request:mentee", "t7:k1-sign-v1-request:mentor"} <= set(owed)
    assert not any(o.template in WITH_TEXT for o in owed.values())  # her comment stays the run's to send


def test_what_was_done_or_replaced_meanwhile_is_no_longer_wanted_news_and_invitations_are(clock):  # noqa: F811
    t = in_plan(clock)
    t.id = 7
    t.submit_plan(["grenzen stellen"], "Plan.", step(clock, days=1))
    requests = keyed(t)
    t.sign(Role.MENTEE, MENTEE, 1, step(clock, days=1))
    t.sign(Role.MENTOR, MENTOR, 1, step(clock, days=1))
    assert t.phase is Phase.MEETINGS
    assert settled(requests["t7:k1-plan-request:mentee"], t)  # she wrote it
    assert settled(requests["t7:k1-sign-v1-request:mentor"], t)  # both signed
    news = keyed(t)
    assert not settled(news["t7:k1-signed:mentee"], t)
    meeting = t.propose_meeting(at(2021, 3, 16, 14), clock.now())
    first = keyed(t)["t7:k1-m1-invite-s0:mentor"]
    t.reschedule_meeting(meeting.number, at(2021, 3, 17, 14), step(clock, hours=1), Role.MENTOR)
    assert settled(first, t)  # moved before its invitation went: the new one goes instead
    second = keyed(t)["t7:k1-m1-invite-s1:mentor"]
    clock.set(at(2021, 3, 17, 16))
    t.confirm_meeting(meeting.number, clock.now() + timedelta(minutes=1))
    assert not settled(second, t)  # held meanwhile: the pair's calendar still gets its record
