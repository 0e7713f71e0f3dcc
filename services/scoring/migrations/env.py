import services.scoring.assessments.models
import services.scoring.council.models
import services.scoring.org.models
import services.scoring.plans.models  # noqa: F401  (register the tables)
from services.scoring.models_base import metadata
from shared.migrate import run_env

run_env(metadata, "alembic_version_scoring")
