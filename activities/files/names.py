"""The store's plain types and refusals, importable without SQLAlchemy or cryptography
(workflows import activities/forms.py and activities/outbox.py through the sandbox)."""

from typing import NamedTuple


class Subject(NamedTuple):
    """Whose personal data a file holds (workflows/ids.py Subject has the same shape)."""

    domain: str  # "uc", "ipr" or "ops"
    ref: str | None  # tenancy or IPR reference; None: no subject (the domain's key)


class SealedFileRefused(ValueError):
    """Sealed bytes that do not open, or open to content that does not hash as named."""


class FileMissing(LookupError):
    """An index entry whose blob is not in the store (a partial copy, another store)."""


class EntryConflict(ValueError):
    """A name already held with other content: entries are written once."""
