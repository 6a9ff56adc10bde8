"""Processes, their CPU time and memory, read from /proc (the stack's flow-run processes, the benchmarks'
figures, the two-worker test's samples).

CPU of a tree = for every live process in it (the root and its descendants), its own user +
system time plus the times of its children that have exited and been waited for (``cutime`` +
``cstime`` in /proc/<pid>/stat). A flow-run process that ran and ended is therefore counted in
its parent's (the runner's) child times once the runner has reaped it, and while it lives it
is counted directly: the difference of two readings is the CPU the whole tree used in between,
including every process that came and went. Readings are taken while the runner has no
children (between flow runs), so a child cannot be counted both live and reaped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Stat:
    pid: int
    state: str  # R, S, D, Z (a zombie: exited, not yet reaped) ... as proc(5) gives it
    ppid: int
    own: float  # seconds of CPU of the process itself (user + system)
    reaped: float  # seconds of CPU of its exited, waited-for children
    rss: int  # bytes resident


def stat(pid: int) -> Stat | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # fields[0] is field 3 (state) of proc(5): ppid is 4, utime..cstime 14-17, rss 24.
    return Stat(pid, fields[0], int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK,
                (int(fields[13]) + int(fields[14])) / TICK, int(fields[21]) * PAGE)


def all_stats() -> dict[int, Stat]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (s := stat(int(entry))) is not None:
            found[s.pid] = s
    return found


def tree(root: int, stats: dict[int, Stat] | None = None) -> list[Stat]:
    """The root and its live descendants."""
    stats = stats if stats is not None else all_stats()
    children: dict[int, list[int]] = {}
    for s in stats.values():
        children.setdefault(s.ppid, []).append(s.pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            out.append(stats[pid])
            todo += children.get(pid, [])
    return out


def cpu_seconds(roots: list[int]) -> float:
    """CPU seconds used so far by the trees under ``roots``, exited children included."""
    stats = all_stats()
    return sum(s.own + s.reaped for root in roots for s in tree(root, stats))


def rss_bytes(root: int) -> int:
    return sum(s.rss for s in tree(root))


def children(pid: int) -> list[int]:
    return [s.pid for s in all_stats().values() if s.ppid == pid]


def with_environment(variable: str, value: str) -> list[int]:
    """Live processes of this user whose environment has ``variable=value`` (ours, even if orphaned)."""
    wanted = f"{variable}={value}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if wanted in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                found.append(int(entry))
        except OSError:
            continue
    return found
