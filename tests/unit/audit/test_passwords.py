"""Password hashing and token digests."""

import re

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError

from brokerage.adapters.passwords import (
    hash_password,
    needs_rehash,
    new_token,
    password_problem,
    token_digest,
    token_matches,
    verify_password,
)


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password("correct horse battery")


def test_the_right_password_verifies(stored: str) -> None:
    assert verify_password(stored, "correct horse battery")


def test_a_wrong_password_returns_false_without_raising(stored: str) -> None:
    assert verify_password(stored, "Correct horse battery") is False


def test_an_absurdly_long_password_is_refused_without_hashing(stored: str) -> None:
    assert verify_password(stored, "x" * 5000) is False


def test_a_hash_that_is_not_argon2_is_corrupt_data_and_raises() -> None:
    with pytest.raises(InvalidHashError):
        verify_password("not-a-hash", "whatever1")


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    first, second = hash_password("same password"), hash_password("same password")

    assert first != second
    assert first.startswith("$argon2id$")


def test_a_fresh_hash_needs_no_rehash(stored: str) -> None:
    assert needs_rehash(stored) is False


def test_a_hash_with_weaker_parameters_needs_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("some password")

    assert needs_rehash(weak)
    assert verify_password(weak, "some password")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 8 characters"),
        ("1234567", "at least 8 characters"),
        ("x" * 1025, "at most 1024 characters"),
    ],
)
def test_a_password_outside_the_policy_gets_a_reason(password: str, problem: str) -> None:
    assert problem in (password_problem(password) or "")


@pytest.mark.parametrize("password", ["12345678", "x" * 1024, "pässwörd"])
def test_a_password_inside_the_policy_has_no_problem(password: str) -> None:
    assert password_problem(password) is None


def test_new_tokens_are_url_safe_random_and_sized() -> None:
    tokens = {new_token() for _ in range(100)}

    assert len(tokens) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)
    assert len(new_token(16)) == 22


def test_a_token_is_stored_as_its_sha256_hex_digest() -> None:
    digest = token_digest("abc")

    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert token_matches("abc", digest)
    assert not token_matches("abd", digest)
