"""The payload codec: AES-256-GCM on every payload the SDK encodes (inputs,
results, updates, signals, queries, memos, summaries and details, failures).

Each payload is sealed with its subject's data key (infra/keystore.py), chosen
from the serialization context's workflow id (workflows/ids.py); a payload with
no subject (no workflow, or a workflow that holds no personal data) is sealed
with its domain's newest key. The key id and domain travel in the payload's
metadata and are bound to the ciphertext, so a payload moved to another key or
domain does not authenticate. Payloads written before encryption existed carry
no such metadata and pass through unchanged (running cases, saved histories).
"""

import asyncio
import dataclasses
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)

from infra.keystore import KeyStore
from workflows.ids import Subject, subject_of

ENCODING = b"binary/encrypted"
META_KEY_ID = "encryption-key-id"
META_DOMAIN = "casework-domain"
NONCE_BYTES = 12


class CodecError(Exception):
    """A payload that cannot be decoded; the message names the key id and the rule."""


@dataclasses.dataclass(frozen=True)
class Sealed:
    key_id: str
    domain: str


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    def __init__(
        self,
        store: KeyStore,
        workflow_id: str | None = None,
        allowed_domains: frozenset[str] | None = None,
    ) -> None:
        self._store = store
        self._subject = subject_of(workflow_id)
        # None: any domain whose key this process holds (workers, back office);
        # the codec server narrows it to what an operator's token allows.
        self._allowed = allowed_domains

    def with_context(self, context: SerializationContext) -> "EncryptionCodec":
        workflow_id = None
        if isinstance(context, WorkflowSerializationContext | ActivitySerializationContext):
            workflow_id = context.workflow_id
        return self.for_workflow(workflow_id)

    def for_workflow(self, workflow_id: str | None) -> "EncryptionCodec":
        return self._sealing_for(subject_of(workflow_id))

    def for_domain(self, domain: str) -> "EncryptionCodec":
        """Seals with the domain's own key: for payloads that name no workflow."""
        return self._sealing_for(Subject(domain, None))

    def restricted_to(self, domains: frozenset[str]) -> "EncryptionCodec":
        codec = self._sealing_for(self._subject)
        codec._allowed = domains
        return codec

    def _sealing_for(self, subject: Subject) -> "EncryptionCodec":
        codec = EncryptionCodec(self._store, None, self._allowed)
        codec._subject = subject
        return codec

    @property
    def subject(self) -> Subject:
        return self._subject

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if not payloads:
            return []
        key_id, domain, secret = await self._sealing_key()
        out = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = AESGCM(secret).encrypt(
                nonce, payload.SerializeToString(), _aad(key_id, domain)
            )
            out.append(
                Payload(
                    metadata={
                        "encoding": ENCODING,
                        META_KEY_ID: key_id.encode(),
                        META_DOMAIN: domain.encode(),
                    },
                    data=nonce + sealed,
                )
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                out.append(payload)  # written before encryption: plain as it was
                continue
            key_id = payload.metadata.get(META_KEY_ID, b"").decode(errors="replace")
            domain = payload.metadata.get(META_DOMAIN, b"").decode(errors="replace")
            secret, key_domain = await self._opening_key(key_id)
            if self._allowed is not None and key_domain not in self._allowed:
                raise DomainRefused(
                    f"payload under key {key_id} belongs to the {key_domain} domain, "
                    f"which this operator may not read"
                )
            data = payload.data
            try:
                plain = AESGCM(secret).decrypt(
                    data[:NONCE_BYTES], data[NONCE_BYTES:], _aad(key_id, domain)
                )
            except InvalidTag:
                raise CodecError(
                    f"payload under key {key_id} does not authenticate: "
                    "it was altered or sealed with another key"
                ) from None
            out.append(Payload.FromString(plain))
        return out

    # --- keys ----------------------------------------------------------------------

    async def _sealing_key(self) -> tuple[str, str, bytes]:
        subject = self.subject
        if subject.ref is None:
            domain_key = self._store.ring.newest(subject.domain)
            return domain_key.key_id, subject.domain, domain_key.secret
        key = self._store.cached_for_subject(subject.domain, subject.ref)
        if key is None:  # a database read (or first write): off the event loop
            key = await asyncio.to_thread(self._store.for_subject, subject.domain, subject.ref)
        return key.key_id, key.domain, key.secret

    async def _opening_key(self, key_id: str) -> tuple[bytes, str]:
        if key_id.startswith("dk-"):
            key = self._store.cached_by_id(key_id)
            if key is None:
                key = await asyncio.to_thread(self._store.by_id, key_id)
            return key.secret, key.domain
        domain_key = self._store.ring.get(key_id)
        if domain_key is None:
            raise CodecError(f"key {key_id or '(none)'} is not in this key ring")
        return domain_key.secret, domain_key.domain


class DomainRefused(CodecError):
    """An operator's token does not cover the payload's domain."""


def _aad(key_id: str, domain: str) -> bytes:
    return f"casework-payload\x00{key_id}\x00{domain}".encode()


def encrypting_converter(store: KeyStore) -> DataConverter:
    """The project's data converter: pydantic JSON, then the codec. Failure messages
    and stack traces travel encoded too: a refusal can quote what was sent."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(store),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
