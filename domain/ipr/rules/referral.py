"""Who may refer, and what a referral may say (docs/rules.md#ipr-criteria)."""

import re
from datetime import datetime

from domain.dates import business_date
from domain.errors import DomainError
from domain.ipr import commands as c
from domain.values import birth_rule

INTERNAL_DOMAIN = "@dwp.gov.uk"


def check_referral(referral: c.Referral, now: datetime) -> None:
    """Referrals come only from DWP colleagues (docs/rules.md#ipr-criteria)."""
    if not referral.referrer.email.lower().endswith(INTERNAL_DOMAIN):
        raise DomainError(
            "referrer",
            "an IPR referral comes only from a DWP colleague (an @dwp.gov.uk address); "
            "an MP, a local authority, a family or a coroner raises the concern with a "
            "colleague, who refers it and names them as the source",
        )
    if referral.received_on > business_date(now):
        raise DomainError("received_on", "cannot be in the future")
    born = referral.customer.date_of_birth
    # Any age: a DLA customer may be a child (domain/bounds.py).
    rule = birth_rule(born, business_date(now), 0) if born is not None else None
    if rule:
        raise DomainError("customer.date_of_birth", rule)
    _reference_names_nobody(referral)


def _reference_names_nobody(referral: c.Referral) -> None:
    """The reference becomes the workflow id: it must not carry the customer's name or
    date of birth (ids and search attributes hold no personal data)."""
    reference = referral.reference.lower()
    customer = referral.customer
    names = [p for p in re.split(r"[\s,'’-]+", customer.full_name.lower()) if len(p) > 2]
    born = customer.date_of_birth
    dates = [born.strftime(f) for f in ("%Y%m%d", "%d%m%Y", "%d%m%y")] if born else []
    tokens = set(re.split(r"[^0-9a-z]+", reference))
    compact = re.sub(r"[^0-9a-z]", "", reference)
    named = any(n in tokens or (len(n) >= 5 and n in compact) for n in names)
    if named or any(d in compact for d in dates):
        raise DomainError(
            "reference",
            "must not contain the customer's name or date of birth: it becomes the "
            "workflow id; use DWP's IPR reference",
        )
