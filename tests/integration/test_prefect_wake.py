"""A wake-up against a busy Prefect: a few quick attempts, then it is the sweep's."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from prefect.exceptions import PrefectHTTPStatusError

import adapters.prefect_api as api

RUN_ID = "00000000-0000-0000-0000-000000000001"


def busy(status: int = 503) -> PrefectHTTPStatusError:
    request = httpx.Request("POST", "http://prefect/api/flow_runs/x/resume")
    return PrefectHTTPStatusError("busy", request=request, response=httpx.Response(status, request=request))


class FakeClient:
    """Answers each resume with the next of ``answers`` (an exception is raised)."""

    def __init__(self, answers: list) -> None:
        self.answers = answers
        self.calls = 0

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def resume_flow_run(self, run_id, run_input):
        answer = self.answers[self.calls]
        self.calls += 1
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def client(monkeypatch):
    fake = FakeClient([])
    monkeypatch.setattr(api, "get_client", lambda sync_client: fake)
    monkeypatch.setattr(api, "RESUME_PAUSES", (0.0, 0.0, 0.0))
    return fake


def test_a_busy_prefect_is_tried_again_quickly(client):
    accepted = SimpleNamespace(status="ACCEPT")
    client.answers = [busy(), busy(), accepted]
    assert api.resume(RUN_ID, {"woken_by": "timer"}) is accepted
    assert client.calls == 3


def test_a_prefect_that_stays_busy_leaves_the_wake_up_to_the_sweep(client):
    client.answers = [busy()] * 4
    assert api.resume(RUN_ID, {"woken_by": "timer"}) is None
    assert client.calls == 4


def test_any_other_error_is_not_swallowed(client):
    client.answers = [busy(500)]
    with pytest.raises(PrefectHTTPStatusError):
        api.resume(RUN_ID, {"woken_by": "timer"})
