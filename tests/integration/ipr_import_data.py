"""Invented reviews completed before the engine, as plain data, for the import and
publication tests: 56 of them, 26 completed in 2018-19 and 28 in 2019-20, one on the
last day of 2017-18 and one on the first day of 2020-21. In 2019-20, UC learning is
identified in 12 cases, and UC is a primary line of 2 of them only.

`expected(...)` works out every figure of the publication from this plain data,
without the engine, the read model or the publication's code."""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

UC, MULTIPLE = "UC", "Multiple Service Lines"
PRIMARY_CHOICES = [
    ("PIP",),
    ("ESA",),
    ("PIP", "ESA"),
    ("DLA",),
    ("Carer's Allowance",),
    ("Pension Credit",),
    ("JSA", "ESA"),
    ("Attendance Allowance",),
    ("State Pension",),
    ("Income Support",),
]
FINDING_CHOICES = [
    "PIP",
    "ESA",
    "ACS",
    "Complaints",
    "Debt Management",
    "Counter Fraud and Compliance",
    "Contract Management Partner Delivery",
    "Bereavement Services",
]
SCRUTINY = ["safeguarding_adults_review", "domestic_homicide_review", "inquest_interested_party"]


@dataclass(frozen=True)
class Review:
    n: int
    reference: str
    primary: tuple[str, ...]
    completed_on: date
    external: tuple[str, ...]
    learning: tuple[str, ...]
    activities: tuple[str, ...]
    outcomes: tuple[str, ...]

    @property
    def received_on(self) -> date:
        return self.completed_on - timedelta(days=120)

    @property
    def findings_on(self) -> date:
        return self.received_on + timedelta(days=60)

    @property
    def agreed_on(self) -> date:
        return self.findings_on + timedelta(days=5)


def learning_text(n: int, k: int, line: str) -> str:
    return f"Learning {k} of review {n} for {line}"


def activity_text(n: int, k: int, line: str) -> str:
    return f"Activity {k} of review {n}: {line} to assure the IPRG"


def outcome_text(n: int, k: int, line: str) -> str:
    return f"Outcome {k} of review {n} for {line}"


def _days(first: date, count: int, rng: random.Random) -> list[date]:
    """`count` different days in the reporting year starting on `first`, in order."""
    return sorted(first + timedelta(days=d) for d in rng.sample(range(365), count))


def reviews(prefix: str) -> list[Review]:
    rng = random.Random(14)
    found: list[Review] = []

    def add(primary: tuple[str, ...], on: date, learning: tuple[str, ...]) -> None:
        n = len(found) + 1
        activities = tuple(
            rng.choice([line, line, "ACS"]) for line in learning for _ in range(rng.randint(0, 2))
        )
        external = (rng.choice(SCRUTINY),) if rng.random() < 0.3 else ()
        found.append(
            Review(
                n=n,
                reference=f"{prefix}-{n:03d}",
                primary=primary,
                completed_on=on,
                external=external,
                learning=learning,
                activities=activities,
                outcomes=tuple(dict.fromkeys(learning)),
            )
        )

    def some_learning() -> tuple[str, ...]:
        if rng.random() < 0.25:
            return ()
        lines = rng.sample(FINDING_CHOICES, rng.randint(1, 2))
        if rng.random() < 0.15:
            lines.append(MULTIPLE)
        return tuple(lines)

    # 2018-19: 26 reviews, UC a primary line now and then.
    for on in _days(date(2018, 4, 1), 26, rng):
        primary = rng.choice([*PRIMARY_CHOICES, (UC,), (UC, "PIP")])
        learning = some_learning()
        if UC in primary and learning and rng.random() < 0.5:
            learning = (UC, *learning)
        add(primary, on, learning)
    # 2019-20: 28 reviews; UC learning in the first 12, UC primary in 2 of them only.
    days = _days(date(2019, 4, 1), 28, rng)
    uc_cases = set(rng.sample(range(28), 12))
    uc_primary = set(rng.sample(sorted(uc_cases), 2))
    for i, on in enumerate(days):
        primary = (UC, "PIP") if i in uc_primary else rng.choice(PRIMARY_CHOICES)
        learning = some_learning()
        if i in uc_cases:
            learning = (UC, *[x for x in learning if x != UC])
        add(primary, on, learning)
    # Just outside both years.
    add(("ESA",), date(2018, 3, 31), ("ESA",))
    add((UC,), date(2020, 4, 1), (UC,))
    return found


