"""The hao links in the portal, on SQLite with a fake clock and without Prefect: act, then (fake) wake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from adapters.hao_store import new_pseudonym
from domain.clock import AMSTERDAM, FakeClock
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import Claim, Goal, Guidance, HaoPhase, Kind
from portal import hao as hao_portal
from portal.app import create_app
from wiring.bootstrap import build
from wiring.settings import Settings

NOW = datetime(2021, 9, 6, 8, 0, tzinfo=UTC)


def portal_world(db_url, **settings):
    """The portal on the database of ``db_url`` with a trainer and a mentor; starts and wakes recorded."""
    clock = FakeClock(NOW)
    svc = build(Settings(database_url=db_url, portal_url="http://portal.test",
                         **settings), clock)
    woken: list[tuple[int, str]] = []
    started: list[int] = []
    svc.hao.start = lambda t: started.append(t.id) or "run"  # type: ignore[method-assign]
    svc.hao.wake = lambda tid, by, note="", extra=None: woken.append((tid, note)) or True  # type: ignore[method-assign]
    repo = svc.hao.repo
    ids = {
        "trainer": repo.add_person(HaoPerson(role=HaoRole.TRAINER, name="Tineke Trainer", email="t@example.org")),
        "mentor": repo.add_person(HaoPerson(role=HaoRole.MENTOR, name="Mo Mentor", email="m@example.org")),
    }
    client = TestClient(hao_portal.mount(create_app(svc), svc))
    return svc, client, clock, ids, woken, started


@pytest.fixture
def world(db_url):
    return portal_world(db_url)


def link(svc, person_id: int, role: str, tid: int, action: str, ref: str, **extra) -> str:
    return svc.hao.links.make(person_id, role, tid, action, ref, extra).replace("http://portal.test", "")


def test_a_consultation_from_request_to_close_through_links(world) -> None:
    svc, client, clock, ids, woken, started = world
    request = link(svc, ids["trainer"], "trainer", 0, "hao_request", "request-2021")
    page = client.get(request)
    assert page.status_code == 200 and "Mo Mentor" in page.text and "niet op de hoogte" in page.text
    bad = client.post(request, data={"mentor_id": str(ids["mentor"]), "form": "phone", "question": "x" * 2001})
    assert bad.status_code == 422 and 'id="err-question"' in bad.text
    ok = client.post(request, data={"mentor_id": str(ids["mentor"]), "form": "phone", "question": "Hoe plan ik?"})
    assert ok.status_code == 200 and len(started) == 1
    assert client.post(request, data={"mentor_id": str(ids["mentor"]), "form": "phone",
                                      "question": "nog eens"}).status_code == 410
    [t] = svc.hao.repo.all(Kind.CONSULTATION)
    assert t.pseudonym.startswith("c-") and t.question == "Hoe plan ik?"

    plan = link(svc, ids["mentor"], "mentor", t.id, "hao_plan", "c1-plan")
    assert client.post(plan, data={"date": "2021-09-08", "time": "10:00", "form": "phone"}).status_code == 410
    answer = link(svc, ids["mentor"], "mentor", t.id, "hao_answer", "answer")  # the mentor takes it on first
    assert client.post(answer, data={"answer": "accept"}).status_code == 200
    assert client.post(plan, data={"date": "2021-09-08", "time": "10:00", "form": "phone"}).status_code == 200
    assert woken == [(t.id, "hao_answer answer"), (t.id, "hao_plan c1-plan")]
    held = link(svc, ids["mentor"], "mentor", t.id, "hao_held", "c1-held", conversation=1)
    early = client.post(held, data={"km": "5", "hours": "1", "done": "yes"})
    assert early.status_code == 422 and "nog niet plaatsgevonden" in early.text
    clock.advance(days=3)
    assert client.post(held, data={"km": "5", "hours": "1", "done": "yes"}).status_code == 200
    t, _ = svc.hao.repo.trajectory(t.id)
    assert t.phase is HaoPhase.CLOSED and t.held()[0].claim.km == 5
    refused = client.get(plan)
    assert refused.status_code == 410  # closed, or used: nothing more to do
    help_line = refused.text.split("Hulp nodig", 1)[1].split("</p>", 1)[0]
    assert "het programma" in help_line and svc.settings.sender_address in help_line  # not programme A's
    assert "procesfacilitator" not in refused.text and svc.settings.facilitator_address not in refused.text


def test_the_trainer_must_tick_that_the_report_was_discussed(world) -> None:
    svc, client, _, ids, _, _ = world
    g = Guidance.request(ids["trainer"], ids["mentor"], "colleague", "short_term", [Goal(area=5, text="Grenzen")],
                         new_pseudonym(Kind.GUIDANCE), NOW)
    g.sign_goals(NOW)
    g.plan_conversation(NOW + timedelta(hours=1), "visit", NOW)
    g.record_held(1, Claim(km=3), NOW + timedelta(hours=2))
    g.end_conversations(NOW + timedelta(hours=2))
    g.write_report("Verslag.", NOW + timedelta(hours=3))
    g = svc.hao.repo.add_trajectory(g, NOW)
    discussed = link(svc, ids["trainer"], "trainer", g.id, "hao_discussed", "discussed")
    assert "Verslag." in client.get(discussed).text
    refused = client.post(discussed, data={"dissent": "Oneens"})
    assert refused.status_code == 422 and not svc.hao.repo.trajectory(g.id)[0].released
    assert client.post(discussed, data={"discussed": "yes", "dissent": "Oneens"}).status_code == 200
    t, _ = svc.hao.repo.trajectory(g.id)
    assert t.released and t.report.dissent == "Oneens"


def test_a_hao_link_is_not_a_mentee_link_and_a_mentors_link_is_not_the_trainers(world) -> None:
    svc, client, _, ids, _, _ = world
    token = link(svc, ids["trainer"], "trainer", 0, "hao_request", "r").rsplit("/", 1)[1]
    assert client.get(f"/a/{token}").status_code == 403
    with pytest.raises(ValueError):
        svc.hao.links.make(ids["trainer"], "trainer", 1, "hao_plan", "x")
    assert client.get("/hao/mentoren").status_code == 200


def test_hao_links_act_only_on_their_own_open_occasion(world) -> None:
    svc, client, clock, ids, _, _ = world
    g = Guidance.request(ids["trainer"], ids["mentor"], "colleague", "short_term", [Goal(area=5, text="Grenzen")],
                         new_pseudonym(Kind.GUIDANCE), NOW)
    g = svc.hao.repo.add_trajectory(g, NOW)
    goals = link(svc, ids["trainer"], "trainer", g.id, "hao_goals", "goals")
    plan_2 = link(svc, ids["mentor"], "mentor", g.id, "hao_plan", "c2-plan")  # not the conversation asked for
    assert client.post(plan_2, data={"date": "2021-09-08", "time": "10:00"}).status_code == 410  # goals first
    assert client.post(goals, data={}).status_code == 200
    assert client.post(plan_2, data={"date": "2021-09-08", "time": "10:00"}).status_code == 410
    plan_1 = link(svc, ids["mentor"], "mentor", g.id, "hao_plan", "c1-plan")
    assert client.post(plan_1, data={"date": "2021-09-08", "time": "10:00", "form": "visit"}).status_code == 200
    clock.advance(days=3)
    held = link(svc, ids["mentor"], "mentor", g.id, "hao_held", "c1-held", conversation=1)
    assert client.post(held, data={"km": "4", "hours": "1"}).status_code == 200
    clock.advance(hours=1)
    again = link(svc, ids["mentor"], "mentor", g.id, "hao_held", "c1-held", conversation=1)  # a reminder's link
    assert client.post(again, data={"km": "400", "hours": "9"}).status_code == 410
    ghost = link(svc, ids["mentor"], "mentor", g.id, "hao_held", "c9-held", conversation=9)
    assert client.get(ghost).status_code == 410 and client.post(ghost, data={"km": "1"}).status_code == 410
    sign = link(svc, ids["trainer"], "trainer", g.id, "hao_sign_report", "c1-sign", conversation=1)
    assert client.post(sign, data={}).status_code == 403  # a guidance has no progress reports
    t, _ = svc.hao.repo.trajectory(g.id)
    assert [c.claim.km for c in t.held()] == [4]


def test_progress_goes_on_after_the_minimum_of_two_and_every_signed_report_reaches_the_dossier(
    world, monkeypatch,
) -> None:
    """Issue 10.10: "minimaal twee" voortgangsgesprekken; a third is allowed and goes to the dossier too."""
    from administration.hao_export import render_dossier
    from domain.hao.trajectory import Progress
    from flows.hao.progress import dossier_messages
    from tasks.hao_messages import compose_hao

    svc, client, clock, ids, _, _ = world
    p = Progress.start(ids["trainer"], new_pseudonym(Kind.PROGRESS), NOW, due_by=NOW + timedelta(days=120))
    p.couple(ids["mentor"], 0, NOW)
    p = svc.hao.repo.add_trajectory(p, NOW)
    staff = svc.hao.repo.add_person(HaoPerson(role=HaoRole.STAFF, name="Sanne Staf", email="s@example.org"))

    def held(n: int, **form: str):
        url = link(svc, ids["mentor"], "mentor", p.id, "hao_held", f"c{n}-held", conversation=n)
        return client.post(url, data={"km": "5", "hours": "1", "text": f"Verslag {n}", **form})

    def conversation(n: int, **form: str) -> None:
        when = (clock.now() + timedelta(days=2)).astimezone(AMSTERDAM)
        plan = link(svc, ids["mentor"], "mentor", p.id, "hao_plan", f"c{n}-plan")
        assert client.post(plan, data={"date": when.date().isoformat(), "time": "10:00"}).status_code == 200
        clock.advance(days=3)
        assert held(n, **form).status_code == 200
        sign = link(svc, ids["trainer"], "trainer", p.id, "hao_sign_report", f"c{n}-sign", conversation=n)
        assert client.post(sign, data={}).status_code == 200

    when = (clock.now() + timedelta(days=2)).astimezone(AMSTERDAM)
    client.post(link(svc, ids["mentor"], "mentor", p.id, "hao_plan", "c1-plan"),
                data={"date": when.date().isoformat(), "time": "10:00"})
    clock.advance(days=3)
    first_is_last = held(1, done="yes")
    assert first_is_last.status_code == 422 and "minimaal 2 voortgangsgesprekken" in first_is_last.text
    assert held(1).status_code == 200
    client.post(link(svc, ids["trainer"], "trainer", p.id, "hao_sign_report", "c1-sign", conversation=1), data={})
    conversation(2)
    t, _ = svc.hao.repo.trajectory(p.id)
    assert t.phase is HaoPhase.CONVERSATIONS and t.completed_at is not None and len(t.signed_reports()) == 2
    messages = {(m.to, m.person_id): m for m in dossier_messages(svc, t)}
    offer = compose_hao(svc, messages[(HaoRole.MENTOR, None)], clock.now())
    text = offer.rendered.text
    assert "Het minimum van twee gesprekken is gehaald" in text and "Meer gesprekken mogen" in text
    assert "Een volgend gesprek plannen:" in text and "/h/" in text  # the c3-plan link
    assert messages[(HaoRole.STAFF, staff)].occasion == "dossier-2"
    assert messages[(HaoRole.TRAINER, None)].link is None

    conversation(3, done="yes")
    t, _ = svc.hao.repo.trajectory(p.id)
    assert t.phase is HaoPhase.CLOSED and [c.report.text for c in t.signed_reports()] == [
        "Verslag 1", "Verslag 2", "Verslag 3"]
    assert {m.occasion for m in dossier_messages(svc, t)} == {"dossier-3", "closed"}
    dossier = render_dossier(svc, p.id)
    assert "Verslag 3" in dossier and "met de verdere gesprekken 3 verslagen" in dossier


def test_the_hao_sweep_closes_an_idle_trajectory_that_met_the_minimum_at_its_due_date(world) -> None:
    from domain.hao.trajectory import Progress
    from flows.hao import sweep

    svc, _, clock, ids, _, _ = world
    p = Progress.start(ids["trainer"], new_pseudonym(Kind.PROGRESS), NOW, due_by=NOW + timedelta(days=30))
    p.couple(ids["mentor"], 0, NOW)
    for n in (1, 2):
        at = NOW + timedelta(days=5 * n)
        p.plan_conversation(at, "meeting", at - timedelta(days=1))
        p.record_held(n, Claim(), at + timedelta(hours=1))
        p.write_report(n, f"Verslag {n}", at + timedelta(hours=1))
        p.sign_report(n, HaoRole.TRAINER, at + timedelta(days=1))
    p = svc.hao.repo.add_trajectory(p, NOW)
    clock.advance(days=29)
    assert sweep.flag_overdue(svc) == 0 and svc.hao.repo.trajectory(p.id)[0].phase is HaoPhase.CONVERSATIONS
    clock.advance(days=1)
    assert sweep.flag_overdue(svc) == 0  # closed, not flagged: the minimum was met
    t, _ = svc.hao.repo.trajectory(p.id)
    assert t.phase is HaoPhase.CLOSED and t.flagged_at is None
