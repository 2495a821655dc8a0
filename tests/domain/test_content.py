"""Markdown rendering, sanitising, plain text, leads and hashtags, with hostile input."""

from __future__ import annotations

import time

import pytest

from fedhub.domain.content import (
    lead,
    normalise_tag,
    plain_text,
    render_markdown,
    sanitise_html,
    shorten,
    tag_key,
)
from fedhub.errors import InvalidInput

REL = 'rel="nofollow noopener noreferrer"'


# render_markdown


def test_markdown_renders_commonmark_tables_and_strikethrough() -> None:
    html = render_markdown("**bold** _em_ ~~gone~~ `code`\n\n| a | b |\n|:-|-:|\n| 1 | 2 |")
    assert "<strong>bold</strong>" in html
    assert "<em>em</em>" in html
    assert "<s>gone</s>" in html
    assert "<code>code</code>" in html
    assert '<th style="text-align:left">a</th>' in html
    assert '<td style="text-align:right">2</td>' in html


def test_markdown_keeps_list_start_and_headings() -> None:
    html = render_markdown("# Title\n\n3. three\n4. four\n\n> quote\n\n---")
    assert "<h1>Title</h1>" in html
    assert '<ol start="3">' in html
    assert "<blockquote>" in html
    assert "<hr>" in html


def test_markdown_links_get_rel() -> None:
    html = render_markdown("[site](https://example.org/) [mail](mailto:kyiv@example.org)")
    assert f'<a href="https://example.org/" {REL}>site</a>' in html
    assert f'<a href="mailto:kyiv@example.org" {REL}>mail</a>' in html


def test_markdown_raw_html_is_shown_as_text() -> None:
    html = render_markdown('<script>alert(1)</script> <b onclick="x">b</b>\n\n<div>block</div>')
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<b" not in html
    assert "<div" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
    ],
)
def test_markdown_dangerous_links_have_no_href(source: str) -> None:
    html = render_markdown(source).lower()
    assert 'href="javascript' not in html.lower()
    assert 'href="vbscript' not in html
    assert 'href="data' not in html


def test_markdown_image_becomes_link_not_img() -> None:
    html = render_markdown('![Pride march *2026*](https://cdn.example/p.jpg "title")')
    assert "<img" not in html
    assert f'<a href="https://cdn.example/p.jpg" {REL}>Pride march 2026</a>' in html


def test_markdown_image_with_dangerous_source_is_not_linked() -> None:
    html = render_markdown("![x](javascript:alert(1)) ![y](data:image/png;base64,AAAA)")
    assert "<img" not in html
    assert "href" not in html


def test_markdown_relative_links_lose_href() -> None:
    assert "href" not in render_markdown("[about](/about) [top](#top)")


def test_markdown_linkifies_bare_urls() -> None:
    html = render_markdown(
        "See https://example.org/wiki/Foo_(bar). Also (https://x.org/a), "
        "«https://example.org/q?a=1&b=2»."
    )
    assert f'<a href="https://example.org/wiki/Foo_(bar)" {REL}>' in html
    assert f'<a href="https://x.org/a" {REL}>https://x.org/a</a>),' in html
    assert f'<a href="https://example.org/q?a=1&amp;b=2" {REL}>' in html
    assert "</a>»." in html


def test_markdown_linkify_leaves_links_code_and_glued_text_alone() -> None:
    html = render_markdown(
        "[https://a.example](https://b.example) `https://code.example` xhttps://no.example"
    )
    assert html.count("<a ") == 1
    assert f'<a href="https://b.example" {REL}>https://a.example</a>' in html
    assert "<code>https://code.example</code>" in html
    assert "xhttps://no.example" in html


def test_markdown_linkifies_unicode_hosts() -> None:
    html = render_markdown("Сайт: https://київ.укр/шлях")
    assert 'href="https://xn--' in html
    assert ">https://київ.укр/шлях</a>" in html


