"""Headless Chromium (Debian's package) against the real stack: a sign-off on a phone, the Prefect UI.

Screenshots go to var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import pytest

from mentorschap.stack import ROOT

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "var" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
NOW = datetime(2021, 1, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def trajectory_waiting_for_signatures():
    """A pair whose plan is written, straight through the domain and the store."""
    from domain.people import Application, Role
    from domain.trajectory import Trajectory
    from tests.stack import svc as stack_services

    svc = stack_services()

    def apply(role: str, name: str, email: str) -> int:
        return svc.repo.add_person(svc.cohort, Application(
            role=role, name=name, email=email, phone="040-2534567", practice_name="Praktijk De Linde",
            practice_address={"street": "Lindelaan 3", "postcode": "5611AB", "city": "Eindhoven"},
            years_experience=20 if role == "mentor" else 2, consent=True, learning_goals="grenzen", topics="praktijk",
        ), NOW)

    mentee = apply("mentee", "Femke Jansen", "femke@example.org")
    mentor = apply("mentor", "Dr. Hans Peters", "hans@example.org")
    t = svc.repo.add_trajectory(Trajectory.apply(svc.cohort, mentee, NOW), NOW)
    svc.repo.change(t.id, lambda t: t.confirm_application(NOW), NOW)
    svc.repo.change(t.id, lambda t: t.choose_mentor(mentor, NOW), NOW)
    for role in (Role.MENTEE, Role.MENTOR):
        svc.repo.change(t.id, lambda t, role=role: t.answer_kennismaking(role, True, "", NOW), NOW)
    svc.repo.change(t.id, lambda t: t.submit_plan(
        ["Grenzen stellen aan mijn werkweek", "Een eigen stijl in lastige gesprekken"],
        "Per bijeenkomst bespreken we een casus uit mijn praktijk.", NOW), NOW)
    url = svc.links.make(mentee, "mentee", t.id, "sign", "k1-sign-v1", {"plan_version": 1})
    return svc, t.id, url


def log_in(page, stack) -> None:
    """The Prefect UI is locked (tests/stack.py): a facilitator types the auth string once."""
    page.goto(stack.ui_url)
    field = page.locator("input[type=password]")
    field.wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / "prefect-login.png"))
    field.fill(stack.env["PREFECT_API_AUTH_STRING"])
    field.press("Enter")
    page.get_by_text("Runs").first.wait_for(timeout=60_000)


def test_the_prefect_api_refuses_a_request_without_the_login(stack):
    import httpx

    assert httpx.post(f"{stack.api_url}/flows/filter", json={}, timeout=10).status_code == 401
    user, _, password = stack.env["PREFECT_API_AUTH_STRING"].partition(":")
    assert httpx.post(f"{stack.api_url}/flows/filter", json={}, auth=(user, password), timeout=10).status_code == 200


def test_a_mentee_signs_on_a_phone(stack, browser):
    from domain.people import Role

    svc, tid, url = trajectory_waiting_for_signatures()
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page.goto(url)
    assert "Grenzen stellen aan mijn werkweek" in page.content()
    # Nothing wider than the phone: no sideways scrolling on a 390-px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "portal-sign-phone.png"), full_page=True)
    page.get_by_role("button").first.click()
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "portal-signed-phone.png"), full_page=True)
    t, _ = svc.repo.trajectory(tid)
    assert Role.MENTEE in t.match.current_signatures()
    # The same link a second time: a clear page, nothing changed.
    again = page.goto(url)
    assert again is not None and again.status == 410
    page.screenshot(path=str(SHOTS / "portal-link-used-phone.png"), full_page=True)
    assert svc.repo.trajectory(tid)[0].match.current_signatures().keys() == {Role.MENTEE}
    page.close()


def test_the_prefect_ui_lists_runs_by_name_and_shows_the_cohort_board(stack, browser):
    from flows.sweep import sweep_now
    from tests.stack import svc as stack_services

    svc = stack_services()
    if not svc.repo.trajectory_ids():
        trajectory_waiting_for_signatures()
    sweep_now()  # starts runs not started yet and publishes the cohort board
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    log_in(page, stack)
    page.goto(f"{stack.ui_url}/runs")
    page.get_by_text("·").first.wait_for(timeout=60_000)  # run names read "<pair> · <what it waits for>"
    page.screenshot(path=str(SHOTS / "prefect-runs.png"), full_page=True)
    # The waiting run of a pair: its name, and the form the facilitator resumes it with.
    page.get_by_text("wacht op handtekening").first.click()
    page.get_by_role("button", name=re.compile("Resume", re.I)).first.click()
    page.get_by_text(re.compile("Nieuwe match starten|rematch", re.I)).first.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "prefect-run-form.png"), full_page=True)
    assert "Gewekt door" not in page.content()  # our internal field is not on her form (issue 12.6)
    her_wrong_and_right_form(page, svc)
    page.goto(f"{stack.ui_url}/artifacts")
    page.get_by_text("cohortbord").first.wait_for(timeout=60_000)
    page.get_by_text("cohortbord").first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_text(re.compile(r"^[0-9a-f]{8}$")).first.click()  # the newest version of the board
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SHOTS / "prefect-cohort-board.png"), full_page=True)
    assert "Femke Jansen" in page.content()
    assert "wacht op handtekening mentor (plan v1)" in page.content()
    page.close()


# True when some element in the dialog with this text is on top where it is drawn (scrolled into view).
SEEN = """needle => [...document.querySelectorAll('[role=dialog] *')]
  .filter(e => e.children.length === 0 && e.textContent.includes(needle))
  .some(e => { e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
               if (!r.height) return false;
               const hit = document.elementFromPoint(r.x + 4, r.y + r.height / 2);
               return hit === e || e.contains(hit); })"""


def her_wrong_and_right_form(page, svc) -> None:
    """Issue 12: she sends the form empty, finds why it was not carried out in the run's name and above
    the next form, then sends it right: her note lands in the trajectory's history and the mark goes."""
    from domain.people import Role
    from tasks.runs import REFUSED
    from tests.flows.forms import seen

    tid = next(i for i in svc.repo.trajectory_ids()
               if svc.repo.person(svc.repo.trajectory(i)[0].mentee_id).name == "Femke Jansen")
    before = seen(svc.runs, tid)
    refused = send_form(page, svc, tid, before)  # nothing filled in
    assert refused.name.endswith(REFUSED)
    page.reload()
    page.get_by_text("niet uitgevoerd").first.wait_for(timeout=30_000)  # the run's name, at the top of its page
    page.get_by_role("button", name=re.compile("Resume", re.I)).first.click()
    page.get_by_role("dialog").get_by_text("NIET UITGEVOERD: het formulier was leeg").first.wait_for(timeout=30_000)
    # Seen, not only in the page: under the form's first field (the UI collapses a long form's own text).
    assert page.evaluate(SEEN, "NIET UITGEVOERD: het formulier was leeg")
    page.screenshot(path=str(SHOTS / "prefect-run-form-refused.png"), full_page=True)
    after = send_form(page, svc, tid, refused, note="Femke gebeld: de mentor tekent deze week")
    assert not after.name.endswith(REFUSED) and "NIET UITGEVOERD" not in after.description
    last = svc.repo.trajectory(tid)[0].history[-1]
    assert (last.what, last.by) == ("toelichting: Femke gebeld: de mentor tekent deze week", Role.FACILITATOR)
    page.reload()
    page.get_by_text(after.name).first.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "prefect-run-after-right-form.png"), full_page=True)


def send_form(page, svc, tid: int, waiting, note: str = ""):
    """Press Submit on the open form (with ``note`` typed in), and return the run's next wait. Prefect on
    SQLite may answer a busy moment's resume with an error toast ('database is locked'): she presses
    Resume and Submit again, once, as a facilitator would."""
    from tests.flows.forms import seen

    for attempt in range(2):
        if attempt:
            page.reload()
            page.get_by_role("button", name=re.compile("Resume", re.I)).first.click()
        if note:
            page.get_by_role("dialog").locator("textarea").first.fill(note)
        page.get_by_role("button", name="Submit").click()
        try:
            return seen(svc.runs, tid, after=waiting.key, timeout=45 if attempt == 0 else 150)
        except AssertionError:
            if attempt:
                raise
    raise AssertionError("unreachable")
