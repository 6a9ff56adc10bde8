"""The mentor list (``/hao/mentoren``) and its request form: a consultation at any time, low-threshold.

The form answers the same page whatever address was typed, and does the lookup, the
bound and the mail after that page went out (``BackgroundTask``), so neither its words
nor its timing tell whether the address is a trainer's. The link goes only to the
address on file; the trainer confirms there (``hao_confirm`` in ``portal.hao``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from administration.forms import free_text, openapi_form, text
from domain.errors import DomainError
from domain.hao.people import NOT_AN_ADDRESS, HaoPerson, HaoRole, directory, is_address
from domain.hao.requests import ConsultationRequest
from domain.hao.trajectory import QUESTION_LIMIT
from tasks.hao_messages import HaoMessage
from tasks.mail import post

log = logging.getLogger(__name__)


def request_message(r: ConsultationRequest) -> HaoMessage:
    """The confirmation mail: the chosen mentor by id, never the question (anyone may have typed it)."""
    return HaoMessage(occasion=f"request-{r.id}-confirm", template="hao_request_confirm", to=HaoRole.TRAINER,
                      person_id=r.trainer_id, link="hao_confirm", link_ref=f"request-{r.id}",
                      link_extra={"request": r.id}, extra={"request_mentor_id": r.mentor_id})


def mount_directory(app: FastAPI, services: Any, render: Callable[..., HTMLResponse]) -> None:
    def mentors() -> list[HaoPerson]:
        return directory(services.hao.repo.people(HaoRole.MENTOR))

    def page(lang: str, status: int = 200, values: dict | None = None, errors: dict | None = None) -> HTMLResponse:
        return render("hao_directory.html.j2", lang, status=status, mentors=mentors(), values=values or {},
                      errors=errors or {}, limit=QUESTION_LIMIT)

    @app.get("/hao/mentoren", response_class=HTMLResponse)
    def mentor_directory(lang: str = "nl", mentor: str = "") -> HTMLResponse:
        return page(lang, values={"mentor_id": mentor})

    @app.post("/hao/mentoren", response_class=HTMLResponse, openapi_extra=openapi_form("email", "mentor_id",
                                                                                        "question"))
    async def ask(request: Request, lang: str = "nl") -> HTMLResponse:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        return await run_in_threadpool(_ask, lang, form)

    def _ask(lang: str, form: dict[str, str]) -> HTMLResponse:
        try:
            address = text(form, "email").lower()
            if not is_address(address):
                raise DomainError("email", NOT_AN_ADDRESS)
            raw = text(form, "mentor_id")
            if not raw.isdigit() or int(raw) not in {m.id for m in mentors()}:
                raise DomainError("mentor_id", "kies een mentor uit de lijst")
            question = free_text(form, "question", QUESTION_LIMIT)
        except DomainError as exc:
            return page(lang, status=422, values=form, errors={exc.field: exc.reason})
        sent = render("hao_requested.html.j2", lang)
        sent.background = BackgroundTask(_request, address, int(raw), question)
        return sent

    def _request(address: str, mentor_id: int, question: str) -> None:
        """After the page went out: mail the trainer on file, within the bound; nothing for anyone else."""
        trainer = next((p for p in services.hao.repo.people(HaoRole.TRAINER) if p.email == address), None)
        if trainer is None:
            return
        now = services.clock.now()
        r = services.hao.requests.add_if_allowed(ConsultationRequest(
            trainer_id=trainer.require_id(), mentor_id=mentor_id, question=question, requested_at=now))
        if r is None:
            return  # mailed recently: the earlier link still works
        try:
            post(services, request_message(r), now)
        except Exception as exc:  # stored in the outbox: the timer sweep delivers it
            log.warning("hao request %s: confirmation not delivered yet (%s)", r.id, type(exc).__name__)
