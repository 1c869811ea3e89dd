"""UC47 and APA1 rendered to real PDFs, kept in a real file store (a SQLite read model
under tmp_path) and read back with pypdf."""

import fnmatch
import io
import json
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import reduce
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.db import FileEntryRecord
from activities.forms import (
    Apa1Data,
    FormActivities,
    FormRequest,
    FormStore,
    StoredForm,
    Uc47Data,
    form_requests_for,
    render_pdf,
    structured,
)
from activities.policy import PolicyFileError, read_landlord, read_policy
from domain.case import commands as c
from domain.case.decide import decide, open_case
from domain.case.evolve import evolve, initial_state
from domain.case.model import CaseState
from domain.case.parsing import parse
from domain.case.rules.representatives import EVIDENCE_FOR
from domain.policy import CasePolicy, Landlord
from tests.factories import deduction_facts, opening
from tests.file_store import store_in, stored_bytes
from workflows.ids import case_children

UC47 = Uc47Data(
    tenancy_ref="T-0042/7",
    resident_name="Amara Okonkwo-Lewis",
    address="Flat 3, 12 Larch Road, Leeds LS6 2AB",
    ni_number="QQ123456C",
    date_of_birth=date(1988, 4, 17),
    rent_amount=Decimal("126.50"),
    rent_frequency="weekly",
    monthly_rent=Decimal("548.17"),
    arrears=Decimal("1234.56"),
    arrears_evidence=(
        (date(2026, 1, 5), "Rent due week 40", Decimal("126.50"), Decimal("1108.06")),
        (date(2026, 1, 12), "Rent due week 41", Decimal("126.50"), Decimal("1234.56")),
    ),
    request="both",
    deduction_rate_percent=Decimal("15"),
    tier_reasons=("Current rent arrears or threat of eviction", "Severe or multiple debt"),
    requested_by="J. Patel, Income Officer",
    requested_on=date(2026, 2, 2),
)
APA1 = Apa1Data(
    tenancy_ref="T-0042/7",
    resident_name="Amara Okonkwo-Lewis",
    apa_type="managed_payment_to_landlord",
    tier_1=("Mental health condition",),
    tier_2=("No bank account", "Recently bereaved"),
    evidence=("GP letter dated 2026-01-20", "Rent account extract"),
    assessed_by="R. Byrne, Tenancy Sustainment",
    assessed_on=date(2026, 2, 3),
)
LANDLORD = Landlord(
    name="Northfield Homes",
    reference="NH-LL-55021",
    account_name="Northfield Homes Rent",
    sort_code="40-11-62",
    account_number="71234568",
    officer_name="Priya Shah",
    officer_role="Income Recovery Officer",
    phone="0113 496 0555",
    email="income@northfieldhomes.org.uk",
)
UC47_REQUEST = FormRequest(case_id="uc-case-T-0042/7", form="UC47", data=UC47)
APA1_REQUEST = FormRequest(case_id="uc-case-T-0042/7", form="APA1", data=APA1)


def pdf_text(path: str | bytes) -> str:
    """The text of a PDF given as bytes, or as what an activity recorded for it."""
    source = io.BytesIO(path if isinstance(path, bytes) else stored_bytes(path))
    reader = PdfReader(source)
    # Table cells and wrapped lines come back split by newlines; compare words.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def files(root: Path, pattern: str) -> list[str]:
    """What the store made for `root` holds under names matching `pattern`: each as
    the locator an activity records."""
    store = store_in(root)
    with Session(store.engine) as session:
        rows = session.scalars(select(FileEntryRecord)).all()
        return sorted(
            f"casework-files:{r.kind}/{r.owner}/{r.name}"
            for r in rows
            if fnmatch.fnmatch(r.name, pattern)
        )


def test_uc47_pdf_carries_the_residents_identifiers_figures_and_evidence(tmp_path: Path) -> None:
    stored = FormStore(store_in(tmp_path)).save(UC47_REQUEST, LANDLORD)
    text = pdf_text(stored.pdf_path)
    assert "UC47 – Landlord request for a managed payment and/or rent arrears deduction" in text
    for expected in [
        "Amara Okonkwo-Lewis",
        "T-0042/7",
        "QQ123456C",
        "17 April 1988",
        "£1,234.56",
        "15% of the standard allowance",
        "Current rent arrears or threat of eviction",
        "Severe or multiple debt",
        "NH-LL-55021",
        "40-11-62",
        "12 January 2026 Rent due week 41 £126.50 £1,234.56",
        "Name Priya Shah Role Income Recovery Officer On behalf of Northfield Homes",
        "Telephone 0113 496 0555 Email income@northfieldhomes.org.uk Date 2 February 2026",
    ]:
        assert expected in text, expected
    assert "J. Patel" not in text  # a staff reference, not the declaration
    assert stored_bytes(stored.pdf_path).startswith(b"%PDF-")
    assert PdfReader(io.BytesIO(stored_bytes(stored.pdf_path))).pages[
        0
    ].mediabox.height == pytest.approx(841.89, abs=0.1)


def test_apa1_pdf_carries_the_type_tier_factors_evidence_and_assessor(tmp_path: Path) -> None:
    stored = FormStore(store_in(tmp_path)).save(APA1_REQUEST, LANDLORD)
    text = pdf_text(stored.pdf_path)
    assert "APA1 – Alternative Payment Arrangement request pack" in text
    for expected in [
        "Amara Okonkwo-Lewis",
        "T-0042/7",
        "Managed payment to landlord",
        "Mental health condition",
        "No bank account",
        "Recently bereaved",
        "GP letter dated 20 January 2026",
        "R. Byrne, Tenancy Sustainment",
        "Assessed on 3 February 2026",
        "Name Priya Shah Role Income Recovery Officer",
    ]:
        assert expected in text, expected


