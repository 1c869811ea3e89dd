"""UC47 and APA1 (docs/rules.md#forms, docs/forms.md) rendered from case data as a PDF and
a structured JSON payload, stored once per content hash in the shared file store
(activities/files/). The landlord's details, and the officer who signs the declaration,
are not case data: the activity reads them from configuration when it renders, and
refuses the demo's placeholders outside the demo (CASEWORK_DEMO). No SQLAlchemy here
(the store is imported when used): workflows import the request types (through
imports_passed_through) and `structured`, so everything before the store is pure.

Fit to send: no field is blank or "None" (one that does not apply is left out or says
why), money is written as a rent statement writes it (£1,234.56; a credit balance as
"£50.50 in credit"), dates are UK dates (3 December 2026)."""

import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import ListFlowable
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.policy import LANDLORD_ENV, PolicyFileError, read_landlord
from domain.case.model import ArrangementSummary, CaseState, RequestFacts
from domain.dates import business_date
from domain.policy import Landlord
from domain.vulnerability import TIER_1_FACTORS, TIER_2_FACTORS

if TYPE_CHECKING:
    from activities.files.store import FileStore

# 2: the payload in the online service's terms (docs/forms.md), fit-to-send rendering.
FORM_VERSION = "2"
TITLES = {
    "UC47": "UC47 – Landlord request for a managed payment and/or rent arrears deduction",
    "APA1": "APA1 – Alternative Payment Arrangement request pack",
}
REQUESTS = {
    "managed_payment": "Managed payment of rent to the landlord",
    "arrears_deduction": "Deduction for rent arrears",
    "both": "Managed payment of rent and deduction for rent arrears",
}
# What the online service asks the landlord to apply for, by request.
APPLYING_FOR = {
    "managed_payment": ["managed_payment_to_landlord"],
    "arrears_deduction": ["rent_arrears_deduction"],
    "both": ["managed_payment_to_landlord", "rent_arrears_deduction"],
}
APA_TYPES = {
    "managed_payment_to_landlord": "Managed payment to landlord",
    "more_frequent_payments": "More frequent payments",
    "split_payments": "Split payments",
}
FREQUENCIES = {
    "weekly": "a week",
    "fortnightly": "a fortnight",
    "four_weekly": "every four weeks",
    "monthly": "a month",
}
DEMO_LINE = "DEMO — not for submission: the landlord's details are the demo's placeholders."

# (date, description, amount, balance): one line of the rent account extract; the
# amount is signed as it moves the balance (a payment is negative).
EvidenceLine = tuple[date, str, Decimal, Decimal]


