"""Redaction against a corpus of narrative sentences in the style of DWP's published
IPR learning (tests/privacy/redaction_corpus.json): each sentence comes with the
record it belongs to (the customer, the third parties and localities the record
holds, references) and lists the identifiers it contains. None may survive; service
names and ordinary words must (docs/privacy.md, "Redaction")."""

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.ipr.anonymise import CUSTOMER, REMOVED, _name_parts, redact
from domain.ipr.model import Customer

CORPUS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "redaction_corpus.json").read_text(encoding="utf-8")
)
RECORDS: dict[str, dict[str, Any]] = CORPUS["records"]
SENTENCES: list[dict[str, Any]] = CORPUS["sentences"]

# Words that must survive wherever a sentence has them, unless the record holds them
# as a name (the Thompson record holds "Mark": "mark" goes, docs/privacy.md).
SERVICE_TERMS = (
    "UC", "PIP", "ESA", "JSA", "ACS", "DWP", "IPR", "IPRG", "Six-Point Plan", "Jobcentre",
    "Universal Credit", "Pension Credit", "Attendance Allowance", "Carer's Allowance",
    "Bereavement Services", "Debt Management", "Counter Fraud and Compliance", "State Pension",
)  # fmt: skip
ORDINARY = ("may", "will", "mark", "bill", "March", "June", "April", "the customer")


def _customer(record: dict[str, Any]) -> Customer:
    data = dict(record["customer"])
    if data.get("date_of_birth"):
        data["date_of_birth"] = date.fromisoformat(data["date_of_birth"])
    return Customer(**data)


def _redact(sentence: dict[str, Any]) -> str:
    record = RECORDS[sentence["record"]]
    return redact(
        sentence["text"],
        _customer(record),
        record["references"],
        others=record["others"],
        localities=record["localities"],
    )


def _word(term: str) -> re.Pattern[str]:
    """`term` as a whole word, either apostrophe matching either."""
    escaped = re.escape(term.replace("’", "'")).replace("'", "['’]")
    return re.compile(rf"(?<!\w){escaped}(?!\w)")


def _held_words(record: dict[str, Any]) -> set[str]:
    names = [record["customer"]["full_name"], *record["others"]]
    return {part.casefold() for name in names for part in _name_parts(name)}


def _label(sentence: dict[str, Any]) -> str:
    return f"{sentence['record']}: {sentence['text'][:50]}"


def test_the_corpus_is_large_enough_and_every_sentence_belongs_to_a_record() -> None:
    assert len(SENTENCES) >= 100
    assert {s["record"] for s in SENTENCES} == set(RECORDS)
    identifiers = sum(len(s["identifiers"]) for s in SENTENCES)
    assert identifiers >= 250, identifiers
    for sentence in SENTENCES:
        for identifier in sentence["identifiers"]:
            # Each listed identifier is really in its sentence, so the test checks it.
            assert re.search(_word(identifier).pattern, sentence["text"], re.IGNORECASE), (
                f"{identifier!r} is not in {sentence['text']!r}"
            )


@pytest.mark.parametrize("sentence", SENTENCES, ids=_label)
def test_no_identifier_survives(sentence: dict[str, Any]) -> None:
    out = _redact(sentence)
    survivors = [
        i for i in sentence["identifiers"] if re.search(_word(i).pattern, out, re.IGNORECASE)
    ]
    assert not survivors, f"{survivors} survived in {out!r} (from {sentence['text']!r})"
    # No word of any name the record holds, either, whether listed or not.
    held = _held_words(RECORDS[sentence["record"]])
    words = {w.casefold() for w in re.findall(r"[\w'’-]+", out)}
    leaked = sorted(held & words)
    assert not leaked, f"{leaked} of the record's names survived in {out!r}"
    # Nor a run of six digits (the tail of a phone number, a date, an NI number).
    assert not re.search(r"\d(?:[\s().-]?\d){5}", out), f"digits survived in {out!r}"


@pytest.mark.parametrize("sentence", SENTENCES, ids=_label)
def test_service_names_and_ordinary_words_survive(sentence: dict[str, Any]) -> None:
    out = _redact(sentence)
    held = _held_words(RECORDS[sentence["record"]])
    # What is left of the sentence once its identifiers are gone ("March" of a date,
    # "IPR" of a reference go with them).
    text = sentence["text"]
    for identifier in sorted(sentence["identifiers"], key=len, reverse=True):
        text = re.sub(_word(identifier).pattern, "#", text, flags=re.IGNORECASE)
    for term in (*sentence["keep"], *SERVICE_TERMS, *ORDINARY):
        if term.casefold() in held:
            continue  # a name the record holds goes, whatever else it means
        before = len(_word(term).findall(text))
        after = len(_word(term).findall(out))
        assert after >= before, f"{term!r} lost in {out!r} (from {sentence['text']!r})"
    for term in sentence["keep"]:
        assert _word(term).search(out), f"{term!r} missing from {out!r}"


def test_the_customer_is_named_as_the_customer_and_others_are_removed() -> None:
    out = _redact(SENTENCES[0])
    assert out == (
        f"{CUSTOMER}'s daughter {REMOVED} rang the UC helpline on {REMOVED} to say "
        f"{REMOVED} had been sectioned; the agent did not follow the Six-Point Plan."
    )


def test_a_held_name_that_is_an_ordinary_word_takes_the_word_with_it() -> None:
    """The documented trade-off: the Thompson record holds "Mark"."""
    (sentence,) = [s for s in SENTENCES if s["text"].startswith("The agent did not mark")]
    assert "mark" not in _redact(sentence).split()


def test_a_nickname_that_is_an_ordinary_word_goes_only_with_its_capital() -> None:
    """William's nickname "Bill": "the council tax bill" keeps its bill."""
    record = RECORDS["oconnor"]
    out = redact(
        "Bill said the bill will be paid; will Bill call?",
        _customer(record),
        others=record["others"],
    )
    assert out == f"{REMOVED} said the bill will be paid; will {REMOVED} call?"


def test_a_service_name_in_capitals_is_never_taken_for_a_name() -> None:
    customer = Customer(full_name="Pip Evans")
    out = redact("Pip Evans claimed PIP; Pip said so", customer)
    assert out == f"{CUSTOMER} claimed PIP; {CUSTOMER} said so"


def test_log_masking_finds_the_same_identifiers_and_nicknames() -> None:
    """infra/redact.py uses the same recognisers, and a registered name's variants."""
    from infra.redact import known_names, mask_text, remember_names

    known_names.clear()
    try:
        remember_names("Katherine Jones")
        assert mask_text("Kate rang from kate.jones@example.co.uk on 07700 900123") == (
            "[NAME] rang from [EMAIL] on [PHONE]"
        )
        # A nickname that is an ordinary word is not registered: log lines keep it.
        remember_names("William Hale")
        assert mask_text("the bill will be paid") == "the bill will be paid"
    finally:
        known_names.clear()
