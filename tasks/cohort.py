"""The cohort's tasks: open it, invite, train, propose the matching, settle and hand it out.

Each is safe to repeat: letters go through the outbox by key, the plan is registered
once, and the hand-out changes a trajectory only while it still waits for a mentor.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from domain.clock import act_time
from domain.cohort import CohortPlan
from domain.errors import DomainError
from domain.pairing import Candidate, Mentee, conflicts, mentee_refusal, mentor_load, settle
from domain.people import Application, Role
from domain.phases import Phase
from domain.trajectory import Match, Trajectory
from domain.waits import Subject
from tasks.letters import Letter
from tasks.mail import post_all
from tasks.store import given_or_now
from wiring.bootstrap import Services

if TYPE_CHECKING:  # the solver (scipy) is loaded only where a proposal is made, not in every run
    from domain.matching import MenteeProfile, MentorProfile, Proposal

STALE_KICKOFF = timedelta(days=60)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


@task(name="open cohort", cache_policy=NO_CACHE)
def open_cohort(svc: Services, plan: CohortPlan, members_csv: str = "") -> CohortPlan | None:
    """Register the cohort (its window opens) and its run; read the members' list if given.

    None when a yearly schedule fires long after the cohort's applications closed and it was never
    opened (a run started late by a busy runner still opens it and catches up on the deadlines).
    """
    from adapters.members import read_members

    if svc.cohorts.plan(plan.id) is None and svc.clock.now() >= plan.mentee_deadline + STALE_KICKOFF:
        return None
    plan = svc.cohorts.open(plan, svc.clock.now())
    run_id = flow_run.get_id()
    if run_id:
        svc.run_store.set_flow_run(Subject.cohort(plan.id), str(run_id))
    if members_csv:
        rows, errors = read_members(Path(members_csv))
        if errors:
            raise ValueError("ledenlijst: " + "; ".join(errors))
        svc.cohorts.add_members(plan.id, rows)
    return plan


@task(name="invite members", cache_policy=NO_CACHE)
def invite_members(svc: Services, plan: CohortPlan) -> int:
    """Every member gets the invitation with the application link (once)."""
    url = f"{svc.settings.portal_url}/"
    letters = [
        Letter(cohort=plan.id, occasion="invitation", template="member_invitation", name=m["name"], email=m["email"],
               language=m["language"], action_url=f"{url}?lang={m['language']}",
               extra={"contribution": plan.contribution_text()})
        for m in svc.cohorts.members(plan.id)
    ]
    return post_all(svc, letters)


@task(name="invite mentors to the training", cache_policy=NO_CACHE)
def invite_to_training(svc: Services, plan: CohortPlan) -> int:
    """Calendar invitations for the 3-hour training to every eligible mentor (once each)."""
    letters = [
        Letter(cohort=plan.id, occasion="training", template="training_invitation", name=p.name, email=p.email,
               language=p.language.value, training=True)
        for p in svc.repo.mentor_pool(plan.id)
    ]
    return post_all(svc, letters)


@task(name="publish applications", cache_policy=NO_CACHE)
def publish_applications(svc: Services, plan: CohortPlan) -> bool:
    """The applications as a table in the Prefect UI: ids to fill in, and every refusal with its reason."""
    attended = svc.cohorts.attended_ids(plan.id)
    recorded = svc.cohorts.attendance_recorded(plan.id)
    rows = []
    for row in svc.repo.people_of(plan.id):
        if row["role"] == Role.MENTOR.value:
            status = ("niet geschikt: " + row["ineligible_reason"]) if not row["eligible"] else (
                ("training gevolgd" if row["id"] in attended else "niet bij de training") if recorded
                else "uitgenodigd voor de training")
        else:
            status = "mentee"
        rows.append({"id": row["id"], "rol": row["role"], "naam": row["name"], "e-mail": row["email"],
                     "status": status})
    return svc.artifacts.table(f"aanmeldingen-{_slug(plan.id)}", rows,
                               f"Aanmeldingen {plan.name}: ids voor de formulieren, redenen bij weigering",
                               svc.clock.now())


@task(name="record training attendance", cache_policy=NO_CACHE)
def record_training(svc: Services, plan: CohortPlan, attended_ids: list[int]) -> list[str]:
    """Those named attended (3 points each); every other eligible mentor did not. An id that is not
    an eligible mentor of the cohort (a typo) refuses the whole list: nobody is marked absent by it."""
    pool, now = [p.id for p in svc.repo.mentor_pool(plan.id)], svc.clock.now()
    try:
        svc.cohorts.record_attendance(plan, attended_ids, True, now)
    except DomainError as exc:
        where = f" (de ids staan in het artefact 'aanmeldingen-{_slug(plan.id)}')" if exc.field == "person_id" else ""
        return [f"Aanwezige mentoren: {exc.reason}{where}"]
    absent = [i for i in pool if i not in attended_ids]
    if absent:
        svc.cohorts.record_attendance(plan, absent, False, now)
    return []


class CohortLook(NamedTuple):
    """What the cohort run decides on, and the version it was read at."""

    version: int
    now: datetime
    attendance_recorded: bool
    approved: bool


def look(svc: Services, plan: CohortPlan) -> CohortLook:
    """Read the cohort (a plain read). The version comes first: an act written after it wakes the wait."""
    version = svc.cohorts.version(plan.id)
    return CohortLook(version, svc.clock.now(), svc.cohorts.attendance_recorded(plan.id),
                      (svc.cohorts.proposal(plan.id) or {}).get("approved") is not None)


# --- matching ----------------------------------------------------------------------------------


def _mentee_profile(app: Application, person_id: int, mentors: dict[int, Application]) -> MenteeProfile:
    from domain.matching import mentee_profile

    return mentee_profile(person_id, app, conflicts(app, mentors))


def _mentor_profiles(svc: Services, cohort: str, load: dict[int, int]) -> tuple[list[MentorProfile], dict]:
    """Mentors who may be matched: eligible, and attended the training once attendance is recorded."""
    from domain.matching import mentor_profile

    pool = svc.repo.mentor_pool(cohort)
    if svc.cohorts.attendance_recorded(cohort):
        attended = svc.cohorts.attended_ids(cohort)
        pool = [p for p in pool if p.id in attended]
    apps = {p.id: svc.repo.application(p.id) for p in pool}
    return [mentor_profile(pid, app, load.get(pid, 0)) for pid, app in apps.items()], apps


def candidates(svc: Services, cohort: str, load: dict[int, int]) -> dict[int, Candidate]:
    """Every mentor who applied to the cohort, eligible or not, with training and load."""
    recorded = svc.cohorts.attendance_recorded(cohort)
    attended = svc.cohorts.attended_ids(cohort) if recorded else set()
    return {
        row["id"]: Candidate(
            id=row["id"], name=row["name"], eligible=row["eligible"], ineligible_reason=row["ineligible_reason"],
            trained=(row["id"] in attended) if recorded else None,
            capacity=int(row["application"].get("capacity") or 1), load=load.get(row["id"], 0),
            years_experience=row["years_experience"])
        for row in svc.repo.people_of(cohort) if row["role"] == Role.MENTOR.value
    }


def mentor_refusal(svc: Services, trajectory_id: int, mentor_id: int) -> str:
    """Why this mentor may not be chosen for this mentee now ('' when they may): the same rules as
    the cohort's approval (eligible, trained, not excluded, no conflict, as experienced as the mentee, room)."""
    t, _ = svc.repo.trajectory(trajectory_id)
    pool = candidates(svc, t.cohort, mentor_load(_cohort_trajectories(svc, t.cohort), leave_out=t.id))
    apps = {mid: svc.repo.application(mid) for mid in pool}
    return mentee_refusal(pool.get(mentor_id), _mentee(svc, t, apps))


