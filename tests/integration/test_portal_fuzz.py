# ruff: noqa: F811  (the fixtures world and pair come from test_portal, by import)
"""Fuzzing the portal (issue 9, point 9): no request gives a 5xx, no link is wrongly accepted.

Hypothesis makes genuine links for every act with the right and the wrong person, role,
match, meeting or plan version, and posts random forms through them; schemathesis sends
whatever the portal's OpenAPI allows; two taps on one link at the same moment act once.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prefect.settings import PREFECT_API_URL, temporary_settings

from adapters.links import ACTIONS
from domain.clock import FakeClock, local_date
from domain.occasions import refusal
from mentorschap.stack import free_port
from portal import hao as hao_portal
from portal.app import create_app
from tests.integration.test_portal import START, FakeRuns, World, pair, signed, when, world  # noqa: F401
from wiring.bootstrap import build
from wiring.settings import Settings

FIELDS = ["agree", "reason", "goals", "text", "date", "time", "choice", "new_date", "new_time", "next_date",
          "next_time", "last", "topics", "went_well", "could_be_better", "remarks"]
VALUES = st.one_of(st.sampled_from(["yes", "no", "held", "reschedule", "on", "2021-03-28", "02:30", "14:00",
                                    "31-02-2021", "9999-12-31", "-1", "", " "]), st.text(max_size=60))
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def meeting_planned(world: World, pair) -> tuple[int, int, int]:
    tid, mentee_id, _ = signed(world, pair)
    first = local_date(world.now()) + timedelta(days=10)
    assert world.client.post(world.link(mentee_id, "mentee", tid, "propose", "k1-propose-after-m0"),
                             data=when(first)).status_code == 200
    return pair


@FUZZ
@given(data=st.data())
def test_links_for_any_person_role_step_and_occasion_with_any_form_never_fail_or_act_wrongly(
    world: World, meeting_planned, data: st.DataObject
) -> None:
    tid, mentee_id, mentor_id = meeting_planned
    action = data.draw(st.sampled_from(sorted(ACTIONS)))
    role = data.draw(st.sampled_from(ACTIONS[action]))
    person = data.draw(st.sampled_from([mentee_id, mentor_id, 999]))
    ref = data.draw(st.sampled_from(["k1-kennismaking", "k1-plan", "k1-sign-v1", "k1-propose-after-m0",
                                     "k1-propose-after-m1", "k1-m1-confirm", "k1-m1", "k2-m1", "k1-interim-evaluation",
                                     "withdraw", "x"]))
    extra = data.draw(st.dictionaries(st.sampled_from(["meeting", "plan_version", "kind"]),
                                      st.one_of(st.integers(-1, 3), st.sampled_from(["interim", "final", "1"])),
                                      max_size=2))
    trajectory = data.draw(st.sampled_from([tid, tid, 4242]))
    form = data.draw(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6))
    link = world.link(person, role.value, trajectory, action, ref, **extra)
    t, before = world.trajectory(tid)
    expected = refusal(t, role, person, action, ref, extra) if trajectory == tid else "unknown"

    page = world.client.get(link)
    assert page.status_code < 500 and "Traceback" not in page.text
    answer = world.client.post(link, data=form)
    assert answer.status_code < 500 and "Traceback" not in answer.text
    if expected is not None:
        assert answer.status_code in (403, 404, 410), (action, ref, expected, answer.status_code)
        assert world.trajectory(tid)[1] == before
    elif answer.status_code == 200:
        assert world.trajectory(tid)[1] > before


def test_two_taps_on_one_link_at_the_same_moment_act_once(world: World, meeting_planned) -> None:
    tid, mentee_id, _ = meeting_planned
    link = world.link(mentee_id, "mentee", tid, "topics", "k1-m1", meeting=1)
    clients = [TestClient(world.client.app) for _ in range(4)]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def tap(client: TestClient, n: int) -> None:
        start.wait()
        statuses.append(client.post(link, data={"topics": f"Onderwerp {n}"}).status_code)

    threads = [threading.Thread(target=tap, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1 and all(s in (200, 409, 410) for s in statuses), statuses
    assert world.trajectory(tid)[0].match.meetings[0].topics.startswith("Onderwerp ")


def test_no_request_the_openapi_allows_gives_a_server_error(db_url, tmp_path) -> None:
    """Schemathesis reads the served portal's own OpenAPI (not served in production) and calls every operation."""
    svc = build(Settings(database_url=db_url, portal_url="http://testserver"),
                FakeClock(START))
    svc.runs = FakeRuns()  # type: ignore[misc]
    app = hao_portal.mount(create_app(svc), svc)
    app.add_route("/openapi.json", lambda request: JSONResponse(app.openapi()), include_in_schema=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/a/{token}", "/h/{token}", "/apply"}
    for operation in operations:

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def no_server_error(case: Any) -> None:
            response = case.call()
            if case.path == "/healthz":  # no Prefect here: its one answer is 503 naming it
                assert response.status_code == 503 and response.json()["failed"] == ["prefect"]
                return
            assert response.status_code < 500, (case.method, case.path, response.status_code)
            assert "Traceback" not in response.text

        # Prefect at a port nothing listens on: a served stack earlier in the session may still be up.
        with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"}):
            no_server_error()
