"""deploy/systemd's units started as systemd would start them, for a test on a machine without systemd.

The two-worker test (issue 11.3) starts Prefect's server, the one-shot deploy, the workers and the portal
with the very command lines of the units, so a wrong module, option or variable in a unit fails a test on
every fresh clone. What systemd adds is imitated, not run: ``EnvironmentFile=`` is the test's environment,
``Environment=`` and the specifiers ``%i`` and ``%H`` are applied, ``${VAR}`` is expanded from the
environment, ``PrivateTmp=true`` becomes a temp folder of the unit's own and ``WorkingDirectory=`` is
honoured (outside the checkout: the units import the installed package, not the source folder). Paths of
the installation (``/opt/mentorschap/venv/bin/``, ``/var/lib/mentorschap``) map to this checkout's venv
and the test's folder; ``User=``, restarts and the sandboxing options are systemd's alone."""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mentorschap.stack import ROOT, Stack

UNITS = ROOT / "deploy" / "systemd"
VENV_BIN = "/opt/mentorschap/venv/bin/"
STATE = "/var/lib/mentorschap"


def unit_name(unit: str, instance: str = "") -> str:
    """``mentorschap-worker@.service`` of instance 2 is ``mentorschap-worker-2``."""
    return unit.split(".", 1)[0].replace("@", "-" + instance if instance else "")


def service_section(unit: str) -> list[tuple[str, str]]:
    """The ``[Service]`` section's settings in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (UNITS / unit).read_text(encoding="utf-8"))
    section, settings = "", []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            settings.append((key, value))
    return settings


@dataclass
class Units:
    """Starts ``deploy/systemd``'s units in ``stack``; their state folder is ``home``."""

    stack: Stack
    home: Path
    ports: dict[int, int] = field(default_factory=dict)  # a port a unit names -> the test's free port

    def _specifiers(self, value: str, instance: str) -> str:
        return value.replace("%i", instance).replace("%H", socket.gethostname()).replace(STATE, str(self.home))

    def _command(self, line: str, instance: str, env: dict[str, str]) -> list[str]:
        line = self._specifiers(line, instance).replace(VENV_BIN, str(Path(sys.executable).parent) + "/")
        words = [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], word) for word in shlex.split(line)]
        return [str(self.ports.get(int(w), w)) if w.isdigit() else w for w in words]

    def prepare(self, unit: str, instance: str = "") -> tuple[list[list[str]], dict[str, str], Path]:
        """The unit's ``ExecStart=`` commands, the environment it gives them and their working folder."""
        env = {k: v for k, v in self.stack.env.items() if k != "PYTHONPATH"}  # the installed package only
        commands, service = [], service_section(unit)
        for key, value in service:
            if key == "Environment":
                name, _, setting = self._specifiers(value, instance).partition("=")
                env[name] = setting
            elif key == "PrivateTmp" and value == "true":
                tmp = self.home / "tmp" / unit_name(unit, instance)
                tmp.mkdir(parents=True, exist_ok=True)
                env["TMPDIR"] = str(tmp)
        for key, value in service:
            if key == "ExecStart":
                commands.append(self._command(value, instance, env))
        return commands, env, Path(self._specifiers(dict(service).get("WorkingDirectory", STATE), instance))

    def start(self, unit: str, instance: str = "", name: str | None = None) -> subprocess.Popen:
        """A long-running unit (``Type=simple``): its one command, as the stack's child ``name``."""
        (command,), env, cwd = self.prepare(unit, instance)
        return self.stack.spawn(name or unit_name(unit, instance), command, env=env, cwd=cwd)

    def run(self, unit: str) -> None:
        """A one-shot unit: its commands in turn, each to succeed, as systemd runs ``Type=oneshot``."""
        commands, env, cwd = self.prepare(unit)
        with open(self.stack.logs / f"{unit}.log", "ab") as out:
            for command in commands:
                subprocess.run(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=True,
                               timeout=300)