@pytest.mark.parametrize(
    "source",
    [
        "[" * 100_000,
        "*a " * 50_000,
        "**_" * 50_000,
        "<" * 200_000,
        ">" * 100_000,
        "https://a.example/ " * 10_000,
    ],
)
def test_markdown_huge_hostile_input_is_fast(source: str) -> None:
    started = time.perf_counter()
    html = render_markdown(source)
    assert time.perf_counter() - started < 5
    assert "<script" not in html


# sanitise_html


def test_sanitise_removes_scripts_handlers_and_styles() -> None:
    html = sanitise_html(
        '<p onclick="steal()">hi<script>alert(1)</script><style>p{}</style>'
        '<img src="x" onerror="alert(1)"><iframe src="https://e.example"></iframe></p>'
    )
    assert html == "<p>hi</p>"


def test_sanitise_keeps_safe_links_and_forces_rel() -> None:
    html = sanitise_html(
        '<a href="https://mastodon.example/@kyiv" class="mention u-url" rel="me" '
        'target="_blank">@kyiv</a>'
    )
    assert html == f'<a href="https://mastodon.example/@kyiv" {REL}>@kyiv</a>'


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        " javascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "ftp://example.org/file",
        "/relative",
    ],
)
def test_sanitise_drops_other_schemes(href: str) -> None:
    html = sanitise_html(f'<a href="{href}">x</a>')
    assert "href" not in html
    assert ">x</a>" in html


def test_sanitise_keeps_text_of_spans_and_drops_classes() -> None:
    html = sanitise_html(
        '<p><span class="h-card"><a href="https://m.example/@a" class="u-url mention">'
        '@<span>a</span></a></span> <span class="invisible">https://</span>'
        '<span class="ellipsis">example.org/long</span></p>'
    )
    assert "span" not in html
    assert "class" not in html
    assert "@a</a> https://example.org/long" in html


def test_sanitise_filters_style_to_text_align() -> None:
    html = sanitise_html(
        '<table><tr><td style="text-align:center;background:url(https://t.example/p)">c</td>'
        "</tr></table>"
    )
    assert 'style="text-align:center"' in html
    assert "background" not in html


def test_sanitise_removes_comments_and_unknown_tags() -> None:
    html = sanitise_html("<p><!-- secret --><marquee>moving</marquee><u>u</u></p>")
    assert html == "<p>moving<u>u</u></p>"


# plain_text


def test_plain_text_separates_blocks_and_joins_inline() -> None:
    text = plain_text("<h1>Head</h1><p>One <b>bo</b>ld</p><ul><li>a</li><li>b</li></ul>x<br>y")
    assert text == "Head One bold a b x y"


def test_plain_text_unescapes_and_drops_script_content() -> None:
    text = plain_text("<p>Tom &amp; Jerry &lt;3&nbsp;you</p><script>alert(1)</script>")
    assert text == "Tom & Jerry <3 you"


# lead

UKRAINIAN = (
    "Київський прайд оголошує марш рівності. Збираємося біля метро о шостій вечора! "
    "Беріть із собою воду, парасольки та гарний настрій. "
) * 4
GEORGIAN = "თბილისის პრაიდი აცხადებს მარშს. შეხვედრა მეტროსთან საღამოს ექვს საათზე. " * 6
ARABIC = (
    "مجموعة حقوق الإنسان تعلن عن اجتماع مفتوح؟ نعم، في المساء. نرحب بالجميع في المركز الثقافي. "
) * 6


def test_lead_of_short_text_is_the_text() -> None:
    assert lead("Коротко **і** ясно.") == "Коротко і ясно."


def test_lead_ukrainian_stops_at_sentence_end() -> None:
    assert lead(UKRAINIAN, 120) == (
        "Київський прайд оголошує марш рівності. Збираємося біля метро о шостій вечора!"
    )


def test_lead_georgian_stops_at_sentence_end() -> None:
    result = lead(GEORGIAN, 100)
    assert result == "თბილისის პრაიდი აცხადებს მარშს. შეხვედრა მეტროსთან საღამოს ექვს საათზე."


