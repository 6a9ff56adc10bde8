"""Fixtures for the integration tests of messages: a real SQLite file and a real SMTP server on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.db import make_engine, metadata
from adapters.outbox import Outbox, outbox
from demo.mailserver import MaildirServer


def free_port() -> int:
    """A loopback port with nothing listening on it (the OS picked it and we let it go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_maildir(server: MaildirServer) -> list[EmailMessage]:
    return [message_from_bytes(raw, policy=policy.default) for raw in server.messages()]  # type: ignore[misc]


@pytest.fixture
def outbox_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    metadata.create_all(engine, tables=[outbox])
    return engine


@pytest.fixture
def box(outbox_engine: Engine) -> Outbox:
    return Outbox(outbox_engine)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[MaildirServer]:
    with MaildirServer(tmp_path / "maildir") as server:
        yield server
