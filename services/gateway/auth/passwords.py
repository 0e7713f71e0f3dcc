"""Argon2id hashing for passwords and client secrets (pwdlib), and secret generation."""

from __future__ import annotations

import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))
# verified against when the user or credential does not exist, so timing does not tell
_DUMMY = _hasher.hash("not-a-real-secret")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(secret: str, hashed: str | None) -> bool:
    if hashed is None:
        _hasher.verify(secret, _DUMMY)
        return False
    return _hasher.verify(secret, hashed)


def new_credential_id() -> str:
    return secrets.token_hex(8)


def new_client_secret(credential_id: str) -> str:
    """`cs_<credential id>_<random>`: the id selects the row, the whole string is hashed."""
    return f"cs_{credential_id}_{secrets.token_urlsafe(32)}"


def credential_id_of(secret: str) -> str | None:
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != "cs" or not parts[1]:
        return None
    return parts[1]
