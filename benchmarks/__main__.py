"""Run every benchmark module in this package, print its figures and merge them into var/bench/results.json.

Usage: ``python -m benchmarks`` (all) or ``python -m benchmarks matching`` (only the named modules).
A module's ``TARGETS`` (figure -> ('<=' or '>=', bound)) are printed beside its figures, met or not.
Modules whose name starts with ``_`` are helpers. A SIGTERM ends the run like Ctrl-C, so every
benchmark stops the processes it started.
"""

from __future__ import annotations

import importlib
import json
import operator
import pkgutil
import signal
import sys
import time
import traceback
from pathlib import Path

import benchmarks

RESULTS = Path("var/bench/results.json")


FIRST = ("matching", "mail", "resume")  # the quick ones first; then the rest (idle starts 100 runs)


def modules(selected: list[str]) -> list[str]:
    names = sorted((info.name for info in pkgutil.iter_modules(benchmarks.__path__) if not info.name.startswith("_")),
                   key=lambda name: (FIRST.index(name) if name in FIRST else len(FIRST), name))
    unknown = set(selected) - set(names)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(names)}")
    return [name for name in names if not selected or name in selected]


def merge(figures: dict[str, float | int], path: Path = RESULTS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(path.read_text()) if path.exists() else {}
    existing.update(figures)
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")


def verdict(value: float | int, target: tuple[str, float] | None) -> str:
    if target is None:
        return ""
    sign, bound = target
    met = {"<=": operator.le, ">=": operator.ge}[sign](value, bound)
    return f"target {'≤' if sign == '<=' else '≥'} {bound:g}: {'meets' if met else 'MISSES'}"


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    begun = time.perf_counter()
    failed = []
    for name in modules(argv):
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        try:
            figures = module.run()
        except Exception:  # one benchmark that fails must not cost the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        targets = getattr(module, "TARGETS", {})
        width = max(map(len, figures), default=0)
        for key, value in figures.items():
            shown = f"{value:,.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
            print(f"  {key:<{width}}  {shown:>12}  {verdict(value, targets.get(key))}".rstrip())
        print(f"  ({time.perf_counter() - started:.1f} s in all)", flush=True)
        merge(figures)
    if not argv:
        merge({"bench_seconds": round(time.perf_counter() - begun, 1)})
    print(f"written to {RESULTS} ({time.perf_counter() - begun:.0f} s)")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
