import services.gateway.auth.models
import services.gateway.papers.jobs  # noqa: F401  (register the tables)
from services.gateway.models_base import metadata
from shared.migrate import run_env

run_env(metadata, "alembic_version_gateway")
