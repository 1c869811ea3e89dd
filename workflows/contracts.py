"""Payload types of the workflows that are not domain commands."""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

from pydantic.dataclasses import dataclass as validated

from activities.forms import FormRequest
from activities.records import EventRecord
from domain.arrangements.lifecycle import ArrangementPolicy, ArrangementState
from domain.case.commands import OpenCase
from domain.case.model import STRICT, CaseState, JournalEntry
from domain.ipr import activity as act
from domain.ipr import commands as c
from domain.ipr.model import IprPolicy, IprState
from domain.ipr.model import JournalEntry as IprJournalEntry
from domain.migration.model import MigrationState
from domain.policy import CasePolicy
from domain.shared.children import ChildNames
from domain.upcast import Raw, upcaster
from workflows.ids import case_children, ipr_children


@dataclass(frozen=True)
class CommandResult:
    version: int
    events: list[str]


@dataclass(frozen=True)
class AppliedUpdate:
    """A command a workflow applied, by its update id, with what it answered: carried
    across continue-as-new so a retried command is answered, not applied again."""

    update_id: str
    result: CommandResult


@validated(frozen=True, config=STRICT)
class CaseInput(OpenCase):
    """UCCase's one argument: the opening details a back office sends with the
    operator's policy (read by the client, so the case opens in `@workflow.init`),
    plus, on continue-as-new only, the state carried from the previous run, its
    latest journal entries and any events that run applied but had not yet projected."""

    # None from older clients: the case then loads it itself (a local activity).
    policy: CasePolicy | None = None
    carried: CaseState | None = None
    # The latest journal entries (domain/case/decide.py `journal_carried`): the
    # journal is the workflow's projection of the events, not the case's state.
    journal: tuple[JournalEntry, ...] = ()
    unprojected: tuple[EventRecord, ...] = ()
    migration_started: bool = False
    arrangements_started: tuple[str, ...] = ()
    # Each child's notice secret (domain/notices.py), by child workflow id; children
    # started before secrets existed have none.
    arrangement_secrets: dict[str, str] = field(default_factory=dict)
    migration_secret: str | None = None
    applied_updates: tuple[AppliedUpdate, ...] = ()
    # The shape's version of this input and all it carries (domain/upcast.py): bump
    # it, with an upcaster, when a field is renamed or reshaped. 2: the carried
    # state names its children (`children`, was `id_scope`). 3: the journal is the
    # input's (`journal`, was `carried.journal`).
    schema_version: int = 3
    # The projector's carried state (workflows/projector.py): events the read model
    # refused for their values, and the rounds failed in an outage still going on.
    set_aside: tuple[EventRecord, ...] = ()
    projection_failures: int = 0


@dataclass(frozen=True)
class CaseOutcome:
    tenancy_ref: str
    status: str
    outcome: str | None
    journal_entries: int
    # Events the read model refused to the end (their sequence numbers).
    set_aside: list[int] = field(default_factory=list)


@validated(frozen=True, config=STRICT)
class MigrationInput:
    """ManagedMigration's one argument, built by the UC case from its notice."""

    tenancy_ref: str
    case_workflow_id: str
    notice_issued: date
    deadline_day: date
    reissued: bool
    tax_credits: bool
    reminder_days_after_notice: int
    reminder_days_before_deadline: tuple[int, ...]
    year_shift: int = 0
    recorded_on: date | None = None
    carried: MigrationState | None = None
    # Sent back in every progress notice, so the case knows it is from its child.
    notice_secret: str | None = None
    applied_updates: tuple[AppliedUpdate, ...] = ()
    # The shape's version of this input and all it carries (domain/upcast.py): bump
    # it, with an upcaster, when a field is renamed or reshaped.
    schema_version: int = 1


@dataclass(frozen=True)
class MigrationOutcome:
    tenancy_ref: str
    status: str
    protection: str
    reason: str | None


@validated(frozen=True, config=STRICT)
class ArrangementInput:
    """PaymentArrangement's one argument, built by the UC case from its request."""

    case_workflow_id: str
    arrangement_id: str
    kind: str
    requested_on: date
    form: FormRequest
    policy: ArrangementPolicy = ArrangementPolicy()
    # Forms kept with the request but not sent (the APA1 pack beside a UC47).
    supporting: tuple[FormRequest, ...] = ()
    case_key: str | None = None
    carried: ArrangementState | None = None
    # Sent back in every progress notice, so the case knows it is from its child.
    notice_secret: str | None = None
    applied_updates: tuple[AppliedUpdate, ...] = ()
    # The shape's version of this input and all it carries (domain/upcast.py): bump
    # it, with an upcaster, when a field is renamed or reshaped.
    schema_version: int = 1


