"""The COMO chair's input form on a waiting progress run (shown in the Prefect UI)."""

from __future__ import annotations

from pydantic import Field

from flows.inputs import Hidden, Wake


class _Coupling(Hidden):
    mentor_id: int | None = Field(
        None, title="Hao-mentor (id)", description="Id van de hao-mentor (zie de lijst in de mail aan de voorzitter)"
    )


class MentorCoupling(Wake, _Coupling):
    """Koppel een hao-mentor aan deze startende opleider (voorzitter COMO). Zie de mentorenlijst in de mail."""
    # The bases' fields come from the last to the first: the choice first on the form, as on MentorChoice.
