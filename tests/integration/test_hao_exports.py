"""``mentorschap export --audience ...`` and the served deployments of programme B, without a server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from domain.clock import FakeClock
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import Claim, Consultation, Goal, Guidance, Progress
from tests.integration.conftest import services_for

NOW = datetime(2021, 9, 6, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
SECRETS = ["Geheime Opleider", "geheim@example.org", "Mijn aios en ik botsen"]


@pytest.fixture
def cli(db_url):
    # Pinned: 2021 has ended.
    with services_for(db_url, FakeClock(datetime(2022, 3, 1, 9, 0, tzinfo=UTC))) as svc:
        repo = svc.hao.repo
        secret = repo.add_person(HaoPerson(role=HaoRole.TRAINER, name=SECRETS[0], email=SECRETS[1]))
        guided = repo.add_person(HaoPerson(role=HaoRole.TRAINER, name="Gerda Begeleid", email="gerda@example.org"))
        mentor = repo.add_person(HaoPerson(role=HaoRole.MENTOR, name="Mo Mentor", email="mo@example.org"))
        c = Consultation.request(secret, mentor, "visit", SECRETS[2], "c-aaaaaa", NOW)
        c.accept(NOW)
        c.plan_conversation(NOW + H, "visit", NOW)
        c.record_held(1, Claim(km=40, hours=2), NOW + 2 * H)
        c.close(HaoRole.TRAINER, NOW + 3 * H)
        g = Guidance.request(guided, mentor, "institute", "short_term", [Goal(area=2, text="Feedback")], "g-aaaaaa",
                             NOW)
        g.sign_goals(NOW)
        g.plan_conversation(NOW + H, "visit", NOW)
        g.record_held(1, Claim(km=10, hours=1), NOW + 2 * H)
        g.end_conversations(NOW + 2 * H)
        g.write_report("Nog niet besproken verslag", NOW + 3 * H)
        for t in (c, g, Progress.start(guided, "v-aaaaaa", NOW)):
            repo.add_trajectory(t, NOW)
        yield CliRunner()


def export(runner: CliRunner, audience: str) -> tuple[str, dict]:
    from mentorschap.cli import app

    result = runner.invoke(app, ["export", "--audience", audience])
    assert result.exit_code == 0, result.output
    return result.output, json.loads(result.output)


def test_the_institute_export_has_no_consultation_and_no_undiscussed_report(cli: CliRunner) -> None:
    text, data = export(cli, "institute")
    assert not any(secret in text for secret in SECRETS) and "c-aaaaaa" not in text
    assert [t["kind"] for t in data["trajectories"]] == ["guidance", "progress"]
    assert data["trajectories"][0]["report"] is None and "Nog niet besproken" not in text
    assert data["mentor_directory"] == [{"name": "Mo Mentor", "practice": "", "expertise": ""}]


def test_the_finance_export_shows_a_consultation_only_in_a_yearly_sum_of_its_mentor(cli: CliRunner) -> None:
    text, data = export(cli, "finance")
    assert not any(secret in text for secret in SECRETS) and "c-aaaaaa" not in text
    assert [(c["kind"], c["km"], c["reference"]) for c in data["claims"]] == [("guidance", 10, "g-aaaaaa")]
    assert data["mentor_totals"] == [{"mentor": "Mo Mentor", "km": 10, "hours": 1, "amount_eur": 62.3}]
    # The clock is past 2021: one sum for the year, no trainer, date, kind, kilometres or hours.
    assert data["confidential_per_year"] == [{"mentor": "Mo Mentor", "year": 2021, "amount_eur": 129.2}]


def test_the_coordinator_sees_everything_and_an_unknown_audience_is_refused(cli: CliRunner) -> None:
    from mentorschap.cli import app

    text, _ = export(cli, "coordinator")
    assert all(secret in text for secret in SECRETS)
    assert cli.invoke(app, ["export", "--audience", "press"]).exit_code == 2


def test_every_hao_deployment_loads_with_its_schedule() -> None:
    from deployments.hao import deployments
    from wiring.settings import Settings

    found = {d.name: d for d in deployments(Settings())}
    assert set(found) == {"hao-consultation", "hao-guidance", "hao-progress", "hao-sweep", "hao-intervision",
                          "hao-information", "hao-institute-digest"}
    assert found["hao-intervision"].schedules[0].schedule.timezone == "Europe/Amsterdam"
    assert not found["hao-consultation"].schedules
