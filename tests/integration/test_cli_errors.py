"""Every CLI command ends with one clear line per problem and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentorschap import cli
from wiring.bootstrap import Services


@pytest.fixture
def runner(cli_services: Services) -> CliRunner:
    return CliRunner()


class BrokenOutbox:
    def figures(self, now: object) -> dict[str, int]:
        raise RuntimeError("database kapot\nen nog een regel")


def test_an_unexpected_error_is_one_line_with_a_log_file_holding_the_traceback(
    runner: CliRunner, cli_services: Services, tmp_path: Path
) -> None:
    cli_services.outbox = BrokenOutbox()  # type: ignore[assignment]  # the first thing `status` reads
    result = runner.invoke(cli.app, ["status"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("fout: RuntimeError: database kapot (details in ")
    [log] = (tmp_path / "var" / "log").glob("mentorschap-fout-*.log")
    assert "Traceback" in log.read_text() and "database kapot" in log.read_text()



def test_the_log_file_goes_to_the_var_folder_of_the_settings_not_the_current_folder(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Production's CLI runs from any folder (sudo keeps the caller's); the operator looks in MENTORSCHAP_VAR_DIR."""
    var = tmp_path / "srv" / "mentorschap"
    monkeypatch.setenv("MENTORSCHAP_VAR_DIR", str(var))
    monkeypatch.setattr(cli, "_svc", lambda: (_ for _ in ()).throw(PermissionError("cohorts.toml")))
    result = runner.invoke(cli.app, ["status"])
    assert result.exit_code == 1
    [log] = (var / "log").glob("mentorschap-fout-*.log")
    assert f"(details in {log})" in result.output and "cohorts.toml" in log.read_text()
    assert not (tmp_path / "var").exists()

def test_a_binary_file_to_import_is_refused_in_one_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "aanmeldingen.csv"
    path.write_bytes(bytes(range(256)) * 4)
    result = runner.invoke(cli.app, ["import-applications", str(path), "--ignore-window"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.splitlines()[0].startswith("rij 1: dit is geen tekstbestand (CSV)")
    members = runner.invoke(cli.app, ["import-members", str(path)])
    assert members.exit_code == 2 and members.output.startswith("rij 1: dit is geen tekstbestand (CSV)")


def test_a_hao_person_whose_name_would_inject_a_header_is_refused_by_field(runner: CliRunner) -> None:
    result = runner.invoke(cli.app, ["hao", "person", "mentor", "=?utf-8?q?Mo=0D=0ABcc:_x@evil.example?=",
                                     "mo@example.org\r\nBcc: y@evil.example"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.splitlines() == ["geweigerd: name: mag geen codering als '=?...?=' bevatten",
                                          "geweigerd: email: mag geen regelovergang bevatten"]
    assert runner.invoke(cli.app, ["hao", "mentors"]).output == ""
    unknown_role = runner.invoke(cli.app, ["hao", "person", "baas", "Mo", "mo@example.org"])
    assert unknown_role.exit_code == 2 and "Traceback" not in unknown_role.output
    assert runner.invoke(cli.app, ["hao", "person", "mentor", "Mo Mentor", "mo@example.org"]).exit_code == 0


def test_a_wrong_due_date_names_the_format(runner: CliRunner) -> None:
    result = runner.invoke(cli.app, ["hao", "starter", "1", "--due", "31-02-2021"])
    assert result.exit_code == 2
    assert result.output.strip() == "geweigerd: due: geen geldige datum; schrijf dd-mm-jjjj, bijvoorbeeld 31-12-2019"


def test_free_text_with_a_control_character_is_refused_before_anything_is_read(runner: CliRunner) -> None:
    result = runner.invoke(cli.app, ["withdraw", "1", "--reason", "verhuisd\x00"])
    assert result.exit_code == 2
    assert result.output.strip() == "geweigerd: reason: bevat een onzichtbaar stuurteken; typ de tekst opnieuw"
