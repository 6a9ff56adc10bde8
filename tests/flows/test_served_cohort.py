"""The cohort run on a real Prefect server and served deployments: kickoff, deadlines woken by the
sweep, training attendance and approval through the Prefect API (as the UI's forms do), the mentee
runs moved on, and a rematch approved on the mentee's own run."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from uuid import UUID

import httpx
import pytest

from tests.stack import running_stack

pytestmark = pytest.mark.slow

PERSON = {"phone": "040-2123456", "street": "Hoogstraat 12", "city": "Eindhoven", "consent": "on"}
MENTORS = [
    {"name": "Dr. Anneke van Dijk", "email": "anneke@example.org", "practice_name": "Praktijk Strijp",
     "postcode": "5615 PA", "years_experience": "20", "topic_ids": ["werk_prive", "grenzen_stellen"],
     "availability": ["di-avond"], "capacity": "2"},
    {"name": "Dr. Pieter Janssens", "email": "pieter@example.org", "practice_name": "Praktijk Geldrop",
     "postcode": "5664 HK", "years_experience": "15", "topic_ids": ["praktijkvoering", "leidinggeven"],
     "availability": ["do-middag"], "capacity": "1"},
]
MENTEES = [
    {"name": "Sanne de Vries", "email": "sanne@example.org", "practice_name": "Huisartsen Veldhoven",
     "postcode": "5504 HB", "years_experience": "2", "topic_ids": ["werk_prive", "grenzen_stellen"],
     "availability": ["di-avond"], "learning_goals": "grenzen stellen"},
    {"name": "Youssef el Amrani", "email": "youssef@example.org", "practice_name": "Praktijk Nuenen",
     "postcode": "5671 GE", "years_experience": "3", "topic_ids": ["praktijkvoering", "leidinggeven"],
     "availability": ["do-middag"], "learning_goals": "associëren"},
]


@pytest.fixture(scope="module")
def stack():
    yield from running_stack("cohort-stack", "2021-01-04T08:00:00+00:00")


def svc():
    from wiring.bootstrap import services

    return services()


def until(what: str, check, timeout: float = 120, sweep: bool = False):
    from flows.sweep import sweep_now

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sweep:
            sweep_now()
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def cohort_waits_at(label: str) -> bool:
    _, key = svc().cohort_runs.waiting_at("zob-2021")
    return bool(key and key.label == label)


def run_waits_at(tid: int, label: str) -> bool:
    _, key = svc().runs.waiting_at(tid)
    return bool(key and key.label == label)


def artifact(key: str) -> list | None:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts()
    for a in found:
        if a.key == key:
            return a.data if isinstance(a.data, list) else json.loads(a.data)
    return None


def test_kickoff_to_approved_matching_and_a_rematch_on_the_mentee_run(stack):
    from prefect import get_client
    from prefect.deployments import run_deployment

    from deployments.cohorts import COHORTS
    from domain.people import Role
    from domain.phases import Phase

    now = svc().clock.now()
    plan = COHORTS[0].model_copy(update={
        "opens_at": now, "mentor_deadline": now + timedelta(seconds=12),
        "training_at": now + timedelta(seconds=13), "mentee_deadline": now + timedelta(seconds=20),
    })
    members = stack.home / "members.csv"
    members.write_text("name,email\n" + "".join(f"{p['name']},{p['email']}\n" for p in MENTORS + MENTEES))
    stack._wait_deployments(["cohort/zob-2021"])
    run = run_deployment("cohort/zob-2021", parameters={"plan": plan.model_dump(mode="json"),
                                                        "members_csv": str(members)}, timeout=0)
    http = httpx.Client(timeout=30)
    for role, people in (("mentor", MENTORS), ("mentee", MENTEES)):
        for person in people:
            assert http.post(f"{stack.portal}/apply?role={role}", data={**PERSON, **person}).status_code == 200
    anneke, pieter = (p.id for p in svc().repo.mentor_pool("zob-2021"))
    until("members invited", lambda: cohort_waits_at("mentors-closed") or svc().cohorts.stage("zob-2021"))
    until("invitations", lambda: len(svc().outbox.known(
        [f"c:zob-2021:invitation:{p['email']}" for p in MENTORS + MENTEES])) == 4)

    # The sweep wakes the run at the mentors' deadline; it invites them to the training and waits.
    until("training wait", lambda: cohort_waits_at("training"), sweep=True)
    assert len(svc().outbox.known([f"c:zob-2021:training:{p['email']}" for p in MENTORS])) == 2
    with get_client(sync_client=True) as client:  # the run says what it is and waits for (issue 12)
        assert client.read_flow_run(UUID(str(run.id))).name == (
            "Mentorschap Zuidoost-Brabant 2021 · wacht op de aanwezigheid bij de mentortraining")
    assert svc().cohort_runs.wake("zob-2021", "facilitator", extra={"attended_mentor_ids": [anneke, pieter]},
                                  label="training")

    until("approval wait", lambda: cohort_waits_at("approval"), timeout=150, sweep=True)
    rows = artifact("matchingsvoorstel-zob-2021")
    assert rows and {r["mentee"]: r["mentor"] for r in rows} == {"Sanne de Vries": "Dr. Anneke van Dijk",
                                                                 "Youssef el Amrani": "Dr. Pieter Janssens"}
    assert svc().cohort_runs.wake("zob-2021", "facilitator", extra={"approve": True}, label="approval")

    sanne, youssef = svc().repo.trajectory_ids()
    until("kennismaking", lambda: all(run_waits_at(t, "kennismaking") for t in (sanne, youssef)), timeout=150)
    assert svc().repo.trajectory(youssef)[0].mentor_id == pieter
    with get_client(sync_client=True) as client:
        until("cohort run completed", lambda: client.read_flow_run(UUID(str(run.id))).state.is_completed())

    # Youssef's kennismaking does not fit: his own run proposes Anneke (Pieter excluded, Anneke has room).
    svc().repo.change(youssef, lambda t: t.answer_kennismaking(Role.MENTEE, False, "past niet", svc().clock.now()),
                      svc().clock.now())
    svc().runs.wake(youssef, "participant")
    until("rematch wait", lambda: run_waits_at(youssef, "matching")
          and artifact(f"nieuw-voorstel-t{youssef}-k2"), timeout=150)
    assert artifact(f"nieuw-voorstel-t{youssef}-k2")[0]["mentor_id"] == anneke
    assert svc().repo.trajectory(youssef)[0].phase is Phase.MATCHING  # waits for the facilitator's approval
    assert svc().runs.wake(youssef, "facilitator", extra={"mentor_id": anneke})
    until("second kennismaking", lambda: svc().repo.trajectory(youssef)[0].phase is Phase.KENNISMAKING
          and svc().repo.trajectory(youssef)[0].mentor_id == anneke)
