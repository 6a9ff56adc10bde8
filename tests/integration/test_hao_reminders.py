"""Programme B never waits forever: every wait of guidance and progress conversations is reminded, and
then escalated to whoever can act, through the real composer, a real link signer and a real SMTP server
(a Maildir). The consultation's waits are in ``test_hao_requests``."""

from __future__ import annotations

import pytest

from adapters.hao_store import new_pseudonym
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import Goal, Guidance, Kind, Progress
from tasks.hao_notices import send_hao_notices
from tests.integration.test_hao_requests import NOW, inbox, links_in, text_of, world  # noqa: F401 (fixture)


def subjects(server, address: str) -> list[str]:
    return [str(m["Subject"]) for m in inbox(server, address)]


def test_a_trainer_who_never_signs_the_goals_is_reminded_and_the_contact_persons_hear(world) -> None:  # noqa: F811
    svc, client, clock, ids, woken, _, server = world
    ids["staff2"] = svc.hao.repo.add_person(HaoPerson(role=HaoRole.STAFF, name="Sia Tweede", email="s2@example.org",
                                                      language="en"))
    g = svc.hao.repo.add_trajectory(Guidance.request(ids["trainer"], ids["mentor"], "institute", "short_term",
                                                     [Goal(area=2, text="Feedback geven")],
                                                     new_pseudonym(Kind.GUIDANCE), NOW), NOW)
    clock.advance(days=7)  # day 5 was a Saturday
    assert send_hao_notices(svc) == 1 and send_hao_notices(svc) == 0  # once
    [reminder] = inbox(server, "t@example.org")
    assert subjects(server, "t@example.org") == ["Herinnering: de handtekening onder de doelen van de begeleiding"]
    assert "gerichte begeleiding met Mo Mentor" in text_of(reminder)
    [url] = links_in(reminder)
    assert client.get(url).status_code == 200  # the reminder's link opens the goals to sign
    clock.advance(days=7)  # day 14: the second reminder and the word to both contact persons
    assert send_hao_notices(svc) == 3
    [word] = inbox(server, "s@example.org")
    assert "Tineke Trainer (de opleider)" in text_of(word) and g.pseudonym in str(word["Subject"])
    [english] = inbox(server, "s2@example.org")
    assert "Tineke Trainer (the trainer) has not responded" in text_of(english)
    assert not links_in(word) and not inbox(server, "c@example.org")  # no link to act for her; not the chair
    assert client.post(url, data={}).status_code == 200 and woken  # she signs through the reminder
    clock.advance(days=30)
    assert send_hao_notices(svc) == 3  # the next wait: the mentor never planned; his reminder, both contacts hear


def test_progress_reminds_the_chair_to_couple_and_then_the_mentor_to_plan_escalating_to_the_chair(world) -> None:  # noqa: F811
    svc, _, clock, ids, _, _, server = world
    p = svc.hao.repo.add_trajectory(Progress.start(ids["trainer"], new_pseudonym(Kind.PROGRESS), NOW), NOW)
    clock.advance(days=7)
    assert send_hao_notices(svc) == 1
    [couple] = inbox(server, "c@example.org")
    [url] = links_in(couple)
    assert svc.hao.links.read(url.rsplit("/", 1)[1]).action == "hao_couple"
    clock.advance(days=7)
    assert send_hao_notices(svc) == 2  # the chair's second reminder; the contact persons hear
    [word] = inbox(server, "s@example.org")
    assert "De voorzitter van COMO heeft sinds maandag 6 september 2021 niet gereageerd" in text_of(word)
    svc.hao.repo.change(p.id, lambda t: t.couple(ids["mentor"], ids["chair"], clock.now()), clock.now())
    assert send_hao_notices(svc) == 0
    clock.advance(days=14)
    assert send_hao_notices(svc) == 2  # the mentor never plans: his reminder, and the chair hears
    [plan] = [m for m in inbox(server, "m@example.org") if "volgende gesprek" in str(m["Subject"])]
    assert svc.hao.links.read(links_in(plan)[0].rsplit("/", 1)[1]).action == "hao_plan"
    [_, word] = inbox(server, "c@example.org")[1:]
    assert "Mo Mentor (de mentor)" in text_of(word) and "Tineke Trainer" in text_of(word)
    assert len(inbox(server, "s@example.org")) == 1  # the coupled trajectory is the chair's to follow


@pytest.mark.parametrize("hour", [21, 6])
def test_nothing_goes_out_at_night(world, hour: int) -> None:  # noqa: F811
    svc, _, clock, ids, _, _, server = world
    svc.hao.repo.add_trajectory(Progress.start(ids["trainer"], new_pseudonym(Kind.PROGRESS), NOW), NOW)
    clock.advance(days=14, hours=hour - 10)  # Amsterdam is UTC+2 in September
    assert send_hao_notices(svc) == 0 and not server.messages()
