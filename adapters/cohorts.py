"""The cohort's records: its plan and run, the members' list, training attendance and costs.

An application from an address not on an imported members' list waits in ``pending_applications``
until the facilitator adds the address as a member (then it is stored as any other application).

Registered by importing this module (``adapters.tables`` does). Money is kept in
whole cents. ``add_applications`` writes a whole imported file in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)

from adapters.db import inserted_id, metadata
from adapters.repository import insert_document
from adapters.tables import people, trajectories
from domain.cohort import TRAINING_POINTS, Attendance, CohortPlan
from domain.errors import DomainError
from domain.people import Application, Role
from domain.trajectory import Trajectory

cohorts = Table(
    "cohorts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("programme", String(32), nullable=False),
    Column("plan", JSON, nullable=False),
    Column("stage", String(32), nullable=False, default="open"),
    Column("proposal", JSON, nullable=True),
    Column("version", Integer, nullable=False, default=1),  # raised by every act on the cohort
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cohort", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("language", String(2), nullable=False, default="nl"),
    UniqueConstraint("cohort", "email", name="uq_members_cohort_email"),
)

pending_applications = Table(
    "pending_applications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cohort", String(64), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("application", JSON, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("cohort", "email", name="uq_pending_cohort_email"),
)

participation = Table(
    "participation",
    metadata,
    Column("person_id", Integer, ForeignKey("people.id"), primary_key=True),
    Column("cohort", String(64), nullable=False, index=True),
    Column("attended", Boolean, nullable=True),  # None: not recorded yet
    Column("training_date", Date, nullable=True),
    Column("points", Integer, nullable=False, default=0),
    Column("travel_cents", Integer, nullable=True),
    Column("contribution_cents", Integer, nullable=False, default=0),
    Column("paid_cents", Integer, nullable=False, default=0),
    Column("paid_at", DateTime(timezone=True), nullable=True),
)


def cents(amount: Decimal | str | float) -> int:
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1)))


@dataclass(frozen=True)
class Applied:
    """One stored application: the person, and the trajectory of an eligible mentee."""

    person_id: int
    role: Role
    email: str
    eligible: bool
    reasons: list[str]
    trajectory_id: int | None


@dataclass(frozen=True)
class Unpaid:
    person_id: int
    name: str
    email: str
    due_cents: int
    paid_cents: int


class CohortStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- the plan and the cohort's run -------------------------------------

    def open(self, plan: CohortPlan, now: datetime) -> CohortPlan:
        """Register the cohort (once); a replayed kickoff keeps the plan it registered first."""
        with self.engine.begin() as conn:
            row = conn.execute(select(cohorts.c.plan).where(cohorts.c.id == plan.id)).first()
            if row is not None:
                return CohortPlan.model_validate(row.plan)
            conn.execute(insert(cohorts).values(
                id=plan.id, programme=plan.programme, plan=plan.model_dump(mode="json"), stage="open",
                updated_at=now,
            ))
        return plan

    def ids(self, programme: str | None = None) -> list[str]:
        """The opened cohorts (every one whose kickoff ran), in order."""
        query = select(cohorts.c.id).order_by(cohorts.c.id)
        if programme:
            query = query.where(cohorts.c.programme == programme)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def plan(self, cohort: str) -> CohortPlan | None:
        with self.engine.connect() as conn:
            data = conn.execute(select(cohorts.c.plan).where(cohorts.c.id == cohort)).scalar()
        return CohortPlan.model_validate(data) if data else None

    def stage(self, cohort: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(cohorts.c.stage).where(cohorts.c.id == cohort)).scalar()

    def set_stage(self, cohort: str, stage: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(cohorts).where(cohorts.c.id == cohort)
                         .values(stage=stage, updated_at=now, version=cohorts.c.version + 1))

    def set_proposal(self, cohort: str, proposal: dict | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(cohorts).where(cohorts.c.id == cohort).values(proposal=proposal))

    def proposal(self, cohort: str) -> dict | None:
        with self.engine.connect() as conn:
            return conn.execute(select(cohorts.c.proposal).where(cohorts.c.id == cohort)).scalar()

    def version(self, cohort: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(cohorts.c.version).where(cohorts.c.id == cohort)).scalar_one())

    # --- members ------------------------------------------------------------

    def add_members(self, cohort: str, rows: list[dict[str, str]]) -> int:
        """Add the association's members (name, email, language); known addresses are skipped."""
        added = 0
        with self.engine.begin() as conn:
            known = set(conn.execute(select(members.c.email).where(members.c.cohort == cohort)).scalars())
            for row in rows:
                email = row["email"].strip().lower()
                if email in known:
                    continue
                known.add(email)
                conn.execute(insert(members).values(
                    cohort=cohort, name=row["name"].strip(), email=email, language=row.get("language") or "nl",
                ))
                added += 1
        return added

    def is_member(self, cohort: str, email: str) -> bool:
        """Whether ``email`` may apply: on the cohort's members' list, or no list was imported (everyone may)."""
        with self.engine.connect() as conn:
            listed = select(members.c.id).where(members.c.cohort == cohort)
            if conn.execute(listed.where(members.c.email == email.strip().lower()).limit(1)).first() is not None:
                return True
            return conn.execute(listed.limit(1)).first() is None

    def hold(self, cohort: str, application: Application, now: datetime) -> None:
        """Keep a non-member's application until the address is added as a member."""
        email = application.email.lower()
        with self.engine.begin() as conn:
            known = conn.execute(select(people.c.id).where(people.c.cohort == cohort, people.c.email == email)).first()
            waiting = conn.execute(select(pending_applications.c.id).where(
                pending_applications.c.cohort == cohort, pending_applications.c.email == email)).first()
            if known is not None or waiting is not None:
                raise DomainError("email", f"er is al een aanmelding met {email} voor dit cohort")
            _hold(conn, cohort, application, now)

    def pending(self, cohort: str) -> list[dict]:
        """Applications waiting for their address to be added as a member, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(pending_applications).where(pending_applications.c.cohort == cohort)
                                .order_by(pending_applications.c.id)).mappings()
            return [dict(r) for r in rows]

    def members(self, cohort: str) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(members).where(members.c.cohort == cohort).order_by(members.c.id)).mappings()
            return [dict(r) for r in rows]

    # --- applications ---------------------------------------------------------

    def emails(self, cohort: str) -> set[str]:
        """Every address that applied to the cohort, the waiting ones included."""
        with self.engine.connect() as conn:
            return (set(conn.execute(select(people.c.email).where(people.c.cohort == cohort)).scalars())
                    | set(conn.execute(select(pending_applications.c.email)
                                       .where(pending_applications.c.cohort == cohort)).scalars()))

    def mentors_by_email(self, cohort: str) -> dict[str, int]:
        """Eligible mentors of the cohort, by e-mail address."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(people.c.email, people.c.id).where(
                people.c.cohort == cohort, people.c.role == Role.MENTOR.value, people.c.eligible.is_(True),
            )).all()
        return {r.email: r.id for r in rows}

    def add_applications(
        self,
        cohort: str,
        applications: list[tuple[Application, list[str], list[str], list[str]]],
        now: datetime,
        contribution_cents: int = 0,
        held: set[str] | None = None,
    ) -> list[Applied]:
        """Store every application in ONE transaction (all or nothing).

        Each item: (application, reasons it is ineligible, preferred mentors' e-mails,
        conflicting mentors' e-mails); mentors are written first, so a mentee may name
        a mentor from the same file. A known e-mail address refuses the whole file.
        Addresses in ``held`` (not members) wait in ``pending_applications`` instead; an
        application that waited there leaves it as it is stored.
        """
        ordered = sorted(applications, key=lambda item: item[0].role is not Role.MENTOR)
        stored: list[Applied] = []
        with self.engine.begin() as conn:
            known = set(conn.execute(select(people.c.email).where(people.c.cohort == cohort)).scalars())
            mentor_ids = dict(conn.execute(select(people.c.email, people.c.id).where(
                people.c.cohort == cohort, people.c.role == Role.MENTOR.value, people.c.eligible.is_(True),
            )).all())
            for application, reasons, preferred, conflicting in ordered:
                email = application.email.lower()
                if email in known:
                    raise DomainError("email", f"er is al een aanmelding met {email} voor dit cohort")
                known.add(email)
                if application.role is Role.MENTEE and (preferred or conflicting):
                    application = application.model_copy(update={
                        "preferred_mentor_ids": [mentor_ids[e] for e in preferred],
                        "conflict_mentor_ids": [mentor_ids[e] for e in conflicting],
                    })
                if email in (held or set()):
                    _hold(conn, cohort, application, now)
                    continue
                conn.execute(delete(pending_applications).where(
                    pending_applications.c.cohort == cohort, pending_applications.c.email == email))
                person_id = inserted_id(conn.execute(insert(people).values(
                    cohort=cohort, role=application.role.value, name=application.name, email=email,
                    language=application.language.value, eligible=not reasons, ineligible_reason="; ".join(reasons),
                    years_experience=application.years_experience,
                    application=application.model_dump(mode="json"), applied_at=now,
                )))
                if application.role is Role.MENTOR and not reasons:
                    mentor_ids[email] = person_id
                trajectory_id = None
                if application.role is Role.MENTEE:
                    trajectory_id = _insert_trajectory(conn, cohort, person_id, now)
                    conn.execute(insert(participation).values(
                        person_id=person_id, cohort=cohort, contribution_cents=contribution_cents,
                    ))
                stored.append(Applied(person_id, application.role, email, not reasons, reasons, trajectory_id))
        return stored

    def ineligible(self, cohort: str) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(people.c.id, people.c.name, people.c.email, people.c.ineligible_reason).where(
                people.c.cohort == cohort, people.c.eligible.is_(False),
            ).order_by(people.c.id)).mappings()
            return [dict(r) for r in rows]

    # --- training and costs -----------------------------------------------------

    def record_attendance(self, plan: CohortPlan, person_ids: list[int], attended: bool, now: datetime) -> int:
        """Record that these mentors did (or did not) attend the training; points follow attendance.
        Refused before the training has begun, and for an id that is not an eligible mentor of the cohort."""
        refusal = plan.attendance_refusal(now)
        if refusal:
            raise DomainError("attendance", refusal)
        cohort, day = plan.id, plan.training_date
        with self.engine.begin() as conn:
            valid = set(conn.execute(select(people.c.id).where(
                people.c.cohort == cohort, people.c.role == Role.MENTOR.value, people.c.eligible.is_(True),
                people.c.id.in_(person_ids),
            )).scalars())
            unknown = sorted(set(person_ids) - valid)
            if unknown:
                raise DomainError("person_id", f"geen geschikte mentor van {cohort}: {', '.join(map(str, unknown))}")
            conn.execute(update(cohorts).where(cohorts.c.id == cohort).values(version=cohorts.c.version + 1))
            for person_id in person_ids:
                values = {"attended": attended, "training_date": day if attended else None,
                          "points": TRAINING_POINTS if attended else 0}
                _upsert(conn, person_id, cohort, values)
        return len(person_ids)

    def attended_ids(self, cohort: str) -> set[int]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(participation.c.person_id).where(
                participation.c.cohort == cohort, participation.c.attended.is_(True),
            )).scalars())

    def attendance_recorded(self, cohort: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(participation.c.person_id).where(
                participation.c.cohort == cohort, participation.c.attended.is_not(None),
            ).limit(1)).first() is not None

    def attendance(self, cohort: str) -> list[Attendance]:
        """The attendance export: every mentor who attended, with name, BIG number, date and points."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(people.c.id, people.c.name, people.c.application, participation.c.training_date,
                       participation.c.points)
                .join(participation, participation.c.person_id == people.c.id)
                .where(participation.c.cohort == cohort, participation.c.attended.is_(True))
                .order_by(people.c.name)
            ).all()
        return [Attendance(person_id=r.id, name=r.name, big_number=r.application.get("big_number"),
                           date=r.training_date, points=r.points) for r in rows]

    def set_travel_costs(self, cohort: str, person_id: int, amount_cents: int) -> None:
        with self.engine.begin() as conn:
            role = conn.execute(select(people.c.role).where(people.c.id == person_id)).scalar()
            if role != Role.MENTOR.value:
                raise DomainError("person_id", f"{person_id} is geen mentor van {cohort}")
            _upsert(conn, person_id, cohort, {"travel_cents": amount_cents})

    def travel_costs(self, cohort: str) -> list[tuple[int, str, int]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(people.c.id, people.c.name, participation.c.travel_cents)
                .join(participation, participation.c.person_id == people.c.id)
                .where(participation.c.cohort == cohort, participation.c.travel_cents.is_not(None))
                .order_by(people.c.id)
            ).all()
        return [(r.id, r.name, r.travel_cents) for r in rows]

    def record_payment(self, cohort: str, person_id: int, amount_cents: int | None, now: datetime) -> int:
        """Record a mentee's payment (default: the whole contribution due); returns what is still due."""
        with self.engine.begin() as conn:
            row = conn.execute(select(participation).where(
                participation.c.person_id == person_id, participation.c.cohort == cohort,
            )).mappings().first()
            if row is None or row["contribution_cents"] == 0:
                raise DomainError("person_id", f"{person_id} heeft geen bijdrage te betalen in {cohort}")
            paid = row["paid_cents"] + (amount_cents if amount_cents is not None
                                        else row["contribution_cents"] - row["paid_cents"])
            conn.execute(update(participation).where(participation.c.person_id == person_id)
                         .values(paid_cents=paid, paid_at=now))
            return max(0, row["contribution_cents"] - paid)

    def unpaid(self, cohort: str) -> list[Unpaid]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(people.c.id, people.c.name, people.c.email, participation.c.contribution_cents,
                       participation.c.paid_cents)
                .join(participation, participation.c.person_id == people.c.id)
                .where(participation.c.cohort == cohort,
                       participation.c.paid_cents < participation.c.contribution_cents)
                .order_by(people.c.id)
            ).all()
        return [Unpaid(r.id, r.name, r.email, r.contribution_cents, r.paid_cents) for r in rows]

    def applicants(self, cohort: str) -> list[dict]:
        """Every application of the cohort with its training and money columns (None where none recorded)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(people.c.role, people.c.eligible, people.c.ineligible_reason, participation.c.attended,
                       participation.c.points, participation.c.travel_cents, participation.c.contribution_cents,
                       participation.c.paid_cents)
                .select_from(people.outerjoin(participation, participation.c.person_id == people.c.id))
                .where(people.c.cohort == cohort)
                .order_by(people.c.id)
            ).mappings()
            return [dict(r) for r in rows]

    def add_contribution(self, cohort: str, person_id: int, amount_cents: int) -> None:
        """The contribution due from a mentee who applied through the portal."""
        with self.engine.begin() as conn:
            _upsert(conn, person_id, cohort, {"contribution_cents": amount_cents})


def _hold(conn: Connection, cohort: str, application: Application, now: datetime) -> None:
    conn.execute(insert(pending_applications).values(
        cohort=cohort, role=application.role.value, name=application.name, email=application.email.lower(),
        application=application.model_dump(mode="json"), applied_at=now,
    ))


def _upsert(conn: Connection, person_id: int, cohort: str, values: dict) -> None:
    exists = conn.execute(select(participation.c.person_id).where(participation.c.person_id == person_id)).first()
    if exists:
        conn.execute(update(participation).where(participation.c.person_id == person_id).values(**values))
    else:
        conn.execute(insert(participation).values(person_id=person_id, cohort=cohort, **values))


def _insert_trajectory(conn: Connection, cohort: str, mentee_id: int, now: datetime) -> int:
    t = Trajectory.apply(cohort, mentee_id, now)
    stored = insert_document(conn, trajectories, t, now, programme=t.programme, cohort=cohort, mentee_id=mentee_id)
    return stored.require_id()
