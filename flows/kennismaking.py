"""Phase 3, kennismaking: mentor and mentee meet and each says whether to continue.

Wait: both answers, through the portal links in the invitation. If either
declines, the trajectory goes back to matching (the facilitator is told there).
"""

from __future__ import annotations

from domain.people import Role
from flows.common import send_all, wait
from tasks.messages import Message
from tasks.store import Snapshot


def meet(s: Snapshot) -> None:
    t = s.trajectory
    match = t.require_match()
    ref = f"k{match.number}-kennismaking"
    send_all([
        Message(trajectory_id=s.id, occasion=f"{ref}-invite", template="kennismaking_invitation", to=role,
                link="kennismaking", link_ref=ref)
        for role in (Role.MENTEE, Role.MENTOR)
    ])
    wait(s, "kennismaking")