# --- how a rent statement writes money and dates ------------------------------------

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def uk_date(day: date) -> str:
    """`3 December 2026`: the one date format on every form (no locale involved)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def pounds(value: Decimal) -> str:
    """An amount as a statement writes it, without sign: `£1,234.56`."""
    return f"£{abs(value).quantize(Decimal('0.01')):,}"


def balance_text(value: Decimal) -> str:
    """A rent account balance: arrears positive (`£583.33`), a credit `£50.50 in credit`."""
    return f"{pounds(value)} in credit" if value < 0 else pounds(value)


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONEY = re.compile(r"£(-?)(\d[\d,]*(?:\.\d+)?)")


def _iso_to_uk(match: re.Match[str]) -> str:
    try:
        return uk_date(date(int(match[1]), int(match[2]), int(match[3])))
    except ValueError:
        return match[0]


def _money_to_statement(match: re.Match[str]) -> str:
    try:
        amount = Decimal(match[2].replace(",", ""))
    except InvalidOperation:
        return match[0]
    return balance_text(-amount if match[1] else amount)


def statement_text(text: str) -> str:
    """Free text recorded with a request (its grounds, its evidence, a movement's
    description): ISO dates as UK dates, money as a statement writes it. Requests kept
    in running workflows and saved histories hold text written before these rules."""
    return _MONEY.sub(_money_to_statement, _ISO_DATE.sub(_iso_to_uk, text))


def _amount(value: Decimal) -> str:
    """Money in the payload: a plain decimal string, two places."""
    return str(value.quantize(Decimal("0.01")))


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b", re.IGNORECASE)


def postcode_of(address: str) -> str | None:
    """The UK postcode at the end of an address, as the online service asks for it."""
    found = _POSTCODE.findall(address)
    return f"{found[-1][0]} {found[-1][1]}".upper() if found else None


@dataclass(frozen=True)
class Correspondent:
    """An appointee or attorney: letters and decisions go to them (docs/rules.md#safeguards)."""

    kind: str
    name: str
    contact: str
    # Their authority, as the case verified it (docs/representatives.md): requests
    # from before verification carry none.
    verified_on: date | None = None
    evidence: str | None = None
    evidence_reference: str | None = None
    verification_required: bool = False


@dataclass(frozen=True)
class Uc47Data:
    # Requests built before the landlord's details were read at rendering carry
    # landlord_name, landlord_reference and landlord_payment (in saved histories and
    # running arrangements' inputs): ignored, never refused, even inside strict inputs.
    __pydantic_config__ = ConfigDict(extra="ignore")

    tenancy_ref: str
    resident_name: str
    address: str
    ni_number: str | None
    date_of_birth: date | None
    rent_amount: Decimal
    rent_frequency: str
    monthly_rent: Decimal
    arrears: Decimal
    arrears_evidence: tuple[EvidenceLine, ...]
    request: Literal["managed_payment", "arrears_deduction", "both"]
    deduction_rate_percent: Decimal | None
    tier_reasons: tuple[str, ...]
    # The staff id of who made the request (kept in the payload's `case`); the
    # declaration is signed by the configured officer, never a staff id.
    requested_by: str
    requested_on: date
    # Why the landlord asks (the MPTL conditions met, or the arrears).
    grounds: tuple[str, ...] = ()
    standard_allowance: Decimal | None = None
    deduction_amount: Decimal | None = None
    correspondent: Correspondent | None = None
    # The rent account balance when requested (negative: in credit); None in requests
    # made before it was kept, which print `arrears` alone.
    balance: Decimal | None = None
    # The landlord's own reference for the home (the tenancy's `landlord_ref`).
    property_ref: str | None = None

    def __post_init__(self) -> None:
        # DWP matches the resident on NI number or, failing that, date of birth.
        if not self.ni_number and self.date_of_birth is None:
            raise ValueError("UC47 needs the resident's NI number or date of birth")
        if (self.request != "managed_payment") != (self.deduction_rate_percent is not None):
            raise ValueError("UC47 gives a deduction rate exactly when it asks for a deduction")


@dataclass(frozen=True)
class Apa1Data:
    tenancy_ref: str
    resident_name: str
    apa_type: Literal["managed_payment_to_landlord", "more_frequent_payments", "split_payments"]
    tier_1: tuple[str, ...]
    tier_2: tuple[str, ...]
    evidence: tuple[str, ...]
    # The assessor's staff id ("" when no assessment was recorded before the request).
    assessed_by: str
    assessed_on: date
    correspondent: Correspondent | None = None
    property_ref: str | None = None


@dataclass(frozen=True)
class FormRequest:
    case_id: str
    form: Literal["UC47", "APA1"]
    data: Uc47Data | Apa1Data

    def __post_init__(self) -> None:
        if isinstance(self.data, Uc47Data) != (self.form == "UC47"):
            raise ValueError(f"{self.form} request carries {type(self.data).__name__}")


@dataclass(frozen=True)
class StoredForm:
    form: str
    sha256: str
    pdf_path: str
    json_path: str
    created: bool


# --- the landlord's details: placeholders refused outside the demo ---------------------

_DEMO_LANDLORD = Landlord()
# The landlord's details each form prints (an APA1 prints no bank details).
PRINTED: dict[str, tuple[str, ...]] = {
    "UC47": tuple(f.name for f in fields(Landlord)),
    "APA1": ("name", "officer_name", "officer_role", "phone", "email"),
}


class NotFitToSend(ValueError):
    """A form that would carry the demo's placeholder landlord, bank or officer details
    outside the demo. The message names each setting to set."""

    def __init__(self, form: str, settings: tuple[str, ...], message: str) -> None:
        self.form = form
        self.settings = settings
        super().__init__(message)


def placeholders(landlord: Landlord, form: str) -> tuple[str, ...]:
    """The landlord fields `form` prints that still hold the demo's placeholder."""
    return tuple(
        name for name in PRINTED[form] if getattr(landlord, name) == getattr(_DEMO_LANDLORD, name)
    )


def check_fit_to_send(form: str, landlord: Landlord, demo: bool) -> None:
    """Refuse the demo's placeholder details outside the demo (CASEWORK_DEMO), naming
    the variable (and the policy file field) for each."""
    if demo:
        return
    found = placeholders(landlord, form)
    if not found:
        return
    named = "; ".join(
        f"{LANDLORD_ENV[name]} (or landlord.{name} in the policy file) is the demo's "
        f"{getattr(landlord, name)!r}"
        for name in found
    )
    raise NotFitToSend(
        form,
        tuple(LANDLORD_ENV[name] for name in found),
        f"{form} not fit to send: {named}. Set the landlord's real details "
        "(docs/forms.md); placeholders are allowed only in the demo (CASEWORK_DEMO=1).",
    )


# --- the structured payload, in the online service's terms (docs/forms.md) -----------


def _landlord_payload(landlord: Landlord, form: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": landlord.name,
        "reference": landlord.reference,
        "contact": {"phone": landlord.phone, "email": landlord.email},
    }
    if form == "UC47":
        body["payment"] = {
            "account_name": landlord.account_name,
            "sort_code": landlord.sort_code,
            "account_number": landlord.account_number,
        }
    return body


def _declaration(landlord: Landlord, on: date) -> dict[str, Any]:
    return {
        "name": landlord.officer_name,
        "role": landlord.officer_role,
        "on_behalf_of": landlord.name,
        "phone": landlord.phone,
        "email": landlord.email,
        "date": on.isoformat(),
        "statement": DECLARATION,
    }


DECLARATION = (
    "I declare that the information given is correct and complete to the best of my "
    "knowledge, and that I am authorised to make this request for the landlord."
)
# Filled from what the form printed when it is rendered (the outbox takes them from
# the stored JSON): the workflow builds the rest from case data alone.
RENDERED_KEYS = ("landlord", "declaration", "demo")


def structured(
    request: FormRequest, landlord: Landlord | None = None, demo: bool = False
) -> dict[str, Any]:
    """The payload an online submission could carry: JSON types only, and no null: a
    field that does not apply is left out. `landlord` is the one the PDF printed, or
    None where no form was rendered (the workflow: the outbox then takes the landlord
    and the declaration from the stored form)."""
    d = request.data
    body: dict[str, Any] = {
        "form": request.form,
        "form_version": FORM_VERSION,
        "case_id": request.case_id,
    }
    if isinstance(d, Apa1Data):
        body |= {
            "tenancy": _tenancy_payload(d.tenancy_ref, d.property_ref),
            "resident_name": d.resident_name,
            "apa_type": d.apa_type,
            "tier_1": list(d.tier_1),
            "tier_2": list(d.tier_2),
            "evidence": [statement_text(e) for e in d.evidence],
            "assessment": {"date": d.assessed_on.isoformat()}
            | ({"assessed_by": d.assessed_by} if d.assessed_by else {}),
        }
        on = d.assessed_on
    else:
        body |= _uc47_payload(d)
        on = d.requested_on
    if d.correspondent is not None:
        c = d.correspondent
        body["correspondent"] = {"kind": c.kind, "name": c.name, "contact": c.contact}
        if c.verified_on is not None:  # what the landlord saw of their authority
            authority = {"verified_on": c.verified_on.isoformat(), "evidence": c.evidence}
            if c.evidence_reference:
                authority["reference"] = c.evidence_reference
            body["correspondent"]["authority"] = authority
    if landlord is not None:
        body["landlord"] = _landlord_payload(landlord, request.form)
        body["declaration"] = _declaration(landlord, on)
    if demo:
        body["demo"] = DEMO_LINE
    return body


def _tenancy_payload(tenancy_ref: str, property_ref: str | None) -> dict[str, Any]:
    refs = {"tenant_reference": tenancy_ref}
    return refs | ({"property_reference": property_ref} if property_ref else {})


def _uc47_payload(d: Uc47Data) -> dict[str, Any]:
    tenant: dict[str, Any] = {"full_name": d.resident_name, "address": d.address}
    postcode = postcode_of(d.address)
    if postcode:
        tenant["postcode"] = postcode
    if d.ni_number:
        tenant["national_insurance_number"] = d.ni_number
    if d.date_of_birth:
        tenant["date_of_birth"] = d.date_of_birth.isoformat()
    arrears: dict[str, Any] = {
        "amount": _amount(d.arrears),
        "statement": [
            {
                "date": on.isoformat(),
                "description": statement_text(what),
                "amount": _amount(amount),
                "balance": _amount(balance),
            }
            for on, what, amount, balance in d.arrears_evidence
        ],
    }
    if d.balance is not None:
        arrears["account_balance"] = _amount(d.balance)
    body: dict[str, Any] = {
        "applying_for": APPLYING_FOR[d.request],
        "request": d.request,
        "tenant": tenant,
        "tenancy": _tenancy_payload(d.tenancy_ref, d.property_ref)
        | {
            "rent": {
                "amount": _amount(d.rent_amount),
                "frequency": d.rent_frequency,
                "monthly": _amount(d.monthly_rent),
            }
        },
        "rent_arrears": arrears,
        "reasons": {
            "grounds": [statement_text(g) for g in d.grounds],
            "tier_factors": list(d.tier_reasons),
        },
        "case": {"requested_by": d.requested_by, "requested_on": d.requested_on.isoformat()},
    }
    rate = d.deduction_rate_percent
    if rate is not None:
        deduction = {"rate_percent": _amount(rate)}
        if d.standard_allowance is not None and d.deduction_amount is not None:
            deduction |= {
                "standard_allowance": _amount(d.standard_allowance),
                "monthly_amount": _amount(d.deduction_amount),
            }
        body["deduction"] = deduction
    return body


# --- the printable document ------------------------------------------------------------

_STYLES = getSampleStyleSheet()
_CELL = ParagraphStyle("cell", parent=_STYLES["BodyText"], fontSize=9, leading=11)
_DEMO = ParagraphStyle(
    "demo", parent=_STYLES["BodyText"], fontSize=11, leading=14, textColor=colors.red
)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
    ]
)


