"""Reviews completed before the engine, imported through the IPR workflow with their
real dates on the session's dev server, and the publication of two past reporting
years from them: table by table and figure by figure against figures worked out
from the fixture's plain data (tests/integration/ipr_import_data.py). Importing
again starts none twice; a file with bad rows starts none and names each row and
field; the CSV form gives the same reviews as the JSON."""

import csv
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from activities.db import IprActivityRecord, IprRecord
from backoffice.ipr_import import CSV_COLUMNS, read_reviews, record_reviews
from backoffice.publication import Publication, build_publication, to_markdown, write_csv
from domain.dates import business_date
from domain.ipr.imported import ImportedReview
from tests.helpers import run_starter
from tests.integration.ipr_import_data import (
    MULTIPLE,
    UC,
    Expected,
    Review,
    expected,
    import_rows,
    reviews,
)
from workflows.ids import ipr_workflow_id

ROOT = Path(__file__).resolve().parents[2]
YEARS = {"2018-19": date(2018, 4, 1), "2019-20": date(2019, 4, 1)}


@pytest.fixture(scope="module")
def plain() -> list[Review]:
    # A prefix of its own: the session's dev server may hold other reviews.
    return reviews(f"IMP{uuid.uuid4().hex[:6].upper()}")


@pytest.fixture(scope="module")
def source(plain: list[Review], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ipr-import") / "reviews.json"
    path.write_text(json.dumps({"reviews": import_rows(plain)}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
async def imported(
    source: Path, dev_env: WorkflowEnvironment, dev_worker: str
) -> AsyncIterator[list[ImportedReview]]:
    found, problems = read_reviews(source)
    assert problems == []
    assert await record_reviews(dev_env.client, dev_worker, found) == (len(found), 0)
    yield found


def _check(pub: Publication, want: Expected) -> None:
    """Every table of the publication against the figures worked out by hand."""
    # (1) completed, and under external scrutiny.
    assert (pub.completed, pub.external_scrutiny) == (want.completed, want.external_scrutiny)
    # (2) by primary service line: most first, then by name.
    assert [(x.service_line, x.completed) for x in pub.by_primary_line] == sorted(
        want.by_primary_line.items(), key=lambda kv: (-kv[1], kv[0])
    )
    # (3) learning identified; agreed activities.
    assert (pub.learning_identified, pub.agreed_activities) == (
        want.learning_identified,
        want.agreed_activities,
    )
    # (4) one section per finding line, by name; (5) Multiple Service Lines apart.
    want_lines = sorted(line for line in want.sections if line != MULTIPLE)
    assert [s.service_line for s in pub.sections] == want_lines
    got = {s.service_line: s for s in pub.sections}
    if pub.multiple is not None:
        got[MULTIPLE] = pub.multiple
    assert (pub.multiple is not None) == (MULTIPLE in want.sections)
    for line, section in want.sections.items():
        have = got[line]
        assert (have.cases_with_learning, have.agreed_activities) == (
            section.cases_with_learning,
            section.agreed_activities,
        ), line
        assert [c.customer for c in have.customers] == [
            f"Customer {n}" for n in range(1, len(section.customers) + 1)
        ], line
        assert [
            (list(c.learning), list(c.activities), list(c.outcomes)) for c in have.customers
        ] == section.customers, line


@pytest.mark.parametrize("year", list(YEARS))
async def test_each_past_year_table_by_table_and_figure_by_figure(
    imported: list[ImportedReview], plain: list[Review], engine: Engine, year: str
) -> None:
    _check(build_publication(engine, year), expected(plain, YEARS[year]))


async def test_many_uc_findings_few_uc_cases(
    imported: list[ImportedReview], plain: list[Review], engine: Engine
) -> None:
    """UC learning in 12 cases of 2019-20, UC primary in 2: the two notions stay apart."""
    pub = build_publication(engine, "2019-20")
    [uc] = [s for s in pub.sections if s.service_line == UC]
    assert uc.cases_with_learning == 12
    assert dict((x.service_line, x.completed) for x in pub.by_primary_line)[UC] == 2
    # Checked against the plain data too, not only the figures worked out from it.
    in_year = [r for r in plain if date(2019, 4, 1) <= r.completed_on <= date(2020, 3, 31)]
    assert sum(UC in r.learning for r in in_year) == 12
    assert sum(UC in r.primary for r in in_year) == 2


async def test_the_read_model_holds_the_real_dates_and_both_kinds_of_line(
    imported: list[ImportedReview], plain: list[Review], engine: Engine
) -> None:
    with Session(engine) as s:
        rows = {
            r.ipr_id.split("/")[0]: r
            for r in s.scalars(select(IprRecord).where(IprRecord.ipr_id.like("ipr-IMP%")))
        }
        held = {r.reference: rows[ipr_workflow_id(r.reference)] for r in plain}
        activities = s.scalars(
            select(IprActivityRecord).where(
                IprActivityRecord.ipr_id == held[plain[0].reference].ipr_id
            )
        ).all()
    for r in plain:
        row = held[r.reference]
        assert (row.stage, row.closed_on, row.referred_on) == (
            "closed",
            r.completed_on,
            r.received_on,
        )
        assert row.service_lines == list(r.primary)
        assert row.finding_lines == list(dict.fromkeys((*r.learning, *r.activities)))
    assert {row.reporting_year for row in held.values()} == {
        "2017-18",
        "2018-19",
        "2019-20",
        "2020-21",
    }
    # Imported activities come already assured, on their own day, never escalated.
    assert all(a.status == "assured" and a.escalations == 0 for a in activities)


async def test_importing_again_starts_none_twice(
    imported: list[ImportedReview], dev_env: WorkflowEnvironment, dev_worker: str
) -> None:
    assert await record_reviews(dev_env.client, dev_worker, imported[:5]) == (0, 5)
    handle = dev_env.client.get_workflow_handle(ipr_workflow_id(imported[0].reference))
    described = await handle.describe()
    assert described.status == WorkflowExecutionStatus.COMPLETED
    # Its journal says it was imported, and the day it was completed.
    journal = await handle.query("journal")
    assert journal[0]["text"].endswith("(imported: completed before the engine)")
    assert journal[-1]["text"] == f"closed (completed on {imported[0].completed_on})"
    runs = [
        w
        async for w in dev_env.client.list_workflows(
            f"WorkflowId = '{ipr_workflow_id(imported[0].reference)}'"
        )
    ]
    assert len(runs) == 1


async def test_the_markdown_and_csv_lay_out_every_table(
    imported: list[ImportedReview], plain: list[Review], engine: Engine, tmp_path: Path
) -> None:
    pub = build_publication(engine, "2019-20")
    want = expected(plain, YEARS["2019-20"])
    markdown = to_markdown(pub)
    lines = markdown.splitlines()
    for heading in [
        "# Internal Process Reviews completed in 2019-20",
        "## 1. IPRs completed",
        "## 2. IPRs completed by primary service line",
        "## 3. Learning identified and agreed activities",
        "## 4. By service line of the findings",
        "## 5. Multiple Service Lines",
        "### UC",
    ]:
        assert heading in lines
    assert f"| IPRs completed | {want.completed} |" in lines
    assert f"| UC | {want.by_primary_line[UC]} |" in lines
    assert (
        f"| Cases in which UC learning was identified | {want.sections[UC].cases_with_learning} |"
        in lines
    )
    assert f"| Agreed activities owned by UC | {want.sections[UC].agreed_activities} |" in lines
    paths = write_csv(pub, tmp_path)
    assert [p.name for p in paths] == [
        "summary.csv",
        "by_primary_service_line.csv",
        "by_finding_service_line.csv",
        "narratives.csv",
    ]
    tables = {p.name: list(csv.reader(p.open(encoding="utf-8"))) for p in paths}
    assert tables["summary.csv"][:3] == [
        ["measure", "value"],
        ["reporting_year", "2019-20"],
        ["completed", str(want.completed)],
    ]
    assert ["UC", str(want.by_primary_line[UC])] in tables["by_primary_service_line.csv"]
    finding = {row[0]: row[1:] for row in tables["by_finding_service_line.csv"][1:]}
    assert finding == {
        line: [str(s.cases_with_learning), str(s.agreed_activities)]
        for line, s in want.sections.items()
    }
    narratives = tables["narratives.csv"]
    assert len(narratives) - 1 == sum(
        len(a) + len(b) + len(c) for s in want.sections.values() for a, b, c in s.customers
    )
    text = markdown + "".join(p.read_text(encoding="utf-8") for p in paths)
    # No id, reference or date: only the year label.
    assert "IMP" not in text and "ipr-" not in text and "Sample" not in text
    assert "2019-" not in text.replace("2019-20", "")


def _starter(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "starter.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
        timeout=60,
    )


async def test_the_command_publishes_a_past_year(
    imported: list[ImportedReview], plain: list[Review], tmp_path: Path
) -> None:
    done = _starter("ipr-publication", "--year", "2018-19", "--out", str(tmp_path / "pub"))
    assert done.returncode == 0, done.stderr
    summary = list(csv.reader((tmp_path / "pub" / "summary.csv").open(encoding="utf-8")))
    assert ["completed", str(expected(plain, YEARS["2018-19"]).completed)] in summary


# --- bad rows, CSV ------------------------------------------------------------------


def _bad_rows(plain: list[Review]) -> list[dict[str, Any]]:
    rows = import_rows(plain[:4])
    rows[0]["screened_on"] = "2001-01-01"  # before the referral
    rows[1]["completed_on"] = "2099-01-01"  # in the future (and past the horizon)
    rows[2]["service_lines"] = ["Nowhere"]
    rows[3]["outcomes"] = []  # learning identified, no outcome
    rows[3]["learning"] = [{"service_line": "UC", "text": "x"}]
    return rows


def test_bad_rows_are_reported_by_row_and_field_and_none_is_started(
    plain: list[Review], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_bad_rows(plain)), encoding="utf-8")
    found, problems = read_reviews(path)
    assert len(found) == 0 and len(problems) == 4
    assert problems[0].startswith(f"{path} review 1: screened_on: cannot be before the referral")
    assert problems[1].startswith(f"{path} review 2: completed_on:")
    assert problems[2].startswith(f"{path} review 3: service_lines.0:")
    assert problems[3] == (
        f"{path} review 4: outcomes: learning was identified: record its learning outcomes first"
    )
    # The command: exit 2, each row named, and nothing sent (no server is needed).
    done = _starter("ipr-import", str(path))
    assert done.returncode == 2
    assert "nothing was started" in done.stdout
    assert "review 1: screened_on" in done.stderr and "review 4: outcomes" in done.stderr


def test_a_repeated_reference_is_a_bad_row(plain: list[Review], tmp_path: Path) -> None:
    rows = import_rows(plain[:2])
    rows[1]["reference"] = rows[0]["reference"]
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    found, problems = read_reviews(path)
    assert problems == [
        f"{path} review 2: reference: {rows[0]['reference']} repeats {path} review 1; "
        "one review per reference"
    ]


def _as_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    "reference": row["reference"],
                    "record": "review",
                    "received_on": row["received_on"],
                    "referrer_name": row["referrer"]["name"],
                    "referrer_role": row["referrer"]["role"],
                    "referrer_email": row["referrer"]["email"],
                    "customer_name": row["customer"]["full_name"],
                    "summary": row["summary"],
                    "service_lines": ";".join(row["service_lines"]),
                    "allegation": str(row["allegation"]).lower(),
                    "harm": row["harm"],
                    "external_reviews": ";".join(row["external_reviews"]),
                    "screened_on": row["screened_on"],
                    "investigator": row["investigator"],
                    "findings_on": row["findings_on"],
                    "agreed_on": row.get("agreed_on", ""),
                    "completed_on": row["completed_on"],
                }
            )
            for item in row["learning"]:
                writer.writerow({"reference": row["reference"], "record": "learning", **item})
            for item in row["activities"]:
                cells = {**item, "text": item["description"]}
                del cells["description"]
                writer.writerow({"reference": row["reference"], "record": "activity", **cells})
            for item in row["outcomes"]:
                writer.writerow({"reference": row["reference"], "record": "outcome", **item})


