"""The interface language of one request: negotiated, then used by every template it renders.

Templates call `_()`/`ngettext()` through Jinja's i18n extension; the callables read the
translations of the request being served from a context variable, so one environment serves
every language at once (each aiohttp request runs in its own task, with its own context).
"""

from __future__ import annotations

import gettext
from contextvars import ContextVar

_translations: ContextVar[gettext.NullTranslations] = ContextVar(
    "fedhub_translations", default=gettext.NullTranslations()
)


def use_translations(translations: gettext.NullTranslations) -> None:
    """Make `translations` the ones templates see for the rest of this request (task)."""
    _translations.set(translations)


def gettext_(message: str) -> str:
    return _translations.get().gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return _translations.get().ngettext(singular, plural, n)
