"""Issue 11.5 for programme B: a mail a server refuses for good (550) is parked and shown to whoever steers the
programme, with the address to correct; a consultation's only to the programme's own address, never to the
institute. Against a real aiosmtpd that refuses the wrong addresses on purpose."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.hao_store import new_pseudonym
from demo.mailserver import MaildirServer, free_port
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import Consultation, Goal, Guidance, Kind
from domain.hao.undelivered import Refusal, undelivered_key
from tasks.hao_owed import send_hao_owed
from tasks.hao_undelivered import notice, send_hao_undelivered
from tests.integration.test_hao_portal import NOW, portal_world
from tests.integration.test_mail_outages import Misbehaving

SECRET = "geheim@exmple.org"  # a trainer who asks for a consultation; a typo in her address
GUIDED = "gids@exmple.org"  # a trainer in targeted guidance; a typo too


@pytest.fixture
def world(db_url: str, tmp_path: Path):
    handler = Misbehaving(tmp_path / "maildir")
    handler.unknown = {SECRET, GUIDED}
    server = MaildirServer(tmp_path / "maildir", port=free_port(), handler=handler).start()
    svc, _, _, ids, _, _ = portal_world(db_url, smtp_port=server.port, signing_secret="hao-refusal-secret")
    repo = svc.hao.repo
    ids["staff"] = repo.add_person(HaoPerson(role=HaoRole.STAFF, name="Sam Staf", email="s@example.org"))
    ids["staff2"] = repo.add_person(HaoPerson(role=HaoRole.STAFF, name="Sia Tweede", email="s2@example.org",
                                              language="en"))
    ids["secret"] = repo.add_person(HaoPerson(role=HaoRole.TRAINER, name="Gea Geheim", email=SECRET))
    ids["guided"] = repo.add_person(HaoPerson(role=HaoRole.TRAINER, name="Gijs Gids", email=GUIDED))
    yield svc, ids, server
    server.stop()


def inbox(server: MaildirServer, address: str) -> list[email.message.EmailMessage]:
    """The notices of refused mail to ``address`` (not the programme's other mail)."""
    found = [email.message_from_bytes(raw, policy=email.policy.default) for raw in server.messages()]
    return [m for m in found if address in str(m["To"]) and str(m["Subject"]).startswith(("Niet bezorgd", "Not deliv"))]


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_refused_address_is_shown_to_the_contact_persons_but_a_consultations_only_to_the_programme(world) -> None:
    svc, ids, server = world
    c = svc.hao.repo.add_trajectory(Consultation.request(ids["secret"], ids["mentor"], "phone", "",
                                                         new_pseudonym(Kind.CONSULTATION), NOW), NOW)
    svc.hao.repo.change(c.id, lambda t: t.accept(NOW), NOW)  # the trainer is told: refused
    g = svc.hao.repo.add_trajectory(Guidance.request(ids["guided"], ids["mentor"], "institute", "practice",
                                                     [Goal(area=3, text="Samenwerken")],
                                                     new_pseudonym(Kind.GUIDANCE), NOW), NOW)  # her goals: refused
    send_hao_owed(svc)
    failed = {r["recipient_email"]: r for r in svc.outbox.failed()}
    assert set(failed) == {SECRET, GUIDED} and all("550" in r["last_error"] for r in failed.values())
    assert send_hao_owed(svc) == 0 and len(svc.outbox.failed()) == 2  # parked: a 5xx is not tried again

    assert send_hao_undelivered(svc) == 3 and send_hao_undelivered(svc) == 0  # two contact persons, the programme
    [word] = inbox(server, "s@example.org")
    text = text_of(word)
    number = failed[GUIDED]["id"]
    assert str(word["Subject"]) == "Niet bezorgd: 1 bericht van de hao-mentoren"
    assert (f"Bericht {number} (hao_guidance_goals, gerichte begeleiding {g.pseudonym}) aan {GUIDED}: "
            f"recipients refused: 550 5.1.1") in text
    assert "mentorschap mail retry NUMMER --to JUIST-ADRES" in text
    # The institute learns nothing of the consultation: not the trainer, not the address, not that one exists.
    for seen in (text, text_of(inbox(server, "s2@example.org")[0]), word.as_string()):
        assert SECRET not in seen and "Geheim" not in seen and c.pseudonym not in seen and "consult" not in seen
    assert "Message " in text_of(inbox(server, "s2@example.org")[0])  # in her own language

    [own] = inbox(server, svc.settings.sender_address)  # the programme's own address sees both
    mine = text_of(own)
    assert f"Bericht {failed[SECRET]['id']} (hao_consultation_accepted, consultatie {c.pseudonym}) aan {SECRET}" in mine
    assert f"Bericht {number} (hao_guidance_goals" in mine
    assert not inbox(server, svc.settings.facilitator_address)  # not programme A's facilitator

    # A further refusal is a new notice; the earlier ones are listed again with it.
    svc.hao.repo.change(g.id, lambda t: t.sign_goals(NOW), NOW)
    svc.hao.repo.change(c.id, lambda t: t.close(HaoRole.MENTOR, NOW), NOW)  # the trainer is told: refused
    send_hao_owed(svc)
    assert send_hao_undelivered(svc) == 1  # only the programme: the new one is the consultation's
    assert len(inbox(server, "s@example.org")) == 1 and len(inbox(server, svc.settings.sender_address)) == 2


def test_the_corrected_address_gets_the_message_and_every_later_one(world, monkeypatch) -> None:
    from typer.testing import CliRunner

    from mentorschap import cli

    svc, ids, server = world
    monkeypatch.setattr("mentorschap.mail_cli._svc", lambda: svc)
    g = svc.hao.repo.add_trajectory(Guidance.request(ids["guided"], ids["mentor"], "institute", "practice",
                                                     [Goal(area=3, text="Samenwerken")],
                                                     new_pseudonym(Kind.GUIDANCE), NOW), NOW)
    send_hao_owed(svc)
    [refused] = svc.outbox.failed()
    done = CliRunner().invoke(cli.app, ["mail", "retry", str(refused["id"]), "--to", "gids@example.org"])
    assert done.exit_code == 0, done.output
    assert "hao-mentoren verbeterd" in done.output and f"bericht {refused['id']} verstuurd" in done.output
    assert svc.hao.repo.person(ids["guided"]).email == "gids@example.org" and svc.outbox.failed() == []
    svc.hao.repo.change(g.id, lambda t: t.sign_goals(NOW), NOW)
    svc.hao.repo.change(g.id, lambda t: t.plan_conversation(NOW + timedelta(days=2), "visit", NOW), NOW)
    send_hao_owed(svc)  # her invitation goes to the corrected address
    found = [email.message_from_bytes(raw, policy=email.policy.default) for raw in server.messages()]
    assert sorted(str(m["Subject"]).split(":")[0] for m in found if "gids@example.org" in str(m["To"])) == [
        "Doelen van uw begeleiding door een hao-mentor", "Gesprek met uw hao-mentor"]


def test_a_refusal_notice_is_keyed_as_the_domain_says_so_its_own_refusals_are_told_apart() -> None:
    shown = [Refusal(3, "h8:goals:trainer", "hao_guidance_goals", "c@x.org", "550"),
             Refusal(5, "h:information-2021:trainer-p6", "hao_information", "e@x.org", "550")]
    to_staff, to_programme = notice(shown, person_id=11), notice(shown, programme=True)
    assert to_staff.key == undelivered_key(shown, "staff-p11") == "h:undelivered-5:staff-p11"
    assert to_programme.key == undelivered_key(shown, "programme") == "h:undelivered-5:programme"
    assert Refusal(9, to_programme.key, to_programme.template, "own@x.org", "550").to_programme
    assert to_staff.extra == to_programme.extra == {"refused": [3, 5]}  # numbers only: the composer reads the rest
