"""Transitional protection worked through on the TP guide's own dates, 2023 to 2025
(docs/rules.md#transitional-element, docs/rules.md#capital-disregard,
docs/rules.md#protection-ends, docs/rules.md#rates).

Each example runs a migration through `decide`/`evolve` on real 2023-2025 dates
(no calendar shift), so every figure comes from the rate set, AET and NLW in
force on the AP's start. Expected values are worked by hand below from the
published figures (monthly):

    2023/24 (APs from 10 Apr 2023): SA single 25+ 368.74, couple 25+ 578.82,
        child (first, born before 6 Apr 2017) 315.00, other child 269.58,
        LCW 146.31, LCWRA 390.06
    2024/25 (APs from 8 Apr 2024): SA single 25+ 393.45, couple 25+ 617.60,
        child first 333.33, other child 287.92, LCW 156.11, LCWRA 416.19
    2025/26 (APs from 7 Apr 2025): SA couple 25+ 628.10, LCWRA 423.27
    benefit cap outside London: single 1,229.42, family 1,835.00
    AET = hours x NLW x 52 / 12 rounded down: 15 h / 24 h from 30 Jan 2023,
        18 h / 29 h from 13 May 2024; NLW 10.42 from 1 Apr 2023, 11.44 from
        1 Apr 2024, 12.21 from 1 Apr 2025.
"""

from datetime import date
from decimal import Decimal
from functools import reduce

import pytest

from domain.dates import ap_end, ap_start, start_of_day
from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration.decide import decide, evolve, start_migration
from domain.migration.model import APRecord, MigrationState

D = Decimal
BY = "welfare-01"


def _migration(notice: date, deadline: date, tax_credits: bool) -> MigrationState:
    return start_migration(
        tenancy_ref="T-WORKED",
        case_workflow_id="uc-case-T-WORKED",
        notice_issued=notice,
        deadline_day=deadline,
        reissued=False,
        tax_credits=tax_credits,
        reminder_days_after_notice=14,
        reminder_days_before_deadline=(28, 7, 1),
        year_shift=0,
    )


def _apply(state: MigrationState, command: object, on: date) -> MigrationState:
    return reduce(evolve, decide(state, command, start_of_day(on)), state)


def _claimed(
    *,
    notice: date,
    deadline: date,
    claim: date,
    tax_credits: bool,
    capital: str,
    legacy_total: str,
    indicative_uc: str,
    cap: str | None,
) -> MigrationState:
    state = _migration(notice, deadline, tax_credits)
    state = _apply(state, c.RecordClaim(by=BY, claim_date=claim), claim)
    state = _apply(state, c.RecordCapitalOnMigrationDay(by=BY, capital=D(capital)), claim)
    return _apply(
        state,
        c.RecordTransitionalAmounts(
            by=BY,
            legacy_total=D(legacy_total),
            indicative_uc=D(indicative_uc),
            benefit_cap=cap,  # type: ignore[arg-type]
        ),
        claim,
    )


def _statement(
    state: MigrationState,
    ap: int,
    elements: dict[str, str],
    *,
    household: str = "single",
    earnings: str = "0",
    capital: str = "0",
) -> MigrationState:
    award = state.award_starts[-1]
    after = ap_end(award, ap - 1)  # recorded the day the AP ends
    command = c.RecordAwardStatement(
        by=BY,
        ap=ap,
        elements={k: D(v) for k, v in elements.items()},
        household=household,  # type: ignore[arg-type]
        earnings=D(earnings),
        capital=D(capital),
    )
    return _apply(state, command, after)


def _ap(state: MigrationState, number: int) -> APRecord:
    return [a for a in state.aps if a.number == number][-1]


