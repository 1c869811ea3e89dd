"""The key store on both databases a deployment may use: one data key per subject,
created once even when two processes race for it, unreadable once destroyed."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.db import DataKeyRecord
from infra import keys
from infra.codec import EncryptionCodec
from infra.keystore import KeyStore, SubjectErased


async def test_racing_processes_share_one_data_key_per_subject(db: Engine) -> None:
    ring = keys.generate()
    stores = [KeyStore(db, ring, ttl=0) for _ in range(6)]  # six processes, no cache
    found = await asyncio.gather(
        *(asyncio.to_thread(s.for_subject, "uc", "RACE-1") for s in stores)
    )
    assert len({k.key_id for k in found}) == 1 and len({k.secret for k in found}) == 1
    with Session(db) as session:
        assert session.scalar(select(func.count()).select_from(DataKeyRecord)) == 1


async def test_sealed_payloads_open_in_another_process_until_the_key_is_destroyed(
    db: Engine,
) -> None:
    ring = keys.generate()
    plain = pydantic_data_converter.payload_converter.to_payloads(["Jo Bloggs"])
    sealed = await EncryptionCodec(KeyStore(db, ring), "ipr-PG-1").encode(plain)
    other = KeyStore(db, ring, ttl=0)
    assert await EncryptionCodec(other).decode(sealed) == plain
    assert other.destroy("ipr", "PG-1", datetime.now(UTC)) == 1
    with pytest.raises(SubjectErased, match="erased"):
        await EncryptionCodec(KeyStore(db, ring, ttl=0)).decode(sealed)
    with pytest.raises(SubjectErased):  # and nothing new is sealed for the subject
        await EncryptionCodec(KeyStore(db, ring, ttl=0), "ipr-PG-1").encode(plain)
