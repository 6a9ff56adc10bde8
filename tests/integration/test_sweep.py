"""The timer sweep and the facilitator's steering on a real SQLite file and a real SMTP server.

The task functions run without a Prefect server (``.fn``); the clock is the project's
compressed clock, frozen at the instant each step needs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from demo.mailserver import MaildirServer
from domain.clock import AMSTERDAM, FakeClock
from domain.people import Application, Role
from domain.phases import Phase
from domain.trajectory import Trajectory
from domain.waits import RunKind, Subject, WaitKey

START = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)
RUN_ID = "00000000-0000-0000-0000-000000000001"
COHORT_RUN = "00000000-0000-0000-0000-0000000000c0"


def waits_at(svc, trajectory_id: int, label: str) -> WaitKey:
    """The trajectory's run (a made-up id: no Prefect here) begins to wait at ``label``."""
    subject = Subject.trajectory(trajectory_id)
    svc.run_store.set_flow_run(subject, RUN_ID)
    key = svc.run_store.open_wait(subject, label, svc.repo.trajectory(trajectory_id)[1], svc.clock.now())
    assert key is not None
    return key


def paused(key: WaitKey) -> dict[str, tuple[str, str]]:
    """What Prefect would show: the run paused at ``key``."""
    return {RUN_ID: ("paused", str(key))}


def person(role: str, email: str) -> Application:
    return Application(
        role=role, name=f"Dr. {email.split('@')[0].title()}", email=email, phone="040-2534567",
        practice_name="Praktijk",
        practice_address={"street": "Dorpstraat 1", "postcode": "5504HB", "city": "Veldhoven"},
        years_experience=20 if role == "mentor" else 2, consent=True, learning_goals="grenzen", topics="praktijk",
    )


@pytest.fixture
def world(db_url, tmp_path):
    """A matched pair; ``at(instant)`` sets the fake clock and returns the services, which are provided
    (``wiring.bootstrap.provided``) to the tasks and the sweep the test calls."""
    from pydantic import SecretStr

    from tests.integration.conftest import services_for

    server = MaildirServer(tmp_path / "maildir").start()
    clock = FakeClock(START)
    with services_for(db_url, clock, smtp_port=server.port, signing_secret=SecretStr("sweep-test-secret")) as svc:
        def at(instant: datetime):
            clock.set(instant)
            return svc

        mentee = svc.repo.add_person(svc.cohort, person("mentee", "sanne@example.org"), START)
        mentor = svc.repo.add_person(svc.cohort, person("mentor", "anneke@example.org"), START)
        t = svc.repo.add_trajectory(Trajectory.apply(svc.cohort, mentee, START), START)
        svc.repo.change(t.id, lambda t: t.confirm_application(START), START)
        svc.repo.change(t.id, lambda t: t.choose_mentor(mentor, START), START)
        yield at, t.id, server
    server.stop()


def sign_both(svc, tid: int) -> None:
    """Kennismaking agreed, plan written, both signed: the pair may meet."""
    for role in (Role.MENTEE, Role.MENTOR):
        svc.repo.change(tid, lambda t, role=role: t.answer_kennismaking(role, True, "", START), START)
    svc.repo.change(tid, lambda t: t.submit_plan(["grenzen stellen"], "Plan", START), START)
    t, _ = svc.repo.trajectory(tid)
    for role, pid in ((Role.MENTEE, t.mentee_id), (Role.MENTOR, t.mentor_id)):
        svc.repo.change(tid, lambda t, role=role, pid=pid: t.sign(role, pid, 1, START), START)


def subjects_to(server: MaildirServer, address: str) -> list[str]:
    return [str(m["Subject"]) for m in server.read() if address in str(m["To"])]


