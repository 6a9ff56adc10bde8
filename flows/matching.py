"""Phase 2, matching: the facilitator chooses a mentor from the cohort's pool.

Wait: ``MentorChoice`` from the facilitator (Prefect UI form on this run, or
``mentorschap match``); reminders to the facilitator after 7 and 14 days. The first
match of a cohort's mentee comes from the cohort run's approved proposal; after a
kennismaking that did not fit, this run shows a new proposal for this mentee (without
the mentors who did not fit) as an artifact and in its form's description.
"""

from __future__ import annotations

from datetime import datetime

from domain.occasion_keys import Occasion, Step
from domain.people import Role
from domain.trajectory import MatchOutcome
from flows.common import wait
from flows.inputs import MentorChoice
from tasks.cohort import choose_mentor, rematch_proposal
from tasks.mail import send_all
from tasks.messages import Message
from tasks.store import Snapshot, cohort_will_propose
from wiring.bootstrap import Services


def find_mentor(svc: Services, s: Snapshot) -> None:
    t = s.trajectory
    attempt = len(t.matches) + 1
    messages = []
    if t.matches or not cohort_will_propose(svc, t.cohort):  # a first match comes from the cohort's proposal
        messages.append(Message(trajectory_id=s.id, occasion=Occasion(attempt, Step.MATCHING).key,
                                template="matching_needed",
                                to=Role.FACILITATOR))
    if t.matches:
        previous = t.matches[-1]
        if previous.outcome is MatchOutcome.DECLINED:
            by = next((r for r, a in previous.answers.items() if not a.agree), Role.MENTEE)
            reason = next((a.reason for a in previous.answers.values() if not a.agree), "")
            messages.append(Message(trajectory_id=s.id, occasion=Occasion(previous.number, Step.DECLINED).key,
                                    template="kennismaking_declined", to=Role.FACILITATOR,
                                    extra={"reason": reason, "by_role": by.value}))
        elif previous.outcome is MatchOutcome.ENDED:
            reason, left = previous.ended_reason, Occasion(previous.number, Step.MENTOR_LEFT).key
            messages += [
                Message(trajectory_id=s.id, occasion=left, template="mentor_left",
                        to=Role.MENTEE, extra={"reason": reason}),
                Message(trajectory_id=s.id, occasion=left, template="withdrawn",
                        to=Role.FACILITATOR, extra={"reason": reason, "by_role": Role.MENTOR.value}),
            ]
    send_all(svc, messages)

    def record(choice: MentorChoice, given_at: datetime | None) -> list[str]:
        if choice.mentor_id is not None and (refusal := choose_mentor(svc, s.id, choice.mentor_id, given_at)):
            return [f"Gekozen mentor: {refusal}"]
        return []

    form: type[MentorChoice] = MentorChoice
    if t.matches:  # a rematch: a new proposal for this mentee (artifact), named in the form's description
        proposal = rematch_proposal(svc, s.id)
        # Only the description: a default mentor_id would also fill in a replayed participant's wake-up.
        form = MentorChoice.with_initial_data(description=(
            f"Nieuw voorstel: mentor_id {proposal['mentor_id']} ({proposal['mentor']}): {proposal['explanation']}. "
            "Vul dit id in en verstuur het formulier om het voorstel goed te keuren."
            if proposal["mentor_id"] is not None else f"Geen nieuw voorstel: {proposal['reason']}"))
    wait(svc, s, "matching", form, record)