def import_rows(items: list[Review]) -> list[dict[str, Any]]:
    """The reviews as an import's JSON file holds them."""
    rows = []
    for r in items:
        rows.append(
            {
                "reference": r.reference,
                "referrer": {
                    "name": "Robin Referrer",
                    "role": "Work coach",
                    "email": "robin.referrer@dwp.gov.uk",
                },
                "received_on": r.received_on.isoformat(),
                "customer": {"full_name": f"Alex Sample{r.n}"},
                "summary": "Concern about contact with the department",
                "service_lines": list(r.primary),
                "allegation": not r.external,
                "harm": "none" if r.external else "death",
                "external_reviews": list(r.external),
                "screened_on": (r.received_on + timedelta(days=3)).isoformat(),
                "investigator": "investigator-1",
                "findings_on": r.findings_on.isoformat(),
                "learning": [
                    {"service_line": line, "text": learning_text(r.n, k, line)}
                    for k, line in enumerate(r.learning, 1)
                ],
                **({"agreed_on": r.agreed_on.isoformat()} if r.activities else {}),
                "activities": [
                    {
                        "service_line": line,
                        "description": activity_text(r.n, k, line),
                        "due_on": (r.agreed_on + timedelta(days=30)).isoformat(),
                        "assured_on": (r.agreed_on + timedelta(days=20)).isoformat(),
                        "evidence": "Owner confirmed the change",
                    }
                    for k, line in enumerate(r.activities, 1)
                ],
                "outcomes": [
                    {
                        "service_line": line,
                        "text": outcome_text(r.n, k, line),
                        "recorded_on": (r.agreed_on + timedelta(days=25)).isoformat(),
                    }
                    for k, line in enumerate(r.outcomes, 1)
                ],
                "completed_on": r.completed_on.isoformat(),
            }
        )
    return rows


@dataclass(frozen=True)
class ExpectedSection:
    cases_with_learning: int
    agreed_activities: int
    # Per customer, numbered in completion order: (learning, activities, outcomes) texts.
    customers: list[tuple[list[str], list[str], list[str]]]


@dataclass(frozen=True)
class Expected:
    completed: int
    external_scrutiny: int
    learning_identified: int
    agreed_activities: int
    by_primary_line: Counter[str]
    sections: dict[str, ExpectedSection]


def expected(items: list[Review], first: date) -> Expected:
    """Every figure of the publication for the year starting `first` (1 April)."""
    last = date(first.year + 1, 3, 31)
    done = sorted(
        (r for r in items if first <= r.completed_on <= last), key=lambda r: r.completed_on
    )
    lines = {x for r in done for x in (*r.learning, *r.activities, *r.outcomes)}
    sections = {}
    for line in lines:
        customers = []
        for r in done:
            learning = [learning_text(r.n, k, x) for k, x in enumerate(r.learning, 1) if x == line]
            acts = [activity_text(r.n, k, x) for k, x in enumerate(r.activities, 1) if x == line]
            outs = [outcome_text(r.n, k, x) for k, x in enumerate(r.outcomes, 1) if x == line]
            if learning or acts or outs:
                customers.append((learning, acts, outs))
        sections[line] = ExpectedSection(
            cases_with_learning=sum(1 for r in done if line in r.learning),
            agreed_activities=sum(r.activities.count(line) for r in done),
            customers=customers,
        )
    return Expected(
        completed=len(done),
        external_scrutiny=sum(1 for r in done if r.external),
        learning_identified=sum(1 for r in done if r.learning),
        agreed_activities=sum(len(r.activities) for r in done),
        by_primary_line=Counter(x for r in done for x in r.primary),
        sections=sections,
    )
