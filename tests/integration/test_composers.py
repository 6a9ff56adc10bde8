"""The composers as they run, not hand-made contexts: programme A's messages composed from a
trajectory set up through the domain's own acts, to the mentee in English and the mentor and the
facilitator in Dutch; its letters and the sweep's own mail; programme B's from stored people and a
stored consultation. A context that does not fit its template is refused before anything renders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from adapters.mail import Envelope, message_id_for
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import Consultation
from domain.people import Language, Role
from domain.trajectory import Trajectory
from tasks.contexts import CONTEXTS, PersonView
from tasks.hao_contexts import HAO_CONTEXTS
from tasks.hao_messages import HaoMessage
from tasks.letters import Letter
from tasks.mail import compose, post
from tasks.messages import Direct, Message
from tests.integration.test_sweep import person

START = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)  # a Monday
MEETING_AT = datetime(2021, 3, 16, 13, 0, tzinfo=UTC)  # 14:00 in Amsterdam
# What each template's request carries itself (the rest the composer reads from the trajectory).
EXTRA: dict[str, dict[str, Any]] = {
    "application_confirmation": {"contribution": "€ 150,00"},
    "kennismaking_declined": {"reason": "geen klik", "by_role": "mentor"},
    "mentor_left": {"reason": "ziekte"},
    "withdrawn": {"reason": "verhuizing", "by_role": "mentee"},
    "plan_comment": {"comment": "Maak leerdoel 2 concreter.", "version": 1},
    "topics_for_mentor": {"topics": "Casus: lastige patiënt"},
    "signed_plan": {"changed": True},
    "evaluation_request": {"kind": "interim"},
    "evaluation_contact": {"kind": "final"},
    "reminder": {"step": "sign", "step_label": "de intentieverklaring ondertekenen", "n": 2, "since": "2021-02-20"},
    "escalation": {"step": "sign", "step_label": "x", "n": 1, "since": "2021-02-20", "about_role": "mentee"},
}
TRAJECTORY_TEMPLATES = sorted(set(CONTEXTS) - {
    "mentor_ineligible", "mentor_ineligible_notice", "not_member", "not_member_notice", "member_invitation",
    "training_invitation", "matching_proposal", "reminders_combined", "facilitator_digest"})
CALENDAR = {"meeting_invitation": "REQUEST", "meeting_updated": "REQUEST", "meeting_cancelled": "CANCEL"}


@pytest.fixture
def svc(db_url: str) -> Iterator[Any]:
    from domain.clock import FakeClock
    from tests.integration.conftest import services_for

    with services_for(db_url, FakeClock(START), signing_secret="composer-test-secret") as built:
        yield built


@pytest.fixture
def tid(svc: Any) -> int:
    """Anna (English) and Bram (Dutch): matched, the plan signed, their first meeting proposed."""
    anna = svc.repo.add_person(svc.cohort, person("mentee", "anna@example.org").model_copy(
        update={"language": Language.EN}), START)
    bram = svc.repo.add_person(svc.cohort, person("mentor", "bram@example.org"), START)
    t = svc.repo.add_trajectory(Trajectory.apply(svc.cohort, anna, START), START)

    def live(t: Trajectory) -> None:
        t.confirm_application(START)
        t.choose_mentor(bram, START)
        for role in (Role.MENTEE, Role.MENTOR):
            t.answer_kennismaking(role, True, "", START)
        plan = t.submit_plan(["Grenzen stellen"], "Eén A4 met mijn plan.", START)
        t.sign(Role.MENTEE, anna, plan.version, START)
        t.sign(Role.MENTOR, bram, plan.version, START)
        t.propose_meeting(MEETING_AT, START)

    svc.repo.change(t.require_id(), live, START)
    return t.require_id()


def message(tid: int, template: str, to: Role, **fields: Any) -> Message:
    link = "plan" if to is Role.MENTEE else None
    return Message(trajectory_id=tid, occasion=f"test-{template}", template=template, to=to, link=link, meeting=1,
                   calendar=CALENDAR.get(template), extra=EXTRA.get(template, {}), **fields)


@pytest.mark.parametrize("to", [Role.MENTEE, Role.MENTOR, Role.FACILITATOR])
@pytest.mark.parametrize("template", TRAJECTORY_TEMPLATES)
def test_every_trajectory_message_is_composed_in_its_recipients_language(svc: Any, tid: int, template: str,
                                                                       to: Role) -> None:
    m = message(tid, template, to)
    mail = compose(svc, m, START)
    language = "en" if to is Role.MENTEE else "nl"
    name = {Role.MENTEE: "Dr. Anna", Role.MENTOR: "Dr. Bram", Role.FACILITATOR: svc.settings.facilitator_name}[to]
    assert mail.message_id == message_id_for(m.key, svc.settings.message_domain) and mail.trajectory_id == tid
    assert mail.to == (name, {Role.FACILITATOR: svc.settings.facilitator_address}.get(to, mail.to[1]))
    assert mail.subject and "{" not in mail.subject and "{{" not in mail.rendered.text
    assert name in mail.rendered.text and f'lang="{language}"' in mail.rendered.html
    assert f"Kenmerk: traject {tid}" in mail.rendered.text or f"Reference: trajectory {tid}" in mail.rendered.text
    if to is Role.MENTEE:
        assert "/a/" in mail.rendered.text.split("link:\n", 1)[-1]  # the personal link, on a line of its own
    assert (mail.invitation is not None) == (template in CALENDAR)


def test_an_invitation_says_when_in_each_language_and_carries_the_calendar(svc: Any, tid: int) -> None:
    english = compose(svc, message(tid, "meeting_invitation", Role.MENTEE), START)
    dutch = compose(svc, message(tid, "meeting_invitation", Role.MENTOR), START)
    assert "Tuesday 16 March 2021 at 14:00" in english.rendered.text and "no need to accept" in english.rendered.text
    assert "dinsdag 16 maart 2021 om 14:00" in dutch.rendered.text
    assert "hoeft de agenda-uitnodiging niet te accepteren" in dutch.rendered.text
    assert dutch.invitation is not None and dutch.invitation.method == "REQUEST"
    assert b"METHOD:REQUEST" in dutch.invitation.ics and b"mailto:anna@example.org" in dutch.invitation.ics


def test_a_reminder_names_its_step_in_the_recipients_language(svc: Any, tid: int) -> None:
    english = compose(svc, message(tid, "reminder", Role.MENTEE), START)
    dutch = compose(svc, message(tid, "reminder", Role.MENTOR), START)
    assert dutch.subject == "Tweede herinnering: de intentieverklaring ondertekenen"
    assert english.subject != dutch.subject and "ondertekenen" not in english.subject
    assert "zaterdag 20 februari 2021" in dutch.rendered.text and "Saturday 20 February 2021" in english.rendered.text
    escalation = compose(svc, message(tid, "escalation", Role.FACILITATOR), START)
    assert "Dr. Anna (mentee) heeft sinds zaterdag 20 februari 2021 nog niet gereageerd" in escalation.rendered.text
    assert "(telefoon 040" in escalation.rendered.text and "(e-mail anna@example.org)" in escalation.rendered.text


def test_letters_and_the_sweeps_own_mail_go_through_the_same_composer(svc: Any) -> None:
    confirmation = compose(svc, Letter(cohort=svc.cohort, occasion="applied", template="application_confirmation",
                                       name="Dr. Anna", email="anna@example.org", language="en",
                                       extra={"role": "mentee", "contribution": "€ 150,00"}), START)
    assert "€ 150,00" in confirmation.rendered.text and 'lang="en"' in confirmation.rendered.html
    refusal = compose(svc, Letter(cohort=svc.cohort, occasion="ineligible", template="mentor_ineligible",
                                  name="Dr. Kees", email="kees@example.org",
                                  extra={"reasons": ["minder dan 5 jaar ervaring"]}), START)
    assert "minder dan 5 jaar ervaring" in refusal.rendered.text and refusal.trajectory_id is None
    fenna = PersonView(None, "Fenna", "fenna@example.org")
    items = [{"trajectory_id": 7, "pair": "Anna en Bram", "step_label": "de intentieverklaring ondertekenen",
              "since": "2021-02-20", "escalation": False, "about_role": "", "action_url": "https://p.example/a/x"},
             {"trajectory_id": 9, "pair": "Cor en Dirk", "step_label": "het plan", "since": None, "escalation": True,
              "about_role": "mentor", "action_url": None}]
    combined = compose(svc, Direct("combined:fenna", "reminders_combined", fenna, {"items": items, "n_items": 2}),
                       START)
    assert "Anna en Bram" in combined.rendered.text and "https://p.example/a/x" in combined.rendered.text


def test_a_context_that_does_not_fit_its_template_is_refused_before_anything_is_stored(svc: Any, tid: int) -> None:
    unknown = Message(trajectory_id=tid, occasion="x", template="closed", to=Role.MENTOR, extra={"text": "vrij"})
    with pytest.raises(ValidationError, match="Closed"):
        compose(svc, unknown, START)
    without = Message(trajectory_id=tid, occasion="y", template="reminder", to=Role.MENTOR, extra={"step": "sign"})
    with pytest.raises(ValidationError, match="since"):
        post(svc, without, START)
    assert svc.outbox.rows() == []


@pytest.fixture
def consultation(svc: Any) -> tuple[int, int, int]:
    hao = svc.hao.repo
    trainer = hao.add_person(HaoPerson(role=HaoRole.TRAINER, name="Hanna Opleider", email="hanna@example.org",
                                       practice="Praktijk & Co", language="en"))
    mentor = hao.add_person(HaoPerson(role=HaoRole.MENTOR, name="Marc Mentor", email="marc@example.org"))
    hao.add_person(HaoPerson(role=HaoRole.STAFF, name="Sara Staf", email="sara@example.org"))
    c = Consultation.request(trainer, mentor, "phone", "Mijn aios en ik botsen", "c-000001", START)
    c.accept(START)
    c.plan_conversation(START + timedelta(days=2), "phone", START)
    return hao.add_trajectory(c, START).require_id(), trainer, mentor


def test_hao_mail_is_composed_from_the_database_in_each_language(svc: Any, consultation: tuple[int, int, int]) -> None:
    cid, _, _ = consultation
    invitation = HaoMessage(trajectory_id=cid, occasion="c1-invite", template="hao_invitation", to=HaoRole.MENTOR,
                            conversation=1, calendar="REQUEST")
    dutch: Envelope = compose(svc, invitation, START)
    english = compose(svc, invitation.model_copy(update={"to": HaoRole.TRAINER}), START)
    assert "Beste Marc Mentor" in dutch.rendered.text and "Sara Staf (sara@example.org)" in dutch.rendered.text
    assert "Hanna Opleider" in dutch.rendered.text and "Hanna" not in dutch.subject  # no names in a subject
    assert "Dear Hanna Opleider" in english.rendered.text and 'lang="en"' in english.rendered.html
    assert dutch.invitation is not None and b"Hao-mentor: telefoongesprek" in dutch.invitation.ics
    assert dutch.sender[0] == "Hao-mentoren huisartsopleiding" and dutch.trajectory_id is None
    reminder = HaoMessage(trajectory_id=cid, occasion="c1-plan:reminder-1", template="hao_reminder",
                          to=HaoRole.MENTOR, conversation=1,
                          extra={"step": "held", "n": 1, "since": START.isoformat(), "about_role": "mentor"})
    text = compose(svc, reminder, START).rendered.text
    assert "de bevestiging dat het gesprek heeft plaatsgevonden" in text
    with pytest.raises(ValidationError, match="HaoNotice"):
        compose(svc, reminder.model_copy(update={"extra": {"step": "held"}}), START)


LETTERS: dict[str, dict[str, Any]] = {
    "member_invitation": {"contribution": "€ 150,00"},
    "training_invitation": {},
    "matching_proposal": {"pairs": 3, "unmatched": 1},
    "mentor_ineligible_notice": {"applicant": "Dr. Kees", "applicant_email": "kees@example.org",
                                 "reasons": ["gestopt in 2015"]},
    "not_member": {"role": "mentee", "applicant_email": "kees@example.org"},
    "not_member_notice": {"applicant": "Dr. Kees", "applicant_email": "kees@example.org", "role": "mentee",
                          "command": "mentorschap members add kees@example.org --name 'Kees'"},
}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("template", sorted(LETTERS))
def test_every_letter_is_composed_in_its_language(svc: Any, template: str, language: str) -> None:
    from tests.integration.test_cohort_enrolment import PLAN

    svc.cohorts.open(PLAN, START)
    letter = Letter(cohort=PLAN.id, occasion=f"test-{template}", template=template, name="Dr. Kees",
                    email="kees@example.org", language=language, extra=LETTERS[template],
                    action_url="https://p.example/a/x?y=1&z=2", training=template == "training_invitation")
    mail = compose(svc, letter, START)
    assert mail.subject and "Dr. Kees" in mail.rendered.text and f'lang="{language}"' in mail.rendered.html
    assert ":\nhttps://p.example/a/x?y=1&z=2\n" in mail.rendered.text
    assert "https://p.example/a/x?y=1&amp;z=2" in mail.rendered.html
    if template == "training_invitation":  # the training's calendar invitation, with the letter's text
        assert mail.invitation is not None and b"Mentortraining Mentorschap Zuidoost-Brabant 2021" in \
            mail.invitation.ics.replace(b"\r\n ", b"")
    for value in LETTERS[template].values():
        if isinstance(value, str) and not value.startswith("mentee"):
            assert value in mail.rendered.text


@pytest.fixture
def hao_world(svc: Any) -> dict[str, int]:
    """A consultation, a guidance and a progress trajectory, stored with their people (ids 1-3)."""
    from tests.unit.test_hao_templates import MENTOR, STAFF, TRAINER, trajectories

    hao = svc.hao.repo
    ids = [hao.add_person(p.model_copy(update={"id": None})) for p in (TRAINER, MENTOR, STAFF)]
    assert ids == [1, 2, 3]  # what the trajectories name
    return {t.kind.value: hao.add_trajectory(t, START).require_id() for t in trajectories()}


HAO_EXTRA: dict[str, dict[str, Any]] = {
    "hao_plan_request": {"number": 2}, "hao_consultation_declined": {"proposed_mentor_id": 2},
    "hao_request_confirm": {"request_mentor_id": 2}, "hao_information": {"year": 2021},
    "hao_intervision": {"year": 2021, "starts_at": "2021-10-05T14:00:00+00:00", "ends_at": "2021-10-05T17:00:00+00:00",
                        "location": "Zaal 2"},
    "hao_undelivered": {"refused": []},  # the refusals themselves: tests/integration/test_hao_undelivered.py
}
NOTICES = {"hao_reminder", "hao_escalation", "hao_answer_reminder", "hao_answer_waiting"}


@pytest.mark.parametrize("to", [HaoRole.TRAINER, HaoRole.MENTOR])
@pytest.mark.parametrize("template", sorted(HAO_CONTEXTS))
def test_every_hao_message_is_composed_from_the_database(svc: Any, hao_world: dict[str, int], template: str,
                                                         to: HaoRole) -> None:
    from tests.unit.test_hao_templates import TRAJECTORY

    kind = TRAJECTORY[template].kind.value if template in TRAJECTORY else None
    extra = HAO_EXTRA.get(template, {})
    if template in NOTICES:
        extra = {"step": "plan", "n": 1, "since": START.isoformat(), "about_role": "mentor"}
    m = HaoMessage(trajectory_id=hao_world[kind] if kind else None, occasion=f"test-{template}", template=template,
                   to=to, person_id=None if kind else 1, conversation=1 if kind else None, extra=extra,
                   link="hao_plan" if to is HaoRole.MENTOR and kind else None, link_ref="c1-plan")
    mail = compose(svc, m, START)
    name = "Hanna <Hao>" if (to is HaoRole.TRAINER or not kind) else "Marc Mentor"
    assert mail.subject and "{" not in mail.subject and name in mail.rendered.text
    assert "Sara Staf" in mail.rendered.text and mail.trajectory_id is None
    if m.link:
        assert ":\nhttp" in mail.rendered.text and "/h/" in mail.rendered.text


def test_every_template_in_the_catalogue_has_one_typed_context() -> None:
    from adapters.rendering import messages


    assert set(CONTEXTS) | set(HAO_CONTEXTS) == set(messages()) and not set(CONTEXTS) & set(HAO_CONTEXTS)
