"""The interface speaks the reader's language: catalogues, negotiation, the picker, RTL."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from fedhub.web.i18n import LANGUAGE_COOKIE, LOCALE_DIR, Catalogues, parse_accept_language
from fedhub.web.page_views import local_path
from tests.conftest import Instance
from tests.web.test_pages import BROWSER

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("uk", "ru", "ar", "ka")


def extracted_msgids() -> set[str]:
    """What the code and templates ask to translate now, read with the project's babel.cfg."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(ROOT), method_map, options_map)
    }


def template_msgids() -> set[str]:
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        return {message.id for message in read_po(pot) if message.id}


def test_the_template_catalogue_is_up_to_date() -> None:
    """A string added or changed without `make messages` fails here, not in front of readers."""
    extracted, pot = extracted_msgids(), template_msgids()
    assert extracted - pot == set(), "run `make messages`: these are missing from messages.pot"
    assert pot - extracted == set(), "run `make messages`: these are no longer used"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalogue_translates_every_message(lang: str) -> None:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=lang)
    ids = {message.id for message in catalog if message.id}
    assert ids == template_msgids(), "run `make messages` and translate the new strings"
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    # Placeholders must survive translation, or the page would fail to render.
    problems = [(message.id, errors) for message, errors in catalog.check()]
    assert problems == []
    for message in catalog:
        if message.id and isinstance(message.id, str) and isinstance(message.string, str):
            placeholders = set(re.findall(r"%\(\w+\)s", message.id))
            assert set(re.findall(r"%\(\w+\)s", message.string)) == placeholders, message.id


def test_catalogues_load_from_the_po_files() -> None:
    catalogues = Catalogues.load()
    assert set(catalogues.codes) == {"en", *LANGUAGES}
    ukrainian = catalogues.get("uk")
    assert ukrainian is not None
    assert ukrainian.translations.gettext("Upcoming events") == "Найближчі події"
    assert ukrainian.native_name == "Українська"
    arabic = catalogues.get("ar")
    assert arabic is not None and arabic.direction == "rtl"
    english = catalogues.get("en")
    assert english is not None and english.direction == "ltr"


def test_accept_language_is_read_by_quality_then_order() -> None:
    assert parse_accept_language("uk-UA,uk;q=0.9,en;q=0.8") == ["uk-UA", "uk", "en"]
    assert parse_accept_language("en;q=0.2, ar ,ru;q=0.5") == ["ar", "ru", "en"]
    assert parse_accept_language("*, de;q=0, ka;q=bad, fr") == ["fr"]
    assert parse_accept_language("") == []


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, "uk-UA,uk;q=0.9,en;q=0.5", "uk"),
        (None, "de-DE, ru;q=0.5, en;q=0.1", "ru"),
        (None, "ar-EG", "ar"),
        (None, "fr, de", "en"),
        (None, None, "en"),
        ("ka", "uk", "ka"),  # the picker's choice wins over the browser's
        ("xx", "ru", "ru"),  # a cookie naming no catalogue is ignored
    ],
)
def test_negotiation(cookie: str | None, header: str | None, expected: str) -> None:
    assert Catalogues.load().negotiate(cookie, header).code == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/groups/demo?articles=2", "/groups/demo?articles=2"),
        ("/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("groups/demo", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ],
)
def test_the_picker_goes_back_only_to_a_path_on_this_site(target: str, expected: str) -> None:
    assert local_path(target) == expected


async def fetch(
    instance: Instance, path: str, status: int = 200, **headers: str
) -> tuple[str, dict[str, str]]:
    async with instance.http.get(
        instance.base_url + path, headers={"Accept": BROWSER, **headers}, allow_redirects=False
    ) as response:
        assert response.status == status, await response.text()
        return await response.text(), dict(response.headers)


async def test_the_interface_follows_accept_language(demo: Instance) -> None:
    page, headers = await fetch(demo, "/groups/demo", **{"Accept-Language": "uk-UA,uk;q=0.9"})
    assert '<html lang="uk" dir="ltr">' in page
    assert "Найближчі події" in page and "Стежити за цією групою" in page
    assert headers["Content-Language"] == "uk"
    assert {"Accept", "Accept-Language", "Cookie"} <= {
        part.strip() for part in headers["Vary"].split(",")
    }
    # Dates are written the Ukrainian way, by CLDR.
    assert re.search(r"\d{1,2} (січ|лют|бер|квіт|трав|черв|лип|серп|вер|жовт|лист|груд)", page)
    # The group's own text keeps its language, whatever the interface's.
    assert '<h1 lang="en" dir="ltr">Rainbow Rights Network (demo)</h1>' in page


async def test_arabic_readers_get_a_right_to_left_page(demo: Instance) -> None:
    page, _ = await fetch(demo, "/", **{"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in page
    assert "الفعاليات القادمة" in page
    # English and Georgian content stays left to right inside the RTL page.
    assert 'lang="en" dir="ltr">Digital safety for organisers' in page
    assert 'lang="ka" dir="ltr"' in page


async def test_the_picker_sets_a_cookie_that_wins_over_the_browser(demo: Instance) -> None:
    _, headers = await fetch(demo, "/language?lang=ka&next=/groups/demo%3Farticles%3D1", 303)
    assert headers["Location"] == "/groups/demo?articles=1"
    cookie = SimpleCookie(headers["Set-Cookie"])[LANGUAGE_COOKIE]
    assert cookie.value == "ka"
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) >= 180 * 24 * 3600
    # (aiohttp's client jar keeps no cookies from IP addresses, so the test sends it itself.)
    page, _ = await fetch(
        demo, "/groups/demo", **{"Accept-Language": "en", "Cookie": f"{LANGUAGE_COOKIE}=ka"}
    )
    assert '<html lang="ka" dir="ltr">' in page and "მომავალი ღონისძიებები" in page
    # The picker lists every language in itself, and links back to the page it is on.
    assert 'lang="uk" hreflang="uk" href="' in page and ">Українська</a>" in page
    assert ">العربية</a>" in page and ">Русский</a>" in page
    assert "/language?lang=ar&amp;next=/groups/demo" in page


async def test_the_picker_refuses_open_redirects_and_unknown_languages(demo: Instance) -> None:
    _, headers = await fetch(demo, "/language?lang=uk&next=//evil.example/x", 303)
    assert headers["Location"] == "/"
    _, headers = await fetch(demo, "/language?lang=uk&next=https://evil.example/", 303)
    assert headers["Location"] == "/"
    page, headers = await fetch(demo, "/language?lang=xx&next=/", 400, **{"Accept-Language": "uk"})
    assert "Інтерфейс недоступний цією мовою." in page
    assert "Set-Cookie" not in headers


async def test_not_found_is_a_page_in_the_readers_language(demo: Instance) -> None:
    page, _ = await fetch(demo, "/no/such/page", 404, **{"Accept-Language": "uk"})
    assert '<html lang="uk"' in page and "<h1>Не знайдено</h1>" in page
    assert "Not Found" not in page  # HTTP's English reason phrase is not shown
    page, _ = await fetch(demo, "/groups/nobody", 404, **{"Accept-Language": "ru"})
    assert "<h1>Не найдено</h1>" in page
    # The store's reason is English: it says so, so screen readers read it right.
    assert '<span lang="en">' in page and "nobody" in page
    page, _ = await fetch(demo, "/groups/demo?articles=x", 400, **{"Accept-Language": "ar"})
    assert '<span lang="ar">يجب أن يكون رقم الصفحة عددًا صحيحًا موجبًا.</span>' in page
