"""How operations are named, tagged and secured in the OpenAPI document.

The naming rule: an operation's id is its route function's name in lowerCamelCase (`get_plan` →
`getPlan`), unless the name alone does not say what it does across the whole API (`status`,
`content`, `delete`), then the table below names it. Ids are unique across the merged document
(a test checks it), short and stable: a generated client's method names come from them.
"""

from __future__ import annotations

import re

from shared.principal import Role

OPERATION_IDS: dict[str, str] = {
    "readyz": "checkReadiness",
    "healthz": "checkHealth",
    "token": "issueToken",
    "login": "logIn",
    "token_info": "getTokenInfo",
    "year_on_year": "getUnitYearOnYear",
    "transitions": "getUnitTransitions",
    "self_vs_external": "getUnitSelfVsExternal",
    "good_models": "listGoodModels",
    "unit_assessment": "getUnitAssessment",
    "comparison": "compareAssessments",
    "submit": "submitAssessment",
    "approve": "approveAssessment",
    "return_": "returnAssessment",
    "accept": "acceptAssessment",
    "request_external": "requestExternalAssessment",
    "conclude": "concludeAssessment",
    "reopen": "reopenAssessment",
    "recognise": "recogniseAssessment",
    "audit": "getAssessmentAudit",
    "bulk_assessments": "bulkPutAssessments",
    "unit_summary": "getUnitSummary",
    "summaries": "getSummaries",
    "schools": "listDashboardSchools",
    "upload": "uploadEvidence",
    "catalogue": "listEvidence",
    "add_link": "addEvidenceLink",
    "check_link": "checkEvidenceLink",
    "metadata": "getEvidence",
    "delete": "deleteEvidence",
    "content": "downloadEvidence",
    "replace": "replaceEvidence",
    "status": "getSyncStatus",
    "manual_resend": "resendDelivery",
    "calendar": "getDeadlines",
    "at_risk_list": "listAtRisk",
    "timeliness_report": "getTimeliness",
    "subscriptions": "listWebhooks",
    "subscribe": "createWebhook",
    "unsubscribe": "deleteWebhook",
    "delivery_log": "listWebhookDeliveries",
    "run_now": "runReconciliation",
    "flagged": "listReconciliationFlags",
}


def operation_id(route_name: str) -> str:
    if route_name in OPERATION_IDS:
        return OPERATION_IDS[route_name]
    head, *rest = route_name.strip("_").split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


# Operations anyone may call without a token (everything else needs `Authorization: Bearer`).
PUBLIC: frozenset[str] = frozenset(
    {
        "checkHealth",
        "checkReadiness",
        "issueToken",
        "logIn",
        "listFrameworks",
        "getFramework",
        "getFactsSchema",
        "previewScore",
        "publicResults",
    }
)

# OAuth2 scopes of an API client's token: what kind of operation the token may call. A scope
# narrows, never widens: the client's roles and org scope still decide what it may do and see.
ADMIN_SCOPE = "admin"
SCOPES: dict[str, str] = {
    "assessments:read": "Read assessments, their audit, next level, plans and comparisons",
    "assessments:write": "Write drafts (PUT, bulk), plans, and workflow actions the roles allow",
    "evidence:read": "List and download evidence",
    "evidence:write": "Upload, link, replace and delete evidence",
    "org:read": "Read the org registry (units and schools in reach)",
    "org:write": "Change the org registry (admins)",
    "records:read": "Councils, teams, publication links, rosters and the cycle's papers",
    "records:write": "Write councils, teams and publication links",
    "reports:read": "Dashboards, insights and the GraphQL API",
    "sync:read": "Delivery status, deadlines, at-risk lists, timeliness, exports",
    "sync:write": "Re-send deliveries, set deadlines, announce, reconcile, reminder contacts",
    "webhooks:read": "List webhook subscriptions and their deliveries",
    "webhooks:write": "Subscribe and unsubscribe webhooks",
    "imports:read": "Excel templates and import job status",
    "imports:write": "Upload Excel workbooks",
    ADMIN_SCOPE: "The admin API (clients, users, jobs); only a client with the admin role",
}

