"""The participant portal: apply, and act through personal links (phone first, no JavaScript).

Every act is written to the database first, together with marking its link used, in
one transaction; only then is the trajectory's run woken. A lost wake-up changes
nothing: the timer sweep wakes any run whose wait is already satisfied.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.links import LINK_STATUS, LinkClaim, LinkError
from adapters.repository import Conflict, NotFound
from administration import enrolment, membership
from administration.forms import APPLY_FIELDS, LIST_FIELDS, application_values, openapi_form, parse_application
from domain.clock import AMSTERDAM, local_date
from domain.errors import DomainError
from domain.people import Application, Role, mentor_ineligibility
from domain.trajectory import Trajectory
from portal import acts, security

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "portal"
HEALTH_SECONDS = 3.0  # per part of /healthz: a monitor's request must not hang on a dead database
STYLESHEET = (TEMPLATES_DIR / "portal.css").read_text(encoding="utf-8")



async def _within(check: Callable[[], bool], seconds: float) -> bool:
    """Whether ``check`` (blocking) says yes within ``seconds``; an error or no answer is a no."""
    try:
        return await asyncio.wait_for(run_in_threadpool(check), seconds)
    except Exception:  # a health check reports the failure, it does not raise it
        log.debug("health check failed", exc_info=True)
        return False


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined)
    env.filters["day"] = lambda d: d.strftime("%d-%m-%Y") if d else ""
    env.filters["local"] = lambda t: t.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M") if t else ""
    return env


def create_app(services: Any) -> FastAPI:
    """The portal on the given services (repo, clock, links, runs, settings, cohort)."""
    app = FastAPI(title="Mentorschap portal", docs_url=None, redoc_url=None, openapi_url=None)
    env = _environment()
    settings = services.settings

    def render(template: str, lang: str, /, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = "en" if lang == "en" else "nl"
        page = env.get_template(template).render(
            lang=lang,
            tr=lambda nl, en: en if lang == "en" else nl,
            facilitator_name=settings.facilitator_name,
            facilitator_address=settings.facilitator_address,
            **ctx,
        )
        return HTMLResponse(page, status_code=status)

    def _error(reason: str, status: int) -> HTMLResponse:
        return render("error.html.j2", "nl", status=status, reason=reason)

    security.install(app, settings.portal_url, _error)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        reason = {404: "not_found", 405: "not_found", 413: "too_large"}.get(exc.status_code, "bad_request")
        return _error(reason, exc.status_code if exc.status_code < 500 else 400)

    @app.exception_handler(RequestValidationError)
    async def _unreadable(request: Request, exc: RequestValidationError) -> HTMLResponse:
        return _error("bad_request", 400)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> HTMLResponse:
        """The last resort: a plain apology, never a stack trace (the log has it)."""
        log.error("portal: %s /%s... failed", request.method, request.url.path.split("/")[1], exc_info=exc)  # no token
        return security.harden(_error("server_error", 500), settings.portal_url)

    @app.get("/portal.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    # --- small pages -----------------------------------------------------------

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """For an operator's monitor: our database and Prefect's API, each within a few seconds.

        503 names the part that failed ({"status": "error", "failed": ["prefect"]}), nothing else:
        no traceback, no address, nothing of a person.
        """
        from adapters.prefect_api import api_answers

        def database() -> bool:
            with services.repo.engine.connect() as conn:
                conn.execute(sql("SELECT 1"))
            return True

        checks = {"database": database, "prefect": lambda: api_answers(HEALTH_SECONDS)}
        answers = await asyncio.gather(*(_within(check, HEALTH_SECONDS) for check in checks.values()))
        failed = [part for part, ok in zip(checks, answers, strict=True) if not ok]
        if failed:
            log.warning("health check: %s not answering", ", ".join(failed))
            return JSONResponse({"status": "error", "failed": failed}, status_code=503)
        return JSONResponse({"status": "ok"})

    # The same check for HEAD, as `curl -I` and many monitors ask (outside the schema: one operation id).
    app.add_api_route("/healthz", healthz, methods=["HEAD"], include_in_schema=False)

    @app.get("/", response_class=HTMLResponse)
    def home(lang: str = "nl") -> HTMLResponse:
        return render("choose.html.j2", lang)

    @app.get("/privacy", response_class=HTMLResponse)
    def privacy(lang: str = "nl") -> HTMLResponse:
        return render("privacy.html.j2", lang)

    # --- applying ----------------------------------------------------------------

    @app.get("/apply", response_class=HTMLResponse)
    def apply_form(role: str = "", lang: str = "nl") -> HTMLResponse:
        if role not in (Role.MENTEE.value, Role.MENTOR.value):
            return render("choose.html.j2", lang, status=400 if role else 200)
        values = application_values({"language": lang})
        return render("apply.html.j2", lang, role=role, values=values, errors={}, **_cohort_view(Role(role)))

    @app.post("/apply", response_class=HTMLResponse,
              openapi_extra=openapi_form(*APPLY_FIELDS, "consent", *LIST_FIELDS))
    async def apply_submit(request: Request, role: str = "") -> HTMLResponse:
        if role not in (Role.MENTEE.value, Role.MENTOR.value):
            return render("choose.html.j2", "nl", status=400)
        values = application_values(await request.form())
        return await run_in_threadpool(_apply, Role(role), values)

    def _cohort_view(role: Role, cohort: str | None = None) -> dict[str, Any]:
        """What the form shows of the cohort (the one whose window is open): window, topics, day-parts,
        the mentors to choose from."""
        return enrolment.form_view(services, cohort or enrolment.offered_cohort(services), role,
                                   services.clock.now())

    def _apply(role: Role, values: dict[str, Any]) -> HTMLResponse:
        lang = values["language"]
        application, errors = parse_application(role, values)
        now = services.clock.now()
        cohort = enrolment.offered_cohort(services)
        errors.update(enrolment.cohort_errors(services, cohort, role, application, now))
        if application is None or errors:
            return render("apply.html.j2", lang, status=422, role=role.value, values=values, errors=errors,
                          **_cohort_view(role, cohort))
        if not membership.is_member(services, cohort, application.email):
            return _hold(role, application, values, now, cohort)
        reasons = (
            mentor_ineligibility(application.years_experience, application.stopped_on, local_date(now))
            if role is Role.MENTOR else []
        )
        try:
            person_id = services.repo.add_person(cohort, application, now, ineligible=reasons or None)
        except DomainError as exc:
            return render(
                "apply.html.j2", lang, status=422, role=role.value, values=values, errors={exc.field: exc.reason},
                **_cohort_view(role, cohort),
            )
        enrolment.after_portal_application(services, cohort, person_id, application, reasons, now)
        if reasons:
            return render("applied.html.j2", lang, role=role.value, name=application.name, reasons=reasons)
        start = None
        if role is Role.MENTEE:
            t = services.repo.add_trajectory(Trajectory.apply(cohort, person_id, now), now)
            start = BackgroundTask(_start_run, t.id, person_id, cohort)
        page = render("applied.html.j2", lang, role=role.value, name=application.name, reasons=[])
        page.background = start
        return page

    def _hold(role: Role, application: Application, values: dict[str, Any], now: datetime,
              cohort: str) -> HTMLResponse:
        """Not on the kring's members' list: the application waits; the page says whom to contact."""
        try:
            membership.hold(services, cohort, application, now)
        except DomainError as exc:
            return render("apply.html.j2", values["language"], status=422, role=role.value, values=values,
                          errors={exc.field: exc.reason}, **_cohort_view(role, cohort))
        return render("applied.html.j2", values["language"], role=role.value, name=application.name, reasons=[],
                      waiting=application.email.lower())

    def _start_run(trajectory_id: int, person_id: int, cohort: str) -> None:
        """After the page went out: the application is stored, so a Prefect API that is slow or down
        keeps no one waiting; the sweep (or the CLI) starts a run that could not start."""
        try:
            services.runs.start(
                trajectory_id, name=f"mentee {person_id}",
                tags=["mentee", f"cohort:{cohort}", f"trajectory:{trajectory_id}"],
            )
        except Exception:
            log.exception("trajectory %s: could not start its run", trajectory_id)

    # --- acting through a personal link -----------------------------------------

    def _language(person_id: int | None) -> str:
        if person_id is None:
            return "nl"
        try:
            return services.repo.person(person_id).language.value
        except NotFound:
            return "nl"

    def _refused(token: str, reason: str) -> HTMLResponse:
        try:
            person_id: int | None = services.links.read(token).person_id
        except LinkError:
            person_id = None
        return render("link_error.html.j2", _language(person_id), status=LINK_STATUS.get(reason, 400), reason=reason)

    def _load(token: str) -> tuple[LinkClaim, Trajectory]:
        claim = services.links.verify(token, services.repo.engine)
        try:
            t, _version = services.repo.trajectory(claim.trajectory_id)
        except NotFound:
            raise LinkError("unknown") from None
        services.links.admit(t, claim)
        return claim, t

    def _page(
        claim: LinkClaim, t: Trajectory, now: datetime, status: int = 200,
        values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    ) -> HTMLResponse:
        person = services.repo.person(claim.person_id)
        errors = errors or {}
        general = [reason for field, reason in errors.items() if field not in acts.FORM_FIELDS[claim.action]]
        return render(
            f"act_{claim.action}.html.j2", person.language.value, status=status,
            claim=claim, person=person, role=claim.role.value, now=now, revise_url=_revise_url(claim, t),
            values=values or {}, errors=errors, general=general, **acts.view(services.repo, t, claim, now),
        )

    def _revise_url(claim: LinkClaim, t: Trajectory) -> str | None:
        """The mentee may revise her plan until both have signed: a link to its next version."""
        ref = acts.revise_ref(t, claim)
        return services.links.make(claim.person_id, "mentee", t.require_id(), "plan", ref) if ref else None

    @app.get("/a/{token}", response_class=HTMLResponse)
    def act_form(token: str) -> HTMLResponse:
        try:
            claim, t = _load(token)
            return _page(claim, t, services.clock.now())
        except LinkError as exc:
            return _refused(token, exc.reason)
        except DomainError:
            return _refused(token, "closed")

    @app.post("/a/{token}", response_class=HTMLResponse, openapi_extra=openapi_form(*acts.POSTED))
    async def act_submit(token: str, request: Request) -> HTMLResponse:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        return await run_in_threadpool(_act, token, form)

    def _act(token: str, form: dict[str, str]) -> HTMLResponse:
        try:
            claim, t = _load(token)
        except LinkError as exc:
            return _refused(token, exc.reason)
        now = services.clock.now()
        try:
            act = services.links.guard(claim, acts.build(claim, form, now))
            outcome = services.repo.change(
                claim.trajectory_id, act, now, also=services.links.consume_statement(claim, now)
            )
        except LinkError as exc:
            return _refused(token, exc.reason)
        except DomainError as exc:
            return _again(token, claim, now, form, exc)
        except IntegrityError:
            return _refused(token, "used")  # a second use raced the first and lost
        except Conflict:
            return render("busy.html.j2", _language(claim.person_id), status=409)  # try again: not a server fault
        t, _ = services.repo.trajectory(claim.trajectory_id)
        page = render(
            "done.html.j2", _language(claim.person_id), outcome=outcome, claim=claim, t=t,
            role=claim.role.value, match=t.match, revise_url=_revise_url(claim, t),
        )
        page.background = BackgroundTask(_wake, claim)
        return page

    def _again(token: str, claim: LinkClaim, now: datetime, form: dict[str, str], exc: DomainError) -> HTMLResponse:
        """The form once more, with the refusal at its field; or the link's refusal if its occasion closed."""
        try:
            fresh = _load(token)[1]
            return _page(claim, fresh, now, status=422, values=form, errors={exc.field: exc.reason})
        except LinkError as refused:
            return _refused(token, refused.reason)
        except DomainError:
            return _refused(token, "closed")

    def _wake(claim: LinkClaim) -> None:
        """After the page went out (the act is stored): a slow Prefect API keeps no participant waiting."""
        try:
            services.runs.wake(claim.trajectory_id, "participant", note=f"{claim.action} {claim.ref}")
        except Exception:
            log.warning("trajectory %s: wake-up failed; the sweep will wake it", claim.trajectory_id, exc_info=True)

    return app
