"""Rendering e-mails from templates: pure, no sending.

Every message is three files under ``templates/email/<language>/``:
``<message>.subject.txt`` (one line), ``<message>.txt.j2`` and ``<message>.html.j2``
(the latter extends ``_base.html.j2``). HTML is autoescaped, text is not, and a
missing context key fails loudly (``StrictUndefined``) instead of mailing a blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateNotFound, pass_context
from jinja2.runtime import Context

from domain.clock import AMSTERDAM

DEFAULT_LANGUAGE = "nl"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "email"

_WEEKDAYS = {
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
_MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}
_AT = {"nl": "om", "en": "at"}
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _local(value: date | datetime | str) -> date | datetime:
    """Aware datetimes are shown in Amsterdam time; plain dates stay as they are.

    ISO strings are accepted too: a context that went through JSON (a Prefect task
    parameter) arrives with its dates as text.
    """
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"refusing to render a naive datetime: {value!r}")
        return value.astimezone(AMSTERDAM)
    return value


def format_date(value: date | datetime | str, language: str = DEFAULT_LANGUAGE) -> str:
    """``dinsdag 9 maart 2021`` / ``Tuesday 9 March 2021``."""
    lang = language if language in _WEEKDAYS else DEFAULT_LANGUAGE
    d = _local(value)
    return f"{_WEEKDAYS[lang][d.weekday()]} {d.day} {_MONTHS[lang][d.month - 1]} {d.year}"


def format_time(value: datetime | str) -> str:
    """``14:00`` in Amsterdam time."""
    return f"{_local(value):%H:%M}"


def format_datetime(value: datetime | str, language: str = DEFAULT_LANGUAGE) -> str:
    """``dinsdag 9 maart 2021 om 14:00`` / ``Tuesday 9 March 2021 at 14:00``."""
    lang = language if language in _AT else DEFAULT_LANGUAGE
    return f"{format_date(value, lang)} {_AT[lang]} {format_time(value)}"


@pass_context
def _date_filter(ctx: Context, value: date | datetime | None) -> str:
    return "" if value is None else format_date(value, ctx.get("language", DEFAULT_LANGUAGE))


@pass_context
def _datetime_filter(ctx: Context, value: datetime | None) -> str:
    return "" if value is None else format_datetime(value, ctx.get("language", DEFAULT_LANGUAGE))


def _time_filter(value: datetime | None) -> str:
    return "" if value is None else format_time(value)


_ROLE_LABELS = {
    "nl": {"mentor": "mentor", "mentee": "mentee", "facilitator": "procesfacilitator"},
    "en": {"mentor": "mentor", "mentee": "mentee", "facilitator": "process facilitator"},
}


@pass_context
def _role_filter(ctx: Context, value: object) -> str:
    labels = _ROLE_LABELS.get(ctx.get("language", DEFAULT_LANGUAGE), _ROLE_LABELS[DEFAULT_LANGUAGE])
    return labels.get(str(value), str(value))


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith((".html", ".html.j2"))


class Renderer:
    """Renders one catalogue message in one language; holds a single Jinja environment."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.templates_dir = Path(templates_dir)
        self.env = Environment(
            loader=FileSystemLoader(str(self.templates_dir)),
            undefined=StrictUndefined,
            autoescape=_autoescape,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["date"] = _date_filter
        self.env.filters["datetime"] = _datetime_filter
        self.env.filters["time"] = _time_filter
        self.env.filters["role"] = _role_filter

    def languages(self) -> list[str]:
        return sorted(p.name for p in self.templates_dir.iterdir() if p.is_dir() and not p.name.startswith("_"))

    def messages(self, language: str = DEFAULT_LANGUAGE) -> list[str]:
        """The catalogue: every message that has a subject in ``language``."""
        folder = self.templates_dir / language
        return sorted(p.name.removesuffix(".subject.txt") for p in folder.glob("*.subject.txt"))

    def render(self, message: str, language: str, context: dict[str, Any]) -> Rendered:
        lang = language if (self.templates_dir / language).is_dir() else DEFAULT_LANGUAGE
        ctx = {**context, "language": lang, "message": message}
        subject = self._template(message, lang, "subject.txt").render(ctx)
        return Rendered(
            subject=" ".join(subject.split()),
            text=_BLANK_LINES.sub("\n\n", self._template(message, lang, "txt.j2").render(ctx)).strip() + "\n",
            html=self._template(message, lang, "html.j2").render(ctx).strip() + "\n",
        )

    def _template(self, message: str, language: str, suffix: str) -> Template:
        try:
            return self.env.get_template(f"{language}/{message}.{suffix}")
        except TemplateNotFound:
            if language == DEFAULT_LANGUAGE:
                raise
            return self.env.get_template(f"{DEFAULT_LANGUAGE}/{message}.{suffix}")


def messages(templates_dir: Path = TEMPLATES_DIR) -> list[str]:
    """The catalogue of messages (names as the flows use them)."""
    return Renderer(templates_dir).messages()
