"""Every e-mail in the catalogue renders in both languages (the renderer alone, hand-made contexts);
the real composers are tested in tests/integration/test_composers.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from jinja2 import UndefinedError

from adapters.rendering import Renderer, format_date, format_datetime, messages

CATALOGUE = {
    "application_confirmation", "mentor_ineligible", "matching_needed", "kennismaking_invitation",
    "kennismaking_declined", "plan_request", "plan_for_review", "plan_comment", "sign_request", "signed", "signed_plan",
    "meeting_propose_request", "meeting_invitation", "meeting_updated", "meeting_cancelled", "topics_request",
    "topics_for_mentor", "meeting_confirm_request", "reminder", "escalation", "evaluation_request",
    "evaluation_contact", "closed", "withdrawn", "mentor_left", "reminders_combined", "facilitator_digest",
    "member_invitation", "training_invitation", "mentor_ineligible_notice", "matching_proposal",
    "not_member", "not_member_notice",
}

STARTS = datetime(2021, 3, 9, 13, 0, tzinfo=UTC)  # 14:00 in Amsterdam (winter time)


def person(name: str, email: str) -> SimpleNamespace:
    return SimpleNamespace(
        name=name, email=email, phone="0401234567", practice_name=f"Praktijk {name}",
        address="Markt 1, 5611 AB Eindhoven",
    )


MENTEE = person("Anna de Vries", "anna@example.org")
MENTOR = {"name": "Bram <Bakker>", "email": "bram@example.org", "phone": "0407654321",
          "practice_name": "Huisartsen & Co", "address": "Stratumseind 2, 5611 EN Eindhoven"}
PLAN = SimpleNamespace(version=2, goals=["Beter delegeren", "Grenzen stellen"], text="Regel 1\nRegel 2")
MEETING = SimpleNamespace(number=1, starts_at=STARTS, ends_at=STARTS + timedelta(minutes=90))
COHORT = SimpleNamespace(
    name="Mentorschap Zuidoost-Brabant 2021", trajectories_start=date(2021, 2, 1),
    training_at=STARTS, training_ends_at=STARTS + timedelta(hours=3), training_location="Kringkantoor, Eindhoven",
    mentor_deadline=STARTS - timedelta(days=30), mentee_deadline=STARTS - timedelta(days=20),
)
SIGNATURES = [
    {"name": MENTEE.name, "role": "mentee", "signed_at": STARTS - timedelta(days=30)},
    {"name": MENTOR["name"], "role": "mentor", "signed_at": STARTS - timedelta(days=29)},
]

EXTRA: dict[str, dict] = {
    "application_confirmation": {"role": "mentee", "cohort": "2021-voorjaar"},
    "mentor_ineligible": {"reasons": ["minder dan 5 jaar ervaring", "gestopt in 2015"]},
    "matching_needed": {"mentee": MENTEE, "ui_hint": "mentorschap match 7 --mentor 12"},
    "kennismaking_invitation": {"other": MENTOR, "mentee": MENTEE, "mentor": MENTOR},
    "kennismaking_declined": {"mentee": MENTEE, "mentor": MENTOR, "reason": "klik niet", "by_role": "mentor"},
    "plan_request": {"mentor": MENTOR},
    "plan_for_review": {"plan": PLAN, "mentee": MENTEE, "mentor": MENTOR},
    "plan_comment": {"comment": "Maak leerdoel 2 concreter <graag>.", "version": 2},
    "sign_request": {"plan": PLAN, "other": MENTOR},
    "signed": {"plan": PLAN, "ends_by": date(2021, 11, 9), "signatures": SIGNATURES},
    "signed_plan": {"plan": PLAN, "ends_by": date(2021, 11, 9), "signatures": SIGNATURES,
                    "mentee": MENTEE, "mentor": MENTOR},
    "meeting_propose_request": {"earliest": date(2021, 4, 20), "ends_by": date(2021, 11, 9)},
    "meeting_invitation": {"meeting": MEETING, "location": "Huisartsen & Co, Eindhoven", "other": MENTOR},
    "meeting_updated": {"meeting": MEETING, "location": "Huisartsen & Co, Eindhoven", "other": MENTOR,
                        "changed_by": "Dr. Bas & Zn"},
    "meeting_cancelled": {"meeting": SimpleNamespace(**vars(MEETING), cancel_reason="ziek <koorts>"),
                          "location": "Huisartsen & Co, Eindhoven", "other": MENTOR, "changed_by": "Dr. Bas & Zn"},
    "topics_request": {"meeting": MEETING},
    "topics_for_mentor": {"meeting": MEETING, "topics": "Casus: lastige patiënt\nPlanning", "mentee": MENTEE},
    "meeting_confirm_request": {"meeting": MEETING},
    "reminder": {"step_label": "uw mentorschapsplan schrijven", "n": 2, "since": date(2021, 2, 1)},
    "escalation": {"about": MENTEE, "about_role": "mentee", "step_label": "plan schrijven",
                   "since": date(2021, 2, 1)},
    "evaluation_request": {"kind": "interim"},
    "evaluation_contact": {"kind": "final", "mentee": MENTEE, "mentor": MENTOR,
                           "ui_hint": "Prefect UI: open de wachtende run en vul het formulier in"},
    "closed": {"meetings_held": 6},
    "withdrawn": {"by_role": "mentee", "reason": "verhuizing", "mentee": MENTEE},
    "mentor_left": {"reason": "ziekte"},
    "reminders_combined": {"n_items": 2, "items": [
        {"trajectory_id": 7, "pair": "Anna en Bram", "step_label": "de intentieverklaring ondertekenen",
         "since": date(2021, 2, 1), "escalation": False, "about_role": "", "action_url": "https://p.example/a/x"},
        {"trajectory_id": 9, "pair": "Cor en Dirk", "step_label": "de intentieverklaring ondertekenen",
         "since": "2021-02-03", "escalation": True, "about_role": "mentor", "action_url": None},
    ]},
    "facilitator_digest": {"cohort": "zob-2021", "week": "2021-W10", "active": 2, "rows": [], "overdue": [
        {"traject": "7", "mentee": "Anna", "mentor": "Bram", "fase": "mentorschapsplan", "status": "wacht",
         "achterstand": "mentor: sign (9 dagen)", "volgende": "15-03-2021"}],
        "coming": [{"traject": "9", "mentee": "Cor", "mentor": "Dirk", "fase": "bijeenkomsten",
                    "status": "bijeenkomst 2 op 12 mrt 2021", "achterstand": "", "volgende": "12-03-2021"}],
        "undelivered": [{"nummer": 37, "traject": 7, "bericht": "meeting_invitation", "adres": "anna@exmple.org",
                         "fout": "recipients refused: 550 5.1.1 No such user here"}]},
    "member_invitation": {"plan": COHORT, "contribution": "€ 150,00"},
    "training_invitation": {"plan": COHORT},
    "mentor_ineligible_notice": {"applicant": "Dr. K. Verhoeven", "applicant_email": "k@example.org",
                                 "reasons": ["gestopt in 2015"], "cohort": "zob-2021"},
    "matching_proposal": {"cohort": "zob-2021", "pairs": 3, "unmatched": 1},
    "not_member": {"role": "mentee", "applicant_email": "anna@example.org"},
    "not_member_notice": {"applicant": "Anna de Vries", "applicant_email": "anna@example.org", "role": "mentee",
                          "cohort": "zob-2021", "command": "mentorschap members add anna@example.org --name 'Anna'"},
}


def context(message: str, action_url: str | None = "https://portal.example.org/a/abc?x=1&y=2") -> dict:
    return {
        "person": MENTEE, "programme_name": "Mentorschap Zuidoost-Brabant",
        "facilitator": {"name": "Fenna Facilitator", "email": "facilitator@example.org"},
        "portal_url": "https://portal.example.org", "action_url": action_url, "trajectory_id": 7,
        **EXTRA[message],
    }


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def test_the_catalogue_is_complete_in_both_languages(renderer: Renderer) -> None:
    # Programme B's messages (hao_*) have their own test: tests/unit/test_hao_templates.py.
    assert {m for m in messages() if not m.startswith("hao_")} == CATALOGUE
    assert {m for m in renderer.messages("en") if not m.startswith("hao_")} == CATALOGUE
    assert set(EXTRA) == CATALOGUE


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("message", sorted(CATALOGUE))
@pytest.mark.parametrize("action_url", ["https://portal.example.org/a/abc?x=1&y=2", None])
def test_every_message_renders(renderer: Renderer, message: str, language: str, action_url: str | None) -> None:
    out = renderer.render(message, language, context(message, action_url))
    assert out.subject and "\n" not in out.subject and "{" not in out.subject
    assert MENTEE.name in out.text
    assert "{{" not in out.text and "{%" not in out.html
    assert out.html.lstrip().startswith("<!DOCTYPE html>")
    assert f'lang="{language}"' in out.html
    if action_url:
        assert f":\n{action_url}\n" in out.text  # the link on a line of its own, after its label
        assert action_url.replace("&", "&amp;") in out.html


@pytest.mark.parametrize("message", sorted(CATALOGUE))
def test_the_two_languages_differ(renderer: Renderer, message: str) -> None:
    nl = renderer.render(message, "nl", context(message))
    en = renderer.render(message, "en", context(message))
    assert nl.text != en.text
    assert nl.subject != en.subject


def test_html_is_escaped_and_text_is_not(renderer: Renderer) -> None:
    out = renderer.render("kennismaking_invitation", "nl", context("kennismaking_invitation"))
    assert "Bram &lt;Bakker&gt;" in out.html and "Huisartsen &amp; Co" in out.html
    assert "Bram <Bakker>" in out.text and "Huisartsen & Co" in out.text
    assert "Bram <Bakker>" in out.subject


def test_a_missing_key_fails_loudly(renderer: Renderer) -> None:
    ctx = context("meeting_invitation")
    del ctx["location"]
    with pytest.raises(UndefinedError):
        renderer.render("meeting_invitation", "nl", ctx)


def test_an_unknown_language_falls_back_to_dutch(renderer: Renderer) -> None:
    assert renderer.render("closed", "fy", context("closed")) == renderer.render("closed", "nl", context("closed"))


def test_dates_in_dutch_and_english_in_amsterdam_time() -> None:
    assert format_datetime(STARTS, "nl") == "dinsdag 9 maart 2021 om 14:00"
    assert format_datetime(STARTS, "en") == "Tuesday 9 March 2021 at 14:00"
    summer = datetime(2021, 7, 1, 23, 30, tzinfo=UTC)  # already 2 July in Amsterdam
    assert format_date(summer, "nl") == "vrijdag 2 juli 2021"
    assert format_date(date(2021, 11, 9), "en") == "Tuesday 9 November 2021"


def test_dates_that_went_through_json_render_the_same() -> None:
    assert format_date("2021-11-09", "nl") == "dinsdag 9 november 2021"
    assert format_datetime(STARTS.isoformat(), "nl") == "dinsdag 9 maart 2021 om 14:00"
    with pytest.raises(ValueError, match="naive"):
        format_datetime("2021-03-09T14:00:00")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("message", ["meeting_invitation", "meeting_updated"])
def test_invitations_say_no_calendar_reply_is_needed(renderer: Renderer, message: str, language: str) -> None:
    out = renderer.render(message, language, context(message))
    words = {"nl": "hoeft de agenda-uitnodiging niet te accepteren", "en": "no need to accept"}[language]
    assert words in out.text and words in out.html
    when = {"nl": "dinsdag 9 maart 2021 om 14:00", "en": "Tuesday 9 March 2021 at 14:00"}[language]
    assert when in out.text and "15:30" in out.text


def test_subjects_follow_the_context(renderer: Renderer) -> None:
    first = renderer.render("reminder", "nl", {**context("reminder"), "n": 1})
    second = renderer.render("reminder", "nl", context("reminder"))
    assert first.subject == "Herinnering: uw mentorschapsplan schrijven"
    assert second.subject.startswith("Tweede herinnering")
    ctx = {**context("application_confirmation"), "role": "mentor"}
    mentor = renderer.render("application_confirmation", "nl", ctx)
    assert "mentortraining" in mentor.text


def test_a_mentee_confirmation_states_the_contribution(renderer: Renderer) -> None:
    ctx = {**context("application_confirmation"), "contribution": "€ 150,00"}
    assert "€ 150,00" in renderer.render("application_confirmation", "nl", ctx).text
    assert "€ 150,00" in renderer.render("application_confirmation", "en", ctx).html


def test_a_cancellation_names_who_called_it_off_and_why_escaped_in_html(renderer: Renderer) -> None:
    out = renderer.render("meeting_cancelled", "nl", context("meeting_cancelled"))
    assert 'Dr. Bas & Zn heeft hem afgezegd, met als reden: "ziek <koorts>"' in out.text
    assert "Dr. Bas &amp; Zn heeft hem afgezegd" in out.html and "ziek &lt;koorts&gt;" in out.html
