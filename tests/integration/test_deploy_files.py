"""deploy/ as an operator uses it (issue 11): the settings file's names are settings the code reads (a
misspelt one would be ignored without a word), its placeholders are refused in production, and the units
and the CLI wrapper name the same paths."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from wiring.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def env_example() -> dict[str, str]:
    lines = (DEPLOY / "mentorschap.env.example").read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {key: value.strip('"') for key, value in pairs}


def test_every_mentorschap_name_in_the_settings_file_is_a_setting() -> None:
    ours = {key.removeprefix("MENTORSCHAP_").lower() for key in env_example() if key.startswith("MENTORSCHAP_")}
    assert ours and ours <= set(Settings.model_fields), ours - set(Settings.model_fields)


def test_the_settings_file_as_shipped_is_refused_and_with_its_secrets_filled_in_accepted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env_example().items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match="at least 32"):
        Settings()
    monkeypatch.setenv("MENTORSCHAP_SIGNING_SECRET", "0123456789abcdef" * 4)
    settings = Settings()
    assert settings.environment == "production" and settings.smtp_starttls and settings.smtp_port == 587


def test_the_units_and_the_cli_wrapper_share_the_env_file_the_venv_and_the_home() -> None:
    wrapper = (DEPLOY / "mentorschap").read_text(encoding="utf-8")
    assert subprocess.run(["sh", "-n", str(DEPLOY / "mentorschap")], check=False).returncode == 0
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text(encoding="utf-8")
        assert "EnvironmentFile=/etc/mentorschap/mentorschap.env" in text, unit.name
        assert "WorkingDirectory=/var/lib/mentorschap" in text, unit.name
        assert re.search(r"^ExecStart=/opt/mentorschap/venv/bin/", text, re.MULTILINE), unit.name
    for path in ("/etc/mentorschap/mentorschap.env", "/opt/mentorschap/venv/bin/mentorschap", "/var/lib/mentorschap"):
        assert path in wrapper
