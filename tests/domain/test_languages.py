"""Language tags are checked against CLDR and put in canonical form; RTL comes from CLDR too."""

from __future__ import annotations

import pytest

from fedhub.domain.languages import is_rtl, normalise_lang
from fedhub.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("uk", "uk"),
        ("ru", "ru"),
        ("ka", "ka"),
        ("ar", "ar"),
        ("en", "en"),
        ("hy", "hy"),
        ("kk", "kk"),
        ("be", "be"),
        ("en-GB", "en-GB"),
        ("en_gb", "en-GB"),
        (" EN-gb ", "en-GB"),
        ("zh-Hant", "zh-Hant"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("sr-Latn-RS", "sr-Latn-RS"),
        ("es-419", "es-419"),
        ("de-CH-1996", "de-CH-1996"),
        ("crh", "crh"),  # Crimean Tatar: CLDR names it but has no locale data
        ("iw", "he"),  # deprecated codes become current ones
        ("in", "id"),
    ],
)
def test_normalise_lang_accepts_and_canonicalises(raw: str, canonical: str) -> None:
    assert normalise_lang(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("xx", "unknown language code 'xx'"),
        ("qq", "unknown language code 'qq'"),
        ("", "unknown language code ''"),
        ("english", "unknown language code 'english'"),
        ("und", "unknown language code 'und'"),
        ("zxx", "unknown language code 'zxx'"),
        ("../etc", "unknown language code '../etc'"),
        ("en-US-u-ca-gregory", "unknown language code"),
        ("x-private", "unknown language code"),
        ("en-XX", "unknown region 'XX'"),
        ("uk-Abcd", "unknown script 'Abcd'"),
        ("en-" + "a" * 40, "unknown language code"),
    ],
)
def test_normalise_lang_rejects(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        normalise_lang(raw)


@pytest.mark.parametrize("lang", ["ar", "ar-EG", "fa", "he", "iw", "ur", "ckb", "yi", "az-Arab"])
def test_right_to_left_languages(lang: str) -> None:
    assert is_rtl(lang)


@pytest.mark.parametrize(
    "lang", ["uk", "ru", "ka", "en", "hy", "kk", "be", "zh-Hant", "crh", "az", "ku-Latn"]
)
def test_left_to_right_languages(lang: str) -> None:
    assert not is_rtl(lang)


def test_unknown_language_counts_as_left_to_right() -> None:
    assert not is_rtl("not a language")
