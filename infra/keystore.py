"""Each subject's data key, wrapped by its domain key and kept in the read-model
database (SQLite or PostgreSQL), so every worker, client and the codec server
share it. Destroying the wrapped key is erasure: no copy of the plaintext key is
ever written anywhere else.
"""

import base64
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from activities.db import DataKeyRecord
from infra.keys import KeyRing


class KeyError_(Exception):
    """Base of the key store's refusals; the message names the key id."""


class UnknownDataKey(KeyError_):
    pass


class SubjectErased(KeyError_):
    pass


@dataclass(frozen=True)
class DataKey:
    key_id: str
    domain: str
    subject: str
    secret: bytes


class KeyStore:
    """Data keys by subject and by id, cached in memory for ``ttl`` seconds (an
    erasure reaches a running process within that time; workflows of an erased
    subject have already ended, so nothing live depends on the cache)."""

    def __init__(self, engine: Engine, ring: KeyRing, ttl: float = 60.0) -> None:
        self._engine, self._ring, self._ttl = engine, ring, ttl
        self._by_id: dict[str, tuple[float, DataKey]] = {}
        self._by_subject: dict[tuple[str, str], tuple[float, DataKey]] = {}
        self._lock = threading.Lock()

    @property
    def ring(self) -> KeyRing:
        return self._ring

    def for_subject(self, domain: str, subject: str) -> DataKey:
        """The subject's live data key, created on first use; SubjectErased once erased."""
        cached = self._cached(self._by_subject, (domain, subject))
        if cached:
            return cached
        for _ in range(3):  # another process may create it at the same moment
            with Session(self._engine) as session:
                newest = session.scalars(
                    select(DataKeyRecord)
                    .where(DataKeyRecord.domain == domain, DataKeyRecord.subject == subject)
                    .order_by(DataKeyRecord.generation.desc())
                    .limit(1)
                ).first()
                if newest is not None and newest.wrapped is not None:
                    key = self._unwrap(newest)
                    self._remember(key)
                    return key
                if newest is not None:
                    # Erased: nothing is sealed for this subject again, so a worker
                    # still holding the workflow in memory cannot answer with it.
                    raise SubjectErased(
                        f"erased: the {domain} subject's data key {newest.key_id} was destroyed; "
                        "nothing more is written for it (a new tenancy or review takes a "
                        "new reference)"
                    )
                record = self._new_record(domain, subject, 0)
                session.add(record)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    continue
                key = self._unwrap(record)
                self._remember(key)
                return key
        raise RuntimeError(f"could not create a data key for a {domain} subject")

    def cached_for_subject(self, domain: str, subject: str) -> DataKey | None:
        return self._cached(self._by_subject, (domain, subject))

    def cached_by_id(self, key_id: str) -> DataKey | None:
        return self._cached(self._by_id, key_id)

    def by_id(self, key_id: str) -> DataKey:
        cached = self._cached(self._by_id, key_id)
        if cached:
            return cached
        with Session(self._engine) as session:
            record = session.get(DataKeyRecord, key_id)
            if record is None:
                raise UnknownDataKey(f"data key {key_id} is not in the key store")
            if record.wrapped is None:
                erased = record.erased_at.date().isoformat() if record.erased_at else "?"
                raise SubjectErased(
                    f"erased: data key {key_id} was destroyed on {erased}; "
                    "this subject's personal data can no longer be read"
                )
            key = self._unwrap(record)
        self._remember(key)
        return key

    def destroy(self, domain: str, subject: str, now: datetime) -> int:
        """Destroy every data key of the subject; the number destroyed."""
        with Session(self._engine) as session:
            result = session.execute(
                update(DataKeyRecord)
                .where(
                    DataKeyRecord.domain == domain,
                    DataKeyRecord.subject == subject,
                    DataKeyRecord.wrapped.is_not(None),
                )
                .values(wrapped=None, erased_at=now)
            )
            session.commit()
            destroyed = int(result.rowcount or 0)  # type: ignore[attr-defined]
        with self._lock:
            self._by_subject.pop((domain, subject), None)
            for key_id, (_, key) in list(self._by_id.items()):
                if (key.domain, key.subject) == (domain, subject):
                    del self._by_id[key_id]
        return destroyed

    # --- internals ---------------------------------------------------------------

    def _new_record(self, domain: str, subject: str, generation: int) -> DataKeyRecord:
        wrapper = self._ring.newest(domain)
        key_id = f"dk-{uuid.uuid4().hex}"
        secret = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        sealed = AESGCM(wrapper.secret).encrypt(nonce, secret, _aad(key_id, domain, subject))
        return DataKeyRecord(
            key_id=key_id,
            domain=domain,
            subject=subject,
            generation=generation,
            wrapped=base64.b64encode(nonce + sealed).decode(),
            wrapping_key_id=wrapper.key_id,
            created_at=datetime.now(UTC),
            erased_at=None,
        )

    def _unwrap(self, record: DataKeyRecord) -> DataKey:
        assert record.wrapped is not None and record.wrapping_key_id is not None
        wrapper = self._ring.get(record.wrapping_key_id)
        if wrapper is None or wrapper.domain != record.domain:
            raise UnknownDataKey(
                f"data key {record.key_id} is wrapped by {record.wrapping_key_id}, "
                f"which is not in this {record.domain} key ring"
            )
        blob = base64.b64decode(record.wrapped)
        try:
            secret = AESGCM(wrapper.secret).decrypt(
                blob[:12], blob[12:], _aad(record.key_id, record.domain, record.subject)
            )
        except Exception:
            raise UnknownDataKey(
                f"data key {record.key_id} does not unwrap with {record.wrapping_key_id}"
            ) from None
        return DataKey(record.key_id, record.domain, record.subject, secret)

    def _cached(self, table: dict[Any, tuple[float, DataKey]], key: object) -> DataKey | None:
        with self._lock:
            hit = table.get(key)
        if hit and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        return None

    def _remember(self, key: DataKey) -> None:
        stamp = time.monotonic()
        with self._lock:
            self._by_id[key.key_id] = (stamp, key)
            self._by_subject[(key.domain, key.subject)] = (stamp, key)


def _aad(key_id: str, domain: str, subject: str) -> bytes:
    return f"casework-data-key\x00{key_id}\x00{domain}\x00{subject}".encode()
