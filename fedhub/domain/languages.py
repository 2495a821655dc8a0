"""Checks language tags (BCP 47) against CLDR and tells which ones are written right to left."""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from fedhub.errors import InvalidInput

# language[-script][-region][-variant...]; extensions and private use (`-u-`, `-x-`) are refused:
# nobody writes posts in them, and every tag we emit must be one other servers understand.
_TAG = re.compile(
    r"(?P<language>[a-z]{2,3})"
    r"(?:-(?P<script>[a-z]{4}))?"
    r"(?:-(?P<region>[a-z]{2}|\d{3}))?"
    r"(?P<variants>(?:-(?:[a-z0-9]{5,8}|\d[a-z0-9]{3}))*)",
)
# Tags that are valid BCP 47 yet name no language a post can be written in.
_NOT_LANGUAGES = frozenset({"und", "mul", "zxx", "mis"})
# Scripts written right to left (Unicode's list, as far as anyone writes posts in them).
_RTL_SCRIPTS = frozenset(
    {"Adlm", "Arab", "Aran", "Hebr", "Mand", "Mend", "Nkoo", "Rohg", "Samr", "Syrc", "Thaa", "Yezi"}
)
MAX_TAG_CHARS = 35


def _english() -> Locale:
    """CLDR's English names list every language, script and region it knows, with or without
    locale data of their own (Crimean Tatar `crh` has names but no data)."""
    return Locale("en")


def normalise_lang(code: str) -> str:
    """The canonical form of a language tag ("EN_gb" -> "en-GB", "iw" -> "he").

    Each part must be one CLDR knows; babel's `Locale.parse` would refuse a language it has no
    formatting data for, such as Crimean Tatar, so CLDR's list of language names decides.
    """
    raw = code.strip()
    match = _TAG.fullmatch(raw.replace("_", "-").lower()) if len(raw) <= MAX_TAG_CHARS else None
    if match is None:
        raise InvalidInput(f"unknown language code {raw!r}")
    english = _english()
    language = match["language"]
    if language not in english.languages:
        alias = get_global("language_aliases").get(language)
        if isinstance(alias, str) and "_" not in alias:
            language = alias
    if language in _NOT_LANGUAGES or not _language_exists(language, english):
        raise InvalidInput(f"unknown language code {raw!r}")
    parts = [language]
    if match["script"]:
        script = match["script"].title()
        if script not in english.scripts:
            raise InvalidInput(f"unknown script {script!r} in language code {raw!r}")
        parts.append(script)
    if match["region"]:
        region = match["region"].upper()
        if region not in english.territories:
            raise InvalidInput(f"unknown region {region!r} in language code {raw!r}")
        parts.append(region)
    parts.extend(variant for variant in match["variants"].split("-") if variant)
    return "-".join(parts)


def _language_exists(language: str, english: Locale) -> bool:
    if language in english.languages:
        return True
    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def is_rtl(lang: str) -> bool:
    """Whether text in `lang` runs right to left, for `dir="rtl"` on pages.

    A script subtag decides ("az-Arab" is RTL, "az" is not); otherwise CLDR's character order of
    the language does. An unknown tag (remote content may carry anything) counts as left to right
    rather than failing a page; templates should give remote text `dir="auto"` for that case.
    """
    try:
        tag = normalise_lang(lang)
    except InvalidInput:
        return False
    parts = tag.split("-")
    script = next((part for part in parts[1:] if len(part) == 4 and part.isalpha()), None)
    if script is not None:
        return script in _RTL_SCRIPTS
    try:
        return Locale.parse(parts[0]).character_order == "right-to-left"
    except (UnknownLocaleError, ValueError):
        return False
