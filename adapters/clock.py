"""The real clocks: the system's, and the compressed one the demo shares between processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def at(self, real: datetime) -> datetime:
        return real


class ScaledClock:
    """Simulated time: ``start`` at the real instant ``anchor``, running ``speed`` times faster.

    Every process built from the same settings computes the same simulated now, so the
    portal, the runs and the sweep agree on the date without talking to each other.
    """

    def __init__(self, start: datetime, anchor: datetime, speed: float) -> None:
        if start.tzinfo is None or anchor.tzinfo is None:
            raise ValueError("clock start and anchor must be timezone-aware")
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        self.start, self.anchor, self.speed = start, anchor, speed

    def now(self) -> datetime:
        """Simulated now; it stands still at ``start`` until the anchor comes (set ahead for start-up)."""
        return self.at(datetime.now(UTC))

    def at(self, real: datetime) -> datetime:
        """The simulated instant at a real one."""
        return self.start + max(real - self.anchor, timedelta(0)) * self.speed

    def real_instant(self, simulated: datetime) -> datetime:
        """When, in real time, the simulated instant comes."""
        return self.anchor + (simulated - self.start) / self.speed
