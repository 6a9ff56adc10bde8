"""Occasions as values: each builds exactly the text already stored and mailed, and reads back to itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.hao.occasion_keys import HaoOccasion, HaoStep, conversation, whole
from domain.hao.occasion_keys import parse as parse_hao
from domain.occasion_keys import Notice, NoticeKey, Occasion, Step, parse, propose, read
from domain.people import Role
from domain.templated import names, pattern
from domain.trajectory import EvaluationKind

# One of every step, with the text it has always had (outbox keys, Message-IDs and link refs in use).
EVERY = {
    Occasion(0, Step.MATCH): "k0-match",
    Occasion(2, Step.MATCHING): "k2-matching",
    Occasion(1, Step.DECLINED): "k1-declined",
    Occasion(1, Step.MENTOR_LEFT): "k1-mentor-left",
    Occasion(2, Step.KENNISMAKING): "k2-kennismaking",
    Occasion(2, Step.KENNISMAKING_INVITE): "k2-kennismaking-invite",
    Occasion(1, Step.PLAN): "k1-plan",
    Occasion(1, Step.PLAN_REQUEST): "k1-plan-request",
    Occasion(1, Step.PLAN_VERSION, version=2): "k1-plan-v2",
    Occasion(1, Step.PLAN_REVIEWS): "k1-plan-review",
    Occasion(1, Step.PLAN_REVIEW, version=3): "k1-plan-v3-review",
    Occasion(1, Step.PLAN_COMMENT, version=1): "k1-plan-v1-comment",
    Occasion(1, Step.SIGN, version=1): "k1-sign-v1",
    Occasion(3, Step.SIGN_REQUEST, version=2): "k3-sign-v2-request",
    Occasion(1, Step.SIGN_SERIES, role=Role.MENTOR): "k1-sign-mentor",
    Occasion(1, Step.SIGNED): "k1-signed",
    Occasion(1, Step.SIGNED_AGAIN, version=2): "k1-signed-v2",
    Occasion(1, Step.MEETING, meeting=4): "k1-m4",
    Occasion(1, Step.MEETING_INVITE, meeting=1, sequence=0): "k1-m1-invite-s0",
    Occasion(1, Step.MEETING_CHANGE, meeting=2, sequence=1): "k1-m2-s1-change",
    Occasion(1, Step.MEETING_CANCEL, meeting=2): "k1-m2-cancel",
    Occasion(1, Step.MEETING_TOPICS, meeting=2): "k1-m2-topics",
    Occasion(1, Step.MEETING_CONFIRM, meeting=1): "k1-m1-confirm",
    Occasion(1, Step.PROPOSE, after=0): "k1-propose-after-m0",
    Occasion(1, Step.PROPOSE_AGAIN, after=1, cancelled=2): "k1-propose-after-m1-c2",
    Occasion(1, Step.PROPOSE_REQUEST, after=0): "k1-propose-after-m0-request",
    Occasion(1, Step.PROPOSE_AGAIN_REQUEST, after=0, cancelled=1): "k1-propose-after-m0-c1-request",
    Occasion(2, Step.EVALUATION, kind=EvaluationKind.INTERIM): "k2-interim-evaluation",
}


def test_every_step_has_its_case() -> None:
    assert {o.step for o in EVERY} == set(Step)


@pytest.mark.parametrize(("occasion", "text"), EVERY.items(), ids=list(EVERY.values()))
def test_an_occasion_builds_its_old_text_and_reads_back_to_itself(occasion: Occasion, text: str) -> None:
    assert occasion.key == str(occasion) == text
    assert parse(text) == occasion and read(text) == occasion


@pytest.mark.parametrize("text", EVERY.values())
def test_no_text_is_read_by_two_steps(text: str) -> None:
    read_as = tuple((name, p) for name, (p, _) in Occasion.READ.items())
    found = parse(text)
    assert found is not None
    assert [s for s in Step if pattern(Occasion.template(s), read_as).fullmatch(text)] == [found.step]


@pytest.mark.parametrize("junk", [
    "", "x", "withdraw", "k-plan", "kx-plan", "k01-plan", "k1-", "k1-plan-v", "k1-plan-v02", "k1-plan-vx",
    "k1-plan ", " k1-plan", "k1-plan-v2-review-x", "k1-sign-facilitator", "k1-m1-s-change", "k1-midterm-evaluation",
    "k-1-plan", "k1-m-1", "c1-plan", "k1-plan\n", "K1-plan", "k1-propose-after-m1-c", "k1-m1:topics:mentee",
])
def test_junk_names_no_occasion(junk: str) -> None:
    assert parse(junk) is None
    with pytest.raises(ValueError, match="no occasion"):
        read(junk)


def test_an_occasion_takes_exactly_the_fields_of_its_step() -> None:
    with pytest.raises(ValueError, match="takes"):
        Occasion(1, Step.SIGN)  # which version?
    with pytest.raises(ValueError, match="takes"):
        Occasion(1, Step.PLAN, version=2)
    with pytest.raises(ValueError, match="negative"):
        Occasion(-1, Step.PLAN)


def test_the_request_of_an_act_and_a_proposal_after_a_call_off() -> None:
    assert Occasion(1, Step.PLAN).request().key == "k1-plan-request"
    assert Occasion(1, Step.SIGN, version=2).request().key == "k1-sign-v2-request"
    assert Occasion(1, Step.KENNISMAKING).request().key == "k1-kennismaking-invite"
    assert propose(1, 0).request().key == "k1-propose-after-m0-request"
    assert propose(1, 2, 1).request().key == "k1-propose-after-m2-c1-request"
    assert propose(1, 2, 0) == Occasion(1, Step.PROPOSE, after=2)


def test_notice_keys_keep_their_old_text() -> None:
    confirm = Occasion(1, Step.MEETING_CONFIRM, meeting=2)
    assert NoticeKey(confirm, Notice.REQUEST, Role.MENTEE).key == "k1-m2-confirm:request:mentee"
    assert str(NoticeKey(confirm, Notice.REMINDER, Role.MENTEE, 2)) == "k1-m2-confirm:reminder-2:mentee"
    matching = Occasion(0, Step.MATCH)
    assert NoticeKey(matching, Notice.ESCALATION, Role.FACILITATOR).key == "k0-match:escalation:facilitator"
    assert NoticeKey(Occasion(1, Step.MEETING, meeting=3), Notice.TOPICS, Role.MENTEE).key == "k1-m3:topics:mentee"


NUMBERS = st.integers(0, 999_999)


@st.composite
def occasions(draw: st.DrawFn) -> Occasion:
    step = draw(st.sampled_from(list(Step)))
    values: dict[str, object] = {name: draw(NUMBERS) for name in names(step.value) - {"kind", "role"}}
    if "kind" in names(step.value):
        values["kind"] = draw(st.sampled_from(list(EvaluationKind)))
    if "role" in names(step.value):
        values["role"] = draw(st.sampled_from([Role.MENTEE, Role.MENTOR]))
    return Occasion(draw(NUMBERS), step, **values)


@given(occasions())
def test_any_occasion_reads_back_to_itself(occasion: Occasion) -> None:
    assert parse(str(occasion)) == occasion


# Programme B: one of every step, with its old text.
EVERY_HAO = {HaoOccasion(step, conversation=2) if "conversation" in names(step.value)
             else HaoOccasion(step, number=3) if "number" in names(step.value) else HaoOccasion(step): text
             for step, text in zip(HaoStep, [
                 "c2-plan", "c2-plan-request", "c2-invite", "c2-held", "c2-close", "c2-sign", "c2-report-sign",
                 "request", "answer", "accepted", "declined", "closed", "coupling", "couple", "coupled", "goals",
                 "report-request", "report", "discuss", "discussed", "released", "started", "flag", "dossier-3"],
                 strict=True)}


@pytest.mark.parametrize(("occasion", "text"), EVERY_HAO.items(), ids=list(EVERY_HAO.values()))
def test_a_hao_occasion_builds_its_old_text_and_reads_back_to_itself(occasion: HaoOccasion, text: str) -> None:
    assert occasion.key == str(occasion) == text
    assert parse_hao(text) == occasion


def test_hao_builders() -> None:
    assert conversation(HaoStep.PLAN, 4) == HaoOccasion(HaoStep.PLAN, conversation=4)
    assert whole(HaoStep.GOALS).key == "goals"
    with pytest.raises(ValueError, match="takes"):
        HaoOccasion(HaoStep.GOALS, conversation=1)


@pytest.mark.parametrize("junk", ["", "c-plan", "c01-plan", "k1-plan", "c1-plan-", "c1-planx", "goal", "dossier-", "x"])
def test_junk_names_no_hao_occasion(junk: str) -> None:
    assert parse_hao(junk) is None
