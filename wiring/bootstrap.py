"""The one place that builds the real services from settings.

Nothing connects at import time: Prefect pickles served flows. Each flow run builds
its services once, at its start (``with run_services() as svc:``), passes them to the
tasks and helpers it calls, and disposes the engine at its end: a served runner and the
warm start run many runs in one process, so engines must not pile up. The portal and the
CLI build theirs at their entry point the same way.

The one seam for tests (and for an entry point that runs a flow's body in-process, such as
the demo's sweep loop) is ``provided(svc)``: inside it, ``run_services()`` yields ``svc``
instead of building, and leaves it open.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from adapters.clock import ScaledClock, SystemClock
from adapters.db import create_schema, make_engine
from adapters.repository import Repository
from domain.clock import Clock
from wiring.settings import Settings

if TYPE_CHECKING:  # the services' classes, imported on first use only (see each property)
    from adapters.artifacts import Artifacts
    from adapters.cohorts import CohortStore
    from adapters.links import Links
    from adapters.mail import SmtpMailer
    from adapters.outbox import Outbox
    from adapters.owed import OwedStore
    from adapters.prefect_api import RunControl, SubjectRuns
    from adapters.prefect_privacy import PrefectTraces
    from adapters.rendering import Renderer
    from adapters.runs import RunStore
    from wiring.hao_services import HaoServices

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


@dataclass
class Services:
    settings: Settings
    engine: Engine
    repo: Repository
    clock: Clock
    cohort: str = "zob-2021"  # the fallback while no cohort was opened (tests, a fresh database)

    def open_cohort(self) -> str:
        """The cohort the portal and the CLI act on: the one whose application window is open now
        (``domain.cohort.offered``), among the cohorts whose kickoff ran."""
        from domain.cohort import offered

        plans = [plan for plan in map(self.cohorts.plan, self.cohorts.ids("peer")) if plan is not None]
        chosen = offered(plans, self.clock.now())
        return chosen.id if chosen else self.cohort

    @functools.cached_property
    def links(self) -> Links:
        from adapters.links import Links

        s = self.settings
        return Links(s.signing_secret.get_secret_value(), s.portal_url, self.clock, s.link_valid_days, self.engine)

    @functools.cached_property
    def run_store(self) -> RunStore:
        from adapters.runs import RunStore

        return RunStore(self.engine)

    @functools.cached_property
    def control(self) -> RunControl:
        """The one run control: start, wake and revive the run of any subject."""
        from datetime import timedelta

        from adapters.prefect_api import PrefectRuns, RunControl

        s = self.settings
        return RunControl(self.run_store, PrefectRuns(timedelta(seconds=s.stuck_run_seconds),
                                                      timedelta(seconds=s.lost_run_seconds)))

    @functools.cached_property
    def runs(self) -> SubjectRuns:
        """The mentee trajectories' runs, by trajectory id."""
        from adapters.prefect_api import SubjectRuns
        from domain.waits import RunKind

        return SubjectRuns(self.control, RunKind.TRAJECTORY)

    @functools.cached_property
    def cohort_runs(self) -> SubjectRuns:
        """The cohorts' runs, by cohort id."""
        from adapters.prefect_api import SubjectRuns
        from domain.waits import RunKind

        return SubjectRuns(self.control, RunKind.COHORT)

    @functools.cached_property
    def prefect_traces(self) -> PrefectTraces:
        """What Prefect keeps of people: read for an export, erased (``tasks.privacy``)."""
        from adapters.prefect_privacy import PrefectTraces

        return PrefectTraces()

    @functools.cached_property
    def cohorts(self) -> CohortStore:
        from adapters.cohorts import CohortStore

        return CohortStore(self.engine)

    @functools.cached_property
    def hao(self) -> HaoServices:
        """Programme B (hao-mentors): its store, links and runs."""
        from wiring.hao_services import HaoServices

        return HaoServices(self)

    @functools.cached_property
    def outbox(self) -> Outbox:
        from adapters.outbox import RETRY_AFTER, STALE_AFTER, Outbox

        # The lease and the backoff are measured in the clock's time: a compressed demo clock stretches
        # them, or a second sender would take a message over while the first is still handing it to
        # SMTP, and an outage would be retried many times a second.
        speed = max(self.settings.clock_speed, 1.0)
        return Outbox(self.engine, STALE_AFTER * speed, RETRY_AFTER * speed)

    @functools.cached_property
    def owed(self) -> OwedStore:
        """The messages acts owe, recorded with the acts (``adapters.owed``)."""
        from adapters.owed import OwedStore

        return OwedStore(self.engine)

    @functools.cached_property
    def artifacts(self) -> Artifacts:
        from adapters.artifacts import Artifacts

        return Artifacts(self.engine)

    @functools.cached_property
    def renderer(self) -> Renderer:
        from adapters.rendering import Renderer

        return Renderer(TEMPLATES / "email")

    @functools.cached_property
    def mailer(self) -> SmtpMailer:
        from adapters.mail import SmtpMailer

        s = self.settings
        password = s.smtp_password.get_secret_value() if s.smtp_password else None
        return SmtpMailer(s.smtp_host, s.smtp_port, s.smtp_username, password, s.smtp_starttls, s.smtp_timeout_seconds)


def make_clock(settings: Settings) -> Clock:
    if settings.clock_start is not None:
        if settings.clock_anchor is None:
            raise ValueError("MENTORSCHAP_CLOCK_ANCHOR: required with MENTORSCHAP_CLOCK_START")
        return ScaledClock(settings.clock_start, settings.clock_anchor, settings.clock_speed)
    return SystemClock()


def build(settings: Settings | None = None, clock: Clock | None = None) -> Services:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return Services(settings=settings, engine=engine, repo=Repository(engine), clock=clock or make_clock(settings))


_current: ContextVar[Services | None] = ContextVar("mentorschap services", default=None)


@contextmanager
def provided(svc: Services) -> Iterator[Services]:
    """Inside this block, ``run_services()`` yields ``svc`` and does not dispose it.

    The one seam through which a test hands its services (a test database, a fake clock) to a
    flow or an entry point it calls in-process; nothing else is patched.
    """
    token = _current.set(svc)
    try:
        yield svc
    finally:
        _current.reset(token)


@contextmanager
def run_services(settings: Settings | None = None) -> Iterator[Services]:
    """The services of one run (a flow run, a CLI command, a round of the demo's sweep).

    Built from ``settings`` (the environment when None) and their engine disposed at the end;
    inside ``provided(svc)`` or another ``run_services()`` block, those services, left open.
    """
    if (given := _current.get()) is not None:
        yield given
        return
    svc = build(settings)
    try:
        with provided(svc):  # what the run calls in-process (a flow from the CLI) shares them
            yield svc
    finally:
        svc.engine.dispose()
