"""Phases 7 and 9, interim and final evaluation.

The facilitator contacts mentor and mentee (phone or mail) and records the outcome;
each participant may also fill in a short form. Wait: ``EvaluationRecord`` from
the facilitator (Prefect UI form or ``mentorschap evaluate``); meetings go on
meanwhile during the interim evaluation.
"""

from __future__ import annotations

from datetime import datetime

from domain.occasion_keys import Occasion, Step
from domain.people import Role
from domain.phases import Phase
from domain.trajectory import EvaluationKind
from flows.common import wait
from flows.inputs import EvaluationRecord
from flows.meetings import attend
from tasks.mail import send_all
from tasks.messages import Message
from tasks.store import Snapshot, record_evaluation
from wiring.bootstrap import Services


def evaluate(svc: Services, s: Snapshot) -> None:
    t = s.trajectory
    kind = EvaluationKind.INTERIM if t.phase is Phase.INTERIM_EVALUATION else EvaluationKind.FINAL
    occasion = Occasion(t.require_match().number, Step.EVALUATION, kind=kind).key
    send_all(svc, [
        Message(trajectory_id=s.id, occasion=occasion, template="evaluation_request", to=role,
                link="evaluation", link_ref=occasion, link_extra={"kind": kind.value},
                extra={"kind": kind.value})
        for role in (Role.MENTEE, Role.MENTOR)
    ] + [Message(trajectory_id=s.id, occasion=occasion, template="evaluation_contact",
                 to=Role.FACILITATOR, extra={"kind": kind.value})])
    if kind is EvaluationKind.INTERIM:
        attend(svc, s)  # meetings go on during the interim evaluation

    def record(received: EvaluationRecord, given_at: datetime | None) -> list[str]:
        outcome = received.outcome.strip()
        if (contact := received.contact_kind()) and outcome:
            refusal = record_evaluation(svc, s.id, kind, contact, received.outcome, given_at)
            return [f"Evaluatie: {refusal}"] if refusal else []
        if received.contact or outcome:  # half a record: nothing written, and what she typed is kept here
            typed = f" (u schreef: {outcome[:200]!r})" if outcome else ""
            return [f"Evaluatie: vul zowel Contact als Uitkomst in{typed}"]
        return []

    wait(svc, s, kind.value, EvaluationRecord, record)
