"""Bounds on input: the one place the limits are set (README, "Bounds on input").

Each limit says why. Static limits hold everywhere; limits relative to today are
checked at the edges (the client, with `today` in the validation context) and, in
the workflows, by `decide` against the workflow's own clock, which is
deterministic and is the shifted calendar the simulator plays on.
"""

from datetime import date
from decimal import Decimal

# --- dates ----------------------------------------------------------------------

# Universal Credit's first claims (Pathfinder, Ashton-under-Lyne): no claim, assessment
# period, migration notice or award date can be earlier.
UC_START = date(2013, 4, 29)
# Other business dates (rent movements, arrangements, DHPs, IPR dates): the landlord's
# and DWP's digital records we exchange begin after this; an earlier date is a typo.
RECORDS_START = date(2000, 1, 1)
# Dates of birth, deaths and tenancy starts: no one we hold was born, and no tenancy we
# manage began, before this.
EARLIEST_DATE = date(1900, 1, 1)
# The latest any date may be, whatever today is: refuses 9999-12-31 and the overflow it
# brings (date arithmetic past year 9999 raises). The simulator's 28-year calendar
# shifts stay inside 1901-2099.
LATEST_DATE = date(2099, 12, 31)
# A business date at most this many years after today (claims, notices, plans and
# awards are made for months ahead, never decades).
YEARS_AHEAD = 5
# A call-back is due at most this many years after it is asked for.
CALL_BACK_YEARS = 2
# A resident's age on the day a case is opened: UC claimants are 16 or over (18 with
# exceptions for 16-17 year olds, reg 8 UC Regs 2013); 120 is beyond anyone living.
MIN_AGE, MAX_AGE = 16, 120
# IPR customers include children (DLA is claimed for under-16s): no minimum age.
# A scenario (`starter.py simulate`) plays at most this many years after its first day.
SCENARIO_YEARS = 5

# --- money ----------------------------------------------------------------------

# A rent account balance (arrears or credit) is at most £100,000 either way: twenty
# years' social rent, far beyond any real account; refuses an opening balance of
# -£5,000,000 and keeps every sum well inside the read model's NUMERIC(12, 2).
MAX_BALANCE = Decimal("100000.00")
# One rent movement (charge, payment, TPD credit) and one period's rent are at most
# £10,000; so are monthly benefit amounts (housing element, standard allowance, award,
# a deduction, a DHP award).
MAX_AMOUNT = Decimal("10000.00")
# Capital on migration day: beyond £16,000 only the transitional disregard matters;
# £1,000,000 is beyond any tax credit claimant's.
MAX_CAPITAL = Decimal("1000000.00")

# --- text and payloads ----------------------------------------------------------

# Lengths match the read model's columns (activities/db.py): author String(64),
# outcome String(200), resident_name String(200), address String(400).
ACTOR_CHARS = 64
SHORT_CHARS = 200
TEXT_CHARS = 4000
# One command's JSON as the client sends it. Temporal refuses a gRPC message over 4 MB
# and warns over 512 KB per payload; the client refuses over this first, naming it.
MAX_PAYLOAD_BYTES = 512 * 1024
# Lists in one command (factors, deductions, activities, service lines...).
MAX_ITEMS = 50
