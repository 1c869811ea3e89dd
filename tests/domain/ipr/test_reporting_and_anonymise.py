"""The IPR reporting year (April to March) and removing what identifies a customer from
text that leaves the workflow (docs/rules.md#ipr-publication)."""

from datetime import UTC, date, datetime

import pytest

from domain.errors import DomainError
from domain.ipr.anonymise import ipr_identifiers, redact, redactor
from domain.ipr.model import Customer, IprPolicy, IprState, Referrer
from domain.ipr.reporting import reporting_year, year_bounds

# --- the reporting year ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed_on", "year"),
    [
        (date(2022, 3, 31), "2021-22"),
        (date(2022, 4, 1), "2022-23"),
        (date(2021, 4, 1), "2021-22"),
        (date(2021, 12, 31), "2021-22"),
        (date(2022, 1, 1), "2021-22"),
        (date(2000, 1, 1), "1999-00"),
        (date(1999, 4, 1), "1999-00"),
        (date(2000, 4, 1), "2000-01"),
        (date(2009, 6, 30), "2009-10"),
    ],
)
def test_reporting_year(completed_on: date, year: str) -> None:
    assert reporting_year(completed_on) == year


def test_year_bounds() -> None:
    assert year_bounds("2021-22") == (date(2021, 4, 1), date(2022, 3, 31))
    assert year_bounds("1999-00") == (date(1999, 4, 1), date(2000, 3, 31))
    assert year_bounds("2023-24") == (date(2023, 4, 1), date(2024, 3, 31))


@pytest.mark.parametrize("day", [date(2023, 4, 1), date(2024, 2, 29), date(2024, 3, 31)])
def test_year_bounds_hold_every_day_of_their_year(day: date) -> None:
    first, last = year_bounds(reporting_year(day))
    assert first <= day <= last


@pytest.mark.parametrize(
    "year", ["2021-23", "2021-21", "21-22", "2021/22", "2021-2022", "2021", "", " 2021-22"]
)
def test_year_bounds_refuses_what_is_not_a_reporting_year(year: str) -> None:
    with pytest.raises(DomainError) as info:
        year_bounds(year)
    assert info.value.field == "year"
    assert repr(year) in info.value.rule


# --- redaction ------------------------------------------------------------------------


REFERENCE = "IPR-2026-017"
CUSTOMER = Customer(
    full_name="Alex Testperson",
    date_of_birth=date(1961, 3, 4),
    ni_number="AB123456C",
    address="12 Example Road, Testtown, TT1 1AA",
)


def scrub(text: str, customer: Customer = CUSTOMER) -> str:
    return redact(text, customer, [REFERENCE])


