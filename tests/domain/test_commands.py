"""Commands refuse a payload that does not fit, naming the field's path, before decide runs."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from domain.case import commands as c


def _open_case_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "tenancy_ref": "T-1001",
        "opening_reason": "arrears_trigger",
        "opened_by": "officer-17",
        "resident": {"full_name": "Morgan Testperson", "ni_number": "AB123456C"},
        "tenancy": {"address": "12 Example Road, Testtown", "start_date": date(2019, 6, 3)},
        "rent": {"amount": Decimal("100.00"), "frequency": "weekly"},
    }
    fields.update(overrides)
    return fields


def _locations(error: ValidationError) -> list[tuple[Any, ...]]:
    return [tuple(detail["loc"]) for detail in error.errors()]


def test_a_valid_opening_is_accepted() -> None:
    command = c.OpenCase(**_open_case_fields())
    assert command.tenancy_ref == "T-1001"
    assert command.resident.ni_number == "AB123456C"


def test_an_ni_number_is_normalised_to_capitals_without_spaces() -> None:
    resident = {"full_name": "Morgan Testperson", "ni_number": "ab 12 34 56 c"}
    command = c.OpenCase(**_open_case_fields(resident=resident))
    assert command.resident.ni_number == "AB123456C"


@pytest.mark.parametrize("ni_number", ["AB12345C", "QQ123456C", "AB123456E", "GB123456A", "123"])
def test_an_invalid_ni_number_is_refused_at_resident_ni_number(ni_number: str) -> None:
    resident = {"full_name": "Morgan Testperson", "ni_number": ni_number}
    with pytest.raises(ValidationError) as info:
        c.OpenCase(**_open_case_fields(resident=resident))
    assert _locations(info.value) == [("resident", "ni_number")]


def test_an_unknown_field_is_refused_by_name() -> None:
    with pytest.raises(ValidationError) as info:
        c.OpenCase(**_open_case_fields(favourite_colour="red"))
    assert ("favourite_colour",) in _locations(info.value)


def test_an_unknown_nested_field_is_refused_with_its_path() -> None:
    resident = {"full_name": "Morgan Testperson", "shoe_size": 9}
    with pytest.raises(ValidationError) as info:
        c.OpenCase(**_open_case_fields(resident=resident))
    assert ("resident", "shoe_size") in _locations(info.value)


def test_an_unknown_field_on_a_command_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        c.CloseCase(by="officer-1", outcome="transferred", urgent=True)  # type: ignore[call-arg]
    assert ("urgent",) in _locations(info.value)


def test_a_call_back_due_at_a_naive_datetime_is_refused_at_due_at() -> None:
    with pytest.raises(ValidationError) as info:
        c.RequestCallBack(by="officer-1", due_at=datetime(2026, 3, 3, 9, 0), reason="arrears")
    assert _locations(info.value) == [("due_at",)]


def test_a_call_back_due_at_an_aware_datetime_is_accepted() -> None:
    due = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert c.RequestCallBack(by="officer-1", due_at=due, reason="arrears").due_at == due


@pytest.mark.parametrize("ref", ["T 1001", "T-10 01", "AB", "-T1001", "T_1001", "x" * 41])
def test_a_malformed_tenancy_ref_is_refused_at_tenancy_ref(ref: str) -> None:
    with pytest.raises(ValidationError) as info:
        c.OpenCase(**_open_case_fields(tenancy_ref=ref))
    assert _locations(info.value) == [("tenancy_ref",)]


def test_surrounding_whitespace_is_stripped_from_a_tenancy_ref() -> None:
    assert c.OpenCase(**_open_case_fields(tenancy_ref="  T-1001 ")).tenancy_ref == "T-1001"


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-100.00")])
def test_a_rent_that_is_not_positive_is_refused_at_rent_amount(amount: Decimal) -> None:
    with pytest.raises(ValidationError) as info:
        c.OpenCase(**_open_case_fields(rent={"amount": amount, "frequency": "weekly"}))
    assert _locations(info.value) == [("rent", "amount")]


def test_a_rent_frequency_outside_the_four_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        c.OpenCase(**_open_case_fields(rent={"amount": Decimal("100"), "frequency": "daily"}))
    assert _locations(info.value) == [("rent", "frequency")]


def test_an_amount_in_fractions_of_a_penny_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        c.RecordRentMovement(
            by="officer-1", kind="charge", amount=Decimal("10.001"), on=date(2026, 3, 2)
        )
    assert _locations(info.value) == [("amount",)]


def test_an_unknown_rent_movement_kind_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        c.RecordRentMovement(
            by="officer-1",
            kind="refund",  # type: ignore[arg-type]
            amount=Decimal("10"),
            on=date(2026, 3, 2),
        )
    assert _locations(info.value) == [("kind",)]


def test_an_empty_actor_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        c.AddJournalNote(by="", text="hello")
    assert ("by",) in _locations(info.value)


def test_a_blank_journal_note_is_refused_after_stripping() -> None:
    with pytest.raises(ValidationError) as info:
        c.AddJournalNote(by="officer-1", text="   ")
    assert _locations(info.value) == [("text",)]


def test_a_negative_housing_element_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        c.RecordClaimStatus(
            by="officer-1",
            claim_stage="in_payment",
            first_ap_start=date(2026, 1, 31),
            housing_element=Decimal("-1.00"),
            conditionality_regime="work_preparation",
        )
    assert _locations(info.value) == [("housing_element",)]


def test_commands_are_frozen() -> None:
    command = c.CloseCase(by="officer-1", outcome="transferred")
    with pytest.raises((AttributeError, TypeError, ValidationError)):
        command.outcome = "tenancy_ended"  # type: ignore[misc]


def test_every_update_name_is_the_snake_case_name_of_its_command() -> None:
    for name, kind in c.COMMANDS.items():
        assert kind.__name__ == name.title().replace("_", ""), name