def test_uc47_json_payload_round_trips_with_plain_json_types(tmp_path: Path) -> None:
    stored = FormStore(store_in(tmp_path)).save(UC47_REQUEST, LANDLORD)
    payload = json.loads(stored_bytes(stored.json_path).decode())
    assert payload == structured(UC47_REQUEST, LANDLORD)
    assert payload["form"] == "UC47"
    assert payload["form_version"] == "2"
    assert payload["tenant"] == {
        "full_name": "Amara Okonkwo-Lewis",
        "address": "Flat 3, 12 Larch Road, Leeds LS6 2AB",
        "postcode": "LS6 2AB",
        "national_insurance_number": "QQ123456C",
        "date_of_birth": "1988-04-17",
    }
    assert payload["landlord"]["reference"] == "NH-LL-55021"
    assert payload["landlord"]["payment"]["sort_code"] == "40-11-62"
    assert payload["tenancy"] == {
        "tenant_reference": "T-0042/7",
        "rent": {"amount": "126.50", "frequency": "weekly", "monthly": "548.17"},
    }
    assert payload["rent_arrears"]["amount"] == "1234.56"
    assert payload["rent_arrears"]["statement"][1] == {
        "date": "2026-01-12",
        "description": "Rent due week 41",
        "amount": "126.50",
        "balance": "1234.56",
    }
    assert payload["request"] == "both"
    assert payload["applying_for"] == ["managed_payment_to_landlord", "rent_arrears_deduction"]
    assert payload["deduction"] == {"rate_percent": "15.00"}
    assert payload["reasons"]["tier_factors"] == list(UC47.tier_reasons)
    assert payload["case"] == {
        "requested_by": "J. Patel, Income Officer",
        "requested_on": "2026-02-02",
    }
    assert payload["declaration"]["name"] == "Priya Shah"
    assert payload["declaration"]["date"] == "2026-02-02"


def test_apa1_json_payload_round_trips(tmp_path: Path) -> None:
    stored = FormStore(store_in(tmp_path)).save(APA1_REQUEST, LANDLORD)
    payload = json.loads(stored_bytes(stored.json_path).decode())
    assert payload["form"] == "APA1"
    assert payload["form_version"] == "2"
    assert payload["apa_type"] == "managed_payment_to_landlord"
    assert payload["tier_1"] == ["Mental health condition"]
    assert payload["tier_2"] == ["No bank account", "Recently bereaved"]
    assert payload["assessment"] == {
        "date": "2026-02-03",
        "assessed_by": "R. Byrne, Tenancy Sustainment",
    }
    assert "payment" not in payload["landlord"]  # an APA1 prints no bank details
    assert payload["declaration"]["role"] == "Income Recovery Officer"


def test_a_managed_payment_only_uc47_shows_no_deduction_and_may_omit_the_ni_number(
    tmp_path: Path,
) -> None:
    data = replace(UC47, request="managed_payment", deduction_rate_percent=None, ni_number=None)
    stored = FormStore(store_in(tmp_path)).save(replace(UC47_REQUEST, data=data), LANDLORD)
    text = pdf_text(stored.pdf_path)
    assert "Deduction No deduction requested: managed payment only" in text
    assert "Deduction rate" not in text and "None" not in text
    assert (
        "National Insurance number Not known: DWP can match the resident by date of birth" in text
    )
    payload = json.loads(stored_bytes(stored.json_path).decode())
    assert "deduction" not in payload and "national_insurance_number" not in payload["tenant"]


def test_uc47_needs_an_ni_number_or_a_date_of_birth() -> None:
    with pytest.raises(ValueError, match="NI number or date of birth"):
        replace(UC47, ni_number=None, date_of_birth=None)


def test_uc47_gives_a_rate_exactly_when_it_asks_for_a_deduction() -> None:
    with pytest.raises(ValueError, match="deduction rate"):
        replace(UC47, request="arrears_deduction", deduction_rate_percent=None)
    with pytest.raises(ValueError, match="deduction rate"):
        replace(UC47, request="managed_payment")


def test_the_same_request_renders_byte_identical_pdfs() -> None:
    assert render_pdf(UC47_REQUEST, LANDLORD) == render_pdf(UC47_REQUEST, LANDLORD)
    assert render_pdf(APA1_REQUEST, LANDLORD) == render_pdf(APA1_REQUEST, LANDLORD)


def test_saving_the_same_request_twice_stores_one_file_pair(tmp_path: Path) -> None:
    store = FormStore(store_in(tmp_path))
    first = store.save(UC47_REQUEST, LANDLORD)
    second = store.save(UC47_REQUEST, LANDLORD)
    assert first.created and not second.created
    assert replace(first, created=False) == second
    assert files(tmp_path, "*.pdf") == [first.pdf_path]
    assert files(tmp_path, "*.json") == [first.json_path]
    assert Path(first.pdf_path).name == f"UC47-{first.sha256[:16]}.pdf"
    assert not files(tmp_path, "*.tmp")


def test_a_different_request_is_stored_as_a_different_file(tmp_path: Path) -> None:
    store = FormStore(store_in(tmp_path))
    first = store.save(UC47_REQUEST, LANDLORD)
    later = store.save(
        replace(UC47_REQUEST, data=replace(UC47, arrears=Decimal("1361.06"))), LANDLORD
    )
    assert later.created and later.sha256 != first.sha256
    assert len(files(tmp_path, "*.pdf")) == 2
    assert len(files(tmp_path, "*.json")) == 2


def test_two_stores_render_the_same_hash(tmp_path: Path) -> None:
    one = FormStore(store_in(tmp_path / "one")).save(UC47_REQUEST, LANDLORD)
    two = FormStore(store_in(tmp_path / "two")).save(UC47_REQUEST, LANDLORD)
    assert one.sha256 == two.sha256
    stores = store_in(tmp_path / "one"), store_in(tmp_path / "two")
    assert stored_bytes(one.pdf_path, stores[0]) == stored_bytes(two.pdf_path, stores[1])
    assert stored_bytes(one.json_path, stores[0]) == stored_bytes(two.json_path, stores[1])


