"""Forms fit to send (docs/forms.md, docs/rules.md#forms): every UC47 and APA1 the engine
makes, rendered and read back with pypdf. No field blank or "None", money as a rent
statement writes it, UK dates, the declaration by a named officer with role and the
office's contact, the tenancy's own references; the demo's placeholders refused outside
the demo, naming the setting; the payload in the online service's terms. Pure: nothing
is stored (the store's tests are tests/integration/test_forms.py)."""

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import reduce
from typing import Any

import pytest
from pypdf import PdfReader
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.forms import (
    DEMO_LINE,
    Apa1Data,
    FormActivities,
    FormRequest,
    NotFitToSend,
    Uc47Data,
    _section,
    balance_text,
    check_fit_to_send,
    form_requests_for,
    placeholders,
    postcode_of,
    pounds,
    render_pdf,
    statement_text,
    structured,
    uk_date,
)
from activities.policy import PolicyFileError, read_landlord
from domain.case import commands as c
from domain.case.decide import decide, open_case
from domain.case.evolve import evolve, initial_state
from domain.case.model import CaseState, Tenancy
from domain.policy import CasePolicy, Landlord
from tests.factories import deduction_facts, opening
from workflows.ids import case_children

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
AT = datetime(2026, 6, 10, 9, tzinfo=UTC)

# Every label a form prints beside a value (docs/forms.md).
LABELS = {
    "Name",
    "Address",
    "National Insurance number",
    "Date of birth",
    "Landlord",
    "Landlord reference",
    "Tenancy reference",
    "Property reference",
    "Landlord's telephone",
    "Landlord's email",
    "Account name",
    "Sort code",
    "Account number",
    "Requested",
    "Deduction",
    "Deduction rate",
    "Standard allowance",
    "Rent",
    "Monthly rent",
    "Arrears",
    "Rent account balance",
    "Correspondence to",
    "Contact",
    "Note",
    "Declaration",
    "Role",
    "On behalf of",
    "Telephone",
    "Email",
    "Date",
    "APA type",
    "Assessor's staff reference",
    "Assessed on",
}
HEADINGS = re.compile(r"^\d\. |^Grounds for the request$|^Rent account extract$")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
UK_DATE = re.compile(
    r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October"
    r"|November|December) \d{4}\b"
)