def _mentee(svc: Services, t: Trajectory, mentors: dict[int, Application]) -> Mentee:
    """The mentee of trajectory ``t`` as the pairing rules see them."""
    app = svc.repo.application(t.mentee_id)
    return Mentee(name=svc.repo.person(t.mentee_id).name, excluded=frozenset(t.excluded_mentor_ids),
                  conflicts=frozenset(conflicts(app, mentors)), years_experience=app.years_experience)


@task(name="choose mentor", cache_policy=NO_CACHE)
def choose_mentor(svc: Services, trajectory_id: int, mentor_id: int, given_at: datetime | None = None) -> str:
    """Record the facilitator's choice; a mentor the matching rules refuse is refused with the reason."""
    why = mentor_refusal(svc, trajectory_id, mentor_id)
    if why:
        return why
    try:
        now = svc.clock.now()
        svc.repo.change(trajectory_id, lambda t: t.choose_mentor(mentor_id, given_or_now(t, given_at, now)), now)
    except DomainError as exc:
        return exc.reason
    return ""


def _cohort_trajectories(svc: Services, cohort: str) -> list[Trajectory]:
    return [svc.repo.trajectory(tid)[0] for tid in svc.repo.trajectory_ids(cohort=cohort)]


def _rows(svc: Services, proposal: Proposal, trajectory_of: dict[int, int]) -> list[dict[str, Any]]:
    rows = []
    for pair in proposal.pairs:
        rows.append({"traject": trajectory_of[pair.mentee_id], "mentee": svc.repo.person(pair.mentee_id).name,
                     "mentor_id": pair.mentor_id, "mentor": svc.repo.person(pair.mentor_id).name,
                     "fit": round(pair.score, 3), "toelichting": pair.explanation})
    for item in proposal.unmatched:
        rows.append({"traject": trajectory_of[item.mentee_id], "mentee": svc.repo.person(item.mentee_id).name,
                     "mentor_id": None, "mentor": "—", "fit": None, "toelichting": item.reason})
    return rows