def test_unsafe_case_ids_name_no_path_and_do_not_collide(tmp_path: Path) -> None:
    files_ = store_in(tmp_path / "forms")
    store = FormStore(files_)
    slashed = store.save(replace(APA1_REQUEST, case_id="../a/b"), LANDLORD)
    underscored = store.save(replace(APA1_REQUEST, case_id=".._a_b"), LANDLORD)
    for stored in (slashed, underscored):
        assert stored.pdf_path.startswith("casework-files:form/")  # a name, not a path
        assert not (tmp_path / "a").exists() and not (tmp_path.parent / "a").exists()
    assert slashed.created and underscored.created  # one case's form is not the other's
    assert [e.owner for e in files_.find("form", slashed.sha256)] != [
        e.owner for e in files_.find("form", underscored.sha256)
    ]


def test_a_retried_save_racing_the_first_leaves_one_pdf_and_one_json(tmp_path: Path) -> None:
    store = FormStore(store_in(tmp_path))
    start = threading.Barrier(2)
    results: list[StoredForm] = []

    def attempt() -> None:
        start.wait()
        results.append(store.save(UC47_REQUEST, LANDLORD))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    assert [r.created for r in results].count(True) == 1
    assert len(files(tmp_path, "*.pdf")) == 1
    assert len(files(tmp_path, "*.json")) == 1
    assert not files(tmp_path, "*.tmp")


def test_a_worker_killed_after_the_json_completes_the_pair_on_retry(tmp_path: Path) -> None:
    store = FormStore(store_in(tmp_path))
    first = store.save(UC47_REQUEST, LANDLORD)
    with Session(store.files.engine) as session, session.begin():
        # As if the worker died between the two writes: the JSON is there, the PDF not.
        session.execute(delete(FileEntryRecord).where(FileEntryRecord.name.like("%.pdf")))
    retried = store.save(UC47_REQUEST, LANDLORD)
    assert retried.created and retried.sha256 == first.sha256
    assert len(files(tmp_path, "*.pdf")) == 1
    assert len(files(tmp_path, "*.json")) == 1


def test_generate_form_activity_stores_the_form(tmp_path: Path) -> None:
    activities = FormActivities(FormStore(store_in(tmp_path)))
    stored = ActivityEnvironment().run(activities.generate_form, UC47_REQUEST)
    assert stored.form == "UC47" and stored.created
    assert "QQ123456C" in pdf_text(stored.pdf_path)
    again = ActivityEnvironment().run(activities.generate_form, UC47_REQUEST)
    assert again.sha256 == stored.sha256 and not again.created


def test_request_and_result_survive_the_workers_data_converter(tmp_path: Path) -> None:
    converter = pydantic_data_converter.payload_converter
    for request in (UC47_REQUEST, APA1_REQUEST):
        [decoded] = converter.from_payloads(converter.to_payloads([request]), [FormRequest])
        assert decoded == request
        assert render_pdf(decoded, LANDLORD) == render_pdf(request, LANDLORD)
    stored = FormStore(store_in(tmp_path)).save(UC47_REQUEST, LANDLORD)
    [back] = converter.from_payloads(converter.to_payloads([stored]), [StoredForm])
    assert back == stored


# --- forms built from a real case: the facts fixed when the request was decided -------

CASE_ID = "uc-case-FR-1"
OPENED = datetime(2026, 6, 1, 8, tzinfo=UTC)


def _case(balance: str = "250.00", **overrides: Any) -> CaseState:
    [opened] = open_case(opening("FR-1", balance=Decimal(balance), **overrides), OPENED)
    return initial_state(opened, CasePolicy(), case_children(opened.tenancy_ref, None))  # type: ignore[arg-type]


def _run(state: CaseState, command: Any, at: datetime) -> CaseState:
    return reduce(evolve, decide(state, command, at), state)


def _verified(state: CaseState, at: datetime) -> CaseState:
    """The recorded representative's authority verified (docs/representatives.md): a
    payment arrangement needs their consent."""
    assert state.representative is not None
    evidence = EVIDENCE_FOR[state.representative.kind]
    seen = c.VerifyRepresentative(by="o", evidence=evidence, verified_on=at.date())  # type: ignore[arg-type]
    return _run(state, seen, at)


def _movement(
    state: CaseState, kind: str, amount: str, on: date, reference: str | None = None
) -> CaseState:
    command = c.RecordRentMovement(
        by="rents-clerk",
        kind=kind,  # type: ignore[arg-type]
        amount=Decimal(amount),
        on=on,
        reference=reference,
    )
    return _run(state, command, datetime.combine(on, time(12), tzinfo=UTC))


def _assess(state: CaseState, by: str, factors: tuple[str, ...], at: datetime) -> CaseState:
    return _run(state, c.RecordVulnerabilityAssessment(by=by, factors=factors), at)


def _request(state: CaseState, at: datetime, **fields: Any) -> CaseState:
    fields.setdefault("by", "officer-9")
    if fields.get("kind") == "tpd":
        # The recorded facts a deduction rests on (docs/rules.md#third-party-deductions).
        for facts in deduction_facts(at.date()):
            state = _run(state, facts, at)
    return _run(state, c.RequestPaymentArrangement(**fields), at)


def _forms(state: CaseState, index: int = -1) -> tuple[FormRequest, ...]:
    return form_requests_for(CASE_ID, state, state.arrangements[index])


