"""The admin's page of blocked servers in a real Chromium: block one, see a refusal, unblock."""

from __future__ import annotations

import asyncio

import pytest

from tests.browser.instances import Sites
from tests.browser.readers import Reader, axe_findings, log_in_with_link

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_admin_blocks_and_unblocks_a_server(sites: Sites, reader: Reader) -> None:
    out = await asyncio.to_thread(sites.hub.cli, "user", "create", "admin_b", "--role", "admin")
    context = await reader.context(bypass_csp=True)  # axe-core is injected as a script
    page = await context.new_page()
    await log_in_with_link(page, out.split()[-1], "admin_b", "g h i j k l")

    await page.get_by_role("link", name="Blocked servers").click()
    await page.wait_for_url(f"{sites.hub.origin}/admin/domains")
    findings = await axe_findings(page)

    # A URL is not a domain: the reason is shown beside the field, the text kept, nothing blocked.
    await page.get_by_label("Domain").fill("https://hostile.example/")
    await page.get_by_role("button", name="Block this server").click()
    alert = page.get_by_role("alert")
    assert "give it alone, like example.org" in await alert.inner_text()
    assert await page.get_by_label("Domain").input_value() == "https://hostile.example/"
    assert await page.get_by_label("Domain").get_attribute("aria-invalid") == "true"
    findings += await axe_findings(page)
    assert "hostile.example" not in await asyncio.to_thread(sites.hub.cli, "domain", "list")

    await page.get_by_label("Domain").fill("Hostile.Example")
    await page.get_by_label("Reason (seen by the admins only)").fill("scrapes members' handles")
    await page.get_by_role("button", name="Block this server").click()
    status = page.get_by_role("status")
    assert "hostile.example is blocked" in await status.inner_text()
    item = page.get_by_role("listitem").filter(has_text="scrapes members' handles")
    assert "hostile.example" in await item.inner_text()
    findings += await axe_findings(page)
    listed = await asyncio.to_thread(sites.hub.cli, "domain", "list")
    assert listed.startswith("hostile.example\t")

    await item.get_by_role("button", name="Unblock").click()
    await page.wait_for_url(f"{sites.hub.origin}/admin/domains")
    assert await page.get_by_text("None.").is_visible()
    assert await asyncio.to_thread(sites.hub.cli, "domain", "list") == ""
    assert findings == [], "axe-core on the blocked servers page:\n" + "\n".join(findings)
    await context.close()
