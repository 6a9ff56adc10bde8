"""The command line: ``mentorschap export``, and the facilitator's acts without the UI."""

from __future__ import annotations

import contextlib
import json
import tempfile
import traceback
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup
from typer.exceptions import TyperException

from domain.errors import DomainError
from domain.people import Role
from domain.text import text_refusal
from domain.trajectory import EvaluationKind, Trajectory

if TYPE_CHECKING:
    from collections.abc import Callable

    from wiring.bootstrap import Services


class SafeGroup(TyperGroup):
    """Every command ends with one clear line per problem and a non-zero exit, never a traceback.

    A refused value (pydantic, the domain) is exit 2 with the field and the reason; anything
    unexpected is exit 1 with one line, and the traceback goes to a log file for whoever fixes it.
    """

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]  # typer's Context; its base is private
        try:
            with contextlib.ExitStack() as resources:
                token = _command.set(_CommandServices(resources))
                try:
                    return super().invoke(ctx)
                finally:
                    _command.reset(token)
        except (typer.Exit, typer.Abort, TyperException):  # typer's own: usage errors, exits
            raise
        except ValidationError as exc:
            from domain.errors import dutch_reason

            for error in exc.errors():
                field = ".".join(str(part) for part in error["loc"]) or "invoer"
                typer.echo(f"geweigerd: {field}: {dutch_reason(error)}", err=True)
            raise typer.Exit(2) from None
        except DomainError as exc:
            typer.echo(f"geweigerd: {exc.field}: {exc.reason}", err=True)
            raise typer.Exit(2) from None
        except Exception as exc:
            log = _write_log(exc)
            first = (str(exc).splitlines() or [""])[0][:300]
            typer.echo(f"fout: {type(exc).__name__}: {first} (details in {log})", err=True)
            raise typer.Exit(1) from None


def _log_folder() -> Path:
    """``MENTORSCHAP_VAR_DIR``/log, where the operator looks (production runs the CLI from any folder);
    var/log under the current folder when the settings themselves are what failed."""
    from wiring.settings import Settings

    try:
        return Settings().var_dir.absolute() / "log"
    except ValidationError:
        return Path("var").absolute() / "log"