def test_an_exact_redaction_leaves_ordinary_words_intact() -> None:
    text = (
        "Mr Testperson (Alex Testperson, born 4 March 1961, NI AB 12 34 56 C) of "
        "12 Example Road, Testtown, TT1 1AA, review IPR-2026-017: UC will assure the "
        "IPRG that journal messages are answered."
    )
    assert scrub(text) == (
        "the customer (the customer, born [removed], NI [removed]) of "
        "[removed], review [removed]: UC will assure the "
        "IPRG that journal messages are answered."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Alex Testperson rang", "the customer rang"),
        ("alex testperson rang", "the customer rang"),
        ("ALEX TESTPERSON rang", "the customer rang"),
        ("Alex rang", "the customer rang"),
        ("Testperson rang", "the customer rang"),
        ("Mrs Testperson rang", "the customer rang"),
        ("Dr. Testperson rang", "the customer rang"),
        ("Testperson, Alex rang", "the customer, the customer rang"),
    ],
)
def test_the_name_and_each_part_become_the_customer(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_a_name_part_inside_a_longer_word_is_left() -> None:
    assert scrub("Alexa and the Testpersonal family rang") == (
        "Alexa and the Testpersonal family rang"
    )


def test_a_variant_of_the_first_name_is_removed_but_not_as_the_customer() -> None:
    """ "Alexander" is a form of "Alex" (it may be someone else's name: not "the customer")."""
    assert scrub("Alexander and Alexa rang") == "[removed] and Alexa rang"


@pytest.mark.parametrize(
    "reference", ["IPR-2026-017", "ipr-2026-017", "ipr-IPR-2026-017-activity-1"]
)
def test_the_reference_is_removed(reference: str) -> None:
    assert REFERENCE.lower() not in scrub(f"see {reference} for more").lower()


@pytest.mark.parametrize(
    "nino", ["AB123456C", "AB 12 34 56 C", "ab123456c", "ab 12 34 56 c", "AB-12-34-56-C"]
)
def test_the_ni_number_is_removed_with_or_without_spaces_in_any_case(nino: str) -> None:
    assert scrub(f"NI {nino}.") == "NI [removed]."


def test_an_ni_number_stored_with_spaces_is_removed_in_either_form() -> None:
    spaced = Customer(full_name="Alex Testperson", ni_number="AB 12 34 56 C")
    assert scrub("NI AB123456C or AB 12 34 56 C", spaced) == "NI [removed] or [removed]"


def test_any_ni_shaped_string_is_removed_whoever_it_belongs_to() -> None:
    assert scrub("partner QQ123456C") == "partner [removed]"


@pytest.mark.parametrize(
    "dob",
    [
        "1961-03-04",
        "04/03/1961",
        "4/3/1961",
        "4 March 1961",
        "4th March 1961",
        "March 4, 1961",
        "1961-03-04T00:00",
        "1961-03-04T00:00:00Z",
        "19610304",
        "04031961",
    ],
)
def test_the_date_of_birth_is_removed_in_every_form(dob: str) -> None:
    assert scrub(f"born {dob}.") == "born [removed]."


def test_the_date_of_birth_form_is_removed_even_without_a_date_pattern() -> None:
    """The customer's own forms go as phrases, before the shape patterns run."""
    customer = Customer(full_name="Alex Testperson", date_of_birth=date(1961, 3, 4))
    assert redact("born 4 march 1961", customer) == "born [removed]"


@pytest.mark.parametrize(
    "text", ["2026-06-01", "01/06/2026", "1.6.26", "1 June 2026", "June 1st, 2026", "3 Sept 2025"]
)
def test_any_date_shaped_string_is_removed(text: str) -> None:
    assert scrub(f"on {text} the") == "on [removed] the"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Example Road, Testtown, TT1 1AA", "[removed]"),
        ("lives at 12 Example Road", "lives at [removed]"),
        ("moved to Testtown", "moved to [removed]"),
        ("postcode tt1 1aa", "postcode [removed]"),
    ],
)
def test_the_address_and_its_parts_are_removed(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "postcode", ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "ec1a1bb"]
)
def test_any_postcode_shaped_string_is_removed(postcode: str) -> None:
    assert scrub(f"sent to {postcode} today") == "sent to [removed] today"


def test_ordinary_text_is_left_exactly_as_it_was() -> None:
    text = (
        "UC to assure IPRG they will review how journal messages are routed, "
        "including the Six-Point Plan, within 3 months; 2 of 5 letters were returned."
    )
    assert scrub(text) == text


def test_a_customer_with_only_a_name() -> None:
    bare = Customer(full_name="Jordan Sample")
    assert redact("Jordan Sample and Ms Sample", bare) == "the customer and the customer"


def test_short_particles_of_a_name_are_not_treated_as_the_name() -> None:
    customer = Customer(full_name="Maria de la Cruz")
    assert redact("Maria de la Cruz spoke of la vie", customer) == "the customer spoke of la vie"


def test_a_short_surname_is_removed() -> None:
    customer = Customer(full_name="Mei Li")
    assert redact("Ms Li rang; Li said", customer) == "the customer rang; the customer said"


def test_each_half_of_a_hyphenated_surname_is_removed() -> None:
    customer = Customer(full_name="Anna Smith-Jones")
    assert redact("Mrs Smith called", customer) == "the customer called"


def test_the_street_without_its_house_number_is_removed() -> None:
    assert scrub("He lived on Example Road.") == "He lived on [removed]."


def test_a_lower_case_word_matching_a_short_surname_is_left_when_a_particle() -> None:
    customer = Customer(full_name="Jean le Roux")
    assert redact("Le Roux said le mot", customer) == "the customer said le mot"


