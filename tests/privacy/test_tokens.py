"""Operator tokens: signed by the key ring, scoped to domains, refused with a reason."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from infra import keys, tokens

RING = keys.generate()
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _signed(claims: dict[str, object], secret: bytes = RING.token_secret) -> str:
    base: dict[str, object] = {
        "sub": "op.one",
        "dom": ["uc"],
        "aud": tokens.AUDIENCE,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
    }
    return jwt.encode({**base, **claims}, secret, algorithm="HS256")


def test_a_token_names_its_operator_domains_and_expiry() -> None:
    token = tokens.issue(RING, "case.worker@dwp", ["ipr", "uc"], hours=2, now=NOW)
    operator = tokens.verify(RING, token, now=NOW + timedelta(hours=1))
    assert operator.name == "case.worker@dwp"
    assert operator.domains == frozenset({"uc", "ipr"})
    assert operator.expires == NOW + timedelta(hours=2)


def test_an_expired_token_says_when_it_expired() -> None:
    token = tokens.issue(RING, "op.one", ["uc"], hours=1, now=NOW)
    with pytest.raises(tokens.TokenError, match="token expired at 2026-12-02T10:00:00"):
        tokens.verify(RING, token, now=NOW + timedelta(hours=1))


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (_signed({}, secret=keys.generate().token_secret), "token signature invalid"),
        (_signed({"dom": []}), "token has no domain"),
        (_signed({"dom": ["uc", "hr"]}), "unknown domain hr"),
        (_signed({"aud": "someone-else"}), "audience"),
        (_signed({"sub": "Jo Bloggs <jo>"}), "operator name"),
        (jwt.encode({"sub": "op.one", "dom": ["uc"]}, key=None, algorithm="none"), "HS256"),
        ("not-a-token", "malformed"),
    ],
    ids=["other-secret", "no-domain", "unknown-domain", "audience", "operator", "alg-none", "junk"],
)
def test_a_token_that_cannot_be_trusted_is_refused_with_its_reason(
    token: str, message: str
) -> None:
    with pytest.raises(tokens.TokenError, match=message):
        tokens.verify(RING, token, now=NOW)


def test_tokens_are_issued_only_for_known_domains_and_plain_operator_names() -> None:
    with pytest.raises(tokens.TokenError, match="unknown domain hr"):
        tokens.issue(RING, "op.one", ["hr"])
    with pytest.raises(tokens.TokenError, match="no domain"):
        tokens.issue(RING, "op.one", [])
    with pytest.raises(tokens.TokenError, match="operator name"):
        tokens.issue(RING, "x" * 65, ["uc"])
