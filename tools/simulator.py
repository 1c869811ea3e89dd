"""Run a managed-migration scenario on the time-skipping test server against the
real workflows and activities, and report what happened (`starter.py simulate`).

The test server's clock starts at today and only moves forward, so a scenario is
played on a calendar shifted forward by whole 28-year cycles (which keep every
weekday and leap year the same) and every date is shifted back in the report;
rates are looked up at the real date. See README, "Scenarios".
"""

import datetime as dt
import json
import re
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import to_jsonable_python
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from activities.db import make_engine, migrate
from bench.billing import count_actions
from domain.bounds import LATEST_DATE, RECORDS_START, SCENARIO_YEARS
from domain.case.commands import COMMANDS
from domain.case.parsing import InvalidCommand, parse
from domain.case.view import CaseView
from domain.dates import UK, add_months, business_date
from domain.migration.commands import MIGRATION_COMMANDS
from domain.migration.model import MigrationState
from tools.devserver import binary, register_search_attributes
from worker import build_worker
from workflows.contracts import CaseInput
from workflows.uc_case import case_workflow_id

CYCLE = 28  # years after which the Gregorian calendar repeats (1901-2099)
_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})")
# A date as the case writes it (domain.dates.uk_date: "Wed 17 Sep 2025"); the shift is
# whole 28-year cycles, so the weekday stays right when only the year moves.
_UK_DATE = re.compile(
    r"\b((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) )(\d{4})\b"
)


def _move_years(text: str, year: Callable[[int], int]) -> str:
    """`text` with the year of each ISO or UK date in it replaced by `year(it)`."""
    text = _DATE.sub(lambda m: f"{year(int(m.group(1))):04d}-{m.group(2)}-{m.group(3)}", text)
    return _UK_DATE.sub(lambda m: f"{m.group(1)}{year(int(m.group(2))):04d}", text)


class ScenarioError(ValueError):
    """A scenario that does not fit the schema: file, path of the field, rule."""


class ScenarioEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: dt.date
    at: time = time(9, 0)
    to: Literal["case", "migration"] = "case"
    update: str
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_command(self) -> "ScenarioEvent":
        known = COMMANDS if self.to == "case" else MIGRATION_COMMANDS
        if self.update not in known:
            raise ValueError(
                f"update {self.update!r} is not a {self.to} command; known: {', '.join(known)}"
            )
        return self


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    start: dt.date | None = None
    case: dict[str, Any]
    events: list[ScenarioEvent]
    until: dt.date

    @field_validator("start", "until")
    @classmethod
    def _plausible(cls, day: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if day is not None and not RECORDS_START <= day <= LATEST_DATE:
            raise ValueError(f"must be between {RECORDS_START} and {LATEST_DATE}")
        events = info.data.get("events") or []
        first = info.data.get("start") or (events[0].date if events else None)
        if info.field_name == "until" and day is not None and first is not None:
            # An absurd horizon would have the test server fire timers for decades.
            horizon = add_months(first, 12 * SCENARIO_YEARS)
            if day > horizon:
                raise ValueError(
                    f"must be at most {SCENARIO_YEARS} years after the scenario's first day "
                    f"({first}): on or before {horizon}"
                )
        return day

    @field_validator("events")
    @classmethod
    def _in_date_order(cls, events: list[ScenarioEvent]) -> list[ScenarioEvent]:
        days = [e.date for e in events]
        if days != sorted(days):
            late = next(i for i in range(1, len(days)) if days[i] < days[i - 1])
            raise ValueError(f"must be in date order: event {late} is before event {late - 1}")
        return events

    @model_validator(mode="after")
    def _in_range(self) -> "Scenario":
        days = [e.date for e in self.events]
        if days and self.until < days[-1]:
            raise ValueError("until must be on or after the last event")
        if self.start and days and self.start > days[0]:
            raise ValueError("start must be on or before the first event")
        return self

    @property
    def first_day(self) -> dt.date:
        return self.start or (self.events[0].date if self.events else self.until)


class _Loader(yaml.SafeLoader):
    """Safe YAML, but an impossible date (2026-02-30) stays a string, so the schema
    refuses it naming its field and line instead of the parser raising."""


def _lenient_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)


