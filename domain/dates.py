"""Calendar rules: assessment periods (UC Regulations 2013, reg 21) and month arithmetic."""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def last_day_of_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the end of a shorter month."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    month = month0 + 1
    return date(year, month, min(day.day, last_day_of_month(year, month)))


def period_end(start: date, months: int) -> date:
    """Last day of the period of `months` months beginning with `start` (so 3
    months beginning with 30 November end on the last day of February)."""
    return add_months(start - timedelta(days=1), months)


def ap_start(first_day: date, index: int) -> date:
    """Start of assessment period `index` (0 = the first) of an award whose
    first date of entitlement is `first_day`.

    Reg 21: each AP starts on the same day of the next month; a first date on
    the 31st gives the last day of each month; on the 29th or 30th, February's
    AP starts on the 27th (28th in a leap year).
    """
    if index < 0:
        raise ValueError("index: an assessment period index is 0 or more")
    if index == 0:
        return first_day
    year, month0 = divmod(first_day.month - 1 + index, 12)
    year += first_day.year
    month = month0 + 1
    day = first_day.day
    if day == 31:
        return date(year, month, last_day_of_month(year, month))
    if day in (29, 30) and month == 2:
        return date(year, 2, 28 if calendar.isleap(year) else 27)
    return date(year, month, day)


def ap_end(first_day: date, index: int) -> date:
    return ap_start(first_day, index + 1) - timedelta(days=1)


def ap_index(first_day: date, day: date) -> int:
    """Index of the assessment period containing `day` (which is on or after `first_day`)."""
    if day < first_day:
        raise ValueError("day: falls before the first assessment period")
    index = max(0, (day.year - first_day.year) * 12 + day.month - first_day.month - 1)
    while ap_start(first_day, index + 1) <= day:
        index += 1
    return index


# Business dates are the landlord's and DWP's: the calendar day in the UK. The
# engine keeps instants in UTC and turns them into UK dates (and back) here.
UK = ZoneInfo("Europe/London")


def business_date(now: datetime) -> date:
    """The UK calendar day of an aware instant."""
    return now.astimezone(UK).date()


def start_of_day(day: date) -> datetime:
    """The UTC instant at which a UK calendar day begins (00:00 GMT or BST)."""
    return datetime.combine(day, time.min, tzinfo=UK).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The UTC instant at which a UK calendar day has ended: the midnight after it."""
    return start_of_day(day + timedelta(days=1))


def uk_time(at: datetime) -> str:
    """`Tue 8 Dec 14:00`: UK local time (GMT or BST), as staff read it."""
    local = at.astimezone(UK)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def uk_date(day: date) -> str:
    """`Tue 8 Dec 2026`."""
    return f"{day:%a} {day.day} {day:%b %Y}"
