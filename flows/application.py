"""Phase 1, application: confirm to the mentee that the application arrived."""

from __future__ import annotations

from domain.occasion_keys import Whole
from domain.people import Role
from domain.phases import Phase
from flows.common import send_all
from tasks.cohort import contribution_text
from tasks.messages import Message
from tasks.store import Snapshot, confirm_application


def confirm(s: Snapshot) -> None:
    """Send the application confirmation and move on to matching."""
    if s.trajectory.phase is not Phase.APPLICATION:
        return
    contribution = contribution_text(s.trajectory.cohort)
    send_all([Message(trajectory_id=s.id, occasion=Whole.APPLICATION.value, template="application_confirmation",
                      to=Role.MENTEE, extra={"contribution": contribution})])
    confirm_application(s.id)
