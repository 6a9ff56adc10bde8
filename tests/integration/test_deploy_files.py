"""deploy/ as an operator uses it (issue 11): the settings file's names are settings the code reads (a
misspelt one would be ignored without a word), its placeholders are refused in production, the units
and the CLI wrapper name the same paths, and the Caddyfile proxies to what the units and the settings
name.

The Caddyfile is read here, not run through `caddy validate`: `make test` does not install Caddy (Debian's
package starts a server on port 80 where systemd runs), and a test skipped on every fresh clone proves
nothing. Its HTTPS leg was walked by hand with Caddy 2.6 (`local_certs`): see the README's "HTTPS"."""

from __future__ import annotations

import asyncio
import re
import shlex
import subprocess
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from adapters.mail import SmtpMailer
from demo.mailserver import MaildirServer
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


def caddy_sites() -> dict[str, str]:
    """Each site block of the Caddyfile by its address (the global options, a bare `{`, left out)."""
    sites: dict[str, str] = {}
    address = None
    for line in (DEPLOY / "Caddyfile").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].rstrip()
        if line.endswith(" {") and not line.startswith(("\t", " ")):
            address = line.removesuffix(" {")
            sites[address] = ""
        elif line == "}":
            address = None
        elif address:
            sites[address] += line.strip() + "\n"
    return sites


def upstream(block: str) -> str:
    return re.findall(r"^reverse_proxy (\S+)$", block, re.MULTILINE)[0]


def exec_start(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8").replace("\\\n", " ")
    found = re.search(r"^ExecStart=(.*)$", text, re.MULTILINE)
    assert found, unit
    return shlex.split(found.group(1))


def test_the_caddyfile_serves_the_public_urls_and_proxies_to_the_portal_and_prefect_as_the_units_start_them() -> None:
    env, sites = env_example(), caddy_sites()
    portal = exec_start("mentorschap-portal.service")
    named = ("--host", "--port", "--forwarded-allow-ips")
    flag = {name: portal[i + 1] for i, name in enumerate(portal) if name in named}
    assert "--proxy-headers" in portal  # else the portal sees http and Caddy's address
    assert upstream(sites[urlsplit(env["MENTORSCHAP_PORTAL_URL"]).netloc]) == f"{flag['--host']}:{flag['--port']}"
    assert flag["--forwarded-allow-ips"] == flag["--host"]  # Caddy connects from the address it proxies to
    prefect = urlsplit(env["PREFECT_UI_URL"]).netloc
    assert urlsplit(env["PREFECT_UI_API_URL"]).netloc == prefect and env["PREFECT_UI_API_URL"].startswith("https://")
    assert upstream(sites[prefect]) == f"{env['PREFECT_SERVER_API_HOST']}:{env['PREFECT_SERVER_API_PORT']}"
    assert env["MENTORSCHAP_PORTAL_URL"].startswith("https://") and len(sites) == 2


def test_every_site_sends_hsts_and_hides_the_server_header() -> None:
    for address, block in caddy_sites().items():
        assert 'Strict-Transport-Security "max-age=31536000"' in block and "-Server" in block, address


def test_a_relay_without_a_login_left_empty_in_the_settings_file_gets_the_mail(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`MENTORSCHAP_SMTP_USERNAME=` as an operator leaves it: no AUTH asked of a relay that has none."""
    monkeypatch.setenv("MENTORSCHAP_SMTP_USERNAME", "")
    monkeypatch.setenv("MENTORSCHAP_SMTP_PASSWORD", " ")
    settings = Settings()
    assert settings.smtp_username is None and settings.smtp_password is None
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "mentorschap@example.org", "anneke@example.org", "Aanmelding ontvangen"
    msg.set_content("Dank u wel.")
    with MaildirServer(tmp_path / "maildir") as relay:
        asyncio.run(SmtpMailer("127.0.0.1", relay.port, settings.smtp_username, None).send(msg))
        assert [b"Aanmelding ontvangen" in m for m in relay.messages()] == [True]