def test_the_street_is_removed_from_a_flat_address() -> None:
    customer = Customer(full_name="Alex Testperson", address="Flat 3, 7b Mill Lane, Testtown")
    assert redact("seen on Mill Lane", customer) == "seen on [removed]"


def test_the_street_is_removed_when_the_flat_shares_its_line() -> None:
    customer = Customer(full_name="Alex Testperson", address="Flat 2 12 Example Road, Testtown")
    assert redact("seen on Example Road", customer) == "seen on [removed]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lives at 12 Example Road", "lives at [removed]"),
        ("visited Example Road", "visited [removed]"),
        ("moved to Leeds", "moved to [removed]"),
        ("12 Example Road Leeds LS1 1AA", "[removed]"),
        ("Example Road, Leeds", "[removed], [removed]"),
    ],
)
def test_an_address_written_without_commas_loses_street_and_town(text: str, expected: str) -> None:
    customer = Customer(full_name="Alex Testperson", address="12 Example Road Leeds LS1 1AA")
    assert redact(text, customer) == expected


def test_a_street_named_with_a_saint_is_removed_whole() -> None:
    customer = Customer(full_name="Alex Testperson", address="4 St Mary's Road Testtown")
    assert redact("seen on St Mary's Road", customer) == "seen on [removed]"


def test_either_apostrophe_matches_a_name() -> None:
    customer = Customer(full_name="Sean O'Brien")
    assert redact("Mr O’Brien and Sean O’Brien", customer) == "the customer and the customer"


@pytest.mark.parametrize("dob", ["4 Mar 61", "4th of March 1961", "March 4th, '61"])
def test_short_and_spelt_out_dates_are_removed(dob: str) -> None:
    assert scrub(f"born {dob}.") == "born [removed]."


# --- what the record holds beyond the customer, and what is shaped like an identifier


FAMILY = Customer(
    full_name="Katherine Jones",
    address="14 Elm Grove, Bramley, Leeds LS13 2AB",
)
OTHERS = ("Mary Jones", "Anil Patel")


def scrub_family(text: str, localities: tuple[str, ...] = ()) -> str:
    return redact(text, FAMILY, [REFERENCE], others=OTHERS, localities=localities)


@pytest.mark.parametrize("nickname", ["Kate", "Kathy", "Katie", "Cathy", "Kath", "kate", "KATE"])
def test_nicknames_of_the_customer_are_removed(nickname: str) -> None:
    assert scrub_family(f"{nickname} rang") == "[removed] rang"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mary Jones rang", "[removed] rang"),
        ("mary jones rang", "[removed] rang"),
        ("Mary's call", "[removed]'s call"),
        ("Mary’s call", "[removed]’s call"),
        ("Dr Patel wrote", "[removed] wrote"),
        ("Dr. Anil Patel wrote", "[removed] wrote"),
        ("dr patel wrote", "[removed] wrote"),
        ("Molly rang", "[removed] rang"),  # a nickname of Mary
        ("Katherine's daughter Mary", "the customer's daughter [removed]"),
    ],
)
def test_third_parties_the_record_holds_are_removed_with_titles_and_possessives(
    text: str, expected: str
) -> None:
    assert scrub_family(text) == expected


def test_a_nickname_with_the_surname_is_the_person_it_names() -> None:
    assert scrub_family("Kate Jones rang; Molly Jones too") == ("the customer rang; [removed] too")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("on 3 march", "on [removed]"), ("on 4 May", "on [removed]"), ("May 5th", "[removed]")],
)
def test_a_day_and_month_without_a_year_is_a_date(text: str, expected: str) -> None:
    assert scrub_family(text) == expected


def test_may_after_a_number_is_still_a_verb() -> None:
    assert scrub_family("those 2 may be linked") == "those 2 may be linked"


def test_a_third_party_held_with_a_title_does_not_take_the_title_word_elsewhere() -> None:
    out = redact("Dr Patel and Anil rang Dr Smith", FAMILY, others=["Dr Anil Patel"])
    assert out == "[removed] and [removed] rang [removed]"
    assert redact("Park Dr is closed", FAMILY, others=["Dr Anil Patel"]) == "Park Dr is closed"


def test_a_surname_shared_with_a_third_party_is_removed_not_called_the_customer() -> None:
    assert scrub_family("Mrs Jones rang") == "[removed] rang"