def test_the_csv_gives_the_same_reviews_as_the_json(plain: list[Review], tmp_path: Path) -> None:
    rows = import_rows(plain)
    (tmp_path / "r.json").write_text(json.dumps(rows), encoding="utf-8")
    _as_csv(rows, tmp_path / "r.csv")
    from_json, p1 = read_reviews(tmp_path / "r.json")
    from_csv, p2 = read_reviews(tmp_path / "r.csv")
    assert p1 == p2 == []
    assert from_csv == from_json and len(from_csv) == 56


def test_a_bad_csv_row_names_its_line_and_field(plain: list[Review], tmp_path: Path) -> None:
    rows = import_rows(plain[:3])
    path = tmp_path / "bad.csv"
    _as_csv(rows, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    # The first review's first learning item, under a line that does not exist.
    first_learning = next(n for n, x in enumerate(lines) if ",learning," in x)
    its_review = max(n for n in range(first_learning) if ",review," in lines[n])
    cells = next(csv.reader([lines[first_learning]]))
    cells[CSV_COLUMNS.index("service_line")] = "Nowhere"
    lines[first_learning] = ",".join(f'"{c}"' for c in cells)
    lines.append('"NOPE-1","outcome"' + "," * (len(CSV_COLUMNS) - 2))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found, problems = read_reviews(path)
    assert len(problems) == 2
    assert (
        problems[0] == f"{path} line {len(lines)}: reference: no review row for 'NOPE-1' above it"
    )
    assert problems[1].startswith(f"{path} line {its_review + 1}: learning.0.service_line: ")
    assert problems[1].endswith(f"(line {first_learning + 1})")


async def test_an_import_never_drives_a_live_review_of_the_same_reference(
    imported: list[ImportedReview],
    plain: list[Review],
    dev_env: WorkflowEnvironment,
    dev_worker: str,
    tmp_path: Path,
) -> None:
    from dataclasses import replace as changed

    from backoffice.ipr_import import live_clashes
    from backoffice.iprs import refer
    from domain.ipr.imported import referral

    live = changed(imported[0], reference=f"LIVE{uuid.uuid4().hex[:6].upper()}")
    opened = await refer(
        dev_env.client,
        dev_worker,
        changed(referral(live), imported=False, received_on=business_date(datetime.now(UTC))),
    )
    assert opened.created
    # The imported (completed) reviews clash with nothing; the live one does.
    assert await live_clashes(dev_env.client, [*imported[:3], live]) == [
        f"reference: {live.reference} is a review running in the engine, not an import; "
        "nothing was started"
    ]


async def test_the_command_imports_a_csv_once(
    dev_env: WorkflowEnvironment, dev_worker: str, engine: Engine, tmp_path: Path
) -> None:
    from dataclasses import replace as changed

    # Ten years earlier: the years the figures above are checked for stay as they are.
    few = [
        changed(r, completed_on=r.completed_on.replace(year=r.completed_on.year - 10))
        for r in reviews(f"CLI{uuid.uuid4().hex[:6].upper()}")[:3]
    ]
    path = tmp_path / "reviews.csv"
    _as_csv(import_rows(few), path)
    address = dev_env.client.service_client.config.target_host
    code, stdout, stderr = await run_starter(
        "ipr-import", str(path), address=address, task_queue=dev_worker
    )
    assert code == 0, stderr
    assert "3 recorded, 0 recorded before" in stdout
    with Session(engine) as s:
        closed = s.scalars(
            select(IprRecord.closed_on).where(IprRecord.ipr_id.like(f"ipr-{few[0].reference[:9]}%"))
        ).all()
    assert sorted(closed) == sorted(r.completed_on for r in few)
    code, stdout, _ = await run_starter(
        "ipr-import", str(path), address=address, task_queue=dev_worker
    )
    assert code == 0 and "0 recorded, 3 recorded before" in stdout