# (path pattern, scope to read, scope to change): the first match decides. Public operations
# need no scope; `/oauth/token_info` answers any token.
_READ = frozenset({"GET", "HEAD", "OPTIONS"})
_SCHOOL = r"/api/v1/schools/[^/]+"
SCOPE_OF_PATH: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern), read, write)
    for pattern, read, write in (
        (r"^/admin/", ADMIN_SCOPE, ADMIN_SCOPE),
        (r"^/api/v1/org/", "org:read", "org:write"),
        (rf"^{_SCHOOL}/assessments/", "assessments:read", "assessments:write"),
        (r"^/api/v1/bulk/", "assessments:write", "assessments:write"),
        (rf"^{_SCHOOL}/evidence(/|$)", "evidence:read", "evidence:write"),
        (r"^/api/v1/evidence/", "evidence:read", "evidence:write"),
        (rf"^{_SCHOOL}/", "records:read", "records:write"),
        (r"^/api/v1/units/", "records:read", "records:write"),
        # a batch of summaries is asked for with POST, but it reads
        (r"^/api/v1/(dashboard|insights)/", "reports:read", "reports:read"),
        (r"^/graphql(/|$)", "reports:read", "reports:read"),
        (r"^/api/v1/sync/webhooks(/|$)", "webhooks:read", "webhooks:write"),
        (r"^/api/v1/sync/", "sync:read", "sync:write"),
        (r"^/api/v1/imports/", "imports:read", "imports:write"),
    )
)


def scope_for(method: str, path: str) -> str | None:
    """The scope an operation needs of a client's token (None: any token, or none)."""
    for pattern, read, write in SCOPE_OF_PATH:
        if pattern.match(path):
            return read if method.upper() in _READ else write
    return None


def client_scopes(roles: frozenset[str] | set[str]) -> frozenset[str]:
    """The scopes an API client may be granted: every scope, `admin` only with the admin role."""
    return frozenset(s for s in SCOPES if s != ADMIN_SCOPE or Role.ADMIN.value in roles)


TAGS: dict[str, str] = {
    "authentication": "Tokens: OAuth2 client credentials for vendors' systems, login for people.",
    "frameworks": "The assessment frameworks (Decision 4725 and provincial overlays), their facts "
    "vocabulary as JSON Schema, and the public score preview.",
    "org registry": "Sở, Phòng and schools: the org hierarchy every access is scoped by.",
    "assessments": "A school's self-assessment and external assessment for a school year, and "
    "their workflow (submit, approve, accept, conclude, recognise).",
    "bulk": "Many assessments written in one call (a vendor's nightly upload).",
    "insights": "Next level, improvement plans, year on year, self vs external, good models.",
    "dashboard": "Aggregates for Phòng and Sở dashboards.",
    "evidence": "Minh chứng: files and links attached to an assessment's items.",
    "deliveries": "Delivery of results to CSDL ngành and its status.",
    "deadlines": "The national and provincial calendar, at-risk schools, timeliness.",
    "webhooks": "Subscriptions that push events to a vendor's endpoint (see the webhooks section).",
    "reconciliation": "Differences between our records and CSDL ngành.",
    "exports": "Workbooks of results for the Sở.",
    "records": "The cycle's records: the school's self-assessment council, the external-assessment "
    "teams and their schedule.",
    "publication": "Where a school or unit published its result, and the public listing of "
    "recognised results (no token).",
    "papers": "The cycle's documents (PDF for the record, DOCX to edit) and the Sở's results workbook.",
    "excel in": "Excel templates and uploads for schools without a vendor: dry run, then commit.",
    "reminders": "The addresses e-mail reminders go to before each deadline.",
    "admin": "API clients, their secrets, and local users (admins only).",
    "health": "Liveness and readiness.",
}

# Response headers operations send, by operation id.
ETAG: frozenset[str] = frozenset(
    {
        "getFramework",
        "getFactsSchema",
        "getAssessment",
        "putAssessment",
        "submitAssessment",
        "approveAssessment",
        "returnAssessment",
        "acceptAssessment",
        "requestExternalAssessment",
        "concludeAssessment",
        "reopenAssessment",
        "recogniseAssessment",
        "downloadEvidence",
    }
)
NOT_MODIFIED: frozenset[str] = frozenset(
    {"getFramework", "getFactsSchema", "getAssessment", "downloadEvidence"}
)
PARTIAL: frozenset[str] = frozenset({"downloadEvidence"})
CREATED_ON_PUT: frozenset[str] = frozenset({"putAssessment"})
LOCATION: frozenset[str] = frozenset({"uploadEvidence", "addEvidenceLink", "replaceEvidence"})
# Operations whose errors are RFC 6749 §5.2 answers (OAuth client libraries parse those), not
# problem+json; FastAPI's form parsing never answers them with a 422.
OAUTH_ERRORS: frozenset[str] = frozenset({"issueToken"})
# Operations that honour `Idempotency-Key` (shared/idempotency.py) and mark replays.
IDEMPOTENT: frozenset[str] = frozenset(
    {
        "submitAssessment",
        "approveAssessment",
        "returnAssessment",
        "acceptAssessment",
        "requestExternalAssessment",
        "concludeAssessment",
        "reopenAssessment",
        "recogniseAssessment",
        "bulkPutAssessments",
        "uploadEvidence",
        "addEvidenceLink",
    }
)
