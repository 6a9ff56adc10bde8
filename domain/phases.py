"""The phases of a peer-mentorship trajectory (PROCESS.md, programme A)."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    APPLICATION = "application"
    MATCHING = "matching"
    KENNISMAKING = "kennismaking"
    PLAN = "plan"
    MEETINGS = "meetings"
    INTERIM_EVALUATION = "interim_evaluation"
    FURTHER_MEETINGS = "further_meetings"
    FINAL_EVALUATION = "final_evaluation"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return LABELS_NL[self]

    @property
    def ended(self) -> bool:
        return self in (Phase.CLOSED, Phase.WITHDRAWN)

    @property
    def meets(self) -> bool:
        """Phases in which the pair holds meetings."""
        return self in (Phase.MEETINGS, Phase.INTERIM_EVALUATION, Phase.FURTHER_MEETINGS)


LABELS_NL = {
    Phase.APPLICATION: "aanmelding",
    Phase.MATCHING: "matching",
    Phase.KENNISMAKING: "kennismaking",
    Phase.PLAN: "mentorschapsplan",
    Phase.MEETINGS: "bijeenkomsten",
    Phase.INTERIM_EVALUATION: "tussenevaluatie",
    Phase.FURTHER_MEETINGS: "vervolgbijeenkomsten",
    Phase.FINAL_EVALUATION: "eindevaluatie",
    Phase.CLOSED: "afgesloten",
    Phase.WITHDRAWN: "gestopt",
}