def _text(value: str) -> Paragraph:
    return Paragraph(value.replace("&", "&amp;").replace("<", "&lt;"), _CELL)


def _section(title: str, rows: list[tuple[str, str]]) -> list[Flowable]:
    for label, value in rows:
        if not value or not value.strip() or value.strip() == "None":
            # A field that does not apply is left out or says why: never blank.
            raise ValueError(f"{title}: {label} has no value to print")
    table = Table([[label, _text(value)] for label, value in rows], colWidths=[55 * mm, 115 * mm])
    table.setStyle(_GRID)
    return [KeepTogether([Paragraph(title, _STYLES["Heading2"]), table])]


def _bullets(title: str, items: tuple[str, ...], none: str) -> list[Flowable]:
    """A list, or `none` (why there is nothing to list) when it is empty."""
    body: Flowable = (
        ListFlowable(
            [_text(i) for i in items],
            bulletType="bullet",
            start="•",
            bulletFontName="Helvetica",
            bulletFontSize=9,
        )
        if items
        else _text(none)
    )
    return [KeepTogether([Paragraph(title, _STYLES["Heading2"]), body])]


def _identifier(value: str | None, other: str) -> str:
    return value or f"Not known: DWP can match the resident by {other}"


def _rent(d: Uc47Data) -> list[tuple[str, str]]:
    per = FREQUENCIES.get(d.rent_frequency, d.rent_frequency.replace("_", " "))
    rows = [
        ("Rent", f"{pounds(d.rent_amount)} {per}"),
        ("Monthly rent", pounds(d.monthly_rent)),
    ]
    if d.arrears > 0:
        rows.append(("Arrears", pounds(d.arrears)))
    elif d.balance is not None and d.balance < 0:
        rows.append(("Arrears", f"No arrears: the account is {balance_text(d.balance)}"))
    else:
        rows.append(("Arrears", "No arrears: the account is clear"))
    if d.balance is not None and d.balance != d.arrears:
        rows.append(("Rent account balance", balance_text(d.balance)))
    return rows