# The IPR inputs live here, not in their workflow modules: the sandbox re-imports a
# workflow module on every run, and a class made anew each time would add a schema
# to the parsing cache every run.
@validated(frozen=True)
class IprInput(c.Referral):
    """IPR's one argument: the referral, optional targets, and on continue-as-new
    only the state carried from the previous run and its journal."""

    policy: IprPolicy | None = None
    carried: IprState | None = None
    # Every journal entry so far: the workflow's projection of the events, not the
    # review's state.
    journal: tuple[IprJournalEntry, ...] = ()
    activities_started: tuple[str, ...] = ()
    # Each child's notice secret (domain/notices.py), by activity id; activities
    # started before secrets existed have none.
    activity_secrets: dict[str, str] = field(default_factory=dict)
    applied_updates: tuple[AppliedUpdate, ...] = ()
    # Rounds failed in a read-model outage still going on (workflows/projector.py).
    projection_failures: int = 0
    # The shape's version of this input and all it carries (domain/upcast.py): bump
    # it, with an upcaster, when a field is renamed or reshaped. 2: the carried
    # state names its children (`children`, was `id_scope`). 3: the journal is the
    # input's (`journal`, was `carried.journal`). 4: the carried state keeps the
    # case's primary service lines apart from the lines its investigation reached.
    schema_version: int = 4


def _children_named(raw: Raw, subject: str, names: Callable[[str, str | None], ChildNames]) -> Raw:
    """A carried state from before states named their children: its `id_scope` (None
    before ids were per case) becomes the names its children had (workflows/ids.py)."""
    carried = raw.get("carried")
    if not isinstance(carried, dict) or "children" in carried:
        return raw
    scope, ref = carried.get("id_scope"), carried.get(subject)
    if not isinstance(ref, str) or not (scope is None or isinstance(scope, str)):
        return raw  # not a state: refused as it is
    shaped = {k: v for k, v in carried.items() if k != "id_scope"}
    return {**raw, "carried": {**shaped, "children": asdict(names(ref, scope))}}


@upcaster(CaseInput, 1)
def _case_children_named(raw: Raw) -> Raw:
    return _children_named(raw, "tenancy_ref", case_children)


@upcaster(IprInput, 1)
def _ipr_children_named(raw: Raw) -> Raw:
    return _children_named(raw, "reference", ipr_children)


def _journal_moved(raw: Raw) -> Raw:
    """A carried state from when the journal was part of the state: its entries
    become the input's `journal`, so a running case or review keeps them."""
    carried = raw.get("carried")
    if not isinstance(carried, dict) or "journal" not in carried:
        return raw
    shaped = {k: v for k, v in carried.items() if k != "journal"}
    return {**raw, "carried": shaped, "journal": carried["journal"]}


@upcaster(CaseInput, 2)
def _case_journal_moved(raw: Raw) -> Raw:
    return _journal_moved(raw)


@upcaster(IprInput, 2)
def _ipr_journal_moved(raw: Raw) -> Raw:
    return _journal_moved(raw)


@upcaster(IprInput, 3)
def _ipr_primary_lines_apart(raw: Raw) -> Raw:
    """A carried state from when every line reached joined the case's service lines:
    its primary lines are the referral's (screening could not amend them then), the
    rest are lines reached (docs/rules.md#ipr-publication)."""
    carried, referred = raw.get("carried"), raw.get("service_lines")
    if not isinstance(carried, dict) or "lines_reached" in carried:
        return raw
    merged = carried.get("service_lines")
    if not isinstance(merged, list) or not isinstance(referred, list):
        return raw  # not a state: refused as it is
    primary = list(dict.fromkeys(referred))
    reached = [x for x in merged if x not in primary]
    return {**raw, "carried": {**carried, "service_lines": primary, "lines_reached": reached}}


@validated(frozen=True)
class ActivityInput:
    ipr_workflow_id: str
    activity_id: str
    service_line: str
    description: str
    due_on: date
    agreed_on: date
    reminder_days: int = 7
    repeat_days: int = 7
    carried: act.ActivityState | None = None
    # Sent back in every progress notice, so the IPR knows it is from its child.
    notice_secret: str | None = None
    applied_updates: tuple[AppliedUpdate, ...] = ()
    # The shape's version of this input and all it carries (domain/upcast.py): bump
    # it, with an upcaster, when a field is renamed or reshaped.
    schema_version: int = 1