# --- Example 1: erosion by the 2024 uprating and a new child; capital disregard -----------
#
# A Working Tax Credit claimant, single, 25 or over, one child born in 2015.
# Notice 14 Aug 2023, deadline day 14 Nov 2023; claim 16 Oct 2023, so the award
# and AP 1 start 16 Oct 2023. APs start on the 16th of each month.
#
# Indicative UC (2023/24): SA 368.74 + child 315.00 + housing 450.00 = 1,133.74.
# Legacy total 1,250.00. TE = 1,250.00 - 1,133.74 = 116.26; cap room
#   1,835.00 - 1,133.74 = 701.26, so the cap does not bite: TE 116.26.
# APs 1-6 (16 Oct 2023 - 16 Mar 2024) start before 8 Apr 2024: 2023/24, no rise.
# AP 7 (16 Apr 2024) starts after the 2024 uprating day: SA 368.74 -> 393.45
#   (+24.71), child 315.00 -> 333.33 (+18.33); housing unchanged.
#   Relevant increases 43.04; TE 116.26 - 43.04 = 73.22.
# AP 8 (16 May 2024): a second child, 287.92, counts in full:
#   73.22 - 287.92 < 0, so TE nil.
# Capital 18,500.00 on migration day, over 16,000: the excess is disregarded.
#   APs 1-3 at 18,500.00: 2,500.00 disregarded, tariff income on 16,000.00:
#   (16,000 - 6,000) / 250 = 40 steps x 4.35 = 174.00.
#   AP 4 at 15,700.00 (< 16,000) ends the disregard for good: tariff on
#   9,700 / 250 = 38.8 -> 39 steps x 4.35 = 169.65.


SA_2023, CHILD1_2023 = "368.74", "315.00"
SA_2024, CHILD1_2024, CHILD2_2024 = "393.45", "333.33", "287.92"


def _example_1() -> MigrationState:
    state = _claimed(
        notice=date(2023, 8, 14),
        deadline=date(2023, 11, 14),
        claim=date(2023, 10, 16),
        tax_credits=True,
        capital="18500.00",
        legacy_total="1250.00",
        indicative_uc="1133.74",
        cap="outside_london_family",
    )
    before = {"standard_allowance": SA_2023, "child:1": CHILD1_2023, "housing": "450.00"}
    after = {"standard_allowance": SA_2024, "child:1": CHILD1_2024, "housing": "450.00"}
    capitals = ["18500.00"] * 3 + ["15700.00"] * 5
    for ap in range(1, 7):
        state = _statement(state, ap, before, capital=capitals[ap - 1])
    state = _statement(state, 7, after, capital=capitals[6])
    return _statement(state, 8, {**after, "child:2": CHILD2_2024}, capital=capitals[7])


def test_example_1_initial_te_is_legacy_less_indicative_uc_under_the_2023_cap() -> None:
    state = _example_1()
    assert state.te_initial == D("1250.00") - D("1133.74") == D("116.26")
    assert state.benefit_cap == D("1835.00")


def test_example_1_aps_take_the_rates_of_their_own_start() -> None:
    state = _example_1()
    assert [(a.number, a.starts, a.rates_year) for a in state.aps] == [
        (1, date(2023, 10, 16), "2023/24"),
        (2, date(2023, 11, 16), "2023/24"),
        (3, date(2023, 12, 16), "2023/24"),
        (4, date(2024, 1, 16), "2023/24"),
        (5, date(2024, 2, 16), "2023/24"),
        (6, date(2024, 3, 16), "2023/24"),
        (7, date(2024, 4, 16), "2024/25"),
        (8, date(2024, 5, 16), "2024/25"),
    ]


def test_example_1_the_2024_uprating_then_a_new_child_erode_the_te() -> None:
    state = _example_1()
    uprating = (D(SA_2024) - D(SA_2023)) + (D(CHILD1_2024) - D(CHILD1_2023))
    assert uprating == D("24.71") + D("18.33") == D("43.04")
    assert [(a.number, a.relevant_increases, a.te) for a in state.aps] == [
        *((n, D("0"), D("116.26")) for n in range(1, 7)),
        (7, uprating, D("116.26") - uprating),
        (8, D(CHILD2_2024), D("0")),
    ]
    assert _ap(state, 7).te == D("73.22")


def test_example_1_capital_disregard_then_tariff_income_on_2023_24_dates() -> None:
    state = _example_1()
    steps_at_16000 = (D("16000") - D("6000")) / 250  # 40
    steps_at_15700 = D("39")  # 9,700 / 250 = 38.8, a part step counts
    assert [
        (a.number, a.capital.disregard_applies, a.capital.disregarded, a.capital.tariff_income)
        for a in state.aps[:5]
    ] == [
        (1, True, D("2500.00"), steps_at_16000 * D("4.35")),
        (2, True, D("2500.00"), D("174.00")),
        (3, True, D("2500.00"), D("174.00")),
        (4, False, D("0"), steps_at_15700 * D("4.35")),
        (5, False, D("0"), D("169.65")),
    ]
    assert not state.disregard_live  # ended for good in AP 4


