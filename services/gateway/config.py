"""Gateway settings (prefix `GATEWAY_`): its own database, token keys, upstreams, limits."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.gateway.clientaddr import parse_networks
from shared.settings import ServiceSettings, check_secret

MIGRATIONS = Path(__file__).parent / "migrations"


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="GATEWAY_")

    database_url: str = "sqlite+aiosqlite:///./data/gateway.db"

    # access tokens issued here (client credentials, login): HS256, short-lived
    jwt_secret: SecretStr = SecretStr("")  # required; `make run` generates one in its data directory
    jwt_issuer: str = "chiso-gateway"
    access_token_ttl: int = 900
    # resource-server mode: also accept RS256/ES256 tokens of an OpenID Connect provider
    oidc_jwks_url: str | None = None
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_cache_seconds: int = 300
    # how long a credential's or subject's revocation state may be cached (seconds)
    revocation_cache_seconds: float = 2.0

    # upstream services (distributed mode); the embedded run passes in-process clients instead
    scoring_url: str = "http://127.0.0.1:8001"
    evidence_url: str = "http://127.0.0.1:8002"
    sync_url: str = "http://127.0.0.1:8003"
    upstream_timeout: float = 30.0
    upstream_connect_timeout: float = 5.0
    max_body_bytes: int = 50 * 1024 * 1024  # evidence uploads are large; anything bigger is refused
    # the anonymous score preview: a whole framework's facts fit in a few KiB
    preview_max_body_bytes: int = 256 * 1024
    # proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs); none by default
    trusted_proxies: str = ""

    # per-client token bucket: `rate_limit_burst` requests at once, refilled at `rate_limit_per_second`
    rate_limit_per_second: float = 20.0
    rate_limit_burst: int = 60
    redis_url: str | None = None
    # a Redis call slower than this falls back to per-process limits (ratelimit_fallback)
    redis_timeout_seconds: float = 0.25
    # buckets per caller address for calls without a token, one per purpose
    login_rate_per_second: float = 0.5  # /auth/login and /oauth/token
    login_burst: int = 10
    preview_rate_per_second: float = 2.0  # POST /api/v1/frameworks/{id}/score
    preview_burst: int = 20
    # per account: this many wrong passwords or secrets are free, then each try waits 1, 2, 4… s
    login_free_failures: int = 5
    login_max_delay_seconds: float = 900.0

    # Strict-Transport-Security max-age when TLS ends before the gateway (0: only over TLS itself)
    hsts_max_age: int = 0
    # /metrics and /readyz without a token: true where the network keeps them inside (Kubernetes:
    # the ingress does not route them); the embedded run sets false (administrators only)
    ops_endpoints_public: bool = True
    # an unknown `kid` refetches the provider's keys at most this often
    oidc_jwks_refresh_cooldown_seconds: float = 60.0

    graphql_max_depth: int = 10
    graphql_max_tokens: int = 2000
    graphql_max_aliases: int = 30
    graphql_max_body_bytes: int = 256 * 1024
    graphql_max_nesting: int = 32  # of the request's JSON (variables included)

    @model_validator(mode="after")
    def _refuse_placeholder_jwt_secret(self) -> GatewaySettings:
        check_secret("jwt_secret", self.jwt_secret)
        parse_networks(self.trusted_proxies)  # a typo is a start-up error, not a silent no-proxy
        if self.oidc_jwks_url and not self.oidc_audience:
            # without an audience any token the provider issued for another application would do
            raise ValueError("oidc_audience must be set when oidc_jwks_url is (resource-server mode)")
        return self
