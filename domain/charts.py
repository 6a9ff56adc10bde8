"""Geometry of the report's two charts (a funnel and a timeline), drawn as inline SVG by the template.

Plain arithmetic, so the file stays self-contained: no JavaScript, no chart library, no
external resources. Coordinates are in SVG user units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.report import PairLine, Step

MONTHS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    y: float
    width: float
    share: str  # of the first step of its group, '100%'


@dataclass(frozen=True)
class Funnel:
    width: float
    height: float
    label_width: float
    bars: tuple[Bar, ...]


def funnel_chart(steps: tuple[Step, ...], width: float = 640, bar: float = 22, gap: float = 8,
                 label_width: float = 170) -> Funnel:
    """Horizontal bars, longest = the widest step; each share is of the step that starts its group."""
    widest = max((s.count for s in steps), default=0) or 1
    room = width - label_width - 80
    bars = []
    base = 0
    for i, step in enumerate(steps):
        if i == 0 or step.label.endswith("aangemeld"):
            base = step.count
        share = f"{round(100 * step.count / base)}%" if base else "–"
        bars.append(Bar(step.label, step.count, i * (bar + gap), room * step.count / widest, share))
    return Funnel(width, len(steps) * (bar + gap), label_width, tuple(bars))


@dataclass(frozen=True)
class Dot:
    x: float
    kind: str
    title: str


@dataclass(frozen=True)
class Row:
    label: str
    y: float
    x_start: float
    x_end: float
    dots: tuple[Dot, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: float
    height: float
    left: float
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]


def timeline_chart(pairs: tuple[PairLine, ...], span: tuple[date, date] | None, width: float = 720,
                   row: float = 26, left: float = 80) -> Timeline:
    """One row per pair from signing to its end date; a dot per meeting or evaluation; month ticks."""
    if not pairs or span is None:
        return Timeline(width, 0, left, (), ())
    first, last = date(span[0].year, span[0].month, 1), span[1]
    days = max((last - first).days, 1)
    room = width - left - 40

    def x(day: date) -> float:
        return left + room * (day - first).days / days

    rows = tuple(
        Row(p.pseudonym, 30 + i * row, x(p.signed), x(p.ends_by),
            tuple(Dot(x(m.day), m.kind, f"{m.label} {m.day:%d-%m-%Y}") for m in p.marks))
        for i, p in enumerate(pairs)
    )
    ticks = []
    month = first
    while month <= last:
        ticks.append(Tick(x(month), f"{MONTHS_NL[month.month - 1]} {month:%y}"))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return Timeline(width, 40 + len(pairs) * row, left, rows, tuple(ticks))