def _request_rows(d: Uc47Data) -> list[tuple[str, str]]:
    rate = d.deduction_rate_percent
    rows = [("Requested", REQUESTS[d.request])]
    if rate is None:
        rows.append(("Deduction", "No deduction requested: managed payment only"))
        return rows
    rows.append(("Deduction rate", f"{_percent(rate)} of the standard allowance"))
    if d.standard_allowance is not None and d.deduction_amount is not None:
        rows += [
            ("Standard allowance", f"{pounds(d.standard_allowance)} a month"),
            ("Deduction", f"{pounds(d.deduction_amount)} a month"),
        ]
    else:
        rows.append(
            ("Deduction", "DWP works out the amount from the standard allowance of the award")
        )
    return rows


def _extract_table(d: Uc47Data) -> Flowable:
    """The rent account as a statement prints it: charges and payments in their own
    columns, each line's balance (arrears positive, a credit `in credit`)."""
    lines: list[list[Any]] = [["Date", "Description", "Charged", "Paid", "Balance"]]
    for on, what, amount, balance in d.arrears_evidence:
        charged = pounds(amount) if amount > 0 else ""
        paid = pounds(amount) if amount < 0 else ""
        lines.append(
            [uk_date(on), _text(statement_text(what)), charged, paid, _text(balance_text(balance))]
        )
    table = Table(lines, colWidths=[30 * mm, 66 * mm, 22 * mm, 22 * mm, 30 * mm], repeatRows=1)
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("ALIGN", (2, 0), (3, -1), "RIGHT")]))
    return table


