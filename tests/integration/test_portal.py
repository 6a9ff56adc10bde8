"""The participant portal against a real SQLite file, a fake clock and a recording fake for the runs."""

from __future__ import annotations

import base64
import html
import itertools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

from adapters.db import create_schema, make_engine
from adapters.links import Links
from adapters.repository import Repository
from domain.clock import AMSTERDAM, FakeClock, local_date
from domain.people import Role
from domain.phases import Phase
from domain.trajectory import EvaluationKind, MeetingStatus, Trajectory
from mentorschap.stack import free_port
from portal.app import create_app
from wiring.settings import Settings

SECRET = "integration-test-secret-0123456789abcdef"
COHORT = "2021-02"
START = datetime(2021, 1, 11, 9, 0, tzinfo=AMSTERDAM)


@dataclass
class FakeRuns:
    """Records what the portal asks of the trajectory runs; may be told to fail."""

    fail: bool = False
    started: list[tuple[int, str, list[str]]] = field(default_factory=list)
    woken: list[tuple[int, str, str]] = field(default_factory=list)

    def start(self, trajectory_id: int, name: str | None = None, tags: list[str] | None = None) -> str:
        if self.fail:
            raise ConnectionError("Prefect server unreachable")
        self.started.append((trajectory_id, name or "", tags or []))
        return f"run-{trajectory_id}"

    def wake(self, trajectory_id: int, woken_by: str, note: str = "") -> bool:
        if self.fail:
            raise ConnectionError("Prefect server unreachable")
        self.woken.append((trajectory_id, woken_by, note))
        return True


@dataclass
class World:
    client: TestClient
    repo: Repository
    clock: FakeClock
    links: Links
    runs: FakeRuns

    def now(self) -> datetime:
        return self.clock.now()

    def link(self, person_id: int, role: str, trajectory_id: int, action: str, ref: str, **extra: Any) -> str:
        """The path of a personal link, as the client requests it."""
        return "/a/" + self.links.make(person_id, role, trajectory_id, action, ref, extra).rsplit("/a/", 1)[1]

    def trajectory(self, trajectory_id: int) -> tuple[Trajectory, int]:
        return self.repo.trajectory(trajectory_id)


@pytest.fixture
def world(db_url, tmp_path) -> World:
    engine = make_engine(db_url)
    create_schema(engine)
    clock = FakeClock(START)
    settings = Settings(
        environment="test", portal_url="http://testserver", facilitator_name="Fien Facilitator",
        facilitator_address="fien@kring.example.org", link_valid_days=30,
    )
    links = Links(SECRET, settings.portal_url, clock, valid_days=settings.link_valid_days)
    runs = FakeRuns()
    repo = Repository(engine)
    services = SimpleNamespace(repo=repo, clock=clock, links=links, runs=runs, settings=settings, cohort=COHORT)
    return World(TestClient(create_app(services)), repo, clock, links, runs)


