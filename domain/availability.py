"""Day-parts (dagdelen) in which mentor and mentee can meet: 'ma-ochtend' ... 'vr-avond'.

Kept apart from ``domain.matching`` so that reading an application does not load the solver.
"""

from __future__ import annotations

DAYS: dict[str, str] = {"ma": "maandag", "di": "dinsdag", "wo": "woensdag", "do": "donderdag", "vr": "vrijdag"}
PARTS: tuple[str, ...] = ("ochtend", "middag", "avond")
DAYPARTS: tuple[str, ...] = tuple(f"{day}-{part}" for day in DAYS for part in PARTS)
