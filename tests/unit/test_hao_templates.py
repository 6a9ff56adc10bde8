"""Every hao-programme template renders in Dutch and English (the renderer alone, a hand-made context);
the real composer of each is tested in tests/integration/test_composers.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.rendering import Renderer, messages
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import FORMS, REASONS, TASK_AREAS, Claim, Consultation, Goal, Guidance, Progress
from domain.hao.undelivered import Refusal

NOW = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)
TRAINER = HaoPerson(id=1, role=HaoRole.TRAINER, name="Hanna <Hao>", email="hanna@example.org", practice="P & Co")
MENTOR = HaoPerson(id=2, role=HaoRole.MENTOR, name="Marc Mentor", email="marc@example.org", expertise="beoordelen")
STAFF = HaoPerson(id=3, role=HaoRole.STAFF, name="Sara Staf", email="sara@example.org")


def trajectories():
    c = Consultation.request(1, 2, "phone", "Mijn aios en ik botsen", "c-000001", NOW)
    c.accept(NOW)
    c.plan_conversation(NOW + timedelta(days=2), "phone", NOW)
    g = Guidance.request(1, 2, "institute", "short_term", [Goal(area=2, text="Feedback geven")], "g-000001", NOW)
    g.sign_goals(NOW)
    g.plan_conversation(NOW + timedelta(days=2), "visit", NOW)
    g.record_held(1, Claim(km=10), NOW + timedelta(days=3))
    g.end_conversations(NOW + timedelta(days=3))
    g.write_report("Doel bereikt.", NOW + timedelta(days=4))
    g.sign_discussed("Ik zie het anders.", NOW + timedelta(days=5))
    p = Progress.start(1, "v-000001", NOW)
    p.couple(2, 4, NOW)
    p.plan_conversation(NOW + timedelta(days=2), "meeting", NOW)
    p.record_held(1, Claim(), NOW + timedelta(days=3))
    p.write_report(1, "Goed begin.", NOW + timedelta(days=3))
    return c, g, p


C, G, P = trajectories()
TRAJECTORY = {"hao_consultation_request": C, "hao_consultation_closed": C, "hao_plan_request": C,
              "hao_invitation": C, "hao_guidance_goals": G, "hao_guidance_started": G, "hao_report_request": G,
              "hao_discuss_request": G, "hao_report_released": G, "hao_coupling_needed": P, "hao_coupled": P,
              "hao_report_sign": P, "hao_progress_flag": P, "hao_progress_done": P, "hao_answer_reminder": C,
              "hao_answer_waiting": C, "hao_consultation_accepted": C, "hao_consultation_declined": C,
              "hao_reminder": G, "hao_escalation": C}
HAO = sorted(m for m in messages() if m.startswith("hao_"))


def context(message: str, person: HaoPerson, action_url: str | None) -> dict:
    t = TRAJECTORY.get(message)
    return {
        "person": person, "programme_name": "Hao-mentoren", "contacts": [STAFF], "portal_url": "https://p.example",
        "action_url": action_url, "trajectory_id": None, "t": t, "kind_label": t.kind.label if t else "",
        "trainer": TRAINER, "mentor": MENTOR, "conversation": t.conversations[0] if t and t.conversations else None,
        "forms": FORMS, "reasons": REASONS, "areas": TASK_AREAS, "mentors": [MENTOR],
        "due_by": P.due_by.date(), "number": 2, "request_mentor_id": 2, "proposed_mentor_id": 2, "n": 1,
        "year": 2021, "starts_at": NOW.isoformat(), "location": "Zaal 2", "since": NOW, "about": MENTOR,
        "step_label": "een datum voor het volgende gesprek", "about_label": "de mentor", "about_role": "mentor",
        "undelivered": [Refusal(12, "h8:goals:trainer", "hao_guidance_goals", "hanna@exmple.org", "550 5.1.1 unknown",
                                "gerichte begeleiding g-000001")],
        "institute": {"trajectories": [{"trainer": {"name": "Hanna"}, "kind": "guidance", "status": "loopt",
                                        "mentor": {"name": "Marc"}, "report": None}]},
    }


def test_the_hao_catalogue_is_the_same_in_both_languages() -> None:
    assert len(HAO) == 25
    assert sorted(m for m in Renderer().messages("en") if m.startswith("hao_")) == HAO


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("message", HAO)
@pytest.mark.parametrize("person", [TRAINER, MENTOR])
def test_every_hao_message_renders(message: str, language: str, person: HaoPerson) -> None:
    out = Renderer().render(message, language, context(message, person, "https://p.example/h/x?a=1&b=2"))
    assert out.subject and "{" not in out.subject
    assert person.name in out.text and f'lang="{language}"' in out.html
    assert ":\nhttps://p.example/h/x?a=1&b=2\n" in out.text
    assert "Hanna &lt;Hao&gt;" in out.html or "Hanna <Hao>" not in out.text


@pytest.mark.parametrize("message", ["hao_consultation_request", "hao_invitation", "hao_consultation_closed",
                                     "hao_answer_reminder", "hao_answer_waiting", "hao_consultation_declined",
                                     "hao_escalation"])
def test_consultation_subjects_carry_no_names_or_question(message: str) -> None:
    out = Renderer().render(message, "nl", context(message, MENTOR, None))
    assert "Hanna" not in out.subject and "aios" not in out.subject


def test_the_released_report_carries_the_dissent() -> None:
    out = Renderer().render("hao_report_released", "nl", context("hao_report_released", STAFF, None))
    assert "Doel bereikt." in out.text and "Ik zie het anders." in out.text


def test_a_declined_consultation_names_the_proposed_colleague_and_the_list() -> None:
    out = Renderer().render("hao_consultation_declined", "nl", context("hao_consultation_declined", TRAINER, None))
    assert "stelt voor dat u Marc Mentor vraagt" in out.text and "https://p.example/hao/mentoren?mentor=2" in out.text


def test_the_chairs_mail_carries_her_link() -> None:
    out = Renderer().render("hao_coupling_needed", "nl", context("hao_coupling_needed", STAFF, "https://p.example/h/c"))
    assert "persoonlijke link" in out.text and "Mentor kiezen" in out.html
