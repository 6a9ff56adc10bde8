"""A consultation asked from the mentor list, the mentor's answer and its reminders, and the COMO chair's
coupling link: the portal on a real SQLite file, the real link signer and a real SMTP server (a Maildir);
no Prefect (the runs' start and wake are recorded)."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import UTC, datetime

import pytest

from adapters.hao_store import new_pseudonym
from adapters.hao_views import institute_export
from demo.mailserver import MaildirServer
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import Consultation, HaoPhase, Kind, Progress
from tasks.hao_notices import send_hao_notices
from tests.integration.test_hao_portal import portal_world

NOW = datetime(2021, 9, 6, 8, 0, tzinfo=UTC)  # a Monday, 10:00 in Amsterdam
LINK = re.compile(r"http://portal\.test(/h/[A-Za-z0-9_\-.]+)")
QUESTION = "Mijn aios en ik botsen over de beoordeling."


@pytest.fixture
def world(db_url, tmp_path):
    server = MaildirServer(tmp_path / "maildir").start()
    svc, client, clock, ids, woken, started = portal_world(db_url, smtp_port=server.port,
                                                           signing_secret="hao-requests-secret")
    repo = svc.hao.repo
    ids["mentor2"] = repo.add_person(HaoPerson(role=HaoRole.MENTOR, name="Nel Nieuw", email="n@example.org",
                                               capacity=1))
    ids["staff"] = repo.add_person(HaoPerson(role=HaoRole.STAFF, name="Sam Staf", email="s@example.org"))
    ids["chair"] = repo.add_person(HaoPerson(role=HaoRole.CHAIR, name="Cor Voorzitter", email="c@example.org"))
    yield svc, client, clock, ids, woken, started, server
    server.stop()


def inbox(server, address: str) -> list[email.message.EmailMessage]:
    found = [email.message_from_bytes(raw, policy=email.policy.default) for raw in server.messages()]
    return [m for m in found if address in str(m["To"])]


def text_of(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def links_in(msg) -> list[str]:
    return LINK.findall(text_of(msg))


def ask(client, address: str, mentor_id: int, question: str = QUESTION):
    return client.post("/hao/mentoren", data={"email": address, "mentor_id": str(mentor_id), "question": question})


def test_a_trainer_asks_from_the_mentor_list_and_confirms_through_the_mail(world) -> None:
    svc, client, _, ids, _, started, server = world
    page = client.get(f"/hao/mentoren?mentor={ids['mentor2']}")
    assert page.status_code == 200 and 'name="email"' in page.text
    assert f'<option value="{ids["mentor2"]}" selected>' in page.text

    known = ask(client, " T@Example.org ", ids["mentor"])
    stranger = ask(client, "nobody@example.org", ids["mentor"])
    assert known.status_code == stranger.status_code == 200
    assert known.text == stranger.text and "Kijk in uw e-mail" in known.text  # says nothing about the address
    assert not inbox(server, "nobody@example.org") and started == []  # nothing mailed, nothing started
    [confirm_mail] = inbox(server, "t@example.org")
    assert "Mo Mentor" in text_of(confirm_mail) and QUESTION not in text_of(confirm_mail)  # not what anyone typed
    [url] = links_in(confirm_mail)

    form = client.get(url)
    assert form.status_code == 200 and QUESTION in form.text and f'value="{ids["mentor"]}" selected' in form.text
    done = client.post(url, data={"mentor_id": str(ids["mentor"]), "form": "visit", "question": QUESTION})
    assert done.status_code == 200 and "niet geïnformeerd" in done.text
    [c] = svc.hao.repo.all(Kind.CONSULTATION)
    assert isinstance(c, Consultation) and c.phase is HaoPhase.ANSWER and c.form == "visit"
    assert c.question == QUESTION and c.trainer_id == ids["trainer"] and started == [c.id]
    again = client.post(url, data={"mentor_id": str(ids["mentor"]), "form": "visit"})
    assert again.status_code == 410 and "al gebruikt" in again.text
    assert len(svc.hao.repo.all(Kind.CONSULTATION)) == 1
    assert svc.hao.requests.get(1).question == ""  # the question lives in the consultation only

    # Nothing of it reaches the institute: not its export, not a mail to its staff.
    institute = json.dumps(institute_export(svc.hao.repo), ensure_ascii=False)
    assert QUESTION not in institute and "Tineke" not in institute and "consultation" not in institute
    assert not inbox(server, "s@example.org") and not inbox(server, "c@example.org")


def test_the_request_form_refuses_at_its_fields_and_cannot_flood_a_mailbox(world) -> None:
    svc, client, clock, ids, _, _, server = world
    bad = client.post("/hao/mentoren", data={"email": "geen adres", "mentor_id": str(ids["mentor"])})
    assert bad.status_code == 422 and 'id="err-email"' in bad.text
    bad = ask(client, "t@example.org", ids["staff"])  # not a mentor on the list
    assert bad.status_code == 422 and 'id="err-mentor_id"' in bad.text
    bad = ask(client, "t@example.org", ids["mentor"], "x" * 2001)
    assert bad.status_code == 422 and 'id="err-question"' in bad.text
    assert not server.messages()

    for _ in range(5):  # five posts in a row: one mail
        assert ask(client, "t@example.org", ids["mentor"]).status_code == 200
    assert len(inbox(server, "t@example.org")) == 1
    [first] = links_in(inbox(server, "t@example.org")[0])
    for _ in range(4):  # an hour apart, a newer request replaces the open one; three mails a day at most
        clock.advance(hours=1, minutes=1)
        assert ask(client, "t@example.org", ids["mentor2"]).status_code == 200
    assert len(inbox(server, "t@example.org")) == 3
    replaced = client.get(first)
    assert replaced.status_code == 410 and "opnieuw aangevraagd" in replaced.text
    clock.advance(days=1)
    assert ask(client, "t@example.org", ids["mentor2"]).status_code == 200
    assert len(inbox(server, "t@example.org")) == 4
    clock.advance(days=8)  # the newest request's link lapses with the request
    newest = links_in(sorted(inbox(server, "t@example.org"), key=lambda m: m["Date"].datetime)[-1])[0]
    assert client.get(newest).status_code == 410
    assert client.post(newest, data={"mentor_id": str(ids["mentor"]), "form": "phone"}).status_code == 410
    assert svc.hao.repo.all(Kind.CONSULTATION) == []


def consultation(svc, ids) -> Consultation:
    c = Consultation.request(ids["trainer"], ids["mentor"], "phone", QUESTION, new_pseudonym(Kind.CONSULTATION), NOW)
    return svc.hao.repo.add_trajectory(c, NOW)


def answer_link(svc, ids, tid: int) -> str:
    return svc.hao.links.make(ids["mentor"], "mentor", tid, "hao_answer", "answer").replace("http://portal.test", "")


def test_a_mentor_who_declines_proposes_a_colleague_and_the_trainer_decides(world) -> None:
    svc, client, _, ids, woken, _, _ = world
    c = consultation(svc, ids)
    url = answer_link(svc, ids, c.id)
    page = client.get(url)
    assert page.status_code == 200 and QUESTION in page.text and "Nel Nieuw" in page.text
    assert f'<option value="{ids["mentor"]}"' not in page.text  # not oneself
    refused = client.post(url, data={"answer": "decline"})
    assert refused.status_code == 422 and 'id="err-proposed_mentor_id"' in refused.text
    ok = client.post(url, data={"answer": "decline", "proposed_mentor_id": str(ids["mentor2"])})
    assert ok.status_code == 200 and woken == [(c.id, "hao_answer answer")]
    t, _ = svc.hao.repo.trajectory(c.id)
    assert t.phase is HaoPhase.CLOSED and t.declined.proposed_mentor_id == ids["mentor2"]
    assert client.post(url, data={"answer": "accept"}).status_code == 410


def test_an_unanswered_request_is_reminded_and_then_only_the_trainer_hears(world) -> None:
    svc, client, clock, ids, _, _, server = world
    c = consultation(svc, ids)
    assert send_hao_notices(svc) == 0
    clock.advance(days=5)
    assert send_hao_notices(svc) == 0  # a Saturday: it waits for Monday morning
    clock.advance(days=2)
    assert send_hao_notices(svc) == 1 and send_hao_notices(svc) == 0  # once
    [reminder] = inbox(server, "m@example.org")
    assert "Herinnering" in str(reminder["Subject"]) and "Tineke" not in str(reminder["Subject"])
    [url] = links_in(reminder)
    assert svc.hao.links.read(url.rsplit("/", 1)[1]).action == "hao_answer"
    clock.advance(days=3)  # day 10
    assert send_hao_notices(svc) == 1
    clock.advance(days=4)  # day 14
    assert send_hao_notices(svc) == 1
    [waiting] = inbox(server, "t@example.org")
    assert "Mo Mentor" in text_of(waiting) and "/hao/mentoren" in text_of(waiting)
    assert len(inbox(server, "m@example.org")) == 2
    assert not inbox(server, "s@example.org") and not inbox(server, "c@example.org")  # never the institute
    assert client.post(url, data={"answer": "accept"}).status_code == 200  # a reminder's link works
    assert svc.hao.repo.trajectory(c.id)[0].phase is HaoPhase.CONVERSATIONS
    assert send_hao_notices(svc) == 0  # the answer ended that wait's reminders
    clock.advance(days=14)  # the next wait: the mentor never plans the conversation
    assert send_hao_notices(svc) == 2
    [plan_reminder] = [m for m in inbox(server, "m@example.org") if "volgende gesprek" in str(m["Subject"])]
    [plan_url] = links_in(plan_reminder)
    assert svc.hao.links.read(plan_url.rsplit("/", 1)[1]).action == "hao_plan"
    [_, word] = inbox(server, "t@example.org")
    assert "Mo Mentor (de mentor)" in text_of(word) and "niet op de hoogte" in text_of(word)
    assert not inbox(server, "s@example.org") and not inbox(server, "c@example.org")  # never the institute


def starter(svc, ids, name: str, address: str) -> Progress:
    trainer = svc.hao.repo.add_person(HaoPerson(role=HaoRole.TRAINER, name=name, email=address))
    return svc.hao.repo.add_trajectory(Progress.start(trainer, new_pseudonym(Kind.PROGRESS), NOW), NOW)


def couple_link(svc, ids, tid: int) -> str:
    return svc.hao.links.make(ids["chair"], "chair", tid, "hao_couple", "couple").replace("http://portal.test", "")


def test_the_como_chair_couples_through_her_link_once(world) -> None:
    svc, client, _, ids, woken, _, _ = world
    busy = starter(svc, ids, "Bas Bezet", "bas@example.org")
    svc.hao.repo.change(busy.id, lambda t: t.couple(ids["mentor2"], ids["chair"], NOW), NOW)  # Nel's one place
    p = starter(svc, ids, "Sterre Start", "sterre@example.org")
    url = couple_link(svc, ids, p.id)
    page = client.get(url)
    assert page.status_code == 200 and "Sterre Start" in page.text
    assert "Mo Mentor" in page.text and "(0 van 2)" in page.text and "(1 van 1; vol)" in page.text
    full = client.post(url, data={"mentor_id": str(ids["mentor2"])})
    assert full.status_code == 422 and 'id="err-mentor_id"' in full.text
    assert client.post(url, data={"mentor_id": str(ids["staff"])}).status_code == 422
    ok = client.post(url, data={"mentor_id": str(ids["mentor"])})
    assert ok.status_code == 200 and woken == [(p.id, "hao_couple couple")]  # written, then woken
    t, _ = svc.hao.repo.trajectory(p.id)
    assert t.phase is HaoPhase.CONVERSATIONS and t.mentor_id == ids["mentor"] and t.coupled_by == ids["chair"]
    twice = client.post(url, data={"mentor_id": str(ids["mentor"])})
    assert twice.status_code == 410 and "al gebruikt" in twice.text
    assert svc.hao.repo.trajectory(p.id)[1] == 2  # nothing written the second time


def test_the_chairs_link_refuses_clearly_after_a_coupling_in_the_prefect_ui(world) -> None:
    svc, client, _, ids, woken, _, _ = world
    p = starter(svc, ids, "Sterre Start", "sterre@example.org")
    url = couple_link(svc, ids, p.id)
    assert client.get(url).status_code == 200
    # The chair's MentorCoupling form on the run (Prefect UI), as the run's task records it.
    svc.hao.repo.change(p.id, lambda t: t.couple(ids["mentor2"], ids["chair"], NOW), NOW)
    for response in (client.get(url), client.post(url, data={"mentor_id": str(ids["mentor"])})):
        assert response.status_code == 410 and "al een hao-mentor gekoppeld" in response.text
    assert svc.hao.repo.trajectory(p.id)[0].mentor_id == ids["mentor2"] and woken == []


def test_a_request_after_a_lapsed_one_was_purged_gets_its_own_mail_and_link(world) -> None:
    """Found in the demo: SQLite gave the purged request's id again, so the new request's mail key was
    'known' (never sent) and its link's use was the old one's."""
    svc, client, clock, ids, _, _, server = world
    assert ask(client, "t@example.org", ids["mentor"]).status_code == 200
    clock.advance(days=15)
    assert svc.hao.requests.purge(clock.now()) == 1
    assert ask(client, "t@example.org", ids["mentor"]).status_code == 200
    mails = sorted(inbox(server, "t@example.org"), key=lambda m: m["Date"].datetime)
    assert len(mails) == 2
    [newest] = links_in(mails[-1])
    done = client.post(newest, data={"mentor_id": str(ids["mentor"]), "form": "phone", "question": QUESTION})
    assert done.status_code == 200 and len(svc.hao.repo.all(Kind.CONSULTATION)) == 1
