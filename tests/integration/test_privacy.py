"""A person's data over its life: export, erasure and retention in our database (Prefect's side faked here;
tests/flows/test_privacy_served.py erases it from a real Prefect server)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from adapters.prefect_privacy import Scope
from administration.export import export_trajectories
from domain.clock import FakeClock
from domain.errors import DomainError
from domain.people import Application, Role
from domain.privacy import ERASED, NAMELESS
from domain.trajectory import Trajectory
from domain.waits import Subject
from tasks.mail import compose
from tasks.messages import Message
from tasks.privacy import erase_person, export_person
from tasks.retention import apply_retention
from tests.postgres import files_of
from wiring.bootstrap import Services, build, provided
from wiring.settings import Settings

START = datetime(2021, 1, 18, 9, 0, tzinfo=UTC)
COHORT = "zob-2021"
SANNE = {"name": "Sanne de Vries", "email": "sanne@example.org"}
BERT = {"name": "Bert Jansen", "email": "bert@example.org"}
MILA = {"name": "Mila Peeters", "email": "mila@example.org"}
PLAN = "Ik wil leren nee zeggen tegen de apotheek."
REASON = "Het klikte goed, Bert luistert."  # the mentor's own answer: his record, naming nobody erased
MENTEE_REASON = "Mijn zorgen over de praktijkovername met Bert bespreken."
TOPICS = "Het conflict met mijn collega-huisarts."
NOTE = "Sanne de Vries belde: ze stopt vanwege zwangerschap."
WITHDRAWAL = "Ik ga met zwangerschapsverlof en stop daarom."
CANCELLED = "Ik moet onverwacht naar het ziekenhuis."  # why she called a meeting off: hers, in the history too
SECRETS = ["Sanne de Vries", "sanne@example.org", PLAN, MENTEE_REASON, TOPICS, "zwangerschap", WITHDRAWAL, CANCELLED]


@dataclass
class FakeTraces:
    """Prefect's side: records what it was asked to read and erase."""

    erased: list[Scope] = field(default_factory=list)
    read_scopes: list[Scope] = field(default_factory=list)

    def read(self, scope: Scope) -> dict[str, Any]:
        self.read_scopes.append(scope)
        return {"flow_runs": [{"id": r, "name": "Sanne de Vries & Bert Jansen · afgesloten"} for r in scope.runs],
                "artifacts": []}

    def erase(self, scope: Scope) -> tuple[dict[str, int], list[str]]:
        self.erased.append(scope)
        return {"runs_renamed": len(scope.runs)}, []

    def compact(self) -> None:
        pass


def person(svc: Services, who: dict[str, str], role: str) -> int:
    app = Application(role=role, phone="040-2534567", practice_name=f"Praktijk {who['name'].split()[-1]}",
                      practice_address={"street": "Dorpstraat 21", "postcode": "5504HB", "city": "Veldhoven"},
                      years_experience=2 if role == "mentee" else 20, consent=True, learning_goals="grenzen stellen",
                      topics="praktijkvoering", **who)
    return svc.repo.add_person(COHORT, app, svc.clock.now())


@pytest.fixture
def svc(db_url, tmp_path: Path) -> Services:
    services = build(Settings(database_url=db_url, environment="test"),
                     clock=FakeClock(START))
    services.prefect_traces = FakeTraces()  # type: ignore[assignment]
    return services


def ended_pair(svc: Services) -> tuple[int, int, int]:
    """Sanne and Bert: plan signed, a meeting with topics that she calls off, notes, then Sanne stops."""
    sanne, bert = person(svc, SANNE, "mentee"), person(svc, BERT, "mentor")
    now = svc.clock.now()
    t = svc.repo.add_trajectory(Trajectory.apply(COHORT, sanne, now), now)

    def live(t: Trajectory) -> None:
        t.confirm_application(now)
        t.choose_mentor(bert, now)
        t.answer_kennismaking(Role.MENTEE, True, MENTEE_REASON, now)
        t.answer_kennismaking(Role.MENTOR, True, REASON, now)
        t.submit_plan(["Grenzen stellen", "Nee zeggen"], PLAN, now)
        t.sign(Role.MENTEE, sanne, 1, now)
        t.sign(Role.MENTOR, bert, 1, now)
        meeting = t.propose_meeting(now + timedelta(days=7), now)
        t.record_topics(meeting.number, TOPICS, now)
        t.add_note(NOTE, Role.FACILITATOR, now)
        t.cancel_meeting(meeting.number, now, Role.MENTEE, CANCELLED)
        t.propose_meeting(now + timedelta(days=8), now)

    svc.repo.change(t.require_id(), live, now)
    for template, to in (("signed_plan", Role.FACILITATOR), ("signed", Role.MENTOR), ("signed", Role.MENTEE)):
        message = Message(trajectory_id=t.require_id(), occasion=f"k1-{template}", template=template, to=to)
        svc.outbox.enqueue(compose(svc, message, now), now)
    svc.repo.change(t.require_id(), lambda t: t.withdraw(Role.MENTEE, WITHDRAWAL, now), now)
    svc.run_store.set_flow_run(Subject.trajectory(t.require_id()), "00000000-0000-0000-0000-000000000001")
    return t.require_id(), sanne, bert


