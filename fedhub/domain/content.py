"""Turns what editors write, and HTML other servers send, into safe HTML, plain text and tags."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from fedhub.errors import InvalidInput

# What survives sanitising, for our own Markdown and for HTML from other servers alike. It is close
# to what Mastodon keeps (it strips the rest on arrival anyway), plus headings, rules and tables
# that our own pages show. There is no <img>: a remote image in a post makes every reader's
# browser fetch it from a server someone else chose, leaking their IP address and the time they
# read - a tracking pixel against people who may be in danger for reading queer or human-rights
# news. Pictures travel as attachments served from our own media store instead; a Markdown image
# becomes a plain link the reader can choose to follow. There is no <span> or `class` either:
# they only carry another server's styling (Mastodon's `invisible` URL parts), and dropping the
# tag keeps its text.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "a", "strong", "b", "em", "i", "u", "del", "s",
        "code", "pre", "blockquote", "ul", "ol", "li",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    # Table cell alignment is the only style Markdown writes; anything else could hide text.
    filter_style_properties={"text-align"},
    # A relative link means nothing once the post is read on another server.
    url_relative="deny",
    strip_comments=True,
)
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"})

# A bare http(s) URL in running text; punctuation at its end belongs to the sentence instead.
_BARE_URL = re.compile(r"(?<![\w/@.])https?://[^\s<>\"`]+", re.IGNORECASE)
_URL_TRAILING_PUNCTUATION = ".,:;!?…'\"»”’)]}،؛؟।"


def _render_image_as_link(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Writes `![alt](url)` as a link, so no reader's browser fetches a remote image unasked."""
    token = tokens[idx]
    src = str(token.attrs.get("src", ""))
    alt = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{html.escape(src)}">{html.escape(alt, quote=False)}</a>'


def _trim_url(url: str) -> str:
    """Drops sentence punctuation from a URL's end, keeping a `)` that closes one in the URL."""
    while url and url[-1] in _URL_TRAILING_PUNCTUATION:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _linkify(state: StateCore) -> None:
    """Turns bare http(s) URLs in text into links.

    markdown-it's own `linkify` needs linkify-it-py, which is not a dependency; this handles only
    URLs that start with a scheme, which is what people paste, and leaves `www.` alone.
    """
    md = state.md
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            if token.type != "text" or link_depth > 0 or "://" not in token.content:
                children.append(token)
                continue
            children.extend(_split_urls(md, token))
        block.children = children


def _split_urls(md: MarkdownIt, token: Token) -> list[Token]:
    text, level = token.content, token.level
    pieces: list[Token] = []
    position = 0
    for match in _BARE_URL.finditer(text):
        url = _trim_url(match.group())
        href = md.normalizeLink(url)
        if not url or not md.validateLink(href):
            continue
        if match.start() > position:
            pieces.append(Token("text", "", 0, content=text[position : match.start()], level=level))
        pieces.append(
            Token("link_open", "a", 1, attrs={"href": href}, markup="linkify", level=level)
        )
        pieces.append(Token("text", "", 0, content=md.normalizeLinkText(url), level=level + 1))
        pieces.append(Token("link_close", "a", -1, markup="linkify", level=level))
        position = match.start() + len(url)
    if not pieces:
        return [token]
    if position < len(text):
        pieces.append(Token("text", "", 0, content=text[position:], level=level))
    return pieces


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.core.ruler.after("inline", "fedhub_linkify", _linkify)
    md.add_render_rule("image", _render_image_as_link)
    return md


# Built once: the parser holds only its rule set, never state from one render to the next.
_MARKDOWN = _build_markdown()


def render_markdown(source: str) -> str:
    """Renders CommonMark (with tables and strikethrough) to HTML that is safe to publish.

    Raw HTML in the source is shown as text, not passed through; the output is sanitised anyway,
    so a bug in the renderer cannot put a script into a post.
    """
    return sanitise_html(_MARKDOWN.render(source))


def sanitise_html(html_text: str) -> str:
    """Keeps only the allowed tags, attributes and link schemes of HTML from anywhere."""
    return _CLEANER.clean(html_text)


# Before dropping tags, a space goes where a block ends, so `<p>a</p><p>b</p>` reads "a b".
_BLOCK_BOUNDARY = re.compile(
    r"(?=<(?:br|hr|/?(?:p|div|li|ul|ol|h[1-6]|blockquote|pre|table|tr|td|th)\b))", re.IGNORECASE
)


