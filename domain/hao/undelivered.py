"""Programme B's mail a server refused for good (5xx), and who may be shown which (issue 11.5).

A refused address has to be corrected by whoever steers the programme: the institute's contact
persons for guidance, progress conversations and the roster's mail (information, intervision). But
a consultation is confidential ("het instituut wordt niet geïnformeerd"): that the mail about one,
or about a trainer's request for one, was refused would tell the institute who asked, so those are
shown only to the programme's own address. Refusals of the notices about refusals are left out of
the list they would land in again, so a wrong address cannot start an endless round of notices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.hao.occasion_keys import hao_outbox_key
from domain.hao.trajectory import Kind

NOTICE = "hao_undelivered"  # the notice that lists them
CONFIDENTIAL_TEMPLATES = frozenset({"hao_request_confirm"})  # a trainer's request for a consultation
_KEY = re.compile(r"h(\d*):")


@dataclass(frozen=True)
class Refusal:
    """One refused message as the outbox keeps it: its number (for ``mentorschap mail retry``), its key,
    its template, the address it went to and the server's answer; ``reference`` names the trajectory as
    the reader may see it (its pseudonym and kind), or is empty."""

    number: int
    key: str
    template: str
    address: str
    answer: str
    reference: str = ""

    @property
    def trajectory_id(self) -> int | None:
        """The hao trajectory of the key ``h<id>:<occasion>:<who>``; None for the roster's mail."""
        found = _KEY.match(self.key)
        return int(found.group(1)) if found and found.group(1) else None

    @property
    def to_programme(self) -> bool:
        """A notice to the programme's own address (``undelivered_key``)."""
        return self.template == NOTICE and self.key.endswith(":programme")


def is_hao(key: str) -> bool:
    """Whether an outbox key is programme B's (``h<trajectory>:`` or ``h:`` for the roster's mail)."""
    return _KEY.match(key) is not None


def confidential(r: Refusal, kinds: Mapping[int, Kind]) -> bool:
    """About a consultation or a request for one; a trajectory not known (erased) counts as confidential."""
    if r.template in CONFIDENTIAL_TEMPLATES:
        return True
    tid = r.trajectory_id
    return tid is not None and kinds.get(tid, Kind.CONSULTATION) is Kind.CONSULTATION


def for_institute(refusals: Iterable[Refusal], kinds: Mapping[int, Kind]) -> list[Refusal]:
    """What the institute's contact persons are shown: never a consultation's, never a notice's."""
    return [r for r in refusals if r.template != NOTICE and not confidential(r, kinds)]


def for_programme(refusals: Iterable[Refusal]) -> list[Refusal]:
    """What the programme's own address is shown: every refusal but that of its own notices."""
    return [r for r in refusals if not r.to_programme]


def undelivered_occasion(shown: list[Refusal]) -> str:
    """The occasion of a notice listing ``shown`` (it belongs to no trajectory): its newest refusal."""
    return f"undelivered-{max(r.number for r in shown)}"


def undelivered_key(shown: list[Refusal], who: str) -> str:
    """The outbox key of a notice listing ``shown`` to ``who`` (``staff-p<id>`` or ``programme``, as
    ``tasks.hao_messages.HaoMessage.key`` makes it): a new notice only when a refusal is new."""
    return hao_outbox_key(None, undelivered_occasion(shown), who)
