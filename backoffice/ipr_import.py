"""`starter.py ipr-import FILE`: record reviews completed before the engine existed,
through the IPR workflow, with their real dates (docs/ipr-publication.md).

Every row is checked first, against the review's own rules (domain/ipr/imported.py
`check`); one bad row and nothing is started: each bad row is reported by row and
field, and the exit status is 2. Then each review is referred (its workflow id is
`ipr-<reference>`, never started twice) and driven to closure by its commands, each
under an update id of its own, so an import run again reaches the reviews it
recorded and starts none twice; one stopped half-way is taken on from where it was.
"""

import argparse
import asyncio
import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.markup import escape
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from backoffice.cases import execute_command
from backoffice.exit_codes import BAD_INPUT, DONE
from backoffice.inputs import BadInput, parse
from backoffice.iprs import refer
from backoffice.render import err, out
from domain.errors import DomainError
from domain.ipr.imported import ImportedReview, check, referral, steps
from infra.config import Settings, connect
from workflows.ids import ipr_workflow_id

# The CSV holds one row per review (`record` = review) and one per learning item,
# agreed activity and learning outcome (`record` = learning, activity, outcome), tied
# to their review by `reference`. Lists in a cell are separated by ";".
REVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "received_on": ("received_on",),
    "referrer_name": ("referrer", "name"),
    "referrer_role": ("referrer", "role"),
    "referrer_email": ("referrer", "email"),
    "customer_name": ("customer", "full_name"),
    "summary": ("summary",),
    "service_lines": ("service_lines",),
    "referred_lines": ("referred_lines",),
    "source": ("source",),
    "screened_on": ("screened_on",),
    "allegation": ("allegation",),
    "harm": ("harm",),
    "external_reviews": ("external_reviews",),
    "nation": ("nation",),
    "investigator": ("investigator",),
    "findings_on": ("findings_on",),
    "agreed_on": ("agreed_on",),
    "completed_on": ("completed_on",),
    "recorded_by": ("recorded_by",),
}
LISTS = {"service_lines", "referred_lines", "external_reviews"}
ITEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "learning": ("service_line", "text"),
    "activity": ("service_line", "description", "due_on", "assured_on", "evidence"),
    "outcome": ("service_line", "text", "recorded_on"),
}
ITEM_LISTS = {"learning": "learning", "activity": "activities", "outcome": "outcomes"}
# An activity's description is in the `text` column.
CSV_COLUMNS = (
    "reference",
    "record",
    *REVIEW_COLUMNS,
    "service_line",
    "text",
    "due_on",
    "assured_on",
    "evidence",
    "recorded_on",
)


@dataclass(frozen=True)
class Row:
    """One review as read, and where each part of it was in the file."""

    raw: dict[str, Any]
    where: str
    # For a CSV: the line of each item (`learning.0` -> "line 7").
    items: dict[str, str]


