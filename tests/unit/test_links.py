"""Personal links: made, read back, refused when forged, tampered or expired (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError

from adapters.db import create_schema
from adapters.links import LinkError, Links, is_used, token_digest
from adapters.tables import used_links
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
    assert claim.token_digest == token_digest(token_of(url))


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


# --- one spelling, one use (issue 9, point 2) -------------------------------------------

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def other_spellings(token: str) -> list[str]:
    """Spellings that lenient base64 decoding reads as the same signature."""
    payload, sig = token.rsplit(".", 1)
    last = B64URL.index(sig[-1])
    siblings = [c for c in B64URL if c != sig[-1] and B64URL.index(c) >> 4 == last >> 4]  # same high 2 bits
    return [token + "=", token + "==", token + "~~", token + " ", payload + "." + sig[:-1] + "\n" + sig[-1],
            *(payload + "." + sig[:-1] + c for c in siblings)]


def test_only_the_issued_spelling_of_a_token_verifies(links: Links) -> None:
    token = token_of(links.make(7, "mentor", 3, "sign", "k1-sign-v1", {"plan_version": 1}))
    spellings = other_spellings(token)
    assert len(spellings) >= 8
    for spelling in spellings:
        with pytest.raises(LinkError) as err:
            links.verify(spelling)
        assert err.value.reason == "invalid", repr(spelling)
    assert links.verify(token).ref == "k1-sign-v1"


def test_the_use_of_a_link_is_keyed_by_its_claim_not_its_spelling(links: Links, tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'links.db'}")
    create_schema(engine)
    token = token_of(links.make(7, "mentee", 3, "plan", "k1-plan"))
    claim = links.verify(token, engine)
    assert claim.digest != token_digest(token)  # not the spelling
    with engine.begin() as conn:
        links.consume_statement(claim, START)(conn)
    for spelling in [token, *other_spellings(token)]:
        with pytest.raises(LinkError):
            links.verify(spelling, engine)


def test_a_link_used_before_uses_were_keyed_by_claim_stays_used(links: Links, tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'links.db'}")
    create_schema(engine)
    token = token_of(links.make(7, "mentee", 3, "plan", "k1-plan"))
    with engine.begin() as conn:
        conn.execute(used_links.insert().values(digest=token_digest(token), person_id=7, step="plan:k1-plan",
                                                used_at=START))
    with pytest.raises(LinkError) as err:
        links.verify(token, engine)
    assert err.value.reason == "used"


def test_two_links_for_different_occasions_or_programmes_have_different_keys(links: Links, clock) -> None:
    hao = Links(SECRET, "https://portal.example.org/", clock, valid_days=30, salt="mentorschap-hao-link")
    keys = {
        links.verify(token_of(links.make(7, "mentee", 3, "plan", "k1-plan"))).digest,
        links.verify(token_of(links.make(7, "mentee", 3, "plan", "k2-plan"))).digest,
        links.verify(token_of(links.make(7, "mentee", 4, "plan", "k1-plan"))).digest,
        hao.verify(token_of(hao.make(7, "mentee", 3, "plan", "k1-plan"))).digest,
    }
    assert len(keys) == 4


def test_a_link_to_revise_the_plan_makes_exactly_the_next_version() -> None:
    """Issue 10.1: each version gets its own link; an older one's link says the step is done."""
    from domain.clock import AMSTERDAM
    from domain.occasions import refusal
    from domain.people import Role
    from domain.trajectory import Trajectory

    now = datetime(2021, 2, 1, 9, 0, tzinfo=AMSTERDAM)
    t = Trajectory.apply("c", 1, now)
    t.confirm_application(now)
    t.choose_mentor(2, now)
    for role in (Role.MENTEE, Role.MENTOR):
        t.answer_kennismaking(role, True, "", now)
    t.submit_plan(["doel"], "tekst", now)

    def may(ref: str) -> str | None:
        return refusal(t, Role.MENTEE, 1, "plan", ref, {})

    assert may("k1-plan-v2") is None and may("k1-plan-v3") == "closed" and may("k1-plan-v1") == "closed"
    t.submit_plan(["doel", "tweede"], "tekst", now)
    assert may("k1-plan-v2") == "closed" and may("k1-plan-v3") is None