def _lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """The line each value of a composed YAML (or JSON) document starts on, by path."""
    found = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found |= _lines(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            found |= _lines(value, (*path, i))
    return found


def _refusal(
    path: Path, lines: dict[tuple[Any, ...], int], where: tuple[Any, ...], rule: str
) -> str:
    """`file: field: rule (line N)`, N the line of the deepest part of the field's path
    the file has a line for."""
    field = ".".join(map(str, where)) or "(whole scenario)"
    known = [where[:end] for end in range(len(where), -1, -1) if where[:end] in lines]
    found = lines[known[0]] if known else None
    return f"{path}: {field}: {rule}" + (f" (line {found})" if found else "")


def _loc(field: str) -> tuple[Any, ...]:
    """A refusal's dotted field as a path into the document (list indices as ints)."""
    return tuple(int(part) if part.isdigit() else part for part in field.split("."))


def load_scenario(path: Path) -> Scenario:
    """Parse and check a scenario, naming the file, the line, the field's path and the
    rule; nothing starts until all of it is plausible."""
    try:
        text = path.read_text()
        lines = _lines(node) if (node := yaml.compose(text, Loader=_Loader)) else {}
        # YAML dates become ISO strings, as JSON would carry them.
        raw = json.loads(json.dumps(yaml.load(text, Loader=_Loader), default=str))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: cannot read it: {error}") from None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(
            "\n".join(_refusal(path, lines, tuple(e["loc"]), e["msg"]) for e in error.errors())
        ) from None
    for i, event in enumerate(scenario.events):
        kinds = COMMANDS if event.to == "case" else MIGRATION_COMMANDS
        try:
            # Limits relative to today hold on the scenario's own calendar.
            parse(kinds[event.update], event.args, today=event.date)
        except InvalidCommand as error:
            where = ("events", i, "args", *_loc(error.field))
            raise ScenarioError(_refusal(path, lines, where, error.rule)) from None
    try:
        parse(CaseInput, scenario.case, today=scenario.first_day)
    except InvalidCommand as error:
        where = ("case", *_loc(error.field))
        raise ScenarioError(_refusal(path, lines, where, error.rule)) from None
    return scenario


def shift(value: Any, years: int) -> Any:
    """Every date in a JSON-like value, moved by `years` (inside strings too)."""
    if isinstance(value, str):
        return _move_years(value, lambda year: year + years)
    if isinstance(value, dict):
        return {k: shift(v, years) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shift(v, years) for v in value]
    return value


def unshift_message(text: str, years: int, first_day: dt.date) -> str:
    """A refusal message on the scenario's own dates. A message mixes the workflow's
    calendar (its clock, the shifted input) with real dates (the rates follow the real
    date, domain/migration/rates_at.py), so only a date on the shifted calendar is moved
    back: one in or after the year halfway between the scenario's first day and the
    shifted first day. A scenario spans at most SCENARIO_YEARS and the shift is whole
    28-year cycles, so the scenario's real dates are all before that year and its
    shifted ones after it."""
    if not years:
        return text
    halfway = first_day.year + years // 2
    return _move_years(text, lambda year: year - years if year >= halfway else year)


def cycles_needed(first_day: dt.date, today: dt.date) -> int:
    years = 0
    while first_day.replace(year=first_day.year + years) <= today:
        years += CYCLE
    return years


async def simulate(scenario: Scenario, runtime: Runtime | None = None) -> dict[str, Any]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
        runtime=runtime,
    )
    async with env:
        await register_search_attributes(env.client)
        return await _play(env, scenario)


async def _play(env: WorkflowEnvironment, scenario: Scenario) -> dict[str, Any]:
    years = cycles_needed(scenario.first_day, (await env.get_current_time()).date())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/simulation.db"
        migrate(url)
        engine = make_engine(url)
        policy = Path(tmp) / "policy.json"
        policy.write_text(json.dumps({"simulation_year_shift": years}))
        task_queue = f"simulation-{uuid.uuid4()}"
        try:
            async with build_worker(
                env.client, task_queue, engine, policy_file=str(policy), files=Path(tmp)
            ):
                return await _run(env, scenario, years, task_queue)
        finally:
            engine.dispose()


async def _sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    gap = moment - await env.get_current_time()
    if gap > timedelta(0):
        await env.sleep(gap)


def _moment(day: dt.date, at: time, years: int) -> datetime:
    """UK local time on a (shifted) day, as the aware instant the server uses."""
    return datetime.combine(day.replace(year=day.year + years), at, tzinfo=UK)


async def _run(
    env: WorkflowEnvironment, scenario: Scenario, years: int, task_queue: str
) -> dict[str, Any]:
    client = env.client
    case_input = parse(CaseInput, shift(scenario.case, years))
    case_id = case_workflow_id(case_input.tenancy_ref)
    await _sleep_until(env, _moment(scenario.first_day, time(8, 0), years))
    case = await client.start_workflow("UCCase", case_input, id=case_id, task_queue=task_queue)
    await _until_open(env, case)
    updates = []
    for event in scenario.events:
        await _sleep_until(env, _moment(event.date, event.at, years))
        outcome: dict[str, Any] = {"date": event.date, "to": event.to, "update": event.update}
        migration_id = None if event.to == "case" else await _migration(case)
        if event.to != "case" and migration_id is None:
            outcome["refused"] = "no migration notice is recorded on this case"
            updates.append(outcome)
            continue
        target = case if migration_id is None else client.get_workflow_handle(migration_id)
        try:
            result = await target.execute_update(event.update, shift(event.args, years))
            outcome["result"] = result
        except WorkflowUpdateFailedError as error:
            refusal = getattr(error.cause, "message", str(error.cause))
            outcome["refused"] = unshift_message(refusal, years, scenario.first_day)
        except RPCError as error:  # e.g. the migration has already completed
            outcome["refused"] = unshift_message(error.message, years, scenario.first_day)
        updates.append(outcome)
    await _sleep_until(env, _moment(scenario.until + timedelta(days=1), time(0, 0), years))
    report = {
        "scenario": scenario.name,
        "description": scenario.description,
        "simulated_until": scenario.until,
        # Refusals are already on the scenario's dates (unshift_message).
        "updates": [
            {k: v if k == "refused" else shift(v, -years) for k, v in u.items()}
            for u in to_jsonable_python(updates)
        ],
        **shift(
            to_jsonable_python(await _collect(client, case, await _migration(case), years)), -years
        ),
    }
    return to_jsonable_python(report)


