"""What a file really is, judged from its bytes, not from its name: only known types are accepted."""

from __future__ import annotations

from fedhub.errors import InvalidInput

# (magic prefix, media type); WebP is checked separately because its magic is split.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)

ACCEPTED = "PDF, PNG, JPEG, GIF or WebP"


def sniff_media_type(head: bytes) -> str:
    """The media type of a file from its first bytes; anything unrecognised is refused.

    Trusting the name or the uploader's Content-Type would let a hostile HTML or SVG file be
    served from the instance's origin.
    """
    for magic, media_type in _SIGNATURES:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidInput(f"unsupported file type: attach a {ACCEPTED} file")


def safe_filename(name: str) -> str:
    """A display file name without path parts or control characters (it ends up in URLs)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    if not cleaned:
        raise InvalidInput(f"invalid file name {name!r}")
    return cleaned[:200]
