"""UC47 and APA1 (docs/rules.md#forms) rendered from case data as a PDF and a structured JSON
payload, stored once per content hash in the shared file store (activities/files/). The
landlord's details on a UC47 are not case data: the activity reads them from
configuration when it renders. No SQLAlchemy here (the store is imported when used):
workflows import the request types (through imports_passed_through)."""

import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
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

from activities.policy import PolicyFileError, read_landlord
from domain.case.model import ArrangementSummary, CaseState, RequestFacts
from domain.dates import business_date
from domain.policy import Landlord
from domain.vulnerability import TIER_1_FACTORS, TIER_2_FACTORS

if TYPE_CHECKING:
    from activities.files.store import FileStore

FORM_VERSION = "1"
TITLES = {
    "UC47": "UC47 – Landlord request for a managed payment and/or rent arrears deduction",
    "APA1": "APA1 – Alternative Payment Arrangement request pack",
}
REQUESTS = {
    "managed_payment": "Managed payment of rent to the landlord",
    "arrears_deduction": "Deduction for rent arrears",
    "both": "Managed payment of rent and deduction for rent arrears",
}
APA_TYPES = {
    "managed_payment_to_landlord": "Managed payment to landlord",
    "more_frequent_payments": "More frequent payments",
    "split_payments": "Split payments",
}

# (date, description, amount, balance): one line of the rent account extract.
EvidenceLine = tuple[date, str, Decimal, Decimal]


@dataclass(frozen=True)
class Correspondent:
    """An appointee or attorney: letters and decisions go to them (docs/rules.md#safeguards)."""

    kind: str
    name: str
    contact: str


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
    requested_by: str
    requested_on: date
    # Why the landlord asks (the MPTL conditions met, or the arrears).
    grounds: tuple[str, ...] = ()
    standard_allowance: Decimal | None = None
    deduction_amount: Decimal | None = None
    correspondent: Correspondent | None = None

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
    assessed_by: str
    assessed_on: date
    correspondent: Correspondent | None = None


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


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _pounds(value: Decimal) -> str:
    return f"£{value.quantize(Decimal('0.01')):,}"


def structured(request: FormRequest, landlord: Landlord | None = None) -> dict[str, Any]:
    """The payload an online submission could carry: JSON types only. A UC47's
    `landlord` is the one its PDF printed, or None where no form was rendered (the
    outbox then takes it from the stored form)."""
    d = request.data
    head = {"form": request.form, "form_version": FORM_VERSION, "case_id": request.case_id}
    if isinstance(d, Apa1Data):
        return head | {
            "tenancy_ref": d.tenancy_ref,
            "resident_name": d.resident_name,
            "apa_type": d.apa_type,
            "tier_1": list(d.tier_1),
            "tier_2": list(d.tier_2),
            "evidence": list(d.evidence),
            "assessed_by": d.assessed_by,
            "assessed_on": d.assessed_on.isoformat(),
            "correspondent": _correspondent(d.correspondent),
        }
    rate = d.deduction_rate_percent
    return head | {
        "resident": {
            "name": d.resident_name,
            "address": d.address,
            "ni_number": d.ni_number,
            "date_of_birth": d.date_of_birth.isoformat() if d.date_of_birth else None,
        },
        "tenancy_ref": d.tenancy_ref,
        "landlord": {
            "name": landlord.name,
            "reference": landlord.reference,
            "payment": {
                "account_name": landlord.account_name,
                "sort_code": landlord.sort_code,
                "account_number": landlord.account_number,
            },
        }
        if landlord is not None
        else None,
        "rent": {
            "amount": _money(d.rent_amount),
            "frequency": d.rent_frequency,
            "monthly": _money(d.monthly_rent),
        },
        "arrears": {
            "amount": _money(d.arrears),
            "evidence": [
                {
                    "date": on.isoformat(),
                    "description": what,
                    "amount": _money(amount),
                    "balance": _money(balance),
                }
                for on, what, amount, balance in d.arrears_evidence
            ],
        },
        "request": d.request,
        "deduction_rate_percent": _money(rate) if rate is not None else None,
        "deduction": {
            "standard_allowance": _money(d.standard_allowance),
            "monthly_amount": _money(d.deduction_amount),
        }
        if d.standard_allowance is not None and d.deduction_amount is not None
        else None,
        "grounds": list(d.grounds),
        "tier_reasons": list(d.tier_reasons),
        "correspondent": _correspondent(d.correspondent),
        "requested_by": d.requested_by,
        "requested_on": d.requested_on.isoformat(),
    }


