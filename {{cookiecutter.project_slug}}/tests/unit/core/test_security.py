"""Roles and permissions, password hashing and the JWT codec."""

import base64
import ctypes
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from app.core import security
from app.core.config import Settings
from app.core.security import (
    ROLE_PERMISSIONS,
    VERIFIED_TOKENS_KEPT,
    InvalidTokenError,
    IssuedToken,
    PasswordHasher,
    Permission,
    Role,
    TokenCodec,
    TokenType,
    fingerprint,
    has_permission,
    map_large_allocations,
    normalise_email,
)

# 64 bytes: long enough for HS512 as well, so PyJWT has no reason to warn.
SECRET = "unit-test-secret-key-" + "k" * 43
ISSUER = "unit-test-issuer"
AUDIENCE = "unit-test-audience"


def _settings(**overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "SECRET_KEY": SECRET,
        "JWT_ALGORITHM": "HS256",
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": AUDIENCE,
    }
    return Settings(_env_file=None, **(fields | overrides))


@pytest.fixture
def cheap_hasher() -> PasswordHasher:
    """A hasher of its own, so its throwaway hash starts unset."""
    return PasswordHasher(time_cost=1, memory_cost_kib=32, concurrency=1)


# ---------------------------------------------------------------- permissions


def test_a_user_has_no_power_over_others() -> None:
    assert not has_permission(Role.USER, Permission.USERS_MANAGE)


@pytest.mark.parametrize("permission", list(Permission))
def test_an_admin_has_every_permission(permission: Permission) -> None:
    assert has_permission(Role.ADMIN, permission)


def test_a_role_given_as_its_string_value_is_understood() -> None:
    assert has_permission("admin", Permission.USERS_MANAGE)


def test_an_unknown_role_grants_nothing() -> None:
    assert not has_permission("superuser", Permission.USERS_MANAGE)


def test_every_role_has_an_entry_in_the_permission_map() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


# ---------------------------------------------------------------- emails


@pytest.mark.parametrize("email", ["A@x.io", "a@X.IO", "  a@x.io ", "a@x.io"])
def test_emails_that_differ_in_case_or_spaces_normalise_to_one(email: str) -> None:
    assert normalise_email(email) == "a@x.io"


# ---------------------------------------------------------------- passwords


async def test_a_hash_verifies_against_its_password(cheap_hasher: PasswordHasher) -> None:
    hashed = await cheap_hasher.hash("correct-horse-42")

    assert await cheap_hasher.verify("correct-horse-42", hashed)


async def test_a_hash_does_not_verify_against_another_password(
    cheap_hasher: PasswordHasher,
) -> None:
    hashed = await cheap_hasher.hash("correct-horse-42")

    assert not await cheap_hasher.verify("wrong-horse-42", hashed)


async def test_a_hash_is_argon2id_and_does_not_contain_the_password(
    cheap_hasher: PasswordHasher,
) -> None:
    hashed = await cheap_hasher.hash("correct-horse-42")

    assert hashed.startswith("$argon2id$")
    assert "correct-horse-42" not in hashed


async def test_hashing_one_password_twice_gives_two_salted_hashes(
    cheap_hasher: PasswordHasher,
) -> None:
    assert await cheap_hasher.hash("same-pass-1") != await cheap_hasher.hash("same-pass-1")


async def test_verify_without_a_stored_hash_fails(cheap_hasher: PasswordHasher) -> None:
    assert not await cheap_hasher.verify("correct-horse-42", None)


async def test_verify_without_a_stored_hash_reuses_one_throwaway_hash(
    cheap_hasher: PasswordHasher,
) -> None:
    await cheap_hasher.verify("first-try-1", None)
    throwaway = cheap_hasher._dummy_hash

    assert not await cheap_hasher.verify("second-try-2", None)

    assert throwaway is not None
    assert cheap_hasher._dummy_hash == throwaway


def test_the_hasher_is_shared_by_equal_settings() -> None:
    first = PasswordHasher.from_settings(_settings())

    assert PasswordHasher.from_settings(_settings()) is first


def test_other_costs_get_another_hasher() -> None:
    first = PasswordHasher.from_settings(_settings(ARGON2_TIME_COST=1))

    assert PasswordHasher.from_settings(_settings(ARGON2_TIME_COST=2)) is not first


async def test_the_smallest_memory_cost_the_settings_accept_can_hash() -> None:
    smallest = Settings.model_fields["ARGON2_MEMORY_COST_KIB"].metadata[0].ge
    hasher = PasswordHasher(time_cost=1, memory_cost_kib=smallest, concurrency=1)

    assert await hasher.verify("correct-horse-42", await hasher.hash("correct-horse-42"))


# ---------------------------------------------------------------- tokens


