"""The reminder policy per programme: how often, how many, when escalated, and never at night.

One mechanism for every kind of wait: programme A's acts (``domain.timing``) and programme B's
(``domain.hao.acts``) ask the same policy which reminders and whether an escalation are due.

Busy GPs read these on their phones: a reminder waits for a weekday morning, and
several things due for one person travel in one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from domain.clock import AMSTERDAM


@dataclass(frozen=True)
class ReminderPolicy:
    intervals: tuple[int, ...] = (7, 14)  # days after the request; one reminder each
    escalate_after: int = 21  # days; then the facilitator is told
    quiet_from: time = time(20, 0)
    quiet_until: time = time(8, 0)
    weekends_quiet: bool = True
    digest_weekday: int = 0  # Monday: the facilitator's weekly digest

    @property
    def max_reminders(self) -> int:
        return len(self.intervals)

    def reminders_due(self, since: datetime, now: datetime) -> list[int]:
        """The numbers (1, 2, ...) of the reminders due ``now`` for an act open ``since``."""
        return [n for n, days in enumerate(self.intervals, start=1) if now >= since + timedelta(days=days)]

    def escalation_due(self, since: datetime, now: datetime) -> bool:
        """Whether whoever can act instead must hear of an act open ``since``."""
        return now >= since + timedelta(days=self.escalate_after)

    def may_send(self, now: datetime) -> bool:
        """Timed messages go out on weekdays between 08:00 and 20:00 in the Netherlands."""
        local = now.astimezone(AMSTERDAM)
        if self.weekends_quiet and local.weekday() >= 5:
            return False
        return self.quiet_until <= local.time() < self.quiet_from

    def digest_due(self, now: datetime) -> bool:
        return self.may_send(now) and now.astimezone(AMSTERDAM).weekday() == self.digest_weekday


POLICIES = {
    "peer": ReminderPolicy(),
    "hao": ReminderPolicy(intervals=(5, 10), escalate_after=14),
}


def policy_for(programme: str) -> ReminderPolicy:
    return POLICIES.get(programme, ReminderPolicy())


def week_key(now: datetime) -> str:
    year, week, _ = now.astimezone(AMSTERDAM).isocalendar()
    return f"{year}-W{week:02d}"
