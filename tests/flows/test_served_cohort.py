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

from tasks.runs import REFUSED
from tests.flows.forms import board, seen, submit
from tests.stack import running_stack, svc

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
def stack(served_database):
    # Always cold (every run a new interpreter: Prefect's own way, MENTORSCHAP_WARM_START=0), so make test
    # keeps that path tested; the other stacks and the two-worker test run warm, as production does.
    yield from running_stack("cohort-stack", "2021-01-04T08:00:00+00:00", database=served_database(),
                             env={"MENTORSCHAP_WARM_START": "0"})


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
    # Her attendance form sent empty (issue 12.4): refused, and said where she looks (12.5): above the
    # next form, in the run's name, on the cohort board; the run waits for the same step again.
    training = seen(svc().cohort_runs, "zob-2021")
    submit(training.run_id, {})
    again = seen(svc().cohort_runs, "zob-2021", after=training.key)
    assert again.key.label == "training"
    assert again.description.startswith("NIET UITGEVOERD: Aanwezige mentoren: vul de ids in")
    assert again.name == f"Mentorschap Zuidoost-Brabant 2021 · wacht op de aanwezigheid bij de mentortraining{REFUSED}"
    assert board()[0].startswith("NIET UITGEVOERD (cohort-run): Aanwezige mentoren")
    submit(again.run_id, {"attended_mentor_ids": [anneke, pieter]})  # the right form: the marks go

    approval = seen(svc().cohort_runs, "zob-2021", after=again.key, sweep=True)
    assert approval.key.label == "approval" and not approval.name.endswith(REFUSED)
    assert "NIET UITGEVOERD" not in approval.description and "NIET UITGEVOERD" not in board()[0]
    rows = artifact("matchingsvoorstel-zob-2021")
    assert rows and {r["mentee"]: r["mentor"] for r in rows} == {"Sanne de Vries": "Dr. Anneke van Dijk",
                                                                 "Youssef el Amrani": "Dr. Pieter Janssens"}
    sanne, youssef = svc().repo.trajectory_ids()
    # 'Goedkeuren' left off, with a change equal to the proposal (issue 12.1): nothing approved, nobody mailed.
    submit(approval.run_id, {"approve": False, "changes": [{"trajectory_id": sanne, "mentor_id": anneke}]})
    off = seen(svc().cohort_runs, "zob-2021", after=approval.key)
    assert off.key.label == "approval" and off.description.startswith("NIET UITGEVOERD: niets goedgekeurd")
    assert svc().cohorts.stage("zob-2021") != "approved"
    assert all(svc().repo.trajectory(t)[0].phase is Phase.MATCHING for t in (sanne, youssef))
    submit(off.run_id, {"approve": True})

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
    # Her choice of the mentor he declined (issue 12.2: one set of rules): refused, naming the mentor,
    # on the run's next form, in its name and on his row of the board.
    choice = seen(svc().runs, youssef)
    submit(choice.run_id, {"mentor_id": pieter})
    refused = seen(svc().runs, youssef, after=choice.key)
    assert refused.description.startswith("NIET UITGEVOERD: Gekozen mentor: Dr. Pieter Janssens")
    assert refused.name.endswith(REFUSED) and svc().repo.trajectory(youssef)[0].phase is Phase.MATCHING
    row = next(r for r in board()[1] if r["traject"] == str(youssef))
    assert row["niet uitgevoerd"].startswith("Gekozen mentor: Dr. Pieter Janssens")
    submit(refused.run_id, {"mentor_id": anneke})
    until("second kennismaking", lambda: svc().repo.trajectory(youssef)[0].phase is Phase.KENNISMAKING
          and svc().repo.trajectory(youssef)[0].mentor_id == anneke)
    after = seen(svc().runs, youssef, after=refused.key)
    assert not after.name.endswith(REFUSED) and "NIET UITGEVOERD" not in after.description
    assert next(r for r in board()[1] if r["traject"] == str(youssef))["niet uitgevoerd"] == ""
