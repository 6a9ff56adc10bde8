"""Programme B's services, built from the shared ones (``Services.hao``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.hao.people import HaoRole
from domain.hao.trajectory import HaoTrajectory, Kind
from domain.waits import Subject

if TYPE_CHECKING:
    from adapters.hao_requests import HaoRequests
    from adapters.hao_store import HaoRepository
    from adapters.links import Links
    from wiring.bootstrap import Services

RUN_NAME = {Kind.CONSULTATION: "consultatie", Kind.GUIDANCE: "begeleiding", Kind.PROGRESS: "voortgang"}
LINK_SALT = "mentorschap-hao-link"


@dataclass
class HaoServices:
    base: Services

    @functools.cached_property
    def repo(self) -> HaoRepository:
        from adapters.hao_store import HaoRepository

        return HaoRepository(self.base.engine)

    @functools.cached_property
    def requests(self) -> HaoRequests:
        """Consultation requests from the mentor list, until the trainer confirms them."""
        from adapters.hao_requests import HaoRequests

        return HaoRequests(self.base.engine)

    @functools.cached_property
    def links(self) -> Links:
        from adapters.links import Links
        from domain.hao.occasions import ACTIONS, refusal

        s = self.base.settings
        return Links(s.signing_secret.get_secret_value(), s.portal_url, self.base.clock, s.link_valid_days,
                     self.base.engine, actions=ACTIONS, roles=HaoRole, salt=LINK_SALT, path="h",
                     occasion=refusal)

    def subject(self, trajectory_id: int) -> Subject:
        return Subject.hao(self.repo.kind_of(trajectory_id), trajectory_id)

    def start(self, t: HaoTrajectory) -> str:
        """The trajectory's one run: its name and tags carry the pseudonym and the kind, nothing else."""
        assert t.id is not None
        return self.base.control.start(Subject.hao(t.kind, t.id), name=f"{RUN_NAME[t.kind]} {t.pseudonym}",
                                       tags=["hao", f"hao:{t.kind.value}"])

    def state(self, trajectory_id: int) -> str | None:
        """The Prefect state type of the trajectory's run (e.g. 'COMPLETED')."""
        return self.base.control.state(self.subject(trajectory_id))

    def wake(self, trajectory_id: int, woken_by: str, note: str = "", extra: dict | None = None,
             label: str | None = None) -> bool:
        return bool(self.base.control.wake(self.subject(trajectory_id), woken_by, note, extra, label))