def lines_of(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def assert_fit_to_send(request: FormRequest, landlord: Landlord = LANDLORD) -> str:
    """The rules every form meets, read back from its PDF and its payload; the text."""
    lines = lines_of(render_pdf(request, landlord))
    text = " ".join(" ".join(lines).split())
    assert not re.search(r"\bNone\b", text), text
    assert "£-" not in text and "-£" not in text, text
    assert not ISO_DATE.search(text), ISO_DATE.search(text)
    assert UK_DATE.search(text)
    # Each label is followed by its value: never by another label, a heading or nothing.
    for i, line in enumerate(lines):
        if line in LABELS and not (line == "Date" and lines[i + 1] == "Description"):
            value = lines[i + 1] if i + 1 < len(lines) else ""
            assert value and value not in LABELS and not HEADINGS.search(value), (line, value)
    # The declaration: the named officer, their role, the office's contact, the date.
    declaration = text[text.index("Declaration Declaration") :]
    for expected in (
        "Name Priya Shah",
        "Role Income Recovery Officer",
        "On behalf of Northfield Homes",
        "Telephone 0113 496 0555",
        "Email income@northfieldhomes.org.uk",
    ):
        assert expected in declaration, expected
    assert UK_DATE.search(declaration)
    # The tenancy's own references.
    assert f"Tenancy reference {request.data.tenancy_ref}" in text
    if request.data.property_ref:
        assert f"Property reference {request.data.property_ref}" in text
    if request.form == "UC47":
        assert "Landlord reference NH-LL-55021" in text
    payload = structured(request, landlord)
    assert_no_null(payload)
    assert "£-" not in str(payload)
    assert payload["declaration"]["name"] == "Priya Shah"
    assert payload["tenancy"]["tenant_reference"] == request.data.tenancy_ref
    return text


def assert_no_null(value: Any, where: str = "payload") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert_no_null(item, f"{where}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            assert_no_null(item, f"{where}[{n}]")
    else:
        assert value is not None and value != "", where


def _case(balance: str = "1200.00", **overrides: Any) -> CaseState:
    overrides.setdefault(
        "tenancy",
        Tenancy(
            address="Flat 3, 12 Larch Road, Leeds LS6 2AB",
            start_date=date(2019, 6, 3),
            landlord_ref="PROP-HF-0412",
        ),
    )
    [opened] = open_case(opening("FC-1", balance=Decimal(balance), **overrides), AT)
    return initial_state(opened, CasePolicy(), case_children(opened.tenancy_ref, None))  # type: ignore[arg-type]


def _run(state: CaseState, command: Any) -> CaseState:
    return reduce(evolve, decide(state, command, AT), state)


def _forms(state: CaseState) -> tuple[FormRequest, ...]:
    return form_requests_for("uc-case-FC-1", state, state.arrangements[-1])


def _payment(state: CaseState, amount: str) -> CaseState:
    movement = c.RecordRentMovement(
        by="rents-clerk", kind="payment", amount=Decimal(amount), on=date(2026, 6, 5)
    )
    return _run(state, movement)


UC47 = Uc47Data(
    tenancy_ref="T-0042",
    resident_name="Amara Okonkwo-Lewis",
    address="Flat 3, 12 Larch Road, Leeds LS6 2AB",
    ni_number="QQ123456C",
    date_of_birth=date(1988, 4, 17),
    rent_amount=Decimal("126.50"),
    rent_frequency="weekly",
    monthly_rent=Decimal("548.17"),
    arrears=Decimal("1234.56"),
    arrears_evidence=(
        (date(2026, 1, 5), "Rent charged", Decimal("126.50"), Decimal("1361.06")),
        (date(2026, 1, 9), "Payment received (BACS 991)", Decimal("-126.50"), Decimal("1234.56")),
    ),
    request="arrears_deduction",
    deduction_rate_percent=Decimal("15"),
    tier_reasons=(),
    requested_by="officer-9",
    requested_on=date(2026, 2, 2),
    grounds=("rent arrears of £1234.56 on 2026-02-02",),
    standard_allowance=Decimal("400.14"),
    deduction_amount=Decimal("60.02"),
    balance=Decimal("1234.56"),
    property_ref="PROP-HF-0412",
)


# --- every form the engine makes ---------------------------------------------------


def test_a_managed_payment_only_uc47_is_fit_to_send() -> None:
    state = _run(_case(), c.RequestPaymentArrangement(by="officer-9", kind="mptl"))
    [form] = _forms(state)
    text = assert_fit_to_send(form)
    assert "Deduction No deduction requested: managed payment only" in text
    assert "Arrears £1,200.00" in text
    assert "Property reference PROP-HF-0412" in text
    assert "Date 10 June 2026" in text
    assert "officer-9" not in text  # the staff id is the payload's `case`, not the declaration
    payload = structured(form, LANDLORD)
    assert payload["applying_for"] == ["managed_payment_to_landlord"]
    assert "deduction" not in payload
    assert payload["case"] == {"requested_by": "officer-9", "requested_on": "2026-06-10"}
    assert payload["tenancy"]["property_reference"] == "PROP-HF-0412"


def test_a_rent_arrears_deduction_uc47_is_fit_to_send() -> None:
    form = FormRequest("uc-case-T-0042", "UC47", UC47)
    text = assert_fit_to_send(form)
    assert "Deduction rate 15% of the standard allowance" in text
    assert "Standard allowance £400.14 a month Deduction £60.02 a month" in text
    # Grounds written before these rules read as a statement writes them.
    assert "rent arrears of £1,234.56 on 2 February 2026" in text
    assert "5 January 2026 Rent charged £126.50 £1,361.06" in text
    assert "9 January 2026 Payment received (BACS 991) £126.50 £1,234.56" in text
    assert "No Tier 1 or Tier 2 factor is claimed" in text
    payload = structured(form, LANDLORD)
    assert payload["applying_for"] == ["rent_arrears_deduction"]
    assert payload["deduction"] == {
        "rate_percent": "15.00",
        "standard_allowance": "400.14",
        "monthly_amount": "60.02",
    }
    assert payload["reasons"]["grounds"] == ["rent arrears of £1,234.56 on 2 February 2026"]


def test_a_deduction_requested_on_a_case_is_fit_to_send() -> None:
    state = _case()
    for facts in deduction_facts(AT.date()):
        state = _run(state, facts)
    request = c.RequestPaymentArrangement(
        by="officer-9",
        kind="tpd",
        deduction_rate=Decimal("15"),
        standard_allowance=Decimal("400.14"),
    )
    [form] = _forms(_run(state, request))
    text = assert_fit_to_send(form)
    assert "Deduction rate 15% of the standard allowance" in text
    assert "Deduction £60.02 a month" in text
    # The deduction rules' grounds, with statement money and UK dates.
    grounds = structured(form, LANDLORD)["reasons"]["grounds"]
    assert grounds and all(g in text for g in grounds)


def test_a_deduction_without_the_standard_allowance_says_who_works_it_out() -> None:
    data = replace(UC47, standard_allowance=None, deduction_amount=None)
    text = assert_fit_to_send(FormRequest("uc-case-T-0042", "UC47", data))
    assert "Deduction DWP works out the amount from the standard allowance of the award" in text


def test_a_uc47_asking_for_both_is_fit_to_send() -> None:
    data = replace(UC47, request="both", tier_reasons=("Severe or multiple debt",))
    text = assert_fit_to_send(FormRequest("uc-case-T-0042", "UC47", data))
    assert "Requested Managed payment of rent and deduction for rent arrears" in text
    assert "Severe or multiple debt" in text
    payload = structured(FormRequest("uc-case-T-0042", "UC47", data), LANDLORD)
    assert payload["applying_for"] == ["managed_payment_to_landlord", "rent_arrears_deduction"]


@pytest.mark.parametrize(
    ("apa_type", "factors", "couple", "forms", "label"),
    [
        (
            "managed_payment_to_landlord",
            ("mental_health_condition", "no_bank_account"),
            False,
            ["APA1", "UC47"],
            "Managed payment to landlord",
        ),
        ("more_frequent_payments", ("mental_health_condition",), False, ["APA1"], "More frequent"),
        ("split_payments", ("domestic_abuse",), True, ["APA1"], "Split payments"),
    ],
)
def test_every_apa_type_gives_forms_fit_to_send(
    apa_type: str, factors: tuple[str, ...], couple: bool, forms: list[str], label: str
) -> None:
    state = _run(_case(), c.RecordVulnerabilityAssessment(by="assessor-3", factors=factors))
    request = c.RequestPaymentArrangement(
        by="officer-9", kind="apa", apa_type=apa_type, couple=couple
    )
    made = _forms(_run(state, request))
    assert [f.form for f in made] == forms
    for form in made:
        text = assert_fit_to_send(form)
        if form.form == "APA1":
            assert f"APA type {label}" in text
            assert "Assessed on 10 June 2026" in text
            assert "Vulnerability assessment of 10 June 2026" in text
            assert "Rent account on 10 June 2026: arrears of £1,200.00" in text
            assert "Account number" not in text  # an APA1 prints no bank details


def test_an_apa1_with_no_tier_2_factor_says_so() -> None:
    assessed = c.RecordVulnerabilityAssessment(by="a", factors=("mental_health_condition",))
    state = _run(_case(), assessed)
    state = _run(
        state,
        c.RequestPaymentArrangement(by="o", kind="apa", apa_type="more_frequent_payments"),
    )
    text = assert_fit_to_send(_forms(state)[0])
    assert "No Tier 2 factor found in the assessment." in text


def test_a_credit_balance_reads_in_credit_never_minus() -> None:
    data = replace(
        UC47,
        request="managed_payment",
        deduction_rate_percent=None,
        standard_allowance=None,
        deduction_amount=None,
        arrears=Decimal("0"),
        balance=Decimal("-50.50"),
        arrears_evidence=(
            (date(2026, 1, 5), "Rent charged", Decimal("126.50"), Decimal("76.00")),
            (date(2026, 1, 9), "Payment received", Decimal("-126.50"), Decimal("-50.50")),
        ),
        grounds=("a balance of £-50.50",),
        tier_reasons=("Severe or multiple debt",),
    )
    text = assert_fit_to_send(FormRequest("uc-case-T-0042", "UC47", data))
    assert "Arrears No arrears: the account is £50.50 in credit" in text
    assert "9 January 2026 Payment received £126.50 £50.50 in credit" in text
    assert "a balance of £50.50 in credit" in text
    assert structured(FormRequest("c", "UC47", data))["rent_arrears"]["account_balance"] == "-50.50"


def test_a_request_made_before_its_facts_were_kept_is_still_fit_to_send() -> None:
    state = _run(_case(), c.RequestPaymentArrangement(by="officer-9", kind="mptl"))
    legacy = replace(state.arrangements[-1], facts=None)
    [form] = form_requests_for("uc-case-FC-1", state, legacy)
    text = assert_fit_to_send(form)
    assert "Not recorded: the request was made before the engine kept its grounds" in text


def test_a_resident_known_by_date_of_birth_only_says_how_dwp_matches_them() -> None:
    data = replace(UC47, ni_number=None)
    text = assert_fit_to_send(FormRequest("uc-case-T-0042", "UC47", data))
    assert "National Insurance number Not known: DWP can match the resident by date of birth" in (
        text
    )
    assert "national_insurance_number" not in structured(FormRequest("c", "UC47", data))["tenant"]


def test_a_field_with_nothing_to_print_is_refused_not_left_blank() -> None:
    with pytest.raises(ValueError, match="1. Resident: Name has no value to print"):
        _section("1. Resident", [("Name", " ")])
    with pytest.raises(ValueError, match="Deduction has no value to print"):
        _section("4. Request", [("Deduction", "None")])


# --- money, dates, postcodes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        ("1234.56", "£1,234.56"),
        ("0", "£0.00"),
        ("-50.5", "£50.50 in credit"),
        ("1000000", "£1,000,000.00"),
    ],
)
def test_money_is_written_as_a_rent_statement_writes_it(amount: str, written: str) -> None:
    assert balance_text(Decimal(amount)) == written
    assert pounds(Decimal(amount)).startswith("£") and "-" not in pounds(Decimal(amount))


