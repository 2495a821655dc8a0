"""The editors' story in a real Chromium, with JavaScript on and off: log in with the one-time
link, publish an article in two languages with a PDF attached and an event, and find both on
the network page of another instance that follows the group."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.browser.instances import Sites, async_wait_until
from tests.browser.readers import Reader, Traffic, axe_findings, log_in_with_link

pytestmark = pytest.mark.asyncio(loop_scope="session")

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


async def new_editor(sites: Sites, name: str) -> str:
    """An editor of the demo group, made with the CLI; returns the one-time login link."""
    out = await asyncio.to_thread(
        sites.hub.cli, "user", "create", name, "--role", "editor", "--group", "demo"
    )
    link = out.split()[-1]
    assert link.startswith(f"{sites.hub.origin}/login/"), out
    return link


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_an_editor_publishes_and_a_following_instance_shows_it(
    sites: Sites, reader: Reader, tmp_path: Path, javascript: bool
) -> None:
    mode = "js" if javascript else "nojs"
    hub, follower = sites.hub, sites.reader
    login_url = await new_editor(sites, f"editor_{mode}")

    context = await reader.context(javascript=javascript)
    page = await context.new_page()
    traffic = Traffic.of(page)

    await log_in_with_link(page, login_url, f"editor_{mode}", "four unrelated words here")

    # An article in English with a PDF, then its Ukrainian translation.
    title = f"Shelter network opens in Lviv ({mode})"
    await page.goto(f"{hub.origin}/editor/demo")
    await page.get_by_role("link", name="New article").click()
    form = page.locator("form.stack")
    await form.get_by_label("Language", exact=True).fill("en")
    await form.get_by_label("Title", exact=True).fill(title)
    await form.get_by_label("Text", exact=True).fill(
        "Twelve flats are ready for people who had to **flee**."
    )
    await form.get_by_label("Tags", exact=True).fill("shelter lviv")
    pdf = tmp_path / "shelter-rules.pdf"
    pdf.write_bytes(PDF)
    await form.get_by_label("Attach files").set_input_files(pdf)
    await page.get_by_role("button", name="Publish").click()
    await page.get_by_role("status").filter(has_text="Published").wait_for()

    row = page.get_by_role("row").filter(has_text=title)
    await row.get_by_role("link", name="Add a translation").click()
    form = page.locator("form.stack")
    await form.get_by_label("Language of the translation").fill("uk")
    uk_title = f"У Львові відкрилася мережа прихистків ({mode})"
    await form.get_by_label("Title", exact=True).fill(uk_title)
    await form.get_by_label("Text", exact=True).fill(
        "Дванадцять квартир готові для людей, які мусили тікати."
    )
    await page.get_by_role("button", name="Add translation").click()
    await page.get_by_role("status").filter(has_text="Translation added").wait_for()

    # An event in Kyiv's time zone, at a place.
    event = f"Legal clinic for displaced people ({mode})"
    await page.get_by_role("link", name="New event").click()
    form = page.locator("form.stack")
    await form.get_by_label("Language", exact=True).fill("en")
    await form.get_by_label("Title", exact=True).fill(event)
    await form.get_by_label("Starts", exact=True).fill("2027-03-05T18:00")
    await form.get_by_label("Ends", exact=True).fill("2027-03-05T20:00")
    await form.get_by_label("Time zone", exact=True).select_option("Europe/Kyiv")
    await form.get_by_label("Place", exact=True).fill("Community Centre")
    await form.get_by_label("Address", exact=True).fill("1 Svobody Avenue, Lviv")
    await page.get_by_role("button", name="Publish").click()
    await page.get_by_role("status").filter(has_text="Published").wait_for()

    # The public article: both languages and the PDF.
    await page.goto(f"{hub.origin}/editor/demo")
    await page.get_by_role("link", name=title).click()
    await page.get_by_role("heading", name=title).wait_for()
    pdf_link = page.locator("main a[href$='shelter-rules.pdf']")
    assert await pdf_link.count() >= 1
    assert f"editor_{mode}" not in await page.content(), "an editor's name on a public page"
    await page.locator("main a[hreflang='uk'], main a[href*='lang=uk']").first.click()
    await page.get_by_role("heading", name=uk_title).wait_for()
    assert traffic.errors == [], "what the browser complained about"
    assert [url for url in traffic.requests if not url.startswith(hub.origin + "/")] == []

    # The following instance received both, and its network page shows them to a reader.
    async def arrived() -> bool:
        names = {item["name"] for item in await asyncio.to_thread(follower.network)}
        return title in names and event in names

    await async_wait_until(arrived, "the article and the event on the following instance")
    visit = await reader.visit(f"{follower.origin}/network", javascript=javascript)
    assert await visit.page.get_by_role("link", name=title).is_visible()
    assert await visit.page.get_by_role("link", name=event).is_visible()
    # The reader narrows it to events with the filter form (a plain GET form).
    filters = visit.page.get_by_role("search")
    await filters.get_by_label("Type", exact=True).select_option("event")
    await filters.get_by_role("button", name="Show").click()
    await visit.page.wait_for_url("**/network?*type=event*")
    assert await visit.page.get_by_role("link", name=event).is_visible()
    assert await visit.page.get_by_role("link", name=title).count() == 0
    assert visit.traffic.errors == []


async def test_the_editors_pages_pass_axe(sites: Sites, reader: Reader) -> None:
    """Login, dashboard and the forms, including one refused with its errors shown."""
    context = await reader.context(bypass_csp=True)
    page = await context.new_page()
    findings = []
    await page.goto(f"{sites.hub.origin}/login")
    findings += await axe_findings(page)
    await log_in_with_link(page, await new_editor(sites, "editor_axe"), "editor_axe", "a b c d e f")
    for path in ("", "/articles/new", "/events/new", "/followers", "/following"):
        await page.goto(f"{sites.hub.origin}/editor/demo{path}")
        findings += await axe_findings(page)
    # A refused form: the browser's own checks are skipped to reach the server's.
    await page.goto(f"{sites.hub.origin}/editor/demo/events/new")
    await page.locator("form.stack").evaluate("form => form.noValidate = true")
    await page.get_by_role("button", name="Publish").click()
    await page.get_by_role("alert").wait_for()
    findings += await axe_findings(page)
    assert findings == [], "axe-core on the editors' pages:\n" + "\n".join(findings)
