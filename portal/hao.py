"""The hao-mentor programme's pages: personal links at ``/h/<token>`` and the mentor directory.

Same rules as the mentee links: the act and the use of the link are written in one
transaction, and only then is the trajectory's run woken (or, for a consultation
request, started). The wake-up's note names the act, never its content.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import IntegrityError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from adapters.hao_store import new_pseudonym
from adapters.links import LINK_STATUS, LinkClaim, LinkError
from adapters.repository import Conflict, NotFound
from administration.forms import free_text, openapi_form, text
from domain.errors import DomainError
from domain.hao.people import HaoRole, directory
from domain.hao.trajectory import FORMS, TASK_AREAS, Consultation, HaoTrajectory, Kind
from portal import hao_acts

if TYPE_CHECKING:
    from wiring.hao_services import HaoServices

log = logging.getLogger(__name__)


def renderer(services: Any) -> Callable[..., HTMLResponse]:
    """The portal's page renderer (same environment, same base page)."""
    from portal.app import _environment

    env = _environment()
    settings = services.settings

    def render(template: str, lang: str, /, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = "en" if lang == "en" else "nl"
        page = env.get_template(template).render(
            lang=lang, tr=lambda nl, en: en if lang == "en" else nl,
            facilitator_name=settings.facilitator_name, facilitator_address=settings.facilitator_address, **ctx,
        )
        return HTMLResponse(page, status_code=status)

    return render


def mount(app: FastAPI, services: Any) -> FastAPI:
    """Add the hao routes to the portal (``mentorschap.web`` does, for the served portal)."""
    render = renderer(services)

    def hao() -> HaoServices:
        return services.hao

    @app.get("/hao/mentoren", response_class=HTMLResponse)
    def mentor_directory(lang: str = "nl") -> HTMLResponse:
        return render("hao_directory.html.j2", lang, mentors=directory(hao().repo.people(HaoRole.MENTOR)))

    def _language(token: str) -> str:
        try:
            return hao().repo.person(hao().links.read(token).person_id).language
        except (LinkError, NotFound):
            return "nl"

    def _refused(token: str, reason: str) -> HTMLResponse:
        return render("link_error.html.j2", _language(token), status=LINK_STATUS.get(reason, 400), reason=reason)

    def _load(token: str) -> tuple[LinkClaim, HaoTrajectory | None]:
        claim = hao().links.verify(token, services.engine)
        if claim.action == "hao_request":
            return claim, None
        try:
            t, _ = hao().repo.trajectory(claim.trajectory_id)
        except NotFound:
            raise LinkError("unknown") from None
        hao().links.admit(t, claim)
        return claim, t

    def _page(claim: LinkClaim, t: HaoTrajectory | None, status: int = 200, values: dict | None = None,
              errors: dict[str, str] | None = None) -> HTMLResponse:
        person = hao().repo.person(claim.person_id)
        errors = errors or {}
        general = [r for f, r in errors.items() if f not in hao_acts.FORM_FIELDS[claim.action]]
        return render(
            "hao_act.html.j2", person.language, status=status, claim=claim, person=person, values=values or {},
            errors=errors, general=general, forms=FORMS, areas=TASK_AREAS,
            mentors=directory(hao().repo.people(HaoRole.MENTOR)), now=services.clock.now(),
            trainer=hao().repo.person(t.trainer_id) if t else None, **hao_acts.view(t, claim),
        )

    @app.get("/h/{token}", response_class=HTMLResponse)
    def act_form(token: str) -> HTMLResponse:
        try:
            claim, t = _load(token)
            return _page(claim, t)
        except LinkError as exc:
            return _refused(token, exc.reason)

    @app.post("/h/{token}", response_class=HTMLResponse, openapi_extra=openapi_form(*hao_acts.POSTED))
    async def act_submit(token: str, request: Request) -> HTMLResponse:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        return await run_in_threadpool(_act, token, form)

    def _request(claim: LinkClaim, form: dict[str, str]) -> HTMLResponse:
        """A trainer asks a mentor from the directory for a consultation: a new trajectory and its run."""
        now = services.clock.now()
        mentors = {p.id for p in directory(hao().repo.people(HaoRole.MENTOR))}
        try:
            mentor_id = int(text(form, "mentor_id") or 0)
            if mentor_id not in mentors:
                raise DomainError("mentor_id", "kies een mentor uit de lijst")
            c = Consultation.request(claim.person_id, mentor_id, text(form, "form"), free_text(form, "question", 2000),
                                     new_pseudonym(Kind.CONSULTATION), now)
            t = hao().repo.add_trajectory(c, now, also=hao().links.consume_statement(claim, now))
        except ValueError as exc:  # DomainError is one
            errors = {exc.field: exc.reason} if isinstance(exc, DomainError) else {"mentor_id": "kies een mentor"}
            return _page(claim, None, status=422, values=form, errors=errors)
        except IntegrityError:
            return _refused("", "used")
        page = render("hao_done.html.j2", hao().repo.person(claim.person_id).language, outcome="requested", t=t)
        page.background = BackgroundTask(_start, t)
        return page

    def _start(t: Consultation) -> None:
        """After the page went out (the request is stored): the hao sweep starts a run that could not."""
        try:
            hao().start(t)
        except Exception:
            log.warning("a consultation's run could not start; the hao sweep starts it", exc_info=True)

    def _act(token: str, form: dict[str, str]) -> HTMLResponse:
        try:
            claim, t = _load(token)
        except LinkError as exc:
            return _refused(token, exc.reason)
        if claim.action == "hao_request":
            return _request(claim, form)
        now = services.clock.now()
        try:
            act = hao().links.guard(claim, hao_acts.build(claim, form, now))
            outcome = hao().repo.change(claim.trajectory_id, act, now,
                                        also=hao().links.consume_statement(claim, now))
        except LinkError as exc:
            return _refused(token, exc.reason)
        except DomainError as exc:
            return _again(token, form, exc)
        except IntegrityError:
            return _refused(token, "used")
        except Conflict:
            return render("busy.html.j2", _language(token), status=409)  # try again: not a server fault
        t, _ = hao().repo.trajectory(claim.trajectory_id)
        page = render("hao_done.html.j2", _language(token), outcome=outcome, t=t)
        page.background = BackgroundTask(_wake, claim)
        return page

    def _again(token: str, form: dict[str, str], exc: DomainError) -> HTMLResponse:
        """The form once more, with the refusal at its field; or the link's refusal if its occasion closed."""
        try:
            claim, fresh = _load(token)
            return _page(claim, fresh, status=422, values=form, errors={exc.field: exc.reason})
        except LinkError as refused:
            return _refused(token, refused.reason)
        except DomainError:
            return _refused(token, "closed")

    def _wake(claim: LinkClaim) -> None:
        """After the page went out (the act is stored): a slow Prefect API keeps no trainer waiting."""
        try:
            hao().wake(claim.trajectory_id, "participant", note=f"{claim.action} {claim.ref}")
        except Exception:
            log.warning("hao trajectory: wake-up failed; the hao sweep will wake it", exc_info=True)

    return app
