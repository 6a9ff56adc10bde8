"""Signed personal links: one link, one person, one act on one occasion.

A link carries who may act (person and role), on which trajectory, which act, the
occasion (``ref``, e.g. ``k1-sign-v2``) and details (``extra``, e.g. the plan version),
signed with the project's secret. Its expiry is an instant on the project's clock
(the demo runs a compressed clock), not itsdangerous' wall-clock timestamp.

A link is used once: the portal writes the act and the row in ``used_links`` in one
transaction, so a second use, even a concurrent one, fails on the primary key and
changes nothing. The row is keyed by what the link grants (the canonical form of its
signed claim, see ``claim_key``), never by how the token happens to be spelled, and the
token must be spelled exactly as it was issued: a signature whose base64 has padding,
stray characters or different unused low bits is refused, so no second spelling exists.

Whether the occasion a link was made for is still open (the same match, a plan version,
a meeting that is still planned...) is each programme's rule, given to ``Links`` as
``occasion``; ``admit`` applies it, at page load and again inside the act's transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from itsdangerous.encoding import base64_decode, base64_encode
from sqlalchemy import Connection, Engine, insert, select

from adapters.tables import used_links
from domain import occasions
from domain.clock import Clock
from domain.people import Role

SALT = "mentorschap-link"
MAX_TOKEN = 2000  # far above any token we issue; a longer one is not ours
# An itsdangerous URL-safe token: an optional "." (compressed payload), payload "." signature.
TOKEN_SHAPE = re.compile(r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

# Each act and who may do it through a link.
ACTIONS: dict[str, tuple[Role, ...]] = {
    "kennismaking": (Role.MENTEE, Role.MENTOR),
    "plan": (Role.MENTEE,),
    "sign": (Role.MENTEE, Role.MENTOR),
    "propose": (Role.MENTEE,),
    "confirm": (Role.MENTEE,),
    "topics": (Role.MENTEE,),
    "meeting": (Role.MENTEE, Role.MENTOR),
    "evaluation": (Role.MENTEE, Role.MENTOR),
    "withdraw": (Role.MENTEE, Role.MENTOR),
}


# The HTTP status of each refusal: a link that is not ours, or one whose time or occasion has passed.
LINK_STATUS = {
    "invalid": 403, "not_yours": 403, "unknown": 404,
    "expired": 410, "used": 410, "closed": 410, "ended": 410, "superseded": 410,
    "replaced": 410, "coupled": 410,  # programme B: a newer request; a mentor was coupled already
}


class LinkError(Exception):
    """A link that may not be used; ``reason`` names why (see ``templates/portal/link_error.html.j2``)."""

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
    digest: str  # the key of its use: ``claim_key``
    extra: dict[str, Any] = field(default_factory=dict)
    token_digest: str = ""  # how uses were keyed before: a link used then stays used


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def claim_key(salt: str, payload: dict[str, Any]) -> str:
    """The key of a link's use: its programme and its whole signed claim in one canonical spelling."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{salt}\n{canonical}".encode()).hexdigest()


def is_canonical(token: str) -> bool:
    """Whether the token is spelled exactly as itsdangerous writes it: one spelling per signed claim."""
    if len(token) > MAX_TOKEN or not TOKEN_SHAPE.fullmatch(token):
        return False
    try:
        return all(base64_encode(base64_decode(part)).decode() == part for part in token.lstrip(".").split("."))
    except BadData:
        return False


def is_used(engine: Engine, claim: LinkClaim) -> bool:
    """Whether the act of this link was written already."""
    keys = [k for k in (claim.digest, claim.token_digest) if k]
    with engine.connect() as conn:
        row = conn.execute(select(used_links.c.digest).where(used_links.c.digest.in_(keys))).first()
    return row is not None


class Links:
    """Makes and checks personal links. ``engine`` (optional) lets ``verify`` refuse used links."""

    def __init__(
        self, secret: Any, base_url: str, clock: Clock, valid_days: int, engine: Engine | None = None,
        *, actions: dict | None = None, roles: Any = Role, salt: str = SALT, path: str = "a",
        occasion: Callable[..., str | None] = occasions.refusal,
    ) -> None:
        """``actions``, ``roles``, ``salt``, ``path`` and ``occasion`` (the rule of when a link's
        occasion is open) let another programme keep links of its own."""
        raw = secret.get_secret_value() if hasattr(secret, "get_secret_value") else str(secret)
        if not raw:
            raise ValueError("a link secret is needed")
        self._serializer = URLSafeSerializer(raw, salt=salt)
        self.salt = salt
        self.actions = ACTIONS if actions is None else actions
        self.roles = roles
        self.path = path
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.valid_days = valid_days
        self.engine = engine
        self.occasion = occasion

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
        """Check the spelling, the signature and the shape only (no expiry, no use)."""
        if not is_canonical(token):
            raise LinkError("invalid")
        try:
            payload = self._serializer.loads(token)
        except BadData as exc:
            raise LinkError("invalid") from exc
        if not isinstance(payload, dict):
            raise LinkError("invalid")
        try:
            claim = LinkClaim(
                person_id=int(payload["p"]),
                role=self.roles(payload["r"]),
                trajectory_id=int(payload["t"]),
                action=str(payload["a"]),
                ref=str(payload["ref"]),
                expires_at=datetime.fromisoformat(payload["exp"]),
                digest=claim_key(self.salt, payload),
                extra=dict(payload.get("x") or {}),
                token_digest=token_digest(token),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LinkError("invalid") from exc
        actions = self.actions
        if claim.action not in actions or claim.role not in actions[claim.action] or claim.expires_at.tzinfo is None:
            raise LinkError("invalid")
        return claim

    def admit(self, subject: Any, claim: LinkClaim) -> None:
        """Refuse (``LinkError``) a link whose holder or occasion no longer fits the trajectory ``subject``."""
        reason = self.occasion(subject, claim.role, claim.person_id, claim.action, claim.ref, claim.extra)
        if reason is not None:
            raise LinkError(reason)

    def guard(self, claim: LinkClaim, act: Callable[[Any], str]) -> Callable[[Any], str]:
        """The act, admitted again on the trajectory as read inside the act's own transaction."""

        def guarded(subject: Any) -> str:
            self.admit(subject, claim)
            return act(subject)

        return guarded

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
