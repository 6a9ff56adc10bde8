"""Applying to a cohort on a real SQLite file: the window, eligibility mail, CSV import all-or-nothing,
training attendance and its export, contributions and travel costs, the proposal and its approval."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from adapters.cohorts import participation
from adapters.outbox import outbox, parse
from adapters.tables import people, trajectories
from administration.enrolment import COLUMNS, import_applications
from domain.clock import AMSTERDAM, FakeClock
from domain.cohort import CohortPlan
from portal.app import create_app
from wiring.bootstrap import Services, build
from wiring.settings import Settings

PLAN = CohortPlan(
    id="zob-2021", name="Mentorschap Zuidoost-Brabant 2021", kickoff_cron="0 9 4 1 *",
    opens_at=datetime(2021, 1, 4, 9, 0, tzinfo=AMSTERDAM),
    mentor_deadline=datetime(2021, 1, 8, 17, 0, tzinfo=AMSTERDAM),
    mentee_deadline=datetime(2021, 1, 15, 17, 0, tzinfo=AMSTERDAM),
    training_at=datetime(2021, 1, 11, 19, 0, tzinfo=AMSTERDAM), training_location="Kringkantoor, Eindhoven",
    trajectories_start=date(2021, 2, 1), contribution_eur=Decimal("150"),
)
IN_MENTOR_WINDOW = datetime(2021, 1, 5, 10, 0, tzinfo=AMSTERDAM)
IN_MENTEE_WINDOW = datetime(2021, 1, 11, 10, 0, tzinfo=AMSTERDAM)

HEADER = ("role,name,email,phone,practice_name,street,postcode,city,big_number,years_experience,stopped_on,"
          "learning_goals,topics,topic_ids,availability,preferred_mentors,conflicts_with,conflicts,capacity,consent")
MENTOR_ROW = ("mentor,Dr. Anneke van Dijk,anneke@example.org,040-2123456,Praktijk Strijp,Hoogstraat 12,5615 PA,"
              "Eindhoven,12345678901,22,,,,praktijkvoering;werk_prive,di-avond;do-middag,,,,2,ja")
OLD_MENTOR_ROW = ("mentor,Dr. Kees Verhoeven,kees@example.org,040-2211223,Praktijk Woensel,Kruisstraat 40,5612 CJ,"
                  "Eindhoven,,30,2017-06-30,,loopbaan,,,,,,1,ja")
MENTEE_ROW = ("mentee,Sanne de Vries,sanne@example.org,040-2534567,Huisartsen Veldhoven,Dorpstraat 21,5504 HB,"
              "Veldhoven,,2,,Grenzen stellen,,werk_prive;grenzen_stellen,di-avond,anneke@example.org,,,,ja")


class FakeRuns:
    def __init__(self) -> None:
        self.started: list[int] = []
        self.woken: list[tuple[int, str]] = []
        self.woken_by: list[str] = []

    def start(self, trajectory_id: int, name: str | None = None, tags: list[str] | None = None) -> str:
        self.started.append(trajectory_id)
        return f"run-{trajectory_id}"

    def wake(self, trajectory_id: int, woken_by: str, note: str = "", extra: dict | None = None,
             label: str | None = None) -> bool:
        self.woken.append((trajectory_id, note))
        self.woken_by.append(woken_by)
        return True


@pytest.fixture
def svc(db_url, tmp_path: Path):
    settings = Settings(database_url=db_url, smtp_port=9, smtp_timeout_seconds=0.5,
                        facilitator_address="facilitator@example.org")
    services = build(settings, clock=FakeClock(IN_MENTOR_WINDOW))
    services.runs = FakeRuns()  # type: ignore[misc]
    services.cohorts.open(PLAN, IN_MENTOR_WINDOW)
    return services


def count(svc, table) -> int:
    with svc.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def letters(svc) -> list[dict]:
    with svc.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(outbox.c.key, outbox.c.template, outbox.c.recipient_email,
                                                     outbox.c.mime)).mappings()]


def form(**changes: str | list[str]) -> dict:
    data = {"name": "Sanne de Vries", "email": "sanne@example.org", "phone": "040-2534567",
            "practice_name": "Huisartsen Veldhoven", "street": "Dorpstraat 21", "postcode": "5504 HB",
            "city": "Veldhoven", "years_experience": "2", "learning_goals": "Grenzen stellen", "consent": "on",
            "topic_ids": ["grenzen_stellen"], "availability": ["di-avond"]}
    data.update(changes)
    return data


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "aanmeldingen.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


# --- the window ------------------------------------------------------------------------------


def test_applications_are_accepted_only_inside_the_window_and_mentors_close_first(svc) -> None:
    client = TestClient(create_app(svc))
    svc.clock.set(PLAN.opens_at - timedelta(hours=1))
    r = client.post("/apply?role=mentee", data=form())
    assert r.status_code == 422 and "aanmelden voor" in r.text and "kan vanaf 04-01-2021" in r.text
    assert "<form" not in client.get("/apply?role=mentee").text  # no form before the window opens
    svc.clock.set(datetime(2021, 1, 9, 10, 0, tzinfo=AMSTERDAM))  # mentors closed, mentees open
    r = client.post("/apply?role=mentor", data=form(email="late@example.org", years_experience="20",
                                                     topics="praktijkvoering"))
    assert r.status_code == 422 and "mentoren" in r.text and "gesloten" in r.text
    assert client.post("/apply?role=mentee", data=form()).status_code == 200
    svc.clock.set(PLAN.mentee_deadline)
    r = client.post("/apply?role=mentee", data=form(email="other@example.org"))
    assert r.status_code == 422 and "gesloten sinds 15-01-2021" in r.text
    assert count(svc, people) == 1 and count(svc, trajectories) == 1


def test_a_mentee_chooses_preferred_mentors_from_the_cohorts_list_and_owes_the_contribution(svc) -> None:
    client = TestClient(create_app(svc))
    assert client.post("/apply?role=mentor", data=form(name="Dr. Anneke van Dijk", email="anneke@example.org",
                                                       years_experience="22", topics="", learning_goals="",
                                                       topic_ids=["praktijkvoering"], capacity="2")).status_code == 200
    anneke = svc.repo.mentor_pool("zob-2021")[0].id
    assert svc.repo.application(anneke).capacity == 2
    svc.clock.set(IN_MENTEE_WINDOW)
    page = client.get("/apply?role=mentee").text
    assert "Dr. Anneke van Dijk" in page and 'name="preferred_mentor_ids"' in page and "150,00" in page
    r = client.post("/apply?role=mentee", data=form(preferred_mentor_ids=["999"]))
    assert r.status_code == 422 and "kies uw voorkeursmentoren uit de lijst" in r.text
    assert client.post("/apply?role=mentee", data=form(preferred_mentor_ids=[str(anneke)])).status_code == 200
    sanne = next(p for p in svc.repo.people_of("zob-2021") if p["role"] == "mentee")
    assert sanne["application"]["preferred_mentor_ids"] == [anneke]
    assert [u.name for u in svc.cohorts.unpaid("zob-2021")] == ["Sanne de Vries"]
    assert svc.cohorts.record_payment("zob-2021", sanne["id"], None, svc.clock.now()) == 0
    assert svc.cohorts.unpaid("zob-2021") == []


# --- eligibility -------------------------------------------------------------------------------


def test_an_ineligible_mentor_gets_a_polite_mail_with_the_reason_and_the_facilitator_sees_it(svc) -> None:
    client = TestClient(create_app(svc))
    r = client.post("/apply?role=mentor", data=form(name="Dr. Kees Verhoeven", email="kees@example.org",
                                                    years_experience="30", stopped_on="2017-06-30",
                                                    topics="loopbaan", learning_goals=""))
    assert r.status_code == 200 and "2 jaar" in r.text
    sent = {(row["template"], row["recipient_email"]): row for row in letters(svc)}
    mail = parse(sent[("mentor_ineligible", "kees@example.org")]["mime"]).get_body(("plain",)).get_content()
    assert "Dank u wel voor uw aanmelding" in mail and "gestopt per 30-06-2017" in mail
    assert ("mentor_ineligible_notice", "facilitator@example.org") in sent
    assert svc.cohorts.ineligible("zob-2021")[0]["ineligible_reason"].startswith("wie gestopt is")
    assert svc.repo.mentor_pool("zob-2021") == []


@pytest.mark.parametrize("name", ["Bert\r\nBcc: outsider@evil.example",
                                  "=?utf-8?q?Bert=0D=0ABcc:_outsider@evil.example?="])
def test_a_mentor_name_that_would_inject_a_header_is_refused_whole_and_may_apply_again(svc, name: str) -> None:
    """Issue 9: a plain CR/LF gave HTTP 500 after storing the mentor; the encoded one added a Bcc."""
    client = TestClient(create_app(svc), raise_server_exceptions=False)
    mentor = {"email": "bert@example.org", "years_experience": "12", "topics": "loopbaan", "learning_goals": ""}
    r = client.post("/apply?role=mentor", data=form(name=name, **mentor))
    assert r.status_code == 422 and "err-name" in r.text
    assert count(svc, people) == 0 and letters(svc) == [] and svc.repo.mentor_pool("zob-2021") == []
    again = client.post("/apply?role=mentor", data=form(name="Bert Jansen", **mentor))
    assert again.status_code == 200
    [confirmation] = [parse(row["mime"]) for row in letters(svc)]
    assert [a.addr_spec for a in confirmation["To"].addresses] == ["bert@example.org"]
    assert confirmation["Bcc"] is None and confirmation["Cc"] is None


# --- CSV import ---------------------------------------------------------------------------------


def test_a_valid_file_imports_mentors_first_so_mentees_can_name_them(svc, tmp_path: Path) -> None:
    svc.clock.set(datetime(2021, 1, 5, tzinfo=UTC))
    stored, errors = import_applications(svc, "zob-2021", write(tmp_path, MENTEE_ROW, MENTOR_ROW, OLD_MENTOR_ROW),
                                         svc.clock.now(), ignore_window=True)
    assert errors == []
    by_email = {a.email: a for a in stored}
    anneke = by_email["anneke@example.org"].person_id
    assert not by_email["kees@example.org"].eligible
    assert by_email["sanne@example.org"].trajectory_id is not None
    assert svc.repo.application(by_email["sanne@example.org"].person_id).preferred_mentor_ids == [anneke]
    assert svc.repo.application(anneke).topic_ids == ["praktijkvoering", "werk_prive"]
    assert {r["template"] for r in letters(svc)} == {"application_confirmation", "mentor_ineligible",
                                                    "mentor_ineligible_notice"}


def test_a_file_with_one_bad_row_is_refused_whole_with_row_field_and_reason(svc, tmp_path: Path) -> None:
    bad = MENTEE_ROW.replace("sanne@example.org", "yusuf@example.org").replace("5504 HB", "5504").replace(
        "werk_prive;grenzen_stellen", "werk_prive;golf")
    path = write(tmp_path, MENTOR_ROW, MENTEE_ROW, bad)
    stored, errors = import_applications(svc, "zob-2021", path, svc.clock.now(), ignore_window=True)
    assert stored == []
    assert [(e.row, e.field) for e in errors] == [(4, "postcode"), (4, "topic_ids")]
    assert "onbekend onderwerp: 'golf'" in str(errors[1]) and str(errors[0]).startswith("rij 4, veld postcode: ")
    assert count(svc, people) == 0 and count(svc, trajectories) == 0 and count(svc, participation) == 0
    assert letters(svc) == []


def test_a_known_email_is_refused_with_a_clear_message(svc, tmp_path: Path) -> None:
    assert import_applications(svc, "zob-2021", write(tmp_path, MENTOR_ROW), svc.clock.now())[1] == []
    path = write(tmp_path, MENTOR_ROW.replace("Anneke van Dijk", "A. van Dijk"))
    stored, errors = import_applications(svc, "zob-2021", path, svc.clock.now())
    assert stored == [] and [str(e) for e in errors] == [
        "rij 2, veld email: er is al een aanmelding met anneke@example.org voor dit cohort"]
    twice = write(tmp_path, MENTOR_ROW.replace("anneke@", "a2@"), MENTOR_ROW.replace("anneke@", "a2@"))
    assert [str(e) for e in import_applications(svc, "zob-2021", twice, svc.clock.now())[1]] == [
        "rij 3, veld email: a2@example.org staat ook in rij 2 van dit bestand"]


# --- files as Dutch spreadsheets save them (issue 9, point 6) ----------------------------------

DUTCH_HEADER = ";".join(COLUMNS[c][0] if COLUMNS[c] else c for c in HEADER.split(","))


def dutch_excel(row: str) -> str:
    """A row of the test file as Dutch Excel writes it: ';' between cells, dates as dd-mm-jjjj."""
    return row.replace(";", "|").replace(",", ";").replace("|", ",").replace("2017-06-30", "30-06-2017")


def test_a_file_saved_by_dutch_excel_is_imported(svc, tmp_path: Path) -> None:
    path = tmp_path / "aanmeldingen.csv"
    rows = [DUTCH_HEADER, dutch_excel(MENTOR_ROW).replace("Anneke van Dijk", "Anneke van Dijk-Hélène"),
            dutch_excel(OLD_MENTOR_ROW), ""]
    path.write_bytes("\r\n".join(rows).encode("cp1252"))
    stored, errors = import_applications(svc, "zob-2021", path, svc.clock.now(), ignore_window=True)
    assert errors == []
    assert [svc.repo.person(a.person_id).name for a in stored] == ["Dr. Anneke van Dijk-Hélène", "Dr. Kees Verhoeven"]
    assert svc.repo.application(stored[1].person_id).stopped_on == date(2017, 6, 30)
    assert svc.repo.application(stored[0].person_id).availability == ["di-avond", "do-middag"]


def test_a_file_saved_as_unicode_text_utf16_with_tabs_is_imported(svc, tmp_path: Path) -> None:
    path = tmp_path / "aanmeldingen.txt"
    rows = [HEADER.replace(",", "\t"), MENTOR_ROW.replace(",", "\t").replace("Anneke", "Ånneke")]
    path.write_bytes("\r\n".join(rows).encode("utf-16"))
    stored, errors = import_applications(svc, "zob-2021", path, svc.clock.now(), ignore_window=True)
    assert errors == [] and svc.repo.person(stored[0].person_id).name == "Dr. Ånneke van Dijk"


def test_a_binary_file_is_refused_in_one_line(svc, tmp_path: Path) -> None:
    path = tmp_path / "foto.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    stored, errors = import_applications(svc, "zob-2021", path, svc.clock.now(), ignore_window=True)
    assert stored == [] and [str(e) for e in errors] == [
        "rij 1: dit is geen tekstbestand (CSV) dat te lezen is; sla het bestand in Excel op als 'CSV UTF-8' "
        "of 'CSV (gescheiden door lijstscheidingsteken)'"]
    assert count(svc, people) == 0


def test_a_short_row_in_a_semicolon_file_is_blamed_not_the_header(svc, tmp_path: Path) -> None:
    path = tmp_path / "aanmeldingen.csv"
    short = "mentor;Bert Jansen;bert@example.org;040-1234567"
    path.write_text("\n".join([DUTCH_HEADER, dutch_excel(MENTOR_ROW), short]), encoding="utf-8")
    stored, errors = import_applications(svc, "zob-2021", path, svc.clock.now(), ignore_window=True)
    assert stored == [] and [str(e) for e in errors] == [
        "rij 3: deze rij heeft 4 cellen en de kop 20 kolommen; controleer scheidingstekens en aanhalingstekens"]
    assert count(svc, people) == 0


def test_a_wrong_date_says_the_format_and_unknown_columns_are_named_once_each(svc, tmp_path: Path) -> None:
    wrong_date = write(tmp_path, OLD_MENTOR_ROW.replace("2017-06-30", "30-13-2017"))
    assert [str(e) for e in import_applications(svc, "zob-2021", wrong_date, svc.clock.now(), ignore_window=True)[1]] \
        == ["rij 2, veld stopped_on: geen geldige datum; schrijf dd-mm-jjjj, bijvoorbeeld 31-12-2019"]
    path = tmp_path / "kolommen.csv"
    path.write_text("Rol;Naam;Geboortedatum;Hobby\nmentor;Bert;1-1-1970;golf\n", encoding="utf-8")
    errors = [str(e) for e in import_applications(svc, "zob-2021", path, svc.clock.now())[1]]
    assert len(errors) == 3
    assert errors[0].startswith("rij 1, veld Geboortedatum: onbekende kolom; bekende kolommen: role (rol), ")
    assert errors[1].startswith("rij 1, veld Hobby: onbekende kolom")
    assert errors[2] == "rij 1, veld email: deze kolom ontbreekt (kolomkop 'email' of 'e-mailadres')"


def test_a_members_file_from_dutch_excel_is_read_and_a_name_that_would_inject_is_refused(tmp_path: Path) -> None:
    from adapters.members import read_members

    path = tmp_path / "leden.csv"
    path.write_bytes("Naam;E-mailadres;Taal\r\nJosé Smit;jose@example.org;Engels\r\n".encode("cp1252"))
    assert read_members(path) == ([{"name": "José Smit", "email": "jose@example.org", "language": "en"}], [])
    path.write_text('naam,email\n"=?utf-8?q?Jos=0D=0ABcc:_x@evil.example?=",jose@example.org\n,\n'
                    'Piet,piet@example.org\n', encoding="utf-8")
    assert read_members(path) == ([], ["rij 2, veld name: mag geen codering als '=?...?=' bevatten"])


def test_imported_rows_respect_the_window_unless_told_otherwise(svc, tmp_path: Path) -> None:
    svc.clock.set(IN_MENTEE_WINDOW)
    stored, errors = import_applications(svc, "zob-2021", write(tmp_path, MENTOR_ROW), svc.clock.now())
    assert stored == [] and errors[0].field == "role" and "gesloten" in errors[0].reason
    assert import_applications(svc, "zob-2021", write(tmp_path, MENTOR_ROW), svc.clock.now(),
                               ignore_window=True)[1] == []


def test_a_preferred_mentor_must_be_in_the_cohort(svc, tmp_path: Path) -> None:
    _, errors = import_applications(svc, "zob-2021", write(tmp_path, MENTEE_ROW), svc.clock.now(),
                                    ignore_window=True)
    assert [str(e) for e in errors] == ["rij 2, veld preferred_mentors: geen mentor van dit cohort: anneke@example.org"]


# --- only members apply (issue 10.3) -------------------------------------------------------------


def members(svc, *emails: str) -> None:
    svc.cohorts.add_members("zob-2021", [{"name": e.split("@")[0].title(), "email": e, "language": "nl"}
                                         for e in emails])


def test_a_non_member_is_told_whom_to_contact_and_goes_on_once_the_facilitator_admits_them(svc) -> None:
    from adapters.cohorts import pending_applications
    from administration.enrolment import admit

    client = TestClient(create_app(svc))
    assert svc.cohorts.is_member("zob-2021", "sanne@example.org")  # no list imported: everyone may apply
    members(svc, "anneke@example.org")
    svc.clock.set(IN_MENTEE_WINDOW)
    page = client.post("/apply?role=mentee", data=form())
    assert page.status_code == 200 and "staat niet op de ledenlijst van de huisartsenkring" in page.text
    assert "facilitator@example.org" in page.text and "niet opnieuw in te vullen" in page.text
    assert count(svc, people) == 0 and count(svc, trajectories) == 0 and count(svc, pending_applications) == 1
    sent = {(row["template"], row["recipient_email"]): row for row in letters(svc)}
    mail = parse(sent[("not_member", "sanne@example.org")]["mime"]).get_body(("plain",)).get_content()
    assert "staat niet op de ledenlijst" in mail and "facilitator@example.org" in mail
    notice = parse(sent[("not_member_notice", "facilitator@example.org")]["mime"]).get_body(("plain",)).get_content()
    assert "mentorschap members add sanne@example.org --name 'Sanne de Vries'" in notice
    again = client.post("/apply?role=mentee", data=form())
    assert again.status_code == 422 and "er is al een aanmelding met sanne@example.org" in again.text
    english = client.post("/apply?role=mentee", data=form(email="tom@example.org", name="Tom Bakker", language="en"))
    assert "is not on the association&#39;s list of members" in english.text
    assert ("not_member", "tom@example.org") in {(r["template"], r["recipient_email"]) for r in letters(svc)}

    added, stored = admit(svc, "zob-2021", [{"name": "Sanne de Vries", "email": "sanne@example.org",
                                             "language": "nl"}], svc.clock.now())
    assert added == 1 and [a.email for a in stored] == ["sanne@example.org"] and stored[0].trajectory_id
    assert [p["email"] for p in svc.cohorts.pending("zob-2021")] == ["tom@example.org"]
    assert [u.name for u in svc.cohorts.unpaid("zob-2021")] == ["Sanne de Vries"]  # as any mentee
    assert admit(svc, "zob-2021", [{"name": "S", "email": "sanne@example.org", "language": "nl"}],
                 svc.clock.now()) == (0, [])


def test_a_non_members_rows_in_a_file_wait_and_the_rest_is_imported(svc, tmp_path: Path) -> None:
    members(svc, "anneke@example.org")
    stored, errors = import_applications(svc, "zob-2021", write(tmp_path, MENTEE_ROW, MENTOR_ROW, OLD_MENTOR_ROW),
                                         svc.clock.now(), ignore_window=True)
    assert errors == [] and [a.email for a in stored] == ["anneke@example.org"]
    waiting = {p["email"]: p for p in svc.cohorts.pending("zob-2021")}
    assert set(waiting) == {"sanne@example.org", "kees@example.org"}
    anneke = stored[0].person_id
    assert waiting["sanne@example.org"]["application"]["preferred_mentor_ids"] == [anneke]
    told = {(r["template"], r["recipient_email"]) for r in letters(svc)}
    assert {("not_member", "sanne@example.org"), ("not_member", "kees@example.org")} <= told
    again, errors = import_applications(svc, "zob-2021", write(tmp_path, MENTEE_ROW), svc.clock.now(),
                                        ignore_window=True)
    assert again == [] and "er is al een aanmelding met sanne@example.org" in errors[0].reason


def test_the_facilitator_admits_a_waiting_applicant_with_members_add(cli_services: Services, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentorschap.cli import app

    svc = cli_services
    leden = tmp_path / "leden.csv"
    leden.write_text("naam,e-mailadres\nAnneke van Dijk,anneke@example.org\n", encoding="utf-8")
    assert "1 lid/leden toegevoegd" in CliRunner().invoke(app, ["import-members", str(leden)]).output
    imported = CliRunner().invoke(app, ["import-applications", str(write(tmp_path, MENTOR_ROW, MENTEE_ROW)),
                                        "--ignore-window"])
    assert imported.exit_code == 0 and "1 aanmelding(en) wachten: geen lid van de kring" in imported.output
    listed = CliRunner().invoke(app, ["applications"]).output
    assert "WACHT: geen lid van de kring; toelaten met: mentorschap members add sanne@example.org" in listed
    refused = CliRunner().invoke(app, ["members", "add", "niet-een-adres"])
    assert refused.exit_code == 2 and "geweigerd: email:" in refused.output
    svc.runs = FakeRuns()  # type: ignore[misc]  # no Prefect server here: the run's start is recorded
    admitted = CliRunner().invoke(app, ["members", "add", "Sanne@Example.org"])
    assert admitted.exit_code == 0, admitted.output
    assert "1 lid/leden toegevoegd" in admitted.output and "sanne@example.org" in admitted.output
    assert "1 wachtende aanmelding(en) gaan verder" in admitted.output
    assert svc.cohorts.pending(svc.cohort) == []
    [sanne] = [p for p in svc.repo.people_of(svc.cohort) if p["role"] == "mentee"]
    assert sanne["name"] == "Sanne de Vries" and svc.cohorts.is_member(svc.cohort, sanne["email"])
    assert len(svc.runs.started) == 1  # the mentee's trajectory run


# --- training, accreditation, costs ---------------------------------------------------------------


def test_attendance_earns_three_points_and_the_export_names_big_number_and_date(svc, tmp_path: Path) -> None:
    second = MENTOR_ROW.replace("anneke@", "pieter@").replace("Anneke van Dijk", "Pieter Janssens").replace(
        "Praktijk Strijp", "Praktijk Geldrop").replace("12345678901", "")
    stored, _ = import_applications(svc, "zob-2021", write(tmp_path, MENTOR_ROW, second), svc.clock.now())
    anneke, pieter = (a.person_id for a in stored)
    svc.cohorts.record_attendance(PLAN, [anneke], True, PLAN.training_at)
    svc.cohorts.record_attendance(PLAN, [pieter], False, PLAN.training_at)
    [row] = svc.cohorts.attendance("zob-2021")
    assert (row.name, row.big_number, row.date, row.points) == ("Dr. Anneke van Dijk", "12345678901",
                                                                date(2021, 1, 11), 3)
    assert svc.cohorts.attended_ids("zob-2021") == {anneke}
    svc.cohorts.set_travel_costs("zob-2021", anneke, 2350)
    assert svc.cohorts.travel_costs("zob-2021") == [(anneke, "Dr. Anneke van Dijk", 2350)]


def test_the_cli_refuses_attendance_before_the_training_and_records_nothing(cli_services: Services,
                                                                            tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentorschap.cli import app

    svc = cli_services
    shift = svc.clock.now() - PLAN.opens_at + timedelta(days=1)  # opens tomorrow: the training is a week later
    moved = ("opens_at", "mentor_deadline", "mentee_deadline", "training_at")
    plan = PLAN.model_copy(update={"id": svc.cohort, **{f: getattr(PLAN, f) + shift for f in moved}})
    svc.cohorts.open(plan, svc.clock.now())
    assert CliRunner().invoke(app, ["import-applications", str(write(tmp_path, MENTOR_ROW)),
                                    "--ignore-window"]).exit_code == 0
    [anneke] = [p["id"] for p in svc.repo.people_of(svc.cohort)]
    refused = CliRunner().invoke(app, ["attendance", str(anneke)])
    assert refused.exit_code == 2
    assert (f"geweigerd: attendance: de mentortraining is op {plan.training_at:%d-%m-%Y}; wie er was kan pas "
            "vanaf dan worden vastgelegd") in refused.output
    assert not svc.cohorts.attendance_recorded(svc.cohort)


def test_the_cli_refuses_a_file_with_a_bad_row_and_names_row_field_and_reason(
    cli_services: Services, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from mentorschap.cli import app

    bad = MENTEE_ROW.replace("sanne@example.org", "sanne-at-example.org").replace(",2,", ",zestig,")
    result = CliRunner().invoke(app, ["import-applications", str(write(tmp_path, MENTOR_ROW, bad)),
                                      "--ignore-window"])
    assert result.exit_code == 2
    assert "rij 3, veld email: geen geldig e-mailadres" in result.output
    assert "rij 3, veld years_experience: vul het aantal jaren ervaring als huisarts in" in result.output
    assert "niets geïmporteerd: " in result.output
    assert count(cli_services, people) == 0
    good = CliRunner().invoke(app, ["import-applications", str(write(tmp_path, MENTOR_ROW)), "--ignore-window"])
    assert good.exit_code == 0 and "1 aanmelding(en) geïmporteerd" in good.output
    again = CliRunner().invoke(app, ["import-applications", str(write(tmp_path, MENTOR_ROW)), "--ignore-window"])
    assert again.exit_code == 2 and "er is al een aanmelding met anneke@example.org" in again.output
