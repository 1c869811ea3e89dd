"""The transitional element and its erosion (docs/rules.md#transitional-element)."""

from collections.abc import Mapping
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.migration.transitional_element import (
    check_element_name,
    erode,
    initial_transitional_element,
    relevant_increases,
)

D = Decimal

# --- the initial TE -----------------------------------------------------------------


def test_initial_te_is_legacy_total_minus_indicative_uc() -> None:
    assert initial_transitional_element(D("1200.00"), D("1000.00"), None) == D("200.00")


@pytest.mark.parametrize("indicative", [D("0"), D("-50.00")])
def test_no_te_when_the_indicative_amount_is_nil_or_less(indicative: Decimal) -> None:
    assert initial_transitional_element(D("900.00"), indicative, None) == D("0")


@pytest.mark.parametrize("legacy", [D("1000.00"), D("999.99"), D("0")])
def test_no_te_when_legacy_total_does_not_exceed_indicative_uc(legacy: Decimal) -> None:
    assert initial_transitional_element(legacy, D("1000.00"), None) == D("0")


def test_te_may_not_lift_the_award_above_the_benefit_cap() -> None:
    te = initial_transitional_element(D("1500.00"), D("1000.00"), D("1229.42"))
    assert te == D("229.42")


def test_te_is_uncapped_where_the_cap_is_above_legacy_total() -> None:
    assert initial_transitional_element(D("1500.00"), D("1000.00"), D("1835.00")) == D("500.00")


def test_no_te_when_the_indicative_amount_is_already_at_or_above_the_cap() -> None:
    assert initial_transitional_element(D("2000.00"), D("1300.00"), D("1229.42")) == D("0")


def test_no_benefit_cap_leaves_the_te_whole() -> None:
    assert initial_transitional_element(D("5000.00"), D("1000.00"), None) == D("4000.00")


@given(
    legacy=st.decimals(min_value=0, max_value=5000, places=2),
    indicative=st.decimals(min_value=-500, max_value=5000, places=2),
    cap=st.none() | st.decimals(min_value=0, max_value=3000, places=2),
)
def test_initial_te_is_never_negative_and_never_lifts_the_award_over_the_cap(
    legacy: Decimal, indicative: Decimal, cap: Decimal | None
) -> None:
    te = initial_transitional_element(legacy, indicative, cap)
    assert te >= 0
    assert te <= max(D("0"), legacy - indicative)
    if cap is not None and te > 0:
        assert indicative + te <= cap


# --- relevant increases -------------------------------------------------------------


def test_uprating_of_the_standard_allowance_is_a_relevant_increase() -> None:
    previous = {"standard_allowance": D("400.14")}
    current = {"standard_allowance": D("424.90")}
    assert relevant_increases(previous, current) == D("24.76")


def test_a_new_child_element_counts_in_full() -> None:
    previous = {"standard_allowance": D("424.90")}
    current = {"standard_allowance": D("424.90"), "child:2": D("303.94")}
    assert relevant_increases(previous, current) == D("303.94")


def test_a_new_childcare_element_is_never_a_relevant_increase() -> None:
    previous = {"standard_allowance": D("424.90")}
    current = {"standard_allowance": D("424.90"), "childcare": D("850.00")}
    assert relevant_increases(previous, current) == D("0")


def test_a_rise_in_childcare_is_never_a_relevant_increase() -> None:
    previous = {"standard_allowance": D("424.90"), "childcare": D("300.00")}
    current = {"standard_allowance": D("424.90"), "childcare": D("900.00")}
    assert relevant_increases(previous, current) == D("0")


def test_a_decrease_is_not_a_relevant_increase() -> None:
    previous = {"housing": D("650.00")}
    current = {"housing": D("600.00")}
    assert relevant_increases(previous, current) == D("0")


def test_a_decrease_does_not_offset_an_increase_in_another_element() -> None:
    previous = {"standard_allowance": D("400.14"), "housing": D("650.00")}
    current = {"standard_allowance": D("424.90"), "housing": D("600.00")}
    assert relevant_increases(previous, current) == D("24.76")


def test_an_element_ending_is_not_a_relevant_increase() -> None:
    previous = {"standard_allowance": D("424.90"), "carer": D("209.34")}
    current = {"standard_allowance": D("424.90")}
    assert relevant_increases(previous, current) == D("0")


def test_lcw_replaced_by_lcwra_counts_only_the_difference() -> None:
    previous = {"standard_allowance": D("400.14"), "lcw": D("158.76")}
    current = {"standard_allowance": D("400.14"), "lcwra": D("423.27")}
    assert relevant_increases(previous, current) == D("264.51")


def test_lcw_replaced_by_lcwra_at_2026_27_rates_counts_only_the_difference() -> None:
    previous = {"lcw": D("158.76")}
    current = {"lcwra": D("217.26")}
    assert relevant_increases(previous, current) == D("58.50")