def test_free_text_gets_uk_dates_and_statement_money() -> None:
    assert statement_text("arrears £1200.00 against 2 months' rent £866.66 on 2026-06-10") == (
        "arrears £1,200.00 against 2 months' rent £866.66 on 10 June 2026"
    )
    assert statement_text("credit £-50.50; not a date 2026-13-40") == (
        "credit £50.50 in credit; not a date 2026-13-40"
    )
    assert uk_date(date(2026, 12, 3)) == "3 December 2026"


@pytest.mark.parametrize(
    ("address", "postcode"),
    [
        ("Flat 3, 12 Larch Road, Leeds LS6 2AB", "LS6 2AB"),
        ("1 High St, London sw1a1aa", "SW1A 1AA"),
        ("12 Example Road, Testtown", None),
    ],
)
def test_the_postcode_is_taken_from_the_address(address: str, postcode: str | None) -> None:
    assert postcode_of(address) == postcode


# --- the demo's placeholders ----------------------------------------------------------


def test_the_demos_placeholders_are_refused_outside_the_demo_naming_each_setting() -> None:
    with pytest.raises(NotFitToSend) as refused:
        check_fit_to_send("UC47", Landlord(), demo=False)
    message = str(refused.value)
    for setting in (
        "CASEWORK_LANDLORD_NAME",
        "CASEWORK_LANDLORD_REFERENCE",
        "CASEWORK_LANDLORD_SORT_CODE",
        "CASEWORK_LANDLORD_ACCOUNT_NUMBER",
        "CASEWORK_LANDLORD_OFFICER_NAME",
        "CASEWORK_LANDLORD_PHONE",
        "CASEWORK_LANDLORD_EMAIL",
    ):
        assert setting in message and setting in refused.value.settings, setting
    assert "landlord.sort_code in the policy file" in message and "'00-00-00'" in message
    assert "CASEWORK_DEMO=1" in message
    # One placeholder left is enough to refuse, and is the one named.
    moved = replace(LANDLORD, sort_code="00-00-00")
    with pytest.raises(NotFitToSend, match="CASEWORK_LANDLORD_SORT_CODE") as one:
        check_fit_to_send("UC47", moved, demo=False)
    assert one.value.settings == ("CASEWORK_LANDLORD_SORT_CODE",)
    check_fit_to_send("UC47", LANDLORD, demo=False)
    check_fit_to_send("UC47", Landlord(), demo=True)


