"""Fixtures for the integration tests of messages: a real SQLite file and a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.db import make_engine, metadata
from adapters.outbox import Outbox, outbox
from demo.mailserver import MaildirServer


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
    """A real SMTP server on a loopback port that files every message into a Maildir."""
    with MaildirServer(tmp_path / "maildir") as server:
        yield server
