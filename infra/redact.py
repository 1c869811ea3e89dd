"""Masking personal data in log lines: a structlog processor (see infra/logs.py).

Anything shaped like an NI number, a date, a postcode, an email, a UK phone number,
bank details or a street address is replaced by a tag ("[NI]", "[DATE]", ...), as are
the names registered with `remember_names` and their first-name variants ("[NAME]")
and titled names ("Mr Smith"). Emails, NI numbers, postcodes, dates and phone numbers
are found as `domain.ipr.anonymise` finds them (Presidio's recognisers and
`phonenumbers`, widened by our patterns: docs/privacy.md, "Redaction").
Values under the ids in SAFE_KEYS are left alone: they never carry personal data.
"""

import functools
import re
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from structlog.typing import EventDict
from temporalio import workflow

if TYPE_CHECKING:
    from types import ModuleType


@functools.cache
def _anonymise() -> "ModuleType":
    """`domain.ipr.anonymise`, imported on first use: Presidio brings spaCy (about
    1.4 s), which a command that never logs or registers a name need not wait for.
    Passed through: a first use inside a workflow takes the worker's own module."""
    with workflow.unsafe.imports_passed_through():
        from domain.ipr import anonymise
    return anonymise


def _tag(text: str, spans: Iterable[tuple[int, int]], replacement: str) -> str:
    replaced: str = _anonymise().replace_spans(text, spans, replacement)
    return replaced


SAFE_KEYS: frozenset[str] = frozenset(
    {
        "workflow_id",
        "run_id",
        "activity",
        "workflow_type",
        "update",
        "logger",
        "level",
        "timestamp",
        "task_queue",
        "namespace",
        "first_seq",
        "last_seq",
        "events",
        "operator",  # staff who decode, named on purpose in the codec audit
    }
)

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_SORT_CODE = re.compile(r"(?<![\w-])\d{2}([-\s])\d{2}\1\d{2}(?![\w-])")
_ACCOUNT = re.compile(r"(?<![\w-])\d{8}(?![\w-])")
_STREET_WORDS = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Close|Court|Drive|Way|Place|Crescent|Gardens"
    "|Terrace|Grove|Walk|Row|Square|Hill|Park|Mews|Parade|Green|Rise|View|Vale|Wharf"
    "|Yard|Gate|Boulevard|Hollow|Bank|Croft|Fields|Meadow|Chase"
)
# "12 Acacia Avenue", "Flat 3, 4 High Street", "12a Mill Lane": a number, then
# capitalised words ending in a street word.
_ADDRESS = re.compile(
    r"\b(?:(?:Flat|Apartment|Unit|Apt)\.?\s+\w+,?\s+)?\d+[A-Za-z]?,?\s+"
    rf"(?:[A-Z][\w'’-]*\s+){{1,4}}?(?:{_STREET_WORDS})\b\.?"
)
_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?\s+(?:[A-Z]\.?\s+){0,3}[A-Z][\w'’-]+")
_WORD = re.compile(r"\w+")
_TAG_WORDS = frozenset({"NI", "DATE", "POSTCODE", "EMAIL", "PHONE", "BANK", "ADDRESS", "NAME"})


class NameRegistry:
    """Names known to the record, process-wide and thread-safe: each stored as a tuple
    of case-folded words, so "O'Brien" and "O’Brien" are one name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: frozenset[tuple[str, ...]] = frozenset()
        self._longest = 0

    def add(self, *names: str) -> None:
        """Each full name and its parts (as `domain.ipr.anonymise` takes them: words of
        three letters or more, capitalised two-letter words such as "Li", hyphen halves
        and runs of words), and the variants of its given names ("Kate" of Katherine)
        but those that are ordinary words ("Bill" of William: a log line's "bill")."""
        found: set[tuple[str, ...]] = set()
        a = _anonymise()
        for name in names:
            if not name or not name.strip():
                continue
            variants = {
                v for given in a._given_names(name) for v in a.name_variants(given)
            } - a.ORDINARY_WORDS
            for phrase in (name, *a._name_parts(name), *variants):
                words = tuple(w.casefold() for w in _WORD.findall(phrase))
                if words and (len(words) > 1 or len(words[0]) >= 2):
                    found.add(words)
        with self._lock:
            self._names = self._names | found
            self._longest = max((len(w) for w in self._names), default=0)

    def clear(self) -> None:
        with self._lock:
            self._names, self._longest = frozenset(), 0

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return tuple(w.casefold() for w in _WORD.findall(name)) in self._names

    def __len__(self) -> int:
        return len(self._names)

    def mask(self, text: str) -> str:
        """`text` with each registered name or part, as a whole word, made "[NAME]"."""
        with self._lock:
            names, longest = self._names, self._longest  # an immutable snapshot
        if not names:
            return text
        words = list(_WORD.finditer(text))
        folded = [w.group().casefold() for w in words]
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                if tuple(folded[i : i + n]) not in names:
                    continue
                start, end = words[i].start(), words[i + n - 1].end()
                if n == 1 and words[i].group() in _TAG_WORDS and text[start - 1 : start] == "[":
                    continue  # a tag put in by an earlier pattern
                spans.append((start, end))
                i += n
                break
            else:
                i += 1
        for start, end in reversed(spans):
            text = text[:start] + "[NAME]" + text[end:]
        return text


known_names = NameRegistry()


def remember_names(*names: str) -> None:
    """Register names the record holds (e.g. the resident's, when a case's data is
    decoded): from then on each is masked in every log line, case-insensitively."""
    known_names.add(*names)


def mask_text(text: str) -> str:
    """`text` with every kind of personal data above replaced by its tag."""
    # Order matters: emails before NI numbers and names (both can sit inside one),
    # bank details before dates ("12-34-56" is date-shaped too), dates and addresses
    # before names ("June", "Brown Street").
    a = _anonymise()
    text = _tag(text, a.email_spans(text), "[EMAIL]")
    text = _tag(text, a.ni_spans(text), "[NI]")
    text = _IBAN.sub("[BANK]", text)
    text = _SORT_CODE.sub("[BANK]", text)
    text = _tag(text, a.date_spans(text), "[DATE]")
    text = _tag(text, a.phone_spans(text), "[PHONE]")
    text = _ACCOUNT.sub("[BANK]", text)
    text = _tag(text, a.postcode_spans(text), "[POSTCODE]")
    text = _ADDRESS.sub("[ADDRESS]", text)
    text = known_names.mask(text)
    text = _TITLED.sub("[NAME]", text)
    return text


def mask_value(value: Any) -> Any:
    """Strings masked; lists, tuples, sets and dicts walked (values under SAFE_KEYS
    kept); anything else returned as it is."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: v if k in SAFE_KEYS else mask_value(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*(mask_value(v) for v in value))
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(mask_value(v) for v in value)
    return value


def mask_personal_data(_logger: Any, _name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: every value of the event dict masked but those under
    SAFE_KEYS. Put it after format_exc_info so rendered tracebacks are masked too.
    Should masking itself fail, only the safe keys are kept: a line unmasked never."""
    try:
        for key, value in event_dict.items():
            if key not in SAFE_KEYS and not key.startswith("_"):
                event_dict[key] = mask_value(value)
    except Exception:  # noqa: BLE001 - a log line must not leak nor break the caller
        kept = {k: v for k, v in event_dict.items() if k in SAFE_KEYS}
        return {**kept, "event": "[log line withheld: masking failed]"}
    return event_dict
