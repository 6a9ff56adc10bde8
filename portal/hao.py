"""The hao-mentor programme's pages: personal links at ``/h/<token>`` and the mentor directory.

Same rules as the mentee links: the act and the use of the link are written in one
transaction, and only then is the trajectory's run woken (or, for a consultation
request, started). The wake-up's note names the act, never its content. A request
from the mentor list (``portal.hao_directory``) becomes a consultation only when the
trainer confirms it here (``hao_confirm``); the COMO chair couples here (``hao_couple``).
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
from domain.hao.people import HaoRole, Place, directory, places
from domain.hao.requests import ConsultationRequest, request_refusal
from domain.hao.trajectory import FORMS, QUESTION_LIMIT, TASK_AREAS, Consultation, HaoTrajectory, Kind
from portal import hao_acts
from portal.hao_directory import mount_directory
from tasks.hao_messages import PROGRAMME

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
        # Help comes from the programme's own office, not programme A's facilitator (and not the
        # institute: a page of a consultation must not send the trainer there).
        page = env.get_template(template).render(
            lang=lang, tr=lambda nl, en: en if lang == "en" else nl, contact_nl="het programma",
            contact_en="the programme", facilitator_name=PROGRAMME[lang], facilitator_address=settings.sender_address,
            **ctx,
        )
        return HTMLResponse(page, status_code=status)

    return render


def mount(app: FastAPI, services: Any) -> FastAPI:
    """Add the hao routes to the portal (``mentorschap.web`` does, for the served portal)."""
    render = renderer(services)

    def hao() -> HaoServices:
        return services.hao

    mount_directory(app, services, render)

    def _language(token: str) -> str:
        try:
            return hao().repo.person(hao().links.read(token).person_id).language
        except (LinkError, NotFound):
            return "nl"

    def _refused(token: str, reason: str) -> HTMLResponse:
        return render("link_error.html.j2", _language(token), status=LINK_STATUS.get(reason, 400), reason=reason)

    def _request_of(claim: LinkClaim) -> ConsultationRequest:
        """The list's request a confirmation link was made for, while it is the trainer's open one."""
        r = hao().requests.get(int(claim.extra.get("request") or 0))
        if r is None:
            raise LinkError("unknown")
        if reason := request_refusal(r, claim.person_id, hao().requests.newest_id(r.trainer_id), services.clock.now()):
            raise LinkError(reason)
        return r

    def _load(token: str) -> tuple[LinkClaim, HaoTrajectory | None]:
        claim = hao().links.verify(token, services.engine)
        if claim.action == "hao_confirm":
            _request_of(claim)
        if claim.action in ("hao_request", "hao_confirm"):
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
        if values is None and claim.action == "hao_confirm":
            r = _request_of(claim)
            values = {"mentor_id": str(r.mentor_id), "question": r.question, "form": "phone"}
        return render(
            "hao_act.html.j2", person.language, status=status, claim=claim, person=person, values=values or {},
            errors=errors, general=general, forms=FORMS, areas=TASK_AREAS,
            mentors=directory(hao().repo.people(HaoRole.MENTOR)), now=services.clock.now(),
            places=_places() if claim.action == "hao_couple" else [],
            trainer=hao().repo.person(t.trainer_id) if t else None,
            mentor=hao().repo.person(t.mentor_id) if t and t.mentor_id else None, **hao_acts.view(t, claim),
        )

    def _places() -> list[Place]:
        return places(hao().repo.people(HaoRole.MENTOR), hao().repo.progress_couplings())

    def _choosable(claim: LinkClaim) -> frozenset[int]:
        """The mentors an answer may propose (not oneself) or the chair may couple (with a free place)."""
        if claim.action == "hao_couple":
            return frozenset(p.mentor.require_id() for p in _places() if p.free)
        return frozenset(p.require_id() for p in directory(hao().repo.people(HaoRole.MENTOR))
                         if p.id != claim.person_id)

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
        """A trainer asks (or confirms a request from the list): a new consultation and its run."""
        now = services.clock.now()
        mentors = {p.id for p in directory(hao().repo.people(HaoRole.MENTOR))}
        consume = hao().links.consume_statement(claim, now)
        also = consume
        if claim.action == "hao_confirm":
            confirm = hao().requests.confirm_statement(_request_of(claim).require_id(), now)

            def also(conn: Any) -> None:
                consume(conn)
                confirm(conn)
        try:
            mentor_id = int(text(form, "mentor_id") or 0)
            if mentor_id not in mentors:
                raise DomainError("mentor_id", "kies een mentor uit de lijst")
            c = Consultation.request(claim.person_id, mentor_id, text(form, "form"),
                                     free_text(form, "question", QUESTION_LIMIT), new_pseudonym(Kind.CONSULTATION),
                                     now)
            t = hao().repo.add_trajectory(c, now, also=also)
        except ValueError as exc:  # DomainError is one
            errors = {exc.field: exc.reason} if isinstance(exc, DomainError) else {"mentor_id": "kies een mentor"}
            return _page(claim, None, status=422, values=form, errors=errors)
        except (IntegrityError, LookupError):
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
        if claim.action in ("hao_request", "hao_confirm"):
            try:
                return _request(claim, form)
            except LinkError as exc:
                return _refused(token, exc.reason)
        now = services.clock.now()
        try:
            act = hao().links.guard(claim, hao_acts.build(claim, form, now, _choosable(claim)))
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