def _write_log(exc: BaseException) -> Path:
    """The traceback in the var folder's log/ (or the temp folder when that cannot be written)."""
    name = f"mentorschap-fout-{datetime.now():%Y%m%d-%H%M%S-%f}.log"
    text = "".join(traceback.format_exception(exc))
    for folder in (_log_folder(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
            return folder / name
        except OSError:
            continue
    return Path(name)


def refuse_text(field: str, value: str) -> None:
    """Free text from the command line holds no control characters (as on the forms)."""
    if reason := text_refusal(value, one_line=False):
        raise DomainError(field, reason)


app = typer.Typer(help="Mentorschap: mentorship trajectories for GPs, orchestrated by Prefect.", no_args_is_help=True,
                  cls=SafeGroup)


class _CommandServices:
    """The services of the command being run: built at their first use (the ``db`` commands use none),
    from the settings (``run_services``, so a test's inside ``provided()``), closed when it ends."""

    def __init__(self, resources: contextlib.ExitStack) -> None:
        self.resources = resources
        self.built: Services | None = None

    def get(self) -> Services:
        if self.built is None:
            from wiring.bootstrap import run_services

            self.built = self.resources.enter_context(run_services())
        return self.built


_command: ContextVar[_CommandServices] = ContextVar("the command's services")


def _svc() -> Services:
    """This command's services (see ``_CommandServices``)."""
    return _command.get().get()


def _act(trajectory_id: int, act: Callable[[Trajectory], object], woken_by: str = "system") -> None:
    svc = _svc()
    try:
        svc.repo.change(trajectory_id, act, svc.clock.now())
    except DomainError as exc:
        typer.echo(f"geweigerd: {exc.field}: {exc.reason}", err=True)
        raise typer.Exit(2) from exc
    woke = svc.runs.wake(trajectory_id, woken_by)
    typer.echo("vastgelegd" + ("; traject gewekt" if woke else "; de timer-sweep wekt het traject"))


@app.command()
def export(
    cohort: Annotated[str | None, typer.Option(help="only this cohort")] = None,
    audience: Annotated[str | None, typer.Option(
        help="hao-mentor programme: institute (only what the institute may see), finance, coordinator")] = None,
) -> None:
    """Print every trajectory as JSON (participants, phases, meetings, signatures, evaluations)."""
    from administration.export import export_trajectories

    if audience is not None:
        from administration.hao_export import EXPORTS

        if audience not in EXPORTS:
            typer.echo(f"onbekend publiek {audience!r}; kies uit {', '.join(EXPORTS)}", err=True)
            raise typer.Exit(2)
        typer.echo(json.dumps(EXPORTS[audience](_svc()), indent=2, ensure_ascii=False))
        return
    typer.echo(json.dumps(export_trajectories(_svc().repo, cohort), indent=2, ensure_ascii=False))


@app.command()
def status() -> None:
    """The mail and the runs in one line (as the timer sweep's ``sweep-status`` shows them), then one line
    per trajectory: id, phase, mentee, mentor."""
    from flows.sweep import find_due

    svc = _svc()
    mail = svc.outbox.figures(svc.clock.now())
    due = find_due(svc)  # Prefect away: only the runs never started are counted (and logged)
    typer.echo(f"post: {mail['mail_pending']} wachtend (oudste {mail['mail_oldest_pending_minutes']} min), "
               f"{mail['mail_failed']} geweigerd{' (mentorschap mail failed)' if mail['mail_failed'] else ''}; "
               f"runs: {len(due)} te starten, wekken of herstellen")
    for tid in svc.repo.trajectory_ids():
        t, _ = svc.repo.trajectory(tid)
        mentor = svc.repo.person(t.mentor_id).name if t.mentor_id else "-"
        typer.echo(f"{tid:4d}  {t.phase.label:22s} {svc.repo.person(t.mentee_id).name:28s} {mentor}")


@app.command()
def pool(cohort: Annotated[str | None, typer.Option()] = None) -> None:
    """The eligible mentors of the cohort."""
    svc = _svc()
    for p in svc.repo.mentor_pool(cohort or svc.open_cohort()):
        typer.echo(f"{p.id:4d}  {p.name:28s} {p.practice_name}")


@app.command()
def match(trajectory_id: int, mentor_id: int) -> None:
    """Choose a mentor for a mentee waiting in matching."""
    svc = _svc()
    from tasks.cohort import mentor_refusal

    if why := mentor_refusal(svc, trajectory_id, mentor_id):
        typer.echo(f"geweigerd: mentor_id: {why}", err=True)
        raise typer.Exit(2)
    _act(trajectory_id, lambda t: t.choose_mentor(mentor_id, svc.clock.now()))


@app.command()
def evaluate(
    trajectory_id: int,
    contact: Annotated[str, typer.Option(help="phone, mail or meeting")],
    outcome: Annotated[str, typer.Option(help="short summary of the contact")],
    kind: Annotated[str, typer.Option(help="interim or final")] = "interim",
) -> None:
    """Record the outcome of the interim or final evaluation contact."""
    refuse_text("contact", contact)
    refuse_text("outcome", outcome)
    svc = _svc()
    _act(trajectory_id, lambda t: t.record_evaluation(EvaluationKind(kind), contact, outcome, svc.clock.now()))


@app.command()
def withdraw(
    trajectory_id: int,
    reason: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="mentee, mentor or facilitator")] = "facilitator",
) -> None:
    """End a trajectory (mentee/facilitator) or take the mentor out (back to matching)."""
    refuse_text("reason", reason)
    svc = _svc()
    _act(trajectory_id, lambda t: t.withdraw(Role(role), reason, svc.clock.now()))


import mentorschap.cohort_cli  # noqa: E402  (registers the cohort commands on ``app``)
import mentorschap.cohorts_cli  # noqa: E402  (registers ``mentorschap cohort add|list``)
import mentorschap.db_cli  # noqa: E402  (registers ``mentorschap db upgrade|current|backup|restore``)
import mentorschap.deploy_cli  # noqa: E402  (registers ``mentorschap deploy``)
import mentorschap.hao_cli  # noqa: E402  (registers the hao-mentor commands: ``mentorschap hao ...``)
import mentorschap.mail_cli  # noqa: E402  (registers ``mentorschap mail failed|retry``)
import mentorschap.person_cli  # noqa: E402,F401  (registers ``mentorschap person export|erase``)


def main() -> None:
    app()


if __name__ == "__main__":
    # Run as ``python -m mentorschap.cli``, this file is ``__main__``; the cohort and hao commands
    # register on the app of the importable module ``mentorschap.cli``, so run that one.
    from mentorschap.cli import main as registered_main

    registered_main()
