"""Secrets are never the repository's: generated on the embedded run's first start, placeholders
refused in every mode; a token claims no more than its account holds at the moment of use."""

from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from services.gateway.config import GatewaySettings
from services.scoring.config import ScoringSettings
from services.secrets_file import load_or_create
from shared.principal import Role
from tests.gateway.conftest import JWT_SECRET, add_user, login

PLACEHOLDERS = ["dev-only-internal-secret-change-me", "dev-only-gateway-jwt-secret-change-me-32b"]


def bearer(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


class TestPlaceholders:
    @pytest.mark.parametrize("mode", ["development", "test", "production"])
    @pytest.mark.parametrize("value", ["", *PLACEHOLDERS])
    def test_refused_in_every_mode(self, mode, value):
        with pytest.raises(ValidationError, match="internal_secret"):
            ScoringSettings(environment=mode, internal_secret=value)
        with pytest.raises(ValidationError, match="jwt_secret"):
            GatewaySettings(environment=mode, internal_secret="a" * 32, jwt_secret=value)

    def test_error_never_shows_the_value(self):
        with pytest.raises(ValidationError) as e:
            GatewaySettings(internal_secret="a-real-internal-secret", jwt_secret="short-one")
        assert "short-one" not in str(e.value)
        assert "a-real-internal-secret" not in str(e.value)

    def test_oidc_mode_needs_an_audience(self):
        base: dict[str, Any] = {"internal_secret": "a" * 32, "jwt_secret": "b" * 32}
        with pytest.raises(ValidationError, match="oidc_audience"):
            GatewaySettings(**base, oidc_jwks_url="https://idp.example/certs")
        GatewaySettings(**base, oidc_jwks_url="https://idp.example/certs", oidc_audience="chiso")


class TestGeneratedSecrets:
    def test_first_start_creates_owner_only_file_later_starts_reuse_it(self, tmp_path: Path):
        first = load_or_create(tmp_path)
        path = tmp_path / "secrets.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert first["jwt_secret"] != first["internal_secret"]
        assert len(first["jwt_secret"]) >= 32
        assert load_or_create(tmp_path) == first
        path.chmod(0o644)
        assert load_or_create(tmp_path) == first
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # another data directory, other secrets: nothing is shared through the code
        (tmp_path / "other").mkdir()
        assert load_or_create(tmp_path / "other") != first


class TestTokenRolesAgainstAccount:
    def _forge(self, sub: str, **claims: Any) -> str:
        now = int(time.time())
        base = {"iss": "chiso-gateway", "sub": sub, "kind": "user", "gen": 999, "iat": now, "exp": now + 60}
        return jwt.encode({**base, **claims}, JWT_SECRET, algorithm="HS256")

    async def test_claimed_role_the_account_never_had_is_refused(self, gateway, gw):
        uid = await add_user(gateway, "officer.so79", Role.OFFICER, org_units=["so-79"])
        honest = self._forge(uid, roles=["officer"], org_units=["so-79"])
        assert (await gw.get("/oauth/token_info", headers=bearer(honest))).status_code == 200
        admin = self._forge(uid, roles=["officer", "admin"], org_units=["so-79"])
        r = await gw.get("/admin/v1/users", headers=bearer(admin))
        assert (r.status_code, r.json()["code"]) == (401, "token_invalid")

    async def test_claimed_scope_beyond_the_account_is_refused(self, gateway, gw):
        uid = await add_user(gateway, "officer.so79", Role.OFFICER, org_units=["so-79"])
        for extra in ({"all_orgs": True}, {"org_units": ["so-79", "so-01"]}, {"schools": ["01100001"]}):
            claims = {"roles": ["officer"], "org_units": ["so-79"], **extra}
            r = await gw.get("/oauth/token_info", headers=bearer(self._forge(uid, **claims)))
            assert r.status_code == 401, extra

    async def test_401_does_not_echo_the_library_reason(self, gateway, gw):
        await add_user(gateway, "u1", Role.OFFICER, org_units=["so-79"])
        t = (await login(gw, "u1"))["Authorization"]
        tampered = t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB")
        r = await gw.get("/oauth/token_info", headers={"Authorization": tampered})
        assert r.status_code == 401
        text = r.text + r.headers["www-authenticate"]
        assert "Signature" not in text
        assert "signature" not in text
        assert r.json()["reason"] == "invalid"