def _saved(tmp_path: Path, forms: tuple[FormRequest, ...]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each form stored under tmp_path: its PDF text and its JSON payload, by form name."""
    store = FormStore(store_in(tmp_path))
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for request in forms:
        stored = store.save(request, LANDLORD)
        assert stored.created and Path(stored.pdf_path).name.startswith(f"{request.form}-")
        payload = json.loads(stored_bytes(stored.json_path).decode())
        assert payload == structured(request, LANDLORD)
        out[request.form] = (pdf_text(stored.pdf_path), payload)
    return out


def _between(text: str, start: str, end: str) -> str:
    """The PDF text from one heading to the next."""
    assert start in text and end in text, (start, end)
    return text[text.index(start) + len(start) : text.index(end)]


def _apa_case() -> CaseState:
    """Arrears from a charge and a payment, assessed on 2026-06-02 (UK: 23:15 UTC is
    00:15 BST on the 3rd) by assessor-3."""
    state = _case()
    state = _movement(state, "charge", "433.33", date(2026, 6, 1))
    state = _movement(state, "payment", "100.00", date(2026, 6, 5), reference="BACS 991")
    return _assess(
        state,
        "assessor-3",
        ("mental_health_condition", "no_bank_account"),
        datetime(2026, 6, 2, 23, 15, tzinfo=UTC),
    )


def test_forms_come_from_the_facts_at_request_time_not_the_case_as_it_is_later(
    tmp_path: Path,
) -> None:
    state = _apa_case()
    # 23:30 UTC on 10 June is 00:30 BST on 11 June: the request's UK date.
    state = _request(state, datetime(2026, 6, 10, 23, 30, tzinfo=UTC), kind="apa")
    at_request = _forms(state)
    # After the request: more movements, a new assessment by someone else, an appointee.
    later = _movement(state, "charge", "433.33", date(2026, 7, 1))
    later = _movement(later, "payment", "50.00", date(2026, 7, 3), reference="SO 12")
    later = _assess(later, "assessor-8", ("homeless",), datetime(2026, 7, 5, 10, tzinfo=UTC))
    later = _run(
        later,
        c.RecordRepresentative(by="o", kind="appointee", name="Late Appointee", contact="x"),
        datetime(2026, 7, 6, 10, tzinfo=UTC),
    )
    assert later.balance == Decimal("966.66") and later.vulnerability is not None
    assert later.vulnerability.assessed_by == "assessor-8"

    forms = _forms(later)
    assert forms == at_request
    assert [render_pdf(f, LANDLORD) for f in forms] == [render_pdf(f, LANDLORD) for f in at_request]

    saved = _saved(tmp_path, forms)
    uc47_text, uc47 = saved["UC47"]
    assert "Arrears £583.33" in uc47_text
    assert "1 June 2026 Rent charged £433.33 £683.33" in uc47_text
    assert "5 June 2026 Payment received (BACS 991) £100.00 £583.33" in uc47_text
    assert "Name Priya Shah Role Income Recovery Officer" in uc47_text
    assert "Date 11 June 2026" in uc47_text
    assert "officer-9" not in uc47_text  # a staff id, kept in the payload's `case`
    assert "Correspondence to The resident" in uc47_text
    for later_only in ("July 2026", "SO 12", "966.66", "1,016.66", "Late Appointee"):
        assert later_only not in uc47_text, later_only
    assert "officer-17" not in uc47_text  # who opened the case did not make the request
    assert "homeless" not in uc47_text
    assert uc47["case"] == {"requested_by": "officer-9", "requested_on": "2026-06-11"}
    assert uc47["declaration"]["date"] == "2026-06-11"
    assert uc47["rent_arrears"]["amount"] == "583.33"
    assert [line["date"] for line in uc47["rent_arrears"]["statement"]] == [
        "2026-06-01",
        "2026-06-05",
    ]
    assert "correspondent" not in uc47

    apa1_text, apa1 = saved["APA1"]
    assert "Assessor's staff reference assessor-3 Assessed on 3 June 2026" in apa1_text
    assert "Vulnerability assessment of 3 June 2026: 2 factors recorded" in apa1_text
    assert "Rent account on 11 June 2026: arrears of £583.33" in apa1_text
    assert "mental health condition" in _between(apa1_text, "2. Tier 1", "3. Tier 2")
    assert "no bank account" in _between(apa1_text, "3. Tier 2", "4. Evidence")
    for later_only in ("assessor-8", "homeless", "Late Appointee"):
        assert later_only not in apa1_text, later_only
    assert apa1["assessment"] == {"assessed_by": "assessor-3", "date": "2026-06-03"}
    assert apa1["tier_1"] == ["mental health condition"]
    assert apa1["tier_2"] == ["no bank account"]


def test_an_apa_managed_payment_gives_the_apa1_pack_then_the_uc47_sent_to_dwp(
    tmp_path: Path,
) -> None:
    state = _request(_apa_case(), datetime(2026, 6, 10, 9, tzinfo=UTC), kind="apa")
    arrangement = state.arrangements[-1]
    assert arrangement.apa_type == "managed_payment_to_landlord"
    forms = _forms(state)
    assert [f.form for f in forms] == ["APA1", "UC47"]
    apa1, uc47 = forms
    assert isinstance(apa1.data, Apa1Data) and isinstance(uc47.data, Uc47Data)
    assert apa1.data.apa_type == "managed_payment_to_landlord"
    assert uc47.data.request == "managed_payment"
    assert uc47.data.deduction_rate_percent is None
    assert {f.case_id for f in forms} == {CASE_ID}

    saved = _saved(tmp_path, forms)
    assert "APA type Managed payment to landlord" in saved["APA1"][0]
    assert (
        "Requested Managed payment of rent to the landlord"
        " Deduction No deduction requested: managed payment only" in (saved["UC47"][0])
    )
    assert saved["UC47"][1]["request"] == "managed_payment"
    assert "deduction" not in saved["UC47"][1]
    # The UC47 for an APA rests on the Tier factors.
    assert saved["UC47"][1]["reasons"]["grounds"] == [
        "mental health condition",
        "no bank account",
    ]
    assert len(files(tmp_path, "APA1-*.pdf")) == len(files(tmp_path, "UC47-*.pdf")) == 1


@pytest.mark.parametrize(
    ("apa_type", "factors", "couple", "label"),
    [
        ("more_frequent_payments", ("mental_health_condition",), False, "More frequent payments"),
        ("split_payments", ("domestic_abuse",), True, "Split payments"),
    ],
)
def test_other_apa_types_give_only_the_apa1(
    tmp_path: Path, apa_type: str, factors: tuple[str, ...], couple: bool, label: str
) -> None:
    state = _assess(_case(), "assessor-3", factors, datetime(2026, 6, 2, 9, tzinfo=UTC))
    state = _request(
        state, datetime(2026, 6, 10, 9, tzinfo=UTC), kind="apa", apa_type=apa_type, couple=couple
    )
    forms = _forms(state)
    assert [f.form for f in forms] == ["APA1"]
    assert isinstance(forms[0].data, Apa1Data) and forms[0].data.apa_type == apa_type
    text, payload = _saved(tmp_path, forms)["APA1"]
    assert f"APA type {label}" in text
    assert payload["apa_type"] == apa_type
    assert not files(tmp_path, "UC47-*")


@pytest.mark.parametrize(
    ("fields", "asked"),
    [
        ({"kind": "mptl"}, "managed_payment"),
        ({"kind": "tpd", "deduction_rate": Decimal("12")}, "arrears_deduction"),
    ],
)
def test_an_mptl_or_a_deduction_gives_one_uc47(fields: dict[str, Any], asked: str) -> None:
    state = _request(_case("1200.00"), datetime(2026, 6, 10, 9, tzinfo=UTC), **fields)
    [form] = _forms(state)
    assert form.form == "UC47" and isinstance(form.data, Uc47Data)
    assert form.data.request == asked
    assert form.data.deduction_rate_percent == fields.get("deduction_rate")


@pytest.mark.parametrize(
    ("kind", "label"),
    [("appointee", "Appointee"), ("lasting_power_of_attorney", "Lasting Power of Attorney")],
)
def test_a_recorded_appointee_or_attorney_receives_the_correspondence_on_both_forms(
    tmp_path: Path, kind: str, label: str
) -> None:
    state = _run(
        _apa_case(),
        c.RecordRepresentative(by="o", kind=kind, name="Pat Okafor", contact="07700 900123"),  # type: ignore[arg-type]
        datetime(2026, 6, 8, 9, tzinfo=UTC),
    )
    state = _verified(state, datetime(2026, 6, 9, 9, tzinfo=UTC))
    state = _request(state, datetime(2026, 6, 10, 9, tzinfo=UTC), kind="apa")
    saved = _saved(tmp_path, _forms(state))
    assert set(saved) == {"APA1", "UC47"}
    evidence = EVIDENCE_FOR[kind]
    expected = {
        "kind": kind,
        "name": "Pat Okafor",
        "contact": "07700 900123",
        "authority": {"verified_on": "2026-06-09", "evidence": evidence},
    }
    seen = {
        "appointee": "DWP's appointee letter",
        "lasting_power_of_attorney": "the registered Lasting Power of Attorney",
    }[kind]
    for form, end in (("APA1", "6. Assessment"), ("UC47", "8. Declaration")):
        text, payload = saved[form]
        section = _between(text, "Correspondence Correspondence to", end)
        assert f"{label}: Pat Okafor" in section, form
        assert "Contact 07700 900123" in section, form
        # What the landlord saw of their authority (docs/representatives.md).
        assert f"Authority Verified on 9 June 2026: {seen} seen" in section, form
        assert "Send correspondence and decisions about this request to them." in section
        assert "The resident" not in section
        assert payload["correspondent"] == expected, form


def test_without_an_appointee_correspondence_goes_to_the_resident(tmp_path: Path) -> None:
    state = _request(_apa_case(), datetime(2026, 6, 10, 9, tzinfo=UTC), kind="apa")
    saved = _saved(tmp_path, _forms(state))
    for form in ("APA1", "UC47"):
        text, payload = saved[form]
        assert "Correspondence to The resident" in text, form
        assert "Appointee" not in text and "Contact" not in text, form
        assert "correspondent" not in payload, form


def test_a_deduction_with_the_standard_allowance_prints_its_amount_in_pounds(
    tmp_path: Path,
) -> None:
    state = _request(
        _case("1200.00"),
        datetime(2026, 6, 10, 9, tzinfo=UTC),
        kind="tpd",
        deduction_rate=Decimal("15"),
        standard_allowance=Decimal("400.00"),
    )
    [form] = _forms(state)
    text, payload = _saved(tmp_path, (form,))["UC47"]
    request = _between(text, "4. Request", "Grounds for the request")
    assert request == (
        " Requested Deduction for rent arrears"
        " Deduction rate 15% of the standard allowance"
        " Standard allowance £400.00 a month Deduction £60.00 a month "
    )
    assert payload["request"] == "arrears_deduction"
    assert payload["deduction"] == {
        "rate_percent": "15.00",
        "standard_allowance": "400.00",
        "monthly_amount": "60.00",
    }
    # The grounds (the deduction rules' own words) as a statement writes money.
    grounds_sent = payload["reasons"]["grounds"]
    assert "£1,200.00" in grounds_sent[0]
    [amount] = [g for g in grounds_sent if g.startswith("£60.00 a month (15% of the standard")]
    grounds = _between(text, "Grounds for the request", "5. Rent and arrears")
    assert grounds_sent[0] in grounds and amount in grounds
    assert "£1200.00" not in text and "£1200.00" not in str(payload)
    assert "£60.00 a month (15% of the standard allowance £400.00)" in grounds


def test_a_deduction_without_the_standard_allowance_prints_only_its_rate(tmp_path: Path) -> None:
    state = _request(
        _case("1200.00"),
        datetime(2026, 6, 10, 9, tzinfo=UTC),
        kind="tpd",
        deduction_rate=Decimal("10"),
    )
    text, payload = _saved(tmp_path, _forms(state))["UC47"]
    assert "Deduction rate 10% of the standard allowance" in text
    assert "Standard allowance" not in text and "a month" not in text
    assert payload["deduction"] == {"rate_percent": "10.00"}
    assert "£1,200.00" in payload["reasons"]["grounds"][0]
    assert not [g for g in payload["reasons"]["grounds"] if "a month (" in g]


def test_an_mptls_grounds_are_the_conditions_it_meets(tmp_path: Path) -> None:
    # Weekly rent £100.00 is £433.33 a month: £1,200.00 is over two months' rent.
    state = _request(
        _case("1200.00"), datetime(2026, 6, 10, 9, tzinfo=UTC), kind="mptl", months_underpaid=3
    )
    text, payload = _saved(tmp_path, _forms(state))["UC47"]
    expected = [
        "arrears £1,200.00 against 2 months' rent £866.66",
        "underpaid for 3 months (2 or more needed) with arrears £1,200.00 "
        "against 1 month's rent £433.33",
    ]
    assert payload["reasons"]["grounds"] == expected
    grounds = _between(text, "Grounds for the request", "5. Rent and arrears")
    assert grounds.index(expected[0]) < grounds.index(expected[1])
    assert "Tier" not in grounds  # no vulnerability assessed: only the conditions met
    assert payload["reasons"]["tier_factors"] == []


def test_the_rent_account_extract_lists_each_signed_movement_and_running_balance(
    tmp_path: Path,
) -> None:
    state = _case()  # opened owing £250.00
    state = _movement(state, "charge", "433.33", date(2026, 6, 1))
    state = _movement(state, "payment", "100.00", date(2026, 6, 5), reference="BACS 991")
    state = _movement(state, "tpd_credit", "25.50", date(2026, 6, 9))
    state = _movement(state, "charge", "433.33", date(2026, 7, 1))
    state = _request(state, datetime(2026, 7, 2, 9, tzinfo=UTC), kind="mptl")
    text, payload = _saved(tmp_path, _forms(state))["UC47"]
    expected = [
        ("2026-06-01", "Rent charged", "433.33", "683.33"),
        ("2026-06-05", "Payment received (BACS 991)", "-100.00", "583.33"),
        ("2026-06-09", "Third party deduction received", "-25.50", "557.83"),
        ("2026-07-01", "Rent charged", "433.33", "991.16"),
    ]
    assert payload["rent_arrears"]["amount"] == "991.16"
    assert payload["rent_arrears"]["statement"] == [
        {"date": on, "description": what, "amount": amount, "balance": balance}
        for on, what, amount, balance in expected
    ]
    extract = _between(text, "Rent account extract", "6. Tier 1 and Tier 2 reasons")
    assert extract == (
        " Date Description Charged Paid Balance"
        " 1 June 2026 Rent charged £433.33 £683.33"
        " 5 June 2026 Payment received (BACS 991) £100.00 £583.33"
        " 9 June 2026 Third party deduction received £25.50 £557.83"
        " 1 July 2026 Rent charged £433.33 £991.16 "
    )
    assert "£-" not in text
    assert "Balance on the case" not in text
    # Each line's balance is the one before it plus its signed amount.
    balance = Decimal("250.00")
    for line in payload["rent_arrears"]["statement"]:
        balance += Decimal(line["amount"])
        assert Decimal(line["balance"]) == balance, line


def test_a_case_with_no_movements_shows_its_balance_on_the_request_date(tmp_path: Path) -> None:
    state = _request(_case("1200.00"), datetime(2026, 6, 10, 9, tzinfo=UTC), kind="mptl")
    text, payload = _saved(tmp_path, _forms(state))["UC47"]
    assert payload["rent_arrears"]["statement"] == [
        {
            "date": "2026-06-10",
            "description": "Balance on the case",
            "amount": "0.00",
            "balance": "1200.00",
        }
    ]
    assert "10 June 2026 Balance on the case £1,200.00" in text


def test_the_extract_carries_the_last_twelve_movements_ending_at_the_balance() -> None:
    state = _case("1200.00")
    for day in range(1, 15):
        state = _movement(state, "charge", "10.00", date(2026, 6, day))
    state = _request(state, datetime(2026, 6, 15, 9, tzinfo=UTC), kind="mptl")
    [form] = _forms(state)
    evidence = structured(form)["rent_arrears"]["statement"]
    assert len(evidence) == 12
    assert evidence[0] == {
        "date": "2026-06-03",
        "description": "Rent charged",
        "amount": "10.00",
        "balance": "1230.00",
    }
    assert evidence[-1]["balance"] == "1340.00" == structured(form)["rent_arrears"]["amount"]


def test_a_request_made_before_facts_were_kept_is_filled_from_the_live_case(
    tmp_path: Path,
) -> None:
    state = _movement(_case("1200.00"), "charge", "433.33", date(2026, 6, 1))
    state = _request(state, datetime(2026, 6, 10, 9, tzinfo=UTC), kind="mptl")
    state = _movement(state, "payment", "200.00", date(2026, 6, 12), reference="BACS 7")
    state = _run(
        state,
        c.RecordRepresentative(by="o", kind="deputy", name="Dee Puty", contact="01632 960000"),
        datetime(2026, 6, 13, 9, tzinfo=UTC),
    )
    # The state as an older run carried it over: its arrangement has no facts.
    converter = pydantic_data_converter.payload_converter
    [payload] = converter.to_payloads([state])
    carried = json.loads(payload.data)
    for arrangement in carried["arrangements"]:
        del arrangement["facts"]
    payload.data = json.dumps(carried).encode()
    [legacy] = converter.from_payloads([payload], [CaseState])
    assert legacy.arrangements[0].facts is None

    [form] = _forms(legacy)
    assert isinstance(form.data, Uc47Data)
    text, body = _saved(tmp_path, (form,))["UC47"]
    assert body["request"] == "managed_payment"
    assert body["rent_arrears"]["amount"] == "1433.33"  # the balance now, after the payment
    assert body["rent_arrears"]["statement"][-1] == {
        "date": "2026-06-12",
        "description": "Payment received (BACS 7)",
        "amount": "-200.00",
        "balance": "1433.33",
    }
    assert body["reasons"]["grounds"] == []
    assert "deduction" not in body
    # Not kept: who opened the case.
    assert body["case"] == {"requested_by": "officer-17", "requested_on": "2026-06-10"}
    assert body["correspondent"] == {
        "kind": "deputy",
        "name": "Dee Puty",
        "contact": "01632 960000",
    }
    assert "officer-17" not in text and "Date 10 June 2026" in text
    assert "Correspondence to Deputy: Dee Puty" in text
    # Recorded after the request, not yet verified: the form says so, never a blank.
    assert "Authority Not yet verified: the landlord is checking the evidence" in text
    assert "Arrears £1,433.33" in text
    assert _between(text, "Grounds for the request", "5. Rent and arrears") == (
        " Not recorded: the request was made before the engine kept its grounds; see the rent"
        " account extract and the reasons below. "
    )


def test_a_legacy_apa_request_takes_the_assessment_now_on_the_case(tmp_path: Path) -> None:
    state = _assess(
        _case(), "assessor-3", ("mental_health_condition",), datetime(2026, 6, 2, 9, tzinfo=UTC)
    )
    state = _request(
        state,
        datetime(2026, 6, 10, 9, tzinfo=UTC),
        kind="apa",
        apa_type="more_frequent_payments",
    )
    legacy = replace(state.arrangements[0], facts=None)
    [form] = form_requests_for(CASE_ID, state, legacy)
    text, payload = _saved(tmp_path, (form,))["APA1"]
    assert payload["apa_type"] == "more_frequent_payments"
    assert payload["assessment"] == {"assessed_by": "assessor-3", "date": "2026-06-02"}
    assert payload["tier_1"] == ["mental health condition"]
    assert "Rent account on 10 June 2026: arrears of £250.00" in text


def test_forms_built_from_a_case_survive_the_workers_data_converter() -> None:
    state = _run(
        _case("1200.00"),
        c.RecordRepresentative(by="o", kind="appointee", name="Pat Okafor", contact="0770"),
        datetime(2026, 6, 8, 9, tzinfo=UTC),
    )
    state = _verified(state, datetime(2026, 6, 9, 9, tzinfo=UTC))
    state = _request(
        state,
        datetime(2026, 6, 10, 9, tzinfo=UTC),
        kind="tpd",
        deduction_rate=Decimal("15"),
        standard_allowance=Decimal("400.00"),
    )
    converter = pydantic_data_converter.payload_converter
    [form] = _forms(state)
    [decoded] = converter.from_payloads(converter.to_payloads([form]), [FormRequest])
    assert decoded == form
    assert render_pdf(decoded, LANDLORD) == render_pdf(form, LANDLORD)


def test_the_extract_explains_each_balance_from_the_one_before() -> None:
    from activities.forms import _extract
    from domain.case.model import RentLine, RequestFacts

    lines = (
        RentLine(date(2026, 5, 1), "balance", Decimal("500.00"), Decimal("500.00")),
        RentLine(date(2026, 5, 4), "charge", Decimal("433.33"), Decimal("933.33")),
        RentLine(date(2026, 5, 20), "missed_uc_payment", Decimal("433.33"), Decimal("933.33")),
        RentLine(date(2026, 5, 22), "tpd_credit", Decimal("60.00"), Decimal("873.33"), "DWP"),
    )
    facts = RequestFacts(
        requested_by="o",
        requested_on=date(2026, 5, 23),
        balance=Decimal("873.33"),
        monthly_rent=Decimal("433.33"),
        rent_extract=lines,
        factors=(),
        grounds=(),
    )
    extract = _extract(facts)
    assert [(what, amount) for _, what, amount, _ in extract] == [
        ("Balance brought forward", Decimal("0.00")),
        ("Rent charged", Decimal("433.33")),
        ("Expected UC payment missed £433.33", Decimal("0.00")),
        ("Third party deduction received (DWP)", Decimal("-60.00")),
    ]
    for before, after in zip(extract, extract[1:], strict=False):
        assert before[3] + after[2] == after[3]


def test_a_legacy_managed_payment_apa_still_sends_a_uc47() -> None:
    state = _case_for_legacy_apa()
    forms = form_requests_for("case-1", state, state.arrangements[0])
    assert [f.form for f in forms] == ["APA1", "UC47"]


def _case_for_legacy_apa() -> CaseState:
    now = datetime(2026, 6, 1, 9, tzinfo=UTC)
    [opened] = open_case(opening("LEG-1"), now)
    state = initial_state(opened, CasePolicy(), case_children(opened.tenancy_ref, None))  # type: ignore[arg-type]
    for command in (
        c.RecordVulnerabilityAssessment(by="a", factors=("homeless",)),
        c.RequestPaymentArrangement(by="o", kind="apa", apa_type="managed_payment_to_landlord"),
    ):
        state = reduce(evolve, decide(state, command, now), state)
    [arrangement] = state.arrangements
    return replace(state, arrangements=(replace(arrangement, facts=None),))


# --- the landlord's details: reference data read when a form is rendered --------------

MOVED = replace(LANDLORD, name="Northfield Homes Ltd", account_number="80012345")


def test_a_uc47_prints_the_landlord_it_is_given_and_records_it_beside_the_pdf(
    tmp_path: Path,
) -> None:
    store = FormStore(store_in(tmp_path))
    first = store.save(UC47_REQUEST, LANDLORD)
    moved = store.save(UC47_REQUEST, MOVED)
    # Same request, other bank details: another form, stored once by its own hash.
    assert moved.created and moved.sha256 != first.sha256
    assert not store.save(UC47_REQUEST, MOVED).created
    text = pdf_text(moved.pdf_path)
    assert "Northfield Homes Ltd" in text and "80012345" in text and "71234568" not in text
    assert json.loads(stored_bytes(moved.json_path).decode())["landlord"] == {
        "name": "Northfield Homes Ltd",
        "reference": "NH-LL-55021",
        "contact": {"phone": "0113 496 0555", "email": "income@northfieldhomes.org.uk"},
        "payment": {
            "account_name": "Northfield Homes Rent",
            "sort_code": "40-11-62",
            "account_number": "80012345",
        },
    }


def test_generate_form_reads_the_landlord_each_time_it_renders(tmp_path: Path) -> None:
    configured = [LANDLORD]
    activities = FormActivities(FormStore(store_in(tmp_path)), lambda: configured[0])
    before = ActivityEnvironment().run(activities.generate_form, UC47_REQUEST)
    configured[0] = MOVED
    after = ActivityEnvironment().run(activities.generate_form, UC47_REQUEST)
    assert after.created and after.sha256 != before.sha256
    assert "80012345" in pdf_text(after.pdf_path)
    assert json.loads(stored_bytes(after.json_path).decode())["landlord"]["name"] == MOVED.name


def test_generate_form_reads_the_policy_files_landlord_section_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"watch_months_after_closure": 9, "landlord": {"name": "Ash HA"}}))
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    activities = FormActivities(FormStore(store_in(tmp_path / "forms")))
    stored = ActivityEnvironment().run(activities.generate_form, UC47_REQUEST)
    printed = json.loads(stored_bytes(stored.json_path).decode())["landlord"]
    # The rest keep their defaults.
    assert (printed["name"], printed["payment"]["account_number"]) == ("Ash HA", "00000000")
    monkeypatch.setenv("CASEWORK_LANDLORD_ACCOUNT_NUMBER", "44556677")
    stored = ActivityEnvironment().run(activities.generate_form, UC47_REQUEST)
    printed = json.loads(stored_bytes(stored.json_path).decode())["landlord"]
    assert (printed["name"], printed["payment"]["account_number"]) == ("Ash HA", "44556677")


def test_a_bad_landlord_configuration_is_named_and_retried_not_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"landlord": {"sort_code": "401162", "iban": "x"}}))
    with pytest.raises(PolicyFileError) as refused:
        read_policy(str(policy))  # the worker refuses to start on it
    assert "landlord.sort_code: String should match pattern" in str(refused.value)
    assert "landlord.iban: Unexpected keyword argument" in str(refused.value)
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    activities = FormActivities(FormStore(store_in(tmp_path / "forms")))
    with pytest.raises(ApplicationError, match="landlord.sort_code") as info:
        ActivityEnvironment().run(activities.generate_form, UC47_REQUEST)
    assert not info.value.non_retryable and info.value.type == "PolicyFileError"
    assert not (tmp_path / "forms").exists() or not files(tmp_path / "forms", "*.pdf")
    monkeypatch.delenv("CASEWORK_POLICY_FILE")
    monkeypatch.setenv("CASEWORK_LANDLORD_ACCOUNT_NUMBER", "12")
    with pytest.raises(PolicyFileError, match="CASEWORK_LANDLORD_ACCOUNT_NUMBER: String should"):
        read_landlord()


def test_an_apa1_is_not_refused_for_bank_details_it_does_not_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Outside the demo, with the landlord and officer set but the bank details left at
    # the demo's placeholders: the APA1 is made, the UC47 refused naming the settings.
    for name, value in {
        "CASEWORK_LANDLORD_NAME": "Ash HA",
        "CASEWORK_LANDLORD_OFFICER_NAME": "Sam Okoro",
        "CASEWORK_LANDLORD_OFFICER_ROLE": "Income Team Leader",
        "CASEWORK_LANDLORD_PHONE": "0113 496 0777",
        "CASEWORK_LANDLORD_EMAIL": "rents@ash-ha.org.uk",
    }.items():
        monkeypatch.setenv(name, value)
    activities = FormActivities(FormStore(store_in(tmp_path)), demo=False)
    stored = ActivityEnvironment().run(activities.generate_form, APA1_REQUEST)
    assert stored.created and "Sam Okoro" in pdf_text(stored.pdf_path)
    assert "DEMO" not in pdf_text(stored.pdf_path)
    with pytest.raises(ApplicationError, match="CASEWORK_LANDLORD_SORT_CODE") as refused:
        ActivityEnvironment().run(activities.generate_form, UC47_REQUEST)
    assert refused.value.type == "FormNotFitToSend"
    assert "CASEWORK_LANDLORD_ACCOUNT_NUMBER" in refused.value.message
    assert "CASEWORK_LANDLORD_OFFICER_NAME" not in refused.value.message
    assert not files(tmp_path, "UC47-*")


def test_in_the_demo_generate_form_prints_the_placeholders_marked_not_for_submission(
    tmp_path: Path,
) -> None:
    activities = FormActivities(FormStore(store_in(tmp_path)), demo=True)
    stored = ActivityEnvironment().run(activities.generate_form, UC47_REQUEST)
    text = pdf_text(stored.pdf_path)
    assert "DEMO — not for submission" in text and "00-00-00" in text
    assert "demo" in json.loads(stored_bytes(stored.json_path).decode())


def _legacy_uc47_request() -> dict[str, Any]:
    """A UC47 request as the case built it when the landlord was part of its policy."""
    body = pydantic_data_converter.payload_converter.to_payloads([UC47_REQUEST])[0].data
    request: dict[str, Any] = json.loads(body)
    request["data"] |= {
        "landlord_name": "Old Landlord HA",
        "landlord_reference": "OLD-1",
        "landlord_payment": {
            "account_name": "Old Landlord Rents",
            "sort_code": "99-99-99",
            "account_number": "99999999",
        },
    }
    return request


def test_a_request_carrying_the_landlord_from_before_still_parses_and_prints_todays(
    tmp_path: Path,
) -> None:
    from temporalio.api.common.v1 import Payload

    from workflows.contracts import ArrangementInput

    legacy = _legacy_uc47_request()
    payload = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(legacy).encode())
    [decoded] = pydantic_data_converter.payload_converter.from_payloads([payload], [FormRequest])
    assert decoded == UC47_REQUEST  # the old copy is ignored
    # Inside a running arrangement's strict input, as saved histories hold it.
    arrangement = parse(
        ArrangementInput,
        {
            "case_workflow_id": "uc-case-T-0042/7",
            "arrangement_id": "uc-apa-T-0042/7-1",
            "kind": "mptl",
            "requested_on": "2026-02-02",
            "form": legacy,
        },
    )
    assert arrangement.form == UC47_REQUEST
    activities = FormActivities(FormStore(store_in(tmp_path)), lambda: MOVED)
    stored = ActivityEnvironment().run(activities.generate_form, decoded)
    text = pdf_text(stored.pdf_path)
    assert "80012345" in text and "99999999" not in text and "Old Landlord" not in text


def test_what_is_submitted_carries_the_declaration_and_landlord_the_form_printed(
    tmp_path: Path,
) -> None:
    from activities.outbox import as_rendered

    store = FormStore(store_in(tmp_path))
    for request in (UC47_REQUEST, APA1_REQUEST):
        stored = store.save(request, LANDLORD)
        # The workflow builds the payload from case data alone.
        built = structured(request)
        assert "declaration" not in built and "landlord" not in built
        sent = as_rendered(store, stored, built)
        assert sent == structured(request, LANDLORD), request.form
        assert sent["declaration"]["name"] == "Priya Shah"
    demo = store.save(UC47_REQUEST, LANDLORD, demo=True)
    assert as_rendered(store, demo, structured(UC47_REQUEST))["demo"].startswith("DEMO")
