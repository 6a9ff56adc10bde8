"""The portal's ASGI factory for uvicorn: services are built in the serving process."""

from __future__ import annotations

from fastapi import FastAPI


def make_app() -> FastAPI:
    from portal import hao
    from portal.app import create_app
    from wiring.bootstrap import services

    return hao.mount(create_app(services()), services())