def plain_text(html_text: str) -> str:
    """The text of HTML on one line, unescaped: for summaries and search, never to put in HTML."""
    text = _TEXT_ONLY.clean(_BLOCK_BOUNDARY.sub(" ", html_text))
    return " ".join(html.unescape(text).split())


# A sentence ends with one of these, perhaps a closing quote or bracket, then a space. The Arabic
# question mark is ؟, the Armenian full stop ։, the Urdu/Persian full stop ۔; Georgian, Cyrillic
# and Arabic text otherwise use the Latin full stop.
_SENTENCE_END = re.compile(r"[.!?…؟։۔।。！？][\"'»”’)\]]*(?=\s)")
_ELLIPSIS = "…"
# Characters that belong to the one before them, so a hard cut must not fall just before them.
_JOINERS = frozenset({"\u200d", "\u200c", "\ufe0e", "\ufe0f"})


def _looks_like_html(source: str) -> bool:
    return source.lstrip().startswith("<") and nh3.is_html(source)


def lead(source: str, max_chars: int = 300) -> str:
    """A plain-text lead of a post for `summary`: its first sentences, or words and "…".

    `source` is Markdown, or HTML when it starts with a tag.
    """
    html_text = source if _looks_like_html(source) else render_markdown(source)
    return shorten(plain_text(html_text), max_chars)


def shorten(text: str, max_chars: int) -> str:
    """Plain text cut to at most `max_chars`: at a sentence end, or at a space with "…".

    When whole sentences fill at least half of `max_chars` the text stops after the last one
    that fits, without "…" (the link to the post says there is more); otherwise it stops at the
    last space and adds "…". Text without spaces (a long URL, Chinese) is cut between
    characters, never between a letter and the mark or joiner that belongs to it.
    """
    if max_chars < 2:
        raise ValueError("max_chars must be at least 2")
    text = text.strip()
    if len(text) <= max_chars:
        return text
    window = text[: max_chars + 1]  # one more, to see whether the cut falls on a space
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= max_chars]
    if sentence_ends and sentence_ends[-1] >= max_chars // 2:
        return text[: sentence_ends[-1]]
    limit = max_chars - len(_ELLIPSIS)
    space = max(text.rfind(" ", 0, limit + 1), text.rfind("\n", 0, limit + 1))
    if space > 0:
        cut = text[:space]
    else:
        end = limit
        while end > 1 and (unicodedata.combining(text[end]) or text[end] in _JOINERS):
            end -= 1
        cut = text[:end]
    return cut.rstrip(" \n,;:–—-") + _ELLIPSIS


# Mastodon's rule for a hashtag name (app/models/tag.rb): word characters of any script plus a
# few separators inside, at least one letter; a name it would not accept is dropped on arrival.
_TAG_SEPARATORS = frozenset({"_", "\u00b7", "\u30fb", "\u200c"})
MAX_TAG_CHARS = 100


def _is_word_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LM" or category in ("Nd", "Pc")


def normalise_tag(word: str) -> str:
    """The display form of a hashtag: without '#', in NFC, case kept ("KyivPride", "ЛГБТ").

    Case is kept because it is what people read (and screen readers use it to split words);
    two tags are the same tag when their `tag_key`s are equal.
    """
    name = unicodedata.normalize("NFC", word.strip())
    if name.startswith("#"):
        name = name[1:]
    if not name:
        raise InvalidInput("a tag cannot be empty")
    if len(name) > MAX_TAG_CHARS:
        raise InvalidInput(f"tag {name[:30] + '…'!r} is longer than {MAX_TAG_CHARS} characters")
    for char in name:
        if not (_is_word_char(char) or char in _TAG_SEPARATORS):
            raise InvalidInput(
                f"tag {name!r} may hold only letters, digits and '_' (found {char!r})"
            )
    if name[0] in _TAG_SEPARATORS - {"_"} or name[-1] in _TAG_SEPARATORS - {"_"}:
        raise InvalidInput(f"tag {name!r} cannot start or end with a separator")
    if not any(unicodedata.category(char).startswith("L") for char in name):
        raise InvalidInput(f"tag {name!r} needs at least one letter")
    return name


def tag_key(word: str) -> str:
    """The comparison key of a hashtag: its display form lower-cased, as Mastodon and our tag
    URLs (`Uris.tag`) compare them. `str.lower`, not `casefold`, so "Straße" stays one tag
    with Mastodon, which lower-cases in the database."""
    return normalise_tag(word).lower()
