"""Value types every command and input shares: text the read model can store, dates,
moments and amounts inside the bounds of domain/bounds.py. Each refusal names its rule;
pydantic puts the field's path in front.

Two keys of pydantic's validation `context` steer them:
- "today" (a date): the rules relative to today run only when it is given. Clients
  give it; inside a workflow `decide` checks the same limits against the workflow's
  clock (`check_horizon`), which is deterministic and the simulator's shifted calendar.
- "stored" (True): the payload was accepted earlier and is being read back (history,
  carried state); none of these rules run, so tightening one never fails a running case.
"""

import dataclasses
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field, ValidationInfo

from domain import bounds as b
from domain.dates import add_months
from domain.errors import DomainError

# C0 controls but tab, line feed and carriage return; DEL; C1; lone surrogates (they
# cannot be encoded as UTF-8). PostgreSQL refuses NUL in text and JSON outright.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# One line: no control character at all, nor a Unicode line or paragraph separator
# (an actor id lands in logs, audit rows and journal headers).
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x09: "TAB", 0x0A: "LF", 0x0D: "CR"}
_NAMES |= {0x1B: "ESC", 0x7F: "DEL", 0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR"}


def stored(info: ValidationInfo) -> bool:
    """Whether the payload is being read back (history, carried state): no new rule."""
    return bool(isinstance(info.context, dict) and info.context.get("stored"))


def _today(info: ValidationInfo) -> date | None:
    today = info.context.get("today") if isinstance(info.context, dict) else None
    return today if isinstance(today, date) else None


def _found(pattern: re.Pattern[str], value: str) -> str | None:
    match = pattern.search(value)
    if match is None:
        return None
    code = ord(match.group())
    name = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else _NAMES.get(code, "a control")
    return f"{name} character (U+{code:04X}) at position {match.start() + 1}"


def storable_text(value: str, info: ValidationInfo) -> str:
    found = None if stored(info) else _found(_CONTROL, value)
    if found:
        raise ValueError(
            f"must not contain control characters (tab, line feed and carriage return "
            f"are allowed): found {found}"
        )
    return value


def one_line(value: str, info: ValidationInfo) -> str:
    found = None if stored(info) else _found(_NOT_ONE_LINE, value)
    if found:
        raise ValueError(f"must be one line without control characters: found {found}")
    return value


STORABLE = AfterValidator(storable_text)
ONE_LINE = AfterValidator(one_line)


def rule(broken: Callable[[Any], str | None]) -> AfterValidator:
    """A bound as a validator that a stored payload skips: `broken(value)` says which
    rule the value breaks, or None."""

    def check(value: Any, info: ValidationInfo) -> Any:
        found = None if stored(info) else broken(value)
        if found:
            raise ValueError(found)
        return value

    return AfterValidator(check)


def at_most_chars(n: int) -> AfterValidator:
    return rule(lambda v: f"must have at most {n} characters" if len(v) > n else None)


def at_most_items(n: int) -> AfterValidator:
    return rule(lambda v: f"must have at most {n} items" if len(v) > n else None)


def at_most(n: int) -> AfterValidator:
    return rule(lambda v: f"must be at most {n}" if v > n else None)


def pounds(low: Decimal, high: Decimal) -> AfterValidator:
    what = f"within ±£{high:,}" if low == -high else f"at most £{high:,}"
    return rule(lambda v: None if low <= v <= high else f"must be {what}")


Text = Annotated[str, Field(min_length=1, max_length=b.TEXT_CHARS), STORABLE]
# Optional free text: may be empty.
Note = Annotated[str, Field(max_length=b.TEXT_CHARS), STORABLE]
Short = Annotated[str, Field(min_length=1, max_length=b.SHORT_CHARS), STORABLE]
# Who did it: a staff or system id.
Actor = Annotated[str, Field(min_length=1, max_length=b.ACTOR_CHARS), ONE_LINE]
# A name, a label or a reference: one line.
Label = Annotated[str, Field(min_length=1, max_length=b.SHORT_CHARS), ONE_LINE]
# A short tag in a list or a dict key (a factor, an award element): one line.
Tag = Annotated[str, ONE_LINE, at_most_chars(b.SHORT_CHARS)]


def _years_after(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def _window(earliest: date, why: str, years_ahead: int) -> AfterValidator:
    def check(value: date, info: ValidationInfo) -> date:
        if stored(info):
            return value
        if value < earliest:
            raise ValueError(f"must be on or after {earliest.isoformat()} ({why})")
        if value > b.LATEST_DATE:
            raise ValueError(f"must be on or before {b.LATEST_DATE.isoformat()}")
        today = _today(info)
        if today is not None and value > (latest := _years_after(today, years_ahead)):
            if years_ahead == 0:
                raise ValueError(f"cannot be in the future (today is {today.isoformat()})")
            raise ValueError(
                f"must be at most {years_ahead} years after today: on or before "
                f"{latest.isoformat()}"
            )
        return value

    return AfterValidator(check)


_UC = "Universal Credit began on 2013-04-29"
_RECORDS = "no record we exchange is older"
_EARLIEST = "no earlier date is plausible"
# Claims, assessment periods, migration notices and awards.
UcDate = Annotated[date, _window(b.UC_START, _UC, b.YEARS_AHEAD)]
# Any other business date: movements, arrangements, DHPs, plans, IPR dates.
BusinessDate = Annotated[date, _window(b.RECORDS_START, _RECORDS, b.YEARS_AHEAD)]
# A tenancy's start.
TenancyDate = Annotated[date, _window(b.EARLIEST_DATE, _EARLIEST, b.YEARS_AHEAD)]
# A date that has already happened (a death).
PastDate = Annotated[date, _window(b.EARLIEST_DATE, _EARLIEST, 0)]


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def birth_rule(born: date, today: date, min_age: int) -> str | None:
    """The rule a date of birth breaks on `today`, or None: in the past, and an age
    from `min_age` to MAX_AGE."""
    if born >= today:
        return f"must be in the past (today is {today.isoformat()})"
    age = _age(born, today)
    if not min_age <= age <= b.MAX_AGE:
        return f"gives an age of {age} today; it must be {min_age} to {b.MAX_AGE}"
    return None


def _birth(min_age: int) -> AfterValidator:
    def check(value: date, info: ValidationInfo) -> date:
        if stored(info):
            return value
        if not b.EARLIEST_DATE <= value <= b.LATEST_DATE:
            raise ValueError(
                f"must be between {b.EARLIEST_DATE.isoformat()} and {b.LATEST_DATE.isoformat()}"
            )
        today = _today(info)
        rule = birth_rule(value, today, min_age) if today is not None else None
        if rule:
            raise ValueError(rule)
        return value

    return AfterValidator(check)


# A UC resident: 16 to 120 years old.
BirthDate = Annotated[date, _birth(b.MIN_AGE)]
# An IPR customer: any age to 120 (DLA is claimed for children).
CustomerBirthDate = Annotated[date, _birth(0)]


def _call_back(value: datetime, info: ValidationInfo) -> datetime:
    if stored(info):
        return value
    day = value.date()
    if not b.EARLIEST_DATE <= day <= b.LATEST_DATE:
        raise ValueError(
            f"must be between {b.EARLIEST_DATE.isoformat()} and {b.LATEST_DATE.isoformat()}"
        )
    today = _today(info)
    if today is not None and day > (latest := _years_after(today, b.CALL_BACK_YEARS)):
        raise ValueError(
            f"must be at most {b.CALL_BACK_YEARS} years ahead: on or before {latest.isoformat()}"
        )
    return value


# When a call-back is due: a UTC offset is required, at most 2 years ahead.
CallBackMoment = Annotated[AwareDatetime, AfterValidator(_call_back)]

# Money: pounds and pence, as the read model's NUMERIC(12, 2) holds them.
_MONEY = Field(max_digits=12, decimal_places=2)
# A balance: arrears (positive) or credit (negative), within ±£100,000.
Balance = Annotated[Decimal, _MONEY, pounds(-b.MAX_BALANCE, b.MAX_BALANCE)]
# One movement, one period's rent or one monthly benefit amount: £0 to £10,000.
Amount = Annotated[Decimal, _MONEY, Field(ge=0), pounds(Decimal(0), b.MAX_AMOUNT)]
# More than £0, at most £10,000 (a period's rent, a deduction, an award).
PositiveAmount = Annotated[Decimal, _MONEY, Field(gt=0), pounds(Decimal(0), b.MAX_AMOUNT)]
# Capital on migration day: £0 to £1,000,000.
Capital = Annotated[Decimal, _MONEY, Field(ge=0), pounds(Decimal(0), b.MAX_CAPITAL)]


def check_horizon(command: Any, today: date) -> None:
    """Every date a command carries is at most YEARS_AHEAD years after `today` (the
    workflow's business date): `decide`'s half of the rule the client checks first."""
    latest = _years_after(today, b.YEARS_AHEAD)
    for path, value in _dates(command, ""):
        day = value.date() if isinstance(value, datetime) else value
        if day > latest:
            raise DomainError(
                path,
                f"must be at most {b.YEARS_AHEAD} years after today ({today.isoformat()}): "
                f"on or before {latest.isoformat()}",
            )


def _dates(value: Any, path: str) -> list[tuple[str, date]]:
    if isinstance(value, date):
        return [(path, value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            found
            for f in dataclasses.fields(value)
            for found in _dates(getattr(value, f.name), f"{path}.{f.name}".lstrip("."))
        ]
    if isinstance(value, tuple | list):
        return [found for i, item in enumerate(value) for found in _dates(item, f"{path}.{i}")]
    return []
