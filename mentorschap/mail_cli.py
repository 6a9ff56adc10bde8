"""``mentorschap mail ...``: the mail a server refused for good, and sending it again to a corrected address.

A 5xx refusal is parked, never retried by itself (the address is wrong, say); the facilitator sees it
on the cohort board and in the weekly digest, and here, and sends it again once the address is right.
Programme B's are mailed to whoever steers it (``tasks.hao_undelivered``); a corrected address of one
of its people is corrected in its list too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import EmailStr, TypeAdapter

from domain.errors import DomainError
from domain.hao.undelivered import is_hao
from mentorschap.cli import SafeGroup, _svc, app, refuse_text

if TYPE_CHECKING:
    from wiring.bootstrap import Services

mail = typer.Typer(help="Post die niet bezorgd kon worden: bekijken en opnieuw versturen.", no_args_is_help=True,
                   cls=SafeGroup)
app.add_typer(mail, name="mail")


@mail.command("failed")
def failed() -> None:
    """Every message a mail server refused for good (5xx): number, trajectory, template, address, answer."""
    rows = _svc().outbox.failed()
    if not rows:
        typer.echo("geen geweigerde berichten")
    for row in rows:
        where = f"traject {row['trajectory_id']}" if row["trajectory_id"] else "-"
        answer = " ".join(row["last_error"].split())[:160]
        typer.echo(f"{row['id']:5d}  {row['failed_at']:%d-%m-%Y %H:%M}  {where:12s} {row['template']:28s} "
                   f"{row['recipient_email']}  {answer}")


@mail.command("retry")
def retry(
    number: Annotated[int, typer.Argument(help="the message's number, as `mentorschap mail failed` shows it")],
    to: Annotated[str | None, typer.Option(help="the corrected address (default: the same address again)")] = None,
) -> None:
    """Send a refused message again, to the corrected address; the same message, the same Message-ID."""
    from tasks.mail import deliver_now

    if to is not None:
        refuse_text("to", to)
        try:
            to = TypeAdapter(EmailStr).validate_python(to.strip())
        except ValueError:
            raise DomainError("to", "geen geldig e-mailadres") from None
    svc = _svc()
    now = svc.clock.now()
    refused = next((row for row in svc.outbox.failed() if row["id"] == number), None)
    try:
        key = svc.outbox.retry(number, now, to)
    except (KeyError, ValueError) as exc:
        raise DomainError("bericht", str(exc).strip("'")) from None
    if to is not None and refused is not None and (person := participant(svc, refused)) is not None:
        svc.repo.correct_email(person, to)
        typer.echo(f"adres van deelnemer {person} verbeterd: de volgende berichten gaan naar {to}")
    elif to is not None and refused is not None and is_hao(refused["key"]) and svc.hao.repo.correct_email(
            refused["recipient_email"], to):
        typer.echo(f"adres in de lijst van de hao-mentoren verbeterd: de volgende berichten gaan naar {to}")
    status = deliver_now(svc, key, f"nummer {number}", now)
    if status == "sent":
        typer.echo(f"bericht {number} verstuurd")
    elif status == "failed":
        typer.echo(f"bericht {number} opnieuw geweigerd: zie `mentorschap mail failed`", err=True)
        raise typer.Exit(1)
    else:
        typer.echo(f"bericht {number} staat klaar; de mailserver is nu niet bereikbaar, de timer-sweep verstuurt het")


def participant(svc: Services, refused: dict[str, Any]) -> int | None:
    """The participant of the trajectory the refused message was for (mentee or mentor, by the address it
    went to); None for other mail (an applicant's letter, programme B, the facilitator)."""
    if refused["trajectory_id"] is None:
        return None
    t, _ = svc.repo.trajectory(refused["trajectory_id"])
    people = [t.mentee_id, *(match.mentor_id for match in t.matches)]
    return next((pid for pid in people if svc.repo.person(pid).email == refused["recipient_email"].lower()), None)
