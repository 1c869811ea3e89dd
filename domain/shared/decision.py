"""A decision in progress: the events decided so far, each applied to the state as it
is emitted, so that whatever the decision makes next (a task's id, an action's
number) is read from the state as it stands, never counted on by hand.

    d = Decision(state, evolve)
    d.emit(e.InteractionRecorded(...))
    d.emit(new_task(d.state, ...))  # numbered after every task emitted before it
    return d.events

One helper for every aggregate: it knows only its `evolve`."""

from collections.abc import Callable
from typing import Generic, TypeVar

S = TypeVar("S")
E = TypeVar("E")


class Decision(Generic[S, E]):
    def __init__(self, state: S, evolve: Callable[[S, E], S]) -> None:
        self._state = state
        self._evolve = evolve
        self._events: list[E] = []

    def emit(self, *events: E) -> S:
        """Decided: each event is applied at once; the state after the last."""
        for event in events:
            self._state = self._evolve(self._state, event)
            self._events.append(event)
        return self._state

    @property
    def state(self) -> S:
        """The state with every event emitted so far applied."""
        return self._state

    @property
    def events(self) -> list[E]:
        """The events emitted, in order (a new list each time)."""
        return list(self._events)
