"""The facilitator's forms in the Prefect UI: Dutch labels, and no internal field to fill in."""

from __future__ import annotations

from flows.cohort_inputs import CohortWake, MatchingApproval, TrainingAttendance
from flows.hao.inputs import MentorCoupling
from flows.inputs import EvaluationRecord, MentorChoice, PlanReview, Wake


def test_every_form_accepts_who_woke_the_run_as_prefect_validates_it():
    """Prefect validates a resume's input against the form's schema and refuses unknown fields: every
    waker of ours sends ``woken_by``, so every form must have it (hidden from the schema, every wake-up
    was refused)."""
    for form in (Wake, MentorChoice, PlanReview, EvaluationRecord, MentorCoupling, CohortWake, TrainingAttendance,
                 MatchingApproval):
        assert "woken_by" in form.model_json_schema()["properties"], form.__name__
    assert MentorChoice.model_validate({"woken_by": "participant"}).woken_by == "participant"
    assert MentorChoice.model_validate({}).woken_by == "facilitator"  # what the UI's form sends by default


def test_the_cohort_approval_speaks_dutch():
    titles = {name: p.get("title") for name, p in MatchingApproval.model_json_schema()["properties"].items()}
    assert titles == {"woken_by": "Gewekt door", "note": "Toelichting", "approve": "Goedkeuren",
                      "changes": "Gewijzigde koppels"}


def test_a_form_knows_what_she_filled_in_and_an_empty_one_is_empty():
    assert MentorChoice.model_validate({}).filled() == set()
    assert MentorChoice.model_validate({"note": "  ", "rematch_reason": ""}).filled() == set()
    assert MentorChoice.model_validate({"note": "belde", "mentor_id": 3}).filled() == {"note", "mentor_id"}
    assert EvaluationRecord.model_validate({"outcome": "goed gesprek"}).filled() == {"outcome"}


def test_her_last_refused_form_is_named_above_the_next_form():
    from flows.waiting import with_refusal

    form = with_refusal(MentorChoice, "Gekozen mentor: Dr. Marloes was niet bij de mentortraining")
    assert form._description.startswith("NIET UITGEVOERD: Gekozen mentor: Dr. Marloes")
    assert "Kies een mentor voor deze mentee" in form._description
    assert issubclass(form, MentorChoice) and form.model_validate({"mentor_id": 2}).mentor_id == 2
