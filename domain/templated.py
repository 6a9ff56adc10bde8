"""A value whose text is a template filled in with its fields, and read back by the same template.

The occasions of both programmes (``domain.occasion_keys``, ``domain.hao.occasion_keys``) are such
values: one template per step builds the text and reads it, so the two can never disagree.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from enum import Enum
from functools import cache
from typing import Any, ClassVar, Self, cast

NUMBER = r"0|[1-9][0-9]{0,5}"  # no leading zero: one text per value


@cache
def names(template: str) -> frozenset[str]:
    """The fields a template names."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


@cache
def pattern(template: str, patterns: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """The regular expression that reads ``template`` back; a field is a number unless ``patterns`` says."""
    own = dict(patterns)
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name:
            parts.append(f"(?P<{name}>{own.get(name, NUMBER)})")
    return re.compile("".join(parts))


class Templated:
    """Mixed into a frozen dataclass with a ``step`` (an Enum whose value is the template after
    ``PREFIX``): exactly the fields its template names are set; ``key`` is the text."""

    step: Any
    PREFIX: ClassVar[str] = ""
    STEPS: ClassVar[type[Enum]]
    READ: ClassVar[Mapping[str, tuple[str, Callable[[str], Any]]]] = {}  # a field that is no number: pattern, type

    @classmethod
    def template(cls, step: Enum) -> str:
        return cls.PREFIX + step.value

    def __post_init__(self) -> None:
        template = self.template(self.step)
        given = {name for name, value in vars(self).items() if name != "step" and value is not None}
        if given != names(template):
            raise ValueError(f"{self.step.name} takes {sorted(names(template))}, not {sorted(given)}")
        if any(isinstance(v, int) and v < 0 for v in (getattr(self, n) for n in given)):
            raise ValueError("an occasion's numbers are not negative")

    @property
    def key(self) -> str:
        """The text: an outbox key's part, a link's ref."""
        template = self.template(self.step)
        return template.format(**{name: str(getattr(self, name)) for name in names(template)})

    def __str__(self) -> str:
        return self.key

    @classmethod
    def parse(cls, text: str) -> Self | None:
        """The value ``text`` names (a link's ref, a stored key), or ``None`` when it names none."""
        patterns = tuple((name, p) for name, (p, _) in cls.READ.items())
        for step in cls.STEPS:
            found = pattern(cls.template(step), patterns).fullmatch(text)
            if found is not None:
                make = cast(Callable[..., Self], cls)  # the dataclass's own constructor
                return make(step=step, **{n: cls.READ.get(n, ("", int))[1](v) for n, v in found.groupdict().items()})
        return None

    @classmethod
    def read(cls, text: str) -> Self:
        """The value of a key we stored ourselves; a text that names none is an error."""
        found = cls.parse(text)
        if found is None:
            raise ValueError(f"no occasion: {text!r}")
        return found
