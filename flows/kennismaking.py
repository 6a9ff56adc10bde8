"""Phase 3, kennismaking: mentor and mentee meet and each says whether to continue.

Wait: both answers, through the portal links in the invitation. If either
declines, the trajectory goes back to matching (the facilitator is told there).
"""

from __future__ import annotations

from domain.owed import kennismaking_owed
from flows.common import wait
from tasks.mail import send_all
from tasks.messages import Message
from tasks.store import Snapshot
from wiring.bootstrap import Services


def meet(svc: Services, s: Snapshot) -> None:
    send_all(svc, [Message.of(o) for o in kennismaking_owed(s.trajectory)])
    wait(svc, s, "kennismaking")
