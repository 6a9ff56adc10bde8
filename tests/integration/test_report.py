"""The kring's report from a cohort in a real SQLite file: the figures, the HTML file from the CLI
(self-contained, without names, topics or evaluation texts) and the artifact published once per change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.people import Application, Role
from domain.trajectory import EvaluationKind, Trajectory
from mentorschap import cli
from tests.integration.conftest import services_for
from tests.integration.test_cohort_enrolment import PLAN
from tests.unit.test_report import SECRET_OUTCOME, SECRET_TOPIC, START, finished, meet, signed
from wiring.bootstrap import Services

NAMES = ("Dr. Anneke van Dijk", "Dr. Pieter Jansen", "Sanne de Vries", "Tom Bakker", "Eva Smit")
STOP_REASON = "zwanger en te druk met de verbouwing"


def application(role: str, name: str, years: int = 20) -> Application:
    email = name.split()[-1].lower() + "@example.org"
    return Application(
        role=role, name=name, email=email, phone="040-2534567", practice_name=f"Praktijk {name.split()[-1]}",
        practice_address={"street": "Dorpstraat 1", "postcode": "5504HB", "city": "Veldhoven"},
        years_experience=years, consent=True, learning_goals="grenzen", topics="praktijk",
    )


@pytest.fixture
def svc(db_url, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.chdir(tmp_path)
    with services_for(db_url, smtp_port=9) as svc:
        yield svc


def build_cohort(svc: Services) -> None:
    """Two trained mentors (one with travel costs), an inexperienced one; three mentees: a pair that
    finished, a pair that meets, a mentee who stopped; contributions paid in full, in part, not at all."""
    cohort = PLAN.id
    svc.cohorts.open(PLAN, START)
    anneke = svc.repo.add_person(cohort, application("mentor", NAMES[0]), START)
    pieter = svc.repo.add_person(cohort, application("mentor", NAMES[1]), START)
    svc.repo.add_person(cohort, application("mentor", "Dr. Kees Klein", 3), START,
                        ineligible=["een mentor heeft minimaal 5 jaar ervaring als huisarts (opgegeven: 3)"])
    svc.cohorts.record_attendance(PLAN, [anneke, pieter], True, PLAN.training_at)
    svc.cohorts.set_travel_costs(cohort, anneke, 2350)
    tids = []
    for name, paid in zip(NAMES[2:], (15000, 5000, 0), strict=True):
        mentee = svc.repo.add_person(cohort, application("mentee", name, 2), START)
        svc.cohorts.add_contribution(cohort, mentee, 15000)
        if paid:
            svc.cohorts.record_payment(cohort, mentee, paid, START)
        tids.append(svc.repo.add_trajectory(Trajectory.apply(cohort, mentee, START), START).require_id())
    done, meeting, stopped = tids
    first = START + timedelta(days=10)
    svc.repo.change(done, lambda t: finished(signed(t, anneke, START), first), START)
    svc.repo.change(meeting, lambda t: (signed(t, pieter, START + timedelta(days=2)), meet(t, first)), START)

    def stop(t: Trajectory) -> None:
        t.confirm_application(START)
        t.withdraw(Role.MENTEE, STOP_REASON, START + timedelta(days=3))

    svc.repo.change(stopped, stop, START)


def cells(html: str, label: str) -> str:
    """The number in the table row whose first cell is ``label``."""
    match = re.search(rf"<td>{re.escape(label)}</td><td class=\"n\">([^<]+)</td>", html)
    assert match, label
    return match.group(1)


def test_the_cli_writes_one_self_contained_html_file_with_the_figures_and_nothing_personal(
    svc: Services, tmp_path: Path
) -> None:
    build_cohort(svc)
    out = tmp_path / "board" / "rapport.html"
    result = CliRunner().invoke(cli.app, ["report", PLAN.id, "--output", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    figures = {label: cells(html, label) for label in (
        "mentoren aangemeld", "mentoren geschikt", "mentoren getraind", "mentees aangemeld", "mentees gematcht",
        "plan ondertekend", "tussenevaluatie", "eindevaluatie")}
    assert figures == {"mentoren aangemeld": "3", "mentoren geschikt": "2", "mentoren getraind": "2",
                       "mentees aangemeld": "3", "mentees gematcht": "2", "plan ondertekend": "2",
                       "tussenevaluatie": "1", "eindevaluatie": "1"}
    assert cells(html, "traject beëindigd door mentee in fase matching") == "1"
    assert cells(html, "niet geschikt als mentor: een mentor heeft minimaal 5 jaar ervaring als huisarts") == "1"
    assert cells(html, "Bijdragen mentees verschuldigd") == "€ 450,00"
    assert cells(html, "Bijdragen ontvangen") == "€ 200,00"
    assert "€ 250,00" in html and "€ 23,50" in html
    assert cells(html, "Accreditatiepunten mentortraining (2 mentoren)") == "6"
    assert html.count("<svg") == 2 and "paar 1" in html and "paar 2" in html
    assert html.count("<title>bijeenkomst") == 6  # five meetings of pair 1, one of pair 2
    for private in (*NAMES, SECRET_TOPIC, SECRET_OUTCOME, STOP_REASON, "example.org"):
        assert private not in html, private
    assert "<script" not in html and " src=" not in html and " href=" not in html
    assert re.findall(r"https?://[^\"' ]+", html) == ["http://www.w3.org/2000/svg"] * 2  # the SVG namespace only


def test_an_unknown_cohort_is_refused_in_one_line(svc: Services) -> None:
    result = CliRunner().invoke(cli.app, ["report", "bestaat-niet"])
    assert result.exit_code == 2 and result.output.strip() == "geweigerd: cohort: bestaat-niet is onbekend"


def test_the_sweep_publishes_the_report_as_an_artifact_once_per_change(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks.report import publish_report, report_cohorts

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr("adapters.artifacts.create_markdown_artifact",
                        lambda markdown, key, description, _sync: shown.append((key, markdown)))
    build_cohort(svc)
    assert report_cohorts(svc) == [PLAN.id]
    assert publish_report.fn(svc, PLAN.id) is True
    assert publish_report.fn(svc, PLAN.id) is False  # nothing changed: no new version
    [(key, markdown)] = shown
    assert key == "kringrapport-zob-2021"
    assert "| plan ondertekend | 2 |" in markdown and "- accreditatiepunten: 6 (2 mentor(en))" in markdown
    assert "| paar 2 | 03-02-2021 | 03-11-2021 | 1 | bijeenkomsten | ● 11-02 |" in markdown
    for private in (*NAMES, SECRET_TOPIC, SECRET_OUTCOME, STOP_REASON):
        assert private not in markdown
    tid = svc.repo.trajectory_ids(PLAN.id)[1]
    svc.repo.change(tid, lambda t: t.start_evaluation(EvaluationKind.INTERIM, START + timedelta(days=140)), START)
    assert publish_report.fn(svc, PLAN.id) is True and len(shown) == 2
