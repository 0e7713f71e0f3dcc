"""The embedded run's own secrets: generated on its first start, kept in the data directory
readable by the owner only (0600), and reused on every later start so tokens and signed
principal headers stay valid across restarts. Nothing in the repository is a usable secret."""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path

FILE_NAME = "secrets.json"
NAMES = ("jwt_secret", "internal_secret", "web_session_secret", "demo_password", "demo_vendor_secret")


def _new(name: str) -> str:
    if name == "demo_password":  # typed by a person at the sign-in page: short, still unguessable
        return secrets.token_urlsafe(12)
    if name == "demo_vendor_secret":
        return "cs_demo_" + secrets.token_urlsafe(32)
    return secrets.token_urlsafe(48)


def _generate() -> dict[str, str]:
    return {name: _new(name) for name in NAMES}


def load_or_create(data_dir: Path) -> dict[str, str]:
    """This data directory's secrets, created (mode 0600, never overwritten) when missing."""
    path = data_dir / FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    values = _generate()
    with os.fdopen(fd, "w") as f:
        json.dump(values, f)
    return values


def _read(path: Path) -> dict[str, str]:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o600)  # someone loosened it: the secrets are the owner's alone
    values = json.loads(path.read_text())
    missing = [n for n in NAMES if not isinstance(values.get(n), str) or not values[n]]
    if missing:  # a data directory from before a secret existed: add it, keep the others
        values.update({n: _new(n) for n in missing})
        path.write_text(json.dumps(values))
    return {n: values[n] for n in NAMES}
