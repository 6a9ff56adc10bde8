"""Phase 1, application: confirm to the mentee that the application arrived."""

from __future__ import annotations

from domain.occasion_keys import Whole
from domain.people import Role
from domain.phases import Phase
from tasks.cohort import contribution_text
from tasks.mail import send_all
from tasks.messages import Message
from tasks.store import Snapshot, confirm_application
from wiring.bootstrap import Services


def confirm(svc: Services, s: Snapshot) -> None:
    """Send the application confirmation and move on to matching."""
    if s.trajectory.phase is not Phase.APPLICATION:
        return
    contribution = contribution_text(svc, s.trajectory.cohort)
    send_all(svc, [Message(trajectory_id=s.id, occasion=Whole.APPLICATION.value, template="application_confirmation",
                      to=Role.MENTEE, extra={"contribution": contribution})])
    confirm_application(svc, s.id)
