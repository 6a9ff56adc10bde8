"""The next cohort without editing code: ``cohorts.toml`` read (bad input as one Dutch line naming the
cohort, the field and the reason), ``mentorschap cohort add``, and the deployments and Cron schedules
that follow from the file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cohort_file import CohortFileError, add_cohort, read_cohorts
from domain.clock import AMSTERDAM
from mentorschap import cli
from wiring.bootstrap import ROOT, build, provided
from wiring.settings import Settings

NEXT = """
[[cohort]]
kenmerk = "zob-2022"
naam = "Mentorschap Zuidoost-Brabant 2022"
aanmelden_vanaf = 2021-11-15T09:00:00
mentoren_tot = 2021-12-13T17:00:00
training = 2022-01-10T19:00:00
trainingslocatie = "Kringkantoor, Eindhoven"
mentees_tot = 2022-01-17T17:00:00
start_trajecten = 2022-02-01
bijdrage = 175
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cohorts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_declares_the_first_cohort_as_the_code_did() -> None:
    [plan] = read_cohorts(ROOT / "cohorts.toml")
    assert plan.id == "zob-2021" and plan.name == "Mentorschap Zuidoost-Brabant 2021"
    assert plan.schedule == "0 9 16 11 *"  # 16 November, 09:00: the kickoff of the old declaration
    assert plan.opens_at == datetime(2020, 11, 16, 9, 0, tzinfo=AMSTERDAM)
    assert plan.mentee_deadline == datetime(2021, 1, 18, 17, 0, tzinfo=AMSTERDAM)
    assert plan.trajectories_start == date(2021, 2, 1) and plan.contribution_eur == Decimal("150.00")


def test_times_without_offset_are_amsterdam_time_and_a_missing_file_declares_nothing(tmp_path: Path) -> None:
    [plan] = read_cohorts(write(tmp_path, NEXT))
    assert plan.opens_at.utcoffset().total_seconds() == 3600  # CET in November
    assert plan.contribution_eur == Decimal("175") and plan.schedule == "0 9 15 11 *"
    assert read_cohorts(tmp_path / "elders.toml") == ()


@pytest.mark.parametrize(("change", "line"), [
    (("mentoren_tot = 2021-12-13T17:00:00", "mentoren_tot = 2021-11-01T17:00:00"),
     "cohorts.toml, cohort zob-2022, veld mentoren_tot: moet na het begin van de aanmeldperiode liggen (15-11-2021)"),
    (("mentees_tot = 2022-01-17T17:00:00", "mentees_tot = 2021-12-01T17:00:00"),
     "cohorts.toml, cohort zob-2022, veld mentees_tot: moet na de sluiting van de aanmelding voor mentoren liggen "
     "(13-12-2021)"),
    (("training = 2022-01-10T19:00:00\n", ""), "cohorts.toml, cohort zob-2022, veld training: vul dit veld in"),
    (("training = 2022-01-10T19:00:00", "training = 2022-01-10"),
     "cohorts.toml, cohort zob-2022, veld training: geef datum en tijd, bijvoorbeeld 2022-01-10T17:00:00"),
    (("bijdrage = 175", "bijdrage = \"veel\""), "cohorts.toml, cohort zob-2022, veld bijdrage: deze waarde klopt niet"),
    (("bijdrage = 175", "bijdrage = -5"), "cohorts.toml, cohort zob-2022, veld bijdrage: deze waarde klopt niet"),
    (("bijdrage = 175", "bijdrag = 175"),
     "cohorts.toml, cohort zob-2022, veld bijdrag: onbekend veld; bekend zijn kenmerk, naam, aanmelden_vanaf, "
     "mentoren_tot, training, trainingslocatie, mentees_tot, start_trajecten, bijdrage, kickoff_cron, programma"),
    (("bijdrage = 175", "bijdrage = 175\nkickoff_cron = \"elke maandag\""),
     "cohorts.toml, cohort zob-2022, veld kickoff_cron: 'elke maandag' is geen geldige Cron-regel"),
    (("kenmerk = \"zob-2022\"\n", ""), "cohorts.toml, cohort 1, veld kenmerk: vul dit veld in"),
    (("[[cohort]]", "[cohort"),
     "cohorts.toml: geen geldig TOML-bestand (Expected ']' at the end of a table declaration (at line 2, column 8))"),
])
def test_bad_input_is_one_dutch_line_naming_the_cohort_the_field_and_the_reason(
    tmp_path: Path, change: tuple[str, str], line: str
) -> None:
    assert change[0] in NEXT
    with pytest.raises(CohortFileError) as refused:
        read_cohorts(write(tmp_path, NEXT.replace(*change)))
    assert str(refused.value) == line


