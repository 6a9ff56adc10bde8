"""What happened in a trajectory is a kind and its detail; old entries (a line only) load with their kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.board import board_row
from domain.events import RETENTION_LABEL, Event, kind_of, label
from domain.hao.trajectory import HistoryEntry as HaoEntry
from domain.people import Role
from domain.phases import Phase
from domain.privacy import ERASED, ended_at, forget_authors, retention_done
from domain.trajectory import HistoryEntry, Trajectory

NOW = datetime(2021, 2, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)

# Lines as stored before entries had a kind, each with the kind and detail it is read as.
OLD_LINES = [
    ("aanmelding ontvangen", Event.ACT, "aanmelding ontvangen"),
    ("fase: aanmelding bevestigd", Event.PHASE, "aanmelding bevestigd"),
    ("fase: kennismaking: beiden willen verder", Event.PHASE, "kennismaking: beiden willen verder"),
    ("toelichting: Sanne belde: de avond past niet", Event.NOTE, "Sanne belde: de avond past niet"),
    ("fase: traject beëindigd: verhuisd naar Groningen", Event.WITHDRAWAL, "verhuisd naar Groningen"),
    ("fase: traject beëindigd: [verwijderd]", Event.WITHDRAWAL, ERASED),
    ("toelichting: [verwijderd]", Event.NOTE, ERASED),
    (RETENTION_LABEL, Event.RETENTION, ""),
    ("bijeenkomst 2 verzet naar 03-03-2021", Event.ACT, "bijeenkomst 2 verzet naar 03-03-2021"),
]


@pytest.mark.parametrize(("line", "kind", "detail"), OLD_LINES)
def test_an_old_line_is_read_as_its_kind_and_shows_as_before(line: str, kind: Event, detail: str) -> None:
    assert kind_of(line) == (kind, detail)
    assert label(kind, detail) == line
    entry = HistoryEntry.model_validate({"at": "2021-02-01T09:00:00Z", "phase": "plan", "what": line, "by": "mentee"})
    assert (entry.kind, entry.detail, entry.what) == (kind, detail, line)
    hao = HaoEntry.model_validate({"at": "2021-02-01T09:00:00Z", "what": line})
    assert (hao.kind, hao.detail, hao.what) == (kind, detail, line)


def new_trajectory() -> Trajectory:
    t = Trajectory.apply("2021-02", 1, NOW)
    t.id = 7
    t.confirm_application(NOW + H)
    t.choose_mentor(2, NOW + 2 * H)
    t.add_note("Sanne belde: de avond past niet", Role.FACILITATOR, NOW + 3 * H)
    t.withdraw(Role.MENTEE, "verhuisd naar Groningen", NOW + 4 * H)
    return t


def stored_before_kinds(t: Trajectory) -> dict:
    """``t`` as the store held it before entries had a kind: each entry's line in ``what``."""
    document = t.model_dump(mode="json")
    for entry in document["history"]:
        entry["what"] = label(Event(entry.pop("kind")), entry.pop("detail"))
    return document


def test_a_stored_old_document_loads_with_kinds_and_its_readers_read_them() -> None:
    document = stored_before_kinds(new_trajectory())
    assert [e["what"] for e in document["history"]] == [
        "aanmelding ontvangen", "fase: aanmelding bevestigd", "fase: mentor 2 voorgesteld",
        "toelichting: Sanne belde: de avond past niet", "fase: traject beëindigd: verhuisd naar Groningen"]
    assert all("kind" not in e for e in document["history"])

    t = Trajectory.model_validate(document)
    assert [e.kind for e in t.history] == [Event.ACT, Event.PHASE, Event.PHASE, Event.NOTE, Event.WITHDRAWAL]
    assert t == new_trajectory()  # the same as one written now
    assert t.phase_since() == ended_at(t) == NOW + 4 * H  # the withdrawal began the phase, the note did not
    assert board_row(t, "Sanne", "Marloes", NOW + 5 * H)["laatste actie"].endswith(
        "fase: traject beëindigd: verhuisd naar Groningen")
    assert not retention_done(t.history)

    gone = forget_authors(t, frozenset({Role.MENTEE}))
    assert "verhuisd naar Groningen" in gone and "Sanne belde: de avond past niet" not in gone  # not hers
    assert t.history[-1].what == "fase: traject beëindigd: [verwijderd]"
    assert t.history[-2].what == "toelichting: Sanne belde: de avond past niet"
    forget_authors(t, frozenset({Role.FACILITATOR}))
    assert t.history[-2].what == "toelichting: [verwijderd]" and t.history[-2].kind is Event.NOTE


def test_new_entries_are_stored_with_their_kind_and_detail_only() -> None:
    stored = new_trajectory().model_dump(mode="json")["history"]
    assert stored[-1] == {"at": "2021-02-01T13:00:00Z", "phase": "withdrawn", "kind": "withdrawal",
                          "detail": "verhuisd naar Groningen", "by": "mentee"}
    assert all(set(e) == {"at", "phase", "kind", "detail", "by"} for e in stored)


def test_the_phase_began_at_the_last_change_of_phase_not_at_a_later_act() -> None:
    t = new_trajectory()
    t.history.append(HistoryEntry(at=NOW + 9 * H, phase=Phase.WITHDRAWN, kind=Event.ACT, detail="iets"))
    assert t.phase_since() == NOW + 4 * H


def test_retention_is_done_once_its_entry_is_there_in_either_format() -> None:
    t = new_trajectory()
    t.history.append(HistoryEntry(at=NOW, phase=t.phase, kind=Event.RETENTION))
    assert retention_done(t.history) and t.history[-1].what == RETENTION_LABEL
    old = HaoEntry.model_validate({"at": "2021-02-01T09:00:00Z", "what": RETENTION_LABEL})
    assert retention_done([old]) and not retention_done([HaoEntry(at=NOW, kind=Event.ACT, detail=RETENTION_LABEL[:-1])])