def test_lead_arabic_knows_the_arabic_question_mark() -> None:
    result = lead(ARABIC, 60)
    assert result == "مجموعة حقوق الإنسان تعلن عن اجتماع مفتوح؟ نعم، في المساء."
    assert lead(ARABIC, 50) == "مجموعة حقوق الإنسان تعلن عن اجتماع مفتوح؟"


def test_lead_armenian_full_stop() -> None:
    text = "Հանդիպումը կայանալու է երեկոյան։ Բոլորը հրավիրված են։ " * 5
    assert lead(text, 60) == "Հանդիպումը կայանալու է երեկոյան։ Բոլորը հրավիրված են։"


def test_lead_without_sentence_end_cuts_at_a_word_with_ellipsis() -> None:
    text = "слово " * 100
    result = lead(text, 50)
    assert len(result) <= 50
    assert result.endswith("слово…")
    assert all(word in ("слово", "слово…") for word in result.split())


def test_lead_short_first_sentence_then_long_one_cuts_words() -> None:
    text = "Так. " + "довге речення без кінця " * 30
    result = lead(text, 100)
    assert result.startswith("Так. довге")
    assert result.endswith("…")
    assert len(result) <= 100


@pytest.mark.parametrize("max_chars", [10, 31, 77, 100, 299, 300])
@pytest.mark.parametrize("text", [UKRAINIAN, GEORGIAN, ARABIC])
def test_lead_never_exceeds_and_never_cuts_a_word(text: str, max_chars: int) -> None:
    result = lead(text, max_chars)
    assert len(result) <= max_chars
    words = set(text.replace("؟", " ").replace(".", " ").replace("!", " ").split())
    for word in result.rstrip("…").replace("؟", " ").replace(".", " ").replace("!", " ").split():
        assert word.rstrip(",،") in {w.rstrip(",،") for w in words}


def test_lead_of_one_huge_word_cuts_between_characters() -> None:
    result = lead("x" * 1000, 20)
    assert result == "x" * 19 + "…"


def test_shorten_keeps_combining_marks_with_their_letter() -> None:
    text = "\u0628\u064e" * 20  # beh with fatha, twenty times, no spaces
    assert shorten(text, 10) == "\u0628\u064e" * 4 + "…"  # not "...beh" without its fatha


def test_lead_of_html_strips_tags() -> None:
    html = "<p>Перше речення. Друге речення.</p><script>alert(1)</script>"
    assert lead(html) == "Перше речення. Друге речення."


def test_lead_of_markdown_drops_markup() -> None:
    assert lead("# Заголовок\n\nТекст із [посиланням](https://x.example).") == (
        "Заголовок Текст із посиланням."
    )


def test_lead_rejects_tiny_limit() -> None:
    with pytest.raises(ValueError):
        lead("text", 1)


# hashtags


@pytest.mark.parametrize(
    ("raw", "display"),
    [
        ("#KyivPride", "KyivPride"),
        ("ЛГБТ", "ЛГБТ"),
        ("#ქართული", "ქართული"),
        ("حقوق_الإنسان", "حقوق_الإنسان"),
        ("  #pride2026  ", "pride2026"),
        ("_under", "_under"),
        ("e\u0301te", "\u00e9te"),  # NFC
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian with a zero-width non-joiner
    ],
)
def test_normalise_tag_accepts_any_script(raw: str, display: str) -> None:
    assert normalise_tag(raw) == display


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("#", "empty"),
        ("   ", "empty"),
        ("two words", "only letters"),
        ("##double", "only letters"),
        ("kyiv-pride", "only letters"),
        ("<script>", "only letters"),
        ("2026", "at least one letter"),
        ("\u200ctag", "separator"),
        ("x" * 101, "longer than"),
    ],
)
def test_normalise_tag_rejects(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        normalise_tag(raw)


def test_tag_key_is_lower_case_display_form() -> None:
    assert tag_key("#KyivPride") == "kyivpride"
    assert tag_key("ЛГБТ") == tag_key("лгбт") == "лгбт"
    assert tag_key("Straße") == "straße"
