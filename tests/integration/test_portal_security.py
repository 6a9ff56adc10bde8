# ruff: noqa: F811  (the fixtures world and pair come from test_portal, by import)
"""The portal as a security reviewer expects it (issue 9, point 8): headers, cross-site POSTs,
body limits, and never a stack trace."""

from __future__ import annotations

from types import SimpleNamespace

from fastapi.testclient import TestClient

from portal.app import create_app
from tests.integration.test_portal import COHORT, World, pair, world  # noqa: F401  (fixtures)
from wiring.settings import Settings

EVIL = "https://evil.example"


def test_every_page_has_the_security_headers_and_personal_pages_are_not_cached(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    for path in ("/", "/apply?role=mentee", world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking"),
                 "/a/forged", "/no-such-page"):
        headers = world.client.get(path).headers
        assert headers["referrer-policy"] == "no-referrer", path
        assert headers["cache-control"] == "no-store", path
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in headers  # plain http in the tests


def test_the_stylesheet_is_our_own_file_and_no_page_has_inline_style(world: World) -> None:
    css = world.client.get("/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and "button{" in css.text
    for path in ("/", "/apply?role=mentor", "/privacy"):
        page = world.client.get(path).text
        assert '<link rel="stylesheet" href="/portal.css">' in page and "<style" not in page and "style=" not in page


def test_a_post_sent_by_another_site_is_refused_and_changes_nothing(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    link = world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking")
    _, before = world.trajectory(tid)
    for headers in ({"origin": EVIL}, {"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"},
                    {"origin": "null", "sec-fetch-site": "cross-site"}):
        page = world.client.post(link, data={"agree": "no", "reason": "nep"}, headers=headers)
        assert page.status_code == 403 and "niet van deze website" in page.text, headers
    people = world.repo.people_of(COHORT)
    refused = world.client.post("/apply?role=mentee", data={"name": "x"}, headers={"origin": EVIL})
    assert refused.status_code == 403 and world.repo.people_of(COHORT) == people
    assert world.trajectory(tid)[1] == before
    # What Chromium sends for our own form: its page sends no referrer, so its Origin is "null".
    ok = world.client.post(link, data={"agree": "yes"}, headers={"origin": "null", "sec-fetch-site": "same-origin"})
    assert ok.status_code == 200


def test_a_body_over_the_limit_is_refused_before_it_is_read(world: World, pair) -> None:
    tid, mentee_id, _ = pair
    link = world.link(mentee_id, "mentee", tid, "withdraw", "withdraw")
    _, before = world.trajectory(tid)
    page = world.client.post(link, data={"reason": "x" * 900_000})
    assert page.status_code == 413 and "te groot" in page.text and page.headers["cache-control"] == "no-store"

    def chunks():  # no Content-Length: the limit is counted as the body streams in
        yield b"reason="
        for _ in range(300):
            yield b"y" * 1024

    streamed = world.client.post(link, content=chunks(),
                                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    assert world.trajectory(tid)[1] == before


def test_an_unexpected_failure_shows_an_apology_and_no_stack_trace(world: World, pair, monkeypatch) -> None:
    tid, mentee_id, _ = pair
    link = world.link(mentee_id, "mentee", tid, "kennismaking", "k1-kennismaking")

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /srv/mentorschap/portal/app.py")

    monkeypatch.setattr(world.repo, "trajectory", broken)
    client = TestClient(world.client.app, raise_server_exceptions=False)
    page = client.get(link)
    assert page.status_code == 500 and "Er ging iets mis" in page.text
    assert "Traceback" not in page.text and "secret internals" not in page.text
    assert page.headers["content-security-policy"]


def test_https_behind_a_proxy_sends_hsts(world: World) -> None:
    settings = Settings(environment="test", portal_url="https://portal.kring.example.org")
    services = SimpleNamespace(repo=world.repo, clock=world.clock, links=world.links, runs=world.runs,
                               settings=settings, cohort=COHORT)
    headers = TestClient(create_app(services)).get("/").headers
    assert headers["strict-transport-security"].startswith("max-age=")
