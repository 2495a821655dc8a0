"""Screenshots of fedhub's main pages for the README, taken from real running instances.

Run by hand from the repository's root after a change to the pages (not in CI):

    .venv/bin/python docs/screenshots/take.py

It starts the same two instances the browser tests use (a demo group, and a second instance
that follows it) in a temporary folder, drives Debian's Chromium and writes the PNGs here.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # run as a script: make `tests.browser` importable

from playwright.async_api import async_playwright  # noqa: E402

from tests.browser.chromium import launch_options  # noqa: E402
from tests.browser.instances import Sites, started_sites  # noqa: E402
from tests.browser.readers import log_in_with_link  # noqa: E402

DESKTOP = {"width": 1100, "height": 900}
PHONE = {"width": 390, "height": 844}
# file name → (page, interface language, phone?)
SHOTS = {
    "home": ("home", "en", False),
    "home-ar": ("home", "ar", False),
    "group": ("group", "en", False),
    "article": ("article", "en", False),
    "article-ar": ("article", "ar", False),
    "event": ("event", "en", False),
    "event-ar": ("event", "ar", False),
    "network": ("network", "en", False),
    "group-phone": ("group", "en", True),
    "login": ("login", "en", False),
}
# What an editor sees once logged in: file name → path under /editor/demo
EDITOR = {"editor": "", "editor-article": "/articles/new", "editor-event": "/events/new"}


async def take(sites: Sites) -> list[Path]:
    written = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        for name, (page_name, lang, phone) in SHOTS.items():
            context = await browser.new_context(
                locale=lang,
                extra_http_headers={"Accept-Language": lang},
                viewport=PHONE if phone else DESKTOP,
                is_mobile=phone,
                device_scale_factor=2 if phone else 1,
            )
            page = await context.new_page()
            url = f"{sites.hub.origin}/login" if page_name == "login" else sites.pages[page_name]
            await page.goto(url, wait_until="networkidle")
            path = HERE / f"{name}.png"
            await page.screenshot(path=str(path), full_page=not phone)
            written.append(path)
            await context.close()

        context = await browser.new_context(viewport=DESKTOP, locale="en")
        page = await context.new_page()
        link = sites.hub.cli("user", "create", "screenshots", "--role", "editor", "--group", "demo")
        await log_in_with_link(
            page, link.split()[-1], "screenshots", "screenshots only, thrown away"
        )
        for name, path_under in EDITOR.items():
            await page.goto(f"{sites.hub.origin}/editor/demo{path_under}", wait_until="networkidle")
            path = HERE / f"{name}.png"
            await page.screenshot(path=str(path), full_page=True)
            written.append(path)
        await browser.close()
    return written


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="fedhub-screenshots-") as folder,
        started_sites(Path(folder)) as sites,
    ):
        for path in asyncio.run(take(sites)):
            print(path)


if __name__ == "__main__":
    main()