def test_reminders_go_out_once_each_then_the_facilitator_is_told(world):
    from tasks.notices import send_notices

    at, _, server = world
    svc = at(START + timedelta(days=3))
    assert send_notices.fn(svc) == 0
    at(START + timedelta(days=7, hours=1))
    assert send_notices.fn(svc) == 2  # the mentee and the mentor have not answered
    assert send_notices.fn(svc) == 0  # a second sweep sends nothing again
    at(START + timedelta(days=21, hours=1))
    assert send_notices.fn(svc) == 4  # the second reminders and two escalations
    assert send_notices.fn(svc) == 0
    assert len(subjects_to(server, "sanne@example.org")) == 2
    # Both escalations reach the facilitator in one combined message.
    [combined] = [m for m in server.read() if "facilitator@example.org" in str(m["To"])]
    text = combined.get_body(preferencelist=("plain",)).get_content()
    assert "2 zaken" in str(combined["Subject"]) and "Mentee van traject" in text and "Mentor van traject" in text
    message_ids = [m["Message-ID"] for m in server.read()]
    assert len(set(message_ids)) == len(message_ids) == 5


def test_no_reminders_at_night_or_in_the_weekend(world):
    from tasks.notices import send_notices

    at, _, server = world
    saturday = datetime(2021, 3, 13, 10, 0, tzinfo=UTC)
    svc = at(saturday)
    assert send_notices.fn(svc) == 0
    at(datetime(2021, 3, 15, 5, 0, tzinfo=UTC))  # Monday 06:00 in Amsterdam
    assert send_notices.fn(svc) == 0
    at(datetime(2021, 3, 15, 10, 0, tzinfo=UTC))  # Monday 11:00: the first and the second reminders are due
    assert send_notices.fn(svc) == 4
    assert len(server.read()) == 2  # one combined message each for the mentee and the mentor


def test_the_facilitator_gets_one_digest_a_week_on_monday(world):
    from tasks.notices import send_digest

    at, tid, server = world
    svc = at(datetime(2021, 3, 12, 10, 0, tzinfo=UTC))  # a Friday
    assert send_digest.fn(svc, svc.cohort) is False
    svc = at(datetime(2021, 3, 15, 9, 0, tzinfo=UTC))  # Monday
    assert send_digest.fn(svc, svc.cohort) is True
    assert send_digest.fn(svc, svc.cohort) is False  # once per week
    [digest] = server.read()
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert "Weekoverzicht zob-2021" in str(digest["Subject"])
    assert f"Traject {tid}" in text and "kennismaking" in text


def test_a_reminder_carries_a_working_personal_link(world):
    from tasks.notices import send_notices

    at, tid, server = world
    svc = at(START + timedelta(days=8))
    send_notices.fn(svc)
    [mail] = [m for m in server.read() if "sanne@example.org" in str(m["To"])]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    url, stop_url = [word for word in text.split() if "/a/" in word]
    claim = svc.links.verify(url.rsplit("/", 1)[1])
    assert (claim.action, claim.role, claim.trajectory_id) == ("kennismaking", Role.MENTEE, tid)
    # Every mail to a participant also says how to stop, with a personal link of its own.
    stop = svc.links.verify(stop_url.rsplit("/", 1)[1])
    assert (stop.action, stop.role, stop.person_id) == ("withdraw", Role.MENTEE, claim.person_id)


def test_the_sweep_wakes_a_run_for_a_due_evaluation_but_not_for_a_reminder(world):
    from flows.sweep import find_due

    at, tid, _ = world
    svc = at(START)
    sign_both(svc, tid)
    first = START + timedelta(days=10)
    svc.repo.change(tid, lambda t: t.propose_meeting(first, START), START)
    svc.repo.change(tid, lambda t: t.confirm_meeting(1, first + timedelta(hours=2)), first)
    key = waits_at(svc, tid, "meetings")

    at(first + timedelta(days=30))
    assert find_due(svc, paused(key)) == []  # only reminders are due: the sweep sends them itself
    at(first + timedelta(days=123))
    assert find_due(svc, paused(key)) == [(str(tid), "due")]
    assert find_due(svc, {RUN_ID: ("active", None)}) == []  # not suspended (yet): nothing to wake