def running_pair(svc: Services, mentor: int) -> int:
    mila = person(svc, MILA, "mentee")
    now = svc.clock.now()
    t = svc.repo.add_trajectory(Trajectory.apply(COHORT, mila, now), now)
    svc.repo.change(t.require_id(), lambda t: (t.confirm_application(now), t.choose_mentor(mentor, now)), now)
    return t.require_id()


def everything(svc: Services) -> str:
    """Every row of every table of our database and, on SQLite, the files themselves, as text."""
    rows = []
    with svc.engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            rows += [repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{name}"'))]
    svc.engine.dispose()
    raw = b""
    if svc.engine.dialect.name == "sqlite":
        path = Path(str(svc.engine.url.database))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    return "\n".join(rows) + raw.decode("utf-8", "replace")


def test_export_holds_the_persons_data_from_our_database_and_prefect(svc: Services) -> None:
    tid, _, _ = ended_pair(svc)
    found = export_person(svc, "Sanne@Example.org")
    assert found["database"]["people"][0]["application"]["learning_goals"] == "grenzen stellen"
    [traject] = found["database"]["trajectories"]
    assert traject["id"] == tid and traject["matches"][0]["plan"]["text"] == PLAN
    assert {m["template"] for m in found["database"]["messages"]} == {"signed"}
    assert found["prefect"]["flow_runs"][0]["name"].startswith("Sanne de Vries")
    mentor_view = export_person(svc, BERT["email"])
    assert [m["mentor_id"] for t in mentor_view["database"]["trajectories"] for m in t["matches"]] == [
        mentor_view["database"]["people"][0]["id"]]


def test_after_an_erasure_nothing_names_the_person_and_the_mentors_record_still_reads(
    svc: Services, tmp_path: Path
) -> None:
    tid, sanne, bert = ended_pair(svc)
    other = running_pair(svc, bert)
    assert any(s in everything(svc) for s in SECRETS)

    counts = erase_person(svc, SANNE["email"])

    left = everything(svc)
    assert [s for s in SECRETS if s.lower() in left.lower()] == []
    t, _ = svc.repo.trajectory(tid)
    assert svc.repo.person(sanne).name == NAMELESS and t.matches[0].mentor_id == bert
    assert t.matches[0].answers[Role.MENTOR].reason == REASON and t.matches[0].plan.text == ERASED
    exported = export_trajectories(svc.repo)["trajectories"]
    assert exported[0]["mentee"]["name"] == NAMELESS and exported[0]["matches"][0]["mentor"]["name"] == "Bert Jansen"
    assert svc.repo.trajectory(other)[0].mentor_id == bert
    [scope] = svc.prefect_traces.erased  # type: ignore[attr-defined]
    assert scope.runs == ["00000000-0000-0000-0000-000000000001"] and "Sanne de Vries" in scope.names
    assert PLAN in scope.words and f"plan-t{tid}-" in scope.artifact_prefixes
    assert counts["trajectories"] == 1 and counts["messages"] == 3


def test_an_unknown_address_or_a_running_trajectory_is_refused_in_one_dutch_line(
    svc: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, bert = ended_pair(svc)
    running_pair(svc, bert)
    with pytest.raises(DomainError, match="lopend traject"):
        erase_person(svc, BERT["email"])
    assert svc.repo.person(bert).name == "Bert Jansen"
    from mentorschap import cli

    monkeypatch.chdir(tmp_path)
    with provided(svc):
        result = CliRunner().invoke(cli.app, ["person", "erase", "niemand@example.org", "--ja"])
        refused = CliRunner().invoke(cli.app, ["person", "export", "niemand@example.org"])
        asked = CliRunner().invoke(cli.app, ["person", "erase", BERT["email"]], input="n\n")
    assert result.exit_code == 2 and refused.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "geweigerd: email: over niemand@example.org is niets bewaard (onbekend adres)"]
    assert asked.exit_code == 1 and "Alle gegevens van bert@example.org verwijderen?" in asked.output


def test_retention_erases_only_what_ended_longer_ago_than_the_setting(svc: Services) -> None:
    tid, sanne, bert = ended_pair(svc)
    other = running_pair(svc, bert)
    keep = svc.settings.retention_days
    assert keep == 730

    assert apply_retention(svc, START + timedelta(days=keep - 1), keep)["trajectories"] == 0
    assert svc.repo.trajectory(tid)[0].matches[0].plan.text == PLAN
    assert svc.repo.person(sanne).name == SANNE["name"]

    counts = apply_retention(svc, START + timedelta(days=keep + 1), keep)
    t, _ = svc.repo.trajectory(tid)
    assert counts["trajectories"] == 1 and counts["people"] == 1  # Sanne; Bert still has Mila's trajectory
    assert t.matches[0].plan.text == ERASED and t.matches[0].answers[Role.MENTOR].reason == ERASED
    assert svc.repo.person(sanne).name == NAMELESS and svc.repo.person(bert).name == "Bert Jansen"
    assert svc.repo.trajectory(other)[0].mentor_id == bert
    [scope] = svc.prefect_traces.erased  # type: ignore[attr-defined]
    assert scope.delete_runs and scope.runs == ["00000000-0000-0000-0000-000000000001"]
    assert apply_retention(svc, START + timedelta(days=keep + 2), keep)["trajectories"] == 0  # done once


def test_topics_go_to_the_mentor_and_are_not_kept_once_sent_nor_exported(svc: Services) -> None:
    ended_pair(svc)
    exported = export_trajectories(svc.repo)["trajectories"][0]
    assert exported["matches"][0]["meetings"] and all(
        "topics" not in m for match in exported["matches"] for m in match["meetings"])


def test_a_topics_mail_keeps_no_body_once_sent_and_the_topics_are_cleared(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks.store import forget_topics

    tid, _, _ = ended_pair(svc)
    message = Message(trajectory_id=tid, occasion="k1-m1-topics", template="topics_for_mentor", to=Role.MENTOR,
                      meeting=1, extra={"topics": TOPICS})
    now = svc.clock.now()
    svc.outbox.enqueue(compose(svc, message, now), now)
    assert TOPICS in svc.outbox.message(message.key).get_body(("plain",)).get_content()
    assert svc.outbox.claim(message.key, now) is not None
    svc.outbox.mark_sent(message.key, now)
    assert not svc.outbox.message(message.key).get_payload() and svc.outbox.status(message.key) == "sent"
    forget_topics(svc, tid, {1}, [message.key])
    assert svc.repo.trajectory(tid)[0].matches[0].meetings[0].topics == ""


def test_the_privacy_statement_promises_what_the_settings_do() -> None:
    """Two years (the retention setting) and seven days (Prefect's events), topics not kept: in both languages."""
    from prefect.settings.models.server.events import ServerEventsSettings

    from wiring.bootstrap import ROOT

    page = (ROOT / "templates" / "portal" / "privacy.html.j2").read_text(encoding="utf-8")
    assert Settings().retention_days == 2 * 365
    assert ServerEventsSettings().retention_period == timedelta(days=7)
    for words in ("twee jaar nadat uw traject is afgesloten", "two years after your trajectory has closed",
                  "zeven dagen", "seven days", "Wij bewaren ze niet meer zodra die e-mail is verstuurd",
                  "We do not keep them once that e-mail has been sent", "verwijderde deelnemer",
                  "één bedrag per mentor per afgelopen kalenderjaar", "one amount per mentor per year that has ended"):
        assert words in page


def test_an_erased_trainer_leaves_the_mentor_a_nameless_consultation_and_retention_blanks_hao_texts(
    svc: Services, tmp_path: Path
) -> None:
    from domain.hao.people import HaoPerson, HaoRole
    from domain.hao.trajectory import Claim, Consultation

    repo = svc.hao.repo
    trainer = repo.add_person(HaoPerson(role=HaoRole.TRAINER, name="Hanna Verborgen", email="hanna@example.org"))
    mentor = repo.add_person(HaoPerson(role=HaoRole.MENTOR, name="Mo Mentor", email="mo@example.org"))
    question = "Mijn aios dreigt ontkoppeld te worden; ik twijfel aan mezelf."
    now = svc.clock.now()
    c = Consultation.request(trainer, mentor, "phone", question, "c-bbbbbb", now)
    c.accept(now)  # the mentor answers first (issue 10.9)
    c.plan_conversation(now + timedelta(hours=1), "phone", now)
    c.record_held(1, Claim(km=0, hours=1), now + timedelta(hours=2))
    c.close(HaoRole.TRAINER, now + timedelta(hours=3))
    cid = repo.add_trajectory(c, now).require_id()
    from adapters.hao_requests import HaoRequests
    from domain.hao.requests import ConsultationRequest

    waiting = "Tweede vraag, nog niet bevestigd: mijn aios en ik botsen."  # asked from the list, not confirmed
    assert HaoRequests(svc.engine).add_if_allowed(ConsultationRequest(
        trainer_id=trainer, mentor_id=mentor, question=waiting, requested_at=now)) is not None
    assert export_person(svc, "hanna@example.org")["database"]["consultation_requests"][0]["question"] == waiting
    with pytest.raises(DomainError):
        erase_person(svc, "nobody@example.org")

    erase_person(svc, "hanna@example.org")

    left = everything(svc)
    assert "Hanna" not in left and "hanna@example.org" not in left and question not in left and waiting not in left
    kept, _ = repo.trajectory(cid)
    assert kept.mentor_id == mentor and repo.person(kept.trainer_id).name == NAMELESS and kept.held()
    assert repo.person(mentor).name == "Mo Mentor"

    other = repo.add_trajectory(Consultation.request(mentor, mentor, "phone", "Een vraag over toetsen.",
                                                     "c-cccccc", now), now).require_id()
    repo.change(other, lambda t: t.close(HaoRole.MENTOR, now), now)
    assert apply_retention(svc, now + timedelta(days=700), 730)["hao_trajectories"] == 0
    assert apply_retention(svc, now + timedelta(days=731), 730)["hao_trajectories"] == 2
    assert repo.trajectory(other)[0].question == ERASED and repo.person(mentor).name == "Mo Mentor"


def test_the_retention_deployment_runs_daily_beside_the_timer_sweep() -> None:
    from deployments.serve import deployments

    found = {d.name: d for d in deployments(Settings())}
    assert "timer-sweep" in found
    [schedule] = found["retention"].schedules
    assert schedule.schedule.cron == "30 3 * * *" and schedule.schedule.timezone == "Europe/Amsterdam"


def test_an_ended_trajectory_whose_run_still_closes_is_refused_until_it_did(svc: Services) -> None:
    tid, _, _ = ended_pair(svc)
    version = svc.repo.trajectory(tid)[1]
    assert svc.run_store.open_wait(Subject.trajectory(tid), "meetings", version, svc.clock.now()) is not None
    states = iter(["PAUSED", "COMPLETED"])  # what Prefect says of the run: still to wake, then done
    svc.control.api = SimpleNamespace(state_type=lambda run_id: next(states))  # type: ignore[assignment]
    with pytest.raises(DomainError, match="sluit nog af"):
        erase_person(svc, SANNE["email"])
    assert erase_person(svc, SANNE["email"])["trajectories"] == 1


def test_the_cli_exports_to_a_file_and_erases_with_ja(
    svc: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mentorschap import cli

    fake = svc.prefect_traces
    assert isinstance(fake, FakeTraces)
    monkeypatch.chdir(tmp_path)
    ended_pair(svc)
    with provided(svc):
        exported = CliRunner().invoke(cli.app, ["person", "export", SANNE["email"], "--output", "sanne.json"])
        erased = CliRunner().invoke(cli.app, ["person", "erase", SANNE["email"], "--ja"])
        again = CliRunner().invoke(cli.app, ["person", "export", SANNE["email"]])
    assert exported.exit_code == 0 and PLAN in (tmp_path / "sanne.json").read_text(encoding="utf-8")
    assert erased.exit_code == 0 and erased.output.startswith("verwijderd: sanne@example.org (")
    assert again.exit_code == 2 and "onbekend adres" in again.output and len(fake.erased) == 1


def test_an_application_waiting_for_membership_is_exported_and_erased(svc: Services, tmp_path: Path) -> None:
    """The member check (issue 10.3) keeps a non-member's application aside: access and erasure reach it."""
    svc.cohorts.add_members(COHORT, [{"name": "Lid Eerst", "email": "lid@example.org", "language": "nl"}])
    app = Application(role="mentee", name="Nora Nietlid", email="nora@example.org", phone="040-2534567",
                      practice_name="Praktijk Nietlid", practice_address={"street": "Laan 1", "postcode": "5504HB",
                                                                          "city": "Veldhoven"},
                      years_experience=2, consent=True, learning_goals="Een leerdoel dat alleen Nora schreef")
    svc.cohorts.hold(COHORT, app, svc.clock.now())
    found = export_person(svc, "nora@example.org")
    assert found["database"]["pending_applications"][0]["name"] == "Nora Nietlid"
    erase_person(svc, "nora@example.org")
    left = everything(svc)
    assert "Nora" not in left and "nora@example.org" not in left and "alleen Nora schreef" not in left


def test_on_postgresql_no_erased_value_stays_in_the_database_files(pg_url: str, pg_admin_url: str) -> None:
    """An update leaves the old row version on disk until a vacuum: erasure rewrites the tables."""
    svc = build(Settings(database_url=pg_url, environment="test"), clock=FakeClock(START))
    svc.prefect_traces = FakeTraces()  # type: ignore[assignment]

    ended_pair(svc)
    assert SANNE["email"].encode() in files_of(pg_admin_url, pg_url)
    erase_person(svc, SANNE["email"])
    svc.engine.dispose()
    left = files_of(pg_admin_url, pg_url)
    assert [s for s in SECRETS if s.encode() in left] == []