def application(role: str = "mentee", **changes: str) -> dict[str, str]:
    form = {
        "name": "Anna de Vries",
        "email": "anna@praktijk.example.nl",
        "phone": "040-1234567",
        "practice_name": "Huisartsenpraktijk De Linde",
        "street": "Lindelaan 4",
        "postcode": "5611 AB",
        "city": "Eindhoven",
        "big_number": "",
        "years_experience": "2",
        "language": "nl",
        "consent": "yes",
    }
    if role == "mentee":
        form["learning_goals"] = "Grenzen stellen\nPraktijkvoering"
    else:
        form.update(
            name="Bert Jansen", email="bert@praktijk.example.nl", years_experience="12",
            topics="Praktijkvoering, samenwerking", stopped_on="",
        )
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def field_error(page: str, name: str) -> str:
    found = re.search(rf'id="err-{name}">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def apply(world: World, role: str = "mentee", **changes: str):
    return world.client.post(f"/apply?role={role}", data=application(role, **changes))


def only_person_id(world: World, role: str, email: str) -> int:
    rows = [r for r in world.repo.people_of(COHORT) if r["role"] == role and r["email"] == email]
    assert len(rows) == 1
    return int(rows[0]["id"])


@pytest.fixture
def pair(world: World) -> tuple[int, int, int]:
    """A mentee who applied through the portal, matched by the facilitator with an eligible mentor."""
    assert apply(world, "mentee").status_code == 200
    assert apply(world, "mentor").status_code == 200
    mentee_id = only_person_id(world, "mentee", "anna@praktijk.example.nl")
    mentor_id = only_person_id(world, "mentor", "bert@praktijk.example.nl")
    (tid,) = world.repo.trajectory_ids(COHORT)

    def match(t: Trajectory) -> None:
        t.confirm_application(world.now())
        t.choose_mentor(mentor_id, world.now())

    world.repo.change(tid, match, world.now())
    return tid, mentee_id, mentor_id


def signed(world: World, pair: tuple[int, int, int]) -> tuple[int, int, int]:
    """Bring the pair to the meetings phase through the domain directly (not what these tests are about)."""
    tid, mentee_id, mentor_id = pair

    def agree_plan_sign(t: Trajectory) -> None:
        now = world.now()
        t.answer_kennismaking(Role.MENTEE, True, "", now)
        t.answer_kennismaking(Role.MENTOR, True, "", now)
        t.submit_plan(["Grenzen stellen"], "Ik wil leren nee zeggen.", now)
        t.sign(Role.MENTEE, mentee_id, 1, now)
        t.sign(Role.MENTOR, mentor_id, 1, now)

    world.repo.change(tid, agree_plan_sign, world.now())
    return pair


def when(day: date, at: str = "14:00") -> dict[str, str]:
    return {"date": day.isoformat(), "time": at}


# --- applying ------------------------------------------------------------------------


def test_a_valid_mentee_application_stores_the_mentee_starts_a_trajectory_and_its_run(world: World) -> None:
    page = apply(world, "mentee")
    assert page.status_code == 200
    assert "Dank u wel voor uw aanmelding" in page.text
    mentee_id = only_person_id(world, "mentee", "anna@praktijk.example.nl")
    (tid,) = world.repo.trajectory_ids(COHORT)
    t, version = world.trajectory(tid)
    assert (t.mentee_id, t.cohort, t.phase, version) == (mentee_id, COHORT, Phase.APPLICATION, 1)
    assert world.repo.application(mentee_id).practice_address.postcode == "5611 AB"
    assert world.runs.started == [(tid, f"mentee {mentee_id}", ["mentee", f"cohort:{COHORT}", f"trajectory:{tid}"])]


@pytest.mark.parametrize(
    ("field_name", "value", "reason"),
    [
        ("name", "", "vul dit veld in"),
        ("email", "anna-at-praktijk", "geen geldig e-mailadres"),
        ("phone", "12345", "geen geldig Nederlands telefoonnummer"),
        ("practice_name", "", "vul dit veld in"),
        ("street", "", "vul dit veld in"),
        ("postcode", "0611 A", "geen geldige Nederlandse postcode"),
        ("city", "", "vul dit veld in"),
        ("big_number", "1234", "11 cijfers"),
        ("years_experience", "veel", "jaren ervaring"),
        ("years_experience", "75", "jaren ervaring"),
        ("learning_goals", "", "beschrijf kort uw leerdoelen"),
        ("consent", None, "zonder instemming met de privacyverklaring"),
    ],
)
def test_every_invalid_field_is_shown_at_that_field_with_its_reason_and_nothing_is_written(
    world: World, field_name: str, value: str | None, reason: str
) -> None:
    form = application("mentee", **{field_name: value})  # type: ignore[arg-type]
    page = world.client.post("/apply?role=mentee", data=form)
    assert page.status_code == 422
    assert reason in field_error(page.text, field_name)
    assert 'value="Huisartsenpraktijk De Linde"' in page.text or field_name == "practice_name"
    assert ("Grenzen stellen" in page.text) or field_name == "learning_goals"
    assert world.repo.people_of(COHORT) == []
    assert world.repo.count_trajectories() == 0
    assert world.runs.started == []


@pytest.mark.parametrize(
    ("field_name", "value", "reason"),
    [
        ("name", "=?utf-8?q?Anna=0D=0ABcc:_outsider@evil.example?=", "codering"),
        ("name", "Anna\r\nBcc: outsider@evil.example", "regelovergang"),
        ("name", "An\x00na", "stuurteken"),
        ("name", "\u200b\u200c\u200b", "geen zichtbare tekens"),
        ("name", "Anna \u202esenirV ed", "leesrichting"),
        ("practice_name", "Praktijk\r\nX-Evil: 1", "regelovergang"),
        ("city", "Eind\x07hoven", "stuurteken"),
        ("email", "=?utf-8?q?a?=@praktijk.example.nl", "codering"),
        ("years_experience", "1_0", "jaren ervaring"),
        ("years_experience", "1e1", "jaren ervaring"),
        ("learning_goals", "Grenzen\x00stellen", "stuurteken"),
        ("learning_goals", "x" * 4001, "te lang"),
    ],
)
def test_a_value_that_could_inject_hide_or_be_misread_is_refused_at_its_field_and_nothing_is_written(
    world: World, field_name: str, value: str, reason: str
) -> None:
    page = apply(world, "mentee", **{field_name: value})
    assert page.status_code == 422
    assert reason in field_error(page.text, field_name)
    assert world.repo.people_of(COHORT) == [] and world.repo.count_trajectories() == 0


def test_text_that_is_not_valid_utf8_is_refused_not_stored_as_replacement_characters(world: World) -> None:
    body = "&".join(f"{k}={v}" for k, v in application("mentee").items() if k != "name").encode() + b"&name=Anna%FF"
    page = world.client.post("/apply?role=mentee", content=body,
                             headers={"content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 422
    assert "geen geldige tekst" in field_error(page.text, "name")
    assert world.repo.people_of(COHORT) == []


def test_the_english_form_gives_the_reason_in_dutch_and_english(world: World) -> None:
    page = apply(world, "mentee", language="en", name="Anna\r\nBcc: x@evil.example", years_experience="1_0")
    assert page.status_code == 422
    assert field_error(page.text, "name") == "mag geen regelovergang bevatten / may not contain a line break"
    assert "years of experience" in field_error(page.text, "years_experience")


SERIAL = itertools.count()
APPLICATION_VALUES = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["=?utf-8?b?QQ0KQmNjOiB4QGV2aWwuZXhhbXBsZQ==?=", "1_0", "١٠", "nan", "-0", "60,00001",
                     "31-02-2019", "0000-00-00", "\r\n", "\u202e", "x" * 5000]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field_name=st.sampled_from(["name", "practice_name", "street", "city", "postcode", "phone", "big_number",
                                   "years_experience", "stopped_on", "learning_goals", "topics", "conflicts",
                                   "capacity", "language"]),
       value=APPLICATION_VALUES, role=st.sampled_from(["mentee", "mentor"]))
def test_no_typed_value_gives_a_server_error_or_a_half_stored_application(
    world: World, field_name: str, value: str, role: str
) -> None:
    email = f"p{next(SERIAL)}@praktijk.example.nl"  # examples share the world: a fresh address each
    page = apply(world, role, email=email, **{field_name: value})
    assert page.status_code in (200, 422), page.text[:300]
    stored = [r for r in world.repo.people_of(COHORT) if r["email"] == email]
    assert len(stored) == (1 if page.status_code == 200 else 0)
    if stored:
        person = world.repo.person(int(stored[0]["id"]))
        assert not any(c in person.name for c in "\r\n\x00\ufffd\u202e")


def test_an_empty_form_names_every_missing_field_at_once(world: World) -> None:
    page = world.client.post("/apply?role=mentor", data={})
    assert page.status_code == 422
    for name in ("name", "email", "phone", "practice_name", "street", "postcode", "city", "years_experience",
                 "topics", "consent"):
        assert field_error(page.text, name), name
    assert world.repo.people_of(COHORT) == []


def test_a_mentor_with_too_little_experience_is_told_why_and_kept_out_of_the_pool(world: World) -> None:
    page = apply(world, "mentor", years_experience="3")
    assert page.status_code == 200
    assert "minimaal 5 jaar ervaring als huisarts" in page.text
    (row,) = world.repo.people_of(COHORT)
    assert row["eligible"] is False and "minimaal 5 jaar" in row["ineligible_reason"]
    assert world.repo.mentor_pool(COHORT) == []
    assert world.repo.count_trajectories() == 0 and world.runs.started == []


def test_a_mentor_who_stopped_more_than_two_years_ago_is_told_why(world: World) -> None:
    page = apply(world, "mentor", stopped_on=(local_date(START) - timedelta(days=3 * 365)).isoformat())
    assert "gestopt" in page.text and "2 jaar na het stoppen" in page.text
    assert world.repo.mentor_pool(COHORT) == []


def test_an_eligible_mentor_joins_the_pool(world: World) -> None:
    page = apply(world, "mentor", stopped_on=(local_date(START) - timedelta(days=200)).isoformat())
    assert "groep mentoren" in page.text
    assert [p.name for p in world.repo.mentor_pool(COHORT)] == ["Bert Jansen"]
    assert world.runs.started == []


def test_a_second_application_with_the_same_email_is_refused_at_the_email_field(world: World) -> None:
    assert apply(world, "mentee").status_code == 200
    page = apply(world, "mentee", email="ANNA@praktijk.example.nl", name="Anna 2")
    assert page.status_code == 422
    assert "er is al een aanmelding" in field_error(page.text, "email")
    assert 'value="Anna 2"' in page.text
    assert world.repo.count_trajectories() == 1 and len(world.runs.started) == 1


def test_an_application_is_kept_when_the_run_cannot_be_started(world: World) -> None:
    world.runs.fail = True
    page = apply(world, "mentee")
    assert page.status_code == 200 and "Dank u wel" in page.text
    assert world.repo.count_trajectories() == 1


def test_the_privacy_statement_says_what_who_and_how_long(world: World) -> None:
    page = world.client.get("/privacy").text
    for words in ("Wat wij bewaren", "Wie het ziet", "Hoe lang", "procesfacilitator", "vertrouwelijk",
                  "twee jaar nadat uw traject is afgesloten"):
        assert words in page
    assert 'href="/privacy' in world.client.get("/apply?role=mentee").text


def test_pages_fit_a_phone_and_need_no_javascript(world: World) -> None:
    for path in ("/", "/apply?role=mentee", "/apply?role=mentor", "/privacy"):
        page = world.client.get(path)
        assert page.status_code == 200
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in page.text
        assert "<script" not in page.text


@contextmanager
def prefect_api(auth: str) -> Iterator[str]:
    """A loopback server that answers Prefect's health route as Prefect's server does, and only with its
    auth string (the real server's /healthz is checked by the served stack)."""
    expected = "Basic " + base64.b64encode(auth.encode()).decode()

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/api/health" and self.headers.get("Authorization") == expected
            self.send_response(200 if ok else 401)
            self.end_headers()
            self.wfile.write(b"true")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()


def test_health_answers_ok_when_the_database_and_prefect_answer(world: World) -> None:
    with prefect_api("admin:geheim") as url, temporary_settings(
            updates={PREFECT_API_URL: url, PREFECT_API_AUTH_STRING: "admin:geheim"}):
        assert world.client.get("/healthz").json() == {"status": "ok"}
        assert world.client.head("/healthz").status_code == 200  # a monitor's HEAD (curl -I) gets the same check
        with temporary_settings(updates={PREFECT_API_AUTH_STRING: "admin:fout"}):
            assert world.client.get("/healthz").status_code == 503
            assert world.client.head("/healthz").status_code == 503


def test_health_names_prefect_when_its_api_is_down(world: World) -> None:
    with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"}):
        page = world.client.get("/healthz")
    assert page.status_code == 503 and page.json() == {"status": "error", "failed": ["prefect"]}


def test_health_names_the_database_when_it_is_unreachable(world: World) -> None:
    unreachable = make_engine(f"postgresql+psycopg://mentorschap:geheim@127.0.0.1:{free_port()}/mentorschap")
    services = SimpleNamespace(repo=Repository(unreachable), clock=world.clock, links=world.links, runs=world.runs,
                               settings=Settings(environment="test", portal_url="http://testserver"),
                               cohort=COHORT)
    with prefect_api("a:b") as url, temporary_settings(updates={PREFECT_API_URL: url, PREFECT_API_AUTH_STRING: "a:b"}):
        page = TestClient(create_app(services)).get("/healthz")
    assert page.status_code == 503 and page.json() == {"status": "error", "failed": ["database"]}
    assert "geheim" not in page.text and "Traceback" not in page.text


# --- acting through links ------------------------------------------------------------


def test_a_whole_sequence_of_acts_through_links_moves_the_trajectory(world: World, pair) -> None:
    tid, mentee_id, mentor_id = pair
    c = world.client

    for pid, role in ((mentee_id, "mentee"), (mentor_id, "mentor")):
        link = world.link(pid, role, tid, "kennismaking", "k1-kennismaking")
        assert "verder met elkaar" in c.get(link).text
        assert c.post(link, data={"agree": "yes"}).status_code == 200
    assert world.trajectory(tid)[0].phase is Phase.PLAN

    link = world.link(mentee_id, "mentee", tid, "plan", "k1-plan")
    page = c.post(link, data={"goals": "Grenzen stellen\n\nPraktijkvoering ", "text": "Ik wil leren nee zeggen."})
    assert "Uw plan is ingediend" in page.text
    plan = world.trajectory(tid)[0].match.plan
    assert (plan.version, plan.goals) == (1, ["Grenzen stellen", "Praktijkvoering"])

    for pid, role in ((mentee_id, "mentee"), (mentor_id, "mentor")):
        link = world.link(pid, role, tid, "sign", "k1-sign-v1", plan_version=1)
        assert "Ik onderteken" in c.get(link).text
        assert c.post(link, data={}).status_code == 200
    t, _ = world.trajectory(tid)
    assert t.phase is Phase.MEETINGS and t.match.signed_at == world.now()

    first = local_date(world.now()) + timedelta(days=14)
    link = world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0")
    page = c.get(link).text
    assert "Bert Jansen" in page and "Lindelaan 4" in page  # at the mentor's practice
    assert c.post(link, data=when(first)).status_code == 200
    (meeting,) = world.trajectory(tid)[0].match.meetings
    assert meeting.starts_at == datetime.combine(first, datetime.min.time(), AMSTERDAM).replace(hour=14)

    world.clock.set(meeting.ends_at + timedelta(hours=1))
    second = first + timedelta(days=49)
    link = world.link(mentee_id, "mentee", tid, "confirm", "k1-m1-confirm", meeting=1)
    page = c.post(link, data={"choice": "held", "next_date": second.isoformat(), "next_time": "09:30"})
    assert page.status_code == 200 and "09:30" in page.text
    m1, m2 = world.trajectory(tid)[0].match.meetings
    assert m1.status is MeetingStatus.HELD and m2.status is MeetingStatus.PLANNED
    assert local_date(m2.starts_at) == second

    assert [w[:2] for w in world.runs.woken] == [(tid, "participant")] * 7


def test_a_forged_token_is_refused_and_changes_nothing(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    link = world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking")
    i = len("/a/") + 5
    forged = link[:i] + ("x" if link[i] != "x" else "y") + link[i + 1:]
    _, before = world.trajectory(tid)
    assert world.client.get(forged).status_code == 403
    page = world.client.post(forged, data={"agree": "yes"})
    assert page.status_code == 403 and "Deze link klopt niet" in page.text and "fien@kring.example.org" in page.text
    assert world.trajectory(tid)[1] == before and world.runs.woken == []


def test_a_token_signed_with_another_secret_is_refused(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    other = Links("someone-elses-secret-0123456789abcdef", "http://testserver", world.clock, 30)
    link = "/a/" + other.make(mentee_id, "mentee", tid, "withdraw", "withdraw").rsplit("/a/", 1)[1]
    _, before = world.trajectory(tid)
    assert world.client.post(link, data={"reason": "geen tijd"}).status_code == 403
    t, version = world.trajectory(tid)
    assert version == before and t.phase is Phase.KENNISMAKING


def test_an_expired_link_is_refused_and_changes_nothing(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    link = world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking")
    world.clock.advance(days=31)
    _, before = world.trajectory(tid)
    assert world.client.get(link).status_code == 410
    page = world.client.post(link, data={"agree": "yes"})
    assert page.status_code == 410 and "verlopen" in page.text and "Fien Facilitator" in page.text
    assert world.trajectory(tid)[1] == before and world.runs.woken == []


def test_a_link_works_once(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    link = world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking")
    assert world.client.post(link, data={"agree": "yes"}).status_code == 200
    _, after_first = world.trajectory(tid)
    again = world.client.post(link, data={"agree": "no", "reason": "toch niet"})
    assert again.status_code == 410 and "al gebruikt" in again.text
    assert world.client.get(link).status_code == 410
    t, version = world.trajectory(tid)
    assert version == after_first and t.match.answers[Role.MENTEE].agree is True
    assert len(world.runs.woken) == 1


def test_a_mentors_sign_link_signs_as_the_mentor_whatever_the_form_says(world: World, pair) -> None:
    tid, mentee_id, mentor_id = pair
    world.repo.change(tid, lambda t: (t.answer_kennismaking(Role.MENTEE, True, "", world.now()),
                                      t.answer_kennismaking(Role.MENTOR, True, "", world.now()),
                                      t.submit_plan(["Doel"], "Plan.", world.now())), world.now())
    link = world.link(mentor_id, "mentor", tid, "sign", "k1-sign-v1", plan_version=1)
    page = world.client.post(link, data={"role": "mentee", "person_id": str(mentee_id)})
    assert page.status_code == 200
    assert set(world.trajectory(tid)[0].match.current_signatures()) == {Role.MENTOR}


def test_a_link_for_a_person_who_is_not_the_participant_in_that_role_is_refused(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    world.repo.change(tid, lambda t: (t.answer_kennismaking(Role.MENTEE, True, "", world.now()),
                                      t.answer_kennismaking(Role.MENTOR, True, "", world.now()),
                                      t.submit_plan(["Doel"], "Plan.", world.now())), world.now())
    link = world.link(mentee_id, "mentor", tid, "sign", "k1-sign-v1", plan_version=1)  # mentor role, mentee's id
    _, before = world.trajectory(tid)
    assert world.client.get(link).status_code == 403
    assert world.client.post(link, data={}).status_code == 403
    t, version = world.trajectory(tid)
    assert version == before and t.match.signatures == []


def test_the_sign_page_shows_the_plan_of_its_version_and_a_changed_plan_refuses_the_old_link(
    world: World, pair
) -> None:
    tid, mentee_id, mentor_id = pair
    c = world.client
    for pid, role in ((mentee_id, "mentee"), (mentor_id, "mentor")):
        c.post(world.link(pid, role, tid, "kennismaking", "k1-kennismaking"), data={"agree": "yes"})
    plan_link = world.link(mentee_id, "mentee", tid, "plan", "k1-plan")
    c.post(plan_link, data={"goals": "Nee zeggen", "text": "Eerste versie & <b>vet</b>"})
    old = world.link(mentor_id, "mentor", tid, "sign", "k1-sign-v1", plan_version=1)
    page = c.get(old).text
    assert "versie 1" in page and "Eerste versie &amp; &lt;b&gt;vet&lt;/b&gt;" in page and "Nee zeggen" in page
    assert "Intentieverklaring" in page and "Ik onderteken" in page

    c.post(world.link(mentee_id, "mentee", tid, "plan", "k1-plan-v2"), data={"goals": "Nee zeggen", "text": "Tweede"})
    page = c.get(old).text
    assert "Het plan is gewijzigd" in page and "Ik onderteken" not in page and "Tweede" in page
    _, before = world.trajectory(tid)
    refused = c.post(old, data={})
    assert refused.status_code == 422 and "het plan is gewijzigd (nu versie 2)" in refused.text
    t, version = world.trajectory(tid)
    assert version == before and t.match.signatures == []

    new = world.link(mentor_id, "mentor", tid, "sign", "k1-sign-v2", plan_version=2)
    assert "versie 2" in c.get(new).text
    assert c.post(new, data={}).status_code == 200
    assert world.trajectory(tid)[0].match.current_signatures()[Role.MENTOR].plan_version == 2


def test_a_meeting_41_days_after_the_previous_is_refused_with_the_dutch_reason(world: World, pair) -> None:
    tid, mentee_id, _ = signed(world, pair)
    first = local_date(world.now()) + timedelta(days=10)
    world.client.post(world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0"), data=when(first))
    world.clock.advance(days=11)
    confirm = world.link(mentee_id, "mentee", tid, "confirm", "k1-m1-confirm", meeting=1)
    _, before = world.trajectory(tid)
    page = world.client.post(confirm, data={"choice": "held", "next_date": (first + timedelta(days=41)).isoformat(),
                                            "next_time": "14:00"})
    assert page.status_code == 422
    reason = field_error(page.text, "next_starts_at")
    assert "minder dan 6 weken (42 dagen)" in reason
    assert f"op zijn vroegst {first + timedelta(days=42):%d-%m-%Y}" in reason
    t, version = world.trajectory(tid)
    assert version == before and t.match.meetings[0].status is MeetingStatus.PLANNED  # not even the confirmation
    # The link was not used up: the corrected form goes through.
    ok = world.client.post(confirm, data={"choice": "held", "next_date": (first + timedelta(days=42)).isoformat(),
                                          "next_time": "14:00"})
    assert ok.status_code == 200
    assert len(world.trajectory(tid)[0].match.active_meetings()) == 2


def test_the_propose_page_shows_the_earliest_date_and_the_end(world: World, pair) -> None:
    tid, mentee_id, _ = signed(world, pair)
    link = world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0")
    page = world.client.get(link).text
    t, _ = world.trajectory(tid)
    assert f"{local_date(t.match.ends_by):%d-%m-%Y}" in page
    assert f"{local_date(world.now()) + timedelta(days=1):%d-%m-%Y}" in page
    page = world.client.post(link, data={"date": "", "time": ""})
    assert "vul een datum en een tijd in" in field_error(page.text, "starts_at")


def test_a_meeting_can_be_rescheduled_and_topics_recorded(world: World, pair) -> None:
    tid, mentee_id, _ = signed(world, pair)
    first = local_date(world.now()) + timedelta(days=10)
    world.client.post(world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0"), data=when(first))
    world.clock.advance(days=11)
    confirm = world.link(mentee_id, "mentee", tid, "confirm", "k1-m1-confirm", meeting=1)
    later = first + timedelta(days=7)
    page = world.client.post(confirm, data={"choice": "reschedule", "new_date": later.isoformat(), "new_time": "10:00"})
    assert page.status_code == 200
    (meeting,) = world.trajectory(tid)[0].match.meetings
    assert local_date(meeting.starts_at) == later and meeting.sequence == 1
    topics = world.link(mentee_id, "mentee", tid, "topics", "k1-m1-topics", meeting=1)
    assert world.client.post(topics, data={"topics": "Werkdruk"}).status_code == 200
    assert world.trajectory(tid)[0].match.meetings[0].topics == "Werkdruk"


def test_a_no_after_kennismaking_needs_a_reason(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    link = world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking")
    _, before = world.trajectory(tid)
    page = world.client.post(link, data={"agree": "no", "reason": " "})
    assert page.status_code == 422 and "geef kort aan waarom" in field_error(page.text, "reason")
    assert world.trajectory(tid)[1] == before
    assert world.client.post(link, data={"agree": "no", "reason": "klik was er niet"}).status_code == 200
    assert world.trajectory(tid)[0].phase is Phase.MATCHING


def test_an_evaluation_form_and_a_withdrawal(world: World, pair) -> None:
    tid, mentee_id, mentor_id = signed(world, pair)
    world.repo.change(tid, lambda t: t.start_evaluation(EvaluationKind.INTERIM, world.now()), world.now())
    link = world.link(mentor_id, "mentor", tid, "evaluation", "k1-interim-evaluation", kind="interim")
    assert "Tussenevaluatie" in world.client.get(link).text
    assert world.client.post(link, data={"went_well": "Open gesprekken"}).status_code == 200
    forms = world.trajectory(tid)[0].match.evaluations["interim"].forms
    assert "Open gesprekken" in forms[Role.MENTOR]

    withdraw = world.link(mentee_id, "mentee", tid, "withdraw", "withdraw")
    assert world.client.post(withdraw, data={"reason": "ziek"}).status_code == 200
    assert world.trajectory(tid)[0].phase is Phase.WITHDRAWN
    # Every other link of this trajectory is now moot.
    assert world.client.get(world.link(mentee_id, "mentee", tid, "topics", "x", meeting=1)).status_code == 410


def test_a_failed_wake_up_still_confirms_the_act(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    world.runs.fail = True
    page = world.client.post(world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking"),
                             data={"agree": "yes"})
    assert page.status_code == 200 and "vastgelegd" in page.text
    assert Role.MENTEE in world.trajectory(tid)[0].match.answers


def test_an_english_speaking_participant_gets_english_pages(world: World) -> None:
    apply(world, "mentee", language="en", email="emma@praktijk.example.nl", name="Emma")
    apply(world, "mentor")
    mentee_id = only_person_id(world, "mentee", "emma@praktijk.example.nl")
    mentor_id = only_person_id(world, "mentor", "bert@praktijk.example.nl")
    (tid,) = world.repo.trajectory_ids(COHORT)
    world.repo.change(tid, lambda t: (t.confirm_application(world.now()), t.choose_mentor(mentor_id, world.now())),
                      world.now())
    page = world.client.get(world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking")).text
    assert "continue together" in page and 'lang="en"' in page
    assert "verder met elkaar" in world.client.get(
        world.link(mentor_id, "mentor", tid, "kennismaking", "k1-kennismaking")).text


def test_link_pages_are_not_cached_and_leak_no_referrer(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    response = world.client.get(world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking"))
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


class RacyLinks(Links):
    """Links whose check for use comes too late, as when two taps arrive at the same moment."""

    def verify(self, token: str, engine: Any = None) -> Any:
        return super().verify(token)


def test_a_second_use_that_races_past_the_check_is_rolled_back_whole(world: World, pair) -> None:
    tid, mentee_id, _ = signed(world, pair)
    first = local_date(world.now()) + timedelta(days=10)
    world.client.post(world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0"), data=when(first))
    racy = RacyLinks(SECRET, "http://testserver", world.clock, 30)
    services = SimpleNamespace(repo=world.repo, clock=world.clock, links=racy, runs=world.runs,
                               settings=Settings(environment="test"), cohort=COHORT)
    client = TestClient(create_app(services))
    link = world.link(mentee_id, "mentee", tid, "topics", "k1-m1-topics", meeting=1)
    assert client.post(link, data={"topics": "Werkdruk"}).status_code == 200
    _, after_first = world.trajectory(tid)
    # The act itself would be allowed again (topics may be rewritten): only the used link stops it.
    second = client.post(link, data={"topics": "Iets anders"})
    assert second.status_code == 410 and "al gebruikt" in second.text
    t, version = world.trajectory(tid)
    assert version == after_first and t.match.meetings[0].topics == "Werkdruk"


def test_every_action_page_renders_without_javascript(world: World, pair) -> None:
    tid, mentee_id, mentor_id = pair
    now = world.now()

    def renders(pid: int, role: str, action: str, ref: str, **extra: Any) -> None:
        page = world.client.get(world.link(pid, role, tid, action, ref, **extra))
        assert page.status_code == 200, action
        assert "<script" not in page.text and 'name="viewport"' in page.text, action
        assert "<form" in page.text or action in ("kennismaking", "sign"), action

    renders(mentee_id, "mentee", "kennismaking", "k1-kennismaking")
    renders(mentor_id, "mentor", "kennismaking", "k1-kennismaking")
    world.repo.change(tid, lambda t: (t.answer_kennismaking(Role.MENTEE, True, "", now),
                                      t.answer_kennismaking(Role.MENTOR, True, "", now)), now)
    renders(mentee_id, "mentee", "plan", "k1-plan")
    world.repo.change(tid, lambda t: t.submit_plan(["Doel"], "Plan.", now), now)
    renders(mentor_id, "mentor", "sign", "k1-sign-v1", plan_version=1)
    world.repo.change(tid, lambda t: (t.sign(Role.MENTEE, mentee_id, 1, now), t.sign(Role.MENTOR, mentor_id, 1, now)),
                      now)
    renders(mentee_id, "mentee", "propose", "k1-propose-after-m0")
    first = local_date(now) + timedelta(days=10)
    world.client.post(world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0"), data=when(first))
    renders(mentee_id, "mentee", "confirm", "k1-m1-confirm", meeting=1)
    renders(mentee_id, "mentee", "topics", "k1-m1", meeting=1)
    world.repo.change(tid, lambda t: t.start_evaluation(EvaluationKind.INTERIM, now), now)
    renders(mentor_id, "mentor", "evaluation", "k1-interim-evaluation", kind="interim")
    renders(mentor_id, "mentor", "withdraw", "withdraw")
    renders(mentee_id, "mentee", "withdraw", "withdraw")


# --- trust (issue 9) -------------------------------------------------------------------


def test_a_plan_link_replayed_in_another_spelling_after_the_mentor_signed_changes_nothing(world: World, pair) -> None:
    tid, mentee_id, mentor_id = pair
    c = world.client
    for pid, role in ((mentee_id, "mentee"), (mentor_id, "mentor")):
        c.post(world.link(pid, role, tid, "kennismaking", "k1-kennismaking"), data={"agree": "yes"})
    plan = world.link(mentee_id, "mentee", tid, "plan", "k1-plan")
    assert c.post(plan, data={"goals": "Nee zeggen", "text": "Versie een"}).status_code == 200
    sign = world.link(mentor_id, "mentor", tid, "sign", "k1-sign-v1", plan_version=1)
    assert c.post(sign, data={}).status_code == 200
    _, before = world.trajectory(tid)
    for replay in (plan + "=", plan + "==", plan + "~~", plan):
        page = c.post(replay, data={"goals": "Iets anders", "text": "Versie twee"})
        assert page.status_code in (403, 410), replay
    t, version = world.trajectory(tid)
    assert version == before and t.match.plan.version == 1
    assert Role.MENTOR in t.match.current_signatures()


def second_mentor(world: World) -> int:
    apply(world, "mentor", name="Carla Smit", email="carla@praktijk.example.nl")
    return only_person_id(world, "mentor", "carla@praktijk.example.nl")


def rematch(world: World, tid: int, mentor_id: int) -> None:
    world.repo.change(tid, lambda t: t.choose_mentor(mentor_id, world.now()), world.now())


def test_an_unused_kennismaking_link_of_a_failed_match_does_not_answer_for_the_next(world: World, pair) -> None:
    tid, mentee_id, mentor_id = pair
    old = world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking")
    no = world.link(mentor_id, "mentor", tid, "kennismaking", "k1-kennismaking")
    assert world.client.post(no, data={"agree": "no", "reason": "geen klik"}).status_code == 200
    rematch(world, tid, second_mentor(world))
    _, before = world.trajectory(tid)
    assert world.client.get(old).status_code == 410
    page = world.client.post(old, data={"agree": "yes"})
    assert page.status_code == 410 and "eerdere koppeling" in page.text and "nieuwe e-mail" in page.text
    t, version = world.trajectory(tid)
    assert version == before and t.match.number == 2 and t.match.answers == {}
    assert world.client.post(world.link(mentee_id, "mentee", tid, "kennismaking", "k2-kennismaking"),
                             data={"agree": "yes"}).status_code == 200


def test_a_sign_link_of_an_ended_match_does_not_sign_the_next_matchs_plan(world: World, pair) -> None:
    tid, mentee_id, mentor_id = pair
    now = world.now()
    world.repo.change(tid, lambda t: (t.answer_kennismaking(Role.MENTEE, True, "", now),
                                      t.answer_kennismaking(Role.MENTOR, True, "", now),
                                      t.submit_plan(["Doel"], "Plan een.", now)), now)
    old_sign = world.link(mentee_id, "mentee", tid, "sign", "k1-sign-v1", plan_version=1)
    withdraw = world.link(mentor_id, "mentor", tid, "withdraw", "withdraw")
    assert world.client.post(withdraw, data={"reason": "verhuis"}).status_code == 200
    new_mentor = second_mentor(world)
    rematch(world, tid, new_mentor)
    world.repo.change(tid, lambda t: (t.answer_kennismaking(Role.MENTEE, True, "", now),
                                      t.answer_kennismaking(Role.MENTOR, True, "", now),
                                      t.submit_plan(["Doel"], "Plan twee.", now)), now)
    _, before = world.trajectory(tid)
    assert world.client.get(old_sign).status_code == 410
    assert world.client.post(old_sign, data={}).status_code == 410
    t, version = world.trajectory(tid)
    assert version == before and t.match.number == 2 and t.match.signatures == []


@pytest.fixture
def declined(world: World, pair) -> tuple[int, int, int]:
    """The mentor said no after the kennismaking: the trajectory is back at matching."""
    tid, _, mentor_id = pair
    no = world.link(mentor_id, "mentor", tid, "kennismaking", "k1-kennismaking")
    assert world.client.post(no, data={"agree": "no", "reason": "geen klik"}).status_code == 200
    return pair


@pytest.mark.parametrize(("action", "ref", "extra", "form"), [
    ("kennismaking", "k1-kennismaking", {}, {"agree": "yes"}),
    ("plan", "k1-plan", {}, {"goals": "Doel", "text": "Plan"}),
    ("topics", "k1-m1", {"meeting": 1}, {"topics": "Werkdruk"}),
    ("propose", "k1-propose-after-m0", {}, {"date": "2021-03-01", "time": "14:00"}),
    ("sign", "k1-sign-v1", {"plan_version": 1}, {}),
    ("confirm", "k1-m1-confirm", {"meeting": 1}, {"choice": "held"}),
])
def test_after_the_mentor_declined_every_outstanding_mentee_link_is_refused_on_get_and_post(
    world: World, declined, action: str, ref: str, extra: dict, form: dict
) -> None:
    tid, mentee_id, _ = declined
    link = world.link(mentee_id, "mentee", tid, action, ref, **extra)
    _, before = world.trajectory(tid)
    for response in (world.client.get(link), world.client.post(link, data=form)):
        assert response.status_code == 410 and "eerdere koppeling" in response.text
    assert world.trajectory(tid)[1] == before


@pytest.mark.parametrize(("action", "form"), [("confirm", {"choice": "held"}), ("topics", {"topics": "Werkdruk"})])
def test_a_confirm_or_topics_link_naming_a_meeting_that_does_not_exist_is_refused(
    world: World, pair, action: str, form: dict
) -> None:
    tid, mentee_id, _ = signed(world, pair)
    ref = "k1-m7-confirm" if action == "confirm" else "k1-m7"
    link = world.link(mentee_id, "mentee", tid, action, ref, meeting=7)
    _, before = world.trajectory(tid)
    for response in (world.client.get(link), world.client.post(link, data=form)):
        assert response.status_code == 403 and "Deze link klopt niet" in response.text
    assert world.trajectory(tid)[1] == before


def test_a_confirm_link_of_a_meeting_already_confirmed_says_so_and_proposes_nothing(world: World, pair) -> None:
    tid, mentee_id, _ = signed(world, pair)
    first = local_date(world.now()) + timedelta(days=10)
    world.client.post(world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0"), data=when(first))
    world.clock.advance(days=11)
    assert world.client.post(world.link(mentee_id, "mentee", tid, "confirm", "k1-m1-confirm", meeting=1),
                             data={"choice": "held"}).status_code == 200
    world.clock.advance(days=1)
    second = world.link(mentee_id, "mentee", tid, "confirm", "k1-m1-confirm", meeting=1)  # from a reminder
    nxt = first + timedelta(days=60)
    page = world.client.post(second, data={"choice": "held", "next_date": nxt.isoformat(), "next_time": "10:00"})
    assert page.status_code == 410 and "al afgerond" in page.text
    assert len(world.trajectory(tid)[0].match.meetings) == 1


def test_a_free_text_longer_than_its_limit_is_refused_at_its_field_and_nothing_is_stored(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    link = world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking")
    _, before = world.trajectory(tid)
    page = world.client.post(link, data={"agree": "no", "reason": "x" * 2001})
    assert page.status_code == 422 and "te lang: 2001 tekens, maximaal 2000" in field_error(page.text, "reason")
    assert world.trajectory(tid)[1] == before
    assert world.client.post(link, data={"agree": "no", "reason": "x" * 2000}).status_code == 200


def test_an_evaluation_part_that_is_too_long_is_named_at_its_own_field(world: World, pair) -> None:
    tid, _, mentor_id = signed(world, pair)
    world.repo.change(tid, lambda t: t.start_evaluation(EvaluationKind.INTERIM, world.now()), world.now())
    link = world.link(mentor_id, "mentor", tid, "evaluation", "k1-interim-evaluation", kind="interim")
    page = world.client.post(link, data={"went_well": "Goed", "remarks": "y" * 4001})
    assert page.status_code == 422 and "maximaal 4000" in field_error(page.text, "remarks")
    assert world.trajectory(tid)[0].match.evaluations["interim"].forms == {}


@pytest.mark.parametrize(("day", "words"), [
    ("2021-03-28", "bestaat niet op 28-03-2021"),  # the clock skips 02:00-03:00
    ("2021-10-31", "komt op 31-10-2021 twee keer voor"),  # the clock shows 02:00-03:00 twice
])
def test_a_meeting_at_a_local_time_that_does_not_exist_or_exists_twice_is_refused(
    world: World, pair, day: str, words: str
) -> None:
    tid, mentee_id, _ = signed(world, pair)
    link = world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0")
    _, before = world.trajectory(tid)
    page = world.client.post(link, data={"date": day, "time": "02:30"})
    assert page.status_code == 422 and words in field_error(page.text, "starts_at")
    assert world.trajectory(tid)[1] == before


# --- moving or calling off a meeting beforehand (issue 10.2) ------------------------------


def planned_meeting(world: World, pair, minutes: str = "") -> tuple[int, int, int, date]:
    tid, mentee_id, mentor_id = signed(world, pair)
    first = local_date(world.now()) + timedelta(days=10)
    form = when(first) | ({"minutes": minutes} if minutes else {})
    assert world.client.post(world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0"),
                             data=form).status_code == 200
    return tid, mentee_id, mentor_id, first


def test_the_length_of_a_meeting_is_chosen_when_it_is_planned(world: World, pair) -> None:
    tid, _, _, _ = planned_meeting(world, pair, minutes="120")
    (meeting,) = world.trajectory(tid)[0].match.meetings
    assert meeting.minutes == 120 and meeting.ends_at - meeting.starts_at == timedelta(hours=2)


def test_a_length_not_offered_is_refused_at_its_field(world: World, pair) -> None:
    tid, mentee_id, _ = signed(world, pair)
    link = world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0")
    page = world.client.get(link)
    assert '<option value="90" selected>' in page.text  # the seed's starting point, not a rule
    refused = world.client.post(link, data=when(local_date(world.now()) + timedelta(days=10)) | {"minutes": "7"})
    assert refused.status_code == 422 and "kies een duur van 60" in field_error(refused.text, "minutes")
    assert world.trajectory(tid)[0].match.meetings == []


def test_the_mentor_moves_a_meeting_beforehand_within_the_rules(world: World, pair) -> None:
    tid, _, mentor_id, first = planned_meeting(world, pair)
    link = world.link(mentor_id, "mentor", tid, "meeting", "k1-m1-s0-change", meeting=1, sequence=0)
    page = world.client.get(link)
    assert page.status_code == 200 and "verzetten of afzeggen" in page.text
    too_late = (local_date(world.trajectory(tid)[0].match.ends_by) + timedelta(days=1)).isoformat()
    refused = world.client.post(link, data={"choice": "move", "new_date": too_late, "new_time": "10:00"})
    assert refused.status_code == 422 and "na het einde van het mentorschap" in field_error(refused.text,
                                                                                            "new_starts_at")
    later = first + timedelta(days=3)
    assert world.client.post(link, data={"choice": "move", "new_date": later.isoformat(),
                                         "new_time": "19:30"}).status_code == 200
    t, _ = world.trajectory(tid)
    (meeting,) = t.match.meetings
    assert local_date(meeting.starts_at) == later and meeting.sequence == 1 and meeting.changed_by is Role.MENTOR
    assert t.history[-1].by is Role.MENTOR
    # The first invitation's link is done with: the new invitation carries a link of its own.
    assert world.client.get(link).status_code == 410
    newer = world.link(mentor_id, "mentor", tid, "meeting", "k1-m1-s1-change", meeting=1, sequence=1)
    assert world.client.get(newer).status_code == 200


def test_the_mentee_calls_a_meeting_off_with_a_reason_and_is_asked_for_a_new_date(world: World, pair) -> None:
    from domain.timing import ActStep, open_acts
    from domain.trajectory import MeetingStatus

    tid, mentee_id, _, _ = planned_meeting(world, pair)
    link = world.link(mentee_id, "mentee", tid, "meeting", "k1-m1-s0-change", meeting=1, sequence=0)
    refused = world.client.post(link, data={"choice": "cancel", "reason": "  "})
    assert refused.status_code == 422 and "geef een reden op" in field_error(refused.text, "reason")
    assert world.client.post(link, data={"choice": "cancel", "reason": "ziek"}).status_code == 200
    t, _ = world.trajectory(tid)
    (meeting,) = t.match.meetings
    assert meeting.status is MeetingStatus.CANCELLED and meeting.cancel_reason == "ziek"
    assert meeting.changed_by is Role.MENTEE and meeting.sequence == 1
    # A new request to plan, with a link of its own (the first request's link was used).
    assert [(a.step, a.ref.key) for a in open_acts(t)] == [(ActStep.PROPOSE, "k1-propose-after-m0-c1")]


def test_a_meeting_that_has_begun_cannot_be_moved_through_its_invitation(world: World, pair) -> None:
    tid, _, mentor_id, _ = planned_meeting(world, pair)
    world.clock.advance(days=10, hours=6)
    link = world.link(mentor_id, "mentor", tid, "meeting", "k1-m1-s0-change", meeting=1, sequence=0)
    page = world.client.post(link, data={"choice": "cancel", "reason": "te laat"})
    assert page.status_code == 422 and "al begonnen" in page.text
    assert world.trajectory(tid)[0].match.meetings[0].sequence == 0


# --- revising the plan (issue 10.1) ---------------------------------------------------------


def test_the_mentee_revises_her_plan_from_her_signing_page_until_both_have_signed(world: World, pair) -> None:
    tid, mentee_id, mentor_id = pair
    for role, person in (("mentee", mentee_id), ("mentor", mentor_id)):
        world.client.post(world.link(person, role, tid, "kennismaking", "k1-kennismaking"), data={"agree": "yes"})
    world.client.post(world.link(mentee_id, "mentee", tid, "plan", "k1-plan"), data={"goals": "Doel", "text": "v1"})
    sign = world.client.get(world.link(mentee_id, "mentee", tid, "sign", "k1-sign-v1", plan_version=1))
    revise = re.search(r'href="([^"]+)">Het plan wijzigen', sign.text).group(1)
    assert world.links.read(revise.rsplit("/", 1)[1]).ref == "k1-plan-v2"
    mentor_sign = world.client.get(world.link(mentor_id, "mentor", tid, "sign", "k1-sign-v1", plan_version=1))
    assert "Het plan wijzigen" not in mentor_sign.text  # only the mentee writes the plan
    path = "/a/" + revise.rsplit("/a/", 1)[1]
    page = world.client.post(path, data={"goals": "Doel\nTweede doel", "text": "v2", "review": "yes"})
    assert page.status_code == 200 and "geeft er eerst commentaar op" in page.text
    plan = world.trajectory(tid)[0].match.plan
    assert (plan.version, plan.text, plan.awaiting_review) == (2, "v2", True)
    assert world.client.get(path).status_code == 410  # that link made version 2; the next needs its own
    stale = world.client.get(world.link(mentor_id, "mentor", tid, "sign", "k1-sign-v1", plan_version=1))
    assert "Het plan is gewijzigd" in stale.text


def test_after_the_start_the_mentee_changes_the_plan_and_both_sign_it_again(world: World, pair) -> None:
    tid, mentee_id, mentor_id = signed(world, pair)
    propose = world.client.get(world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0"))
    revise = re.search(r'href="([^"]+)">Het plan wijzigen', propose.text).group(1)
    path = "/a/" + revise.rsplit("/a/", 1)[1]
    page = world.client.post(path, data={"goals": "Grenzen stellen\nDelegeren", "text": "Ik wil leren delegeren."})
    assert page.status_code == 200 and "de bijeenkomsten gaan intussen gewoon door" in page.text
    t, _ = world.trajectory(tid)
    assert t.phase is Phase.MEETINGS and t.match.plan.version == 2 and t.match.plan_unsigned
    for person, role in ((mentee_id, "mentee"), (mentor_id, "mentor")):
        done = world.client.post(world.link(person, role, tid, "sign", "k1-sign-v2", plan_version=2), data={})
        assert done.status_code == 200
    assert "Het mentorschap loopt door zoals het liep" in done.text
    assert not world.trajectory(tid)[0].match.plan_unsigned