def test_the_facilitator_can_move_a_meeting_within_the_rules_or_end_the_trajectory(world):
    from tasks.store import Steering, apply_steering

    at, tid, _ = world
    svc = at(START)
    sign_both(svc, tid)
    svc.repo.change(tid, lambda t: t.propose_meeting(START + timedelta(days=10), START), START)

    refused = apply_steering.fn(svc, tid, Steering(move_meeting=1, move_to=START + timedelta(days=400)))
    assert refused and refused[0].startswith("Bijeenkomst verzetten: na het einde")
    assert apply_steering.fn(svc, tid, Steering(move_meeting=1, move_to=START + timedelta(days=20))) == []
    t = svc.repo.trajectory(tid)[0]
    meeting = t.match.meeting(1)
    # The UI's date picker sends what she picked as UTC: it is read as Amsterdam time (issue 12).
    picked = (START + timedelta(days=20)).replace(tzinfo=None)
    assert meeting.starts_at == picked.replace(tzinfo=AMSTERDAM) and meeting.sequence == 1
    assert t.history[-1].by is Role.FACILITATOR  # her act, not the mentee's

    # Half a move is refused under the form's label, and nothing moves (issue 12: it vanished).
    assert apply_steering.fn(svc, tid, Steering(move_to=START + timedelta(days=30))) == [
        "Bijeenkomst verzetten: vul ook het nummer van de bijeenkomst in"]
    assert apply_steering.fn(svc, tid, Steering(move_meeting=1)) == [
        "Bijeenkomst verzetten: vul ook de nieuwe datum en tijd in"]
    assert svc.repo.trajectory(tid)[0].match.meeting(1).sequence == 1
    # A rematch and an end in one form: which did she mean? Neither is done.
    both = Steering(rematch_reason="mentor stopt", end_reason="mentee stopt")
    assert apply_steering.fn(svc, tid, both) == ["Nieuwe match starten en Traject beëindigen: kies één van beide; "
                                            "geen van beide is gedaan"]
    assert svc.repo.trajectory(tid)[0].phase is Phase.MEETINGS
    assert apply_steering.fn(svc, tid, Steering(end_reason="mentee verhuist naar het buitenland")) == []
    t, _ = svc.repo.trajectory(tid)
    assert t.phase is Phase.WITHDRAWN and t.withdrawal.by is Role.FACILITATOR


def test_a_message_a_crashed_sender_left_behind_goes_out_once_after_its_lease(world):
    from adapters.mail import message_id_for
    from flows.sweep import deliver_pending
    from tasks.mail import compose
    from tasks.messages import Message

    at, tid, server = world
    svc = at(START)
    message = Message(trajectory_id=tid, occasion="application", template="application_confirmation",
                      to=Role.MENTEE)
    svc.outbox.enqueue(compose(svc, message, START), START)
    assert svc.outbox.claim(message.key, START) is not None  # a sender took it ... and died
    assert deliver_pending.fn(svc) == 0  # within its lease nobody else touches it
    at(START + timedelta(minutes=11))
    assert deliver_pending.fn(svc) == 1
    assert deliver_pending.fn(svc) == 0
    [mail] = server.read()
    assert mail["Message-ID"] == message_id_for(message.key, svc.settings.message_domain)


def test_a_lost_wake_up_is_found_by_the_sweep(world):
    from flows.sweep import find_due

    at, tid, _ = world
    svc = at(START)
    key = waits_at(svc, tid, "kennismaking")
    assert find_due(svc, paused(key)) == []
    # Two answers at the same moment: both written, the run's wake-up refused or lost.
    for role in (Role.MENTEE, Role.MENTOR):
        svc.repo.change(tid, lambda t, role=role: t.answer_kennismaking(role, True, "", START), START)
    assert find_due(svc, paused(key)) == [(str(tid), "changed")]


