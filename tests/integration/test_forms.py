"""UC47 and APA1 rendered to real files under tmp_path and read back with pypdf."""

import io
import json
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import ActivityEnvironment

from activities.forms import (
    Apa1Data,
    FormActivities,
    FormRequest,
    FormStore,
    LandlordPayment,
    StoredForm,
    Uc47Data,
    render_pdf,
    structured,
)

UC47 = Uc47Data(
    tenancy_ref="T-0042/7",
    resident_name="Amara Okonkwo-Lewis",
    address="Flat 3, 12 Larch Road, Leeds LS6 2AB",
    ni_number="QQ123456C",
    date_of_birth=date(1988, 4, 17),
    landlord_name="Northfield Homes",
    landlord_reference="NH-LL-55021",
    landlord_payment=LandlordPayment("Northfield Homes Rent", "40-11-62", "71234568"),
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
UC47_REQUEST = FormRequest(case_id="uc-case-T-0042/7", form="UC47", data=UC47)
APA1_REQUEST = FormRequest(case_id="uc-case-T-0042/7", form="APA1", data=APA1)


def pdf_text(path: str | bytes) -> str:
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    reader = PdfReader(source)
    # Table cells and wrapped lines come back split by newlines; compare words.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def files(root: Path, pattern: str) -> list[Path]:
    return sorted(root.rglob(pattern))


def test_uc47_pdf_carries_the_residents_identifiers_figures_and_evidence(tmp_path: Path) -> None:
    stored = FormStore(tmp_path).save(UC47_REQUEST)
    text = pdf_text(stored.pdf_path)
    assert "UC47 – Landlord request for a managed payment and/or rent arrears deduction" in text
    for expected in [
        "Amara Okonkwo-Lewis",
        "T-0042/7",
        "QQ123456C",
        "1988-04-17",
        "£1,234.56",
        "15.00% of standard allowance",
        "Current rent arrears or threat of eviction",
        "Severe or multiple debt",
        "NH-LL-55021",
        "40-11-62",
        "2026-01-12 Rent due week 41 £126.50 £1,234.56",
        "J. Patel, Income Officer",
    ]:
        assert expected in text, expected
    assert Path(stored.pdf_path).read_bytes().startswith(b"%PDF-")
    assert PdfReader(stored.pdf_path).pages[0].mediabox.height == pytest.approx(841.89, abs=0.1)


def test_apa1_pdf_carries_the_type_tier_factors_evidence_and_assessor(tmp_path: Path) -> None:
    stored = FormStore(tmp_path).save(APA1_REQUEST)
    text = pdf_text(stored.pdf_path)
    assert "APA1 – Alternative Payment Arrangement request pack" in text
    for expected in [
        "Amara Okonkwo-Lewis",
        "T-0042/7",
        "Managed payment to landlord",
        "Mental health condition",
        "No bank account",
        "Recently bereaved",
        "GP letter dated 2026-01-20",
        "R. Byrne, Tenancy Sustainment",
        "2026-02-03",
    ]:
        assert expected in text, expected


def test_uc47_json_payload_round_trips_with_plain_json_types(tmp_path: Path) -> None:
    stored = FormStore(tmp_path).save(UC47_REQUEST)
    payload = json.loads(Path(stored.json_path).read_text())
    assert payload == structured(UC47_REQUEST)
    assert payload["form"] == "UC47"
    assert payload["form_version"] == "1"
    assert payload["resident"] == {
        "name": "Amara Okonkwo-Lewis",
        "address": "Flat 3, 12 Larch Road, Leeds LS6 2AB",
        "ni_number": "QQ123456C",
        "date_of_birth": "1988-04-17",
    }
    assert payload["landlord"]["reference"] == "NH-LL-55021"
    assert payload["landlord"]["payment"]["sort_code"] == "40-11-62"
    assert payload["rent"] == {"amount": "126.50", "frequency": "weekly", "monthly": "548.17"}
    assert payload["arrears"]["amount"] == "1234.56"
    assert payload["arrears"]["evidence"][1] == {
        "date": "2026-01-12",
        "description": "Rent due week 41",
        "amount": "126.50",
        "balance": "1234.56",
    }
    assert payload["request"] == "both"
    assert payload["deduction_rate_percent"] == "15.00"
    assert payload["tier_reasons"] == list(UC47.tier_reasons)
    assert payload["requested_on"] == "2026-02-02"


def test_apa1_json_payload_round_trips(tmp_path: Path) -> None:
    stored = FormStore(tmp_path).save(APA1_REQUEST)
    payload = json.loads(Path(stored.json_path).read_text())
    assert payload["form"] == "APA1"
    assert payload["form_version"] == "1"
    assert payload["apa_type"] == "managed_payment_to_landlord"
    assert payload["tier_1"] == ["Mental health condition"]
    assert payload["tier_2"] == ["No bank account", "Recently bereaved"]
    assert payload["assessed_on"] == "2026-02-03"


def test_a_managed_payment_only_uc47_shows_no_deduction_and_may_omit_the_ni_number(
    tmp_path: Path,
) -> None:
    data = replace(UC47, request="managed_payment", deduction_rate_percent=None, ni_number=None)
    stored = FormStore(tmp_path).save(replace(UC47_REQUEST, data=data))
    text = pdf_text(stored.pdf_path)
    assert "Deduction rate None" in text
    assert "National Insurance number Not known" in text
    assert json.loads(Path(stored.json_path).read_text())["deduction_rate_percent"] is None


def test_uc47_needs_an_ni_number_or_a_date_of_birth() -> None:
    with pytest.raises(ValueError, match="NI number or date of birth"):
        replace(UC47, ni_number=None, date_of_birth=None)


def test_uc47_gives_a_rate_exactly_when_it_asks_for_a_deduction() -> None:
    with pytest.raises(ValueError, match="deduction rate"):
        replace(UC47, request="arrears_deduction", deduction_rate_percent=None)
    with pytest.raises(ValueError, match="deduction rate"):
        replace(UC47, request="managed_payment")


def test_the_same_request_renders_byte_identical_pdfs() -> None:
    assert render_pdf(UC47_REQUEST) == render_pdf(UC47_REQUEST)
    assert render_pdf(APA1_REQUEST) == render_pdf(APA1_REQUEST)


def test_saving_the_same_request_twice_stores_one_file_pair(tmp_path: Path) -> None:
    store = FormStore(tmp_path)
    first = store.save(UC47_REQUEST)
    second = store.save(UC47_REQUEST)
    assert first.created and not second.created
    assert replace(first, created=False) == second
    assert files(tmp_path, "*.pdf") == [Path(first.pdf_path)]
    assert files(tmp_path, "*.json") == [Path(first.json_path)]
    assert Path(first.pdf_path).name == f"UC47-{first.sha256[:16]}.pdf"
    assert not files(tmp_path, "*.tmp")


def test_a_different_request_is_stored_as_a_different_file(tmp_path: Path) -> None:
    store = FormStore(tmp_path)
    first = store.save(UC47_REQUEST)
    later = store.save(replace(UC47_REQUEST, data=replace(UC47, arrears=Decimal("1361.06"))))
    assert later.created and later.sha256 != first.sha256
    assert len(files(tmp_path, "*.pdf")) == 2
    assert len(files(tmp_path, "*.json")) == 2


def test_two_stores_render_the_same_hash(tmp_path: Path) -> None:
    one = FormStore(tmp_path / "one").save(UC47_REQUEST)
    two = FormStore(tmp_path / "two").save(UC47_REQUEST)
    assert one.sha256 == two.sha256
    assert Path(one.pdf_path).read_bytes() == Path(two.pdf_path).read_bytes()
    assert Path(one.json_path).read_bytes() == Path(two.json_path).read_bytes()


def test_unsafe_case_ids_stay_inside_the_root_and_do_not_collide(tmp_path: Path) -> None:
    store = FormStore(tmp_path / "forms")
    slashed = store.save(replace(APA1_REQUEST, case_id="../a/b"))
    underscored = store.save(replace(APA1_REQUEST, case_id=".._a_b"))
    for stored in (slashed, underscored):
        assert Path(stored.pdf_path).resolve().is_relative_to((tmp_path / "forms").resolve())
    assert Path(slashed.pdf_path).parent != Path(underscored.pdf_path).parent


def test_a_retried_save_racing_the_first_leaves_one_pdf_and_one_json(tmp_path: Path) -> None:
    store = FormStore(tmp_path)
    start = threading.Barrier(2)
    results: list[StoredForm] = []

    def attempt() -> None:
        start.wait()
        results.append(store.save(UC47_REQUEST))

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
    store = FormStore(tmp_path)
    first = store.save(UC47_REQUEST)
    Path(first.pdf_path).unlink()  # as if the worker died between the two writes
    retried = store.save(UC47_REQUEST)
    assert retried.created and retried.sha256 == first.sha256
    assert len(files(tmp_path, "*.pdf")) == 1
    assert len(files(tmp_path, "*.json")) == 1


def test_generate_form_activity_stores_the_form(tmp_path: Path) -> None:
    activities = FormActivities(FormStore(tmp_path))
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
        assert render_pdf(decoded) == render_pdf(request)
    stored = FormStore(tmp_path).save(UC47_REQUEST)
    [back] = converter.from_payloads(converter.to_payloads([stored]), [StoredForm])
    assert back == stored
