"""The key ring: per-domain AES-256 keys that wrap each subject's data key.

Domains never share a key (docs/rules.md#personal-data, need to know): ``uc`` for UC case
workflows (UCCase, ManagedMigration, PaymentArrangement), ``ipr`` for IPR and
AgreedActivity, ``ops`` for workflows that hold no personal data. In each
domain the newest key wraps new data keys and any key still in the ring
unwraps, so a rotation never strands a history written before it.

Keys come from ``CASEWORK_KEYS`` (the JSON itself, e.g. from a secret store) or
the file ``CASEWORK_KEY_FILE`` (default ``<CASEWORK_DATA_DIR>/keys/casework-keys.json``),
never from the repository. The same file holds the secret that signs the codec
server's operator tokens.
"""

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DOMAINS = ("uc", "ipr", "ops")
KEY_BYTES = 32  # AES-256


class KeyRingError(Exception):
    """The key ring is missing or malformed; the message says what to do."""


@dataclass(frozen=True)
class DomainKey:
    key_id: str
    domain: str
    secret: bytes
    created: str


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[DomainKey, ...]
    token_secret: bytes

    def newest(self, domain: str) -> DomainKey:
        held = [k for k in self.keys if k.domain == domain]
        if not held:
            raise KeyRingError(f"the key ring holds no key for domain {domain!r}")
        return held[-1]

    def get(self, key_id: str) -> DomainKey | None:
        return next((k for k in self.keys if k.key_id == key_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "token_secret": _b64(self.token_secret),
            "domains": {
                d: [
                    {"id": k.key_id, "key": _b64(k.secret), "created": k.created}
                    for k in self.keys
                    if k.domain == d
                ]
                for d in DOMAINS
            },
        }

    @classmethod
    def from_json(cls, raw: Any, where: str) -> "KeyRing":
        try:
            domains = raw["domains"]
            keys = tuple(
                DomainKey(k["id"], d, _unb64(k["key"], f"{where}: domains.{d}"), k["created"])
                for d in DOMAINS
                for k in domains.get(d, [])
            )
            token_secret = _unb64(raw["token_secret"], f"{where}: token_secret")
        except (KeyError, TypeError) as error:
            raise KeyRingError(f"{where}: malformed key ring (missing {error})") from None
        for d in DOMAINS:
            if not any(k.domain == d for k in keys):
                raise KeyRingError(f"{where}: domains.{d} holds no key")
        ids = [k.key_id for k in keys]
        if len(set(ids)) != len(ids):
            raise KeyRingError(f"{where}: key ids must be unique across domains")
        return cls(keys, token_secret)


def new_key(domain: str, now: datetime | None = None) -> DomainKey:
    now = now or datetime.now(UTC)
    key_id = f"{domain}-{now:%Y%m%d}-{secrets.token_hex(4)}"
    return DomainKey(key_id, domain, secrets.token_bytes(KEY_BYTES), now.isoformat())


def generate() -> KeyRing:
    return KeyRing(tuple(new_key(d) for d in DOMAINS), secrets.token_bytes(KEY_BYTES))


def rotate(ring: KeyRing, domain: str) -> KeyRing:
    """A new newest key for ``domain``; the older ones stay to unwrap what they wrapped."""
    if domain not in DOMAINS:
        raise KeyRingError(f"domain must be one of {', '.join(DOMAINS)}")
    return KeyRing((*ring.keys, new_key(domain)), ring.token_secret)


def default_key_file(data_dir: Path) -> Path:
    return Path(os.environ.get("CASEWORK_KEY_FILE") or data_dir / "keys" / "casework-keys.json")


def load(data_dir: Path) -> KeyRing:
    inline = os.environ.get("CASEWORK_KEYS")
    if inline:
        try:
            return KeyRing.from_json(json.loads(inline), "CASEWORK_KEYS")
        except json.JSONDecodeError as error:
            raise KeyRingError(f"CASEWORK_KEYS: not JSON ({error.msg})") from None
    path = default_key_file(data_dir)
    if not path.exists():
        raise KeyRingError(
            f"no key ring at {path}: set CASEWORK_KEY_FILE or CASEWORK_KEYS, "
            "or create one with `python starter.py keys init`"
        )
    return load_file(path)


def load_file(path: Path) -> KeyRing:
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise KeyRingError(f"{path}: not JSON ({error.msg})") from None
    except (OSError, UnicodeDecodeError) as error:  # a folder, unreadable, not text
        raise KeyRingError(f"{path}: cannot read the key ring ({error})") from None
    return KeyRing.from_json(raw, str(path))


def save(ring: KeyRing, path: Path) -> None:
    """Written readable by its owner only, replacing the file atomically."""
    folder = path.parent
    if not folder.exists():
        # A folder made for the ring is its owner's only (mkdir's mode passes through
        # the umask, so set it). An existing one is left as it is: the ring may sit in
        # a shared folder such as /tmp, which must keep its own mode; the file is 0600.
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(ring.to_json(), handle, indent=2)
    os.replace(tmp, path)


def ensure(path: Path) -> bool:
    """Create a key ring at ``path`` when none exists; True when one was created."""
    if path.exists():
        return False
    save(generate(), path)
    return True


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any, where: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise KeyRingError(f"{where}: a key is not base64") from None
    if len(data) != KEY_BYTES:
        raise KeyRingError(f"{where}: a key must be {KEY_BYTES} bytes (AES-256)")
    return data
