"""Issue 11.4 for programme B: a hao act records the mail it owes in its own transaction, so a hao run that
is dead or lags behind the database never leaves a person without her mail. The portal on a real SQLite
file, the real composer, link signer and a real SMTP server (aiosmtpd, a Maildir); the runs are never
woken (their wake-ups are recorded, not sent), as when their worker is down."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from adapters.hao_store import new_pseudonym
from adapters.owed import owed_messages
from domain.clock import AMSTERDAM
from domain.hao.owed import consultation_conversations_owed, goals_owed, hao_owed_now
from domain.hao.trajectory import Consultation, Goal, Guidance, HaoPhase, Kind
from flows.hao.common import messages
from tasks.hao_owed import send_hao_owed
from tasks.mail import send
from tests.integration.test_hao_requests import NOW, QUESTION, inbox, links_in, text_of, world  # noqa: F401 (fixture)


def link(svc, person_id: int, role: str, tid: int, action: str, ref: str, **extra) -> str:
    return svc.hao.links.make(person_id, role, tid, action, ref, extra).replace("http://portal.test", "")


def test_a_consultation_acted_on_while_its_run_lies_dead_gets_its_mail_once_from_the_sweep(world) -> None:  # noqa: F811
    svc, client, _, ids, woken, _, server = world
    c = svc.hao.repo.add_trajectory(Consultation.request(ids["trainer"], ids["mentor"], "phone", QUESTION,
                                                         new_pseudonym(Kind.CONSULTATION), NOW), NOW)
    # The run never ran: the mentor answers and plans through the links a reminder would carry.
    assert client.post(link(svc, ids["mentor"], "mentor", c.id, "hao_answer", "answer"),
                       data={"answer": "accept"}).status_code == 200
    when = (NOW + timedelta(days=2)).astimezone(AMSTERDAM)
    assert client.post(link(svc, ids["mentor"], "mentor", c.id, "hao_plan", "c1-plan"),
                       data={"date": when.date().isoformat(), "time": "10:00", "form": "visit"}).status_code == 200
    assert [tid for tid, _ in woken] == [c.id, c.id] and not server.messages()  # nobody woke a run; no mail yet
    assert svc.owed.keys(c.id, "h") == {f"h{c.id}:{o}" for o in (
        "request:mentor", "accepted:trainer", "c1-plan-request:mentor", "c1-invite:trainer", "c1-invite:mentor")}
    with svc.engine.connect() as conn:
        recorded = json.dumps([list(r) for r in conn.execute(select(owed_messages.c.template, owed_messages.c.spec))])
    assert "botsen" not in recorded and "@" not in recorded and "Tineke" not in recorded  # ids only

    assert send_hao_owed(svc) == 3 and send_hao_owed(svc) == 0
    # The request to answer and the request to plan are moot (answered, planned): only the news and the invitations.
    assert sorted(str(m["Subject"]) for m in inbox(server, "t@example.org")) == [
        "Gesprek met uw hao-mentor: woensdag 8 september 2021", "Uw consultatie is aangenomen"]
    [invitation] = inbox(server, "m@example.org")
    assert "text/calendar" in invitation.as_string() and len(links_in(invitation)) == 1  # his link to record it
    assert not inbox(server, "s@example.org")  # a consultation: never the institute

    # The run comes back and sends its phase's mail (the send task's body, as the flow calls it): nothing twice.
    t, _ = svc.hao.repo.trajectory(c.id)
    for message in messages(consultation_conversations_owed(t)):
        assert send.fn(svc, message) == message.key
    sent = [m["Message-ID"] for m in inbox(server, "@")]
    assert len(sent) == len(set(sent)) == 3


def test_a_guidance_signed_before_its_run_started_still_tells_each_contact_person(world) -> None:  # noqa: F811
    svc, client, _, ids, _, _, server = world
    g = svc.hao.repo.add_trajectory(Guidance.request(ids["trainer"], ids["mentor"], "institute", "practice",
                                                     [Goal(area=3, text="Samenwerken")],
                                                     new_pseudonym(Kind.GUIDANCE), NOW), NOW)
    assert client.post(link(svc, ids["trainer"], "trainer", g.id, "hao_goals", "goals"), data={}).status_code == 200
    assert svc.hao.repo.trajectory(g.id)[0].phase is HaoPhase.CONVERSATIONS
    assert send_hao_owed(svc) == 2  # the contact person hears it started; the mentor is asked to plan
    [started_mail] = inbox(server, "s@example.org")
    assert str(started_mail["Subject"]) == "Gerichte begeleiding gestart: Tineke Trainer"
    [plan] = inbox(server, "m@example.org")
    assert svc.hao.links.read(links_in(plan)[0].rsplit("/", 1)[1]).action == "hao_plan"
    assert not inbox(server, "t@example.org")  # her request to sign the goals is moot: she signed
    # The run's keys are the recorded ones: a run that reaches the goals step late sends nothing again.
    t, _ = svc.hao.repo.trajectory(g.id)
    staff = [ids["staff"]]
    assert {m.key for m in messages(goals_owed(t, staff))} <= svc.owed.keys(g.id, "h")
    assert {m.key for m in messages(hao_owed_now(t, staff))} <= svc.owed.keys(g.id, "h")


def test_every_step_of_the_hao_flows_sends_only_what_the_acts_before_it_recorded(world, monkeypatch) -> None:  # noqa: F811
    """The flows' own steps (their sends and waits captured, no Prefect) against the record: a run that comes
    late finds every key it sends owed already, so the sweep and the run never send two different mails."""
    from domain.hao.people import HaoRole
    from domain.hao.trajectory import Claim, Progress
    from flows.hao import common, consultation, guidance, progress

    svc, _, _, ids, _, _, _ = world
    repo, sent = svc.hao.repo, []
    monkeypatch.setattr(common, "send_all", lambda _svc, ms: sent.extend(m.key for m in ms))
    for module in (guidance, progress):
        monkeypatch.setattr(module, "staff_ids", lambda _svc: [ids["staff"]])
    monkeypatch.setattr(progress, "chair_ids", lambda _svc: [ids["chair"]])
    monkeypatch.setattr(common, "load", lambda _svc, tid: common.HaoSnapshot(trajectory=repo.trajectory(tid)[0],
                                                                            version=1, now=NOW))
    for module in (consultation, guidance, progress):
        monkeypatch.setattr(module, "wait", lambda *args, **kwargs: None)

    def step(tid: int, run, act=None) -> None:
        if act is not None:
            repo.change(tid, act, NOW)
        sent.clear()
        run(svc, common.load(svc, tid))
        assert sent and set(sent) <= svc.owed.keys(tid, "h"), run.__name__

    later = lambda days: NOW + timedelta(days=days)  # noqa: E731
    c = repo.add_trajectory(Consultation.request(ids["trainer"], ids["mentor"], "phone", "", "c-1", NOW), NOW)
    step(c.id, consultation.answer)
    step(c.id, consultation.conversations, lambda t: t.accept(NOW))
    step(c.id, consultation.conversations, lambda t: t.plan_conversation(later(1), "phone", NOW))
    step(c.id, consultation.close, lambda t: t.close(HaoRole.TRAINER, NOW))
    g = repo.add_trajectory(Guidance.request(ids["trainer"], ids["mentor"], "institute", "practice",
                                             [Goal(area=2, text="x")], "g-1", NOW), NOW)
    step(g.id, guidance.goals)
    step(g.id, guidance.conversations, lambda t: t.sign_goals(NOW))
    repo.change(g.id, lambda t: t.plan_conversation(later(1), "visit", NOW), NOW)
    repo.change(g.id, lambda t: t.record_held(1, Claim(), later(2)), NOW)
    step(g.id, guidance.report, lambda t: t.end_conversations(NOW))
    step(g.id, guidance.discussion, lambda t: t.write_report("Verslag.", NOW))
    step(g.id, guidance.release, lambda t: t.sign_discussed("", NOW))
    p = repo.add_trajectory(Progress.start(ids["trainer"], "v-1", NOW, later(100)), NOW)
    step(p.id, progress.coupling)
    step(p.id, progress.conversations, lambda t: t.couple(ids["mentor"], ids["chair"], NOW))
    for n in (1, 2):
        repo.change(p.id, lambda t, n=n: t.plan_conversation(later(10 * n), "meeting", later(10 * n - 5)), NOW)
        step(p.id, progress.conversations, lambda t, n=n: (t.record_held(n, Claim(), later(10 * n + 1)),
                                                           t.write_report(n, "Verslag", later(10 * n + 1))))
        step(p.id, progress.conversations, lambda t, n=n: t.sign_report(n, HaoRole.TRAINER, later(10 * n + 2)))
    assert f"h{p.id}:dossier-2:staff-p{ids['staff']}" in sent
    step(p.id, progress.close, lambda t: t.finish(later(30)))
