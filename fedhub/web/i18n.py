"""The interface language of one request: the shipped catalogues, negotiation, and the choice.

Templates call `_()`/`ngettext()` through Jinja's i18n extension and views call `gettext()`;
both read the request's translations from a context variable, so one environment serves every
language at once (each aiohttp request runs in its own task, with its own context).

Catalogues are compiled in memory from the `.po` files at start-up, so a fresh clone, an
editable install and a wheel all work without a build step that could be forgotten.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from fedhub.errors import InvalidInput

SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
# The reader's explicit choice, set by the language picker; it wins over Accept-Language.
LANGUAGE_COOKIE = "fedhub_lang"
MAX_ACCEPT_LANGUAGE_ITEMS = 20


@dataclass(frozen=True)
class Interface:
    """One interface language: its CLDR locale (dates, names, direction) and its messages."""

    code: str
    locale: Locale
    translations: NullTranslations

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    @property
    def native_name(self) -> str:
        """The language's name in itself ("Українська"), as a picker should show it."""
        return native_name(self.locale)


class Catalogues:
    """Every interface language, read once from `locale/<code>/LC_MESSAGES/messages.po`."""

    def __init__(self, interfaces: dict[str, Interface]) -> None:
        self._interfaces = interfaces

    @classmethod
    def load(cls, folder: Path = LOCALE_DIR) -> Catalogues:
        interfaces = {SOURCE_LANGUAGE: ENGLISH}
        for po in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            code = po.parent.parent.name
            interfaces[code] = Interface(code, Locale.parse(code), compile_po(po, code))
        return cls(interfaces)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._interfaces)

    @property
    def interfaces(self) -> tuple[Interface, ...]:
        return tuple(self._interfaces.values())

    def get(self, code: str) -> Interface | None:
        return self._interfaces.get(code)

    def negotiate(self, choice: str | None, accept_language: str | None) -> Interface:
        """The picker's cookie if it names a language we have, else the best of Accept-Language,
        else English."""
        if choice and choice in self._interfaces:
            return self._interfaces[choice]
        preferred = parse_accept_language(accept_language or "")
        best = negotiate_locale(preferred, list(self._interfaces), sep="-")
        return self._interfaces[best or SOURCE_LANGUAGE]


def native_name(locale: Locale) -> str:
    """A language's name in itself, capitalised as a list item ("Українська", "ქართული")."""
    name = locale.get_display_name(locale) or str(locale)
    # Title case, not upper: Georgian's capitals (Mtavruli) never start a word.
    return name[:1].title() + name[1:]


def compile_po(path: Path, code: str) -> Translations:
    """A `.po` file as gettext translations; fuzzy (unreviewed) entries are left out."""
    with path.open("rb") as source:
        catalog = read_po(source, locale=code, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def parse_accept_language(header: str) -> list[str]:
    """Language ranges of an `Accept-Language` header, most wanted first ("*" and q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:MAX_ACCEPT_LANGUAGE_ITEMS]):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


# The source language needs no catalogue: the messages are written in it.
ENGLISH = Interface(SOURCE_LANGUAGE, Locale(SOURCE_LANGUAGE), NullTranslations())
_current: ContextVar[Interface] = ContextVar("fedhub_interface", default=ENGLISH)


def use_interface(interface: Interface) -> None:
    """Make `interface` the one templates and views see for the rest of this request (task)."""
    _current.set(interface)


def current() -> Interface:
    return _current.get()


def gettext(message: str) -> str:
    return _current.get().translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.get().translations.ngettext(singular, plural, n)


class ReaderError(InvalidInput):
    """A refusal whose reason is already in the reader's interface language, not English."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.lang = current().code
