"""The shipped scenarios (scenarios/*.yaml): each loads, plays on the time-skipping
server without a refused update, and ends where the rules of docs/rules.md#managed-migration say it
should, figure by figure. Malformed scenarios are refused naming the file, the
field's path and the rule.

Each scenario is simulated once per session (about a second each) and the report
is shared by the tests that read it. Dates and times are UK business time: the
report's instants are UTC, so they are turned back into Europe/London here.
"""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from tools.simulator import ScenarioError, load_scenario, simulate, unshift_message

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
UK = ZoneInfo("Europe/London")
D = Decimal

_played: dict[Path, dict[str, Any]] = {}


async def played(name_or_path: str | Path) -> dict[str, Any]:
    """The simulation report of a scenario (by stem under scenarios/, or a path)."""
    path = name_or_path if isinstance(name_or_path, Path) else SCENARIOS / f"{name_or_path}.yaml"
    if path not in _played:
        _played[path] = await simulate(load_scenario(path))
    return _played[path]


def uk(instant: str) -> datetime:
    return datetime.fromisoformat(instant).astimezone(UK)


def timers(out: dict[str, Any], workflow: str = "migration") -> list[tuple[str, str, str]]:
    """(UK date, UK time, summary without its bracketed date) of each timer of
    `workflow` that fired."""
    return [
        (
            uk(t["fired_at"]).date().isoformat(),
            uk(t["fired_at"]).strftime("%H:%M"),
            t["summary"].split(" (")[0],
        )
        for t in out["timers_fired"]
        if t["workflow"] == workflow
    ]


def aps(out: dict[str, Any], *fields: str) -> list[tuple[Any, ...]]:
    """The chosen fields of each assessed AP; money fields as Decimal."""
    money = {
        "relevant_increases",
        "transitional_element_before",
        "transitional_element",
        "capital",
        "capital_disregarded",
        "tariff_income",
        "earnings",
        "earnings_threshold",
    }
    return [
        tuple(D(ap[f]) if f in money else ap[f] for f in fields)
        for ap in out["migration"]["assessment_periods"]
    ]


def kinds(out: dict[str, Any]) -> list[str]:
    return [j["kind"] for j in out["journal"]]


def texts(out: dict[str, Any], kind: str) -> list[str]:
    return [j["text"] for j in out["journal"] if j["kind"] == kind]