def test_a_titled_name_the_record_does_not_hold_is_removed() -> None:
    assert scrub_family("Dr Okafor and Mrs J. Smith met Mr Anand Rao at the Jobcentre") == (
        "[removed] and [removed] met [removed] at the Jobcentre"
    )


@pytest.mark.parametrize(
    "phone",
    ["07700 900123", "07700900123", "+44 7700 900123", "+44 (0)7700 900123", "(0113) 496 0000",
     "0113 496 0000", "0800 328 5644"],
)  # fmt: skip
def test_phone_numbers_are_removed_whole(phone: str) -> None:
    assert scrub_family(f"rang on {phone} today") == "rang on [removed] today"


@pytest.mark.parametrize(
    "email",
    ["mary.jones72@gmail.com", "kate@example.co.uk", "k.jones+uc@nhs.net", "o'neil@x.org"],
)
def test_email_addresses_are_removed_whole(email: str) -> None:
    assert scrub_family(f"wrote from {email} today") == "wrote from [removed] today"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("visited Elm Grove", "visited [removed]"), ("moved from Bramley", "moved from [removed]")],
)
def test_localities_of_the_address_are_removed(text: str, expected: str) -> None:
    assert scrub_family(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("seen on Example Rd", "seen on [removed]"), ("seen on Example Rd.", "seen on [removed].")],
)
def test_a_street_written_with_its_type_abbreviated_is_removed(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_a_locality_the_record_holds_on_its_own_is_removed() -> None:
    assert scrub_family("slept rough in Byker", localities=("Byker",)) == "slept rough in [removed]"


@pytest.mark.parametrize(
    "day", ["3 March", "March 3rd", "March 2024", "May 2024", "14th of February", "Sept '23"]
)
def test_dates_without_a_day_or_a_year_are_removed(day: str) -> None:
    assert scrub_family(f"on {day} the") == "on [removed] the"


@pytest.mark.parametrize(
    "text",
    [
        "The agent may refer to ACS and will mark the case; the bill was paid in March.",
        "UC, PIP, ESA and JSA teams followed the Six-Point Plan at the Jobcentre.",
        "May the customer be called back? In May, the 2nd call was made.",
    ],
)
def test_ordinary_words_months_and_service_names_survive(text: str) -> None:
    assert scrub_family(text) == text


def test_the_ipr_identifiers_hold_the_referrer() -> None:
    state = _state()
    clean = redactor(ipr_identifiers(state, "ipr-IPR-2026-017/run"))
    assert clean("Gemma Ward (gemma.ward@dwp.gov.uk) referred Alex") == (
        "[removed] ([removed]) referred the customer"
    )


def _state() -> IprState:
    return IprState(
        reference=REFERENCE,
        referred_on=date(2026, 1, 5),
        received_at=datetime(2026, 1, 5, tzinfo=UTC),
        referrer=Referrer(name="Gemma Ward", role="Team leader", email="gemma.ward@dwp.gov.uk"),
        source="dwp",
        customer=CUSTOMER,
        summary="",
        service_lines=("UC",),
        policy=IprPolicy(),
    )


def test_the_projection_removes_everyone_the_referral_named() -> None:
    """What leaves the workflow for the read model (activities/ipr_records.py) loses the
    referrer and the people and localities the referral named, not only the customer."""
    from dataclasses import replace

    from activities.ipr_records import ipr_projection
    from domain.ipr.model import Learning

    customer = CUSTOMER.model_copy(
        update={"people": ("Mary Jones", "Dr Anil Patel"), "localities": ("Hebden Bridge",)}
    )
    said = (
        "Mary Jones told Gemma Ward that Dr Patel in Hebden Bridge had warned UC; "
        "the agent did not follow the Six-Point Plan."
    )
    state = replace(_state(), customer=customer, learning=(Learning("UC", said),))
    [narrative] = ipr_projection("ipr-IPR-2026-017/run", state).narratives
    for name in ("Mary", "Jones", "Patel", "Gemma", "Ward", "Hebden"):
        assert name not in narrative.text, narrative.text
    assert "Six-Point Plan" in narrative.text and "UC" in narrative.text
