"""The bound on the mentor list's request form and the confirmation link's occasion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.hao.requests import ConsultationRequest, may_mail, request_refusal

NOW = datetime(2021, 9, 6, 8, 0, tzinfo=UTC)  # a Monday morning in Amsterdam
H, D = timedelta(hours=1), timedelta(days=1)


def test_one_mail_an_hour_and_three_a_day_to_one_trainer() -> None:
    assert may_mail([], NOW)
    assert not may_mail([NOW - 30 * timedelta(minutes=1)], NOW)
    assert may_mail([NOW - H], NOW)
    assert not may_mail([NOW - 3 * H, NOW - 2 * H, NOW - H], NOW)
    assert may_mail([NOW - D - H, NOW - 2 * H, NOW - H], NOW)


def test_the_confirmation_link_acts_on_the_trainers_newest_open_request_only() -> None:
    r = ConsultationRequest(id=2, trainer_id=1, mentor_id=5, requested_at=NOW)
    assert request_refusal(r, 1, 2, NOW + H) is None
    assert request_refusal(r, 9, 2, NOW + H) == "not_yours"
    assert request_refusal(r, 1, 3, NOW + H) == "replaced"
    assert request_refusal(r, 1, 2, NOW + 7 * D) == "expired"
    assert request_refusal(r.model_copy(update={"confirmed_at": NOW}), 1, 2, NOW + H) == "used"
