"""The portal's ASGI factory for uvicorn: services are built in the serving process, once (the
portal's engine lives as long as the process)."""

from __future__ import annotations

from fastapi import FastAPI


def make_app() -> FastAPI:
    from portal import hao
    from portal.app import create_app
    from wiring.bootstrap import build

    svc = build()
    return hao.mount(create_app(svc), svc)
