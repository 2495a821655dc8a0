"""One Chromium per session, driving real `fedhub serve` processes over 127.0.0.1.

The browser is Debian's `chromium` (Playwright cannot download its own here), and axe-core
comes from npm (tests/browser/package-lock.json). Without them the tests skip and say why;
with FEDHUB_REQUIRE_BROWSER=1 (.ci/run sets it) they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Generator, Iterator
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from tests.browser.chromium import AXE, CHROMIUM, launch_options
from tests.browser.instances import Sites, started_sites
from tests.browser.readers import Reader

try:
    from playwright.async_api import async_playwright
except ImportError:  # reported by browser_or_skip(), so a missing package is a clear skip/fail
    async_playwright = None

if TYPE_CHECKING:
    from playwright.async_api import Browser


def browser_or_skip() -> None:
    """Chromium, Playwright and axe-core, or a skip saying how to get them (a failure in CI)."""
    missing = []
    if async_playwright is None:
        missing.append("the `playwright` package is not installed: pip install -e '.[test]'")
    if not CHROMIUM.is_file():
        missing.append(f"no Chromium at {CHROMIUM}: apt-get install chromium (or FEDHUB_CHROMIUM)")
    if not AXE.is_file():
        missing.append("axe-core is not installed: run `npm ci --prefix tests/browser`")
    if missing:
        reason = "browser tests: " + "; ".join(missing)
        if os.environ.get("FEDHUB_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (FEDHUB_REQUIRE_BROWSER=1)")
        pytest.skip(reason)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    browser_or_skip()
    assert async_playwright is not None
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(**launch_options())
        yield chromium
        await chromium.close()


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    """Two real instances for the whole session (SQLite: what a browser sees does not depend
    on the database, and the database tests run both)."""
    browser_or_skip()
    with started_sites(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def reader(browser: Browser) -> AsyncIterator[Reader]:
    opened = Reader(browser)
    yield opened
    await opened.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing browser test shows what the servers logged: a 500 page says little by itself."""
    report = yield
    running = getattr(item, "funcargs", {}).get("sites")
    if report.failed and isinstance(running, Sites):
        report.sections.append(("fedhub serve logs", running.logs()))
    return report
