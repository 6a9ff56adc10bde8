"""The reminder policy per programme: how often, how many, when escalated, and never at night.

Busy GPs read these on their phones: a reminder waits for a weekday morning, and
several things due for one person travel in one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

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
