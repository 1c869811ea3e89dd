"""The journal is the workflow's, not the state's: a case or review carried with its
journal inside its state (inputs up to v2) keeps its entries in the input's `journal`
(v3); a continued case carries only its latest entries; `ipr_view` still shows the
review's journal where its state's JSON had it."""

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from pydantic_core import to_jsonable_python
from temporalio.testing import WorkflowEnvironment

from domain.case import commands as c
from domain.case import journal as case_journal
from domain.case.decide import decide, journal_carried, open_case
from domain.case.evolve import evolve, initial_state
from domain.case.parsing import parse
from domain.dates import business_date
from domain.ipr import commands as ipr_commands
from domain.ipr import journal as ipr_journal
from domain.ipr.decide import initial_state as ipr_initial_state
from domain.ipr.model import IprPolicy
from domain.policy import CasePolicy
from tests.factories import opening
from workflows import ids
from workflows.contracts import CaseInput, IprInput
from workflows.ipr import IPR, ipr_workflow_id

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
REFERRAL: dict[str, Any] = {
    "reference": "IPR-2026-0042",
    "referrer": {"name": "Pat Colleague", "role": "Case manager", "email": "pat@dwp.gov.uk"},
    "received_on": "2026-05-28",
    "customer": {"full_name": "Sam Example"},
    "summary": "UC deductions left no money.",
    "service_lines": ["UC"],
    "source": "local_authority",
}


def _a_case_with_a_note() -> tuple[CaseInput, Any, tuple[Any, ...]]:
    """An opening, the state after a note, and the journal the case wrote."""
    start = opening("HA-7")
    [opened] = open_case(start, NOW)
    state = initial_state(opened, CasePolicy(), ids.case_children("HA-7", None))  # type: ignore[arg-type]
    entries = [case_journal.entry(opened, state.version)]
    for event in decide(state, c.AddJournalNote(by="o", text="rang"), NOW):
        state = evolve(state, event)
        entries.append(case_journal.entry(event, state.version))
    return start, state, tuple(entries)


def test_a_case_carried_with_its_journal_in_its_state_keeps_every_entry() -> None:
    start, state, entries = _a_case_with_a_note()
    carried = {**to_jsonable_python(state), "journal": to_jsonable_python(entries)}
    raw = {**to_jsonable_python(start), "carried": carried, "schema_version": 2}
    loaded = parse(CaseInput, raw, stored=True)
    assert loaded.carried == state
    assert loaded.journal == entries
    assert [j.text for j in loaded.journal][-1] == "rang"
    assert loaded.schema_version == 3


def test_a_stored_state_that_still_holds_a_journal_loads() -> None:
    """Today's version, yet a journal in the state (a key today's state has not):
    stored payloads ignore it; the input's own journal is what counts."""
    start, state, entries = _a_case_with_a_note()
    carried = {**to_jsonable_python(state), "journal": to_jsonable_python(entries)}
    raw = {
        **to_jsonable_python(start),
        "carried": carried,
        "journal": to_jsonable_python(entries[-1:]),
    }
    loaded = parse(CaseInput, raw, stored=True)
    assert (loaded.carried, loaded.journal) == (state, entries[-1:])


def test_a_review_carried_with_its_journal_in_its_state_keeps_every_entry() -> None:
    referral = parse(ipr_commands.Referral, REFERRAL)
    state = ipr_initial_state(
        referral, NOW, IprPolicy(), ids.ipr_children(referral.reference, None)
    )
    entries = (ipr_journal.referred(referral, NOW),)
    carried = {**to_jsonable_python(state), "journal": to_jsonable_python(entries)}
    raw = {**REFERRAL, "carried": carried, "schema_version": 2}
    loaded = parse(IprInput, raw, stored=True)
    assert loaded.carried == state
    assert loaded.journal == entries
    assert (entries[0].seq, entries[0].text) == (
        state.version,
        "referred (raised by: local authority)",
    )


def test_a_continued_case_carries_its_latest_entries() -> None:
    _, state, entries = _a_case_with_a_note()
    state = replace(state, policy=CasePolicy(journal_entries_carried=10))
    journal = [replace(entries[-1], seq=n) for n in range(1, 18)]
    assert [x.seq for x in journal_carried(state, journal)] == list(range(8, 18))


async def test_the_review_view_shows_its_journal_as_its_state_did(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"IPR-{uuid.uuid4().hex[:10]}"
    today: date = business_date(await ts_env.get_current_time())
    handle = await ts_env.client.start_workflow(
        IPR.run,
        {**REFERRAL, "reference": ref, "received_on": today.isoformat()},
        id=ipr_workflow_id(ref),
        task_queue=ts_worker,
    )
    view: dict[str, Any] = await handle.query("ipr_view")
    journal = await handle.query("journal")
    # Where the state's JSON had it: just before the version.
    keys = list(view)
    assert keys[keys.index("version") - 1] == "journal"
    assert view["journal"] == journal
    assert [(j["seq"], j["kind"]) for j in journal] == [(1, "referral")]
    assert (view["version"], view["reference"]) == (1, ref)