@task(name="propose matching", cache_policy=NO_CACHE)
def propose_matching(svc: Services, plan: CohortPlan) -> dict:
    """The optimal first matching of every mentee waiting for a mentor, stored and shown as a table
    artifact (each pair with its explanation, every unmatched mentee with the reason)."""
    stored = svc.cohorts.proposal(plan.id)
    if stored and stored.get("pairs") is not None:
        return stored  # a replay shows the proposal the facilitator is looking at
    from domain.matching import propose

    trajectories = _cohort_trajectories(svc, plan.id)
    waiting = [t for t in trajectories if t.phase is Phase.MATCHING and not t.matches]
    mentors, apps = _mentor_profiles(svc, plan.id, mentor_load(trajectories))
    trajectory_of = {t.mentee_id: t.require_id() for t in waiting}
    mentees = [_mentee_profile(svc.repo.application(t.mentee_id), t.mentee_id, apps) for t in waiting]
    proposal = propose(mentees, mentors)
    rows = _rows(svc, proposal, trajectory_of)
    result = {"pairs": [{"trajectory_id": trajectory_of[p.mentee_id], "mentor_id": p.mentor_id}
                        for p in proposal.pairs],
              "unmatched": [trajectory_of[u.mentee_id] for u in proposal.unmatched],
              "total_fit": proposal.total_fit, "rows": rows}
    svc.cohorts.set_proposal(plan.id, result)
    svc.artifacts.table(f"matchingsvoorstel-{_slug(plan.id)}", rows,
                        f"Matchingsvoorstel {plan.name}: totale fit {proposal.total_fit:.3f}. Keur goed of wijzig "
                        "koppels met het invoerformulier van deze run.", svc.clock.now())
    s = svc.settings
    post_all(svc, [Letter(cohort=plan.id, occasion="proposal", template="matching_proposal",
                          name=s.facilitator_name, email=s.facilitator_address, language=s.language,
                          action_url=_run_url(), extra={"pairs": len(proposal.pairs),
                                                        "unmatched": len(proposal.unmatched)})])
    return result


def _run_url() -> str | None:
    from prefect.settings import PREFECT_UI_URL

    run_id = flow_run.get_id()
    base = PREFECT_UI_URL.value()
    return f"{base}/runs/flow-run/{run_id}" if base and run_id else None


@task(name="settle matching", cache_policy=NO_CACHE)
def settle_matching(svc: Services, plan: CohortPlan, approve: bool, changes: list[dict],
                    given_at: datetime | None = None) -> list[str]:
    """Apply the facilitator's changes to the proposal and check them; [] means approved and stored.

    Refused: an unknown trajectory, a mentor who may not be matched, a conflict, a mentor over capacity.
    """
    proposal = svc.cohorts.proposal(plan.id) or {}
    if proposal.get("approved") is not None:
        return []
    if not approve:  # never approve with the box off, whatever else the form holds
        return ["niets goedgekeurd: 'Goedkeuren' stond uit. Zet het aan om het voorstel (met de wijzigingen "
                "eronder) goed te keuren; een wijziging alleen keurt niets goed."]
    pairs = {p["trajectory_id"]: p["mentor_id"] for p in proposal.get("pairs", [])}
    waiting = set(pairs) | set(proposal.get("unmatched", []))
    trajectories = {t.require_id(): t for t in _cohort_trajectories(svc, plan.id)}
    pool = candidates(svc, plan.id, mentor_load(trajectories.values()))
    apps = {mid: svc.repo.application(mid) for mid in pool}
    asked = [(change["trajectory_id"], change.get("mentor_id")) for change in changes]
    mentees = {tid: _mentee(svc, trajectories[tid], apps) for tid, _ in asked if tid in trajectories}
    pairs, refusals = settle(pairs, waiting, asked, pool, mentees)
    if refusals:  # kept with the run (flows.waiting): above her next form, in its name, on the cohort board
        return refusals
    approved = [{"trajectory_id": tid, "mentor_id": mid} for tid, mid in sorted(pairs.items())]
    svc.cohorts.set_proposal(plan.id, {**proposal, "approved": approved})
    svc.cohorts.set_stage(plan.id, "approved", act_time(given_at, None, svc.clock.now()))
    return []