def _correspondent(c: Correspondent | None) -> dict[str, str] | None:
    return {"kind": c.kind, "name": c.name, "contact": c.contact} if c else None


_STYLES = getSampleStyleSheet()
_CELL = ParagraphStyle("cell", parent=_STYLES["BodyText"], fontSize=9, leading=11)
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
    table = Table([[label, _text(value)] for label, value in rows], colWidths=[55 * mm, 115 * mm])
    table.setStyle(_GRID)
    return [KeepTogether([Paragraph(title, _STYLES["Heading2"]), table])]


def _bullets(title: str, items: tuple[str, ...]) -> list[Flowable]:
    body: Flowable = (
        ListFlowable(
            [_text(i) for i in items],
            bulletType="bullet",
            start="•",
            bulletFontName="Helvetica",
            bulletFontSize=9,
        )
        if items
        else _text("None")
    )
    return [KeepTogether([Paragraph(title, _STYLES["Heading2"]), body])]


def _uc47(d: Uc47Data, landlord: Landlord) -> list[Flowable]:
    rate = d.deduction_rate_percent
    lines = [["Date", "Description", "Amount", "Balance"]] + [
        [on.isoformat(), _text(what), _pounds(amount), _pounds(balance)]
        for on, what, amount, balance in d.arrears_evidence
    ]
    evidence = Table(lines, colWidths=[25 * mm, 95 * mm, 25 * mm, 25 * mm], repeatRows=1)
    evidence.setStyle(_GRID)
    evidence.setStyle(TableStyle([("ALIGN", (2, 0), (3, -1), "RIGHT")]))
    return [
        *_section(
            "1. Resident",
            [
                ("Name", d.resident_name),
                ("Address", d.address),
                ("National Insurance number", d.ni_number or "Not known"),
                ("Date of birth", d.date_of_birth.isoformat() if d.date_of_birth else "Not known"),
                ("Tenancy reference", d.tenancy_ref),
            ],
        ),
        *_section(
            "2. Landlord",
            [
                ("Landlord", landlord.name),
                ("Landlord reference", landlord.reference),
                ("Account name", landlord.account_name),
                ("Sort code", landlord.sort_code),
                ("Account number", landlord.account_number),
            ],
        ),
        *_section(
            "3. Request",
            [
                ("Requested", REQUESTS[d.request]),
                (
                    "Deduction rate",
                    f"{_money(rate)}% of standard allowance" if rate is not None else "None",
                ),
                *(
                    [
                        ("Standard allowance", f"{_pounds(d.standard_allowance)} a month"),
                        ("Deduction", f"{_pounds(d.deduction_amount)} a month"),
                    ]
                    if d.standard_allowance is not None and d.deduction_amount is not None
                    else []
                ),
            ],
        ),
        *_bullets("Grounds for the request", d.grounds),
        *_section(
            "4. Rent and arrears",
            [
                ("Rent", f"{_pounds(d.rent_amount)} {d.rent_frequency}"),
                ("Monthly rent", _pounds(d.monthly_rent)),
                ("Arrears", _pounds(d.arrears)),
            ],
        ),
        KeepTogether([Paragraph("Rent account extract", _STYLES["Heading3"]), evidence]),
        *_bullets("5. Tier 1 and Tier 2 reasons", d.tier_reasons),
        *_correspondence("6. Correspondence", d.correspondent),
        *_section(
            "7. Declaration",
            [("Requested by", d.requested_by), ("Requested on", d.requested_on.isoformat())],
        ),
    ]


REPRESENTATIVES = {
    "appointee": "Appointee",
    "lasting_power_of_attorney": "Lasting Power of Attorney",
    "deputy": "Deputy",
}


