"""The scoring service's own Prometheus series (the HTTP ones come from shared.observability)."""

from __future__ import annotations

from prometheus_client import Counter

SCORED = Counter(
    "chiso_scoring_computations_total",
    "Scoring-engine runs, by where they came from and whether the input was valid",
    ["source", "outcome"],
)
TRANSITIONS = Counter("chiso_assessment_transitions_total", "Workflow actions taken", ["kind", "action"])