@task(name="hand out mentors", cache_policy=NO_CACHE)
def hand_out(svc: Services, plan: CohortPlan, approved_at: datetime | None = None) -> int:
    """Each approved pair: write the choice to the trajectory (at the approval's time), then wake the
    mentee's waiting run."""
    now = svc.clock.now()
    approved = (svc.cohorts.proposal(plan.id) or {}).get("approved") or []
    moved = 0
    for pair in approved:
        tid, mentor_id = pair["trajectory_id"], pair["mentor_id"]
        t, _ = svc.repo.trajectory(tid)
        if t.phase is Phase.MATCHING and not t.matches:
            def choose(t: Trajectory, m: int = mentor_id) -> Match:
                return t.choose_mentor(m, given_or_now(t, approved_at, now))

            try:
                svc.repo.change(tid, choose, now)
            except DomainError:
                continue
            moved += 1
        # A failed wake-up is the sweep's: the database changed after the run began to wait.
        with contextlib.suppress(Exception):
            svc.runs.wake(tid, "system", note="matching goedgekeurd", label="matching")
    svc.cohorts.set_stage(plan.id, "matched", svc.clock.now())
    return moved


# --- rematch ---------------------------------------------------------------------------------


def rematch_for(svc: Services, trajectory_id: int) -> tuple[dict, list[dict[str, Any]]]:
    """The best mentor for this mentee among those with room, never one who did not fit before:
    ({mentor_id, mentor, explanation} or {mentor_id: None, reason}, the artifact's rows)."""
    from domain.matching import propose

    t, _ = svc.repo.trajectory(trajectory_id)
    trajectories = _cohort_trajectories(svc, t.cohort)
    mentors, apps = _mentor_profiles(svc, t.cohort, mentor_load(trajectories, leave_out=t.id))
    mentee = _mentee_profile(svc.repo.application(t.mentee_id), t.mentee_id, apps)
    proposal = propose([mentee], mentors, {t.mentee_id: set(t.excluded_mentor_ids)})
    rows = _rows(svc, proposal, {t.mentee_id: t.require_id()})
    if proposal.pairs:
        pair = proposal.pairs[0]
        return {"mentor_id": pair.mentor_id, "mentor": svc.repo.person(pair.mentor_id).name,
                "explanation": pair.explanation}, rows
    return {"mentor_id": None, "reason": proposal.unmatched[0].reason if proposal.unmatched else ""}, rows


@task(name="propose a new mentor", cache_policy=NO_CACHE)
def rematch_proposal(svc: Services, trajectory_id: int) -> dict:
    """After a kennismaking that did not fit: a new proposal for this mentee, shown as an artifact
    on the mentee's own run (the facilitator approves it through the run's MentorChoice form)."""
    t, _ = svc.repo.trajectory(trajectory_id)
    choice, rows = rematch_for(svc, trajectory_id)
    tried = ", ".join(svc.repo.person(m).name for m in t.excluded_mentor_ids)
    svc.artifacts.table(f"nieuw-voorstel-t{t.id}-k{len(t.matches) + 1}", rows,
                        f"Nieuw voorstel voor traject {t.id} (uitgesloten: {tried or 'niemand'}). Het formulier "
                        "MentorChoice van deze run staat op de voorgestelde mentor: verstuur het om goed te keuren.",
                        svc.clock.now())
    return choice


def contribution_text(svc: Services, cohort: str) -> str:
    """'€ 150,00' for a cohort with a contribution; '' otherwise (stated in the mentee's confirmation)."""
    plan = svc.cohorts.plan(cohort)
    return plan.contribution_text() if plan and plan.contribution_eur else ""