@pytest.fixture
def token_codec() -> TokenCodec:
    """A codec with a key of its own."""
    return TokenCodec(_settings())


def _issue(codec: TokenCodec, token_type: TokenType = "access", **overrides: Any) -> IssuedToken:
    fields: dict[str, Any] = {"user_id": 42, "session_id": 7, "token_version": 3}
    return codec.issue(token_type, **(fields | overrides))


def _claims(**overrides: Any) -> dict[str, Any]:
    """The claims of a valid access token of the codec `_settings()` makes."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": "42",
        "sid": 7,
        "ver": 3,
        "type": "access",
        "jti": "x",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    return claims | overrides


def test_an_issued_token_decodes_to_its_claims(token_codec: TokenCodec) -> None:
    issued = _issue(token_codec)

    assert token_codec.decode(issued.token, "access") == issued.claims


def test_a_token_carries_its_user_session_and_token_version(token_codec: TokenCodec) -> None:
    claims = token_codec.decode(_issue(token_codec, "refresh").token, "refresh")

    assert (claims.user_id, claims.session_id, claims.token_version) == (42, 7, 3)
    assert claims.token_type == "refresh"


def test_a_token_names_the_issuer_and_audience_of_the_settings(token_codec: TokenCodec) -> None:
    payload = jwt.decode(_issue(token_codec).token, options={"verify_signature": False})

    assert (payload["iss"], payload["aud"]) == (ISSUER, AUDIENCE)
    assert payload["sub"] == "42"


def test_a_token_expires_after_the_lifetime_of_its_type(token_codec: TokenCodec) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)

    claims = _issue(token_codec, "refresh", now=now).claims

    assert claims.issued_at == now
    assert claims.expires_at == now + token_codec.lifetime("refresh")


def test_lifetimes_come_from_the_settings() -> None:
    codec = TokenCodec(_settings(ACCESS_TOKEN_EXPIRE_MINUTES=5, REFRESH_TOKEN_EXPIRE_DAYS=2))

    assert codec.lifetime("access") == timedelta(minutes=5)
    assert codec.lifetime("refresh") == timedelta(days=2)


def test_every_token_gets_its_own_id(token_codec: TokenCodec) -> None:
    first = _issue(token_codec, "refresh")
    second = _issue(token_codec, "refresh")

    assert first.claims.jti != second.claims.jti
    assert first.token != second.token


@pytest.mark.parametrize(("issued", "expected"), [("refresh", "access"), ("access", "refresh")])
def test_a_token_of_the_other_type_is_rejected(
    token_codec: TokenCodec, issued: TokenType, expected: TokenType
) -> None:
    with pytest.raises(InvalidTokenError):
        token_codec.decode(_issue(token_codec, issued).token, expected)


def test_an_expired_token_is_rejected(token_codec: TokenCodec) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=1)
    expired = _issue(token_codec, now=long_ago).token

    with pytest.raises(InvalidTokenError):
        token_codec.decode(expired, "access")


def test_a_token_signed_with_another_key_is_rejected(token_codec: TokenCodec) -> None:
    other = TokenCodec(_settings(SECRET_KEY="another-secret-key-" + "o" * 45))
    forged = _issue(other).token

    with pytest.raises(InvalidTokenError):
        token_codec.decode(forged, "access")


@pytest.mark.parametrize(
    "settings",
    [{"JWT_ISSUER": "someone-else"}, {"JWT_AUDIENCE": "another-api"}],
    ids=["issuer", "audience"],
)
def test_a_token_for_another_issuer_or_audience_is_rejected(
    token_codec: TokenCodec, settings: dict[str, str]
) -> None:
    elsewhere = _issue(TokenCodec(_settings(**settings))).token

    with pytest.raises(InvalidTokenError):
        token_codec.decode(elsewhere, "access")


def test_a_token_with_a_tampered_payload_is_rejected(token_codec: TokenCodec) -> None:
    header, payload, signature = _issue(token_codec).token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "1"
    tampered_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")

    with pytest.raises(InvalidTokenError):
        token_codec.decode(f"{header}.{tampered_payload.decode()}.{signature}", "access")


def test_an_unsigned_token_is_rejected(token_codec: TokenCodec) -> None:
    unsigned = jwt.encode(_claims(), key=None, algorithm="none")

    with pytest.raises(InvalidTokenError):
        token_codec.decode(unsigned, "access")


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_a_token_signed_with_another_algorithm_is_rejected(
    token_codec: TokenCodec, algorithm: str
) -> None:
    other_algorithm = jwt.encode(_claims(), SECRET, algorithm=algorithm)

    with pytest.raises(InvalidTokenError):
        token_codec.decode(other_algorithm, "access")


def test_the_claims_helper_makes_a_token_the_codec_accepts(token_codec: TokenCodec) -> None:
    token = jwt.encode(_claims(), SECRET, algorithm="HS256")

    assert token_codec.decode(token, "access").user_id == 42


@pytest.mark.parametrize(
    "missing", ["sub", "sid", "ver", "type", "jti", "iat", "exp", "iss", "aud"]
)
def test_a_token_missing_a_required_claim_is_rejected(
    token_codec: TokenCodec, missing: str
) -> None:
    claims = _claims()
    del claims[missing]

    with pytest.raises(InvalidTokenError):
        token_codec.decode(jwt.encode(claims, SECRET, algorithm="HS256"), "access")


@pytest.mark.parametrize(
    "claim",
    [{"sub": "not-a-number"}, {"sid": "7"}, {"sid": True}, {"ver": 3.0}, {"ver": None}],
    ids=["sub-not-a-number", "sid-a-string", "sid-a-boolean", "ver-a-float", "ver-null"],
)
def test_a_token_whose_ids_are_not_integers_is_rejected(
    token_codec: TokenCodec, claim: dict[str, Any]
) -> None:
    token = jwt.encode(_claims(**claim), SECRET, algorithm="HS256")

    with pytest.raises(InvalidTokenError):
        token_codec.decode(token, "access")


def test_garbage_is_rejected(token_codec: TokenCodec) -> None:
    with pytest.raises(InvalidTokenError):
        token_codec.decode("not.a.jwt", "access")


# ---------------------------------------------------------------- fingerprints


def test_a_fingerprint_is_the_sha256_hex_digest() -> None:
    assert fingerprint("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_different_secrets_have_different_fingerprints() -> None:
    assert fingerprint("token-a") != fingerprint("token-b")


@pytest.mark.parametrize("token_type", ["admin", None])
def test_a_token_of_an_unknown_type_is_rejected(
    token_codec: TokenCodec, token_type: str | None
) -> None:
    token = jwt.encode(_claims(type=token_type), SECRET, algorithm="HS256")

    with pytest.raises(InvalidTokenError):
        token_codec.decode(token, "access")


# A codec remembers the tokens it verified: the checks that still apply are tested here.


def test_a_remembered_token_is_rejected_once_it_has_expired(token_codec: TokenCodec) -> None:
    issued = _issue(token_codec)
    assert token_codec.decode(issued.token, "access") == issued.claims

    with pytest.raises(InvalidTokenError, match="expired"):
        token_codec.decode(issued.token, "access", now=issued.claims.expires_at)


@pytest.mark.parametrize(("issued", "expected"), [("refresh", "access"), ("access", "refresh")])
def test_a_remembered_token_of_the_other_type_is_rejected(
    token_codec: TokenCodec, issued: TokenType, expected: TokenType
) -> None:
    token = _issue(token_codec, issued).token
    token_codec.decode(token, issued)

    with pytest.raises(InvalidTokenError):
        token_codec.decode(token, expected)


def test_a_rejected_token_is_rejected_every_time(token_codec: TokenCodec) -> None:
    unsigned = jwt.encode(_claims(), key=None, algorithm="none")

    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            token_codec.decode(unsigned, "access")


def test_the_codec_forgets_the_oldest_token_beyond_its_limit(
    token_codec: TokenCodec, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert VERIFIED_TOKENS_KEPT >= 1024
    monkeypatch.setattr(security, "VERIFIED_TOKENS_KEPT", 3)
    tokens = [_issue(token_codec, session_id=n).token for n in range(4)]
    for token in tokens:
        token_codec.decode(token, "access")

    assert list(token_codec._verified) == tokens[1:]
    assert token_codec.decode(tokens[0], "access").session_id == 0


def test_the_codec_of_the_settings_is_shared_while_they_say_the_same() -> None:
    first = TokenCodec.from_settings(_settings())

    assert TokenCodec.from_settings(_settings()) is first
    assert TokenCodec.from_settings(_settings(JWT_AUDIENCE="another-api")) is not first


def test_codecs_of_many_settings_are_still_right() -> None:
    for minutes in range(1, 12):
        codec = TokenCodec.from_settings(_settings(ACCESS_TOKEN_EXPIRE_MINUTES=minutes))

        assert codec.lifetime("access") == timedelta(minutes=minutes)


def _resident_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; glibc only")
def test_blocks_freed_by_many_threads_go_back_to_the_os() -> None:
    PasswordHasher.from_settings(_settings())  # a hasher sets the allocator up
    before = _resident_mib()

    def allocate_and_free() -> None:
        for _ in range(4):
            block = ctypes.create_string_buffer(16 << 20)  # touched: filled with zeros
            del block

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: allocate_and_free(), range(8)))

    assert map_large_allocations() is True
    assert _resident_mib() - before < 8  # not 16 MiB blocks kept in the threads' arenas