def test_a_cohort_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CohortFileError, match="cohort zob-2022, veld kenmerk: komt twee keer voor"):
        read_cohorts(write(tmp_path, NEXT + NEXT))


def test_added_cohorts_keep_the_facilitator_s_comments_and_read_back(tmp_path: Path) -> None:
    path = write(tmp_path, "# onze cohorten\n" + NEXT)
    plan = read_cohorts(ROOT / "cohorts.toml")[0]
    add_cohort(path, plan)
    assert path.read_text().startswith("# onze cohorten\n")
    assert [p.id for p in read_cohorts(path)] == ["zob-2022", "zob-2021"]
    assert read_cohorts(path)[1] == plan
    with pytest.raises(CohortFileError, match="cohort zob-2021, veld kenmerk: dit cohort staat er al in"):
        add_cohort(path, plan)


@pytest.fixture
def runner(db_url, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The CLI with this test's database and cohorts file (``provided`` to its commands)."""
    monkeypatch.chdir(tmp_path)
    svc = build(Settings(database_url=db_url, cohorts_file=tmp_path / "cohorts.toml"))
    with provided(svc):
        yield CliRunner()
    svc.engine.dispose()


def test_cohort_add_writes_the_file_and_refuses_a_wrong_date_in_one_line(runner: CliRunner, tmp_path: Path) -> None:
    args = ["cohort", "add", "zob-2022", "--name", "Mentorschap Zuidoost-Brabant 2022", "--opens", "15-11-2021 09:00",
            "--mentors-until", "13-12-2021 17:00", "--training", "10-01-2022 19:00", "--location", "Kringkantoor",
            "--mentees-until", "17-01-2022 17:00", "--start", "02-2022", "--contribution", "€ 150,00"]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert "kickoff '0 9 15 11 *'" in result.output
    assert "`mentorschap deploy`" in result.output  # production's next step (workers), not only the runner's
    [plan] = read_cohorts(tmp_path / "cohorts.toml")
    assert plan.contribution_eur == Decimal("150.00") and plan.trajectories_start == date(2022, 2, 1)
    wrong = runner.invoke(cli.app, [*args[:2], "zob-2023", *args[3:5], "--opens", "31-02-2022 09:00", *args[7:]])
    assert wrong.exit_code == 2 and "Traceback" not in wrong.output
    assert wrong.output.strip() == ("geweigerd: cohorts.toml, cohort zob-2023, veld aanmelden_vanaf: '31-02-2022 "
                                    "09:00' is geen geldige waarde (bijvoorbeeld 15-11-2021 09:00)")
    listed = runner.invoke(cli.app, ["cohort", "list"])
    assert listed.output.startswith("zob-2022") and "nog niet geopend" in listed.output


def test_each_declared_cohort_gets_a_deployment_with_its_cron_schedule_in_amsterdam(tmp_path: Path) -> None:
    from deployments.cohorts import cohort_deployments

    path = write(tmp_path, NEXT)
    add_cohort(path, read_cohorts(ROOT / "cohorts.toml")[0])
    made = {d.name: d for d in cohort_deployments(plans=read_cohorts(path))}
    assert set(made) == {"zob-2021", "zob-2022"}
    schedule = made["zob-2022"].schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 9 15 11 *", "Europe/Amsterdam")
    assert made["zob-2022"].parameters["plan"]["contribution_eur"] == "175"
    assert "cohort:zob-2022" in made["zob-2022"].tags
    assert made["zob-2021"].schedules[0].schedule.cron == "0 9 16 11 *"


def test_the_runner_refuses_a_wrong_file_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from deployments import serve

    wrong = write(tmp_path, NEXT.replace("bijdrage = 175", "bijdrage = -1"))
    monkeypatch.setenv("MENTORSCHAP_COHORTS_FILE", str(wrong))
    monkeypatch.setattr(serve, "serve", lambda *a, **k: pytest.fail("served a wrong file"))
    with pytest.raises(SystemExit) as stopped:
        serve.main()
    assert stopped.value.code == "geweigerd: cohorts.toml, cohort zob-2022, veld bijdrage: deze waarde klopt niet"
