"""Which service owns which public path. `/internal/*` and anything unlisted is never forwarded."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    service: str
    public: bool = False  # answered without a token (the frameworks and the score preview)
    description: str = ""


def _r(prefix: str, service: str, public: bool = False, description: str = "") -> Route:
    return Route(re.compile(rf"^/api/v1/{prefix}(/|$)"), service, public, description)


SCHOOL = r"schools/[^/]+"
ROUTES: tuple[Route, ...] = (
    _r("frameworks", "scoring", public=True, description="frameworks and the public score preview"),
    _r("org", "scoring", description="org registry: units and schools"),
    _r(f"{SCHOOL}/assessments", "scoring", description="self and external assessments, workflow, audit"),
    _r(f"{SCHOOL}/council", "scoring", description="the school's self-assessment council"),
    _r(f"{SCHOOL}/publication", "scoring", description="the school's publication link"),
    _r("units", "scoring", description="a unit's teams, publication link and roster of results"),
    _r("public", "scoring", public=True, description="published (recognised) results, no token"),
    _r("bulk", "scoring", description="bulk submission of drafts"),
    _r("dashboard", "scoring", description="aggregates for dashboards (SQL)"),
    _r("insights", "scoring", description="year on year, self vs external, good models, unit assessment"),
    _r(f"{SCHOOL}/evidence", "evidence", description="a school's evidence"),
    _r("evidence", "evidence", description="evidence files and links"),
    _r("sync", "sync", description="delivery to CSDL ngành, deadlines, timeliness"),
)
PREVIEW = re.compile(r"^/api/v1/frameworks/[^/]+/score/?$")  # anonymous work: its own limits
SCHOOL_IN_PATH = re.compile(r"^/api/v1/schools/([^/]+)/")


def route_for(path: str) -> Route | None:
    # dot segments could climb out of the matched prefix once the URL is normalised upstream
    if any(seg in {".", ".."} for seg in path.split("/")):
        return None
    for r in ROUTES:
        if r.pattern.match(path):
            return r
    return None


def school_in_path(path: str) -> str | None:
    m = SCHOOL_IN_PATH.match(path)
    return m.group(1) if m else None
