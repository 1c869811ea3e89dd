"""Operator tokens for the codec server: short-lived JWTs (HS256) signed with the
key ring's token secret, each scoped to the domains its holder may read
(docs/rules.md#personal-data, need to know: a UC operator never decodes an IPR).

A token names an operator, never a customer; the codec server writes that name
into its audit trail.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from infra.keys import DOMAINS, KeyRing

AUDIENCE = "casework-codec"
ALGORITHM = "HS256"
MAX_HOURS = 24 * 7
_OPERATOR = re.compile(r"[A-Za-z0-9._@-]{1,64}")


class TokenError(Exception):
    """A token that cannot be used; the message says why, never what it held."""


@dataclass(frozen=True)
class Operator:
    name: str
    domains: frozenset[str]
    expires: datetime


def issue(
    ring: KeyRing,
    operator: str,
    domains: list[str] | tuple[str, ...] | frozenset[str],
    hours: float = 8,
    now: datetime | None = None,
) -> str:
    """A signed token for ``operator`` covering ``domains`` for ``hours``."""
    _check_operator(operator)
    scoped = _check_domains(list(domains))
    if not 0 < hours <= MAX_HOURS:
        raise TokenError(f"hours must be more than 0 and at most {MAX_HOURS}")
    now = now or datetime.now(UTC)
    claims = {
        "sub": operator,
        "dom": scoped,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=hours)).timestamp()),
    }
    return jwt.encode(claims, ring.token_secret, algorithm=ALGORITHM)


def verify(ring: KeyRing, token: str, now: datetime | None = None) -> Operator:
    """The operator a token names, or TokenError saying why it is refused."""
    now = now or datetime.now(UTC)
    try:
        claims = jwt.decode(
            token,
            ring.token_secret,
            algorithms=[ALGORITHM],  # never "none", never an algorithm the token picks
            audience=AUDIENCE,
            options={"require": ["sub", "exp", "iat", "aud"], "verify_exp": False},
        )
    except jwt.InvalidSignatureError:
        raise TokenError("token signature invalid") from None
    except jwt.InvalidAudienceError:
        raise TokenError(
            f"token is not for the codec server (audience must be {AUDIENCE})"
        ) from None
    except jwt.MissingRequiredClaimError as error:
        raise TokenError(f"token has no {error.claim} claim") from None
    except jwt.InvalidAlgorithmError:
        raise TokenError(f"token is not signed with {ALGORITHM}") from None
    except jwt.DecodeError:
        raise TokenError("token is malformed (not a signed JWT)") from None
    except jwt.InvalidTokenError as error:
        raise TokenError(f"token refused: {error}") from None
    expires = _timestamp(claims["exp"], "exp")
    if expires <= now:  # checked here, against the caller's clock, so tests can pin it
        raise TokenError(f"token expired at {expires.isoformat()}")
    operator = claims["sub"]
    if not isinstance(operator, str):
        raise TokenError("token operator (sub) must be a string")
    _check_operator(operator)
    raw_domains = claims.get("dom")
    if not raw_domains:
        raise TokenError("token has no domain")
    if not isinstance(raw_domains, list) or not all(isinstance(d, str) for d in raw_domains):
        raise TokenError("token domains (dom) must be a list of names")
    return Operator(operator, frozenset(_check_domains(raw_domains)), expires)


def _check_operator(operator: str) -> None:
    if not _OPERATOR.fullmatch(operator):
        raise TokenError("operator name must be 1-64 characters of letters, digits and . _ @ -")


def _check_domains(domains: list[str]) -> list[str]:
    if not domains:
        raise TokenError("token has no domain")
    unknown = sorted(set(domains) - set(DOMAINS))
    if unknown:
        raise TokenError(f"unknown domain {', '.join(unknown)}: domains are {', '.join(DOMAINS)}")
    return sorted(set(domains))


def _timestamp(value: object, claim: str) -> datetime:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TokenError(f"token {claim} claim must be a number")
    return datetime.fromtimestamp(value, UTC)
