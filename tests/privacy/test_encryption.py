"""Every payload a case or IPR writes is sealed: per-domain keys, a data key per
subject, rotation, legacy plaintext, and clear refusals for what cannot be read."""

import dataclasses
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.protobuf.message import Message
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.db import DataKeyRecord
from infra import keys
from infra.codec import (
    ENCODING,
    META_KEY_ID,
    CodecError,
    DomainRefused,
    EncryptionCodec,
    encrypting_converter,
)
from infra.keystore import KeyStore, SubjectErased, UnknownDataKey
from tests.factories import opening
from tests.helpers import eventually, settled_history_length
from worker import build_worker
from workflows.uc_case import UCCase, case_workflow_id


def _payloads(history: object) -> list[Payload]:
    """Every payload in a raw history that the SDK encodes: search attributes are
    indexed in plain text by design (and carry no personal data), and a local
    activity marker's "data" detail and a patch marker's "patch-data" (the patch id)
    are the SDK core's own bookkeeping."""
    found: list[Payload] = []

    def walk(message: object) -> None:
        if isinstance(message, Payload):
            found.append(message)
            return
        for field, value in message.ListFields():  # type: ignore[attr-defined]
            if field.name == "search_attributes":
                continue
            if field.message_type is None:
                continue
            if field.message_type.GetOptions().map_entry:
                items = [
                    v
                    for k, v in value.items()
                    if k not in ("data", "patch-data") or field.name != "details"
                ]
            elif not isinstance(value, Message):  # a repeated field
                items = list(value)
            else:
                items = [value]
            for item in items:
                walk(item)

    for event in history.events:  # type: ignore[attr-defined]
        walk(event)
    return found


async def _open(client: Client, task_queue: str) -> tuple[str, object]:
    ref = f"ENC-{uuid.uuid4().hex[:8]}"
    handle = await client.start_workflow(
        UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=task_queue
    )
    await settled_history_length(handle)
    return ref, handle


