"""What the gateway's merged OpenAPI document adds to the services' documents: servers, the
security schemes with their OAuth2 scopes (the roles), the rate-limit headers and 429 on every
operation (`shared.openapi.finish`), and the webhooks section documenting every payload a
subscriber receives."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.openapi import finish
from shared.openapi.examples import fill
from shared.openapi.naming import SCOPES

SERVERS = [
    {"url": "http://127.0.0.1:8000", "description": "The embedded run (`make run`)"},
    {
        "url": "https://{host}",
        "description": "A deployment",
        "variables": {"host": {"default": "chiso.moet.gov.vn", "description": "the gateway's host name"}},
    },
]


class DeliveryEventData(BaseModel):
    """A result delivered to (or refused by) CSDL ngành."""

    school_code: str = Field(examples=["79100001"])
    school_year: str = Field(examples=["2024-2025"])
    kind: Literal["self", "external"]
    version: int = Field(examples=[3])
    receipt_id: str | None = Field(default=None, examples=["csdl-rcpt-000123"])
    recorded_at: str | None = Field(default=None, examples=["2025-05-31T08:00:00+00:00"])
    error: str | None = Field(default=None, description="why CSDL ngành refused it (`sync.failed`)")


class AtRiskEventData(BaseModel):
    """A school that may miss a deadline (sent daily while it is at risk)."""

    school_year: str = Field(examples=["2024-2025"])
    kind: Literal["self", "external"]
    school_code: str = Field(examples=["79100001"])
    model_config = {"extra": "allow"}


class AssessmentEventData(BaseModel):
    """A workflow step of an assessment (submitted, approved, returned, accepted, concluded,
    recognised, reopened); `returned` carries `reason` and `item_comments`."""

    school_code: str = Field(examples=["79100001"])
    school_year: str = Field(examples=["2024-2025"])
    kind: Literal["self", "external"]
    model_config = {"extra": "allow"}


EVENTS: dict[str, type[BaseModel]] = {
    "sync.delivered": DeliveryEventData,
    "sync.failed": DeliveryEventData,
    "deadline.at_risk": AtRiskEventData,
    **{
        f"assessment.{step}": AssessmentEventData
        for step in ("submitted", "approved", "returned", "accepted", "concluded", "recognised", "reopened")
    },
}
SIGNATURE_HEADERS = {
    "webhook-id": "The delivery's id; the same on every retry (deduplicate on it)",
    "webhook-timestamp": "Unix seconds when this attempt was signed; refuse one older than 5 minutes",
    "webhook-signature": "`v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>` (Standard Webhooks)",
}


def _webhook(event: str, data: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = data.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas[data.__name__] = schema
    envelope = {
        "type": "object",
        "required": ["id", "event", "data"],
        "properties": {
            "id": {"type": "string", "description": "the delivery's id"},
            "event": {"const": event},
            "data": {"$ref": f"#/components/schemas/{data.__name__}"},
        },
    }
    headers = [
        {"name": n, "in": "header", "required": True, "description": d, "schema": {"type": "string"}}
        for n, d in SIGNATURE_HEADERS.items()
    ]
    return {
        "post": {
            "operationId": "on" + "".join(w.title() for w in event.replace(".", "_").split("_")),
            "summary": f"`{event}` sent to a subscriber's URL",
            "tags": ["webhooks"],
            "security": [],
            "parameters": headers,
            "requestBody": {"required": True, "content": {"application/json": {"schema": envelope}}},
            "responses": {
                "200": {
                    "description": "Received (any 2xx); anything else, a refused signature "
                    "included, is retried with backoff"
                },
            },
        }
    }


def finish_gateway(doc: dict[str, Any]) -> dict[str, Any]:
    doc["servers"] = SERVERS
    doc.setdefault("info", {})["license"] = {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"}
    components = doc.setdefault("components", {})
    components["securitySchemes"] = {
        "oauth2": {
            "type": "oauth2",
            "description": "Vendors' systems: client credentials. Each operation names the scope it "
            "needs; a token asked for with `scope` has only those (without it, every scope the "
            "client may have). Scopes narrow what a token may call; the client's roles and org "
            "scope still decide what it may do and see.",
            "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": SCOPES}},
        },
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A person's token from `POST /auth/login` (or an OIDC provider's)",
        },
    }
    schemas = components.setdefault("schemas", {})
    doc["webhooks"] = {event: _webhook(event, data, schemas) for event, data in EVENTS.items()}
    finish(doc, gateway=True)
    for hook in doc["webhooks"].values():
        for media in hook["post"]["requestBody"]["content"].values():
            fill(media, doc)
    _prune(doc)
    return doc


def _prune(doc: dict[str, Any]) -> None:
    """Drop the schemas no forwarded operation uses (the services' internal endpoints' models)."""
    schemas: dict[str, Any] = doc["components"]["schemas"]
    live: set[str] = set()
    todo = [json.dumps({k: v for k, v in doc.items() if k != "components"})]
    todo.append(json.dumps({k: v for k, v in doc["components"].items() if k != "schemas"}))
    while todo:
        for name in re.findall(r"#/components/schemas/([^\"]+)", todo.pop()):
            if name not in live and name in schemas:
                live.add(name)
                todo.append(json.dumps(schemas[name]))
    for name in set(schemas) - live:
        del schemas[name]