def test_an_apa1_is_refused_only_for_the_details_it_prints() -> None:
    bank_placeholders = replace(LANDLORD, sort_code="00-00-00", account_number="00000000")
    assert placeholders(bank_placeholders, "APA1") == ()
    check_fit_to_send("APA1", bank_placeholders, demo=False)
    with pytest.raises(NotFitToSend, match="CASEWORK_LANDLORD_OFFICER_NAME"):
        check_fit_to_send("APA1", replace(LANDLORD, officer_name="Demo Officer"), demo=False)


class _NoStore:
    def save(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a form not fit to send is never stored")


def test_generate_form_outside_the_demo_fails_naming_the_setting_and_stores_nothing() -> None:
    form = FormRequest("uc-case-T-0042", "UC47", UC47)
    activities = FormActivities(_NoStore(), Landlord, demo=False)  # type: ignore[arg-type]
    with pytest.raises(ApplicationError, match="CASEWORK_LANDLORD_SORT_CODE") as info:
        ActivityEnvironment().run(activities.generate_form, form)
    # Retried until the operator sets the landlord's details.
    assert info.value.type == "FormNotFitToSend" and not info.value.non_retryable


def test_generate_form_reads_casework_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    form = FormRequest("uc-case-T-0042", "UC47", UC47)
    activities = FormActivities(_NoStore(), Landlord)  # type: ignore[arg-type]
    monkeypatch.setenv("CASEWORK_DEMO", "0")
    with pytest.raises(ApplicationError, match="CASEWORK_LANDLORD_NAME"):
        ActivityEnvironment().run(activities.generate_form, form)
    monkeypatch.setenv("CASEWORK_DEMO", "perhaps")
    with pytest.raises(ApplicationError, match="CASEWORK_DEMO: must be 1 or 0"):
        ActivityEnvironment().run(activities.generate_form, form)


def test_in_the_demo_the_form_says_it_is_not_for_submission() -> None:
    form = FormRequest("uc-case-T-0042", "UC47", UC47)
    text = " ".join(" ".join(lines_of(render_pdf(form, Landlord(), demo=True))).split())
    assert DEMO_LINE in text
    assert text.count("DEMO — not for submission") >= 2  # the line, and across the page
    assert structured(form, Landlord(), demo=True)["demo"] == DEMO_LINE
    assert "DEMO" not in " ".join(lines_of(render_pdf(form, LANDLORD)))
    assert "demo" not in structured(form, LANDLORD)


def test_the_same_request_renders_the_same_bytes_in_and_out_of_the_demo() -> None:
    form = FormRequest("uc-case-T-0042", "UC47", UC47)
    assert render_pdf(form, LANDLORD) == render_pdf(form, LANDLORD)
    assert render_pdf(form, Landlord(), demo=True) == render_pdf(form, Landlord(), demo=True)
    assert render_pdf(form, LANDLORD) != render_pdf(form, LANDLORD, demo=True)


def test_the_apa1_data_keeps_defaults_for_requests_saved_before() -> None:
    old = Apa1Data(
        tenancy_ref="T-1",
        resident_name="A",
        apa_type="split_payments",
        tier_1=(),
        tier_2=(),
        evidence=("rent account balance £250.00 on 2026-06-10",),
        assessed_by="",
        assessed_on=date(2026, 6, 10),
    )
    text = assert_fit_to_send(FormRequest("uc-case-T-1", "APA1", old))
    assert "rent account balance £250.00 on 10 June 2026" in text
    assert "Not recorded: no vulnerability assessment was on the case when requested" in text
    assert "No Tier 1 factor found in the assessment." in text


def test_the_officer_and_office_contact_are_set_by_variables_named_in_any_error() -> None:
    environ = {
        "CASEWORK_LANDLORD_OFFICER_NAME": "Sam Okoro",
        "CASEWORK_LANDLORD_OFFICER_ROLE": "Income Team Leader",
        "CASEWORK_LANDLORD_PHONE": "+44 113 496 0777",
        "CASEWORK_LANDLORD_EMAIL": "rents@ash-ha.org.uk",
    }
    landlord = read_landlord(environ=environ)
    assert (landlord.officer_name, landlord.officer_role) == ("Sam Okoro", "Income Team Leader")
    assert (landlord.phone, landlord.email) == ("+44 113 496 0777", "rents@ash-ha.org.uk")
    with pytest.raises(PolicyFileError, match="CASEWORK_LANDLORD_EMAIL: String should match"):
        read_landlord(environ=environ | {"CASEWORK_LANDLORD_EMAIL": "not an address"})
    with pytest.raises(PolicyFileError, match="CASEWORK_LANDLORD_PHONE: String should match"):
        read_landlord(environ=environ | {"CASEWORK_LANDLORD_PHONE": "call me"})