def refusals(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [u for u in out["updates"] if "refused" in u]


# --- every shipped scenario -------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
async def test_scenario_loads_and_runs_without_refusals(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.description.strip(), "a scenario explains itself to an adviser"
    out = await played(path)
    assert out["scenario"] == scenario.name
    assert refusals(out) == []
    assert len(out["updates"]) == len(scenario.events)
    assert out["migration"] is not None


def test_tenancy_refs_are_unique_across_scenarios() -> None:
    refs = [load_scenario(p).case["tenancy_ref"] for p in sorted(SCENARIOS.glob("*.yaml"))]
    assert len(refs) == len(set(refs))


# --- deadlines (docs/rules.md#migration-deadlines) ------------------------------------


async def test_deadline_met() -> None:
    out = await played("deadline_met")
    m = out["migration"]
    assert (m["status"], m["protection"]) == ("claimed", "active")
    assert m["award_starts"] == ["2026-01-20"]  # claimed before the deadline day: no backdating
    # TE = 1,450.00 - 1,320.00 = 130.00 (cap room 1,835.00 - 1,320.00 = 515.00).
    # AP 4 is the first to start after the 2026-04-06 uprating: standard allowance
    # 400.14 -> 424.90 (+24.76), child 339.00 -> 351.88 (+12.88): 130.00 - 37.64 = 92.36.
    assert aps(out, "ap", "starts", "rates", "relevant_increases", "transitional_element") == [
        (1, "2026-01-20", "2025/26", D("0"), D("130.00")),
        (2, "2026-02-20", "2025/26", D("0"), D("130.00")),
        (3, "2026-03-20", "2025/26", D("0"), D("130.00")),
        (4, "2026-04-20", "2026/27", D("37.64"), D("92.36")),
    ]
    assert "migration_deadline_missed" not in kinds(out)
    assert [(d, t) for d, t, _ in timers(out)] == [("2025-11-17", "00:00"), ("2026-01-06", "00:00")]


async def test_deadline_missed_then_claim_by_the_final_deadline_is_backdated() -> None:
    out = await played("deadline_missed_claim_by_final_deadline")
    m = out["migration"]
    # Final deadline: last day of the first AP of an award starting on the deadline
    # day 2025-09-17 -> AP 1 is 17 Sep - 16 Oct 2025.
    assert (m["deadline_day"], m["final_deadline"]) == ("2025-09-17", "2025-10-16")
    assert m["status"] == "claimed_after_deadline"
    assert m["claim_date"] == "2025-09-24"
    assert m["award_starts"] == ["2025-09-17"]  # backdated to the deadline day
    assert m["protection"] == "active"
    # TE = 1,395.60 - 1,259.14 = 136.46 (cap room 1,835.00 - 1,259.14 = 575.86).
    assert D(m["transitional_element_initial"]) == D("136.46")
    assert aps(out, "ap", "starts", "ends", "relevant_increases", "transitional_element") == [
        (1, "2025-09-17", "2025-10-16", D("0"), D("136.46")),
        (2, "2025-10-17", "2025-11-16", D("0"), D("136.46")),
    ]
    # Reminders at the start of their days; the deadline-day timer at the start of
    # the day after the deadline day. No final-deadline timer: the claim came first.
    assert timers(out) == [
        ("2025-06-30", "00:00", "outreach reminder: 14 days after the migration notice"),
        ("2025-08-20", "00:00", "outreach reminder: 28 days before the deadline day"),
        ("2025-09-10", "00:00", "outreach reminder: 7 days before the deadline day"),
        ("2025-09-16", "00:00", "outreach reminder: 1 days before the deadline day"),
        ("2025-09-18", "00:00", "deadline day Wed 17 Sep 2025 ends: escalate if no claim"),
    ]
    # The miss escalated the case (every outreach task was done in time, so this
    # is the only escalation).
    assert kinds(out).count("migration_deadline_missed") == 1
    assert [(uk(e["at"]).strftime("%Y-%m-%d %H:%M"), e["text"]) for e in out["escalations"]] == [
        ("2025-09-18 00:00", "task-5 overdue: escalated")
    ]
    assert texts(out, "migration_claim") == [
        "qualifying UC claim made 2025-09-24; award starts 2025-09-17"
    ]


async def test_no_claim_by_the_final_deadline_lapses_without_protection() -> None:
    out = await played("claim_after_final_deadline")
    m = out["migration"]
    assert (m["deadline_day"], m["final_deadline"]) == ("2025-10-01", "2025-10-31")
    assert (m["status"], m["protection"]) == ("lapsed", "none")
    assert m["claim_date"] is None
    assert m["award_starts"] == []
    assert m["assessment_periods"] == []
    assert [(d, t, s.split(":")[0]) for d, t, s in timers(out)][-2:] == [
        ("2025-10-02", "00:00", "deadline day Wed 1 Oct 2025 ends"),
        ("2025-11-01", "00:00", "final deadline Fri 31 Oct 2025 ends"),
    ]
    assert [k for k in kinds(out) if k in ("migration_deadline_missed", "migration_lapsed")] == [
        "migration_deadline_missed",
        "migration_lapsed",
    ]
    escalated_at = {uk(e["at"]).strftime("%Y-%m-%d %H:%M") for e in out["escalations"]}
    assert {"2025-10-02 00:00", "2025-11-01 00:00"} <= escalated_at
    assert out["case"]["escalated"] is True


async def test_a_claim_after_the_final_deadline_is_recorded_as_not_qualifying(
    tmp_path: Path,
) -> None:
    raw = yaml.safe_load((SCENARIOS / "claim_after_final_deadline.yaml").read_text())
    raw["events"][-1] = {
        "date": "2025-11-10",
        "to": "migration",
        "update": "record_claim",
        "args": {"by": "welfare-02", "claim_date": "2025-11-10"},
    }
    path = tmp_path / "late_claim_recorded.yaml"
    path.write_text(yaml.safe_dump(raw))
    out = await played(path)
    m = out["migration"]
    assert refusals(out) == []
    assert (m["status"], m["protection"]) == ("claimed_not_qualifying", "none")
    assert m["claim_date"] == "2025-11-10"
    assert m["award_starts"] == []


async def test_extension_moves_the_deadline_and_the_reminders() -> None:
    out = await played("extension_granted")
    m = out["migration"]
    # Asked 2025-10-20, granted 2025-10-22, both before the deadline day 2025-11-04.
    assert m["extensions"] == ["2025-12-02"]
    assert m["deadline_day"] == "2025-12-02"
    assert m["final_deadline"] == "2026-01-01"  # AP 1 from 2 Dec 2025 ends 1 Jan 2026
    assert (m["status"], m["protection"]) == ("claimed", "active")
    assert m["award_starts"] == ["2025-11-27"]  # claimed before the new deadline day
    # Sent before the extension: 14 days after the notice and 28 days before the old
    # deadline. Afterwards the reminders are 28 and 7 days before the new deadline;
    # those for the old one (2025-10-28, 2025-11-03) never fire, nor does a
    # deadline-day timer.
    assert timers(out) == [
        ("2025-08-18", "00:00", "outreach reminder: 14 days after the migration notice"),
        ("2025-10-07", "00:00", "outreach reminder: 28 days before the deadline day"),
        ("2025-11-04", "00:00", "outreach reminder: 28 days before the deadline day"),
        ("2025-11-25", "00:00", "outreach reminder: 7 days before the deadline day"),
    ]
    assert texts(out, "migration_extension") == [
        "deadline day extended to 2025-12-02; final deadline 2026-01-01"
    ]
    assert "migration_deadline_missed" not in kinds(out)
    assert out["escalations"] == []
    # TE = 1,421.80 - 1,278.41 = 143.39 (no benefit cap: LCWRA).
    assert aps(out, "ap", "starts", "ends", "transitional_element") == [
        (1, "2025-11-27", "2025-12-26", D("143.39")),
        (2, "2025-12-27", "2026-01-26", D("143.39")),
    ]


async def test_an_extension_granted_on_the_deadline_day_is_refused_naming_the_rule(
    tmp_path: Path,
) -> None:
    """The issue's rule: an extension is refused on or after the deadline day, even
    when the resident asked the day before (DWP must decide before the day)."""
    raw = yaml.safe_load((SCENARIOS / "extension_granted.yaml").read_text())
    grant = next(e for e in raw["events"] if e["update"] == "grant_extension")
    grant["date"] = "2025-11-04"  # the original deadline day
    grant["args"]["asked_on"] = "2025-11-03"
    raw["events"].sort(key=lambda e: str(e["date"]))
    path = tmp_path / "granted_on_deadline_day.yaml"
    path.write_text(yaml.safe_dump(raw))
    out = await played(path)
    [refused] = [u["refused"] for u in refusals(out)]
    assert refused.startswith("new_deadline_day: an extension cannot be granted on or after")
    assert "2025-11-04" in refused
    assert out["migration"]["extensions"] == []


async def test_a_refusal_quotes_the_scenario_calendar(tmp_path: Path) -> None:
    raw = yaml.safe_load((SCENARIOS / "extension_granted.yaml").read_text())
    at = next(i for i, e in enumerate(raw["events"]) if e["update"] == "grant_extension")
    raw["events"].insert(
        at + 1,
        {
            "date": "2025-10-23",
            "to": "migration",
            "update": "grant_extension",
            "args": {
                "by": "welfare-05",
                "asked_on": "2025-10-23",
                "new_deadline_day": "2025-11-20",  # earlier than the extended 2025-12-02
            },
        },
    )
    path = tmp_path / "earlier_extension_refused.yaml"
    path.write_text(yaml.safe_dump(raw))
    out = await played(path)
    assert [u["refused"] for u in refusals(out)] == [
        "new_deadline_day: must be later than the current deadline day (2025-12-02)"
    ]


async def test_a_refusal_quoting_a_real_date_is_not_shifted_back_again(
    tmp_path: Path,
) -> None:
    """A scenario starting before today plays 28 years ahead; the rates follow the real
    date, so the refusal for an AP whose rates are not held names the real AP start
    (2027-04-10, in 2027/28, after the last rate year held), not that date taken back
    another 28 years (1999-04-10)."""
    raw = yaml.safe_load((SCENARIOS / "deadline_met.yaml").read_text())
    raw["case"]["tenancy_ref"] = "SIM-REAL-DATE-REFUSAL"
    statement = {"by": "welfare-04", "household": "single", "earnings": "0", "capital": "3200"}
    elements = {"standard_allowance": "424.90", "child:1": "351.88", "housing": "487.50"}
    raw["events"] = [
        {
            "date": "2026-11-25",
            "update": "record_migration_notice",
            "args": {
                "by": "welfare-04",
                "notice_issued": "2026-11-25",
                "deadline_day": "2027-02-25",
                "tax_credits": True,
            },
        },
        {
            "date": "2027-02-10",
            "to": "migration",
            "update": "record_claim",
            "args": {"by": "welfare-04", "claim_date": "2027-02-10"},
        },
        {
            "date": "2027-02-11",
            "to": "migration",
            "update": "record_capital_on_migration_day",
            "args": {"by": "welfare-04", "capital": "3200.00"},
        },
        {
            "date": "2027-02-11",
            "to": "migration",
            "update": "record_transitional_amounts",
            "args": {
                "by": "welfare-04",
                "legacy_total": "1450.00",
                "indicative_uc": "1320.00",
                "benefit_cap": "outside_london_family",
            },
        },
        *(
            {
                "date": day,
                "to": "migration",
                "update": "record_award_statement",
                "args": {**statement, "ap": ap, "elements": elements},
            }
            for ap, day in enumerate(["2027-03-15", "2027-04-15", "2027-05-15"], 1)
        ),
    ]
    raw["until"] = "2027-06-10"
    path = tmp_path / "rates_not_held.yaml"
    path.write_text(yaml.safe_dump(raw))
    out = await played(path)
    refused = [u["refused"] for u in refusals(out)]
    # AP 3 starts 2027-04-10: no 2027/28 rates (nor National Living Wage) are held.
    assert refused == [refused[0]], "only AP 3 is refused"
    assert refused[0].startswith("rates: ")
    assert "AP starting 2027-04-10" in refused[0] and "2027/28" in refused[0]
    assert "1999-" not in " ".join(refused)


def test_unshift_message_moves_back_only_the_shifted_calendar() -> None:
    first = date(2025, 11, 3)
    text = "AP starting 2027-05-01 (deadline 2054-02-03, notice 2053-11-03)"
    assert unshift_message(text, 28, first) == (
        "AP starting 2027-05-01 (deadline 2026-02-03, notice 2025-11-03)"
    )
    assert unshift_message(text, 0, first) == text


# --- the transitional element (docs/rules.md#transitional-element) --------------------


async def test_uprating_and_a_new_child_erode_the_te_but_childcare_does_not() -> None:
    out = await played("erosion_uprating_and_new_child")
    m = out["migration"]
    assert (m["status"], m["protection"]) == ("claimed", "active")
    # TE = 1,862.40 - 1,405.37 = 457.03 (no cap: earnings exempt).
    # AP 2-5: only childcare (380 -> 455 -> 410) and earnings change: no erosion.
    # AP 5 starts 2026-03-14, before the 2026-04-06 uprating: 2025/26 rates.
    # AP 6 (from 2026-04-14): SA 400.14 -> 424.90 (+24.76), child:1 339.00 -> 351.88
    #   (+12.88); childcare 410 -> 465 does not count: 457.03 - 37.64 = 419.39.
    # AP 7: new child:2 303.94 counts in full; childcare 465 -> 520 does not:
    #   419.39 - 303.94 = 115.45.
    assert aps(out, "ap", "starts", "rates", "relevant_increases", "transitional_element") == [
        (1, "2025-11-14", "2025/26", D("0"), D("457.03")),
        (2, "2025-12-14", "2025/26", D("0"), D("457.03")),
        (3, "2026-01-14", "2025/26", D("0"), D("457.03")),
        (4, "2026-02-14", "2025/26", D("0"), D("457.03")),
        (5, "2026-03-14", "2025/26", D("0"), D("457.03")),
        (6, "2026-04-14", "2026/27", D("37.64"), D("419.39")),
        (7, "2026-05-14", "2026/27", D("303.94"), D("115.45")),
    ]
    # Administrative earnings threshold, single: 18 x NLW x 52 / 12 = 78 x NLW,
    # rounded down to whole pounds (docs/rules.md#rates): 78 x 12.21 = 952.38 -> 952;
    # 78 x 12.71 = 991.38 -> 991. Earnings stay above it throughout.
    assert [(t, n) for t, n in aps(out, "earnings_threshold", "aps_below_threshold")] == [
        (D("952"), 0)
    ] * 5 + [(D("991"), 0)] * 2


async def test_lcw_replaced_by_lcwra_erodes_only_the_difference() -> None:
    out = await played("lcw_replaced_by_lcwra")
    m = out["migration"]
    # TE = min(1,226.90 - 957.40, cap 1,229.42 - 957.40) = min(269.50, 272.02) = 269.50.
    # AP 3: LCW 158.76 replaced by LCWRA 423.27: 423.27 - 158.76 = 264.51 counts
    #   (not 423.27, which would take the TE to nil): 269.50 - 264.51 = 4.99.
    assert D(m["transitional_element_initial"]) == D("269.50")
    assert aps(out, "ap", "starts", "ends", "relevant_increases", "transitional_element") == [
        (1, "2025-05-20", "2025-06-19", D("0"), D("269.50")),
        (2, "2025-06-20", "2025-07-19", D("0"), D("269.50")),
        (3, "2025-07-20", "2025-08-19", D("264.51"), D("4.99")),
        (4, "2025-08-20", "2025-09-19", D("0"), D("4.99")),
    ]
    assert m["protection"] == "active"


# --- capital (docs/rules.md#capital-disregard) ----------------------------------------


async def test_capital_disregard_ends_for_good_when_capital_drops_below_16000() -> None:
    out = await played("capital_drops_below_16000_in_ap5")
    m = out["migration"]
    assert D(m["capital_on_migration_day"]) == D("21450.00")
    # APs 1-4: excess over 16,000 disregarded; tariff on 10,000 above 6,000 =
    #   40 x 4.35 = 174.00. AP 5: 15,600 < 16,000 ends the disregard; tariff on
    #   9,600 = 38.4 -> 39 steps x 4.35 = 169.65. AP 6: 16,450 with no disregard
    #   left: no entitlement (no tariff income computed).
    assert aps(
        out,
        "ap",
        "starts",
        "capital",
        "capital_disregard_applies",
        "capital_disregarded",
        "tariff_income",
    ) == [
        (1, "2025-05-02", D("21400"), True, D("5400"), D("174.00")),
        (2, "2025-06-02", D("19850"), True, D("3850"), D("174.00")),
        (3, "2025-07-02", D("18200"), True, D("2200"), D("174.00")),
        (4, "2025-08-02", D("16900"), True, D("900"), D("174.00")),
        (5, "2025-09-02", D("15600"), False, D("0"), D("169.65")),
        (6, "2025-10-02", D("16450"), False, D("0"), D("0")),
    ]
    # TE = 1,247.10 - 1,038.40 = 208.70, never eroded (no element rises).
    assert {te for (te,) in aps(out, "transitional_element")} == {D("208.70")}
    assert m["protection"] == "ended"
    assert m["protection_ended_reason"] == (
        "no entitlement in AP 6: capital over £16,000 with no transitional capital disregard left"
    )
    # Couple threshold 29 x 12.21 x 52 / 12 = 1,534.39 -> 1,534 (rounded down); AP 1
    # earnings 880.00 are below it, so the earnings rule never applies.
    assert {n for (n,) in aps(out, "aps_below_threshold")} == {0}
    assert aps(out, "earnings_threshold")[0] == (D("1534"),)


async def test_followed_12_aps() -> None:
    out = await played("followed_12_aps")
    m = out["migration"]
    # TE = 1,612.40 - 1,388.95 = 223.45. AP 5 is the first to start after
    # 2026-04-06 (award from 2025-12-15): 223.45 - (24.76 + 12.88) = 185.81.
    # Capital 21,500 > 16,000 on migration day: disregarded in all 12 APs.
    assert aps(out, "ap", "rates", "transitional_element", "capital_disregard_applies") == [
        (n, "2025/26" if n < 5 else "2026/27", D("223.45") if n < 5 else D("185.81"), True)
        for n in range(1, 13)
    ]
    assert m["protection"] == "active"


# --- when protection ends (docs/rules.md#protection-ends) -----------------------------


async def test_earnings_below_the_threshold_in_three_aps_end_protection() -> None:
    out = await played("earnings_below_threshold_three_aps")
    m = out["migration"]
    # Single threshold 2025/26: 18 x 12.21 x 52 / 12 = 952.38 -> 952. AP 1 at 1,046.50 is
    # at or above it, so the rule applies. Below it: AP 3 (720), AP 5 (640), AP 6
    # (590) -> the third is AP 6. AP 4 (980) is above and does not reset the count.
    assert aps(out, "ap", "earnings", "earnings_threshold", "aps_below_threshold") == [
        (1, D("1046.50"), D("952"), 0),
        (2, D("1012.00"), D("952"), 0),
        (3, D("720.00"), D("952"), 1),
        (4, D("980.00"), D("952"), 1),
        (5, D("640.00"), D("952"), 2),
        (6, D("590.00"), D("952"), 3),
    ]
    # TE = 449.91 - 292.56 = 157.35; earnings never erode it.
    assert {te for (te,) in aps(out, "transitional_element")} == {D("157.35")}
    assert m["protection"] == "ended"
    assert m["protection_ended_reason"] == (
        "earnings below the administrative earnings threshold in 3 APs since AP 1 "
        "(the third was AP 6); protection ends from the next AP"
    )


async def test_a_couple_separating_ends_protection() -> None:
    out = await played("couple_separates")
    m = out["migration"]
    # TE = 1,602.30 - 1,395.46 = 206.84 (cap room 1,835.00 - 1,395.46 = 439.54).
    # AP 4: the couple separate. A change counts for the whole AP it falls in
    # (docs/rules.md#assessment-periods), so that AP has no TE (nor any capital disregard).
    assert aps(out, "ap", "starts", "household", "earnings_threshold", "transitional_element") == [
        (1, "2025-07-25", "couple", D("1534"), D("206.84")),
        (2, "2025-08-25", "couple", D("1534"), D("206.84")),
        (3, "2025-09-25", "couple", D("1534"), D("206.84")),
        (4, "2025-10-25", "single", D("952"), D("0.00")),
    ]
    assert m["protection"] == "ended"
    assert m["protection_ended_reason"] == "household changed in AP 4: the couple separated"
    assert any(
        t == "transitional protection ended: household changed in AP 4: the couple separated"
        for t in texts(out, "migration_protection")
    )


async def test_reclaim_inside_the_excess_earnings_window_resumes_protection() -> None:
    out = await played("excess_earnings_reclaim_inside_window")
    m = out["migration"]
    # AP 3 (20 Oct - 19 Nov 2025) ends the award for excess earnings. Window: 3
    # months beginning with 19 Nov 2025 -> to 18 Feb 2026. Re-claim 12 Jan 2026 is
    # inside: a new award from that date, and the TE (1,415.70 - 1,118.55 = 297.15)
    # carries on unchanged.
    assert m["award_starts"] == ["2025-08-20", "2026-01-12"]
    assert (m["status"], m["protection"]) == ("claimed", "active")
    assert aps(out, "award", "ap", "starts", "ends", "transitional_element") == [
        (1, 1, "2025-08-20", "2025-09-19", D("297.15")),
        (1, 2, "2025-09-20", "2025-10-19", D("297.15")),
        (1, 3, "2025-10-20", "2025-11-19", D("297.15")),
        (2, 1, "2026-01-12", "2026-02-11", D("297.15")),
        (2, 2, "2026-02-12", "2026-03-11", D("297.15")),
    ]
    assert texts(out, "migration_protection")[-2:] == [
        "award ended for excess earnings: protection resumes on a re-claim by 2026-02-18",
        "re-claim made 2026-01-12: protection resumes",
    ]
    assert timers(out) == []  # the window's timer never fired: the re-claim came first


async def test_no_reclaim_inside_the_excess_earnings_window_ends_protection() -> None:
    out = await played("excess_earnings_reclaim_outside_window")
    m = out["migration"]
    # AP 2 (15 Oct - 14 Nov 2025) ends the award for excess earnings. Window: 3
    # months beginning with 14 Nov 2025 -> to 13 Feb 2026; its timer fires at the
    # start of 14 Feb 2026 (UK time) and ends protection.
    assert aps(out, "ap", "starts", "ends", "earnings", "transitional_element") == [
        (1, "2025-09-15", "2025-10-14", D("1320.00"), D("260.46")),
        (2, "2025-10-15", "2025-11-14", D("3150.00"), D("260.46")),
    ]
    assert (
        "protection resumes on a re-claim by 2026-02-13" in texts(out, "migration_protection")[-2]
    )
    assert timers(out) == [
        (
            "2026-02-14",
            "00:00",
            "re-claim window ends Fri 13 Feb 2026: protection ends without a re-claim",
        )
    ]
    assert m["protection"] == "ended"
    assert m["protection_ended_reason"] == (
        "no re-claim within 3 months of the award ending for excess earnings "
        "(window ended 2026-02-13)"
    )
    assert m["award_starts"] == ["2025-09-15"]


# --- malformed scenarios ----------------------------------------------------------

VALID: dict[str, Any] = {
    "name": "Malformed",
    "case": {
        "tenancy_ref": "SIM-MALFORMED",
        "opening_reason": "migration_appointment",
        "opened_by": "welfare-01",
        "resident": {"full_name": "Mal Formed"},
        "tenancy": {"address": "1 Broken Row, Testbury", "start_date": "2015-03-02"},
        "rent": {"amount": "100.00", "frequency": "weekly"},
    },
    "events": [
        {
            "date": "2025-11-03",
            "update": "record_migration_notice",
            "args": {"by": "w", "notice_issued": "2025-11-03", "deadline_day": "2026-02-03"},
        },
        {
            "date": "2025-11-10",
            "to": "migration",
            "update": "record_claim",
            "args": {"by": "w", "claim_date": "2025-11-10"},
        },
        {
            "date": "2025-11-11",
            "to": "migration",
            "update": "record_claim",
            "args": {"by": "w", "claim_date": "2025-11-11"},
        },
    ],
    "until": "2025-12-01",
}


def _unknown_update(raw: dict[str, Any]) -> None:
    raw["events"][1]["update"] = "record_claimed"


def _out_of_order(raw: dict[str, Any]) -> None:
    raw["events"][2]["date"] = "2025-11-09"


def _bad_date_in_args(raw: dict[str, Any]) -> None:
    raw["events"][2]["args"]["claim_date"] = "2025-11-31"


def _unknown_top_level_key(raw: dict[str, Any]) -> None:
    raw["colour"] = "blue"


def _on_instead_of_date(raw: dict[str, Any]) -> None:
    raw["events"][0]["on"] = raw["events"][0].pop("date")


@pytest.mark.parametrize(
    ("break_it", "field", "rule"),
    [
        (_unknown_update, "events.1", "update 'record_claimed' is not a migration command"),
        (_out_of_order, "events", "must be in date order: event 2 is before event 1"),
        (_bad_date_in_args, "events.2.args.claim_date", "Input should be a valid date"),
        (_unknown_top_level_key, "colour", "Extra inputs are not permitted"),
        (_on_instead_of_date, "events.0.on", "Extra inputs are not permitted"),
    ],
    ids=["unknown update", "out of date order", "bad date in args", "unknown key", "on: not date:"],
)
def test_a_malformed_scenario_is_refused_naming_file_field_and_rule(
    tmp_path: Path, break_it: Any, field: str, rule: str
) -> None:
    path = tmp_path / "malformed.yaml"
    path.write_text(yaml.safe_dump(VALID))
    load_scenario(path)  # the unbroken scenario loads
    raw = yaml.safe_load(path.read_text())
    break_it(raw)
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    lines = str(refused.value).splitlines()
    assert any(line.startswith(f"{path}: {field}: ") and rule in line for line in lines), lines