def test_a_lost_wake_up_of_the_act_that_ended_the_trajectory_is_found_too(world):
    """A withdrawal ends the trajectory in the database; its run still waits and must close."""
    from flows.sweep import find_due

    at, tid, _ = world
    svc = at(START)
    key = waits_at(svc, tid, "kennismaking")
    svc.repo.change(tid, lambda t: t.withdraw(Role.MENTEE, "verhuisd", START), START)
    assert find_due(svc, paused(key)) == [(str(tid), "changed")]
    svc.run_store.close_wait(key)  # the run woke, sent the closing mail and completed: nothing left to do
    assert find_due(svc, {RUN_ID: ("finished", None)}) == []


def test_the_sweep_starts_a_run_never_started_and_revives_a_crashed_or_stuck_one(world):
    from flows.sweep import find_due

    at, tid, _ = world
    svc = at(START)
    assert find_due(svc, {}) == [(str(tid), "start")]
    key = waits_at(svc, tid, "kennismaking")
    # Crashed after it was resumed, before it recorded the wake-up: the key is still open.
    assert find_due(svc, {RUN_ID: ("crashed", None)}) == [(str(tid), "revive")]
    assert find_due(svc, {RUN_ID: ("stuck", None)}) == [(str(tid), "revive")]
    # Paused at another key than our database names: nudged, so that it reads the database again.
    assert find_due(svc, {RUN_ID: ("paused", f"{key}-old")}) == [(str(tid), "stale")]


def test_a_cohort_run_is_woken_at_its_deadline_and_after_a_lost_attendance_wake_up(world):
    """The cohort's waits are as safe as a trajectory's: the same rules find them."""
    from domain.cohort import MENTORS_CLOSED, TRAINING
    from flows.sweep import find_due
    from tests.integration.test_cohort_enrolment import PLAN

    at, _, _ = world
    svc = at(PLAN.opens_at)
    svc.cohorts.open(PLAN, PLAN.opens_at)
    cohort = Subject.cohort(PLAN.id)
    svc.run_store.set_flow_run(cohort, COHORT_RUN)
    key = svc.run_store.open_wait(cohort, MENTORS_CLOSED, svc.cohorts.version(PLAN.id), PLAN.opens_at)
    state = {COHORT_RUN: ("paused", str(key))}
    assert find_due(svc, state, kinds=(RunKind.COHORT,)) == []
    at(PLAN.mentor_deadline)
    assert find_due(svc, state, kinds=(RunKind.COHORT,)) == [(PLAN.id, "due")]
    svc.run_store.close_wait(key)

    key = svc.run_store.open_wait(cohort, TRAINING, svc.cohorts.version(PLAN.id), PLAN.mentor_deadline)
    state = {COHORT_RUN: ("paused", str(key))}
    assert find_due(svc, state, kinds=(RunKind.COHORT,)) == []
    mentor = svc.repo.add_person(PLAN.id, person("mentor", "bram@example.org"), PLAN.opens_at)
    svc.cohorts.record_attendance(PLAN, [mentor], True, PLAN.training_at)  # the CLI's wake-up was lost
    assert find_due(svc, state, kinds=(RunKind.COHORT,)) == [(PLAN.id, "changed")]


def test_a_meeting_invitation_from_the_store_carries_both_people_the_practice_and_a_stable_uid(world):
    import vobject
    from icalendar import Calendar

    from tasks.mail import compose
    from tasks.messages import Message

    at, tid, _ = world
    svc = at(START)
    sign_both(svc, tid)
    svc.repo.change(tid, lambda t: t.propose_meeting(datetime(2021, 3, 16, 13, 0, tzinfo=UTC), START), START)

    def invitation() -> bytes:
        message = Message(trajectory_id=tid, occasion="k1-m1-invite", template="meeting_invitation",
                          to=Role.MENTEE, meeting=1, calendar="REQUEST")
        mime = compose(svc, message, START).message()
        [part] = [p for p in mime.walk() if p.get_content_type() == "text/calendar" and not p.get_filename()]
        assert part.get_param("method") == "REQUEST"
        return part.get_payload(decode=True)

    first = Calendar.from_ical(invitation())
    [event] = first.walk("VEVENT")
    assert str(event["UID"]).startswith(f"mentorschap-t{tid}-k1-m1@")
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2021, 3, 16, 13, 0, tzinfo=UTC)
    attendees = sorted(str(a) for a in event.get("ATTENDEE"))
    assert attendees == ["mailto:anneke@example.org", "mailto:sanne@example.org"]
    assert "Dorpstraat 1" in str(event["LOCATION"])
    svc.repo.change(tid, lambda t: t.reschedule_meeting(1, datetime(2021, 3, 23, 13, 0, tzinfo=UTC), START), START)
    moved = vobject.readOne(invitation().decode())
    assert moved.vevent.uid.value == str(event["UID"]) and moved.vevent.sequence.value == "1"


