"""The fixed list of topics for matching (programme A).

A mentee picks topics as learning goals (leerdoelen), a mentor the topics they can help
with. The ids are stable: they are stored with profiles and must never be renamed or
reused; the Dutch labels may be reworded.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict


class Topic(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    hint: str = ""


TOPICS: tuple[Topic, ...] = (
    Topic(id="praktijkvoering", label="praktijkvoering en ondernemerschap",
          hint="financiën, contracten, zorgverzekeraars, bedrijfsvoering"),
    Topic(id="samenwerking_praktijk", label="samenwerking in de praktijk",
          hint="met collega-huisartsen, POH, assistentes, maatschap"),
    Topic(id="leidinggeven", label="leidinggeven aan het praktijkteam",
          hint="personeel, taakdelegatie, werkoverleg"),
    Topic(id="werk_prive", label="werk-privébalans",
          hint="werkdruk, energie, voorkomen van uitval"),
    Topic(id="grenzen_stellen", label="grenzen stellen",
          hint="nee zeggen, tijd bewaken, verwachtingen van patiënten en collega's"),
    Topic(id="lastige_patienten", label="omgaan met lastige patiënten",
          hint="agressie, hoge eisen, ontevredenheid, conflicten in de spreekkamer"),
    Topic(id="medisch_inhoudelijk", label="medisch-inhoudelijke verdieping",
          hint="complexe casuïstiek, kaderopleidingen, richtlijnen in de praktijk"),
    Topic(id="loopbaan", label="loopbaan en keuzes",
          hint="waarnemen, associëren, praktijkovername, vestigen"),
    Topic(id="feedback_reflectie", label="feedback en reflectie",
          hint="eigen handelen onderzoeken, feedback geven en ontvangen"),
    Topic(id="anw_diensten", label="ANW- en avonddiensten",
          hint="huisartsenpost, triage, diensten combineren met de praktijk"),
    Topic(id="fouten_klachten", label="omgaan met fouten en klachten",
          hint="incidenten, tuchtrecht, klachtenprocedure, second victim"),
    Topic(id="regionaal_netwerk", label="regionale samenwerking en netwerk",
          hint="kring, zorggroep, ziekenhuis, wijkteam, gemeente"),
    Topic(id="ouderenzorg_chronisch", label="ouderenzorg en chronische zorg",
          hint="kwetsbare ouderen, ketenzorg, palliatieve zorg"),
    Topic(id="digitalisering", label="digitalisering en e-health",
          hint="HIS, e-consult, thuismonitoring, efficiënt werken"),
    Topic(id="opleiden", label="opleiden en begeleiden",
          hint="aios, coassistenten, huisartsopleider worden"),
)

TOPICS_BY_ID: dict[str, Topic] = {topic.id: topic for topic in TOPICS}
TOPIC_IDS: tuple[str, ...] = tuple(TOPICS_BY_ID)


def topic_label(topic_id: str) -> str:
    """The Dutch label of a topic id; an unknown id raises KeyError."""
    return TOPICS_BY_ID[topic_id].label


def check_topics(topic_ids: Iterable[str]) -> list[str]:
    """Known topic ids in first-seen order without duplicates; an unknown id raises ValueError."""
    seen: list[str] = []
    for topic_id in topic_ids:
        if topic_id not in TOPICS_BY_ID:
            raise ValueError(f"onbekend onderwerp: {topic_id!r}")
        if topic_id not in seen:
            seen.append(topic_id)
    return seen
