"""Pages opened the way different readers open them, and what axe-core thinks of them."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.browser.chromium import AXE

if TYPE_CHECKING:  # only types: without Playwright, conftest skips with a reason instead
    from playwright.async_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Response,
    )

PHONE = {"width": 390, "height": 844}
ACTION_TIMEOUT_MS = 10_000  # a page on 127.0.0.1 answers in milliseconds; fail fast, not in 30 s


@dataclass
class Traffic:
    """What one tab asked for, what it did not get, and what the browser complained about."""

    requests: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, page: Page) -> Traffic:
        traffic = cls()
        page.on("request", lambda request: traffic.requests.append(request.url))
        page.on("response", traffic._answered)
        page.on("requestfailed", lambda request: traffic.broken.append(f"failed {request.url}"))
        page.on("console", traffic._console)
        page.on("pageerror", lambda error: traffic.errors.append(f"script error: {error}"))
        return traffic

    def _answered(self, response: Response) -> None:
        # A page's own status is the test's to judge; its resources must all arrive.
        if response.status >= 400 and response.request.resource_type != "document":
            self.broken.append(f"{response.status} {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        # CSP refusals land here; failed loads are already in `broken` (or the page's status).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)


@dataclass
class Visit:
    """A page as one kind of reader saw it."""

    page: Page
    status: int
    traffic: Traffic


class Reader:
    """Opens pages the way a given reader would: language, JavaScript, screen, colour scheme."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []

    async def context(
        self,
        *,
        lang: str = "en",
        javascript: bool = True,
        phone: bool = False,
        dark: bool = False,
        bypass_csp: bool = False,
    ) -> BrowserContext:
        options: dict[str, Any] = {
            "locale": lang,
            "extra_http_headers": {"Accept-Language": lang},
            "java_script_enabled": javascript,
            "color_scheme": "dark" if dark else "light",
            "bypass_csp": bypass_csp,
        }
        if phone:
            options |= {"viewport": PHONE, "is_mobile": True, "has_touch": True}
        context = await self.browser.new_context(**options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.contexts.append(context)
        return context

    async def visit(self, url: str, *, settled: bool = False, **options: Any) -> Visit:
        """Open `url` in a fresh context; `settled` also waits for half a second of network
        silence, to catch what scripts fetch after the load event."""
        context = await self.context(**options)
        page = await context.new_page()
        traffic = Traffic.of(page)
        response = await page.goto(url, wait_until="networkidle" if settled else "load")
        assert response is not None, f"no response for {url}"
        return Visit(page, response.status, traffic)

    async def close(self) -> None:
        for context in self.contexts:
            with suppress(Exception):
                await context.close()


async def axe_violations(reader: Reader, url: str, **options: Any) -> list[str]:
    """axe-core's serious and critical findings on `url`, one readable line per rule.

    axe is injected as an inline script, which the pages' CSP forbids: this context alone
    bypasses the CSP; every other test sees the policy the server sends.
    """
    context = await reader.context(bypass_csp=True, **options)
    page = await context.new_page()
    await page.goto(url)
    return await axe_findings(page)


async def axe_findings(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (its context must
    bypass the CSP)."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await axe.run(document)")
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def log_in_with_link(page: Page, login_url: str, name: str, password: str) -> None:
    """What a new editor does with the link `fedhub user create` printed: press the button
    (link previews must not spend the link), then choose a password."""
    origin = login_url.split("/login/")[0]
    await page.goto(login_url)
    await page.get_by_role("button", name=name).click()
    await page.wait_for_url(f"{origin}/account/password")
    await page.get_by_label("New password", exact=True).fill(password)
    await page.get_by_label("New password, again").fill(password)
    await page.get_by_role("button", name="Save the password").click()
    await page.wait_for_url(f"{origin}/account?password=saved")
