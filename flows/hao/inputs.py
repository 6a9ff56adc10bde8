"""The COMO chair's input form on a waiting progress run (shown in the Prefect UI)."""

from __future__ import annotations

from pydantic import Field

from flows.inputs import Wake


class MentorCoupling(Wake):
    """Koppel een hao-mentor aan deze startende opleider (voorzitter COMO). Zie de mentorenlijst in de mail."""

    mentor_id: int | None = Field(None, description="Id van de hao-mentor (zie de lijst in de mail aan de voorzitter)")
