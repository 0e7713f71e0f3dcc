import services.sync.deadlines.models
import services.sync.deliveries.models
import services.sync.feed.models
import services.sync.webhooks.models  # noqa: F401  (register the tables)
from services.sync.models_base import metadata
from shared.migrate import run_env

run_env(metadata, "alembic_version_sync")
