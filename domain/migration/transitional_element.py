"""The transitional element and its erosion (docs/rules.md#transitional-element)."""

from collections.abc import Mapping
from decimal import Decimal

ZERO = Decimal("0.00")
# Elements of the maximum award; a child's element is "child:<id>", a disabled
# child's addition "disabled_child:<id>".
ELEMENTS = ("standard_allowance", "housing", "lcw", "lcwra", "carer", "childcare")
NOT_RELEVANT = frozenset({"childcare"})


def check_element_name(name: str) -> bool:
    prefix, _, rest = name.partition(":")
    if name in ELEMENTS:
        return True
    return prefix in ("child", "disabled_child") and bool(rest)


def initial_transitional_element(
    legacy_total: Decimal, indicative_uc: Decimal, benefit_cap: Decimal | None
) -> Decimal:
    """Legacy total minus indicative UC, when positive and the indicative amount
    is above nil; never lifting the award above the benefit cap where it applies."""
    if indicative_uc <= 0 or legacy_total <= indicative_uc:
        return ZERO
    te = legacy_total - indicative_uc
    if benefit_cap is not None:
        te = min(te, max(ZERO, benefit_cap - indicative_uc))
    return te.quantize(Decimal("0.01"))


def relevant_increases(previous: Mapping[str, Decimal], current: Mapping[str, Decimal]) -> Decimal:
    """Sum of rises in the elements of the maximum award from one AP to the next:
    new elements count in full, uprating counts, childcare never does; LCW
    replaced by LCWRA counts only the difference."""
    total = ZERO
    for name, amount in current.items():
        if name in NOT_RELEVANT:
            continue
        before = previous.get(name, ZERO)
        if (
            name == "lcwra"
            and "lcwra" not in previous
            and "lcw" in previous
            and "lcw" not in current
        ):
            before = previous["lcw"]
        total += max(ZERO, amount - before)
    return total


def erode(previous_te: Decimal, increases: Decimal) -> Decimal:
    """The next AP's TE: never below nil, never rising."""
    return max(ZERO, previous_te - max(ZERO, increases))