def test_example_1_ends_once_nothing_is_left_to_protect() -> None:
    state = _example_1()
    # TE nil from AP 8 and the disregard ended in AP 4: tracking stops.
    assert state.protection == "ended"
    assert state.protection_ended_reason is not None
    assert state.protection_ended_reason.startswith("nothing left to protect")


# --- Example 2: the AET by its dates ends protection ---------------------------------------
#
# The same household and dates, earning 700.00 in every AP, capital 3,000.00.
# Legacy 1,600.00: TE = 1,600.00 - 1,133.74 = 466.26 (cap room 701.26).
# AET, single, by the AP's start (hours in force x NLW in force x 52 / 12, down):
#   APs 1-6 (16 Oct 2023 - 16 Mar 2024): 15 x 10.42 x 52 / 12 = 677.30 -> 677.
#     AP 1 earnings 700.00 >= 677: the earnings rule applies. APs 2-6 not below.
#   AP 7 (16 Apr 2024): NLW 11.44, still 15 hours: 743.60 -> 743. 700 < 743: 1st.
#   AP 8 (16 May 2024, after 13 May): 18 x 11.44 x 52 / 12 = 892.32 -> 892: 2nd.
#   AP 9 (16 Jun 2024): 892: 3rd below, protection ends from the next AP.
# TE: AP 7 uprating 43.04 -> 466.26 - 43.04 = 423.22; earnings never erode it.


def _example_2() -> MigrationState:
    state = _claimed(
        notice=date(2023, 8, 14),
        deadline=date(2023, 11, 14),
        claim=date(2023, 10, 16),
        tax_credits=True,
        capital="3000.00",
        legacy_total="1600.00",
        indicative_uc="1133.74",
        cap="outside_london_family",
    )
    before = {"standard_allowance": SA_2023, "child:1": CHILD1_2023, "housing": "450.00"}
    after = {"standard_allowance": SA_2024, "child:1": CHILD1_2024, "housing": "450.00"}
    for ap in range(1, 10):
        elements = before if ap < 7 else after
        state = _statement(state, ap, elements, earnings="700.00", capital="3000.00")
    return state


def test_example_2_the_aet_follows_the_hours_and_the_nlw_in_force_on_each_ap_start() -> None:
    state = _example_2()
    assert D(15) * D("10.42") * 52 / 12 == D("677.30")
    assert D(15) * D("11.44") * 52 / 12 == D("743.60")
    assert (D(18) * D("11.44") * 52 / 12).quantize(D("0.01")) == D("892.32")
    assert [(a.number, a.earnings_threshold, a.below_threshold_aps) for a in state.aps] == [
        *((n, D("677"), 0) for n in range(1, 7)),
        (7, D("743"), 1),
        (8, D("892"), 2),
        (9, D("892"), 3),
    ]


def test_example_2_three_aps_below_the_aet_end_protection_te_unchanged_by_earnings() -> None:
    state = _example_2()
    assert state.protection == "ended"
    assert state.protection_ended_reason == (
        "earnings below the administrative earnings threshold in 3 APs since AP 1 "
        "(the third was AP 9); protection ends from the next AP"
    )
    assert {a.te for a in state.aps[:6]} == {D("466.26")}
    assert _ap(state, 9).te == D("466.26") - D("43.04") == D("423.22")


# --- Example 3: a couple, LCW replaced by LCWRA, into 2025/26 --------------------------------
#
# Joint claimants, one 25 or over, legacy income-related ESA and Housing Benefit.
# Notice 4 Mar 2024, deadline day 5 Jun 2024; claim 3 Jun 2024: APs start on the 3rd.
# Indicative UC (2024/25): SA 617.60 + LCW 156.11 + housing 500.00 = 1,273.71.
# Legacy 1,600.00: TE = 326.29 (cap room 1,835.00 - 1,273.71 = 561.29).
# AP 3 (3 Aug 2024): LCW 156.11 replaced by LCWRA 416.19: only the difference
#   416.19 - 156.11 = 260.08 counts: 326.29 - 260.08 = 66.21.
# AP 11 (3 Apr 2025) starts before the 7 Apr 2025 uprating day: still 2024/25.
# AP 12 (3 May 2025): 2025/26: SA 617.60 -> 628.10 (+10.50), LCWRA 416.19 ->
#   423.27 (+7.08): 66.21 - 17.58 = 48.63.
# Couple AET: AP 1 (3 Jun 2024): 29 x 11.44 x 52 / 12 = 1,437.62 -> 1,437; combined
#   earnings 1,500.00 are above it, so the rule applies. AP 11 (3 Apr 2025)
#   starts after the NLW rose on 1 April 2025: 29 x 12.21 x 52 / 12 = 1,534.39
#   -> 1,534, and 1,500 is below it (1st) though the UC rates are still 2024/25's.
#   AP 12: 1,534 again (2nd).


