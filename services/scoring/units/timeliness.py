"""The CSDL timeliness of a unit's schools, read from the sync service (which holds the receipt
times) over the same client scoring reads the deadline calendar with.

Sync is asked with the caller's own principal, so it applies the caller's scope exactly as its
public route does; scoring then counts, among the schools placed under the unit, those whose
result stands in CSDL on time. Sync not answering is a 503 (`timeliness_unavailable`): a unit's
score with the indicator silently at 0 would be a wrong figure, not a partial one."""

from __future__ import annotations

import httpx

from services.scoring.assessments.calendar import Calendar
from shared.errors import Problem
from shared.i18n import msg
from shared.pagination import MAX_LIMIT
from shared.principal import HEADER, Principal, sign_principal

ROUTE = "/api/v1/sync/timeliness"


class TimelinessUnavailable(Problem):
    status = 503
    title = "Service unavailable"
    code = "timeliness_unavailable"
    message = msg(
        "Không đọc được tình hình nộp đúng hạn từ dịch vụ đồng bộ; hãy thử lại sau.",
        "The on-time figures cannot be read from the sync service; try again later.",
    )


class SyncTimeliness:
    """`calendar.http` is read at each call: the embedded run connects it after scoring starts."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar

    @property
    def wired(self) -> bool:
        return self.calendar.http is not None

    async def on_time(self, p: Principal, year: str, kind: str, province: str | None) -> set[str]:
        """The codes of the schools (in the caller's scope) whose result reached CSDL on time."""
        http = self.calendar.http
        assert http is not None
        params: dict[str, str | int] = {
            "school_year": year,
            "kind": kind,
            "limit": MAX_LIMIT,
            **({"province": province} if province else {}),
        }
        headers = {HEADER: sign_principal(p, self.calendar.secret, ttl=60)}
        found: set[str] = set()
        try:
            while True:  # every page: the rows come a page at a time by school code
                r = await http.get(ROUTE, params=params, headers=headers)
                r.raise_for_status()
                page = r.json()
                found.update(s["school_code"] for s in page["items"] if s["status"] == "on_time")
                if not page.get("next_cursor"):
                    return found
                params["cursor"] = page["next_cursor"]
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as e:
            raise TimelinessUnavailable() from e
