"""Personal data of programme B (hao): what erasing leaves of a hao trajectory (``domain.privacy``'s rules)."""

from __future__ import annotations

from domain.hao.trajectory import Consultation, Guidance, HaoTrajectory, Progress
from domain.privacy import Blank


def forget_hao(t: HaoTrajectory) -> list[str]:
    """Blank every free text of a hao trajectory (it is about its trainer); returns what was blanked."""
    blank = Blank()

    if isinstance(t, Consultation):
        t.question = blank(t.question)
    if isinstance(t, Guidance):
        for goal in t.goals:
            goal.text = blank(goal.text)
        if t.report is not None:
            t.report.text = blank(t.report.text)
            t.report.dissent = blank(t.report.dissent)
    if isinstance(t, Progress):
        for c in t.conversations:
            if c.report is not None:
                c.report.text = blank(c.report.text)
    return blank.gone
