"""Self versus external assessment, item by item (the side-by-side the assessors sign off)."""

from __future__ import annotations

from decimal import Decimal

from services.scoring.assessments.schemas import Comparison, ItemComparison
from services.scoring.assessments.service import AssessmentService
from services.scoring.frameworks.schemas import num, titles_of
from shared.contracts import AssessmentKind
from shared.principal import Principal


async def compare(svc: AssessmentService, p: Principal, code: str, year: str) -> Comparison:
    own = await svc.get(p, code, year, AssessmentKind.SELF)
    ext = await svc.get(p, code, year, AssessmentKind.EXTERNAL)
    titles = titles_of(svc.published(ext).framework)
    s_items, e_items = own.result.get("items", {}), ext.result.get("items", {})
    items = []
    for item_code in sorted(set(s_items) | set(e_items), key=lambda c: [int(x) for x in c.split(".")]):
        sc, sp = (Decimal(x) for x in s_items[item_code]) if item_code in s_items else (None, None)
        ec, ep = (Decimal(x) for x in e_items[item_code]) if item_code in e_items else (None, None)
        items.append(
            ItemComparison(
                code=item_code,
                title=titles.get(item_code, item_code),
                self_cap=None if sc is None else num(sc),
                self_points=None if sp is None else num(sp),
                external_cap=None if ec is None else num(ec),
                external_points=None if ep is None else num(ep),
                difference=None if sp is None or ep is None else num(ep - sp),
                facts_differ=own.facts.get(item_code) != ext.facts.get(item_code),
            )
        )
    groups = []
    for sg, eg in zip(own.result.get("groups", []), ext.result.get("groups", []), strict=False):
        groups.append(
            {
                "code": sg["code"],
                "self": {"points": sg["points"], "level": sg["level"]},
                "external": {"points": eg["points"], "level": eg["level"]},
            }
        )
    return Comparison(
        school_code=code,
        school_year=year,
        self_version=own.version,
        external_version=ext.version,
        groups=groups,
        items=items,
    )
