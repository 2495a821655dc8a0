"""The public pages in a real Chromium: they load, read the same without JavaScript, work from
the keyboard, fit a phone, load nothing from elsewhere, pass axe-core, and turn right-to-left
for Arabic readers."""

from __future__ import annotations

import pytest

from tests.browser.instances import Sites
from tests.browser.readers import Reader, Visit, axe_violations

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGES = ["home", "group", "article", "event", "network", "not-found"]
STATUS = {"not-found": 404}
# What each page must show: the instance's content, not interface strings (those are translated).
SHOWS = {
    "home": "Rainbow Rights Network (demo)",
    "group": "Digital safety for organisers",
    "article": "Digital safety for organisers",
    "event": "Community workshop: documenting rights violations",
    "network": "Equality march announced",
}

# The elements that stick out of the viewport (on either side, for right-to-left pages).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => { const r = e.getBoundingClientRect();
                   return r.width && (r.right > width + 1 || r.left < -1); })
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
              + ' (' + Math.round(e.getBoundingClientRect().width) + 'px)');
}"""


async def outline(visit: Visit) -> dict[str, list[str]]:
    """What a reader finds on the page: its headings and where its links and forms lead."""
    page = visit.page
    return {
        "headings": await page.locator("h1, h2, h3").all_inner_texts(),
        "links": await page.locator("main a[href]").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        ),
        "forms": await page.locator("form").evaluate_all(
            "forms => forms.map(f => (f.method || 'get') + ' ' + f.getAttribute('action'))"
        ),
    }


@pytest.mark.parametrize("name", PAGES)
async def test_a_page_reads_the_same_with_and_without_javascript(
    sites: Sites, reader: Reader, name: str
) -> None:
    url = sites.pages[name]
    scripted = await reader.visit(url)
    plain = await reader.visit(url, javascript=False)
    for visit in (scripted, plain):
        assert visit.status == STATUS.get(name, 200), url
        assert await visit.page.locator("main").count() == 1, "one main landmark"
        assert await visit.page.locator("h1").count() == 1, "one top heading"
        assert await visit.page.title()
        if name in SHOWS:
            assert await visit.page.get_by_text(SHOWS[name]).first.is_visible()
        assert visit.traffic.errors == [], "what the browser complained about"
    assert await outline(plain) == await outline(scripted)


async def test_the_article_links_its_pdf(sites: Sites, reader: Reader) -> None:
    visit = await reader.visit(sites.pages["article"], javascript=False)
    pdf = visit.page.locator("main a[href$='.pdf']")
    assert await pdf.count() >= 1
    href = await pdf.first.get_attribute("href")
    assert href is not None
    answer = await visit.page.request.get(href if "://" in href else sites.hub.origin + href)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/pdf")
    assert (await answer.body()).startswith(b"%PDF-")


@pytest.mark.parametrize("name", PAGES)
async def test_a_page_loads_nothing_from_another_origin(
    sites: Sites, reader: Reader, name: str
) -> None:
    visit = await reader.visit(sites.pages[name], settled=True)
    origin = sites.origin_of(name)
    requests = visit.traffic.requests
    elsewhere = [url for url in requests if not url.startswith((origin + "/", "data:", "blob:"))]
    assert elsewhere == [], f"requests that leave {origin}"
    assert requests[0].rstrip("/") == sites.pages[name].rstrip("/")
    assert visit.traffic.broken == [], "resources the page asks for but does not get"


@pytest.mark.parametrize("name", PAGES)
async def test_the_keyboard_reaches_the_content_first(
    sites: Sites, reader: Reader, name: str
) -> None:
    """The first Tab offers to skip the header, and following it moves focus into <main>."""
    visit = await reader.visit(sites.pages[name], javascript=False)
    page = visit.page
    await page.keyboard.press("Tab")
    focused = page.locator(":focus")
    target = await focused.get_attribute("href")
    assert target is not None and target.startswith("#"), "the first Tab stop skips to content"
    assert await focused.is_visible(), "a focused skip link is visible"
    await page.keyboard.press("Enter")
    assert await page.locator(f"main{target}, main {target}").count() == 1
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("name", PAGES)
async def test_a_page_fits_a_phone(sites: Sites, reader: Reader, name: str, lang: str) -> None:
    visit = await reader.visit(sites.pages[name], phone=True, lang=lang)
    width = await visit.page.evaluate("document.documentElement.clientWidth")
    scroll = await visit.page.evaluate("document.documentElement.scrollWidth")
    assert width == 390
    assert scroll <= width, (
        f"{scroll - width}px of horizontal scroll on a 390px phone, from: "
        + ", ".join(await visit.page.evaluate(OVERFLOWING))
    )
    content = await visit.page.locator("meta[name=viewport]").get_attribute("content")
    assert content is not None and "width=device-width" in content


@pytest.mark.parametrize("name", PAGES)
async def test_the_arabic_interface_is_right_to_left(
    sites: Sites, reader: Reader, name: str
) -> None:
    for javascript in (True, False):
        visit = await reader.visit(sites.pages[name], lang="ar", javascript=javascript)
        html = visit.page.locator("html")
        assert await html.get_attribute("dir") == "rtl"
        assert (await html.get_attribute("lang") or "").startswith("ar")
        direction = await visit.page.locator("body").evaluate("b => getComputedStyle(b).direction")
        assert direction == "rtl"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_a_reader_switches_the_interface_to_arabic(
    sites: Sites, reader: Reader, javascript: bool
) -> None:
    article = sites.pages["article"]
    visit = await reader.visit(article, javascript=javascript)
    page = visit.page
    assert await page.locator("html").get_attribute("dir") == "ltr"
    picker = page.get_by_role("navigation", name="Interface language")
    await picker.get_by_role("link", name="العربية").click()
    await page.wait_for_url(article)  # back on the page they were reading

    html = page.locator("html")
    assert await html.get_attribute("dir") == "rtl"
    assert await html.get_attribute("lang") == "ar"
    assert await page.locator("body").evaluate("b => getComputedStyle(b).direction") == "rtl"
    # The interface turns; the English article itself still reads left to right.
    text = page.locator("main .content[lang='en']")
    assert await text.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # The choice is remembered on the next page.
    await page.goto(sites.pages["group"])
    assert await page.locator("html").get_attribute("dir") == "rtl"


VARIANTS = {
    "en": {"lang": "en"},
    "ar": {"lang": "ar"},
    "en-dark": {"lang": "en", "dark": True},
    "en-phone": {"lang": "en", "phone": True},
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", PAGES)
async def test_axe_finds_no_serious_violation(
    sites: Sites, reader: Reader, name: str, variant: str
) -> None:
    violations = await axe_violations(reader, sites.pages[name], **VARIANTS[variant])
    assert violations == [], f"axe-core on {name} ({variant}):\n" + "\n".join(violations)
