"""The bundled sample cases: relative dates, and a load against the real dev server
that is safe to repeat."""

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.testing import WorkflowEnvironment

from activities.reporting.tables import WorkAvailableItem
from activities.reporting.work_available import store
from backoffice.inputs import BadInput, resolve_relative
from backoffice.samples import (
    IPR_SAMPLES,
    SAMPLES,
    load_ipr_samples,
    load_samples,
    read_ipr_samples,
    read_samples,
)
from domain.case import commands as c
from domain.dates import business_date
from domain.ipr.model import IprState
from tests.helpers import eventually
from workflows.ipr import ipr_workflow_id

NOW = datetime(2026, 11, 23, 18, 7, 5, 123456, tzinfo=UTC)


def test_relative_dates_resolve_against_now_anywhere_in_the_value() -> None:
    raw = {
        "due_at": "@now+50d",
        "soon": "@now+3h",
        "earlier": "@now-2h",
        "nested": [{"date_of_death": "@today-52"}, "@today+0", "@today+7"],
        "text": "call @now+1d",
        "amount": 5,
        "none": None,
    }
    assert resolve_relative(raw, NOW) == {
        "due_at": "2027-01-12T18:07:05Z",
        "soon": "2026-11-23T21:07:05Z",
        "earlier": "2026-11-23T16:07:05Z",
        "nested": [{"date_of_death": "2026-10-02"}, "2026-11-23", "2026-11-30"],
        "text": "call @now+1d",
        "amount": 5,
        "none": None,
    }