def _declaration_rows(landlord: Landlord, on: date) -> list[tuple[str, str]]:
    return [
        ("Declaration", DECLARATION),
        ("Name", landlord.officer_name),
        ("Role", landlord.officer_role),
        ("On behalf of", landlord.name),
        ("Telephone", landlord.phone),
        ("Email", landlord.email),
        ("Date", uk_date(on)),
    ]


def _uc47(d: Uc47Data, landlord: Landlord) -> list[Flowable]:
    tenancy = [
        ("Landlord", landlord.name),
        ("Landlord reference", landlord.reference),
        ("Tenancy reference", d.tenancy_ref),
    ]
    if d.property_ref:
        tenancy.append(("Property reference", d.property_ref))
    tenancy += [("Landlord's telephone", landlord.phone), ("Landlord's email", landlord.email)]
    return [
        *_section(
            "1. Resident",
            [
                ("Name", d.resident_name),
                ("Address", d.address),
                (
                    "National Insurance number",
                    _identifier(d.ni_number, "date of birth"),
                ),
                (
                    "Date of birth",
                    _identifier(
                        uk_date(d.date_of_birth) if d.date_of_birth else None,
                        "National Insurance number",
                    ),
                ),
            ],
        ),
        *_section("2. Landlord and tenancy", tenancy),
        *_section(
            "3. Payment to the landlord",
            [
                ("Account name", landlord.account_name),
                ("Sort code", landlord.sort_code),
                ("Account number", landlord.account_number),
            ],
        ),
        *_section("4. Request", _request_rows(d)),
        *_bullets(
            "Grounds for the request",
            tuple(statement_text(g) for g in d.grounds),
            "Not recorded: the request was made before the engine kept its grounds; "
            "see the rent account extract and the reasons below.",
        ),
        *_section("5. Rent and arrears", _rent(d)),
        KeepTogether([Paragraph("Rent account extract", _STYLES["Heading3"]), _extract_table(d)]),
        *_bullets(
            "6. Tier 1 and Tier 2 reasons",
            d.tier_reasons,
            "No Tier 1 or Tier 2 factor is claimed: the request rests on its grounds above.",
        ),
        *_correspondence("7. Correspondence", d.correspondent),
        *_section("8. Declaration", _declaration_rows(landlord, d.requested_on)),
    ]


REPRESENTATIVES = {
    "appointee": "Appointee",
    "lasting_power_of_attorney": "Lasting Power of Attorney",
    "deputy": "Deputy",
}


_EVIDENCE = {
    "dwp_appointee_letter": "DWP's appointee letter",
    "lpa_registered": "the registered Lasting Power of Attorney",
    "court_order": "the Court of Protection order",
}


def _authority(c: Correspondent) -> str:
    """What the landlord saw of the representative's authority, never a blank."""
    if c.verified_on is None and c.verification_required:
        return "Not yet verified: the landlord is checking the evidence of their authority"
    if c.verified_on is None:
        return "Not verified by the landlord (recorded before verification was required)"
    seen = _EVIDENCE.get(c.evidence or "", (c.evidence or "evidence").replace("_", " "))
    ref = f", reference {c.evidence_reference}" if c.evidence_reference else ""
    return f"Verified on {uk_date(c.verified_on)}: {seen} seen{ref}"


def _correspondence(title: str, c: Correspondent | None) -> list[Flowable]:
    if c is None:
        return _section(title, [("Correspondence to", "The resident")])
    return _section(
        title,
        [
            ("Correspondence to", f"{REPRESENTATIVES.get(c.kind, c.kind)}: {c.name}"),
            ("Contact", c.contact or "Not recorded: write to the resident's address"),
            ("Authority", _authority(c)),
            ("Note", "Send correspondence and decisions about this request to them."),
        ],
    )


def _apa1(d: Apa1Data, landlord: Landlord) -> list[Flowable]:
    resident = [("Name", d.resident_name), ("Tenancy reference", d.tenancy_ref)]
    if d.property_ref:
        resident.append(("Property reference", d.property_ref))
    resident.append(("APA type", APA_TYPES[d.apa_type]))
    assessed = [("Assessed on", uk_date(d.assessed_on))]
    assessed.insert(
        0,
        (
            "Assessor's staff reference",
            d.assessed_by
            or "Not recorded: no vulnerability assessment was on the case when requested",
        ),
    )
    return [
        *_section("1. Resident", resident),
        *_bullets(
            "2. Tier 1 factors (highly likely need)",
            d.tier_1,
            "No Tier 1 factor found in the assessment.",
        ),
        *_bullets(
            "3. Tier 2 factors (possible need)",
            d.tier_2,
            "No Tier 2 factor found in the assessment.",
        ),
        *_bullets(
            "4. Evidence",
            tuple(statement_text(e) for e in d.evidence),
            "No evidence recorded beyond the assessment.",
        ),
        *_correspondence("5. Correspondence", d.correspondent),
        *_section("6. Assessment", assessed),
        *_section("7. Declaration", _declaration_rows(landlord, d.assessed_on)),
    ]