def test_no_matching_reminders_while_the_cohort_still_proposes_the_first_matching(world):
    from domain.cohort import CohortPlan
    from tasks.notices import send_notices

    at, _, server = world
    svc = at(START)
    svc.cohorts.open(CohortPlan(
        id=svc.cohort, name="Zuidoost-Brabant 2021", kickoff_cron="0 9 16 11 *",
        opens_at=START - timedelta(days=30), mentor_deadline=START - timedelta(days=20),
        mentee_deadline=START - timedelta(days=10), training_at=START - timedelta(days=15),
        training_location="Eindhoven", trajectories_start=datetime(2021, 2, 1).date(),
    ), START)
    waiting = svc.repo.add_person(svc.cohort, person("mentee", "lotte@example.org"), START)
    t = svc.repo.add_trajectory(Trajectory.apply(svc.cohort, waiting, START), START)
    svc.repo.change(t.id, lambda t: t.confirm_application(START), START)

    at(START + timedelta(days=8))
    send_notices.fn(svc)
    assert not subjects_to(server, "facilitator@example.org")  # the proposal is the cohort's
    svc = at(START + timedelta(days=8, hours=1))
    svc.cohorts.set_stage(svc.cohort, "matched", START)
    send_notices.fn(svc)
    assert len(subjects_to(server, "facilitator@example.org")) == 1  # now it is hers to match


