"""Erasure against a real Prefect server: after ``person erase`` neither database file holds the person.

A trajectory is run through the served deployment until Prefect holds the person in every place it
keeps data (run name and tags, the facilitator's form, the signed plan as an artifact, logs, events),
then ended; the export shows both sides, the erasure clears both, and the grep over Prefect's SQLite
file is the last word. Result storage holds only the flows' return values.
"""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from tests.flows.test_served_trajectory import link_for, suspended_at, svc, wait_until

pytestmark = pytest.mark.slow

MENTEE = {"name": "Femke Oosterhout", "email": "femke.oosterhout@example.org", "phone": "040-2534999",
          "practice_name": "Huisartsen Oosterhout", "street": "Kerkstraat 3", "postcode": "5504 HB",
          "city": "Veldhoven", "years_experience": "2", "learning_goals": "delegeren", "consent": "on"}
MENTOR = {"name": "Dr. Gerrit Zandbergen", "email": "gerrit.zandbergen@example.org", "phone": "040-2123999",
          "practice_name": "Praktijk Zandbergen", "street": "Hoogstraat 99", "postcode": "5615 PA",
          "city": "Eindhoven", "years_experience": "25", "topics": "praktijkvoering", "consent": "on"}
NOTE = "Femke belde over haar burn-out klachten."
PLAN = "Femke leert taken delegeren aan de praktijkondersteuner."
REASON = "Ik wil verder omdat de overname zwaar valt."
WITHDRAWAL = "Stopt wegens langdurige ziekte."
SECRETS = [MENTEE["name"], MENTEE["email"], NOTE, PLAN, REASON, WITHDRAWAL]


def prefect_files(stack) -> bytes:
    folder = Path(stack.env["PREFECT_HOME"])
    return b"".join(p.read_bytes() for p in folder.glob("prefect.db*"))


def found_in(data: bytes) -> list[str]:
    low = data.lower()
    return [s for s in SECRETS if s.lower().encode() in low or s.lower().encode("utf-16-le") in low]


def run_a_trajectory_that_ends(stack, http: httpx.Client) -> int:
    assert http.post(f"{stack.portal}/apply?role=mentor", data=MENTOR).status_code == 200
    assert http.post(f"{stack.portal}/apply?role=mentee", data=MENTEE).status_code == 200
    tid = svc().repo.trajectory_ids()[-1]
    mentor_id = next(p.id for p in svc().repo.mentor_pool(svc().cohort) if p.email == MENTOR["email"])
    wait_until("matching wait", lambda: suspended_at(tid, "matching"))
    assert svc().runs.wake(tid, "facilitator", note=NOTE, extra={"mentor_id": mentor_id})
    wait_until("kennismaking wait", lambda: suspended_at(tid, "kennismaking"))
    for who, reason in ((MENTEE["email"], REASON), (MENTOR["email"], "")):
        url = wait_until("kennismaking link", lambda who=who: link_for(stack.maildir, who, "kennismaking"))
        assert http.post(url, data={"agree": "yes", "reason": reason}).status_code == 200
    wait_until("plan wait", lambda: suspended_at(tid, "plan") and svc().repo.trajectory(tid)[0].phase == "plan")
    url = wait_until("plan link", lambda: link_for(stack.maildir, MENTEE["email"], "plan"))
    assert http.post(url, data={"goals": "Delegeren", "text": PLAN}).status_code == 200
    for who in (MENTEE["email"], MENTOR["email"]):
        url = wait_until("sign link", lambda who=who: link_for(stack.maildir, who, "sign"))
        assert http.post(url, data={}).status_code == 200
    wait_until("meetings wait", lambda: suspended_at(tid, "meetings"), timeout=120)
    from domain.people import Role

    now = svc().clock.now()
    svc().repo.change(tid, lambda t: t.withdraw(Role.MENTEE, WITHDRAWAL, now), now)
    svc().runs.wake(tid, "system")
    wait_until("run completed", lambda: svc().runs.state(tid) == "COMPLETED", timeout=120)
    return tid


def our_files(stack, request: pytest.FixtureRequest) -> bytes:
    """What our database's files hold: the SQLite file and its journal, or on the PostgreSQL pass the
    database's files in the cluster."""
    url = stack.env["MENTORSCHAP_DATABASE_URL"]
    if url.startswith("sqlite"):
        return b"".join(p.read_bytes() for p in Path(stack.home).glob("mentorschap.db*"))
    from tests.postgres import files_of

    return files_of(request.getfixturevalue("pg_admin_url"), url)


