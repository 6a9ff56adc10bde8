"""The facilitator's forms in the Prefect UI: Dutch labels, and no internal field to fill in."""

from __future__ import annotations

from flows.cohort_inputs import CohortWake, MatchingApproval, TrainingAttendance
from flows.hao.inputs import MentorCoupling
from flows.inputs import EvaluationRecord, MentorChoice, PlanReview, Wake

FORMS = (Wake, MentorChoice, PlanReview, EvaluationRecord, MentorCoupling, CohortWake, TrainingAttendance,
         MatchingApproval)


def test_who_woke_the_run_is_not_on_her_form_yet_every_waker_of_ours_is_accepted_as_prefect_validates():
    """Prefect's server validates a resume's input against the schema it stored for the form: our
    wakers send ``woken_by``, which her form (the schema) does not show. Hidden the other way (schema
    without the field, unknown fields forbidden), every wake-up of ours was refused."""
    from prefect.utilities.callables import create_v2_schema
    from prefect.utilities.schema_tools import validate

    for form in FORMS:
        schema = create_v2_schema(form.__name__, model_base=form)  # what Prefect stores and the UI renders
        assert "woken_by" not in schema["properties"], form.__name__
        for waker in ("participant", "timer", "system"):
            validate({"woken_by": waker, "note": ""}, schema, raise_on_error=True)  # as the server does
            assert form.model_validate({"woken_by": waker, "note": ""}).woken_by == waker
    assert MentorChoice.model_validate({}).woken_by == "facilitator"  # what the UI's form sends: hers
    assert MatchingApproval.model_validate({"approve": True}).woken_by == "facilitator"
    assert CohortWake.model_validate({}).woken_by == "timer"  # her form there asks nothing: "look again"


def test_the_choice_of_mentor_comes_first_on_the_form():
    for form in (MentorChoice, MentorCoupling):
        assert next(iter(form.model_json_schema()["properties"])) == "mentor_id", form.__name__


def test_every_field_of_her_forms_has_a_dutch_label():
    for form in FORMS:
        for name, prop in form.model_json_schema()["properties"].items():
            assert prop.get("title") and prop["title"] != name.replace("_", " ").title(), (form.__name__, name)


def test_the_cohort_approval_speaks_dutch():
    titles = {name: p.get("title") for name, p in MatchingApproval.model_json_schema()["properties"].items()}
    assert titles == {"note": "Toelichting", "approve": "Goedkeuren", "changes": "Gewijzigde koppels"}


def test_a_form_knows_what_she_filled_in_and_an_empty_one_is_empty():
    assert MentorChoice.model_validate({}).filled() == set()
    assert MentorChoice.model_validate({"note": "  ", "rematch_reason": ""}).filled() == set()
    assert MentorChoice.model_validate({"note": "belde", "mentor_id": 3}).filled() == {"note", "mentor_id"}
    assert EvaluationRecord.model_validate({"outcome": "goed gesprek"}).filled() == {"outcome"}


def test_her_last_refused_form_is_named_above_the_next_form_and_under_its_first_field():
    from flows.waiting import with_refusal

    form = with_refusal(MentorChoice, "Gekozen mentor: Dr. Marloes was niet bij de mentortraining")
    assert form._description.startswith("NIET UITGEVOERD: Gekozen mentor: Dr. Marloes")
    assert "Kies een mentor voor deze mentee" in form._description
    first = form.model_json_schema()["properties"]["mentor_id"]
    assert first["description"].startswith("NIET UITGEVOERD: Gekozen mentor: Dr. Marloes")
    assert first["title"] == "Gekozen mentor (id)" and next(iter(form.model_json_schema()["properties"])) == "mentor_id"
    assert issubclass(form, MentorChoice) and form.model_validate({"mentor_id": 2}).mentor_id == 2
    assert form.model_validate({"woken_by": "timer"}).woken_by == "timer"
    attendance = with_refusal(TrainingAttendance, "Aanwezige mentoren: vul de ids in")
    assert attendance().attended_mentor_ids == [] and attendance().woken_by == "facilitator"
