"""The runs table on a real SQLite file: one wait mechanism for every kind of run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.cohorts import CohortStore
from adapters.db import create_schema, make_engine
from adapters.hao_store import HaoRepository
from adapters.repository import Repository
from adapters.runs import RunStore
from domain.hao.trajectory import Progress
from domain.people import Role
from domain.waits import RunKind, Subject, WaitKey
from tests.integration.test_cohort_enrolment import PLAN
from tests.integration.test_store import new_trajectory

NOW = datetime(2021, 1, 18, 9, 0, tzinfo=UTC)


@pytest.fixture
def stores(db_url, tmp_path):
    engine = make_engine(db_url)
    create_schema(engine)
    return Repository(engine), HaoRepository(engine), CohortStore(engine), RunStore(engine)


def test_the_wait_key_is_stable_until_the_wake_up_is_recorded(stores):
    repo, _, _, runs = stores
    t = new_trajectory(repo)
    subject = Subject.trajectory(t.id)
    key = runs.open_wait(subject, "matching", 1, NOW)
    assert key == WaitKey(subject, 1, "matching")
    assert runs.open_wait(subject, "matching", 1, NOW) == key  # a replay gets the same key
    assert runs.close_wait(key) is True
    assert runs.close_wait(key) is False  # recorded once
    assert runs.open_wait(subject, "matching", 1, NOW) == WaitKey(subject, 2, "matching")
    assert runs.wakes(subject) == 1


def test_no_wait_opens_when_the_subject_changed_since_the_run_read_it(stores):
    repo, _, _, runs = stores
    t = new_trajectory(repo)
    repo.change(t.id, lambda t: t.confirm_application(NOW), NOW)
    assert runs.open_wait(Subject.trajectory(t.id), "matching", 1, NOW) is None


def test_every_kind_is_seen_the_same_way_changed_since_the_wait_began(stores):
    repo, hao, cohorts, runs = stores
    t = new_trajectory(repo)
    p = hao.add_trajectory(Progress.start(1, "v-000001", NOW), NOW)
    cohorts.open(PLAN, NOW)
    subjects = [Subject.trajectory(t.id), Subject.hao("progress", p.id), Subject.cohort(PLAN.id)]
    assert {(r.subject, r.flow_run_id) for r in runs.all()} == {(s, None) for s in subjects}

    for subject, version in zip(subjects, (1, 1, cohorts.version(PLAN.id)), strict=True):
        runs.set_flow_run(subject, f"run-{subject.kind}")
        runs.open_wait(subject, "w", version, NOW)
    assert not any(r.changed_since_wait for r in runs.all())

    repo.change(t.id, lambda t: t.confirm_application(NOW), NOW)
    hao.change(p.id, lambda t: None, NOW)  # any act raises the version
    cohorts.set_stage(PLAN.id, "approved", NOW)
    assert {r.subject for r in runs.all() if r.changed_since_wait} == set(subjects)
    assert {r.subject.kind for r in runs.all(kinds=(RunKind.PROGRESS,))} == {RunKind.PROGRESS}


def test_an_ended_subject_is_swept_only_while_its_run_still_waits(stores):
    repo, _, _, runs = stores
    t = new_trajectory(repo)
    subject = Subject.trajectory(t.id)
    key = runs.open_wait(subject, "application", 1, NOW)
    repo.change(t.id, lambda t: t.withdraw(Role.MENTEE, "verhuisd", NOW), NOW)
    assert [r.subject for r in runs.all()] == [subject]
    runs.close_wait(key)
    assert runs.all() == []


def test_an_ended_subject_whose_run_prefect_shows_unfinished_is_swept(stores):
    """make chaos: a consultation's run was caught by a runner kill while being submitted (Pending for good)
    and its people took it to its end without the run; no wait was ever opened, so the sweep never looked."""
    repo, _, _, runs = stores
    t = new_trajectory(repo)
    subject = Subject.trajectory(t.id)
    runs.set_flow_run(subject, "run-left-submitting")
    repo.change(t.id, lambda t: t.withdraw(Role.MENTEE, "verhuisd", NOW), NOW)
    assert runs.all() == []
    assert runs.all(also={"another-run"}) == []
    [found] = runs.all(also={"another-run", "run-left-submitting"})
    assert (found.subject, found.flow_run_id, found.ended, found.wait) == (subject, "run-left-submitting", True, None)


def test_a_refusal_is_kept_with_the_run_until_the_next_wake_up_says_otherwise(stores):
    repo, _, _, runs = stores
    subject = Subject.trajectory(new_trajectory(repo).id)
    key = runs.open_wait(subject, "matching", 1, NOW)
    assert runs.refusal(subject) is None
    runs.close_wait(key, "Gekozen mentor: vol")
    assert runs.refusal(subject) == "Gekozen mentor: vol"
    runs.close_wait(runs.open_wait(subject, "matching", 1, NOW), None)
    assert runs.refusal(subject) is None
