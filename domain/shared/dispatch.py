"""How each aggregate's decide finds the rule for a command."""

from collections.abc import Mapping
from typing import TypeVar

from domain.errors import DomainError

H = TypeVar("H")


def handler_for(handlers: Mapping[type, H], command: object) -> H:
    """The handler of this command's type; a command no handler takes is refused."""
    handler = handlers.get(type(command))
    if handler is None:
        raise DomainError("command", f"unknown command {type(command).__name__}")
    return handler