async def _migration(case: WorkflowHandle) -> str | None:
    """The id of the case's managed migration, unique to the case (workflows/ids.py):
    read from the case once the notice is recorded."""
    view = await case.query("case_view", result_type=CaseView)
    return None if view.migration is None else view.migration.workflow_id


async def _until_open(env: WorkflowEnvironment, case: WorkflowHandle) -> None:
    for _ in range(200):
        try:
            await case.query("case_view")
            return
        except Exception:
            await env.sleep(timedelta(seconds=1))
    raise RuntimeError("the simulated case never opened")


async def _collect(
    client: Client, case: WorkflowHandle, migration_id: str | None, years: int
) -> dict[str, Any]:
    view = await case.query("case_view", result_type=CaseView)
    journal = await case.query("journal")
    timers = await _timers_fired(case, "case")
    migration: dict[str, Any] | None = None
    figures = {"case": await history_figures(case)}
    if migration_id is not None:  # the scenario recorded a migration notice
        handle = client.get_workflow_handle(migration_id)
        try:
            state = await handle.query("migration_view", result_type=MigrationState)
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
        else:
            migration = _migration_report(state)
            timers += await _timers_fired(handle, "migration")
            figures["migration"] = await history_figures(handle)
    escalations = [j for j in journal if j["kind"] == "task" and j["outcome"] == "escalated"]
    return {
        "history": figures,
        "case": view,
        "journal": journal,
        "timers_fired": sorted(timers, key=lambda t: t["fired_at"]),
        "escalations": escalations,
        "migration": migration,
    }


def _migration_report(state: MigrationState) -> dict[str, Any]:
    return {
        "status": state.status,
        "notice_issued": state.notice_issued,
        "deadline_day": state.deadline_day,
        "final_deadline": state.final_deadline,
        "extensions": state.extensions,
        "claim_date": state.claim_date,
        "award_starts": state.award_starts,
        "capital_on_migration_day": state.capital_on_migration_day,
        "transitional_element_initial": state.te_initial,
        "protection": state.protection,
        "protection_ended_reason": state.protection_ended_reason,
        "assessment_periods": [
            {
                "award": ap.award,
                "ap": ap.number,
                "starts": ap.starts,
                "ends": ap.ends,
                "rates": ap.rates_year,
                "relevant_increases": ap.relevant_increases,
                "transitional_element_before": ap.te_before,
                "transitional_element": ap.te,
                "capital": ap.capital.capital,
                "capital_disregard_applies": ap.capital.disregard_applies,
                "capital_disregarded": ap.capital.disregarded,
                "tariff_income": ap.capital.tariff_income,
                "capital_note": ap.capital.note,
                "earnings": ap.earnings,
                "earnings_threshold": ap.earnings_threshold,
                "aps_below_threshold": ap.below_threshold_aps,
                "household": ap.household,
                "state_pension_deferral_protected": ap.state_pension_deferral_protected,
            }
            for ap in state.aps
        ],
    }


async def _timers_fired(handle: WorkflowHandle, who: str) -> list[dict[str, Any]]:
    history = await handle.fetch_history()
    started: dict[int, HistoryEvent] = {
        e.event_id: e for e in history.events if e.HasField("timer_started_event_attributes")
    }
    fired = []
    for event in history.events:
        if event.HasField("timer_fired_event_attributes"):
            start = started[event.timer_fired_event_attributes.started_event_id]
            summary = start.user_metadata.summary.data.decode().strip('"')
            at = event.event_time.ToDatetime().replace(tzinfo=UTC)
            fired.append(
                {"workflow": who, "fired_at": at, "fired_on": business_date(at), "summary": summary}
            )
    return fired


async def history_figures(handle: WorkflowHandle) -> dict[str, Any]:
    """History size and billable actions of a workflow's current run, counted by the
    project's one counter (bench/billing.py: a signal is billed at its sender, a patch
    marker not at all). Refused updates are billed too but leave no event, so they are
    not counted here."""
    history = await handle.fetch_history()
    names = [EventType.Name(e.event_type) for e in history.events]
    return {
        "events": len(names),
        "bytes": sum(e.ByteSize() for e in history.events),
        "billable_actions": count_actions(history).total,
        "timers": names.count("EVENT_TYPE_TIMER_STARTED"),
        "activities": names.count("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"),
        "updates": names.count("EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"),
        "signals_received": names.count("EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED"),
        "signals_sent": names.count("EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED"),
    }
