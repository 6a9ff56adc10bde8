"""Personal links: made, read back, refused when forged, tampered or expired (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError

from adapters.db import create_schema
from adapters.links import LinkError, Links, is_used, token_digest
from domain.clock import FakeClock
from domain.people import Role

SECRET = "unit-test-secret-that-is-long-enough-1234"
START = datetime(2021, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def links(clock: FakeClock) -> Links:
    return Links(SECRET, "https://portal.example.org/", clock, valid_days=30)


def token_of(url: str) -> str:
    return url.rsplit("/a/", 1)[1]


def test_make_gives_a_portal_url_whose_token_reads_back(links: Links) -> None:
    url = links.make(7, "mentor", 3, "sign", "k1-sign-v2", {"plan_version": 2})
    assert url.startswith("https://portal.example.org/a/")
    claim = links.verify(token_of(url))
    assert (claim.person_id, claim.role, claim.trajectory_id) == (7, Role.MENTOR, 3)
    assert (claim.action, claim.ref, claim.extra) == ("sign", "k1-sign-v2", {"plan_version": 2})
    assert claim.expires_at == datetime(2021, 2, 9, 9, 0, tzinfo=UTC)
    assert claim.digest == token_digest(token_of(url))


def test_a_flipped_character_is_refused_as_invalid(links: Links) -> None:
    token = token_of(links.make(7, "mentee", 3, "plan", "k1-plan"))
    for i in (0, len(token) // 2, len(token) - 1):
        flipped = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        with pytest.raises(LinkError) as err:
            links.verify(flipped)
        assert err.value.reason == "invalid"


def test_a_link_signed_with_another_secret_is_refused(links: Links, clock: FakeClock) -> None:
    other = Links("another-secret-entirely-another-secret", "https://x", clock, valid_days=30)
    with pytest.raises(LinkError) as err:
        links.verify(token_of(other.make(7, "mentee", 3, "plan", "k1-plan")))
    assert err.value.reason == "invalid"


def test_garbage_is_refused_as_invalid(links: Links) -> None:
    for token in ("", "abc", "a.b", "%%%"):
        with pytest.raises(LinkError):
            links.verify(token)


def test_expiry_follows_the_project_clock(links: Links, clock: FakeClock) -> None:
    token = token_of(links.make(7, "mentee", 3, "plan", "k1-plan"))
    clock.advance(days=29, hours=23)
    assert links.verify(token).action == "plan"
    clock.advance(hours=1)
    with pytest.raises(LinkError) as err:
        links.verify(token)
    assert err.value.reason == "expired"


def test_a_role_cannot_get_a_link_for_an_act_that_is_not_theirs(links: Links) -> None:
    with pytest.raises(ValueError):
        links.make(7, "mentor", 3, "plan", "k1-plan")
    with pytest.raises(ValueError):
        links.make(7, "mentee", 3, "launch-missiles", "x")


def test_a_consumed_link_is_used_and_cannot_be_consumed_twice(links: Links, tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'links.db'}")
    create_schema(engine)
    token = token_of(links.make(7, "mentee", 3, "withdraw", "withdraw"))
    claim = links.verify(token, engine)
    assert not is_used(engine, claim)
    with engine.begin() as conn:
        links.consume_statement(claim, START)(conn)
    assert is_used(engine, claim)
    with pytest.raises(LinkError) as err:
        links.verify(token, engine)
    assert err.value.reason == "used"
    with pytest.raises(IntegrityError), engine.begin() as conn:
        links.consume_statement(claim, START)(conn)


def test_a_secret_str_is_accepted(clock: FakeClock) -> None:
    from pydantic import SecretStr

    links = Links(SecretStr(SECRET), "http://p", clock, valid_days=1)
    assert links.verify(token_of(links.make(1, "mentee", 1, "plan", "k1-plan"))).person_id == 1
