"""One error code per situation, and `Accept-Language` choosing the language of a problem's
`title` and `detail` (its `message` keeps both)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.scoring.config import ScoringSettings
from services.scoring.main import create_app
from shared.errors import language


@pytest.fixture
async def scoring() -> AsyncIterator[httpx.AsyncClient]:
    # not started: the frameworks route answers a 404 without a database
    app = create_app(ScoringSettings(internal_secret="test-internal-secret", environment="test"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as c:
        yield c


@pytest.mark.parametrize(
    ("header", "want"),
    [
        ("", "en"),
        ("vi", "vi"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("en-US,en;q=0.9,vi;q=0.8", "en"),
        ("fr, vi;q=0.5", "vi"),
        ("vi;q=0.2, en;q=0.7", "en"),
        ("de", "en"),
    ],
)
def test_language_follows_the_q_values(header, want):
    req = httpx.Request("GET", "http://x", headers={"Accept-Language": header})

    class _R:
        headers = req.headers

    assert language(_R()) == want  # type: ignore[arg-type]


async def test_problem_title_and_detail_follow_accept_language(scoring):
    url = "/api/v1/frameworks/nope"
    en = await scoring.get(url)
    vi = await scoring.get(url, headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert en.status_code == vi.status_code == 404
    assert en.headers["content-language"] == "en"
    assert vi.headers["content-language"] == "vi"
    assert vi.json()["title"] == "Không tìm thấy"
    assert vi.json()["detail"] == vi.json()["message"]["vi"]
    assert en.json()["detail"] == en.json()["message"]["en"]
    assert en.json()["message"] == vi.json()["message"]  # both languages stay in the body
    bad = await scoring.post(
        "/api/v1/frameworks/qd4725-2022/score", json={"school_levels": []}, headers={"Accept-Language": "vi"}
    )
    assert bad.status_code == 422
    assert bad.json()["title"] == "Dữ liệu không hợp lệ"