def _example_3() -> MigrationState:
    state = _claimed(
        notice=date(2024, 3, 4),
        deadline=date(2024, 6, 5),
        claim=date(2024, 6, 3),
        tax_credits=False,
        capital="0",
        legacy_total="1600.00",
        indicative_uc="1273.71",
        cap="outside_london_family",
    )
    lcw = {"standard_allowance": "617.60", "lcw": "156.11", "housing": "500.00"}
    lcwra = {"standard_allowance": "617.60", "lcwra": "416.19", "housing": "500.00"}
    uprated = {"standard_allowance": "628.10", "lcwra": "423.27", "housing": "500.00"}
    for ap in range(1, 13):
        elements = lcw if ap < 3 else lcwra if ap < 12 else uprated
        state = _statement(state, ap, elements, household="couple", earnings="1500.00")
    return state


def test_example_3_lcwra_replacing_lcw_erodes_only_the_difference() -> None:
    state = _example_3()
    assert state.te_initial == D("1600.00") - D("1273.71") == D("326.29")
    difference = D("416.19") - D("156.11")
    assert _ap(state, 3).relevant_increases == difference == D("260.08")
    assert _ap(state, 3).te == D("326.29") - difference == D("66.21")


def test_example_3_the_2025_uprating_erodes_from_the_first_ap_starting_after_7_april() -> None:
    state = _example_3()
    assert (_ap(state, 11).starts, _ap(state, 11).rates_year) == (date(2025, 4, 3), "2024/25")
    assert _ap(state, 11).te == D("66.21")
    uprating = (D("628.10") - D("617.60")) + (D("423.27") - D("416.19"))
    assert (_ap(state, 12).rates_year, _ap(state, 12).relevant_increases) == ("2025/26", uprating)
    assert _ap(state, 12).te == D("66.21") - D("17.58") == D("48.63")


def test_example_3_the_couple_aet_takes_the_nlw_of_1_april_before_the_uprating_day() -> None:
    state = _example_3()
    assert [(a.number, a.earnings_threshold, a.below_threshold_aps) for a in state.aps] == [
        *((n, D("1437"), 0) for n in range(1, 11)),
        (11, D("1534"), 1),
        (12, D("1534"), 2),
    ]
    assert state.protection == "active"


# --- the benefit cap and years not held -----------------------------------------------------


def test_the_2023_benefit_cap_limits_the_initial_te() -> None:
    # Single, 25 or over, no child, 2023/24: indicative 368.74 + housing 700.00 =
    # 1,068.74. Legacy 1,400.00 would give 331.26, but the single cap outside London
    # 1,229.42 leaves room for 1,229.42 - 1,068.74 = 160.68 only.
    state = _claimed(
        notice=date(2023, 8, 14),
        deadline=date(2023, 11, 14),
        claim=date(2023, 10, 16),
        tax_credits=False,
        capital="0",
        legacy_total="1400.00",
        indicative_uc="1068.74",
        cap="outside_london_single",
    )
    assert state.te_initial == D("1229.42") - D("1068.74") == D("160.68")


def test_an_award_starting_before_the_2023_uprating_day_is_refused_naming_the_year() -> None:
    state = _migration(date(2022, 12, 5), date(2023, 3, 6), tax_credits=True)
    state = _apply(state, c.RecordClaim(by=BY, claim_date=date(2023, 3, 6)), date(2023, 3, 6))
    assert state.award_starts == (date(2023, 3, 6),)
    with pytest.raises(DomainError) as refused:
        _apply(state, c.RecordCapitalOnMigrationDay(by=BY, capital=D("17000")), date(2023, 3, 6))
    assert refused.value.field == "rates"
    assert "AP starting 2023-03-06" in refused.value.rule
    assert "tax year 2022/23" in refused.value.rule


def test_ap_dates_of_the_examples_are_the_ones_worked_by_hand() -> None:
    assert ap_start(date(2023, 10, 16), 6) == date(2024, 4, 16)
    assert ap_start(date(2024, 6, 3), 10) == date(2025, 4, 3)