def _watermark(canvas: Canvas, _doc: Any) -> None:
    """`DEMO — not for submission` across every page of a demo form."""
    canvas.saveState()
    canvas.setFont("Helvetica-Bold", 40)
    canvas.setFillColor(colors.Color(1, 0, 0, alpha=0.15))
    canvas.translate(A4[0] / 2, A4[1] / 2)
    canvas.rotate(45)
    canvas.drawCentredString(0, 0, "DEMO — not for submission")
    canvas.restoreState()


def render_pdf(request: FormRequest, landlord: Landlord | None = None, demo: bool = False) -> bytes:
    """An A4 PDF. invariant=1 pins reportlab's creation date and document id, so the
    same request, landlord and demo flag give the same bytes and the same content hash
    on every retry. Every form prints the landlord's declaration, so needs `landlord`;
    a demo form says "DEMO — not for submission" at its head and across every page."""
    if landlord is None:
        raise ValueError(f"a {request.form} needs the landlord's details to render")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        invariant=1,
        title=TITLES[request.form],
        author="casework",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
    )
    d = request.data
    body = _uc47(d, landlord) if isinstance(d, Uc47Data) else _apa1(d, landlord)
    head: list[Flowable] = [Paragraph(TITLES[request.form], _STYLES["Title"])]
    if demo:
        head.append(Paragraph(f"<b>{DEMO_LINE}</b>", _DEMO))
    head += [
        _text(f"Case {request.case_id} · form version {FORM_VERSION}"),
        Spacer(1, 4 * mm),
    ]
    page = _watermark if demo else (lambda canvas, doc: None)
    doc.build(head + body, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def _case_dir(case_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", case_id).strip(".")
    if safe == case_id and safe:
        return safe
    # Changed names get a hash of the original, so "a/b" and "a_b" never share a folder.
    return f"{safe or 'case'}-{hashlib.sha256(case_id.encode()).hexdigest()[:8]}"


def _read_no_follow(path: Path) -> bytes | None:
    """The bytes of the regular file at `path`; None if there is none there, or only
    a symbolic link (O_NOFOLLOW), a folder or anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # missing, or ELOOP: a link
        return None
    with os.fdopen(fd, "rb") as f:
        return f.read() if stat.S_ISREG(os.fstat(fd).st_mode) else None


SHA256 = re.compile(r"[0-9a-f]{64}")


class StoredFormRefused(ValueError):
    """A stored form asked for by something that is not a SHA-256, or whose bytes in
    the store do not hash to it. The message names the field and the rule."""

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")


class FormNotStored(StoredFormRefused):
    """No form in the store has the hash (perhaps the store is on another host)."""


@dataclass(frozen=True)
class FormFile:
    name: str
    content: bytes


class FormStore:
    """Forms kept once per content hash in the shared file store (activities/files/):
    the PDF and its structured JSON as `<form>-<sha16>.pdf` and `.json` of the case,
    sealed with the tenancy's data key. Read back by hash only, verified on every read:
    a path recorded anywhere else (workflow state, a notice, an activity's input) is
    never opened, so no one who can write one can redirect a read."""

    KIND = "form"

    def __init__(self, files: "FileStore") -> None:
        self._files = files

    @property
    def files(self) -> "FileStore":
        return self._files

    def read(
        self, sha256: str | None, field: str = "form_sha256", case_id: str | None = None
    ) -> FormFile:
        """The stored PDF whose content hashes to `sha256`, checked after reading; only
        among `case_id`'s forms when it is given."""
        from activities.files.names import FileMissing, SealedFileRefused

        if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
            raise StoredFormRefused(field, "must be a SHA-256: 64 lowercase hexadecimal characters")
        names = {f"{form}-{sha256[:16]}.pdf" for form in TITLES}
        found = [e for e in self._files.find(self.KIND, sha256, case_id) if e.name in names]
        mismatched = False
        for entry in found:
            try:
                return FormFile(entry.name, self._files.read(entry))
            except (SealedFileRefused, FileMissing):
                mismatched = True
        if mismatched:
            raise StoredFormRefused(field, "the stored form's content does not match its hash")
        raise FormNotStored(
            field, f"no form with this hash in the form store ({self._files.backend})"
        )

    def save(
        self, request: FormRequest, landlord: Landlord | None = None, demo: bool = False
    ) -> StoredForm:
        """Render and store once by content hash. The form prints `landlord` (its
        declaration; a UC47 its bank details too), or if none is given the landlord as
        configured now (activities/policy.py); the JSON beside it records the details
        printed, and other details make another form. A `demo` form is marked so. The
        placeholder check is the activity's (FormActivities): this stores what it is given."""
        from activities.files.subjects import of_workflow_key

        if landlord is None:
            landlord = read_landlord()
        pdf = render_pdf(request, landlord, demo)
        sha = hashlib.sha256(pdf).hexdigest()
        stem = f"{request.form}-{sha[:16]}"
        body = structured(request, landlord, demo)
        payload = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False)
        subject = of_workflow_key(request.case_id)
        # JSON first: a worker killed in between leaves no PDF, so the retry writes both.
        put = self._files.put
        as_json = put(self.KIND, request.case_id, f"{stem}.json", payload.encode() + b"\n", subject)
        as_pdf = put(self.KIND, request.case_id, f"{stem}.pdf", pdf, subject)
        return StoredForm(request.form, sha, as_pdf.locator, as_json.locator, as_pdf.created)

    def read_structured(
        self, sha256: str, case_id: str, field: str = "form_sha256"
    ) -> dict[str, Any]:
        """The structured JSON stored beside the form with this hash among `case_id`'s
        forms, once the form itself is found and checked against the hash."""
        from activities.files.names import FileMissing, SealedFileRefused

        found = self.read(sha256, field, case_id=case_id)
        try:
            content = self._files.get(case_id, f"{Path(found.name).stem}.json")
        except (SealedFileRefused, FileMissing):
            raise StoredFormRefused(
                field, "the stored form's JSON does not match its hash"
            ) from None
        if content is None:
            raise StoredFormRefused(field, "the stored form has no structured JSON beside it")
        body: dict[str, Any] = json.loads(content)
        return body


class FormActivities:
    def __init__(
        self,
        store: FormStore,
        landlord: Callable[[], Landlord] = read_landlord,
        demo: Callable[[], bool] | bool | None = None,
    ) -> None:
        """`demo`: whether placeholder landlord details may be printed (marked "DEMO —
        not for submission"); by default CASEWORK_DEMO, read at each rendering."""
        self._store = store
        self._landlord = landlord
        self._demo = demo

    def _is_demo(self) -> bool:
        if isinstance(self._demo, bool):
            return self._demo
        if self._demo is not None:
            return self._demo()
        from infra.config import demo_mode

        try:
            return demo_mode()
        except ValueError as error:
            raise ApplicationError(str(error), type="PolicyFileError") from None

    @activity.defn(name="generate_form")
    def generate_form(self, request: FormRequest) -> StoredForm:
        # Read now, not taken from the case or the request (older requests still carry
        # a copy, ignored): a changed bank account reaches the next UC47 of every open
        # case. A bad configuration, or the demo's placeholders outside the demo, is
        # retried until the operator fixes it; the error names the setting.
        try:
            landlord = self._landlord()
        except PolicyFileError as error:
            raise ApplicationError(str(error), type="PolicyFileError") from None
        demo = self._is_demo()
        try:
            check_fit_to_send(request.form, landlord, demo)
        except NotFitToSend as error:
            raise ApplicationError(str(error), type="FormNotFitToSend") from None
        if demo:
            return self._store.save(request, landlord, demo=True)
        return self._store.save(request, landlord)


def _facts(state: CaseState, arrangement: ArrangementSummary) -> RequestFacts:
    """What the request rests on. Requests made before the facts were kept with
    them (carried over from older runs) fall back to the case as it is now."""
    if arrangement.facts is not None:
        return arrangement.facts
    assessed = state.vulnerability
    factors = assessed.factors if assessed else ()
    return RequestFacts(
        requested_by=state.opened_by,
        requested_on=business_date(arrangement.requested_at),
        balance=state.balance,
        monthly_rent=state.monthly_rent,
        rent_extract=state.rent_account,
        factors=factors,
        grounds=(),
        assessed_on=business_date(assessed.assessed_at) if assessed else None,
        assessed_by=assessed.assessed_by if assessed else None,
        forms=_legacy_forms(state, arrangement),
        correspondent=state.representative,
    )


def _legacy_forms(state: CaseState, arrangement: ArrangementSummary) -> tuple[str, ...]:
    if arrangement.kind != "apa":
        return ("UC47",)
    identified = state.resident.ni_number or state.resident.date_of_birth
    if arrangement.apa_type == "managed_payment_to_landlord" and identified:
        return ("APA1", "UC47")
    return ("APA1",)


# How each movement changes the balance: a brought-forward balance and a missed UC
# payment change nothing by themselves (the amount goes into the description).
_SIGNED = {"payment": -1, "tpd_credit": -1, "balance": 0, "missed_uc_payment": 0}
_MOVEMENTS = {
    "charge": "Rent charged",
    "payment": "Payment received",
    "tpd_credit": "Third party deduction received",
    "balance": "Balance brought forward",
    "missed_uc_payment": "Expected UC payment missed",
}


def _extract(facts: RequestFacts) -> tuple[EvidenceLine, ...]:
    """The rent account as it stood when the request was made."""
    lines = tuple(
        (
            line.on,
            _MOVEMENTS.get(line.kind, line.kind)
            + (f" {pounds(line.amount)}" if line.kind == "missed_uc_payment" else "")
            + (f" ({line.reference})" if line.reference else ""),
            line.amount * _SIGNED.get(line.kind, 1),
            line.balance_after,
        )
        for line in facts.rent_extract
    )
    if lines and lines[-1][3] == facts.balance:
        return lines
    # No movements recorded on the case: the balance it was opened with.
    return (*lines, (facts.requested_on, "Balance on the case", Decimal(0), facts.balance))


def form_requests_for(
    case_id: str, state: CaseState, arrangement: ArrangementSummary
) -> tuple[FormRequest, ...]:
    """The forms an arrangement request produces, filled from the facts fixed when
    it was made; the last is the one sent to DWP. APA1 for an APA (with a UC47 after
    it when the APA is a managed payment), UC47 for an MPTL or a rent arrears deduction."""
    facts = _facts(state, arrangement)
    tier_1 = tuple(TIER_1_FACTORS[f] for f in facts.factors if f in TIER_1_FACTORS)
    tier_2 = tuple(TIER_2_FACTORS[f] for f in facts.factors if f in TIER_2_FACTORS)
    rep = facts.correspondent
    correspondent = (
        Correspondent(
            rep.kind,
            rep.name,
            rep.contact,
            verified_on=rep.verified_on,
            evidence=rep.evidence,
            evidence_reference=rep.evidence_reference,
            verification_required=rep.verification_required,
        )
        if rep
        else None
    )
    forms: list[FormRequest] = []
    if "APA1" in facts.forms:
        count = len(facts.factors)
        evidence = (
            (
                f"Vulnerability assessment of {uk_date(facts.assessed_on)}: "
                f"{count} factor{'' if count == 1 else 's'} recorded",
            )
            if facts.assessed_on
            else ()
        )
        standing = (
            f"arrears of {pounds(facts.balance)}"
            if facts.balance > 0
            else balance_text(facts.balance)
            if facts.balance < 0
            else "no arrears"
        )
        account = f"Rent account on {uk_date(facts.requested_on)}: {standing}"
        forms.append(
            FormRequest(
                case_id=case_id,
                form="APA1",
                data=Apa1Data(
                    tenancy_ref=state.tenancy_ref,
                    resident_name=state.resident.full_name,
                    apa_type=arrangement.apa_type,  # type: ignore[arg-type]
                    tier_1=tier_1,
                    tier_2=tier_2,
                    evidence=(*evidence, account),
                    assessed_by=facts.assessed_by or "",
                    assessed_on=facts.assessed_on or facts.requested_on,
                    correspondent=correspondent,
                    property_ref=state.tenancy.landlord_ref,
                ),
            )
        )
    if "UC47" in facts.forms:
        # No landlord here: the form activity reads the landlord's details when it renders.
        forms.append(
            FormRequest(
                case_id=case_id,
                form="UC47",
                data=Uc47Data(
                    tenancy_ref=state.tenancy_ref,
                    resident_name=state.resident.full_name,
                    address=state.tenancy.address,
                    ni_number=state.resident.ni_number,
                    date_of_birth=state.resident.date_of_birth,
                    rent_amount=state.rent.amount,
                    rent_frequency=state.rent.frequency,
                    monthly_rent=facts.monthly_rent,
                    arrears=max(facts.balance, Decimal(0)),
                    arrears_evidence=_extract(facts),
                    request="arrears_deduction" if arrangement.kind == "tpd" else "managed_payment",
                    deduction_rate_percent=arrangement.deduction_rate,
                    tier_reasons=tier_1 + tier_2,
                    requested_by=facts.requested_by,
                    requested_on=facts.requested_on,
                    grounds=facts.grounds,
                    standard_allowance=facts.standard_allowance,
                    deduction_amount=facts.deduction_amount,
                    correspondent=correspondent,
                    balance=facts.balance,
                    property_ref=state.tenancy.landlord_ref,
                ),
            )
        )
    return tuple(forms)
