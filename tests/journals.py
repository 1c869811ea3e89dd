"""The journal beside a state, for domain tests. The journal is not part of a case's
or a review's state: the workflow writes an entry as it applies each event
(domain/case/journal.py, domain/ipr/journal.py). These stand-ins for the domain's
`initial_state` and `evolve` do the same, keeping beside each state they make the
entries of the events applied to reach it; `journal(state)` gives them back."""

import weakref
from datetime import datetime
from typing import Any, TypeVar

from domain.case import evolve as case
from domain.case import journal as case_journal
from domain.case.events import CaseOpened, Event
from domain.case.model import CaseState
from domain.ipr import commands as c
from domain.ipr import evolve as ipr
from domain.ipr import journal as ipr_journal
from domain.ipr.events import IprEvent
from domain.ipr.model import IprPolicy, IprState
from domain.policy import CasePolicy
from domain.shared.children import ChildNames

S = TypeVar("S", CaseState, IprState)

# By the id of a live state: a weak reference to it (an id is reused only once its
# state is gone) and its journal (None: evolved from a state made otherwise, such as
# by `replace`). An entry goes when its state does.
_KEPT: dict[int, tuple[weakref.ref[Any], tuple[Any, ...] | None]] = {}


def _keep(state: S, entries: tuple[Any, ...] | None) -> S:
    key = id(state)
    if key not in _KEPT:
        weakref.finalize(state, _KEPT.pop, key, None)
    _KEPT[key] = (weakref.ref(state), entries)
    return state


def journal(state: CaseState | IprState) -> tuple[Any, ...]:
    """The journal the workflow would serve beside `state`, made by the functions
    below (the entries' sequence numbers are the versions their events made)."""
    entries = _known(state)
    if entries is None:
        raise AssertionError("a state made without tests/journals.py: it has no journal here")
    return entries


def _known(state: object) -> tuple[Any, ...] | None:
    kept = _KEPT.get(id(state))
    return kept[1] if kept is not None and kept[0]() is state else None


def _then(state: object, entry: Any) -> tuple[Any, ...] | None:
    before = _known(state)
    return None if before is None else (*before, entry)


def case_initial_state(opened: CaseOpened, policy: CasePolicy, children: ChildNames) -> CaseState:
    state = case.initial_state(opened, policy, children)
    return _keep(state, (case_journal.entry(opened, state.version),))


def case_evolve(state: CaseState, event: Event) -> CaseState:
    after = case.evolve(state, event)
    return _keep(after, _then(state, case_journal.entry(event, after.version)))


def ipr_initial_state(
    referral: c.Referral, now: datetime, policy: IprPolicy, children: ChildNames
) -> IprState:
    state = ipr.initial_state(referral, now, policy, children)
    return _keep(state, (ipr_journal.referred(referral, now),))


def ipr_evolve(state: IprState, event: IprEvent) -> IprState:
    after = ipr.evolve(state, event)
    return _keep(after, _then(state, ipr_journal.entry(event, after.version)))