async def test_a_case_history_holds_no_plaintext_personal_data(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    _, handle = await _open(ts_env.client, ts_worker)
    history = await handle.fetch_history()  # type: ignore[attr-defined]
    raw = history.to_json()
    for secret in ("Morgan Testperson", "AB123456C", "12 Example Road", "1980-04-02"):
        assert secret not in raw
    payloads = _payloads(history)
    assert len(payloads) >= 4  # input, local activity, projection input and result, details
    plain = [p for p in payloads if p.metadata.get("encoding") != ENCODING]
    assert not plain, plain
    # One data key for the subject, named in every payload.
    assert {p.metadata[META_KEY_ID] for p in payloads} == {payloads[0].metadata[META_KEY_ID]}
    assert payloads[0].metadata[META_KEY_ID].startswith(b"dk-")
    # The client reads it back through the codec.
    view = await handle.query("case_view")  # type: ignore[attr-defined]
    assert view["resident"]["full_name"] == "Morgan Testperson"


async def test_uc_and_ipr_subjects_never_share_a_key(key_store: KeyStore) -> None:
    codec = EncryptionCodec(key_store)
    plain = [pydantic_data_converter.payload_converter.to_payloads(["Jo Bloggs"])[0]]
    uc = await codec.for_workflow("uc-case-T-1").encode(plain)
    ipr = await codec.for_workflow("ipr-R-1").encode(plain)
    activity = await codec.for_workflow("ipr-R-1-activity-2").encode(plain)
    assert uc[0].metadata[META_KEY_ID] != ipr[0].metadata[META_KEY_ID]
    assert ipr[0].metadata[META_KEY_ID] == activity[0].metadata[META_KEY_ID]  # one subject
    uc_only = codec.restricted_to(frozenset({"uc"}))
    assert await uc_only.decode(uc) == plain
    with pytest.raises(DomainRefused, match="ipr domain"):
        await uc_only.decode(ipr)


async def test_payloads_written_before_encryption_still_decode(key_store: KeyStore) -> None:
    plain = pydantic_data_converter.payload_converter.to_payloads([{"a": 1}])
    assert await EncryptionCodec(key_store).decode(plain) == plain


async def test_a_tampered_ciphertext_is_refused_naming_its_key(key_store: KeyStore) -> None:
    codec = EncryptionCodec(key_store, "uc-case-TAMPER")
    plain = pydantic_data_converter.payload_converter.to_payloads(["x"])
    [sealed] = await codec.encode(plain)
    key_id = sealed.metadata[META_KEY_ID].decode()
    flipped = Payload(
        metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    )
    with pytest.raises(CodecError, match=f"{key_id} does not authenticate"):
        await codec.decode([flipped])
    # Moving it to another domain's label fails too: the metadata is bound to the data.
    relabelled = Payload(metadata={**sealed.metadata, "casework-domain": b"ops"}, data=sealed.data)
    with pytest.raises(CodecError, match="does not authenticate"):
        await codec.decode([relabelled])


async def test_an_unknown_key_id_is_refused_by_name(key_store: KeyStore) -> None:
    codec = EncryptionCodec(key_store)
    bogus = Payload(metadata={"encoding": ENCODING, META_KEY_ID: b"dk-0000"}, data=b"0" * 40)
    with pytest.raises(UnknownDataKey, match="dk-0000"):
        await codec.decode([bogus])
    bogus = Payload(metadata={"encoding": ENCODING, META_KEY_ID: b"uc-19990101-x"}, data=b"0")
    with pytest.raises(CodecError, match="uc-19990101-x is not in this key ring"):
        await codec.decode([bogus])


async def test_rotation_seals_new_subjects_with_the_newest_key_and_reads_old_ones(
    engine: Engine, key_store: KeyStore, tmp_path: Path
) -> None:
    plain = pydantic_data_converter.payload_converter.to_payloads(["before rotation"])
    before = await EncryptionCodec(key_store, "uc-case-ROT-1").encode(plain)
    rotated = keys.rotate(key_store.ring, "uc")
    store = KeyStore(engine, rotated, ttl=0)
    after = await EncryptionCodec(store, "uc-case-ROT-2").encode(plain)
    assert await EncryptionCodec(store).decode(before) == plain  # old key still unwraps
    assert await EncryptionCodec(store).decode(after) == plain
    newest = rotated.newest("uc").key_id
    record = store.by_id(after[0].metadata[META_KEY_ID].decode())
    assert record.domain == "uc"
    with Session(engine) as session:
        row = session.get(DataKeyRecord, after[0].metadata[META_KEY_ID].decode())
        assert row is not None and row.wrapping_key_id == newest
    # A ring that has lost the key that wrapped the old data key names it.
    without = dataclasses.replace(
        rotated,
        keys=tuple(k for k in rotated.keys if k.key_id != key_store.ring.newest("uc").key_id),
    )
    with pytest.raises(UnknownDataKey, match="not in this uc key ring"):
        await EncryptionCodec(KeyStore(engine, without, ttl=0)).decode(before)
    # The file round-trips, readable by its owner only.
    path = tmp_path / "keys" / "ring.json"
    keys.save(rotated, path)
    reread = keys.KeyRing.from_json(json.loads(path.read_text()), "t")
    assert set(reread.keys) == set(rotated.keys)
    assert all(reread.newest(d) == rotated.newest(d) for d in keys.DOMAINS)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700  # a folder made for it


def test_a_ring_saved_into_a_shared_folder_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    """CASEWORK_KEY_FILE=/tmp/ring.json once made /tmp 0700, which broke every other
    user of /tmp (PostgreSQL's initdb among them): only the file is made private."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    keys.save(keys.generate(), shared / "ring.json")
    assert shared.stat().st_mode & 0o7777 == 0o1777
    assert (shared / "ring.json").stat().st_mode & 0o777 == 0o600


async def test_an_erased_subject_no_longer_decodes(engine: Engine, key_store: KeyStore) -> None:
    plain = pydantic_data_converter.payload_converter.to_payloads(["to be erased"])
    sealed = await EncryptionCodec(key_store, "uc-case-ERASE-1").encode(plain)
    assert key_store.destroy("uc", "ERASE-1", datetime.now(UTC)) == 1
    fresh = KeyStore(engine, key_store.ring)
    with pytest.raises(SubjectErased, match="erased: data key dk-"):
        await EncryptionCodec(fresh).decode(sealed)
    with pytest.raises(SubjectErased):
        await EncryptionCodec(key_store).decode(sealed)  # its own cache was dropped too


async def test_the_event_types_that_carry_payloads_are_all_sealed(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    _, handle = await _open(ts_env.client, ts_worker)
    history = await handle.fetch_history()  # type: ignore[attr-defined]
    started = history.events[0]
    assert started.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    [input_payload] = started.workflow_execution_started_event_attributes.input.payloads
    assert input_payload.metadata["encoding"] == ENCODING


async def test_a_worker_without_the_key_fails_its_workflow_task_naming_the_key(
    dev_env: WorkflowEnvironment, engine: Engine, files: Path
) -> None:
    """A worker whose key ring lacks the key a case was sealed with reads nothing and
    changes nothing: its workflow task fails, naming the key, until a worker that
    holds the key picks the case up. (On the dev server: a workflow task failing
    for ever holds the time-skipping server's clock for every later test.)"""
    stranger = KeyStore(engine, keys.generate())  # another deployment's keys
    other = await Client.connect(
        dev_env.client.service_client.config.target_host,
        namespace=dev_env.client.namespace,
        data_converter=encrypting_converter(stranger),
    )
    task_queue = f"stranger-{uuid.uuid4()}"
    ref = f"ENC-{uuid.uuid4().hex[:8]}"
    async with build_worker(other, task_queue, engine, files=files):
        handle = await dev_env.client.start_workflow(
            UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=task_queue
        )
        failure = await eventually(lambda: _task_failure(handle), lambda f: f is not None)
    assert failure is not None
    started = (await handle.fetch_history()).events[0].workflow_execution_started_event_attributes
    sealed_with = started.input.payloads[0].metadata[META_KEY_ID].decode()
    assert sealed_with in failure and "not in this uc key ring" in failure
    # Nothing was decided: no projection, no state beyond the start.
    history = await handle.fetch_history()
    assert not any(
        e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED for e in history.events
    )
    await handle.terminate("test over")


async def _task_failure(handle: WorkflowHandle) -> str | None:
    """The message of the case's first failed workflow task (the SDK's own words,
    not encoded: it could not seal them)."""
    history = await handle.fetch_history()
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            return str(event.workflow_task_failed_event_attributes.failure.message)
    return None
