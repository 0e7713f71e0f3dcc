"""Web settings (prefix `WEB_`): where the gateway is, the session cookie's key and flags."""

from __future__ import annotations

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, check_secret


class WebSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="WEB_")

    # the gateway this app is a client of (distributed mode); the embedded run passes a client
    gateway_url: str = "http://127.0.0.1:8000"
    gateway_timeout: float = 30.0
    # encrypts and authenticates the session cookie (Fernet key derived from it)
    # no default: `make run` generates one into the data directory (services/secrets_file.py)
    session_secret: SecretStr = SecretStr("")
    # `Secure` on the cookies; browsers keep Secure cookies of http://127.0.0.1 and localhost too
    cookie_secure: bool = True
    session_max_age: int = 8 * 3600
    school_year: str = "2024-2025"
    province: str = "79"
    # the publication listing (papers); a 404 there means "nothing published yet"
    # people sign in at the provider when set (authorization code flow with PKCE)
    oidc_authorize_url: str | None = None
    oidc_token_url: str | None = None
    oidc_client_id: str | None = None
    oidc_scope: str = "openid profile"

    # replaces the base's check: this app holds no internal secret (it never signs a principal)
    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> WebSettings:
        check_secret("session_secret", self.session_secret)
        return self