def test_the_sweep_keeps_going_while_prefect_is_down(world):
    """Issue 11: the demo's in-process sweep died on the first Prefect restart (httpx.ConnectError)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    from flows.sweep import sweep_now
    from mentorschap.stack import free_port

    at, tid, _ = world
    svc = at(START)
    waits_at(svc, tid, "kennismaking")
    svc.repo.change(tid, lambda t: t.answer_kennismaking(Role.MENTEE, True, "", START), START)  # to be woken
    down = {PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api", PREFECT_CLIENT_MAX_RETRIES: 0}
    with temporary_settings(updates=down):
        figures = sweep_now()
    assert figures["woken"] == 0 and set(figures) == {"delivered", "owed", "notices", "woken", "revived",
                                                      "waits_overdue", "boards", "digests", "reports", "status"}


def test_every_invitation_carries_the_recipients_link_to_move_or_call_off_and_the_other_is_told(world):
    """Issue 10.2: the invitations promised 'verzetten of afzeggen via het portaal' without a link."""
    import re

    from flows.meetings import meeting_messages
    from tasks.mail import compose
    from tasks.store import load

    at, tid, _ = world
    svc = at(START)
    sign_both(svc, tid)
    svc.repo.change(tid, lambda t: t.propose_meeting(datetime(2021, 3, 16, 13, 0, tzinfo=UTC), START, 60), START)

    def mails() -> dict[str, str]:
        return {f"{m.occasion}:{m.to.value}": compose(svc, m, START).rendered.text
                for m in meeting_messages(load(svc, tid))}

    first = mails()
    for role in ("mentee", "mentor"):
        token = re.search(r"/a/(\S+)", first[f"k1-m1-invite-s0:{role}"]).group(1)
        claim = svc.links.read(token)
        assert (claim.action, claim.role.value, claim.ref, claim.extra) == (
            "meeting", role, "k1-m1-s0-change", {"meeting": 1, "sequence": 0})
    svc.repo.change(tid, lambda t: t.cancel_meeting(1, START, Role.MENTOR, "opgeroepen voor een dienst"), START)
    told = mails()["k1-m1-cancel:mentee"]
    assert "Dr. Anneke" in told and "heeft hem afgezegd" in told and "opgeroepen voor een dienst" in told


def test_a_plan_review_only_at_the_mentees_wish_and_her_comment_reaches_the_mentee_with_a_link_to_revise(world):
    """Issue 10.1: the review is 'eventueel'; signing waits for it only when asked; the comment was never sent."""
    import re

    from flows.plan import plan_messages
    from tasks.mail import compose
    from tasks.store import load

    at, tid, _ = world
    svc = at(START)
    for role in (Role.MENTEE, Role.MENTOR):
        svc.repo.change(tid, lambda t, r=role: t.answer_kennismaking(r, True, "", START), START)

    def sent() -> dict[str, object]:
        return {f"{m.template}:{m.to.value}": m for m in plan_messages(load(svc, tid))}

    svc.repo.change(tid, lambda t: t.submit_plan(["Grenzen stellen"], "Plan.", START), START)
    assert set(sent()) == {"plan_request:mentee", "sign_request:mentee", "sign_request:mentor"}  # no review asked
    svc.repo.change(tid, lambda t: t.submit_plan(["Grenzen stellen"], "Plan, versie 2.", START, review=True), START)
    assert set(sent()) == {"plan_request:mentee", "plan_for_review:facilitator"}  # signing waits for her comment
    svc.repo.change(tid, lambda t: t.comment_plan("Maak het tweede doel concreter.", START), START)
    messages = sent()
    assert set(messages) == {"plan_request:mentee", "plan_for_review:facilitator", "plan_comment:mentee",
                             "sign_request:mentee", "sign_request:mentor"}
    mail = compose(svc, messages["plan_comment:mentee"], START).rendered.text
    assert "Maak het tweede doel concreter." in mail
    claim = svc.links.read(re.search(r"/a/(\S+)", mail).group(1))
    assert (claim.action, claim.ref) == ("plan", "k1-plan-v3")  # her link to make the next version


def test_a_plan_changed_after_the_start_is_sent_to_both_to_sign_and_the_facilitator_gets_it_once_signed(world):
    from flows.meetings import phase_messages
    from tasks.store import load

    at, tid, _ = world
    svc = at(START)
    sign_both(svc, tid)

    def templates() -> set[str]:
        return {f"{m.occasion}:{m.template}:{m.to.value}" for m in phase_messages(load(svc, tid))}

    assert not any("sign_request" in m for m in templates())
    svc.repo.change(tid, lambda t: t.submit_plan(["Grenzen", "Delegeren"], "Nieuw plan.", START), START)
    version = svc.repo.trajectory(tid)[0].match.plan.version
    assert {f"k1-sign-v{version}-request:sign_request:mentee",
            f"k1-sign-v{version}-request:sign_request:mentor"} <= templates()
    mentee, mentor = (svc.repo.trajectory(tid)[0].mentee_id, svc.repo.trajectory(tid)[0].mentor_id)
    later = START + timedelta(days=1)
    svc.repo.change(tid, lambda t: t.sign(Role.MENTEE, mentee, version, later), later)
    svc.repo.change(tid, lambda t: t.sign(Role.MENTOR, mentor, version, later), later)
    assert f"k1-signed-v{version}:signed_plan:facilitator" in templates()
    assert not any("sign_request" in m and f"v{version}" in m for m in templates())


def test_an_act_records_the_messages_its_state_owes_in_its_own_transaction_ids_only(world):
    """Issue 11.4: the messages an act owes are written with the act, not when the run gets there."""
    from sqlalchemy import func, select

    from adapters.owed import owed_messages
    from adapters.repository import Conflict

    at, tid, _ = world
    svc = at(START)
    sign_both(svc, tid)
    owed = svc.owed.keys(tid)
    assert {f"t{tid}:k1-plan-request:mentee", f"t{tid}:k1-sign-v1-request:mentee", f"t{tid}:k1-sign-v1-request:mentor",
            f"t{tid}:k1-signed:mentee", f"t{tid}:k1-signed:facilitator"} <= owed
    with svc.engine.connect() as conn:
        stored = str(conn.execute(select(owed_messages.c.spec, owed_messages.c.recipient)).all())
        before = conn.execute(select(func.count()).select_from(owed_messages)).scalar_one()
    assert "Sanne" not in stored and "@" not in stored and "grenzen" not in stored  # ids, never names or texts

    t, version = svc.repo.trajectory(tid)
    t.propose_meeting(datetime(2021, 3, 16, 13, 0, tzinfo=UTC), START, 60)
    with pytest.raises(Conflict):  # written by someone else meanwhile: neither the act nor what it owes
        svc.repo.save(t, version - 1, START)
    with svc.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(owed_messages)).scalar_one() == before
    svc.repo.save(t, version, START)
    assert f"t{tid}:k1-m1-invite-s0:mentor" in svc.owed.keys(tid)


def test_a_run_that_lags_behind_the_database_never_costs_the_messages_of_the_phases_that_passed(world):
    """Issue 11.4 (and make chaos): a run that lay crashed while the pair met, answered and signed through
    the reminders' links, and woke in a later phase, skipped the kennismaking invitation, the news of the
    signing and the invitations. The sweep sends what the acts owed without waiting for the run; what is
    moot (the requests to sign and to write the plan once done) stays unsent."""
    from domain.trajectory import EvaluationKind
    from flows.meetings import phase_messages
    from tasks.owed import send_owed
    from tasks.store import load

    at, tid, server = world
    svc = at(START)
    sign_both(svc, tid)  # no run sent anything: it lies crashed since the matching
    svc.repo.change(tid, lambda t: t.propose_meeting(datetime(2021, 3, 16, 13, 0, tzinfo=UTC), START, 60), START)
    assert send_owed.fn(svc) == 7
    sent = sorted((str(m["To"]).split("<")[-1].rstrip(">"), str(m["Subject"])) for m in server.read())
    assert len(sent) == 7 and {to for to, _ in sent} == {"sanne@example.org", "anneke@example.org",
                                                          "facilitator@example.org"}
    owed_then = {m.key for m in phase_messages(load(svc, tid))}
    assert set(svc.outbox.known(list(owed_then))) == owed_then  # the run's own keys: it sends none of it again
    assert set(svc.outbox.known([f"t{tid}:k1-kennismaking-invite:mentee", f"t{tid}:k1-kennismaking-invite:mentor"]))
    assert not svc.outbox.known([f"t{tid}:k1-sign-v1-request:mentee", f"t{tid}:k1-plan-request:mentee"])
    svc.repo.change(tid, lambda t: t.start_evaluation(EvaluationKind.INTERIM, START), START)
    assert send_owed.fn(svc) == 0 and len(server.read()) == 7
    message_ids = [m["Message-ID"] for m in server.read()]
    assert len(set(message_ids)) == 7


def test_the_sweep_sends_what_an_act_owes_while_the_run_lags_in_the_same_phase(world):
    """make chaos: the plan was written while the run lay crashed; the pair signed through the reminders'
    links before the revived run sent the requests to sign, so those were never sent."""
    from tasks.owed import send_owed

    at, tid, _ = world
    svc = at(START)
    for role in (Role.MENTEE, Role.MENTOR):
        svc.repo.change(tid, lambda t, role=role: t.answer_kennismaking(role, True, "", START), START)
    svc.repo.change(tid, lambda t: t.submit_plan(["grenzen stellen"], "Plan", START), START)
    send_owed.fn(svc)
    assert set(svc.outbox.known([f"t{tid}:k1-sign-v1-request:mentee", f"t{tid}:k1-sign-v1-request:mentor"])) == {
        f"t{tid}:k1-sign-v1-request:mentee", f"t{tid}:k1-sign-v1-request:mentor"}
    assert send_owed.fn(svc) == 0
