"""Turning plain JSON into commands, with refusals that name the field and the rule."""

from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain.errors import DomainError


class InvalidCommand(DomainError):
    """A payload that does not fit its command's shape."""


@cache
def _adapter(kind: type) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def problems(error: ValidationError) -> list[tuple[str, str]]:
    return [(".".join(map(str, e["loc"])) or "(whole value)", e["msg"]) for e in error.errors()]


def parse(kind: type, raw: Any) -> Any:
    """`raw` (JSON-shaped, or already a `kind`) as a `kind`, or InvalidCommand."""
    if isinstance(raw, kind):
        return raw
    try:
        return _adapter(kind).validate_python(raw)
    except ValidationError as error:
        found = problems(error)
        field = found[0][0]
        rule = "; ".join(msg if loc == field else f"{loc}: {msg}" for loc, msg in found)
        raise InvalidCommand(field, rule) from None
