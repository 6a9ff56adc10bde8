"""Real SMTP as production sends it (deploy/mentorschap.env.example): the submission port with STARTTLS and
a login, the relay's certificate checked, against an aiosmtpd that requires both. The mailer is built
from the ``MENTORSCHAP_SMTP_*`` settings, as every process builds it."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.mail import MailError, TemporaryMailError, build_message
from adapters.rendering import Rendered
from demo.mailserver import free_port

USER, PASSWORD = "mentorschap@example.org", "relay-password"
MESSAGE = build_message(Rendered(subject="Uitnodiging", text="Beste Anna,\n", html="<p>Beste Anna,</p>"),
                        ("Mentorschap", "mentorschap@example.org"), ("Anna", "anna@example.org"),
                        "<tls-test@example.org>", date=datetime(2021, 2, 1, tzinfo=UTC))


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (the relay's) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relay.test")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class Relay:
    """Accepts mail only after STARTTLS and a login with the right password."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        assert session.authenticated and session.ssl is not None
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself


@pytest.fixture()
def relay(tmp_path: Path):
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Relay()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            auth_require_tls=True, authenticator=authenticate)
    controller.start()
    try:
        yield handler, port, cert
    finally:
        controller.stop()


def mailer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, port: int, **settings: str):
    """The mailer every process builds from its environment (wiring.bootstrap)."""
    from wiring.bootstrap import build

    monkeypatch.setenv("MENTORSCHAP_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    monkeypatch.setenv("MENTORSCHAP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MENTORSCHAP_SMTP_PORT", str(port))
    monkeypatch.setenv("MENTORSCHAP_SMTP_TIMEOUT_SECONDS", "5")
    for name, value in settings.items():
        monkeypatch.setenv(f"MENTORSCHAP_SMTP_{name.upper()}", value)
    return build().mailer


async def test_starttls_and_login_deliver(relay, monkeypatch, tmp_path) -> None:
    handler, port, cert = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the relay's CA, as an operator with their own CA sets it
    await mailer(monkeypatch, tmp_path, port, starttls="true", username=USER, password=PASSWORD).send(MESSAGE)
    [(sender, recipients, data)] = handler.received
    assert (sender, recipients) == ("mentorschap@example.org", ["anna@example.org"])
    assert b"Message-ID: <tls-test@example.org>" in data


async def test_a_wrong_password_keeps_the_message_for_later(relay, monkeypatch, tmp_path) -> None:
    handler, port, cert = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with pytest.raises(TemporaryMailError, match="535"):
        await mailer(monkeypatch, tmp_path, port, starttls="true", username=USER, password="wrong").send(MESSAGE)
    assert handler.received == []


async def test_no_plaintext_fallback(relay, monkeypatch, tmp_path) -> None:
    """Without STARTTLS the password is never sent in the clear (the relay offers no login before TLS),
    and a relay whose certificate is not trusted gets nothing."""
    handler, port, _cert = relay
    with pytest.raises(MailError):
        await mailer(monkeypatch, tmp_path, port, starttls="false", username=USER, password=PASSWORD).send(MESSAGE)
    with pytest.raises(TemporaryMailError):
        await mailer(monkeypatch, tmp_path, port, starttls="true", username=USER, password=PASSWORD).send(MESSAGE)
    assert handler.received == []
