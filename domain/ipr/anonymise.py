"""Removing what identifies a person from text that leaves the workflow (the read
model, the publication). Full IPR reports are never published (docs/rules.md#ipr-publication);
how redaction works and what it cannot do: docs/privacy.md ("Redaction").

Two kinds of identifier go:
- whatever is *shaped* like one, whoever's it is: email addresses, UK NI numbers,
  postcodes and dates (Presidio's pattern recognisers, widened by our own patterns),
  phone numbers (`phonenumbers`), and a titled name ("Dr Patel", "Mrs Jones");
- whatever the *record holds*: the customer's names (written "the customer"), the
  names of the third parties it holds (family, representatives, informants,
  professionals, the referrer), first-name variants and nicknames of all of those
  (`nicknames`), references, NI numbers, dates of birth, addresses and localities.

A word the record holds as a name goes in any case, even when it is also an ordinary
word: a record holding a "Mark" or a "Will" loses "mark" and "will". A variant the
record does not hold (a nickname) that is also an ordinary word ("Bill", "Pat",
"Pip") goes only when written with its capital. Upper-case service names (UC, PIP,
ESA, ACS, ...) are never taken for a name.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import phonenumbers
from nicknames import NickNamer
from presidio_analyzer import PatternRecognizer
from presidio_analyzer.predefined_recognizers import (
    DateRecognizer,
    EmailRecognizer,
    UkNinoRecognizer,
    UkPostcodeRecognizer,
)

from domain.ipr.model import Customer, IprState

CUSTOMER = "the customer"
REMOVED = "[removed]"
# Anything shaped like an NI number, a UK postcode or a date goes, whoever's it is.
# (Any two letters: test and never-issued prefixes such as QQ are still someone's;
# Presidio's recogniser leaves those out, so ours runs too.)
_NINO = re.compile(r"\b[A-Z]{2}[\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{2}[\s-]?[A-D]\b", re.IGNORECASE)
_TITLES = r"Mr|Mrs|Ms|Miss|Mx|Dr|Master|Prof|Professor|Rev|Revd|Cllr|Councillor|Sir|Dame|Lady|Lord"
_TITLED = re.compile(rf"\b({_TITLES})\.?\s+{CUSTOMER}\b", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DAY = r"\d{1,2}(st|nd|rd|th)?"
_YEAR = r"(\d{4}|['’]\d{2})"
_DATES = re.compile(
    rf"\b(\d{{4}}-\d{{2}}-\d{{2}}(T[\d:.]+(Z|[+-]\d{{2}}:?\d{{2}})?)?|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|{_DAY}\s+(of\s+)?({_MONTHS})\.?,?\s+(\d{{4}}|'?\d{{2}})"
    rf"|({_MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+(\d{{4}}|'?\d{{2}}))\b",
    re.IGNORECASE,
)
# Dates without a year or a day: "3 March", "march 3rd", "May 3" (but "those 2 may
# be linked" stays), "March 2024", "May '24". A month name alone ("in March", "may")
# is left: it identifies no one. Beside a day, a month counts in any case but "may".
_MONTH_NAME = "(?:{}|(?-i:May|MAY))".format(_MONTHS.replace("|May|", "|"))
_PARTIAL_DATES = re.compile(
    rf"\b({_DAY}\s+(of\s+)?{_MONTH_NAME}\b\.?"
    rf"|{_MONTH_NAME}\.?\s+{_DAY}\b"
    rf"|({_MONTHS})\.?,?\s+{_YEAR})",
    re.IGNORECASE,
)

# --- what is shaped like an identifier ---------------------------------------------

# Presidio's recognisers, used without an NLP engine (no spaCy model is loaded: pattern
# recognisers need none). The email recogniser checks the domain against the Public
# Suffix List, which tldextract fetches over the network on first use: its pattern is
# used without that check (any domain will do: "name@nhs.internal" is still someone's).
_EMAIL_RECOGNISER = PatternRecognizer(
    supported_entity="EMAIL_ADDRESS", patterns=EmailRecognizer.PATTERNS, name="email"
)
_RECOGNISERS: dict[str, PatternRecognizer] = {
    "email": _EMAIL_RECOGNISER,
    "ni": UkNinoRecognizer(),
    "postcode": UkPostcodeRecognizer(),
    "date": DateRecognizer(),
}
# Both libraries load data lazily on first use: a first use inside the workflow
# sandbox would import or compile it there. Load it all now.
phonenumbers.PhoneMetadata.load_all()
for _recogniser in _RECOGNISERS.values():
    _recogniser.analyze("warm up 2024-01-01", _recogniser.supported_entities, None)
# A run of at least nine digits, separators allowed: the least a UK number needs.
_PHONE_HINT = re.compile(r"(?:\d[\s().-]*){9}")

Span = tuple[int, int]


def _library(kind: str, text: str) -> list[Span]:
    recogniser = _RECOGNISERS[kind]
    return [(r.start, r.end) for r in recogniser.analyze(text, recogniser.supported_entities, None)]


def _regex(pattern: re.Pattern[str], text: str) -> list[Span]:
    return [m.span() for m in pattern.finditer(text)]


def email_spans(text: str) -> list[Span]:
    return _library("email", text)


def ni_spans(text: str) -> list[Span]:
    return _library("ni", text) + _regex(_NINO, text)


def postcode_spans(text: str) -> list[Span]:
    return _library("postcode", text) + _regex(_POSTCODE, text)


def date_spans(text: str) -> list[Span]:
    return _library("date", text) + _regex(_DATES, text) + _regex(_PARTIAL_DATES, text)


def phone_spans(text: str) -> list[Span]:
    """Phone numbers as `phonenumbers` finds them for the UK. POSSIBLE, not VALID: the
    Ofcom drama ranges (07700 900xxx) are not "valid". Only what is written as a
    dialable number (a leading 0 or +) counts, so counts and ids are left alone."""
    if not _PHONE_HINT.search(text):
        return []
    spans: list[Span] = []
    for match in phonenumbers.PhoneNumberMatcher(
        text, "GB", leniency=phonenumbers.Leniency.POSSIBLE
    ):
        raw = match.raw_string.lstrip("(")
        if raw[:1] in ("0", "+") and len(str(match.number.national_number)) >= 9:
            spans.append((match.start, match.end))
    return spans


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def replace_spans(text: str, spans: Iterable[Span], replacement: str) -> str:
    """`text` with each of `spans` (overlapping ones merged) made `replacement`."""
    for start, end in reversed(_merge(spans)):
        text = text[:start] + replacement + text[end:]
    return text


# --- names and their variants ------------------------------------------------------

# Forms common in the UK that the `nicknames` dataset (US-sourced) lacks: each set is
# one family of variants, and a name in one stands for all of them.
_SUPPLEMENT: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "katherine catherine kathryn kathleen katharine kate katie kath cath kat kathy cathy",
        "elizabeth liz lizzie beth betty libby eliza",
        "margaret maggie mags meg peggy",
        "william will bill billy liam",
        "rebecca becky bex becca",
        "victoria vicky vicki tori",
        "alexander alexandra alex lex sasha",
        "christopher chris",
        "christine christina chris chrissie",
        "mohammed muhammad mohamed mohammad muhammed mo",
        "jennifer jenny jen jenni",
        "jacqueline jackie jacqui",
        "stephen steven steve stevie",
        "gillian gill gilly jill",
        "patricia pat trish tricia patsy",
        "susan sue susie suzanne",
        "deborah debbie debra deb",
        "nicola nicole nicky nikki",
        "daniel dan danny",
        "danielle dani",
        "joseph joe joey",
        "josephine jo josie",
        "michael mike mick mickey",
        "anthony antony tony",
        "andrew andy drew",
        "thomas tom tommy",
        "samuel sam sammy",
        "samantha sam sammy",
        "jonathan jon jonny",
        "robert rob robbie bob bobby",
        "bernadette bernie detta",
        "gemma gem",
        "frederick freddie freddy fred",
    )
)
# First names (and nicknames) that are also ordinary English words: as a variant the
# record does not hold, each goes only when written with its capital.
ORDINARY_WORDS: frozenset[str] = frozenset(
    """al ant april art ash august bat bell berry bill bob bud cage candy chance charity
    charm chat chick chris chuck cliff con court crate daisy dawn day di dick dice don
    dot drew duty earnest ed em es eve experience faith fall fate fay field flick ford
    frank gay gee gene ginger glen glory governor grace green gum ham hank heather herb
    holly honey honor hop hope iris ivy jack jay jo joy june junior kay kill king kit
    lee left libby life lily link little lu mac mack mark mat max may mercy mick mike
    mock moss nan nap nat nib nick norm obedience olive one pat patience patsy peg penny
    pink pip pleasant pokey prudence ray relief rich rob robin rod rose ruby rusty sal
    sally sandy see serene silence sis sly smith sol squat sue summer tabby tick tiff
    tip van vest vet vi wash west will win wood""".split()  # noqa: SIM905 - a word list
)
# Upper-case service names and acronyms a narrative uses; never taken for a name.
PROTECTED: frozenset[str] = frozenset(
    """AA ACS ACSSL APA CA CMS DHR DLA DWP ESA GP HB IB IPR IPRG IS JSA LA MP NHS PC
    PIP SAR SCR SPP TPD UC""".split()  # noqa: SIM905 - a word list
)

_NICKNAMER = NickNamer()
_MONTH_WORDS = frozenset(m.casefold() for m in _MONTHS.split("|"))


def name_variants(given: str) -> set[str]:
    """First-name variants and nicknames of `given` (lower case, itself left out):
    its nicknames and the names it is short for (the `nicknames` dataset), their
    nicknames, and the UK forms of `_SUPPLEMENT`."""
    name = given.casefold()
    found = {name} | _NICKNAMER.nicknames_of(name) | _NICKNAMER.canonicals_of(name)
    for canonical in _NICKNAMER.canonicals_of(name):
        found |= _NICKNAMER.nicknames_of(canonical)
    for group in _SUPPLEMENT:
        if group & {name, *_NICKNAMER.canonicals_of(name)}:
            found |= group
    found.discard(name)
    # A month is not taken for a nickname ("May" of Mary): only a held name is.
    return {v for v in found if v.isalpha() and v not in _MONTH_WORDS}


def _name_parts(full_name: str) -> list[str]:
    """Each part of the name, and each half of a hyphenated one. A part of two letters
    counts when it is capitalised ("Li", "Ng"); lower-case particles ("de", "la") and
    single initials do not, as they would take ordinary words with them. Runs of
    consecutive words count too, so "le Roux" goes whole with its particle."""
    words = [p for p in re.split(r"[\s,]+", full_name) if p]
    runs = [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 2, len(words) + 1)]
    halves = [half for w in words if "-" in w for half in w.split("-") if half]
    single = [w for w in (*words, *halves) if len(w) > 2 or (len(w) == 2 and w[0].isupper())]
    return list(dict.fromkeys((*runs, *single)))


def _given_names(full_name: str) -> list[str]:
    """The given names of a full name: every word but the last when there are several
    ("Katherine Mary Jones": Katherine, Mary), the word itself when there is one."""
    words = [w for w in re.split(r"[\s,]+", full_name) if w and w[0].isalpha()]
    return words[:-1] if len(words) > 1 else words


# --- addresses and localities ------------------------------------------------------

_FLAT_AND_NUMBER = r"((flat|apartment|unit)\s+\w+\s+)?\d+[a-z]?\s+"
_STREET = re.compile(
    rf"^({_FLAT_AND_NUMBER})?"
    r"(?P<street>.*\b(road|rd|street|st|avenue|ave|lane|close|drive|way|court|crescent"
    r"|place|terrace|gardens|grove|hill|square|walk|row|park|view|rise|mews|parade|green"
    r"|vale|wharf|yard|gate))\b\.?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# A street written with its type in full or abbreviated: "Example Road", "Example Rd".
_STREET_TYPES: tuple[tuple[str, ...], ...] = (
    ("road", "rd"),
    ("street", "st"),
    ("avenue", "ave", "av"),
    ("lane", "ln"),
    ("drive", "dr"),
    ("close", "cl"),
    ("crescent", "cres"),
    ("court", "ct"),
    ("place", "pl"),
    ("terrace", "terr", "ter"),
    ("gardens", "gdns"),
    ("square", "sq"),
    ("grove", "gr"),
    ("park", "pk"),
)


def _street_forms(street: str) -> list[str]:
    head, _, last = street.rpartition(" ")
    for forms in _STREET_TYPES:
        if head and last.casefold().rstrip(".") in forms:
            return [f"{head} {form.title()}" for form in forms]
    return []


def _address_parts(address: str) -> list[str]:
    """Each comma-separated line of the address; the street with and without its
    number or flat ("Example Road" of "Flat 2 12 Example Road"), with its type in full
    or abbreviated ("Example Rd"); and, where the lines were not separated, what
    follows the street ("Leeds" of "12 Example Road Leeds LS1 1AA")."""
    parts: list[str] = []
    for line in (p.strip() for p in address.split(",")):
        parts.append(line)
        line = _POSTCODE.sub("", line).strip()
        parts.append(line)
        street = _STREET.match(line)
        if street:
            parts += [line[: street.end("street")], street["street"], street["rest"]]
            parts += _street_forms(street["street"])
        else:
            bare = re.sub(rf"^{_FLAT_AND_NUMBER}", "", line, flags=re.IGNORECASE)
            parts += [bare, *_street_forms(bare)]
    parts = [p.strip() for p in parts]
    return [p for p in dict.fromkeys(parts) if len(p) > 3 and not p.isdigit()]


def _date_forms(day: date) -> list[str]:
    return [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day} {day.strftime('%B')} {day.year}",
        day.strftime("%Y%m%d"),
        day.strftime("%d%m%Y"),
    ]


# --- what a record holds -----------------------------------------------------------


@dataclass(frozen=True)
class Identifiers:
    """What a record holds that identifies someone; text that comes with the record
    is redacted of all of it (and of whatever is shaped like an identifier).

    - customer_names: the customer's names (full names, former names): "the customer";
    - others: names of third parties the record holds (family, representatives,
      informants, professionals, the referrer): "[removed]", with any title;
    - literals: references, NI numbers, phone numbers, emails, staff ids: "[removed]"
      wherever they appear, in any case;
    - dates: dates of birth or death: "[removed]" in every written form;
    - addresses: full addresses, split into lines, streets and towns;
    - localities: towns, districts, estates or streets held on their own."""

    customer_names: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    literals: tuple[str, ...] = ()
    dates: tuple[date, ...] = ()
    addresses: tuple[str, ...] = ()
    localities: tuple[str, ...] = ()


def customer_identifiers(
    customer: Customer,
    references: Iterable[str] = (),
    *,
    others: Iterable[str] = (),
    localities: Iterable[str] = (),
    literals: Iterable[str] = (),
) -> Identifiers:
    return Identifiers(
        customer_names=(customer.full_name,),
        others=tuple(n for n in others if n and n.strip()),
        literals=tuple(x for x in (*references, customer.ni_number, *literals) if x and x.strip()),
        dates=(customer.date_of_birth,) if customer.date_of_birth else (),
        addresses=(customer.address,) if customer.address else (),
        localities=tuple(x for x in localities if x and x.strip()),
    )


def ipr_identifiers(
    state: IprState, ipr_id: str, *, others: Iterable[str] = (), localities: Iterable[str] = ()
) -> Identifiers:
    """What an IPR holds: the customer, the references, the referrer (a DWP
    colleague: their name and email are nobody's business in a publication), the
    people and localities the referral named (`Customer.people`, `.localities`), plus
    any the caller holds for the review."""
    return customer_identifiers(
        state.customer,
        (state.reference, ipr_id),
        others=(state.referrer.name, *state.customer.people, *others),
        localities=(*state.customer.localities, *localities),
        literals=(state.referrer.email,),
    )


def _words_pattern(phrase: str) -> str:
    """`phrase` as a pattern: words separated by any run of spaces or hyphens as
    written, either apostrophe matching either ("O'Brien", "O’Brien")."""
    words = [w for w in re.split(r"\s+", phrase.replace("’", "'").strip()) if w]
    escaped = [re.escape(w).replace("'", "['’]") for w in words]
    return r"\s+".join(escaped)


def _alternation(phrases: Iterable[str]) -> str:
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "|".join(_words_pattern(p) for p in unique)


_LEADING_TITLE = re.compile(rf"^\s*(?:{_TITLES})\.?\s+(?=\S)", re.IGNORECASE)


def _untitled(name: str) -> str:
    """A name as held without its title ("Dr Anil Patel": "Anil Patel")."""
    return _LEADING_TITLE.sub("", name)


def _key(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


@dataclass(frozen=True)
class _Compiled:
    literals: re.Pattern[str] | None
    names: re.Pattern[str] | None
    replacement: dict[str, str]  # a name's key -> what it becomes


def _compile(ids: Identifiers) -> _Compiled:
    literal_phrases = [*ids.literals, *ids.localities]
    for day in ids.dates:
        literal_phrases += _date_forms(day)
    for address in ids.addresses:
        literal_phrases += [address, *_address_parts(address)]
    for locality in ids.localities:
        literal_phrases += _street_forms(locality)
    literal_phrases = [p for p in literal_phrases if p and p.strip()]

    # Names: what the record holds first, then variants; a part held for two people
    # becomes "[removed]" (it may not be the customer).
    replacement: dict[str, str] = {}
    held: list[str] = []
    others = [_untitled(n) for n in ids.others]
    customer = [_untitled(n) for n in ids.customer_names]
    for people, becomes in ((others, REMOVED), (customer, CUSTOMER)):
        for name in people:
            for phrase in (name, *_name_parts(name)):
                key = _key(phrase)
                shared = replacement.get(key, becomes) != becomes
                replacement[key] = REMOVED if shared else becomes
                held.append(phrase)
    variants: dict[str, None] = {}
    for people, becomes in ((others, REMOVED), (customer, CUSTOMER)):
        for name in people:
            words = name.split()
            for given in _given_names(name):
                for variant in name_variants(given):
                    if variant not in replacement:
                        variants[variant] = None
                        replacement[variant] = REMOVED
                    # With the surname, it is that person: "Kate Jones" of Katherine Jones.
                    if len(words) > 1 and given == words[0]:
                        run = f"{variant} {words[-1]}"
                        shared = replacement.get(_key(run), becomes) != becomes
                        replacement[_key(run)] = REMOVED if shared else becomes
                        held.append(run)
    # A variant that is an ordinary word matches only capitalised ("Will", not "will").
    ordinary = [v for v in variants if v in ORDINARY_WORDS]
    plain = [v for v in variants if v not in ORDINARY_WORDS]
    alternatives = [
        a
        for a in (
            _alternation(held),
            _alternation(plain),
            "|".join(
                f"(?-i:{re.escape(v.title())})" for v in sorted(ordinary, key=len, reverse=True)
            ),
        )
        if a
    ]
    names = None
    if alternatives:
        names = re.compile(
            rf"(?<![\w\[])(?:(?P<title>{_TITLES})\.?\s+)?(?P<name>{'|'.join(alternatives)})(?![\w\]])",
            re.IGNORECASE,
        )
    literals = None
    if literal_phrases:
        literals = re.compile(rf"(?<!\w)(?:{_alternation(literal_phrases)})(?!\w)", re.IGNORECASE)
    return _Compiled(literals=literals, names=names, replacement=replacement)


# A titled name the record does not hold: "Dr Patel", "Mrs J. Jones", "Dr Anil Patel"
# (capitalised title and name: "miss" and "Dr" before a lower-case word are left).
# Capitalised words that follow a name in narratives without being part of it.
_SERVICE_WORDS = r"(?:Jobcentre|Universal|Housing|Council|Six|Service|Team|Centre)\b"
_NAME_TITLES = r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Revd|Rev|Cllr|Councillor|Sir|Dame"
_TITLED_NAME = re.compile(
    rf"(?<!\w)(?:{_NAME_TITLES})\.?\s+(?:[A-Z]\.?\s+){{0,3}}(?:[A-Z][a-z][\w'’-]*|[A-Z]['’][A-Z][\w'’-]*)"
    rf"(?:\s+(?!{_SERVICE_WORDS})(?:[A-Z][a-z][\w'’-]*|[A-Z]['’][A-Z][\w'’-]*))?"
)
_TITLED_REMOVED = re.compile(rf"(?<!\w)(?:{_TITLES})\.?\s+{re.escape(REMOVED)}")
_REPEATS = re.compile(
    rf"(?P<x>{re.escape(CUSTOMER)}|{re.escape(REMOVED)})(\s+(?P=x))+", re.IGNORECASE
)


def _shape_spans(text: str) -> Iterator[Span]:
    yield from email_spans(text)
    yield from phone_spans(text)
    yield from ni_spans(text)
    yield from date_spans(text)
    yield from postcode_spans(text)


def _name_replacement(compiled: _Compiled) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name.isupper() and name in PROTECTED:
            return match.group()
        return compiled.replacement.get(_key(name), REMOVED)

    return replace


@lru_cache(maxsize=256)
def redactor(ids: Identifiers) -> Callable[[str], str]:
    """A function redacting text that comes with the record `ids` describes: compiled
    once per record (and cached), as a projection redacts many texts of one record."""
    compiled = _compile(ids)
    by_name = _name_replacement(compiled)

    def redact_text(text: str) -> str:
        # Identifiers first, names after: an email or street holding a name goes whole.
        spans = list(_shape_spans(text))
        if compiled.literals is not None:
            spans += _regex(compiled.literals, text)
        text = replace_spans(text, spans, REMOVED)
        if compiled.names is not None:
            text = compiled.names.sub(by_name, text)
        text = _TITLED.sub(CUSTOMER, text)
        text = _TITLED_NAME.sub(REMOVED, text)
        text = _TITLED_REMOVED.sub(REMOVED, text)
        # "the customer the customer" where a name had several parts.
        return _REPEATS.sub(lambda m: m["x"], text)

    return redact_text


def redact(
    text: str,
    customer: Customer,
    references: Iterable[str] = (),
    *,
    others: Iterable[str] = (),
    localities: Iterable[str] = (),
) -> str:
    """`text` with the customer's name (as "the customer"), references, NI number, date
    of birth and address removed; the names of `others` (third parties) and the
    `localities` too; and anything shaped like an email, a phone number, an NI number,
    a postcode, a date or a titled name, whoever's it is."""
    ids = customer_identifiers(
        customer, tuple(references), others=tuple(others), localities=tuple(localities)
    )
    return redactor(ids)(text)
