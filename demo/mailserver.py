"""A local SMTP server that files every message it receives into a Maildir.

For the demo and the integration tests: real SMTP on loopback, real parsing on the
other side, nothing leaves the machine. ``python -m demo.mailserver --maildir
var/demo/maildir --port 8025`` runs it until it is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import mailbox
import signal
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def open_maildir(path: Path) -> mailbox.Maildir:
    """The Maildir at ``path``, creating it (and its tmp/new/cur folders) when needed."""
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(str(path), create=False)


class MaildirHandler:
    """aiosmtpd handler: accept every recipient and store the raw message in the Maildir."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.maildir = open_maildir(self.path)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        data = data.replace(b"\r\n", b"\n")  # local delivery: Unix line endings, as a Maildir expects
        with self._lock:
            self.maildir.add(data)
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """Learns the port the OS chose when asked for port 0, before aiosmtpd connects to it."""

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):  # what aiosmtpd's loop made
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MaildirServer:
    """``with MaildirServer(path) as server: ... server.port``; or ``start()`` / ``stop()``."""

    def __init__(self, path: Path | str, host: str = "127.0.0.1", port: int = 0, handler: Any = None) -> None:
        self.path = Path(path)
        self.host = host
        self.handler = handler if handler is not None else MaildirHandler(self.path)
        self._controller = _Controller(self.handler, hostname=host, port=port)

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> MaildirServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MaildirServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def messages(self) -> list[bytes]:
        """Every stored message, raw, oldest first (by arrival in the Maildir)."""
        box = open_maildir(self.path)
        keys = sorted(box.keys(), key=lambda k: (box.get_message(k).get_date(), k))
        return [box.get_bytes(k) for k in keys]

    def read(self) -> list[EmailMessage]:
        """Every stored message, parsed with the standard library."""
        return [message_from_bytes(raw, policy=policy.default) for raw in self.messages()]


def free_port(host: str = "127.0.0.1") -> int:
    """A port with nothing listening on it (the OS picked it and we let it go again)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SMTP server on loopback that writes every message to a Maildir")
    parser.add_argument("--maildir", type=Path, default=Path("var/demo/maildir"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with MaildirServer(args.maildir, args.host, args.port) as server:
        print(f"SMTP on {server.host}:{server.port}, writing to {server.path}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