def read_reviews(path: Path) -> tuple[list[ImportedReview], list[str]]:
    """The reviews of a CSV or JSON file, and one problem per bad row naming the row,
    the field and the rule."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}: cannot read it: {error}") from None
    problems: list[str] = []
    if path.suffix.lower() == ".json":
        rows = _json_rows(path, text)
    else:
        rows = _csv_rows(path, text, problems)
    reviews: list[ImportedReview] = []
    seen: dict[str, str] = {}
    now = datetime.now(UTC)
    for row in rows:
        try:
            review: ImportedReview = parse(ImportedReview, row.raw, row.where)
            check(review, now)
        except BadInput as error:
            problems.append(_at_item(str(error), row))
            continue
        except DomainError as error:
            problems.append(_at_item(f"{row.where}: {error.field}: {error.rule}", row))
            continue
        if review.reference in seen:
            problems.append(
                f"{row.where}: reference: {review.reference} repeats {seen[review.reference]}; "
                "one review per reference"
            )
            continue
        seen[review.reference] = row.where
        reviews.append(review)
    return reviews, problems


def _at_item(problem: str, row: Row) -> str:
    """A problem in a CSV item row names that row too."""
    after = problem.split(": ", 1)[-1]
    for key, line in row.items.items():
        if after.startswith(f"{key}.") or after.startswith(f"{key}:"):
            return f"{problem} ({line})"
    return problem


def _json_rows(path: Path, text: str) -> list[Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput(f"{path}: not JSON ({error}); nothing was started") from None
    if isinstance(data, dict) and isinstance(data.get("reviews"), list):
        data = data["reviews"]
    if not isinstance(data, list):
        raise BadInput(f'{path}: must be a list of reviews (or {{"reviews": [...]}})')
    return [Row(raw, f"{path} review {n}", {}) for n, raw in enumerate(data, 1)]


def _csv_rows(path: Path, text: str, problems: list[str]) -> list[Row]:
    """The reviews of a CSV; a row that belongs to none goes to `problems`."""
    reader = csv.DictReader(text.splitlines())
    try:
        columns = list(reader.fieldnames or [])
        unknown = sorted(set(columns) - set(CSV_COLUMNS))
        if "reference" not in columns or "record" not in columns or unknown:
            raise BadInput(
                f"{path}: line 1 (header): needs reference and record; unknown columns "
                f"{unknown}; columns are {', '.join(CSV_COLUMNS)}"
            )
        reviews: dict[str, Row] = {}
        lines = list(reader)
    except csv.Error as error:
        raise BadInput(f"{path}: {error}; nothing was started") from None
    for line, row in enumerate(lines, 2):
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None and v}
        reference, record = cells.get("reference", ""), cells.get("record", "review")
        where = f"{path} line {line}"
        if record == "review":
            raw: dict[str, Any] = {"reference": reference}
            for column, target in REVIEW_COLUMNS.items():
                if cells.get(column):
                    value: Any = cells[column]
                    if column in LISTS:
                        value = [x.strip() for x in value.split(";") if x.strip()]
                    holder = raw
                    for key in target[:-1]:
                        holder = holder.setdefault(key, {})
                    holder[target[-1]] = value
            if reference in reviews:
                problems.append(f"{where}: reference: {reference} has a review row already")
                continue
            reviews[reference] = Row(raw, where, {})
        elif record in ITEM_COLUMNS:
            owner = reviews.get(reference)
            if owner is None:
                problems.append(f"{where}: reference: no review row for {reference!r} above it")
                continue
            names = ITEM_COLUMNS[record]
            item = {
                name: cells[column]
                for name in names
                if cells.get(column := "text" if name == "description" else name)
            }
            items = owner.raw.setdefault(ITEM_LISTS[record], [])
            owner.items[f"{ITEM_LISTS[record]}.{len(items)}"] = f"line {line}"
            items.append(item)
        else:
            problems.append(f"{where}: record: must be review, {', '.join(ITEM_COLUMNS)}")
    return list(reviews.values())


async def record_review(client: Client, task_queue: str, review: ImportedReview) -> bool:
    """Refer the review and drive it to closure; False if it was recorded before (its
    workflow has ended). Each command has its own update id: sent again, it is
    answered, not applied twice."""
    opened = await refer(client, task_queue, referral(review))
    handle = opened.handle
    if not opened.created:
        status = (await handle.describe()).status
        if status != WorkflowExecutionStatus.RUNNING:
            return False
    for step in steps(review):
        await execute_command(handle, step.name, step.command, f"ipr-import-{step.key}")
    # Closed once the read model holds the closure (workflows/ipr_core.py).
    await handle.result()
    return True


async def live_clashes(client: Client, reviews: list[ImportedReview]) -> list[str]:
    """References held by a review running in the engine that was not imported: an
    import never sends its commands to a live review."""
    gate = asyncio.Semaphore(8)

    async def one(review: ImportedReview) -> str | None:
        handle = client.get_workflow_handle(ipr_workflow_id(review.reference))
        async with gate:
            try:
                status = (await handle.describe()).status
            except RPCError as error:
                if error.status == RPCStatusCode.NOT_FOUND:
                    return None
                raise
            if status != WorkflowExecutionStatus.RUNNING:
                return None
            view = await handle.query("ipr_view")
        if isinstance(view, dict) and view.get("imported"):
            return None
        return (
            f"reference: {review.reference} is a review running in the engine, not an "
            "import; nothing was started"
        )

    return [p for p in await asyncio.gather(*(one(r) for r in reviews)) if p]


async def record_reviews(
    client: Client, task_queue: str, reviews: list[ImportedReview], at_once: int = 8
) -> tuple[int, int]:
    """(recorded now, recorded before)."""
    gate = asyncio.Semaphore(at_once)

    async def one(review: ImportedReview) -> bool:
        async with gate:
            return await record_review(client, task_queue, review)

    done = await asyncio.gather(*(one(r) for r in reviews))
    return sum(done), len(done) - sum(done)


async def run_ipr_import(args: argparse.Namespace) -> int:
    """Exit status 0 when every review is recorded (now or before); 2 (BAD_INPUT) when
    any row is bad: each is reported and nothing is started."""
    reviews, problems = read_reviews(Path(args.file))
    for problem in problems:
        err.print(f"[red]{escape(problem)}[/red]", highlight=False)
    if problems:
        out.print(f"0 recorded: {len(problems)} bad rows; nothing was started")
        return BAD_INPUT
    if not reviews:
        out.print("0 recorded: the file holds no review")
        return DONE
    client = await connect()
    clashes = await live_clashes(client, reviews)
    for problem in clashes:
        err.print(f"[red]{escape(problem)}[/red]", highlight=False)
    if clashes:
        return BAD_INPUT
    recorded, before = await record_reviews(client, Settings().task_queue, reviews)
    out.print(f"{recorded} recorded, {before} recorded before")
    return DONE
