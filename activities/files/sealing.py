"""Each stored file is sealed with its subject's data key (infra/keystore.py), so
destroying the key erases the file wherever its bytes sit (crypto-shredding), as it
erases the subject's workflow payloads (infra/codec.py). AES-256-GCM; the associated
data binds the plaintext's SHA-256, the subject and the key id, so sealed bytes moved
to another hash or subject do not authenticate."""

import hashlib
import os
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from activities.files.names import SealedFileRefused, Subject

MAGIC = b"CWF1"
NONCE_BYTES = 12


class Key(Protocol):
    @property
    def key_id(self) -> str: ...

    @property
    def secret(self) -> bytes: ...


class Ring(Protocol):
    def newest(self, domain: str) -> Key: ...

    def get(self, key_id: str) -> Key | None: ...


class DataKeys(Protocol):
    """What the store needs of infra/keystore.py's KeyStore (which satisfies it): the
    layers below infrastructure take it as a parameter and never import it."""

    @property
    def ring(self) -> Ring: ...

    def for_subject(self, domain: str, subject: str) -> Key: ...

    def by_id(self, key_id: str) -> Key: ...


def _aad(sha256: str, subject: Subject, key_id: str) -> bytes:
    parts = ("casework-file", sha256, subject.domain, subject.ref or "", key_id)
    return "\x00".join(parts).encode()


def seal(keys: DataKeys, subject: Subject, sha256: str, content: bytes) -> bytes:
    """MAGIC, the key id's length and the key id, the nonce, then the ciphertext. A
    subject already erased raises the key store's SubjectErased: nothing is written."""
    if subject.ref is None:
        key = keys.ring.newest(subject.domain)
    else:
        key = keys.for_subject(subject.domain, subject.ref)
    key_id = key.key_id.encode()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key.secret).encrypt(nonce, content, _aad(sha256, subject, key.key_id))
    return MAGIC + bytes([len(key_id)]) + key_id + nonce + sealed


def open_sealed(keys: DataKeys, subject: Subject, sha256: str, blob: bytes) -> bytes:
    """The plaintext, checked twice: the tag (nothing altered, same hash, subject and
    key) and the SHA-256 of what it opens to. An erased subject's key raises the key
    store's SubjectErased."""
    if blob[:4] != MAGIC or len(blob) < 5:
        raise SealedFileRefused(f"stored file {sha256[:16]}: not a sealed file")
    size = blob[4]
    key_id = blob[5 : 5 + size].decode(errors="replace")
    rest = blob[5 + size :]
    secret = _opening_key(keys, key_id)
    try:
        plain = AESGCM(secret).decrypt(
            rest[:NONCE_BYTES], rest[NONCE_BYTES:], _aad(sha256, subject, key_id)
        )
    except InvalidTag:
        raise SealedFileRefused(
            f"stored file {sha256[:16]} does not authenticate under key {key_id}: "
            "it was altered, or moved from another hash or subject"
        ) from None
    if hashlib.sha256(plain).hexdigest() != sha256:
        raise SealedFileRefused(f"stored file {sha256[:16]}: its content does not match its hash")
    return plain


def _opening_key(keys: DataKeys, key_id: str) -> bytes:
    if key_id.startswith("dk-"):
        return keys.by_id(key_id).secret
    key = keys.ring.get(key_id)
    if key is None:
        raise SealedFileRefused(f"key {key_id or '(none)'} is not in this key ring")
    return key.secret
