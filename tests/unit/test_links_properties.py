"""Property-based tests of personal links (issue 9, point 9): no link is wrongly accepted.

Hypothesis makes claims and tokens; every change to a genuine token (any one character at
any position, another spelling, a payload spliced onto another signature, another secret or
programme), every expired and every used link is refused with ``LinkError``, never another
exception.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from adapters.db import create_schema
from adapters.links import ACTIONS, LinkError, Links
from domain.clock import FakeClock
from tests.unit.test_links import B64URL, SECRET, other_spellings

START = datetime(2021, 1, 10, 9, 0, tzinfo=UTC)
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

claims = st.sampled_from(sorted((action, role.value) for action, roles in ACTIONS.items() for role in roles)).flatmap(
    lambda pair: st.fixed_dictionaries({
        "person_id": st.integers(1, 10**6), "role": st.just(pair[1]), "trajectory_id": st.integers(1, 10**6),
        "action": st.just(pair[0]), "ref": st.from_regex(r"k[1-9]-[a-z0-9-]{1,20}", fullmatch=True),
        "extra": st.dictionaries(st.sampled_from(["meeting", "plan_version", "kind"]), st.integers(0, 50),
                                 max_size=2),
    })
)


def links(clock: FakeClock | None = None, secret: str = SECRET, salt: str = "mentorschap-link") -> Links:
    return Links(secret, "https://p.example.org", clock or FakeClock(START), valid_days=30, salt=salt)


def token(link: Links, claim: dict) -> str:
    return link.token(claim["person_id"], claim["role"], claim["trajectory_id"], claim["action"], claim["ref"],
                      claim["extra"])


def refused(link: Links, candidate: str, reason: str | None = "invalid") -> None:
    with pytest.raises(LinkError) as err:
        link.verify(candidate)
    assert reason is None or err.value.reason == reason, (candidate, err.value.reason)


@PROFILE
@given(claims)
def test_a_genuine_link_reads_back_exactly_what_was_signed(claim: dict) -> None:
    link = links()
    read = link.verify(token(link, claim))
    assert (read.person_id, read.role.value, read.trajectory_id, read.action, read.ref, read.extra) == (
        claim["person_id"], claim["role"], claim["trajectory_id"], claim["action"], claim["ref"], claim["extra"])


@settings(max_examples=5, deadline=None)
@given(claims)
def test_every_one_character_change_at_every_position_is_refused(claim: dict) -> None:
    link = links()
    genuine = token(link, claim)
    for i, original in enumerate(genuine):
        for c in B64URL + ".=~%":
            if c != original:
                refused(link, genuine[:i] + c + genuine[i + 1:])
        refused(link, genuine[:i] + genuine[i + 1:])  # a character lost


@PROFILE
@given(claims)
def test_other_spellings_of_a_genuine_token_are_refused(claim: dict) -> None:
    link = links()
    for spelling in other_spellings(token(link, claim)):
        refused(link, spelling)


@PROFILE
@given(claims, claims)
def test_a_payload_on_another_links_signature_is_refused(first: dict, second: dict) -> None:
    link = links()
    a, b = token(link, first), token(link, second)
    spliced = a.rsplit(".", 1)[0] + "." + b.rsplit(".", 1)[1]
    if spliced not in (a, b):
        refused(link, spliced)


@PROFILE
@given(claims)
def test_another_secret_or_programme_never_verifies(claim: dict) -> None:
    refused(links(), token(links(secret="x" * 40), claim))
    refused(links(), token(links(salt="mentorschap-hao-link"), claim))


@PROFILE
@given(st.text(max_size=300))
def test_random_text_is_refused(text: str) -> None:
    refused(links(), text)


@PROFILE
@given(claims, st.integers(0, 10**6))
def test_a_link_is_refused_from_its_expiry_on(claim: dict, seconds_late: int) -> None:
    clock = FakeClock(START)
    link = links(clock)
    genuine = token(link, claim)
    clock.advance(days=30, seconds=seconds_late)
    refused(link, genuine, "expired")
    clock.set(START + timedelta(days=30) - timedelta(seconds=1))
    assert link.verify(genuine).ref == claim["ref"]


@PROFILE
@given(claims)
def test_a_used_link_is_refused_in_every_spelling(tmp_path_factory, claim: dict) -> None:
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('used') / 'links.db'}")
    create_schema(engine)
    link = links()
    link.engine = engine
    genuine = token(link, claim)
    with engine.begin() as conn:
        link.consume_statement(link.verify(genuine), START)(conn)
    refused(link, genuine, "used")
    for spelling in other_spellings(genuine):
        refused(link, spelling, None)
