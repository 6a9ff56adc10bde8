"""What a hao trajectory's state owes in mail (``domain.hao.owed``): pure, so every act records it with itself,
and what a later state makes moot."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from domain.hao.owed import HaoOwed, hao_owed_now, still_wanted
from domain.hao.people import HaoRole
from domain.hao.trajectory import Claim, Consultation, Goal, Guidance, Progress

NOW = datetime(2021, 9, 6, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
STAFF, CHAIRS = [11, 12], [21]
QUESTION = "Mijn aios en ik botsen over de beoordeling."


def keyed(t, staff=STAFF, chairs=CHAIRS) -> dict[str, HaoOwed]:
    return {o.key: o for o in hao_owed_now(t, staff, chairs)}


def consultation() -> Consultation:
    c = Consultation.request(1, 2, "phone", QUESTION, "c-abc123", NOW)
    c.id = 7
    return c


def test_each_step_of_a_consultation_owes_what_its_run_sends_there() -> None:
    c = consultation()
    assert set(keyed(c)) == {"h7:request:mentor"}
    c.accept(NOW + DAY)
    assert set(keyed(c)) == {"h7:accepted:trainer", "h7:c1-plan-request:mentor"}
    c.plan_conversation(NOW + 3 * DAY, "phone", NOW + DAY)
    owed = keyed(c)
    assert set(owed) == {"h7:accepted:trainer", "h7:c1-invite:trainer", "h7:c1-invite:mentor"}
    assert (owed["h7:c1-invite:trainer"].link, owed["h7:c1-invite:mentor"].link) == ("hao_close", "hao_held")
    c.record_held(1, Claim(km=5), NOW + 4 * DAY)
    c.close(HaoRole.TRAINER, NOW + 4 * DAY)
    assert set(keyed(c)) == {"h7:closed:trainer", "h7:closed:mentor"}


def test_nothing_owed_carries_a_name_an_address_or_what_was_said() -> None:
    c = consultation()
    c.accept(NOW)
    c.plan_conversation(NOW + DAY, "visit", NOW)
    g = Guidance.request(3, 2, "institute", "practice", [Goal(area=3, text="Samenwerken met de praktijk")],
                         "g-abc123", NOW)
    g.id = 8
    recorded = json.dumps([asdict(o) for t in (c, g) for o in hao_owed_now(t, STAFF, CHAIRS)], default=str)
    assert "botsen" not in recorded and "Samenwerken" not in recorded and "@" not in recorded
    assert "c-abc123" not in recorded  # not even the pseudonym: ids and names of templates only


def test_a_request_the_state_no_longer_asks_for_is_moot_news_and_invitations_stay_wanted() -> None:
    c = consultation()
    request = keyed(c)["h7:request:mentor"]
    c.accept(NOW + DAY)
    assert not still_wanted(request, c)  # answered meanwhile
    accepted, plan_request = keyed(c)["h7:accepted:trainer"], keyed(c)["h7:c1-plan-request:mentor"]
    c.plan_conversation(NOW + 3 * DAY, "phone", NOW + DAY)
    assert not still_wanted(plan_request, c)  # planned meanwhile
    invite = keyed(c)["h7:c1-invite:mentor"]
    c.record_held(1, Claim(), NOW + 4 * DAY)
    c.plan_conversation(NOW + 9 * DAY, "visit", NOW + 4 * DAY)
    second = keyed(c)["h7:c2-invite:trainer"]
    c.close(HaoRole.MENTOR, NOW + 5 * DAY)
    assert still_wanted(accepted, c)  # news is news
    assert still_wanted(invite, c)  # held meanwhile: still the pair's calendar record
    assert not still_wanted(second, c)  # dropped when the consultation closed: nothing to invite to


def test_guidance_owes_each_contact_person_her_own_mail_and_the_report_only_after_the_signature() -> None:
    g = Guidance.request(3, 2, "institute", "practice", [Goal(area=3, text="Samenwerken")], "g-abc123", NOW)
    g.id = 8
    owed = keyed(g)
    assert set(owed) == {"h8:started:staff-p11", "h8:started:staff-p12", "h8:goals:trainer"}
    g.sign_goals(NOW + DAY)
    assert not still_wanted(owed["h8:goals:trainer"], g) and still_wanted(owed["h8:started:staff-p12"], g)
    g.plan_conversation(NOW + 3 * DAY, "meeting", NOW + DAY)
    g.record_held(1, Claim(), NOW + 4 * DAY)
    g.end_conversations(NOW + 4 * DAY)
    assert set(keyed(g)) == {"h8:report-request:mentor"}
    g.write_report("Doelen bereikt.", NOW + 5 * DAY)
    assert set(keyed(g)) == {"h8:discuss:trainer"}  # nothing to the institute before she signed
    g.sign_discussed("", NOW + 6 * DAY)
    assert set(keyed(g)) == {"h8:released:staff-p11", "h8:released:staff-p12", "h8:released:mentor"}


def test_progress_owes_the_chairs_the_coupling_and_the_trainer_each_report_to_sign() -> None:
    p = Progress.start(1, "v-abc123", NOW, due_by=NOW + 120 * DAY)
    p.id = 9
    coupling = keyed(p)
    assert set(coupling) == {"h9:coupling:chair-p21"}
    p.couple(2, 21, NOW + DAY)
    assert not still_wanted(coupling["h9:coupling:chair-p21"], p, STAFF, CHAIRS)
    assert set(keyed(p)) == {"h9:coupled:trainer", "h9:coupled:mentor", "h9:c1-plan-request:mentor"}
    for n in (1, 2):
        p.plan_conversation(NOW + 10 * n * DAY, "meeting", NOW + (10 * n - 5) * DAY)
        p.record_held(n, Claim(), NOW + (10 * n + 1) * DAY)
        p.write_report(n, f"Verslag {n}", NOW + (10 * n + 1) * DAY)
        sign = keyed(p)[f"h9:c{n}-report-sign:trainer"]
        assert sign.conversation == n and sign.link_extra == {"conversation": n}
        p.sign_report(n, HaoRole.TRAINER, NOW + (10 * n + 2) * DAY)
        assert not still_wanted(sign, p, STAFF, CHAIRS)  # signed meanwhile
    owed = keyed(p)
    assert {"h9:dossier-2:staff-p11", "h9:dossier-2:staff-p12", "h9:dossier-2:trainer", "h9:dossier-2:mentor"} <= set(
        owed)
    assert "h9:c3-plan-request:mentor" not in owed  # after two, a next conversation is offered, not asked for


def test_a_trajectory_not_stored_yet_owes_nothing() -> None:
    assert hao_owed_now(Consultation.request(1, 2, "phone", "", "c-1", NOW)) == []


def test_a_refusal_about_a_consultation_or_a_request_for_one_is_never_the_institutes() -> None:
    from domain.hao.trajectory import Kind
    from domain.hao.undelivered import Refusal, for_institute, for_programme, is_hao, undelivered_key

    kinds = {7: Kind.CONSULTATION, 8: Kind.GUIDANCE}
    refused = [
        Refusal(1, "h7:accepted:trainer", "hao_consultation_accepted", "a@x.org", "550"),
        Refusal(2, "h:request-3-confirm:trainer-p4", "hao_request_confirm", "b@x.org", "550"),
        Refusal(3, "h8:goals:trainer", "hao_guidance_goals", "c@x.org", "550"),
        Refusal(4, "h9:closed:mentor", "hao_consultation_closed", "d@x.org", "550"),  # erased meanwhile: unknown
        Refusal(5, "h:information-2021:trainer-p6", "hao_information", "e@x.org", "550"),
        Refusal(6, "h:undelivered-3:staff-p11", "hao_undelivered", "s@x.org", "550"),
        Refusal(7, "h:undelivered-6:programme", "hao_undelivered", "own@x.org", "550"),
    ]
    assert [r.number for r in for_institute(refused, kinds)] == [3, 5]
    assert [r.number for r in for_programme(refused)] == [1, 2, 3, 4, 5, 6]  # a contact person's address, too
    assert undelivered_key(for_institute(refused, kinds), "staff-p11") == "h:undelivered-5:staff-p11"
    assert is_hao("h12:goals:trainer") and is_hao("h:digest-2021-09-01:staff-p3")
    assert not is_hao("t12:k1-signed:mentee") and not is_hao("hash:x")
