"""Signed personal links: one link, one person, one act on one occasion.

A link carries who may act (person and role), on which trajectory, which act, the
occasion (``ref``, e.g. ``k1-sign-v2``) and details (``extra``, e.g. the plan version),
signed with the project's secret. Its expiry is an instant on the project's clock
(the demo runs a compressed clock), not itsdangerous' wall-clock timestamp.

A link is used once: the portal writes the act and the row in ``used_links`` (keyed
by the token's sha256 digest) in one transaction, so a second use, even a concurrent
one, fails on the primary key and changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Connection, Engine, insert, select

from adapters.tables import used_links
from domain.clock import Clock
from domain.people import Role

SALT = "mentorschap-link"

# Each act and who may do it through a link.
ACTIONS: dict[str, tuple[Role, ...]] = {
    "kennismaking": (Role.MENTEE, Role.MENTOR),
    "plan": (Role.MENTEE,),
    "sign": (Role.MENTEE, Role.MENTOR),
    "propose": (Role.MENTEE,),
    "confirm": (Role.MENTEE,),
    "topics": (Role.MENTEE,),
    "evaluation": (Role.MENTEE, Role.MENTOR),
    "withdraw": (Role.MENTEE, Role.MENTOR),
}


class LinkError(Exception):
    """A link that may not be used. ``reason``: ``invalid``, ``expired`` or ``used``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaim:
    """What a verified link allows: this person, in this role, this act, once."""

    person_id: int
    role: Role
    trajectory_id: int
    action: str
    ref: str
    expires_at: datetime
    digest: str
    extra: dict[str, Any] = field(default_factory=dict)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_used(engine: Engine, claim: LinkClaim) -> bool:
    """Whether the act of this link was written already."""
    with engine.connect() as conn:
        row = conn.execute(select(used_links.c.digest).where(used_links.c.digest == claim.digest)).first()
    return row is not None


class Links:
    """Makes and checks personal links. ``engine`` (optional) lets ``verify`` refuse used links."""

    def __init__(
        self, secret: Any, base_url: str, clock: Clock, valid_days: int, engine: Engine | None = None,
        *, actions: dict | None = None, roles: Any = Role, salt: str = SALT, path: str = "a",
    ) -> None:
        """``actions``, ``roles``, ``salt`` and ``path`` let another programme keep links of its own."""
        raw = secret.get_secret_value() if hasattr(secret, "get_secret_value") else str(secret)
        if not raw:
            raise ValueError("a link secret is needed")
        self._serializer = URLSafeSerializer(raw, salt=salt)
        self.actions = ACTIONS if actions is None else actions
        self.roles = roles
        self.path = path
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.valid_days = valid_days
        self.engine = engine

    def token(
        self, person_id: int, role: str, trajectory_id: int, action: str, ref: str, extra: dict | None = None
    ) -> str:
        if action not in self.actions:
            raise ValueError(f"unknown link action {action!r}")
        if self.roles(role) not in self.actions[action]:
            raise ValueError(f"a {role} has no {action} link")
        expires = self.clock.now().astimezone(UTC) + timedelta(days=self.valid_days)
        payload = {
            "p": int(person_id),
            "r": self.roles(role).value,
            "t": int(trajectory_id),
            "a": action,
            "ref": ref,
            "x": extra or {},
            "exp": expires.isoformat(timespec="seconds"),
        }
        return str(self._serializer.dumps(payload))

    def make(
        self, person_id: int, role: str, trajectory_id: int, action: str, ref: str, extra: dict | None = None
    ) -> str:
        """The full personal URL, ``{base_url}/a/{token}``."""
        return f"{self.base_url}/{self.path}/{self.token(person_id, role, trajectory_id, action, ref, extra)}"

    def verify(self, token: str, engine: Engine | None = None) -> LinkClaim:
        """The claim of a genuine, unexpired, unused link; else ``LinkError``."""
        claim = self.read(token)
        if self.clock.now() >= claim.expires_at:
            raise LinkError("expired")
        engine = engine or self.engine
        if engine is not None and is_used(engine, claim):
            raise LinkError("used")
        return claim

    def read(self, token: str) -> LinkClaim:
        """Check the signature and the shape only (no expiry, no use)."""
        try:
            payload = self._serializer.loads(token)
        except BadData as exc:
            raise LinkError("invalid") from exc
        try:
            claim = LinkClaim(
                person_id=int(payload["p"]),
                role=self.roles(payload["r"]),
                trajectory_id=int(payload["t"]),
                action=str(payload["a"]),
                ref=str(payload["ref"]),
                expires_at=datetime.fromisoformat(payload["exp"]),
                digest=token_digest(token),
                extra=dict(payload.get("x") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LinkError("invalid") from exc
        actions = self.actions
        if claim.action not in actions or claim.role not in actions[claim.action] or claim.expires_at.tzinfo is None:
            raise LinkError("invalid")
        return claim

    @staticmethod
    def consume_statement(claim: LinkClaim, now: datetime) -> Callable[[Connection], None]:
        """The insert that marks the link used, to run in the act's own transaction."""

        def consume(conn: Connection) -> None:
            conn.execute(
                insert(used_links).values(
                    digest=claim.digest, person_id=claim.person_id,
                    step=f"{claim.action}:{claim.ref}"[:120], used_at=now,
                )
            )

        return consume
