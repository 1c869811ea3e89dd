"""The personal data in the samples (and in what a test adds), and a search for it
that ciphertext cannot trip by chance.

Where to look decides how: text (logs, JSON) holds ciphertext only as base64, so a
needle counts only where it stands alone, not inside a run of base64 characters;
raw bytes (a database file, a decoded payload) are searched for needles of at least
``BINARY_MIN`` characters, which random bytes contain with negligible odds.
"""

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

BINARY_MIN = 6
FREE_TEXT_MIN = 25
# Command fields whose free text tells something about a person (health, debts,
# family, contact); long enough to be that case's own words.
FREE_TEXT_KEYS = frozenset(
    {"text", "notes", "note", "summary", "description", "item", "evidence", "reason"}
)
_BASE64_CHAR = re.compile(rb"[A-Za-z0-9+/=]")
_TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Dr)\.? ")


def person_name(text: str) -> str:
    """'Mrs Diane Cheadle (daughter-in-law) by phone' -> 'Diane Cheadle'."""
    return _TITLE.sub("", text.split("(")[0].strip()).strip()


def name_needles(full_name: str) -> set[str]:
    name = person_name(full_name)
    parts = {p for p in re.split(r"[\s]+", name) if p}
    pieces = {q for p in parts for q in p.split("-")}
    return {name} | {p for p in parts | pieces if sum(c.isalpha() for c in p) >= 3}


def ni_needles(ni: str) -> set[str]:
    ni = ni.replace(" ", "")
    return {ni, f"{ni[:2]} {ni[2:4]} {ni[4:6]} {ni[6:8]} {ni[8:]}".strip()}


def phone_needles(phone: str) -> set[str]:
    digits = re.sub(r"\D", "", phone)
    found = {phone, digits}
    if digits.startswith("0"):
        found.add(f"+44{digits[1:]}")
    return found


def dob_needles(dob: str) -> set[str]:
    year, month, day = dob.split("-")
    return {dob, f"{day}/{month}/{year}"}


def address_needles(address: str) -> set[str]:
    """The address, its lines (not a bare 'Flat 6') and its postcode with and
    without the space."""
    lines = [p.strip() for p in address.split(",") if p.strip()]
    found = {address}
    for line in lines:
        if not re.fullmatch(r"(?:Flat|Unit) \d+\w?", line):
            found.add(line)
    postcode = lines[-1]
    if re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}", postcode):
        found.add(postcode.replace(" ", ""))
    return found


def contact_needles(contact: str) -> set[str]:
    """'07700 900118, 62 Elmtree Rise, Kestonbury, KX5 4AB': the phone and the address."""
    first, _, rest = contact.partition(",")
    if re.fullmatch(r"[\d +]{10,}", first.strip()):
        return phone_needles(first.strip()) | (address_needles(rest.strip()) if rest else set())
    return address_needles(contact)


def free_text(text: str) -> set[str]:
    """Long free text as written, up to any character a JSON log would escape."""
    ascii_run = re.split(r"[^\x20-\x7e]|\"|\\", text)[0].strip()
    return {ascii_run} if len(ascii_run) >= FREE_TEXT_MIN else set()


def person_needles(person: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    if person.get("full_name"):
        found |= name_needles(person["full_name"])
    if person.get("date_of_birth"):
        found |= dob_needles(person["date_of_birth"])
    if person.get("ni_number"):
        found |= ni_needles(person["ni_number"])
    if person.get("phone"):
        found |= phone_needles(person["phone"])
    if person.get("email"):
        found.add(person["email"])
    if person.get("address"):
        found |= address_needles(person["address"])
    return found


def command_needles(args: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for key, value in args.items():
        if not isinstance(value, str):
            continue
        if key in ("name", "informant"):
            found |= name_needles(value)
        elif key == "contact":
            found |= contact_needles(value)
        elif key in FREE_TEXT_KEYS:
            found |= free_text(value)
    return found


def case_needles(case: dict[str, Any]) -> set[str]:
    """A UC case's opening (resident, tenancy address) and its commands."""
    found = person_needles(case["resident"]) | address_needles(case["tenancy"]["address"])
    return found


def referral_needles(referral: dict[str, Any]) -> set[str]:
    """An IPR's customer in full, the referrer's name and address, and the summary."""
    referrer = referral.get("referrer", {})
    found = person_needles(referral["customer"]) | free_text(referral.get("summary", ""))
    return found | {person_name(referrer["name"]), referrer["email"]}


def _commands(items: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for command in items:
        yield from _dicts(command.get("args", {}))


def _dicts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dicts(value)


def sample_needles(cases_file: Path, iprs_file: Path) -> frozenset[str]:
    """Everything in the bundled samples that identifies or describes a person."""
    found: set[str] = set()
    for sample in json.loads(cases_file.read_text())["cases"]:
        found |= case_needles(sample["open"])
        for args in _commands(sample["commands"]):
            found |= command_needles(args)
    for sample in json.loads(iprs_file.read_text())["iprs"]:
        found |= referral_needles(sample["referral"])
        for args in _commands(sample["commands"]):
            found |= command_needles(args)
    return frozenset(n for n in found if n.strip())


# --- the search -----------------------------------------------------------------------------


def _occurrences(haystack: bytes, needle: bytes) -> Iterator[int]:
    start = haystack.find(needle)
    while start != -1:
        yield start
        start = haystack.find(needle, start + 1)


def _stands_alone(haystack: bytes, at: int, length: int) -> bool:
    before = haystack[at - 1 : at] if at else b""
    after = haystack[at + length : at + length + 1]
    return not (before and _BASE64_CHAR.match(before)) and not (after and _BASE64_CHAR.match(after))


def in_text(needles: Iterable[str], text: str | bytes) -> set[str]:
    """Needles that stand alone in ``text`` (not inside a run of base64)."""
    haystack = text.encode() if isinstance(text, str) else text
    found = set()
    for needle in needles:
        raw = needle.encode()
        if any(_stands_alone(haystack, at, len(raw)) for at in _occurrences(haystack, raw)):
            found.add(needle)
    return found


def in_bytes(needles: Iterable[str], data: bytes) -> set[str]:
    """Needles of ``BINARY_MIN`` characters or more anywhere in ``data``."""
    return {n for n in needles if len(n) >= BINARY_MIN and n.encode() in data}


def decoded_base64(node: Any) -> Iterator[bytes]:
    """Every base64 string in a JSON document, decoded: payload data and metadata
    as anyone holding the document (no key) can read them."""
    if isinstance(node, dict):
        for value in node.values():
            yield from decoded_base64(value)
    elif isinstance(node, list):
        for value in node:
            yield from decoded_base64(value)
    elif isinstance(node, str) and len(node) >= 4 and len(node) % 4 == 0:
        try:
            yield base64.b64decode(node, validate=True)
        except (binascii.Error, ValueError):
            return


def in_json(needles: Iterable[str], text: str) -> set[str]:
    """Needles in a JSON document as text, or in any base64 value it holds."""
    needles = list(needles)
    found = in_text(needles, text)
    try:
        document = json.loads(text)
    except ValueError:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()]
        document = documents
    for data in decoded_base64(document):
        found |= in_bytes(needles, data)
    return found