def test_relative_dates_are_taken_in_utc() -> None:
    evening_in_new_york = datetime(2026, 11, 23, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert resolve_relative("@today+1", evening_in_new_york) == "2026-11-25"
    assert resolve_relative("@now+1h", evening_in_new_york) == "2026-11-24T02:00:00Z"


@pytest.mark.parametrize("bad", ["@now+5", "@today+1d", "@now+xd", "@today", "@now+1w"])
def test_a_malformed_relative_date_is_refused(bad: str) -> None:
    with pytest.raises(BadInput, match="must be @today"):
        resolve_relative({"x": [bad]}, NOW)


def test_a_malformed_relative_date_in_a_samples_file_names_where(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text('{"cases": [{"open": {"balance": "@now+2"}, "commands": []}]}')
    with pytest.raises(BadInput, match=r"cases\[0\]\.open: '@now\+2': must be @today"):
        read_samples(path, NOW)


def test_sample_call_backs_are_in_the_future_and_deaths_in_the_past() -> None:
    now = datetime.now(UTC) + timedelta(days=3 * 365)  # still true years from now
    commands = [command for _, cmds in read_samples(SAMPLES, now) for _, command in cmds]
    call_backs = [x for x in commands if isinstance(x, c.RequestCallBack)]
    deaths = [x for x in commands if isinstance(x, c.RecordDeath)]
    assert call_backs and deaths
    assert all(x.due_at > now for x in call_backs)
    assert all(x.date_of_death < now.date() for x in deaths)
    assert all(isinstance(x.date_of_death, date) for x in deaths)


async def test_samples_load_on_the_dev_server_and_loading_again_duplicates_nothing(
    dev_env: WorkflowEnvironment, dev_worker: str
) -> None:
    # Each case gets its first command with its start (update-with-start): none is
    # refused for being early, and no client retries.
    total = len(read_samples(SAMPLES))
    loaded = await load_samples(dev_env.client, dev_worker, SAMPLES, show_progress=False)
    assert loaded == (total, 0)
    again = await load_samples(dev_env.client, dev_worker, SAMPLES, show_progress=False)
    assert again == (0, total)


async def test_the_sample_cases_give_a_work_available_report(
    dev_env: WorkflowEnvironment, dev_worker: str, engine: Engine
) -> None:
    """What `make demo` loads (samples/cases.json) has due work today, with teams.
    After the test above on the session's dev server (loading again reaches the same
    cases), or loading them itself when run alone."""
    await load_samples(dev_env.client, dev_worker, SAMPLES, show_progress=False)
    refs = {case.tenancy_ref for case, _ in read_samples(SAMPLES)}
    today = business_date(datetime.now(UTC))

    def sample_lines() -> list[tuple[str, str]]:
        store(engine, today, 7)
        with Session(engine) as s:
            rows = s.execute(
                select(WorkAvailableItem.ref, WorkAvailableItem.team).where(
                    WorkAvailableItem.day == today
                )
            ).all()
        return [
            (ref, team) for ref, team in rows if ref.split("/")[0].removeprefix("uc-case-") in refs
        ]

    async def probe() -> list[tuple[str, str]]:
        return sample_lines()

    # The sample whose migration deadline day passed has an escalated follow-up today.
    lines = await eventually(probe, lambda found: len(found) >= 1)
    assert "income" in {team for _, team in lines}


async def test_sample_iprs_load_on_the_dev_server_once(
    dev_env: WorkflowEnvironment, dev_worker: str
) -> None:
    plans = read_ipr_samples(IPR_SAMPLES)
    assert await load_ipr_samples(dev_env.client, dev_worker, IPR_SAMPLES) == (len(plans), 0)
    assert await load_ipr_samples(dev_env.client, dev_worker, IPR_SAMPLES) == (0, len(plans))
    stages: dict[str, str] = {}
    for referral, _ in plans:
        handle = dev_env.client.get_workflow_handle(ipr_workflow_id(referral.reference))
        state = await handle.query("ipr_view", result_type=IprState)
        stages[referral.reference] = state.stage
    assert stages == {
        "IPR-DEMO-001": "screening",
        "IPR-DEMO-002": "not_accepted",
        "IPR-DEMO-003": "investigation",
        "IPR-DEMO-004": "agreed_activities",
    }

    async def overdue() -> int:
        handle = dev_env.client.get_workflow_handle(ipr_workflow_id("IPR-DEMO-004"))
        state = await handle.query("ipr_view", result_type=IprState)
        return state.overdue_activities

    # The Debt Management activity was due 3 days ago: escalated to the IPRG at once.
    assert await eventually(overdue, lambda n: n == 1) == 1


async def test_the_demos_past_reviews_publish_their_year(
    dev_env: WorkflowEnvironment, dev_worker: str, engine: Engine
) -> None:
    """samples/past_iprs.json, recorded through the workflows as `make demo` does (as
    `ipr-import` would), gives `ipr-publication --year 2024-25` its tables; each figure
    is worked out here from the file's plain data."""
    import json
    from collections import Counter

    from backoffice.ipr_import import read_reviews, record_reviews
    from backoffice.publication import build_publication
    from backoffice.samples import PAST_IPR_SAMPLES, PAST_IPR_YEAR

    raw = json.loads(PAST_IPR_SAMPLES.read_text())["reviews"]
    reviews, problems = read_reviews(PAST_IPR_SAMPLES)
    assert problems == [] and len(reviews) == len(raw)
    assert await record_reviews(dev_env.client, dev_worker, reviews) == (len(raw), 0)
    assert await record_reviews(dev_env.client, dev_worker, reviews) == (0, len(raw))

    pub = build_publication(engine, PAST_IPR_YEAR)
    assert pub.completed == len(raw)
    assert pub.external_scrutiny == sum(1 for r in raw if r["external_reviews"])
    assert pub.learning_identified == sum(1 for r in raw if r["learning"])
    assert pub.agreed_activities == sum(len(r.get("activities", [])) for r in raw)
    primary = Counter(line for r in raw for line in r["service_lines"])
    assert {x.service_line: x.completed for x in pub.by_primary_line} == dict(primary)
    sections = {s.service_line: s for s in pub.sections}
    learning_cases = Counter(
        line for r in raw for line in {item["service_line"] for item in r["learning"]}
    )
    owned = Counter(a["service_line"] for r in raw for a in r.get("activities", []))
    for line, section in sections.items():
        assert section.cases_with_learning == learning_cases[line], line
        assert section.agreed_activities == owned[line], line
    # UC learning in many cases, UC the primary line of few: kept apart.
    assert sections["UC"].cases_with_learning == 5 and primary["UC"] == 2
    assert pub.multiple is not None and pub.multiple.cases_with_learning == 1
