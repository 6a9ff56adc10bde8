"""The cohort's matching tasks on a real SQLite file: only trained mentors are proposed, the facilitator's
changes are checked, the approved pairs move the waiting trajectories on, a failed kennismaking gets a
new proposal without the mentor who did not fit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import tasks.cohort as cohort_tasks
from administration.enrolment import import_applications
from domain.people import Role
from domain.phases import Phase
from domain.waits import Subject
from tests.integration.test_cohort_enrolment import HEADER, PLAN, FakeRuns, svc  # noqa: F401  (the fixture)
from wiring.bootstrap import provided

MENTORS = [
    # name, email, postcode, topics, availability, capacity
    ("Anneke", "anneke@example.org", "5615 PA", "werk_prive;grenzen_stellen", "di-avond", 2),
    ("Pieter", "pieter@example.org", "5664 HK", "praktijkvoering;leidinggeven", "do-middag", 1),
    ("Marloes", "marloes@example.org", "5701 NN", "fouten_klachten;anw_diensten", "ma-ochtend", 1),
]
MENTEES = [
    ("Sanne", "sanne@example.org", "5504 HB", "werk_prive;grenzen_stellen", "di-avond", "anneke@example.org"),
    ("Youssef", "youssef@example.org", "5671 GE", "praktijkvoering;leidinggeven", "do-middag", "pieter@example.org"),
    ("Lotte", "lotte@example.org", "5731 CX", "fouten_klachten;anw_diensten", "ma-ochtend", "marloes@example.org"),
]


class FakeArtifacts:
    def __init__(self) -> None:
        self.published: dict[str, object] = {}

    def table(self, key, rows, description, now) -> bool:
        self.published[key] = rows
        return True

    def markdown(self, key, markdown, description, now) -> bool:
        self.published[key] = markdown
        return True


@pytest.fixture
def cohort(svc, tmp_path: Path):  # noqa: F811
    """Three mentors (Marloes skips the training) and three mentees waiting in matching."""
    rows = [HEADER]
    for name, email, postcode, topics, free, capacity in MENTORS:
        rows.append(f"mentor,Dr. {name},{email},040-2123456,Praktijk {name},Straat 1,{postcode},Plaats,,20,,,,"
                    f"{topics},{free},,,,{capacity},ja")
    for name, email, postcode, topics, free, preferred in MENTEES:
        rows.append(f"mentee,{name},{email},040-2534567,Praktijk {name},Laan 2,{postcode},Plaats,,2,,doelen,,"
                    f"{topics},{free},{preferred},,,,ja")
    path = tmp_path / "in.csv"
    path.write_text("\n".join(rows) + "\n")
    stored, errors = import_applications(svc, PLAN.id, path, svc.clock.now())
    assert errors == []
    ids = {a.email.split("@")[0]: a for a in stored}
    svc.cohorts.record_attendance(PLAN, [ids["anneke"].person_id, ids["pieter"].person_id], True,
                                  PLAN.training_at)
    svc.cohorts.record_attendance(PLAN, [ids["marloes"].person_id], False, PLAN.training_at)
    for a in stored:
        if a.trajectory_id:
            svc.repo.change(a.trajectory_id, lambda t: t.confirm_application(svc.clock.now()), svc.clock.now())
            _, version = svc.repo.trajectory(a.trajectory_id)
            # the run waits for its mentor
            svc.run_store.open_wait(Subject.trajectory(a.trajectory_id), "matching", version, svc.clock.now())
    svc.artifacts = FakeArtifacts()
    with provided(svc):  # the mail pipeline's sender finds its services here
        yield svc, ids


def test_only_mentors_who_attended_the_training_are_proposed(cohort) -> None:
    world, ids = cohort
    proposal = cohort_tasks.propose_matching.fn(world, PLAN)
    pairs = {p["trajectory_id"]: p["mentor_id"] for p in proposal["pairs"]}
    assert pairs[ids["sanne"].trajectory_id] == ids["anneke"].person_id
    assert pairs[ids["youssef"].trajectory_id] == ids["pieter"].person_id
    assert ids["marloes"].person_id not in pairs.values()
    # Lotte goes to Anneke's second place rather than stay without a mentor.
    assert pairs[ids["lotte"].trajectory_id] == ids["anneke"].person_id
    table = world.artifacts.published["matchingsvoorstel-zob-2021"]
    assert all(row["toelichting"] for row in table)
    assert "1e voorkeur van de mentee" in next(r for r in table if r["mentee"] == "Sanne")["toelichting"]


def test_an_unmatched_mentee_is_shown_with_the_reason(cohort) -> None:
    world, ids = cohort
    world.cohorts.record_attendance(PLAN, [ids["anneke"].person_id], False, PLAN.training_at)
    proposal = cohort_tasks.propose_matching.fn(world, PLAN)
    assert len(proposal["pairs"]) == 1 and len(proposal["unmatched"]) == 2
    reasons = [r["toelichting"] for r in world.artifacts.published["matchingsvoorstel-zob-2021"] if r["mentor"] == "—"]
    assert reasons == ["geen mentorcapaciteit meer over: de enige mentor die in aanmerking komt is vol"] * 2


def test_changes_are_checked_and_an_approval_moves_every_waiting_trajectory_on(cohort) -> None:
    world, ids = cohort
    cohort_tasks.propose_matching.fn(world, PLAN)
    lotte, sanne = ids["lotte"].trajectory_id, ids["sanne"].trajectory_id
    refused = cohort_tasks.settle_matching.fn(world, PLAN, True, [{"trajectory_id": lotte,
                                                            "mentor_id": ids["marloes"].person_id}])
    marloes, pieter = ids["marloes"].person_id, ids["pieter"].person_id
    assert refused == [f"Gewijzigde koppels: Lotte (traject {lotte}): Dr. Marloes (id {marloes}) was niet bij "
                       "de mentortraining; alleen getrainde mentoren worden gekoppeld"]
    refused = cohort_tasks.settle_matching.fn(world, PLAN, True, [{"trajectory_id": lotte,
                                                            "mentor_id": ids["pieter"].person_id}])
    assert refused == [f"Gewijzigde koppels: 2 mentees voor één mentor: Dr. Pieter (id {pieter}) heeft plaats "
                       "voor 1 mentee(s) en begeleidt er al 0; kies een mentor met plaats"]
    assert cohort_tasks.settle_matching.fn(world, PLAN, False, []) != []
    sanne, anneke = ids["sanne"].trajectory_id, ids["anneke"].person_id
    twice = cohort_tasks.settle_matching.fn(world, PLAN, True, [{"trajectory_id": sanne, "mentor_id": None},
                                                         {"trajectory_id": sanne, "mentor_id": anneke}])
    assert twice == ["Gewijzigde koppels: Sanne staat er meer dan eens in"]
    # 'Approve' off never approves, even with a change that is itself fine (issue 12: it did).
    youssef = ids["youssef"].trajectory_id
    off = cohort_tasks.settle_matching.fn(world, PLAN, False, [{"trajectory_id": youssef, "mentor_id": pieter}])
    assert off and "Goedkeuren" in off[0]
    assert world.cohorts.proposal(PLAN.id).get("approved") is None and world.cohorts.stage(PLAN.id) != "approved"
    # Lotte waits for the next round instead.
    assert cohort_tasks.settle_matching.fn(world, PLAN, True, [{"trajectory_id": lotte, "mentor_id": None}]) == []
    assert cohort_tasks.hand_out.fn(world, PLAN) == 2
    assert cohort_tasks.hand_out.fn(world, PLAN) == 0  # a replay changes nothing
    t, _ = world.repo.trajectory(sanne)
    assert t.phase is Phase.KENNISMAKING and t.mentor_id == ids["anneke"].person_id
    assert world.repo.trajectory(lotte)[0].phase is Phase.MATCHING
    assert {tid for tid, _ in world.runs.woken} == {sanne, ids["youssef"].trajectory_id}
    # The pairs are written already: the wake-ups say "look again", not "here is a form of hers" (which
    # an empty one would be refused as).
    assert set(world.runs.woken_by) == {"system"}
    assert world.cohorts.stage(PLAN.id) == "matched"


def test_a_failed_kennismaking_gets_a_new_proposal_without_the_mentor_who_did_not_fit(cohort) -> None:
    world, ids = cohort
    cohort_tasks.propose_matching.fn(world, PLAN)
    youssef = ids["youssef"].trajectory_id
    cohort_tasks.settle_matching.fn(world, PLAN, True,
                                    [{"trajectory_id": ids["lotte"].trajectory_id, "mentor_id": None}])
    cohort_tasks.hand_out.fn(world, PLAN)
    now = world.clock.now()
    world.repo.change(youssef, lambda t: t.answer_kennismaking(Role.MENTEE, False, "sluit niet aan", now), now)
    new = cohort_tasks.rematch_proposal.fn(world, youssef)
    assert new["mentor_id"] == ids["anneke"].person_id  # Pieter did not fit; Anneke has a second place
    assert new["explanation"].startswith("0 van 2 leerdoelen gedekt")
    assert f"nieuw-voorstel-t{youssef}-k2" in world.artifacts.published
    # With Anneke full as well, the reason says why nobody is proposed.
    world.repo.change(ids["lotte"].trajectory_id,
                    lambda t: t.choose_mentor(ids["anneke"].person_id, now), now)
    assert cohort_tasks.rematch_proposal.fn(world, youssef)["mentor_id"] is None


def test_a_rematch_by_form_or_cli_follows_the_same_rules_as_the_cohort_approval(cohort) -> None:  # type: ignore[no-untyped-def]
    """Issue 12: the rematch form accepted a mentor at capacity and one who skipped the training."""
    world, ids = cohort
    cohort_tasks.propose_matching.fn(world, PLAN)
    anneke = ids["anneke"].person_id  # room for two: Sanne and, changed by the facilitator, Lotte
    assert cohort_tasks.settle_matching.fn(world, PLAN, True, [{"trajectory_id": ids["lotte"].trajectory_id,
                                                         "mentor_id": anneke}]) == []
    cohort_tasks.hand_out.fn(world, PLAN)
    youssef = ids["youssef"].trajectory_id
    now = world.clock.now()
    world.repo.change(youssef, lambda t: t.answer_kennismaking(Role.MENTEE, False, "past niet", now), now)
    before = world.repo.trajectory(youssef)[1]
    full = cohort_tasks.choose_mentor.fn(world, youssef, anneke)
    assert "heeft plaats voor 2 mentee(s) en begeleidt er al 2" in full
    untrained = cohort_tasks.choose_mentor.fn(world, youssef, ids["marloes"].person_id)
    assert "was niet bij de mentortraining" in untrained
    excluded = cohort_tasks.choose_mentor.fn(world, youssef, ids["pieter"].person_id)
    assert "paste eerder niet" in excluded
    assert world.repo.trajectory(youssef)[1] == before  # nothing written
    assert cohort_tasks.mentor_refusal(world, youssef, ids["marloes"].person_id) == untrained  # the CLI's check


def test_the_mentor_is_never_less_experienced_than_the_mentee_in_the_proposal_the_approval_or_a_rematch(
    cohort, tmp_path: Path,
) -> None:
    """Issue 10.4: a GP of 25 years who wants a mentor gets none of the 20-year mentors, and is told why."""
    world, ids = cohort
    path = tmp_path / "ervaren.csv"
    path.write_text(f"{HEADER}\nmentee,Els,els@example.org,040-2534567,Praktijk Els,Laan 3,5615 PA,Plaats,,25,,"
                    "doelen,,werk_prive,di-avond,,,,,ja\n")
    [els] = import_applications(world, PLAN.id, path, world.clock.now())[0]
    now = world.clock.now()
    world.repo.change(els.trajectory_id, lambda t: t.confirm_application(now), now)
    proposal = cohort_tasks.propose_matching.fn(world, PLAN)
    assert els.trajectory_id in proposal["unmatched"]
    [row] = [r for r in world.artifacts.published["matchingsvoorstel-zob-2021"] if r["mentee"] == "Els"]
    assert "2 met minder jaren ervaring als huisarts dan de mentee (25)" in row["toelichting"]
    anneke = ids["anneke"].person_id
    why = (f"Dr. Anneke (id {anneke}) heeft 20 jaar ervaring als huisarts, minder dan de mentee (25); de mentor is "
           "de meer ervaren huisarts: kies een mentor met minstens 25 jaar ervaring")
    refused = cohort_tasks.settle_matching.fn(world, PLAN, True,
                                              [{"trajectory_id": els.trajectory_id, "mentor_id": anneke}])
    assert refused == [f"Gewijzigde koppels: Els (traject {els.trajectory_id}): {why}"]
    assert cohort_tasks.mentor_refusal(world, els.trajectory_id, anneke) == why  # the rematch form and the CLI
    assert cohort_tasks.choose_mentor.fn(world, els.trajectory_id, anneke) == why


def test_a_mistyped_id_on_the_attendance_form_writes_nothing(cohort) -> None:
    """A typo in the ids (issue 12: 'no mistake writes wrong data'): before, the unknown id was dropped and
    every mentor not named, the one she meant among them, was marked absent."""
    world, ids = cohort
    anneke, pieter = ids["anneke"].person_id, ids["pieter"].person_id
    world.clock.set(PLAN.training_ends_at)
    refused = cohort_tasks.record_training.fn(world, PLAN, [anneke, 9999])
    assert refused == ["Aanwezige mentoren: geen geschikte mentor van zob-2021: 9999 (de ids staan in het artefact "
                       "'aanmeldingen-zob-2021')"]
    assert world.cohorts.attended_ids(PLAN.id) == {anneke, pieter}  # as before the form
    assert cohort_tasks.record_training.fn(world, PLAN, [anneke]) == []
    assert world.cohorts.attended_ids(PLAN.id) == {anneke}


def test_attendance_typed_in_before_the_training_is_refused_and_writes_nothing(cohort) -> None:
    """Who was there is known only once the training has begun: a list typed in beforehand (on the form,
    which the run shows from the mentor deadline on) would earn points nobody earned."""
    world, ids = cohort
    anneke = ids["anneke"].person_id
    world.clock.set(PLAN.training_at - timedelta(minutes=1))
    assert cohort_tasks.record_training.fn(world, PLAN, [anneke]) == [
        f"Aanwezige mentoren: de mentortraining is op {PLAN.training_at:%d-%m-%Y}; "
        "wie er was kan pas vanaf dan worden vastgelegd"]
    assert world.cohorts.attended_ids(PLAN.id) == {anneke, ids["pieter"].person_id}  # as the fixture left it
    world.clock.set(PLAN.training_at)
    assert cohort_tasks.record_training.fn(world, PLAN, [anneke]) == []
    assert world.cohorts.attended_ids(PLAN.id) == {anneke}


def test_the_cli_approves_the_proposal_as_her_form_does_and_refuses_a_bad_change(cohort) -> None:
    """For an operator without the UI: the approval is stored before the run is woken (a lost wake-up is
    the sweep's, as the version changed); a change that does not fit refuses the whole approval."""
    from typer.testing import CliRunner

    from mentorschap.cli import app

    world, ids = cohort
    world.cohort_runs = FakeRuns()  # type: ignore[misc]  # no Prefect server here: the wake-up is recorded
    too_early = CliRunner().invoke(app, ["approve-matching", "--cohort", PLAN.id])
    assert too_early.exit_code == 2 and "heeft nog geen matchingsvoorstel" in too_early.output
    cohort_tasks.propose_matching.fn(world, PLAN)
    marloes, sanne = ids["marloes"].person_id, ids["sanne"].trajectory_id
    for bad, why in ((["--change", "twaalf=7"], "'twaalf=7' is niet TRAJECT=MENTOR"),
                     (["--change", f"{sanne}={marloes}"], f"(traject {sanne})")):
        refused = CliRunner().invoke(app, ["approve-matching", "--cohort", PLAN.id, *bad])
        assert refused.exit_code == 2 and why in refused.output, refused.output
    assert (world.cohorts.proposal(PLAN.id) or {}).get("approved") is None and world.cohort_runs.woken == []
    version = world.cohorts.version(PLAN.id)
    approved = CliRunner().invoke(app, ["approve-matching", "--cohort", PLAN.id])
    assert approved.exit_code == 0 and approved.output.startswith("goedgekeurd; cohort-run gewekt"), approved.output
    assert world.cohorts.stage(PLAN.id) == "approved" and world.cohorts.version(PLAN.id) > version
    pairs = {p["trajectory_id"]: p["mentor_id"] for p in world.cohorts.proposal(PLAN.id)["approved"]}
    assert pairs[sanne] == ids["anneke"].person_id
    assert world.cohort_runs.woken == [(PLAN.id, "goedkeuring (CLI)")]
    again = CliRunner().invoke(app, ["approve-matching", "--cohort", PLAN.id])
    assert again.exit_code == 0 and "was al goedgekeurd" in again.output and len(world.cohort_runs.woken) == 1