def test_an_erased_person_leaves_no_trace_in_prefect_nor_in_our_database(stack, request) -> None:
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL, PREFECT_HOME, temporary_settings

    from administration.export import export_trajectories
    from tasks.privacy import erase_person, export_person

    http = httpx.Client(timeout=30)
    tid = run_a_trajectory_that_ends(stack, http)
    home = stack.env["PREFECT_HOME"]
    # The test process imported Prefect before this stack existed: point it at the server's database, as
    # a CLI started with the server's environment is.
    with temporary_settings(updates={PREFECT_HOME: home,
                                     PREFECT_API_DATABASE_CONNECTION_URL: f"sqlite+aiosqlite:///{home}/prefect.db"}):
        time.sleep(6)  # the event persister's flush
        before = found_in(prefect_files(stack))
        assert MENTEE["name"] in before and PLAN in before
        assert MENTEE["name"] in found_in(our_files(stack, request))  # the grep finds what is there

        exported = export_person(svc(), MENTEE["email"])
        [run] = exported["prefect"]["flow_runs"]
        assert run["name"].startswith(MENTEE["name"]) and run["parameters"] == {"trajectory_id": tid}
        # Her form, once carried out, is in our history only: Prefect keeps no copy of it.
        assert run["inputs"] and not any(NOTE in str(i["value"]) for i in run["inputs"])
        assert any(NOTE in h["what"] for h in exported["database"]["trajectories"][0]["history"])
        assert any(a["key"] == f"plan-t{tid}-k1" and PLAN in a["data"] for a in exported["prefect"]["artifacts"])
        assert exported["database"]["trajectories"][0]["matches"][0]["plan"]["text"] == PLAN

        counts = erase_person(svc(), MENTEE["email"])
        print(f"in Prefect's database before the erasure: {before}; erased: {counts}")  # for the record (-s)
        assert counts["artifacts"] >= 1 and counts["logs"] >= 1 and counts["events"] >= 1

        assert found_in(prefect_files(stack)) == []
    assert found_in(our_files(stack, request)) == []
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(UUID(svc().run_store.flow_run_id(_subject(tid))))
    assert flow_run.name.startswith("verwijderde deelnemer & Dr. Gerrit Zandbergen")
    record = next(t for t in export_trajectories(svc().repo)["trajectories"] if t["id"] == tid)
    assert record["matches"][0]["mentor"]["name"] == MENTOR["name"] and record["phase"] == "withdrawn"
    assert record["mentee"]["name"] == "verwijderde deelnemer"

    # Retention deletes the run itself (through the API), and the mentor's name with its logs and events.
    from adapters.prefect_privacy import Scope

    with temporary_settings(updates={PREFECT_HOME: home,
                                     PREFECT_API_DATABASE_CONNECTION_URL: f"sqlite+aiosqlite:///{home}/prefect.db"}):
        assert MENTOR["name"].encode() in prefect_files(stack)
        counts, _ = svc().prefect_traces.erase(Scope(runs=[str(flow_run.id)], words=[MENTOR["name"]],
                                                     delete_runs=True))
        svc().prefect_traces.compact()
        assert counts["runs_deleted"] == 1 and MENTOR["name"].encode() not in prefect_files(stack)
    with get_client(sync_client=True) as client, pytest.raises(ObjectNotFound):
        client.read_flow_run(flow_run.id)


def test_result_storage_holds_only_the_flows_return_values(stack) -> None:
    """Every persisted result is what a flow returned (a phase, a count): nothing that names anyone."""
    from prefect._internal.result_records import ResultRecord
    from prefect.serializers import PickleSerializer

    from domain.phases import Phase

    storage = Path(stack.env["PREFECT_HOME"]) / "storage"
    files = [p for p in storage.rglob("*") if p.is_file()] if storage.exists() else []
    assert files, "no result was persisted: run the erasure test first (same stack)"
    returned = {p.value for p in Phase} | {"matched", "closed"}
    for path in files:
        value = ResultRecord.deserialize(path.read_bytes(), backup_serializer=PickleSerializer()).result
        assert value in returned or (isinstance(value, dict) and all(isinstance(v, int) for v in value.values())), \
            f"{path.name}: {value!r}"
        assert found_in(path.read_bytes()) == []


def _subject(tid: int):
    from domain.waits import Subject

    return Subject.trajectory(tid)
