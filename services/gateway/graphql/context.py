"""The per-request GraphQL context: the caller, the upstreams and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from services.gateway.graphql.loaders import UnitIndex, summary_loader
from services.gateway.graphql.sync import TimelinessKey, timeliness_loader
from services.gateway.graphql.unit_schools import Key, unit_schools_loader
from services.gateway.graphql.unit_scope import SchoolIndex
from services.gateway.graphql.upstream import Upstream
from shared.principal import Principal


@dataclass
class Context(BaseContext):
    principal: Principal
    scoring: Upstream
    sync: Upstream
    units: UnitIndex
    children: DataLoader[str, list[dict[str, Any]]]
    unit: DataLoader[str, dict[str, Any] | None]
    summaries: DataLoader[tuple[str, str], dict[str, Any] | None]
    timeliness: DataLoader[TimelinessKey, dict[str, Any] | None]
    schools_index: SchoolIndex
    unit_schools: DataLoader[Key, dict[str, Any]]

    def __post_init__(self) -> None:
        super().__init__()


def build_context(principal: Principal, upstreams: dict[str, Any], secret: str) -> Context:
    scoring = Upstream("scoring", upstreams.get("scoring"), principal, secret)
    sync = Upstream("sync", upstreams.get("sync"), principal, secret)
    index = UnitIndex(scoring)
    return Context(
        principal=principal,
        scoring=scoring,
        sync=sync,
        units=index,
        children=DataLoader(load_fn=index.children),
        unit=DataLoader(load_fn=index.units),
        summaries=summary_loader(scoring),
        timeliness=timeliness_loader(sync),
        schools_index=SchoolIndex(scoring, index),
        unit_schools=unit_schools_loader(scoring, index),
    )
