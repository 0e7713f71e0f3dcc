"""Browser tests: the embedded run (every service, the demo province, the web app) served by
uvicorn on a local port in a background thread, driven by Debian's Chromium through Playwright.

Chromium comes from the system (`apt-get install chromium`; `make test` installs it when
missing): browser downloads are not available here. In CI its absence fails the run."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from services.run import embedded
from tests.demo import DEMO_PASSWORD, copy_of

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe-core-4.10.3" / "axe.min.js"
SHOTS = Path(__file__).parents[2] / "docs" / "web"
# the demo's people sign in with the data directory's own password: the seeded copy's (tests/demo.py)
PASSWORD = DEMO_PASSWORD
YEAR = "2024-2025"


def _free_port() -> int:
    """A port the system hands out, so two runs on one machine never collide."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.ready = threading.Event()
        self.server: uvicorn.Server | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by the fixture, not lost in the thread
            self.error = exc
            self.ready.set()

    async def _serve(self) -> None:
        # every browser and API login of the suite comes from 127.0.0.1: the per-address sign-in
        # bucket would refuse them (429). That bucket is tested in tests/gateway; here it is raised
        # while the embedded run reads its settings, and the environment restored right after.
        run = embedded(self.data_dir)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("GATEWAY_LOGIN_BURST", "10000")
            mp.setenv("GATEWAY_LOGIN_RATE_PER_SECOND", "1000")
            e = await run.__aenter__()
        try:
            config = uvicorn.Config(
                e.app, host="127.0.0.1", port=self.port, lifespan="off", log_config=None, access_log=False
            )
            self.server = uvicorn.Server(config)
            server = self.server
            started = server.startup

            async def startup(sockets: Any = None) -> None:
                await started(sockets)
                self.ready.set()

            server.startup = startup  # type: ignore[method-assign]
            await server.serve()
        finally:
            await run.__aexit__(None, None, None)

    def __enter__(self) -> Server:
        self.thread.start()
        self.ready.wait(120)
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.thread.join(30)

    def token(self, username: str) -> dict[str, str]:
        r = httpx.post(f"{self.url}/auth/login", json={"username": username, "password": PASSWORD})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="package")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(copy_of(demo_template, tmp_path_factory.mktemp("web") / "data")) as s:
        yield s


# package scope: the sync API keeps its event loop running in this thread until it closes, so it
# must be gone before any asyncio test of another package runs
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or not shutil.which("chromium"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required for the browser tests (apt-get install -y chromium)")
        pytest.skip("Chromium is not installed (make test installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 900}, locale="vi-VN"
    )
    p = context.new_page()
    p.set_default_timeout(15_000)
    refused: list[str] = []  # what the Content-Security-Policy blocked: a CDN or an inline script
    p.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield p
    context.close()
    assert not refused, refused


def sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Đăng nhập")
    page.wait_for_load_state("networkidle")


def sign_out(page: Any) -> None:
    page.click("text=Đăng xuất")
    page.wait_for_url("**/login")


def axe_check(page: Any) -> None:
    """axe-core on the page as it stands: no serious or critical violation; no untranslated label."""
    page.wait_for_load_state("networkidle")
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    bad = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: {json.dumps(bad, ensure_ascii=False)}"
    # a label the translation table lacks shows as its key ("a_edit"): none may reach a person
    labels = page.locator("button, a, label, th, h1, h2, h3").all_inner_texts()
    keys = [text for text in labels if re.fullmatch(r"[a-z]+(_[a-z-]+)+", text.strip())]
    assert not keys, f"{page.url}: untranslated labels {keys}"


def shot(page: Any, name: str, full: bool = False, at: str | None = None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if at is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        page.locator(at).scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -60)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def make_user(server: Server, username: str, role: str, school: str) -> str:
    """A person of one school, created through the admin API (the demo has one school's people)."""
    body = {
        "username": username,
        "name": f"{role} {school}",
        "password": PASSWORD,
        "roles": [role],
        "schools": [school],
    }
    r = httpx.post(f"{server.url}/admin/v1/users", json=body, headers=server.token("admin"))
    assert r.status_code in (201, 409), r.text
    return username