def _correspondence(title: str, c: Correspondent | None) -> list[Flowable]:
    if c is None:
        return _section(title, [("Correspondence to", "The resident")])
    return _section(
        title,
        [
            ("Correspondence to", f"{REPRESENTATIVES.get(c.kind, c.kind)}: {c.name}"),
            ("Contact", c.contact),
            ("Note", "Send correspondence and decisions about this request to them."),
        ],
    )


def _apa1(d: Apa1Data) -> list[Flowable]:
    return [
        *_section(
            "1. Resident",
            [
                ("Name", d.resident_name),
                ("Tenancy reference", d.tenancy_ref),
                ("APA type", APA_TYPES[d.apa_type]),
            ],
        ),
        *_bullets("2. Tier 1 factors (highly likely need)", d.tier_1),
        *_bullets("3. Tier 2 factors (possible need)", d.tier_2),
        *_bullets("4. Evidence", d.evidence),
        *_correspondence("5. Correspondence", d.correspondent),
        *_section(
            "6. Assessment",
            [("Assessed by", d.assessed_by), ("Assessed on", d.assessed_on.isoformat())],
        ),
    ]


def render_pdf(request: FormRequest, landlord: Landlord | None = None) -> bytes:
    """An A4 PDF. invariant=1 pins reportlab's creation date and document id, so the
    same request and landlord give the same bytes and the same content hash on every
    retry. A UC47 needs the landlord's details; an APA1 prints none."""
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
    if isinstance(d, Uc47Data):
        if landlord is None:
            raise ValueError("a UC47 needs the landlord's details to render")
        body = _uc47(d, landlord)
    else:
        body = _apa1(d)
    head = [
        Paragraph(TITLES[request.form], _STYLES["Title"]),
        _text(f"Case {request.case_id} · form version {FORM_VERSION}"),
        Spacer(1, 4 * mm),
    ]
    doc.build(head + body)
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

    def save(self, request: FormRequest, landlord: Landlord | None = None) -> StoredForm:
        """Render and store once by content hash. A UC47 prints `landlord`, or if none
        is given the landlord as configured now (activities/policy.py); the JSON beside
        it records the details printed, and other details make another form."""
        from activities.files.subjects import of_workflow_key

        if request.form == "UC47" and landlord is None:
            landlord = read_landlord()
        pdf = render_pdf(request, landlord)
        sha = hashlib.sha256(pdf).hexdigest()
        stem = f"{request.form}-{sha[:16]}"
        body = structured(request, landlord if request.form == "UC47" else None)
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
    def __init__(self, store: FormStore, landlord: Callable[[], Landlord] = read_landlord) -> None:
        self._store = store
        self._landlord = landlord

    @activity.defn(name="generate_form")
    def generate_form(self, request: FormRequest) -> StoredForm:
        # Read now, not taken from the case or the request (older requests still carry
        # a copy, ignored): a changed bank account reaches the next UC47 of every open
        # case. A bad configuration is retried until the operator fixes it.
        landlord = None
        if request.form == "UC47":
            try:
                landlord = self._landlord()
            except PolicyFileError as error:
                raise ApplicationError(str(error), type="PolicyFileError") from None
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
            + (f" {_pounds(line.amount)}" if line.kind == "missed_uc_payment" else "")
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
    correspondent = Correspondent(rep.kind, rep.name, rep.contact) if rep else None
    forms: list[FormRequest] = []
    if "APA1" in facts.forms:
        evidence = (
            (
                f"vulnerability assessment of {facts.assessed_on.isoformat()} by "
                f"{facts.assessed_by}: {len(facts.factors)} factor(s) recorded",
            )
            if facts.assessed_on
            else ()
        )
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
                    evidence=evidence
                    + (f"rent account balance {_pounds(facts.balance)} on {facts.requested_on}",),
                    assessed_by=facts.assessed_by or "",
                    assessed_on=facts.assessed_on or facts.requested_on,
                    correspondent=correspondent,
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
                ),
            )
        )
    return tuple(forms)