def test_lcwra_added_while_lcw_stays_counts_in_full() -> None:
    previous = {"lcw": D("158.76")}
    current = {"lcw": D("158.76"), "lcwra": D("423.27")}
    assert relevant_increases(previous, current) == D("423.27")


def test_uprating_and_a_new_element_in_the_same_ap_both_count() -> None:
    previous = {"standard_allowance": D("400.14"), "carer": D("201.68")}
    current = {
        "standard_allowance": D("424.90"),
        "carer": D("209.34"),
        "child:1": D("351.88"),
    }
    assert relevant_increases(previous, current) == D("24.76") + D("7.66") + D("351.88")


# --- erosion ------------------------------------------------------------------------


def test_erosion_takes_the_relevant_increases_off_the_te() -> None:
    assert erode(D("200.00"), D("24.76")) == D("175.24")


def test_erosion_never_takes_the_te_below_nil() -> None:
    assert erode(D("200.00"), D("303.94")) == D("0")


def test_erosion_never_raises_the_te() -> None:
    assert erode(D("200.00"), D("-50.00")) == D("200.00")


def test_a_nil_te_stays_nil() -> None:
    assert erode(D("0.00"), D("0")) == D("0")


# --- property tests over sequences of APs -------------------------------------------

KEYS = ("standard_allowance", "housing", "lcw", "lcwra", "carer", "childcare")
KEYS += ("child:1", "child:2", "child:3")
AMOUNTS = st.decimals(min_value=0, max_value=2000, places=2)
ELEMENTS = st.dictionaries(st.sampled_from(KEYS), AMOUNTS)
SEQUENCES = st.lists(ELEMENTS, min_size=1, max_size=15)
INITIAL_TE = st.decimals(min_value=0, max_value=3000, places=2)


def te_path(initial: Decimal, aps: list[Mapping[str, Decimal]]) -> list[Decimal]:
    path = [initial]
    for previous, current in zip(aps, aps[1:], strict=False):
        path.append(erode(path[-1], relevant_increases(previous, current)))
    return path


@given(INITIAL_TE, SEQUENCES)
def test_te_is_never_negative(initial: Decimal, aps: list[dict[str, Decimal]]) -> None:
    assert all(te >= 0 for te in te_path(initial, aps))


@given(INITIAL_TE, SEQUENCES)
def test_te_never_rises_from_one_ap_to_the_next(
    initial: Decimal, aps: list[dict[str, Decimal]]
) -> None:
    path = te_path(initial, aps)
    assert all(later <= earlier for earlier, later in zip(path, path[1:], strict=False))


@given(INITIAL_TE, SEQUENCES)
def test_once_nil_the_te_stays_nil(initial: Decimal, aps: list[dict[str, Decimal]]) -> None:
    path = te_path(initial, aps)
    if D("0") in path:
        first_nil = path.index(D("0"))
        assert all(te == 0 for te in path[first_nil:])


@given(INITIAL_TE, SEQUENCES)
def test_te_is_the_initial_te_less_all_relevant_increases_so_far_floored_at_nil(
    initial: Decimal, aps: list[dict[str, Decimal]]
) -> None:
    # Each AP's erosion is non-negative, so flooring once at the end equals flooring
    # every AP.
    path = te_path(initial, aps)
    total = D("0")
    for n, (previous, current) in enumerate(zip(aps, aps[1:], strict=False), start=1):
        total += relevant_increases(previous, current)
        assert path[n] == max(D("0"), initial - total)


@given(INITIAL_TE, SEQUENCES, st.data())
def test_changes_to_childcare_alone_never_change_the_te(
    initial: Decimal, aps: list[dict[str, Decimal]], data: st.DataObject
) -> None:
    childcare = data.draw(
        st.lists(st.none() | AMOUNTS, min_size=len(aps), max_size=len(aps)), label="childcare"
    )
    varied: list[Mapping[str, Decimal]] = []
    for ap, amount in zip(aps, childcare, strict=True):
        other = {k: v for k, v in ap.items() if k != "childcare"}
        if amount is not None:
            other["childcare"] = amount
        varied.append(other)
    assert te_path(initial, varied) == te_path(initial, aps)


@given(SEQUENCES)
def test_relevant_increases_are_never_negative(aps: list[dict[str, Decimal]]) -> None:
    for previous, current in zip(aps, aps[1:], strict=False):
        assert relevant_increases(previous, current) >= 0


# --- element names ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "standard_allowance",
        "housing",
        "lcw",
        "lcwra",
        "carer",
        "childcare",
        "child:1",
        "child:ava",
        "disabled_child:2",
    ],
)
def test_elements_of_the_maximum_award_are_accepted(name: str) -> None:
    assert check_element_name(name) is True


@pytest.mark.parametrize(
    "name",
    ["earnings", "child", "child:", "disabled_child", "disabled_child:", "sdp:1", "", "rent"],
)
def test_names_that_are_not_elements_are_refused(name: str) -> None:
    assert check_element_name(name) is False
