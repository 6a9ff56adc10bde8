"""Every wait of the three hao kinds is an open act with reminders, and escalates to whoever can act."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.hao.acts import HaoActStep, due_notices, open_acts
from domain.hao.people import HaoRole
from domain.hao.trajectory import Claim, Consultation, Goal, Guidance, Progress
from domain.reminders import policy_for

NOW = datetime(2021, 9, 6, 8, 0, tzinfo=UTC)  # a Monday, 10:00 in Amsterdam
H, D = timedelta(hours=1), timedelta(days=1)
T, M, CHAIR, STAFF = HaoRole.TRAINER, HaoRole.MENTOR, HaoRole.CHAIR, HaoRole.STAFF
POLICY = policy_for("hao")


def due(t, at) -> set[tuple[str, HaoRole]]:
    return {(n.occasion, n.to) for n in due_notices(t, at, POLICY)}


def consultation() -> Consultation:
    c = Consultation.request(1, 2, "phone", "", "c-000001", NOW)
    c.id = 7
    return c


def test_an_unanswered_consultation_reminds_the_mentor_and_then_tells_only_the_trainer() -> None:
    c = consultation()
    assert [(a.ref.key, a.role, a.link) for a in open_acts(c)] == [("answer", M, "hao_answer")]
    assert due(c, NOW + 4 * D) == set()
    assert due(c, NOW + 7 * D) == {("answer:reminder-1", M)}  # day 5 was a Saturday: Monday morning
    assert due(c, NOW + 10 * D) == {("answer:reminder-2", M)}  # the latest only, never two at once
    assert due(c, NOW + 14 * D) == {("answer:reminder-2", M), ("answer:escalation", T)}  # never the institute
    assert due(c, NOW + 14 * D + 12 * H) == set()  # 22:00: never at night


def test_an_accepted_consultation_waits_for_the_mentor_to_plan_and_to_record_the_conversation() -> None:
    c = consultation()
    c.accept(NOW + 2 * D)
    assert [(a.ref.key, a.role) for a in open_acts(c)] == [("c1-plan", M)]
    assert due(c, NOW + 16 * D) == {("c1-plan:reminder-2", M), ("c1-plan:escalation", T)}
    c.plan_conversation(NOW + 20 * D, "phone", NOW + 17 * D)
    assert due(c, NOW + 21 * D) == set()  # before it ends nothing is asked
    [held] = open_acts(c)
    assert (held.ref.key, held.since, held.link_extra) == ("c1-held", c.conversations[0].ends_at, {"conversation": 1})
    c.record_held(1, Claim(), NOW + 21 * D)
    assert open_acts(c) == []  # a next conversation is the participants' choice, not asked for


def guidance() -> Guidance:
    g = Guidance.request(1, 2, "institute", "short_term", [Goal(area=2, text="Feedback")], "g-000001", NOW)
    g.id = 8
    return g


def test_guidance_reminds_whoever_has_to_act_and_escalates_to_the_contact_persons() -> None:
    g = guidance()
    assert due(g, NOW + 14 * D) == {("goals:reminder-2", T), ("goals:escalation", STAFF)}
    g.sign_goals(NOW + 14 * D)
    assert [(a.ref.key, a.role, a.since) for a in open_acts(g)] == [("c1-plan", M, NOW + 14 * D)]
    g.plan_conversation(NOW + 15 * D, "visit", NOW + 14 * D)
    g.record_held(1, Claim(), NOW + 16 * D)
    assert [(a.ref.key, a.since) for a in open_acts(g)] == [("c2-plan", NOW + 16 * D)]  # a next, or say it is done
    g.end_conversations(NOW + 17 * D)
    assert [(a.ref.key, a.role) for a in open_acts(g)] == [("report", M)]
    assert due(g, NOW + 31 * D) == {("report:reminder-2", M), ("report:escalation", STAFF)}
    g.write_report("Doel bereikt.", NOW + 31 * D)
    assert [(a.ref.key, a.role, a.link) for a in open_acts(g)] == [("discussed", T, "hao_discussed")]
    g.sign_discussed("", NOW + 32 * D)
    assert open_acts(g) == [] and due(g, NOW + 60 * D) == set()


def test_progress_conversations_escalate_to_the_como_chair_until_the_minimum_is_met() -> None:
    p = Progress.start(1, "v-000001", NOW)
    p.id = 9
    assert due(p, NOW + 14 * D) == {("couple:reminder-2", CHAIR), ("couple:escalation", STAFF)}
    p.couple(2, 4, NOW + 14 * D)
    assert due(p, NOW + 28 * D) == {("c1-plan:reminder-2", M), ("c1-plan:escalation", CHAIR)}
    for n in (1, 2):
        start = NOW + (28 * n) * D  # Mondays: the escalation on a Tuesday
        p.plan_conversation(start, "meeting", start - D)
        p.record_held(n, Claim(), start + 2 * H)
        p.write_report(n, "Verslag.", start + 2 * H)
        [sign] = [a for a in open_acts(p) if a.step is HaoActStep.SIGN_REPORT]
        assert (sign.role, sign.ref.key, sign.link_extra) == (T, f"c{n}-sign", {"conversation": n})
        assert not [a for a in open_acts(p) if a.step is HaoActStep.PLAN]  # the next waits for the trainer's signature
        assert (f"c{n}-sign:escalation", CHAIR) in due(p, start + 15 * D)
        p.sign_report(n, T, start + 15 * D)
    assert p.completed_at is not None and open_acts(p) == []  # more may follow; none is asked for


def test_the_plan_request_counts_from_the_last_signature_not_from_the_coupling() -> None:
    p = Progress.start(1, "v-000002", NOW)
    p.couple(2, 4, NOW)
    p.plan_conversation(NOW + D, "meeting", NOW)
    p.record_held(1, Claim(), NOW + D + 2 * H)
    p.write_report(1, "Verslag.", NOW + D + 2 * H)
    p.sign_report(1, T, NOW + 40 * D)
    [plan] = open_acts(p)
    assert (plan.ref.key, plan.since) == ("c2-plan", NOW + 40 * D)
